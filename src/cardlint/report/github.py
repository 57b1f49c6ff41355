"""GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding."""

from __future__ import annotations

from cardlint.diagnostics import Diagnostic
from cardlint.report.escape import github_data, github_property, workflow_data, workflow_property
from cardlint.report.model import Report

# GitHub's own escaping alone; `command` first makes every control (newlines included)
# visible, so that a hostile name or message is one inert line and one inert annotation.
escape_data = workflow_data
escape_property = workflow_property


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
    joined = ",".join(f"{key}={github_property(value)}" for key, value in properties.items())
    return f"::{diagnostic.severity.value} {joined}::{github_data(diagnostic.message)}"


def render(report: Report) -> str:
    return "".join(command(d) + "\n" for d in report.diagnostics)
