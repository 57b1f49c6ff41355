"""GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding."""

from __future__ import annotations

from cardlint.diagnostics import Diagnostic
from cardlint.report.model import Report

# Escapes as GitHub's runner reads them back (actions/toolkit `command.ts`); `%` comes first
# so that the escapes it introduces are not escaped again.
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def _escape(value: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in escapes:
        value = value.replace(raw, escaped)
    return value


def escape_data(value: str) -> str:
    return _escape(value, _DATA_ESCAPES)


def escape_property(value: str) -> str:
    return _escape(value, _PROPERTY_ESCAPES)


def command(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    properties = {
        "file": diagnostic.path,
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"cardlint ({diagnostic.code})",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{diagnostic.severity.value} {joined}::{escape_data(diagnostic.message)}"


def render(report: Report) -> str:
    return "".join(command(d) + "\n" for d in report.diagnostics)
