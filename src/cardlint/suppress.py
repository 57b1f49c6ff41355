"""Inline suppressions: `<!-- cardlint-disable… -->` comments and the findings they hide.

    <!-- cardlint-disable-next-line CL301 -->   the line after the comment's line
    | … | <!-- cardlint-disable-line CL501 -->   the comment's own line (a table row: a
                                                 comment line between rows would end the
                                                 table, on GitHub as here)
    <!-- cardlint-disable CL4 --> … <!-- cardlint-enable CL4 -->   a range of lines
    <!-- cardlint-disable-file -->               the whole file

Codes are optional (none: every code), separated by spaces or commas, and may be prefixes
(`CL4`). A comment must sit on one line; fenced code blocks and inline code are skipped.
For a range, the latest `disable` or `enable` at or above a finding's line that covers its
code decides. A finding is credited to one comment only, the most specific: (next-)line, then
range, then file; within a comment, to its longest matching code.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.records import Span
from cardlint.rules import registry
from cardlint.rules import suppression as _codes  # noqa: F401  (registers CL109, CL110)
from cardlint.source import Source

UNUSED = "CL109"
UNKNOWN = "CL110"
ALL = -1  # the "code" credited when a comment without codes suppresses a finding

_COMMENT = re.compile(
    r"<!--[ \t]*cardlint-(?P<kind>disable-next-line|disable-line|disable-file|disable|enable)"
    r"(?P<codes>[ \t,][^\n]*?)?[ \t]*-->"
)
_TOKEN = re.compile(r"[^\s,]+")
_CODE_PREFIX = re.compile(r"CL\d{1,3}")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)[^\n]*?(?<!`)\1(?!`)")


class Kind(str, enum.Enum):
    NEXT_LINE = "disable-next-line"
    LINE = "disable-line"
    DISABLE = "disable"
    ENABLE = "enable"
    FILE = "disable-file"


@dataclass(frozen=True)
class Code:
    written: str  # as in the comment
    span: Span
    known: bool  # a rule code, or the prefix of one

    @property
    def code(self) -> str:
        return self.written.upper()


@dataclass(frozen=True)
class Comment:
    kind: Kind
    span: Span  # `<!-- … -->`
    codes: tuple[Code, ...]  # empty: every code
    removal: Span  # what deleting the comment removes (its line, or it and a space)
    commas: bool = False  # codes separated by commas: kept that way when some are removed

    @property
    def line(self) -> int:
        return self.span.line

    def token_for(self, code: str) -> int | None:
        """The index of the longest of this comment's codes covering `code` (ALL: no codes)."""
        if not self.codes:
            return ALL
        best: int | None = None
        for index, token in enumerate(self.codes):
            longer = best is None or len(token.code) > len(self.codes[best].code)
            if token.known and code.startswith(token.code) and longer:
                best = index
        return best


@dataclass(frozen=True)
class Suppressions:
    path: str
    comments: tuple[Comment, ...] = ()


# --- reading the comments -----------------------------------------------------------------


def parse_suppressions(source: Source) -> Suppressions:
    text = source.text
    if "cardlint-" not in text:
        return Suppressions(source.path)
    skipped = _fenced(text) + [m.span() for m in _CODE_SPAN.finditer(text)]
    known = frozenset(r.code for r in registry.all_rules())
    comments = tuple(
        _comment(source, match, known)
        for match in _COMMENT.finditer(text)
        if not any(start <= match.start() < end for start, end in skipped)
    )
    return Suppressions(source.path, comments)


