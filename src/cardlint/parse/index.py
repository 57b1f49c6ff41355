"""Index pages (lab pages, rankings, README, ...) -> IndexPage: tables, counts, lists."""

from __future__ import annotations

import re

from cardlint.parse.blocks import Block, Line, parse_blocks
from cardlint.parse.inline import links_in, table_cells
from cardlint.records import Cell, Count, Entry, Heading, IndexPage, Link, Located, Row, Table
from cardlint.source import Source

# Numbers are ASCII digits only: `\d` also takes other scripts' digits.
_COUNT = re.compile(
    r"\*\*(?P<label>[^*:]+):\*\* (?P<n>[0-9][0-9,]*)(?: (?:models?|labs?))?(?=\s|$)"
)
_ENTRY = re.compile(
    r"- (?:\[(?P<text>[^\]]+)\]\((?P<target>[^)]*)\)|(?P<plain>[^:\[\]]+)): "
    r"(?P<n>[0-9][0-9,]*) (?P<what>(?:public )?models?)"
)
_BADGE = re.compile(r"img\.shields\.io/badge/(?P<label>models)-(?P<n>[0-9]+)-")
# The README restates its totals in prose; "top 30 models" is a table size, not a total.
# A number starts where its digits start: retrying inside a long run of digits is quadratic.
_PROSE = re.compile(
    r"(?<![0-9,])(?P<n>[0-9][0-9,]*)\+? (?P<what>LLM models|Models Tracked|Labs\b|organizations)"
)
# No page counts past this; a longer number is kept as this bound, which no count reaches, so
# it is reported as wrong (by its text) instead of being converted digit by digit.
MAX_DIGITS = 18
TOO_LARGE = 10**MAX_DIGITS


def parse_index(source: Source, path: str) -> IndexPage:
    """Everything an index page states about the cards, each value located."""
    blocks = parse_blocks(source, tables=False)
    section = ""
    title: Located[str] | None = None
    tables: list[Table] = []
    counts: list[Count] = []
    entries: list[Entry] = []
    headings: list[Heading] = []
    links: list[Link] = []
    for block in blocks:
        if block.kind in {"block_code", "block_html"}:
            continue
        for line in block.rows:
            links.extend(links_in(source, line))
        if block.kind == "heading":
            section = str(block.token.get("text", "")).strip()
            headings.append(Heading(block.level, section, source.span(block.start, block.end)))
            if block.level == 1 and title is None:
                title = _title(source, block.rows[0])
        elif block.kind == "paragraph" and _is_table(block.rows):
            tables.append(_table(source, block, section))
        else:
            for line in block.rows:
                _line_facts(source, line, section, counts, entries)
    return IndexPage(
        path, title, tuple(tables), tuple(counts), tuple(entries), tuple(headings), tuple(links)
    )


_DELIMITER = re.compile(r"\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*")


def _is_table(rows: tuple[Line, ...]) -> bool:
    """A GFM table: a `|` header row, then a delimiter row such as `|---|:--:|`."""
    return len(rows) >= 2 and "|" in rows[0].text and bool(_DELIMITER.fullmatch(rows[1].text))


def _title(source: Source, line: Line) -> Located[str]:
    marker = re.match(r"\s*#+\s*", line.text)
    start = min(line.start + (marker.end() if marker else 0), line.end)
    text = source.text[start : line.end].rstrip()
    return Located(text, text, source.span(start, start + len(text)))


def _located_int(source: Source, line: Line, match: re.Match[str]) -> Located[int]:
    start, end = match.span("n")
    raw = match["n"]
    digits = raw.replace(",", "")
    value = int(digits) if len(digits) <= MAX_DIGITS else TOO_LARGE
    return Located(value, raw, source.span(line.start + start, line.start + end))


def _line_facts(
    source: Source, line: Line, section: str, counts: list[Count], entries: list[Entry]
) -> None:
    entry = _ENTRY.fullmatch(line.text)
    if entry:
        entries.append(_entry(source, line, section, entry))
        return
    for match in _COUNT.finditer(line.text):
        counts.append(Count(match["label"].strip(), _located_int(source, line, match), section))
    for match in _BADGE.finditer(line.text):
        counts.append(Count("badge " + match["label"], _located_int(source, line, match), section))
    if "**" in line.text and _COUNT.search(line.text):
        return
    for match in _PROSE.finditer(line.text):
        what = "labs" if match["what"] in {"Labs", "organizations"} else "models"
        counts.append(Count("text " + what, _located_int(source, line, match), section))


def _entry(source: Source, line: Line, section: str, match: re.Match[str]) -> Entry:
    link = next(iter(links_in(source, line)), None) if match["text"] else None
    group = "text" if match["text"] else "plain"
    start, end = match.span(group)
    label = Located(match[group], match[group], source.span(line.start + start, line.start + end))
    return Entry(
        section + " | " + match["what"].rstrip("s"),
        label,
        link,
        _located_int(source, line, match),
        source.span(line.start, line.end),
    )


def _table(source: Source, block: Block, section: str) -> Table:
    lines = block.rows
    header = tuple(source.text[a:b] for a, b in table_cells(lines[0].text, lines[0].start))
    rows = []
    for line in lines[2:]:
        cells = tuple(
            Cell(source.text[a:b], source.span(a, b)) for a, b in table_cells(line.text, line.start)
        )
        link = next(iter(links_in(source, line)), None)
        rows.append(Row(cells, source.span(line.start, line.end), link))
    return Table(section, header, tuple(rows), source.span(block.start, block.end))
