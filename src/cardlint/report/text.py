"""`path:line:col: CODE [*] message`, then a summary line, as ruff prints them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import click

from cardlint.diagnostics import Applicability, Diagnostic, Severity
from cardlint.report.escape import visible
from cardlint.report.model import Report
from cardlint.rules import registry
from cardlint.source import Source


def _safe(diagnostic: Diagnostic) -> bool:
    fix = diagnostic.fix
    return fix is not None and fix.applicability is Applicability.SAFE


def line(diagnostic: Diagnostic, color: bool = False) -> str:
    span = diagnostic.span
    mark = " [*]" if _safe(diagnostic) else ""
    # Paths and messages quote the repository: escaped, so a finding is one inert line.
    where = f"{visible(diagnostic.path)}:{span.line}:{span.column}:"
    code = diagnostic.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(
            code, fg="red" if diagnostic.severity is Severity.ERROR else "yellow", bold=True
        )
        mark = click.style(mark, fg="cyan") if mark else ""
    return f"{where} {code}{mark} {visible(diagnostic.message)}"


def source_excerpt(diagnostic: Diagnostic, source: Source | None, color: bool = False) -> str:
    """The offending line, then a caret under the span (`^^^`), indented under the finding;
    a long line is clipped to a window around the span, so the output stays in proportion
    to the findings, not to findings times line length."""
    if source is None or not 1 <= diagnostic.span.line <= source.line_count:
        return ""
    line = source.line_span(diagnostic.span.line)
    span = diagnostic.span
    start = min(line.start + span.column - 1, line.end)
    end = line.start + span.end_column - 1 if span.end_line == span.line else line.end
    shown, before, under = _window(source.text, line.start, line.end, start, max(end, start))
    caret = " " * before + "^" * max(1, under)
    if color:
        caret = click.style(caret, fg="red", bold=True)
    number = f"{span.line:>4} | "
    return f"{number}{shown}\n{' ' * (len(number) - 2)}| {caret}"


EXCERPT_WHOLE = 240  # columns up to which a line is shown whole (a long index row fits)
EXCERPT_WIDTH = 120  # columns of a longer line's window, `…` marks included
EXCERPT_BEFORE = 40  # columns kept before the span when the line is clipped
CLIPPED = "…"


def _width(char: str) -> int:
    return len(visible(char))


def _window(text: str, first: int, last: int, start: int, end: int) -> tuple[str, int, int]:
    """The line `text[first:last]` clipped around `text[start:end]`, escaped: the shown
    text, the columns before the span and the columns under it (within the window).
    Work is bounded by the window, not by the length of the line."""
    if last - first <= EXCERPT_WHOLE:
        shown = visible(text[first:last])
        if len(shown) <= EXCERPT_WHOLE:
            return shown, len(visible(text[first:start])), len(visible(text[start:end]))
    budget = EXCERPT_WIDTH - 2  # room for both marks
    left = right = start
    used = 0
    while left > first and used + _width(text[left - 1]) <= EXCERPT_BEFORE:
        left -= 1
        used += _width(text[left])
    while right < last and used + _width(text[right]) <= budget:
        used += _width(text[right])
        right += 1
    while left > first and used + _width(text[left - 1]) <= budget:  # the span ends the line
        left -= 1
        used += _width(text[left])
    head = CLIPPED if left > first else ""
    tail = CLIPPED if right < last else ""
    before = len(head) + len(visible(text[left:start]))
    under = len(visible(text[start : min(end, right)]))
    return head + visible(text[left:right]) + tail, before, under


def summary(report: Report) -> str:
    count = len(report.diagnostics)
    files = report.files
    if not count:
        return f"All checks passed ({files} file{'s' * (files != 1)} checked)."
    with_findings = len({d.path for d in report.diagnostics})
    safe = sum(1 for d in report.diagnostics if _safe(d))
    unsafe = report.fixable - safe
    text = (
        f"Found {count} finding{'s' * (count != 1)} in {with_findings} of {files} "
        f"file{'s' * (files != 1)}."
    )
    if safe:
        text += f"\n[*] {safe} fixable with `cardlint fix`."
    if unsafe:
        text += f"\n{unsafe} more fixable with `cardlint fix --unsafe-fixes`."
    return text


def render(report: Report) -> str:
    return render_with(report)


def render_with(
    report: Report,
    *,
    color: bool = False,
    quiet: bool = False,
    sources: Mapping[str, Source] | None = None,
) -> str:
    """The text report; `sources` turns on the source excerpt under each finding."""
    lines = []
    for diagnostic in report.diagnostics:
        lines.append(line(diagnostic, color))
        if sources is not None:
            excerpt = source_excerpt(diagnostic, sources.get(diagnostic.path), color)
            if excerpt:
                lines.append(excerpt)
    if not quiet:
        lines.append(summary(report))
    return "".join(f"{x}\n" for x in lines)


def statistics(report: Report) -> str:
    """One line per code: count, code, fix mark, name; most frequent first."""
    counts = Counter(d.code for d in report.diagnostics)
    fixable = {d.code for d in report.diagnostics if _safe(d)}
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = registry.get(code)
        mark = "[*]" if code in fixable else "[ ]"
        rows.append(f"{count:>6}  {code}  {mark} {rule.name if rule else ''}")
    return "".join(f"{row}\n" for row in rows)
