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


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(`+)[^`]*?\1", text)] if "`" in text else []


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
