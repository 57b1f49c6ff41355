"""What the commands do, apart from parsing arguments: settings -> files -> lint -> report."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from cardlint.cache import Cache
from cardlint.cache import enabled as cache_enabled
from cardlint.diagnostics import Diagnostic
from cardlint.discover import Target, UsageError, discover, find_root
from cardlint.lint import FileResult, Workspace, lint, with_listing_pages
from cardlint.report import REPORTERS
from cardlint.report import text as text_report
from cardlint.report.escape import encoded, json_dumps, visible
from cardlint.report.model import Report
from cardlint.settings import Settings, is_enabled, is_excluded, load_settings, with_cli
from cardlint.source import Source

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROGRESS_FROM = 200  # files; fewer finish before a progress line would help


@dataclass(frozen=True)
class Selection:
    """How the user chose files and settings; shared by every command."""

    paths: tuple[Path, ...] = ()
    root: Path | None = None
    config_file: Path | None = None
    isolated: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    no_cache: bool = False


@dataclass(frozen=True)
class CheckOptions:
    selection: Selection = field(default_factory=Selection)
    fmt: str = "text"
    output_file: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    statistics: bool = False
    exit_zero: bool = False
    quiet: bool = False
    show_source: bool = False


def settings_for(selection: Selection) -> Settings:
    settings = load_settings(
        list(selection.paths) or [Path()], config=selection.config_file, isolated=selection.isolated
    )
    return with_cli(
        settings,
        select=selection.select,
        ignore=selection.ignore,
        extend_select=selection.extend_select,
    )


def targets_for(selection: Selection, settings: Settings) -> tuple[Path, list[Target]]:
    chosen = list(selection.paths) or [Path()]
    root = selection.root or settings.root
    if root is not None and not root.is_dir():
        raise UsageError(f"root {root} is not a directory")
    base = Path(os.path.abspath(root)) if root is not None else find_root(chosen)  # noqa: PTH100
    targets = [t for t in discover(chosen, base) if not is_excluded(t.path, settings)]
    return base, targets


def _caching(selection: Selection) -> bool:
    return not selection.no_cache and cache_enabled()


def enabled(settings: Settings) -> Callable[[Diagnostic], bool]:
    return lambda d: is_enabled(d.code, settings, d.path)


def lint_selection(
    selection: Selection, reuse: bool = True, keep: frozenset[str] = frozenset({"source", "record"})
) -> tuple[Settings, list[FileResult]]:
    """Lint what the selection names; `reuse`: findings may come from the cache; `keep`:
    what each result retains (see `lint`)."""
    settings, _, results = _lint_targets(selection, reuse, keep)
    return settings, results


def _lint_targets(
    selection: Selection, reuse: bool, keep: frozenset[str]
) -> tuple[Settings, list[Target], list[FileResult]]:
    """`lint_selection`, and the targets the selection named (the results add the index
    pages that list a named card, on which only what concerns those cards may be reported)."""
    settings = settings_for(selection)
    base, targets = targets_for(selection, settings)
    cache = Cache(base, settings.config) if _caching(selection) else None
    results = lint(
        targets,
        settings.config,
        base,
        enabled(settings),
        _progress(len(targets)),
        cache,
        reuse,
        keep,
    )
    return settings, targets, results


def _progress(total: int) -> Callable[[int, int], None] | None:
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return None

    def show(done: int, of: int) -> None:
        end = "\n" if done == of else ""
        click.echo(f"\rChecked {done}/{of} files", err=True, nl=False)
        if end:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)

    return show


def use_color() -> bool:
    # no-color.org: a NO_COLOR that is present and not empty turns colour off.
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def statistics_json(report: Report) -> str:
    counts = Counter(d.code for d in report.diagnostics)
    fixable = Counter(d.code for d in report.diagnostics if d.fixable)
    rows = [
        {"code": code, "count": n, "fixable": fixable[code]}
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return json_dumps(rows, indent=2) + "\n"


def _baseline() -> Any:
    # Imported when used: most runs have no baseline, and imports are a share of a warm run.
    import cardlint.baseline  # noqa: PLC0415

    return cardlint.baseline


def check(options: CheckOptions) -> int:
    """`cardlint check`: the exit code."""
    if options.statistics and options.fmt not in {"text", "json"}:
        raise UsageError("--statistics prints text or json, not " + options.fmt)
    if options.baseline is not None and options.write_baseline is not None:
        raise UsageError("--baseline and --write-baseline exclude each other")

    known = _baseline().load_baseline(options.baseline) if options.baseline is not None else None
    # Sources are kept only for what needs them: a huge tree is linted in bounded memory.
    needs_source = options.show_source or bool(options.baseline or options.write_baseline)
    _, named, results = _lint_targets(
        options.selection, True, frozenset({"source"} if needs_source else ())
    )
    found = sorted((d for r in results for d in r.diagnostics), key=Diagnostic.sort_key)
    sources = {r.source.path: r.source for r in results if r.source is not None}
    checked = tuple(r.target.display for r in results)
    whole = tuple(t.display for t in named)  # checked in full, not just for the named cards
    if options.write_baseline is not None:
        count = _baseline().write_baseline(
            options.write_baseline, found, sources, _scope(options.selection, whole, checked)
        )
        where = visible(str(options.write_baseline))
        click.echo(f"Recorded {count} finding{'s' * (count != 1)} in {where}.", err=True)
        return EXIT_CLEAN
    if known is not None:
        found, stale = _baseline().filter_new(known, found, sources, whole)
        if stale:
            words = "entries no longer occur" if stale != 1 else "entry no longer occurs"
            click.echo(f"{stale} baseline {words}; refresh it with --write-baseline.", err=True)
    report = Report(len(results), tuple(found), checked)
    emit(render(options, report, sources), options.output_file, syntax_of(options))
    return EXIT_FINDINGS if found and not options.exit_zero else EXIT_CLEAN


def _scope(selection: Selection, whole: tuple[str, ...], checked: tuple[str, ...]) -> Any:
    """What `--write-baseline` replaces: everything without paths, else what they cover."""
    if not selection.paths:
        return None
    folders = tuple(str(p) for p in selection.paths if p.is_dir())
    return _baseline().Scope(frozenset(whole), folders, frozenset(checked) - frozenset(whole))


def render(options: CheckOptions, report: Report, sources: dict[str, Source]) -> str:
    if options.statistics:
        return statistics_json(report) if options.fmt == "json" else text_report.statistics(report)
    if options.fmt != "text":
        return REPORTERS[options.fmt](report)
    color = options.output_file is None and use_color()
    return text_report.render_with(
        report, color=color, quiet=options.quiet, sources=sources if options.show_source else None
    )


def syntax_of(options: CheckOptions) -> str:
    """The syntax a report is written in, which its escapes must keep valid."""
    if options.fmt in {"json", "sarif"}:
        return "json"
    if options.fmt == "junit":
        return "xml"
    return "json" if options.statistics and options.fmt == "json" else "text"


def emit(rendered: str, output_file: Path | None, syntax: str = "text") -> None:
    """Write a report as bytes encoded here: a stdout that is strict UTF-8, or not UTF-8 at
    all, gets escapes in place of what it cannot take (in the report's `syntax`: text,
    json or xml), never an encoding error."""
    if output_file is None:
        click.echo(encoded(rendered, getattr(sys.stdout, "encoding", None), syntax), nl=False)
        return
    try:
        output_file.write_bytes(encoded(rendered, "utf-8", syntax))
    except OSError as exc:
        raise click.FileError(str(output_file), exc.strerror) from exc


@dataclass(frozen=True)
class FixOptions:
    selection: Selection = field(default_factory=Selection)
    fmt: str = "text"
    unsafe: bool = False
    diff: bool = False
    baseline: Path | None = None


def fix(options: FixOptions) -> int:
    """`cardlint fix`: cards first, then the index pages that list them; the exit code."""
    from cardlint.fix import fix_files  # noqa: PLC0415  (only `fix` needs it)
    from cardlint.report import fixes  # noqa: PLC0415

    settings = settings_for(options.selection)
    base, targets = targets_for(options.selection, settings)
    cache = Cache(base, settings.config) if _caching(options.selection) else None
    selected = enabled(settings)
    if options.baseline is not None:  # recorded findings are neither fixed nor remaining
        selected = _baseline().unrecorded(_baseline().load_baseline(options.baseline), selected)
    workspace = Workspace(base, settings.config, selected, cache)
    targets = with_listing_pages(workspace, targets)
    results = fix_files(targets, workspace, unsafe=options.unsafe, write=not options.diff)
    for failed in (r for r in results if r.error):
        where, why = visible(failed.target.display), visible(failed.error or "")
        click.echo(f"{where}: not fixed: {why}", err=True)
    errors = any(r.error for r in results)
    if options.diff:
        emit("".join(fixes.diff(r) for r in results if r.changed), None)
        click.echo(fixes.summary(results, "Would fix"), err=True)
        return EXIT_FINDINGS if errors or any(r.changed for r in results) else EXIT_CLEAN
    remaining = tuple(sorted((d for r in results for d in r.remaining), key=Diagnostic.sort_key))
    render_fixes = fixes.as_json if options.fmt == "json" else fixes.as_text
    emit(render_fixes(results, remaining), None, "json" if options.fmt == "json" else "text")
    return EXIT_FINDINGS if errors or remaining else EXIT_CLEAN
