"""Model card markdown -> CardRecord plus CL1xx findings; never stops at the first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cardlint.diagnostics import Diagnostic
from cardlint.parse.blocks import Block, Line, parse_blocks
from cardlint.parse.inline import links_in
from cardlint.parse.layout import PREAMBLE, SECTION_BY_KEY, SECTIONS, Section, Slot, heading_key
from cardlint.parse.values import HANDLERS, benchmark_rows
from cardlint.records import CardRecord, Heading, Link, Located, Span
from cardlint.source import Source

_INVISIBLE = re.compile(r"\s*<!--.*-->\s*", re.DOTALL)


@dataclass(frozen=True)
class Hit:
    """One line that filled a layout slot."""

    slot: Slot
    line: Line
    match: re.Match[str]

    def value_span(self, source: Source) -> Span:
        if self.match.groupdict().get("value") is None:
            return source.span(self.line.end, self.line.end)
        start, end = self.match.span("value")
        return source.span(self.line.start + start, self.line.start + end)


@dataclass
class Builder:
    """Mutable while one card is parsed; frozen into a CardRecord at the end."""

    source: Source
    path: str
    fields: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(self, code: str, span: Span, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.source.path, span, code, message))

    def report_line(self, code: str, line: Line, message: str) -> None:
        self.report(code, self.source.span(line.start, line.end), message)


@dataclass
class _Part:
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)


def parse_card(source: Source, path: str) -> tuple[CardRecord, list[Diagnostic]]:
    """Parse one card; `path` is its POSIX path relative to the root."""
    builder = Builder(source, path)
    blocks = parse_blocks(source)
    visible = [b for b in blocks if not _comment(source, b)]
    preamble, parts = _split(visible)
    _match_part(builder, preamble, PREAMBLE, None)
    _match_sections(builder, parts)
    builder.fields["headings"] = _headings(source, visible)
    builder.fields["links"] = _links(source, visible)
    if "title" not in builder.fields and not _has(builder, "CL101"):
        builder.report("CL101", source.span(0, 0), "card has no `# title` line")
    record = CardRecord(path=path, **builder.fields)
    builder.diagnostics.sort(key=Diagnostic.sort_key)
    return record, builder.diagnostics


def _has(builder: Builder, code: str) -> bool:
    return any(d.code == code for d in builder.diagnostics)


def _comment(source: Source, block: Block) -> bool:
    return block.kind == "block_html" and bool(_INVISIBLE.fullmatch(block.text(source)))


def _split(blocks: list[Block]) -> tuple[_Part, list[_Part]]:
    preamble = _Part(None)
    parts: list[_Part] = []
    for block in blocks:
        if block.kind == "heading" and block.level == 2:
            parts.append(_Part(block))
        else:
            (parts[-1] if parts else preamble).blocks.append(block)
    return preamble, parts


def _match_sections(builder: Builder, parts: list[_Part]) -> None:
    source = builder.source
    seen: dict[str, int] = {}
    order = [s.key for s in SECTIONS]
    for part in parts:
        assert part.heading is not None
        title = part.heading.token.get("text", "")
        key = heading_key(title)
        section = SECTION_BY_KEY.get(key)
        head_line = part.heading.lines(source)[0]
        if section is None:
            builder.report_line("CL107", head_line, f"unexpected section `{head_line.text}`")
            continue
        if key in seen:
            builder.report_line("CL103", head_line, f"duplicate section `{section.heading}`")
            continue
        if seen and order.index(key) < max(seen.values()):
            builder.report_line("CL104", head_line, f"section `{section.heading}` is out of order")
        seen[key] = order.index(key)
        _match_section(builder, section, part)
    _missing_sections(builder, parts, seen)


def _missing_sections(builder: Builder, parts: list[_Part], seen: dict[str, int]) -> None:
    source = builder.source
    for index, section in enumerate(SECTIONS):
        if section.key in seen:
            continue
        later = [
            p
            for p in parts
            if p.heading is not None
            and heading_key(p.heading.token.get("text", ""))
            in {s.key for s in SECTIONS[index + 1 :]}
        ]
        where = (
            source.span(later[0].heading.start, later[0].heading.start)  # type: ignore[union-attr]
            if later
            else source.span(len(source.text), len(source.text))
        )
        builder.report("CL102", where, f"missing section `{section.heading}`")


def _match_section(builder: Builder, section: Section, part: _Part) -> None:
    assert part.heading is not None
    if section.free_text:
        _free_text(builder, section, part)
        return
    _match_part(builder, part, section.slots, part.heading)
    if section.key == "performance benchmarks":
        benchmark_rows(builder)
        _check_table(builder, part)
        builder.fields["analysis_slot"] = _analysis_slot(builder, part)


def _free_text(builder: Builder, section: Section, part: _Part) -> None:
    source = builder.source
    if not part.blocks:
        head = part.heading.lines(source)[0]  # type: ignore[union-attr]
        builder.report_line("CL102", head, f"section `{section.heading}` is empty")
        return
    start, end = part.blocks[0].start, part.blocks[-1].end
    text = source.text[start:end]
    builder.fields["notes"] = Located(text, text, source.span(start, end))


def _lines(builder: Builder, part: _Part) -> list[tuple[Line, Block]]:
    lines: list[tuple[Line, Block]] = []
    for block in part.blocks:
        if block.kind in {"block_code", "block_html"}:
            first = block.lines(builder.source)[0]
            builder.report_line("CL107", first, f"unexpected {block.kind.replace('_', ' ')}")
            continue
        lines.extend(
            (_uncommented(line), block) for line in block.lines(builder.source) if line.text.strip()
        )
    return lines


_TRAILING_COMMENT = re.compile(r"\s*<!--.*?-->\s*$")


def _uncommented(line: Line) -> Line:
    """A line without its end-of-line `<!-- … -->` (a suppression, say): it renders as nothing."""
    if "<!--" not in line.text:
        return line
    match = _TRAILING_COMMENT.search(line.text)
    if match is None or match.start() == 0:
        return line
    text = line.text[: match.start()]
    return Line(line.number, line.start, line.start + len(text), text)


def _match_part(
    builder: Builder, part: _Part, slots: tuple[Slot, ...], heading: Block | None
) -> None:
    hits: dict[str, list[Hit]] = {}
    furthest = -1
    for line, _block in _lines(builder, part):
        index = _slot_for(slots, line.text)
        if index is None:
            builder.report_line("CL107", line, f"unexpected line `{_short(line.text)}`")
            continue
        slot = slots[index]
        taken = hits.setdefault(slot.name, [])
        if len(taken) >= slot.repeat:
            builder.report_line("CL103", line, f"duplicate {_label(slot)} line")
            continue
        if index < furthest:
            builder.report_line("CL104", line, f"{_label(slot)} line is out of order")
        furthest = max(furthest, index)
        taken.append(Hit(slot, line, slot.pattern.fullmatch(line.text)))  # type: ignore[arg-type]
    _missing_slots(builder, slots, hits, part, heading)
    for name, taken in hits.items():
        handler = HANDLERS.get(name.split(":")[0])
        if handler is not None:
            handler(builder, taken)


def _slot_for(slots: tuple[Slot, ...], text: str) -> int | None:
    for index, slot in enumerate(slots):
        if slot.pattern.fullmatch(text):
            return index
    return None


def _check_table(builder: Builder, part: _Part) -> None:
    """One finding when the table does not render and no bad row already explains why."""
    if any(b.kind == "table" for b in part.blocks) or _has(builder, "CL106"):
        return
    for line, _ in _lines(builder, part):
        if line.text.startswith("|"):
            builder.report_line(
                "CL106",
                line,
                "benchmark table does not render as a table "
                "(it needs a header row, a `|---|` rule and 3 cells a row)",
            )
            return


def _missing_slots(
    builder: Builder,
    slots: tuple[Slot, ...],
    hits: dict[str, list[Hit]],
    part: _Part,
    heading: Block | None,
) -> None:
    source = builder.source
    for index, slot in enumerate(slots):
        if not slot.required or slot.name in hits or slot.name == "title":
            continue  # a missing title is CL101, reported once for the whole card
        following = [hits[s.name][0].line for s in slots[index + 1 :] if s.name in hits]
        if following:
            where = source.span(following[0].start, following[0].start)
        elif heading is not None:
            where = source.span(heading.start, heading.end)
        elif part.blocks:
            where = source.span(part.blocks[-1].end, part.blocks[-1].end)
        else:
            where = source.span(0, 0)
        builder.report("CL102", where, f"missing {_label(slot)} line")


def _analysis_slot(builder: Builder, part: _Part) -> Span | None:
    rows = [b for b in part.blocks if b.kind == "table"]
    if not rows:
        return None
    start = rows[-1].end
    analysis = [b for b in part.blocks if b.start >= start and b.kind == "paragraph"]
    end = analysis[-1].end if analysis else start
    return builder.source.span(start, end)


def _headings(source: Source, blocks: list[Block]) -> tuple[Heading, ...]:
    result = []
    for block in blocks:
        if block.kind == "heading":
            text = str(block.token.get("text", "")).strip()
            result.append(Heading(block.level, text, source.span(block.start, block.end)))
    return tuple(result)


def _links(source: Source, blocks: list[Block]) -> tuple[Link, ...]:
    found: list[Link] = []
    for block in blocks:
        if block.kind not in {"block_code", "block_html"}:
            for line in block.lines(source):
                found.extend(links_in(source, line))
    return tuple(found)


def _label(slot: Slot) -> str:
    names = {
        "h_architecture": "`### Model Architecture`",
        "h_efficiency": "`### Training Efficiency`",
        "h_data": "`### Training Data`",
        "rule": "`---`",
        "footer_rule": "`---`",
    }
    return names.get(slot.name, "`" + slot.name.replace("bench:", "").replace("_", " ") + "`")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
