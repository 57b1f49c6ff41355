"""Inline pieces of one line: links and `**Label:** value` fields, with offsets.

A linter must see what an author meant as a link even where CommonMark would not
render one (`[Try the Model](AA playground)` has a space in its target), so links
are found by bracket matching on the line rather than by the inline renderer.
"""

from __future__ import annotations

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


def _close(text: str, pos: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at `pos`, or -1."""
    depth = 0
    index = pos
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(`+)[^`]*?\1", text)]


def links_in(source: Source, line: Line) -> Iterator[Link]:
    text = line.text
    if "](" not in text:
        return
    skip = _code_spans(text)
    pos = text.find("[")
    while pos >= 0:
        if any(a <= pos < b for a, b in skip):
            pos = text.find("[", pos + 1)
            continue
        close = _close(text, pos, "[", "]")
        if close < 0:
            return
        if close + 1 < len(text) and text[close + 1] == "(":
            end = _close(text, close + 1, "(", ")")
            if end > 0:
                yield _link(source, line, pos, close, end)
                pos = text.find("[", end)
                continue
        pos = text.find("[", pos + 1)


def _link(source: Source, line: Line, open_: int, close: int, end: int) -> Link:
    base = line.start
    raw_target = line.text[close + 2 : end]
    lead = len(raw_target) - len(raw_target.lstrip())
    target = raw_target.strip()
    if target.startswith("<") and target.endswith(">"):
        target, lead = target[1:-1], lead + 1
    target_start = base + close + 2 + lead
    return Link(
        text=line.text[open_ + 1 : close],
        target=target,
        span=source.span(base + open_, base + end + 1),
        target_span=source.span(target_start, target_start + len(target)),
        text_span=source.span(base + open_ + 1, base + close),
    )
