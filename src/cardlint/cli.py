"""click commands only: arguments -> options -> run -> exit code."""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cardlint import __version__, run
from cardlint.discover import UsageError
from cardlint.report import REPORTERS

if TYPE_CHECKING:
    from cardlint.lint import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = run.EXIT_CLEAN, run.EXIT_FINDINGS, run.EXIT_ERROR
F = TypeVar("F", bound=Callable[..., Any])
_FILE = click.Path(dir_okay=False, path_type=Path)


def _selection_options(command: F) -> F:
    """Options every command that reads cards shares: paths, root, settings, rule selection."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--root",
            type=click.Path(file_okay=False, path_type=Path),
            help="Repository root; links may not leave it. Default: the nearest "
            "ancestor with .git or a cardlint config, else the folder holding models/.",
        ),
        click.option(
            "--config",
            "config_file",
            type=_FILE,
            help="Read settings from FILE only (a pyproject.toml needs [tool.cardlint]).",
        ),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option(
            "--select",
            multiple=True,
            metavar="CODES",
            help="Codes or prefixes to report, comma-separated (ALL: every rule); "
            "replaces the configured selection.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="CODES",
            help="Codes or prefixes not to report, comma-separated.",
        ),
        click.option(
            "--extend-select",
            multiple=True,
            metavar="CODES",
            help="Codes or prefixes to report on top of the selection.",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the .cardlint_cache folder."
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _selection(kwargs: dict[str, Any]) -> run.Selection:
    names = (
        "paths",
        "root",
        "config_file",
        "isolated",
        "select",
        "ignore",
        "extend_select",
        "no_cache",
    )
    return run.Selection(**{name: kwargs.pop(name) for name in names})


def _guarded(action: Callable[[], int]) -> None:
    try:
        code = action()
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardlint")
def cli() -> None:
    """Lint, cross-check and fix leaderboard model-card markdown."""


@cli.command()
@_selection_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output-file", type=_FILE, help="Write the report to FILE, not to stdout.")
@click.option("--baseline", type=_FILE, help="Report only findings FILE does not record.")
@click.option(
    "--write-baseline",
    type=_FILE,
    help="Record every current finding in FILE as the baseline, and exit 0; with PATHS, "
    "replace only the entries of what they cover and keep the rest of FILE.",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per code.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings and nothing else.")
@click.option(
    "--show-source", is_flag=True, help="Show the offending line with a caret under each finding."
)
def check(**kwargs: Any) -> None:
    """Check the cards and pages under PATHS (files or directories, default `.`)."""
    selection = _selection(kwargs)
    _guarded(lambda: run.check(run.CheckOptions(selection=selection, **kwargs)))


@cli.command("fix")
@_selection_options
@click.option(
    "--unsafe-fixes",
    "unsafe",
    is_flag=True,
    help="Also apply fixes marked unsafe (e.g. CL308, CL503).",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print a unified diff of the fixes instead of "
    "writing them; exit 1 when there is something to fix.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format of the findings that remain.",
)
@click.option(
    "--baseline",
    type=_FILE,
    help="Leave the findings FILE records alone: neither fixed nor counted as remaining.",
)
def fix_(**kwargs: Any) -> None:
    """Fix what can be derived under PATHS: verified, atomic, minimal edits."""
    selection = _selection(kwargs)
    _guarded(lambda: run.fix(run.FixOptions(selection=selection, **kwargs)))


@cli.command()
@_selection_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "csv"]),
    default="json",
    show_default=True,
)
def extract(fmt: str, **kwargs: Any) -> None:
    """Export the parsed records of the cards under PATHS.

    Exit 0 when every card asked for was read and parsed, whatever else `check` would
    report; 1 when one could not be read, did not parse (it is extracted as far as it
    parsed), or a file passed by name is not a card. Each problem is a line on stderr."""
    selection = _selection(kwargs)

    def action() -> int:
        from cardlint.export import extracted  # noqa: PLC0415  (commands import what they use)

        _, results = run.lint_selection(selection, reuse=False)
        records = [extracted(r.record) for r in results if r.record is not None]
        named = {os.path.abspath(p) for p in selection.paths}  # noqa: PTH100
        failed = [_extract_problems(r, str(r.target.path) in named) for r in results]
        run.emit(_serialise(records, fmt), None, "json" if fmt == "json" else "text")
        return EXIT_FINDINGS if any(failed) else EXIT_CLEAN

    _guarded(action)


# Findings that say a card's layout did not parse (CL108 and CL109 are not about parsing).
_UNPARSED = frozenset({"CL101", "CL102", "CL103", "CL104", "CL105", "CL106", "CL107"})


def _extract_problems(result: FileResult, named: bool) -> bool:
    """Print on stderr what keeps a file from being extracted; whether that is a failure:
    unread or unparsed input, or a file named on the command line that is not a card. A
    misplaced page found in a folder is only noted: `check` is the command that reports it."""
    from cardlint.report.escape import visible  # noqa: PLC0415

    kind = result.target.kind
    if kind == "page":
        return False
    if kind == "card" and result.record is not None:
        shown = [d for d in result.diagnostics if d.code in _UNPARSED]
        outcome = "extracted as far as it parsed"
    else:
        shown = list(result.diagnostics)
        outcome = "not a card: not extracted" if kind == "misplaced" else "not extracted"
    for d in shown:
        where = f"{visible(d.path)}:{d.span.line}:{d.span.column}:"
        click.echo(f"{where} {d.code} {visible(d.message)} ({outcome})", err=True)
    if not shown and result.record is None:  # its finding is not selected
        click.echo(f"{visible(result.target.display)}: {outcome}", err=True)
    if kind == "misplaced":
        return named
    return bool(shown) or result.record is None


def _serialise(records: list[dict[str, object]], fmt: str) -> str:
    from cardlint.export import CSV_COLUMNS, flat_row  # noqa: PLC0415
    from cardlint.report.escape import json_dumps, visible_multiline  # noqa: PLC0415

    if fmt == "jsonl":
        return "".join(json_dumps(r) + "\n" for r in records)
    if fmt == "json":
        return json_dumps(records, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_row(r) for r in records)
    # CSV has no escapes of its own: controls (not newlines, which CSV quotes) and bytes
    # that are not UTF-8 are shown visibly, so a cell cannot drive a terminal.
    return visible_multiline(out.getvalue())


@cli.command("config")
@_selection_options
def config_(**kwargs: Any) -> None:
    """Print the effective settings for PATHS and where each comes from."""
    selection = _selection(kwargs)

    def action() -> int:
        from cardlint.settings import describe  # noqa: PLC0415

        click.echo(describe(run.settings_for(selection)), nl=False)
        return EXIT_CLEAN

    _guarded(action)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a card record."""
    from cardlint.schema import schema_text  # noqa: PLC0415

    click.echo(schema_text(), nl=False)


@cli.command("rules")
def rules_() -> None:
    """List every rule: code, name, fix, severity, summary."""
    from cardlint.rules import registry  # noqa: PLC0415

    rows = registry.all_rules()
    width = max(len(r.name) for r in rows)
    for r in rows:
        fix = "fix" if r.fixable else "   "
        click.echo(f"{r.code}  {r.name:<{width}}  {fix}  {r.severity.value:<7}  {r.summary}")


@cli.command("rule")
@click.argument("code")
def rule_(code: str) -> None:
    """Print the documentation of one rule, e.g. `cardlint rule CL301`."""
    from cardlint.rules import registry  # noqa: PLC0415

    found = registry.get(code)
    if found is None:
        raise click.UsageError(f"unknown rule code {code!r}; see `cardlint rules`")
    click.echo(found.markdown(), nl=False)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="cardlint",
            standalone_mode=False,
        )
    except click.UsageError as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int | None) else EXIT_ERROR
    except Exception as exc:  # an internal failure must not print a traceback
        click.echo(f"cardlint: internal error: {exc.__class__.__name__}: {exc}", err=True)
        return EXIT_ERROR
    return EXIT_CLEAN
