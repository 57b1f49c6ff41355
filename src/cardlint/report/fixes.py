"""What `cardlint fix` prints: remaining findings, a summary, or a unified diff."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from cardlint.diagnostics import Applicability, Diagnostic
from cardlint.fix import FileFix
from cardlint.report import jsonout
from cardlint.report import text as text_report
from cardlint.report.escape import git_path, json_dumps

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def summary(results: Sequence[FileFix], verb: str) -> str:
    fixed = sum(r.fixed for r in results)
    files = sum(1 for r in results if r.changed)
    left = sum(len(r.remaining) for r in results)
    return (
        f"{verb} {fixed} finding{'s' * (fixed != 1)} in {files} file{'s' * (files != 1)} "
        f"({left} remaining)."
    )


def as_text(results: Sequence[FileFix], remaining: Sequence[Diagnostic]) -> str:
    lines = [text_report.line(d) for d in remaining]
    unsafe = sum(
        1 for d in remaining if d.fix is not None and d.fix.applicability is Applicability.UNSAFE
    )
    if unsafe:
        lines.append(f"{unsafe} more fixable with `cardlint fix --unsafe-fixes`.")
    return "\n".join([*lines, summary(results, "Fixed")]) + "\n"


def as_json(results: Sequence[FileFix], remaining: Sequence[Diagnostic]) -> str:
    data = {
        "version": 1,
        "files": len(results),
        "fixed": sum(r.fixed for r in results),
        "files_fixed": sum(1 for r in results if r.changed),
        "not_fixed": [{"path": r.target.display, "reason": r.error} for r in results if r.error],
        "diagnostics": [jsonout.entry(d) for d in remaining],
    }
    return json_dumps(data, indent=2) + "\n"


def diff(result: FileFix) -> str:
    """A unified diff that `git apply` takes from the root; line endings kept as on disk."""
    old, new = _LINE.findall(result.before), _LINE.findall(result.after)
    rel = result.target.rel
    # A name with a newline, a control or bytes that are not UTF-8 is quoted as git quotes
    # it: one header line each, and `git apply` reads back the exact name.
    lines = difflib.unified_diff(old, new, git_path(f"a/{rel}"), git_path(f"b/{rel}"))
    # A last line without a newline would glue itself to the next diff line.
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    )
