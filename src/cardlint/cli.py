"""click commands only: arguments -> run -> exit code."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from cardlint import __version__
from cardlint.config import DEFAULT
from cardlint.diagnostics import Applicability, Diagnostic
from cardlint.discover import Target, UsageError, discover, find_root
from cardlint.export import CSV_COLUMNS, flat_row, to_data
from cardlint.fix import FileFix, fix_file
from cardlint.linkcheck import LinkResolver
from cardlint.lint import FileResult, lint
from cardlint.report import REPORTERS, jsonout
from cardlint.report import text as text_report
from cardlint.report.model import Report
from cardlint.rules import registry
from cardlint.schema import schema_text

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
_root = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Repository root; links may not leave it. Default: the nearest "
    "ancestor with .git or a cardlint config, else the folder holding "
    "models/.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardlint")
def cli() -> None:
    """Lint, cross-check and fix leaderboard model-card markdown."""


def _targets(paths: Sequence[Path], root: Path | None) -> tuple[Path, list[Target]]:
    chosen = list(paths) or [Path()]
    base = root.absolute() if root else find_root(chosen)
    if root is not None and not root.is_dir():
        raise UsageError(f"--root {root} is not a directory")
    return base, discover(chosen, base)


def _run(paths: Sequence[Path], root: Path | None) -> tuple[list[Target], list[FileResult]]:
    base, targets = _targets(paths, root)
    return targets, lint(targets, DEFAULT, base)


@cli.command()
@_paths
@_root
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
def check(paths: tuple[Path, ...], root: Path | None, fmt: str) -> None:
    """Check model cards under PATHS (files or directories, default `.`)."""
    try:
        targets, results = _run(paths, root)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    diagnostics = tuple(
        sorted((d for r in results for d in r.diagnostics), key=Diagnostic.sort_key)
    )
    click.echo(REPORTERS[fmt](Report(len(targets), diagnostics)), nl=False)
    sys.exit(EXIT_FINDINGS if diagnostics else EXIT_CLEAN)


@cli.command()
@_paths
@_root
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "csv"]),
    default="json",
    show_default=True,
)
def extract(paths: tuple[Path, ...], root: Path | None, fmt: str) -> None:
    """Export the parsed records of the cards under PATHS."""
    try:
        _, results = _run(paths, root)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    records = [to_data(r.record)[0] for r in results if r.record is not None]
    failed = [
        d for r in results if r.record is None and r.target.kind != "page" for d in r.diagnostics
    ]
    for diagnostic in failed:
        click.echo(
            f"{diagnostic.path}:{diagnostic.span.line}:{diagnostic.span.column}: "
            f"{diagnostic.code} {diagnostic.message} (not extracted)",
            err=True,
        )
    click.echo(_serialise(records, fmt), nl=False)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _serialise(records: list[dict[str, object]], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_row(r) for r in records)
    return out.getvalue()


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a card record."""
    click.echo(schema_text(), nl=False)


@cli.command("rules")
def rules_() -> None:
    """List every rule: code, name, fix, summary."""
    rows = registry.all_rules()
    width = max(len(r.name) for r in rows)
    for r in rows:
        fix = "fix" if r.fixable else "   "
        click.echo(f"{r.code}  {r.name:<{width}}  {fix}  {r.severity.value:<7}  {r.summary}")


@cli.command("rule")
@click.argument("code")
def rule_(code: str) -> None:
    """Print the documentation of one rule, e.g. `cardlint rule CL301`."""
    found = registry.get(code)
    if found is None:
        raise click.UsageError(f"unknown rule code {code!r}; see `cardlint rules`")
    click.echo(found.markdown(), nl=False)


@cli.command("fix")
@_paths
@_root
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe (e.g. CL308).")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print a unified diff of the fixes instead of writing them; exit 1 when there is "
    "something to fix.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format of the findings that remain.",
)
def fix_(
    paths: tuple[Path, ...], root: Path | None, unsafe_fixes: bool, show_diff: bool, fmt: str
) -> None:
    """Fix what can be fixed in the cards under PATHS; verified, atomic, minimal edits."""
    try:
        base, targets = _targets(paths, root)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    resolver = LinkResolver(base)
    results = [
        fix_file(t, DEFAULT, resolver, base, unsafe=unsafe_fixes, write=not show_diff)
        for t in targets
    ]
    for failed in (r for r in results if r.error):
        click.echo(f"{failed.target.display}: not fixed: {failed.error}", err=True)
    errors = any(r.error for r in results)
    if show_diff:
        click.echo("".join(_fix_diff(r) for r in results if r.changed), nl=False)
        click.echo(_fix_summary(results, "Would fix"), err=True)
        sys.exit(EXIT_FINDINGS if errors or any(r.changed for r in results) else EXIT_CLEAN)
    remaining = tuple(sorted((d for r in results for d in r.remaining), key=Diagnostic.sort_key))
    render = _fix_json if fmt == "json" else _fix_text
    click.echo(render(results, remaining), nl=False)
    sys.exit(EXIT_FINDINGS if errors or remaining else EXIT_CLEAN)


def _fix_summary(results: Sequence[FileFix], verb: str) -> str:
    fixed = sum(r.fixed for r in results)
    files = sum(1 for r in results if r.changed)
    left = sum(len(r.remaining) for r in results)
    return (
        f"{verb} {fixed} finding{'s' * (fixed != 1)} in {files} file{'s' * (files != 1)} "
        f"({left} remaining)."
    )


def _fix_text(results: Sequence[FileFix], remaining: Sequence[Diagnostic]) -> str:
    lines = [text_report.line(d) for d in remaining]
    unsafe = sum(
        1 for d in remaining if d.fix is not None and d.fix.applicability is Applicability.UNSAFE
    )
    if unsafe:
        lines.append(f"{unsafe} more fixable with `cardlint fix --unsafe-fixes`.")
    return "\n".join([*lines, _fix_summary(results, "Fixed")]) + "\n"


def _fix_json(results: Sequence[FileFix], remaining: Sequence[Diagnostic]) -> str:
    data = {
        "version": 1,
        "files": len(results),
        "fixed": sum(r.fixed for r in results),
        "files_fixed": sum(1 for r in results if r.changed),
        "not_fixed": [{"path": r.target.display, "reason": r.error} for r in results if r.error],
        "diagnostics": [jsonout.entry(d) for d in remaining],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _fix_diff(result: FileFix) -> str:
    """A unified diff that `git apply` takes from the root; line endings kept as on disk."""
    old, new = _LINE.findall(result.before), _LINE.findall(result.after)
    rel = result.target.rel
    lines = difflib.unified_diff(old, new, f"a/{rel}", f"b/{rel}")
    # A last line without a newline would glue itself to the next diff line.
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


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
