"""The parser: located fields point at exactly their characters; it never raises."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlint.parse.card import parse_card
from cardlint.records import CardRecord, Located, Span
from cardlint.source import decode, from_text

from .conftest import CARDS

PLAIN = CARDS / "models" / "tidewater-ai" / "plain-dense-12b.md"
VARIANTS = ["plain-dense-12b.md", "bom-variant.md", "crlf-variant.md", "bom-crlf-variant.md"]


def _parse(path: Path) -> tuple[CardRecord, list[object], bytes]:
    data = path.read_bytes()
    source = decode(str(path), data)
    assert not hasattr(source, "code"), source
    record, diagnostics = parse_card(source, "models/tidewater-ai/" + path.name)  # type: ignore[arg-type]
    return record, list(diagnostics), data


def _located(record: CardRecord) -> list[tuple[str, Located[object]]]:
    found = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Located):
            found.append((f.name, value))
    found += [(b.name, b.score) for b in record.benchmarks]
    return found


def _at(data: bytes, span: Span) -> str:
    """The characters at (line, column)-(end_line, end_column) of the file as on disk."""
    lines = data.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_field_points_at_its_characters(name: str) -> None:
    record, diagnostics, data = _parse(PLAIN.parent / name)
    assert diagnostics == []
    located = _located(record)
    assert len(located) >= 25
    for field, value in located:
        assert _at(data, value.span) == value.raw, field


def test_known_positions_of_a_plain_card() -> None:
    record, _, _ = _parse(PLAIN)
    assert record.title is not None and (record.title.span.line, record.title.span.column) == (1, 3)
    assert record.params is not None and record.params.span.line == 19
    assert record.params.span.column == len("- **Parameters:** ") + 1
    assert record.ratio is not None and record.ratio.span.line == 21
    assert record.alscore is not None and record.alscore.span.line == 24


def test_bom_and_crlf_variants_parse_to_the_same_values() -> None:
    def values(name: str) -> dict[str, object]:
        record, _, _ = _parse(PLAIN.parent / name)
        return {f: v.value for f, v in _located(record) if f not in {"title", "overview"}}

    base = values("plain-dense-12b.md")
    for name in VARIANTS[1:]:
        assert values(name) == base


def test_values_are_parsed() -> None:
    record, _, _ = _parse(PLAIN)
    assert record.params is not None and isinstance(record.params.value, float)
    assert record.tokens is not None and isinstance(record.tokens.value, float)
    assert [b.name for b in record.benchmarks] == ["MMLU", "MMLU-Pro", "GPQA", "HLE"]
    assert record.access is not None and record.access.value in {"Public", "Private", "Unknown"}
    assert len(record.links) >= 7
    assert {r.kind for r in record.resources} <= {"try", "docs"}


def test_unknown_inputs_are_null() -> None:
    text = PLAIN.read_text("utf-8").replace("- **Parameters:** 12.0B", "- **Parameters:** -B")
    assert "-B" in text
    record, _ = parse_card(from_text("x.md", text), "models/tidewater-ai/x.md")
    assert record.params is not None and record.params.value is None
    assert record.params.raw == "-B"


def test_parser_reports_everything_it_can() -> None:
    text = PLAIN.read_text("utf-8")
    text = text.replace("**Released:** ", "**Released:** Spring ", 1)
    text = text.replace("- **Parameters:** ", "- **Parameters:** many ", 1)
    text = text.replace(
        "## 📝 Additional Notes", "## 📝 Additional Notes\n\n## 📝 Additional Notes"
    )
    record, diagnostics = parse_card(from_text("x.md", text), "models/tidewater-ai/x.md")
    codes = sorted(d.code for d in diagnostics)
    assert codes.count("CL105") == 2
    assert "CL103" in codes
    assert record.title is not None and record.tokens is not None  # parsing went on


def test_empty_text_is_reported_not_raised() -> None:
    record, diagnostics = parse_card(from_text("x.md", ""), "models/a/x.md")
    codes = {d.code for d in diagnostics}
    assert "CL101" in codes and "CL102" in codes
    assert record.title is None


def _inside(span: Span, lines: int) -> bool:
    return 1 <= span.line <= span.end_line <= lines and span.column >= 1


@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    source = from_text("x.md", text)
    _record, diagnostics = parse_card(source, "models/a/x.md")
    for d in diagnostics:
        assert _inside(d.span, source.line_count)
        assert 0 <= d.span.start <= d.span.end <= len(source.text)


_CARD_LINES = PLAIN.read_text("utf-8").splitlines(keepends=True)


@given(
    st.lists(st.integers(0, len(_CARD_LINES) - 1), max_size=6),
    st.text(max_size=30),
    st.sampled_from(["\n", "\r\n"]),
)
def test_mangled_cards_never_raise(drop: list[int], noise: str, newline: str) -> None:
    lines = [line for i, line in enumerate(_CARD_LINES) if i not in set(drop)]
    if lines:
        lines.insert(len(noise) % len(lines), noise + "\n")
    source = from_text("x.md", "".join(lines).replace("\n", newline))
    _, diagnostics = parse_card(source, "models/a/x.md")
    assert all(_inside(d.span, source.line_count) for d in diagnostics)
