"""Inline pieces of one line: links and `**Label:** value` fields, with offsets.

A linter must see what an author meant as a link even where CommonMark would not
render one (`[Try the Model](AA playground)` has a space in its target), so links
are found by bracket matching on the line rather than by the inline renderer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cardlint.parse.blocks import Line
from cardlint.records import Link
from cardlint.source import Source

_FIELD = re.compile(r"(?P<bullet>- )?\*\*(?P<label>[^*]+?):\*\*(?: (?P<value>.*))?")


@dataclass(frozen=True)
class FieldLine:
    label: str
    value: str
    value_start: int
    value_end: int
    line: Line
    bulleted: bool


def field_line(line: Line) -> FieldLine | None:
    match = _FIELD.fullmatch(line.text)
    if not match:
        return None
    value = match.group("value") or ""
    start = line.start + (
        match.start("value") if match.group("value") is not None else len(line.text)
    )
    return FieldLine(
        match.group("label"), value, start, start + len(value), line, bool(match.group("bullet"))
    )


# One level of nesting in the text and the target covers `[a [b]](x (y))`; deeper
# nesting is not a link a card would hold.
_LINK = re.compile(
    r"\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"\((?P<target>(?:[^()\\]|\\.|\([^()]*\))*)\)"
)


_TICKS = re.compile(r"`+")


def code_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, run length) of each code span: a backtick run closed by the next run of
    the same length (CommonMark). One pass over the runs, however many backticks there are:
    a backreference regex retries every run length at every start, which is cubic."""
    if "`" not in text:
        return []
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = seen.get(length)
        seen[length] = index
    spans, index = [], 0
    while index < len(runs):
        close = following[index]
        if close is None:
            index += 1  # no closer: the run is literal backticks
            continue
        spans.append((runs[index][0], runs[close][1], runs[index][1] - runs[index][0]))
        index = close + 1
    return spans


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [(start, end) for start, end, _ in code_spans(text)]


# Backslash escapes of CommonMark: `\` before ASCII punctuation stands for the character.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_TO_ESCAPE = re.compile(r"[\\\[\]`]")


def escape_link_text(text: str) -> str:
    """`text` as written inside `[…]`: every bracket, backslash and backtick escaped, so the
    link re-parses with exactly this text and no code span or inner link takes it apart."""
    return _TO_ESCAPE.sub(lambda m: "\\" + m.group(), text)


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: m.group(1), text)


def link_text_says(raw: str, meant: str) -> bool:
    """Whether raw link text reads as `meant`, as written or once its escapes are removed."""
    return raw == meant or unescape(raw) == meant


def links_in(source: Source, line: Line) -> Iterator[Link]:
    text = line.text
    if "](" not in text:
        return
    skip = _code_spans(text)
    for match in _LINK.finditer(text):
        if not any(a <= match.start() < b for a, b in skip):
            yield _link(source, line, match.start(), match.end("text"), match.end() - 1)


def _link(source: Source, line: Line, open_: int, close: int, end: int) -> Link:
    base = line.start
    raw_target = line.text[close + 2 : end]
    lead = len(raw_target) - len(raw_target.lstrip())
    # Kept as written, `<…>` and any title included: `link_destination` reads it, for card
    # links and index cells alike, and a cell is compared with the card's link as written.
    target = raw_target.strip()
    target_start = base + close + 2 + lead
    return Link(
        text=line.text[open_ + 1 : close],
        target=target,
        span=source.span(base + open_, base + end + 1),
        target_span=source.span(target_start, target_start + len(target)),
        text_span=source.span(base + open_ + 1, base + close),
    )


def table_cells(text: str, base: int) -> list[tuple[int, int]]:
    """Character ranges of the cells of `| a | b |` (pipes escaped by `\\` kept)."""
    bounds = [i for i, c in enumerate(text) if c == "|" and (i == 0 or text[i - 1] != "\\")]
    cells = []
    for left, right in itertools.pairwise(bounds):
        inner = text[left + 1 : right]
        lead = len(inner) - len(inner.lstrip())
        start = base + left + 1 + lead
        # A blank cell is an empty span at its end, never one that ends before it starts.
        cells.append((start, max(start, base + left + 1 + len(inner.rstrip()))))
    return cells


# --- link destinations (CommonMark 6.3) -----------------------------------------------------

_LINK_SPACE = " \t"  # a link's whitespace on one line: spaces and tabs
_TITLE_CLOSE = {'"': '"', "'": "'", "(": ")"}


@dataclass(frozen=True)
class Destination:
    """What CommonMark links to for `[text](raw)`: the URL and the optional title."""

    url: str  # `<…>` dropped and backslash escapes removed
    start: int  # where the destination is written inside `raw`, `<…>` included
    end: int
    title: str | None


def link_destination(raw: str) -> Destination | None:
    """Split the text between a link's parentheses into destination and title, as CommonMark
    does, or None when CommonMark renders `[text](raw)` as literal text.

    `https://x (same)`, `x "t"` and `x 't'` are a destination and a title; `<a b.md>` is one
    destination with a space; `to be released` and `Open: https://x` are no link at all (a
    bare destination ends at the first space, and what follows is not a title). Card links
    and index cells both go through here, so both sides of a comparison read a link alike.
    """
    start = len(raw) - len(raw.lstrip(_LINK_SPACE))
    end = _destination_end(raw, start)
    if end is None:
        return None
    after = len(raw) - len(raw[end:].lstrip(_LINK_SPACE))
    title: str | None = None
    if after < len(raw):
        title_end = _title_end(raw, after) if after > end else None
        if title_end is None or raw[title_end:].strip(_LINK_SPACE):
            return None
        title = unescape(raw[after + 1 : title_end - 1])
    written = raw[start:end]
    url = written[1:-1] if written.startswith("<") else written
    return Destination(unescape(url), start, end, title)


def _escaped_at(raw: str, index: int) -> bool:
    return raw[index] == "\\" and index + 1 < len(raw) and bool(_ESCAPED.match(raw, index))


def _destination_end(raw: str, start: int) -> int | None:
    """End of the destination written at `start`: `<…>` on one line, or a run without spaces
    or control characters whose parentheses balance."""
    index, depth = start, 0
    pointed = raw.startswith("<", start)
    if pointed:
        index += 1
    while index < len(raw):
        char = raw[index]
        if _escaped_at(raw, index):
            index += 2
            continue
        if pointed:
            if char == ">":
                return index + 1
            if char in "<\n":
                return None
        elif char in _LINK_SPACE or ord(char) < 0x20 or char == "\x7f":
            break
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return None if pointed or depth else index


def _title_end(raw: str, start: int) -> int | None:
    """End of the title opening at `start`: `"…"`, `'…'` or `(…)` (escapes allowed)."""
    close = _TITLE_CLOSE.get(raw[start])
    if close is None:
        return None
    index = start + 1
    while index < len(raw):
        if _escaped_at(raw, index):
            index += 2
            continue
        if raw[index] == close:
            return index + 1
        if close == ")" and raw[index] == "(":
            return None
        index += 1
    return None
