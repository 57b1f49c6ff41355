"""`path:line:col: CODE [*] message`, then a summary line, as ruff prints them."""

from __future__ import annotations

from cardlint.diagnostics import Applicability, Diagnostic
from cardlint.report.model import Report


def line(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    safe = diagnostic.fix is not None and diagnostic.fix.applicability is Applicability.SAFE
    mark = " [*]" if safe else ""
    return (
        f"{diagnostic.path}:{span.line}:{span.column}: {diagnostic.code}{mark} {diagnostic.message}"
    )


def summary(report: Report) -> str:
    count = len(report.diagnostics)
    files = report.files
    if not count:
        return f"All checks passed ({files} file{'s' * (files != 1)} checked)."
    with_findings = len({d.path for d in report.diagnostics})
    safe = sum(
        1
        for d in report.diagnostics
        if d.fix is not None and d.fix.applicability is Applicability.SAFE
    )
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
    lines = [line(d) for d in report.diagnostics]
    return "\n".join([*lines, summary(report)]) + "\n"
