"""mistune's block pass, with the span of every top-level block recorded.

mistune 3 tokens carry no positions. Its block parser moves a cursor over the source
and appends each token while the cursor sits at the token's first character, so a
state subclass can stamp that offset on the token as it arrives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mistune
from mistune.core import BlockState

from cardlint.source import Source

Token = dict[str, Any]
_START = "_cardlint_start"


class _LocatedState(BlockState):
    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        if last and last["type"] == "paragraph":
            last["text"] += text
        else:
            self.tokens.append({"type": "paragraph", "text": text, _START: self.cursor})


def _stamp(tokens: list[Token], before: int, start: int) -> None:
    # Lists and block quotes may insert their token before a paragraph instead of
    # appending it, so every token still without a start gets the match's start. They
    # insert at the length the list had when the match began, or one before the end:
    # looking further back would make the block pass quadratic in the number of blocks.
    for token in tokens[max(before - 1, 0) :]:
        if _START not in token:
            token[_START] = start


@lru_cache(maxsize=1)
def _parser() -> mistune.Markdown:
    markdown = mistune.create_markdown(renderer=None, plugins=["table"])
    block = markdown.block
    dispatch = block.parse_method

    def parse_method(match: re.Match[str], state: BlockState) -> int | None:
        before = len(state.tokens)
        end: int | None = dispatch(match, state)
        _stamp(state.tokens, before, match.start())
        return end

    block.parse_method = parse_method  # type: ignore[method-assign,assignment]
    return markdown


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    start: int
    end: int  # newline excluded
    text: str


@dataclass(frozen=True)
class Block:
    """One top-level block: its mistune token and the lines it covers."""

    kind: str
    start: int
    end: int  # up to the next block; trailing newline excluded
    token: Token
    rows: tuple[Line, ...]  # at least one, possibly empty

    @property
    def level(self) -> int:
        return int(self.token.get("attrs", {}).get("level", 0))

    def lines(self, source: Source) -> tuple[Line, ...]:
        return self.rows

    def text(self, source: Source) -> str:
        return source.text[self.start : self.end]


def _rows(source: Source, start: int, end: int) -> tuple[Line, ...]:
    first, _ = source.position(start)
    text, rows, number, pos = source.text, [], first, start
    while True:
        stop = text.find("\n", pos, end)
        stop = end if stop < 0 else stop
        rows.append(Line(number, pos, stop, text[pos:stop]))
        if stop >= end:
            return tuple(rows)
        pos, number = stop + 1, number + 1


@lru_cache(maxsize=2)
def _rules(tables: bool) -> list[str]:
    # Card lines are read one by one, so mistune's list parser (a third of the block pass)
    # would only split list items that are single lines anyway: they stay paragraphs.
    # Index pages split their (long) tables themselves, so mistune need not split them too.
    skip = {"list"} if tables else {"list", "table", "nptable"}
    return [name for name in _parser().block.rules if name not in skip]


def parse_blocks(source: Source, *, tables: bool = True) -> list[Block]:
    """Top-level blocks in document order, blank lines dropped."""
    text = source.text if source.text.endswith("\n") else source.text + "\n"
    state = _LocatedState()
    state.process(text)
    _parser().block.parse(state, _rules(tables))
    tokens = sorted(state.tokens, key=lambda t: int(t.get(_START, 0)))
    limit = len(source.text)
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        start = min(int(token.get(_START, 0)), limit)
        nxt = tokens[index + 1].get(_START, limit) if index + 1 < len(tokens) else limit
        end = min(int(nxt), limit)
        while end > start and source.text[end - 1] == "\n":
            end -= 1
        if token["type"] != "blank_line":
            blocks.append(Block(token["type"], start, end, token, _rows(source, start, end)))
    return blocks