def _fenced(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (an unclosed fence runs to the end)."""
    regions: list[tuple[int, int]] = []
    opening, start, pos = "", 0, 0
    for line in text.split("\n"):
        fence = _FENCE.fullmatch(line)
        if not opening and fence and not (fence[1][0] == "`" and "`" in fence[2]):
            opening, start = fence[1], pos
        elif opening and fence and _closes(opening, fence):
            regions.append((start, pos + len(line)))
            opening = ""
        pos += len(line) + 1
    if opening:
        regions.append((start, len(text)))
    return regions


def _closes(opening: str, fence: re.Match[str]) -> bool:
    same = fence[1][0] == opening[0] and len(fence[1]) >= len(opening)
    return same and not fence[2].strip()


def _comment(source: Source, match: re.Match[str], known: frozenset[str]) -> Comment:
    codes: list[Code] = []
    if match["codes"]:
        offset = match.start("codes")
        for token in _TOKEN.finditer(match["codes"]):
            written = token[0]
            valid = _CODE_PREFIX.fullmatch(written.upper()) is not None and any(
                code.startswith(written.upper()) for code in known
            )
            span = source.span(offset + token.start(), offset + token.end())
            codes.append(Code(written, span, valid))
    span = source.span(match.start(), match.end())
    commas = "," in (match["codes"] or "").strip(" \t,")
    return Comment(Kind(match["kind"]), span, tuple(codes), _removal(source, span), commas)


def _removal(source: Source, comment: Span) -> Span:
    text, line = source.text, source.line_span(comment.line)
    before, after = text[line.start : comment.start], text[comment.end : line.end]
    if not before.strip() and not after.strip():
        return source.span(line.start, min(line.end + 1, len(text)))
    start, end = comment.start, comment.end
    if before.strip():  # `text <!-- … -->`: the comment and the blanks before it
        start = line.start + len(before.rstrip(" \t"))
    else:  # `<!-- … --> text`: the comment and the blanks after it
        end = line.end - len(after.lstrip(" \t"))
    return source.span(start, end)


# --- applying them ------------------------------------------------------------------------

Credit = dict[int, set[int]]  # comment index -> indexes of its codes that suppressed something


def apply(
    suppressions: Suppressions, diagnostics: Iterable[Diagnostic]
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(findings not suppressed, findings about the comments: CL109 unused, CL110 unknown).

    The findings about a comment are never suppressed by that comment itself; another
    comment covering their code hides them and counts as used for it.
    """
    if not suppressions.comments:
        return list(diagnostics), []
    credit: Credit = {}
    kept = [d for d in diagnostics if not _suppressed(suppressions, d, credit)]
    about = [*_unknown(suppressions), *_unused(suppressions, credit)]
    hidden = {(i, d.code) for i, d in about if _hides(suppressions, i, d, credit)}
    unknown = [d for i, d in _unknown(suppressions) if (i, UNKNOWN) not in hidden]
    unused = [d for i, d in _unused(suppressions, credit) if (i, UNUSED) not in hidden]
    return kept, sorted(unknown + unused, key=Diagnostic.sort_key)


def _suppressed(suppressions: Suppressions, diagnostic: Diagnostic, credit: Credit) -> bool:
    if diagnostic.path != suppressions.path:
        return False
    return _hides(suppressions, None, diagnostic, credit)


def _hides(
    suppressions: Suppressions, origin: int | None, diagnostic: Diagnostic, credit: Credit
) -> bool:
    found = _suppressor(suppressions.comments, diagnostic.code, diagnostic.span.line, origin)
    if found is not None:
        credit.setdefault(found[0], set()).add(found[1])
    return found is not None


def _suppressor(
    comments: tuple[Comment, ...], code: str, line: int, origin: int | None
) -> tuple[int, int] | None:
    """(comment, code index) that suppresses `code` on `line`, never comment `origin`."""
    others = [(i, c) for i, c in enumerate(comments) if i != origin]
    return _next_line(others, code, line) or _range(others, code, line) or _file(others, code)


def _next_line(comments: list[tuple[int, Comment]], code: str, line: int) -> tuple[int, int] | None:
    for index, comment in comments:
        token = comment.token_for(code)
        if token is None:
            continue
        if comment.kind is Kind.NEXT_LINE and comment.line + 1 == line:
            return index, token
        if comment.kind is Kind.LINE and comment.line == line:
            return index, token
    return None


def _range(comments: list[tuple[int, Comment]], code: str, line: int) -> tuple[int, int] | None:
    """The latest `disable` or `enable` at or above `line` covering `code` decides."""
    for index, comment in reversed(comments):
        if comment.kind not in (Kind.DISABLE, Kind.ENABLE) or comment.line > line:
            continue
        token = comment.token_for(code)
        if token is not None:
            return (index, token) if comment.kind is Kind.DISABLE else None
    return None


def _file(comments: list[tuple[int, Comment]], code: str) -> tuple[int, int] | None:
    for index, comment in comments:
        token = comment.token_for(code)
        if comment.kind is Kind.FILE and token is not None:
            return index, token
    return None


def _finding(path: str, code: str, span: Span, message: str, fix: Fix | None) -> Diagnostic:
    rule = registry.get(code)
    assert rule is not None, code
    return Diagnostic(path, span, code, message, rule.severity, fix)


def _unknown(suppressions: Suppressions) -> Iterator[tuple[int, Diagnostic]]:
    for index, comment in enumerate(suppressions.comments):
        for token in comment.codes:
            if not token.known:
                message = (
                    f"`{token.written}` in `cardlint-{comment.kind.value}` is not a rule code "
                    "or the prefix of one: it suppresses nothing"
                )
                yield index, _finding(suppressions.path, UNKNOWN, token.span, message, None)


def _unused(suppressions: Suppressions, credit: Credit) -> Iterator[tuple[int, Diagnostic]]:
    for index, comment in enumerate(suppressions.comments):
        if comment.kind is Kind.ENABLE:
            continue
        used = credit.get(index, set())
        known = [i for i, token in enumerate(comment.codes) if token.known]
        idle = [i for i in known if i not in used]
        if (comment.codes and not idle) or (not comment.codes and used):
            continue
        finding = _partly_unused if used else _wholly_unused
        yield index, finding(suppressions.path, comment, idle)


def _wholly_unused(path: str, comment: Comment, idle: list[int]) -> Diagnostic:
    names = ", ".join(f"`{comment.codes[i].written}`" for i in idle)
    message = f"suppression comment `cardlint-{comment.kind.value}` suppresses nothing"
    if names:
        message += f" (unused: {names})"
    fix = Fix("Remove the unused suppression comment", (Edit(comment.removal, ""),))
    return _finding(path, UNUSED, comment.span, message, fix)


def _partly_unused(path: str, comment: Comment, idle: list[int]) -> Diagnostic:
    names = ", ".join(f"`{comment.codes[i].written}`" for i in idle)
    kept = [token.written for i, token in enumerate(comment.codes) if i not in idle]
    first, last = comment.codes[0].span, comment.codes[-1].span
    codes = Span(first.start, last.end, first.line, first.column, last.end_line, last.end_column)
    joined = (", " if comment.commas else " ").join(kept)
    plural = "s" if len(idle) > 1 else ""
    message = f"suppression comment `cardlint-{comment.kind.value}` has unused code{plural} {names}"
    fix = Fix(f"Remove the unused code{plural} {names}", (Edit(codes, joined),))
    return _finding(path, UNUSED, comment.span, message, fix)
