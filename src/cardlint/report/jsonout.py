"""The JSON report: `{"version": 1, "files": N, "diagnostics": [...]}`."""

from __future__ import annotations

from typing import Any

from cardlint.diagnostics import Diagnostic
from cardlint.report.escape import json_dumps
from cardlint.report.model import Report


def entry(d: Diagnostic) -> dict[str, Any]:
    span = d.span
    return {
        "path": d.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "fixable": d.fixable,
    }


def render(report: Report) -> str:
    data = {
        "version": 1,
        "files": report.files,
        "diagnostics": [entry(d) for d in report.diagnostics],
    }
    return json_dumps(data, indent=2) + "\n"
