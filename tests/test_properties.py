"""Properties over generated input: parsing and linting never raise, every position lies inside
its file, and `fix` is idempotent and changes no line that its edits do not name."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from cardlint.config import DEFAULT
from cardlint.diagnostics import Diagnostic, Edit
from cardlint.export import to_data
from cardlint.fix import applicable, fix_source, select
from cardlint.linkcheck import LinkResolver
from cardlint.lint import Workspace, lint_source
from cardlint.parse.card import parse_card
from cardlint.parse.index import parse_index
from cardlint.records import IndexPage, Span
from cardlint.source import BOM, ReadError, Source, decode, from_text

from .conftest import CARDS

# --- budgets -------------------------------------------------------------------------------------
# Counts are written for the `ci` profile and scaled by the loaded profile's max_examples relative
# to ci's: the profile is the one multiplier (dev runs a third, thorough ten times as many).
SCALE = settings().max_examples / settings.get_profile("ci").max_examples


def budget(ci_examples: int) -> settings:
    return settings(
        max_examples=max(10, round(ci_examples * SCALE)),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- material: the made-up fixture leaderboard ----------------------------------------------------

LAB = "models/tidewater-ai"
CARD_NAMES = sorted(p.name for p in (CARDS / LAB).glob("*.md"))  # clean cards, slug-named
PAGE_NAMES = ["README.md", "architectures/dense.md", "architectures/moe.md", "labs/tidewater-ai.md"]


def _lf_text(path: Path) -> str:
    """The file as LF text without BOM (the BOM and CRLF variants too): tests choose the style."""
    return from_text(path.name, path.read_text("utf-8")).text


CARD_TEXTS = {name: _lf_text(CARDS / LAB / name) for name in CARD_NAMES}
PAGE_TEXTS = {rel: _lf_text(CARDS / rel) for rel in PAGE_NAMES}
ALL_LINES = sorted({line for p in sorted(CARDS.rglob("*.md")) for line in _lf_text(p).split("\n")})
DERIVED_PREFIXES = (
    "- **Token:Param Ratio:** ",
    "- **ALScore:** ",
    "- **Formula:** ",
    "**Access:** ",
    "**Analysis:** ",
    "**From ",
    "- See all ",
    "**Organization:** ",
    "> ",
    "[← Back to Leaderboard]",
)
# Every value a derived line takes in some fixture: wrong for most other cards.
VALUES = {
    prefix: sorted({line[len(prefix) :] for line in ALL_LINES if line.startswith(prefix)})
    for prefix in DERIVED_PREFIXES
}
CELL_VALUES = ["-", "0", "1", "0.4", "12.0B", "99.9", "Tidewater AI", "Dense", "Jun/2024", "🟢"]
FRAGMENTS = [
    "# ", "## ", "### ", "> ", "- ", "* ", "1. ", "**", "_", "`", "```", "~~~", "|", "|---|",
    "---", "***", "[", "]", "(", ")", "](", "<", ">", "<!--", "-->", "\\", "\t", "    ", " ",
    "\n", "\r\n", "\r", "\n\n", "\ufeff", "\u200b", "é", "Ö", "🔗", "📊", "✅", "⚠️", "√", "×",
    "÷", ":1", "B", "0", "9", ".", ",", "-", "SOTA", "Reasoning", "Dense", "MoE", "TBA",
    "<!-- cardlint-disable CL304 -->", "<!-- cardlint-disable-next-line CL1 -->",
    "[x](../../labs/tidewater-ai.md)", "[y](../../README.md#no-such)", "[z](https://a b)",
]  # fmt: skip
STYLES = {
    "lf": ("\n", False),
    "crlf": ("\r\n", False),
    "bom": ("\n", True),
    "bom-crlf": ("\r\n", True),
}

fragments = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
markdownish = st.lists(
    st.one_of(st.sampled_from(ALL_LINES), fragments, st.text(max_size=40)), max_size=60
).map("\n".join)


@st.composite
def sliced(draw: st.DrawFn) -> str:
    """The start of one fixture file, something, and the end of another."""
    texts = [*CARD_TEXTS.values(), *PAGE_TEXTS.values()]
    head, tail = draw(st.sampled_from(texts)), draw(st.sampled_from(texts))
    cut, rest = draw(st.integers(0, len(head))), draw(st.integers(0, len(tail)))
    return head[:cut] + draw(st.sampled_from(["", *FRAGMENTS])) + tail[rest:]


any_text = st.one_of(st.text(), markdownish, sliced())


def _bytes_of(text: str, junk: bytes, at: int) -> bytes:
    data = text.encode("utf-8")
    return data[:at] + junk + data[at:]


hostile_bytes = st.one_of(
    st.binary(max_size=3000),
    st.builds(_bytes_of, any_text, st.binary(max_size=4), st.integers(0, 10_000)),
    any_text.map(str.encode),
)


# --- mutations of valid files --------------------------------------------------------------------


@st.composite
def new_value(draw: st.DrawFn, prefix: str) -> str:
    number = f"{draw(st.floats(0, 1e6)):.{draw(st.integers(0, 3))}f}"
    return draw(
        st.one_of(
            st.sampled_from(VALUES[prefix] or [""]),
            st.sampled_from([number, f"{number}:1 ✅ Compute-optimal", f"{number} (Mid-tier)"]),
            fragments,
        )
    )


def _replace_cell(draw: st.DrawFn, line: str) -> str:
    cells = line.split("|")
    index = draw(st.integers(0, len(cells) - 1))
    cells[index] = " " + draw(st.one_of(st.sampled_from(CELL_VALUES), fragments)) + " "
    return "|".join(cells)


@st.composite
def mutated(draw: st.DrawFn, texts: dict[str, str]) -> tuple[str, str]:
    """(name, text) of a valid fixture file after 1-3 edits: a derived value or a table cell
    replaced, a line deleted or duplicated, random text inserted anywhere."""
    name = draw(st.sampled_from(sorted(texts)))
    lines = texts[name].split("\n")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["derived", "derived", "delete", "duplicate", "insert"]))
        index = draw(st.integers(0, len(lines) - 1))
        derived = [i for i, line in enumerate(lines) if line.startswith(DERIVED_PREFIXES)]
        cells = [i for i, line in enumerate(lines) if line.startswith("| ")]
        if kind == "derived" and derived:
            index = draw(st.sampled_from(derived))
            prefix = next(p for p in DERIVED_PREFIXES if lines[index].startswith(p))
            lines[index] = prefix + draw(new_value(prefix))
        elif kind == "derived" and cells:
            index = draw(st.sampled_from(cells))
            lines[index] = _replace_cell(draw, lines[index])
        elif kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, lines[index])
        else:
            text = "\n".join(lines)
            at = draw(st.integers(0, len(text)))
            junk = draw(st.one_of(fragments, st.text(max_size=20), st.sampled_from(ALL_LINES)))
            lines = (text[:at] + junk + text[at:]).split("\n")
    return name, "\n".join(lines)


def styled(path: str, text: str, style: str) -> Source:
    newline, bom = STYLES[style]
    return from_text(path, (BOM if bom else "") + text.replace("\n", newline))


# (kind, path under the root, LF text); the style to write it in is drawn beside it.
cards = mutated(CARD_TEXTS).map(lambda card: ("card", f"{LAB}/{card[0]}", card[1]))
pages = mutated(PAGE_TEXTS).map(lambda page: ("page", *page))
styles = st.sampled_from(sorted(STYLES))


# --- positions -----------------------------------------------------------------------------------


def assert_inside(source: Source, found: Iterable[Diagnostic]) -> None:
    """1 <= line <= line count, end not before start, columns within the line length + 1."""
    lines = source.text.split("\n")
    assert len(lines) == source.line_count
    for d in found:
        span = d.span
        assert 1 <= span.line <= span.end_line <= len(lines), d
        assert (span.line, span.column) <= (span.end_line, span.end_column), d
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, d
        assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, d
        for edit in d.fix.edits if d.fix else ():
            assert_span_agrees(source, edit.span)


def assert_span_agrees(source: Source, span: Span) -> None:
    """Offsets in the text, in order, naming the same characters as the line and column."""
    assert 0 <= span.start <= span.end <= len(source.text), span
    assert source.position(span.start) == (span.line, span.column), span
    assert source.position(span.end) == (span.end_line, span.end_column), span


def assert_read_error_inside(error: ReadError, data: bytes) -> None:
    lines = data.split(b"\n")
    assert error.code in {"CL901", "CL902", "CL903", "CL904"}
    assert 1 <= error.line <= len(lines), error
    # The column of an undecodable byte is counted in bytes here: bytes >= characters.
    assert 1 <= error.column <= len(lines[error.line - 1]) + 1, error


def page_spans(page: IndexPage) -> list[Span]:
    spans = [page.title.span] if page.title is not None else []
    spans += [h.span for h in page.headings] + [link.span for link in page.links]
    spans += [c.value.span for c in page.counts]
    spans += [s for e in page.entries for s in (e.label.span, e.value.span, e.line)]
    spans += [t.span for t in page.tables] + [r.span for t in page.tables for r in t.rows]
    return spans + [c.span for t in page.tables for r in t.rows for c in r.cells]


# --- a leaderboard to resolve links against ------------------------------------------------


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("properties") / "tree"
    shutil.copytree(CARDS, copy)
    return copy


@pytest.fixture(scope="module")
def resolver(root: Path) -> LinkResolver:
    return LinkResolver(root)


@pytest.fixture(scope="module")
def workspace(root: Path) -> Workspace:
    return Workspace(root, DEFAULT)


Lint = Callable[[Source], tuple[Any, list[Diagnostic]]]


def linter(kind: str, rel: str, workspace: Workspace) -> Lint:
    """How `cardlint` lints the file: a card alone, a page against the leaderboard's cards."""
    if kind == "card":
        return lambda source: lint_source(source, rel, DEFAULT, workspace.resolver)
    return lambda source: workspace.lint_page(source, rel)


# --- nothing raises, and what is reported lies inside the file ----------------------------------


@budget(2000)
@given(text=any_text)
def test_parse_card_never_raises_and_stays_inside(text: str) -> None:
    source = from_text("card.md", text)
    record, found = parse_card(source, f"{LAB}/card.md")
    assert_inside(source, found)
    _, where = to_data(record)
    for span in [*where.values(), *(link.span for link in record.links)]:
        assert_span_agrees(source, span)


@budget(2000)
@given(text=any_text)
def test_parse_index_never_raises(text: str) -> None:
    source = from_text("README.md", text)
    page = parse_index(source, "README.md")
    for span in page_spans(page):
        assert_span_agrees(source, span)


@budget(400)
@given(data=hostile_bytes)
def test_arbitrary_bytes_never_raise(data: bytes, resolver: LinkResolver) -> None:
    loaded = decode("card.md", data)
    if isinstance(loaded, ReadError):
        assert_read_error_inside(loaded, data)
        return
    parse_index(loaded, "README.md")
    _, found = lint_source(loaded, f"{LAB}/card.md", DEFAULT, resolver)
    assert_inside(loaded, found)


@budget(300)
@given(card=cards, style=styles)
def test_positions_in_mutated_cards_lie_inside(
    card: tuple[str, str, str], style: str, workspace: Workspace
) -> None:
    _, rel, text = card
    source = styled(rel, text, style)
    _, found = linter("card", rel, workspace)(source)
    assert_inside(source, found)


# Found by this test: a blank cell's span ended before it started; a bare `#` title put
# CL508 past the end of its line.
MOE_EMPTY_CELL = PAGE_TEXTS["architectures/moe.md"].replace("| 236.0B |", "|  |")


@budget(150)
@example(page=("page", "architectures/moe.md", MOE_EMPTY_CELL), style="lf")
@example(page=("page", "labs/tidewater-ai.md", "#"), style="lf")
@given(page=st.one_of(pages, any_text.map(lambda text: ("page", "labs/tidewater-ai.md", text))),
       style=styles)  # fmt: skip
def test_positions_in_index_pages_lie_inside(
    page: tuple[str, str, str], style: str, workspace: Workspace
) -> None:
    _, rel, text = page
    source = styled(rel, text, style)
    parsed = parse_index(source, rel)
    for span in page_spans(parsed):
        assert_span_agrees(source, span)
    _, found = linter("page", rel, workspace)(source)
    assert_inside(source, found)


# --- fix: idempotent, and only the lines of its edits change ------------------------------------


@budget(200)
@given(document=st.one_of(cards, pages), style=styles, unsafe=st.booleans())
def test_fix_is_idempotent(
    document: tuple[str, str, str], style: str, unsafe: bool, workspace: Workspace
) -> None:
    kind, rel, text = document
    lint = linter(kind, rel, workspace)
    source = styled(rel, text, style)
    once = fix_source(source, rel, DEFAULT, workspace.resolver, unsafe=unsafe, relint=lint)
    assert once.data.startswith(BOM.encode()) == source.bom
    again = from_text(rel, once.data.decode("utf-8"))
    twice = fix_source(again, rel, DEFAULT, workspace.resolver, unsafe=unsafe, relint=lint)
    assert twice.data == once.data
    if once.error is None:
        assert not applicable(once.after, unsafe), once.after
        assert not twice.changed


_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def physical_lines(text: str) -> list[str]:
    """Lines with their endings, numbered as Source numbers them (a last empty line counts)."""
    parts = [*_LINE_BREAK.split(text), ""]  # the last line has no ending
    return [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]


def edited_line_groups(edits: Sequence[Edit]) -> list[tuple[int, int, int]]:
    """(first line, last line, lines added) of each run of edits that share a line."""
    groups: list[list[int]] = []
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        span = edit.span
        added = len(_LINE_BREAK.findall(edit.text)) - (span.end_line - span.line)
        if groups and span.line <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], span.end_line)
            groups[-1][2] += added
        else:
            groups.append([span.line, span.end_line, added])
    return [(first, last, added) for first, last, added in groups]


def assert_only_edited_lines_change(old: Source, new_text: str, edits: Sequence[Edit]) -> None:
    """Every line outside the edits' lines is in the new text, byte for byte, in its place."""
    old_lines, new_lines = physical_lines(old.original), physical_lines(new_text)
    assert len(old_lines) == old.line_count
    old_at = new_at = 0  # 0-based: the first line not yet compared
    for first, last, added in edited_line_groups(edits):
        kept = first - 1 - old_at
        assert new_lines[new_at : new_at + kept] == old_lines[old_at : first - 1], (first, last)
        new_at += kept + (last - first + 1) + added
        old_at = last
    assert new_lines[new_at:] == old_lines[old_at:]


@budget(200)
@given(document=st.one_of(cards, pages), style=styles, unsafe=st.booleans())
def test_fix_changes_no_line_outside_its_edits(
    document: tuple[str, str, str], style: str, unsafe: bool, workspace: Workspace
) -> None:
    kind, rel, text = document
    lint = linter(kind, rel, workspace)
    source = styled(rel, text, style)
    rounds: list[tuple[Source, list[Diagnostic]]] = []

    def relint(text: Source) -> tuple[Any, list[Diagnostic]]:
        record, found = lint(text)
        rounds.append((text, found))
        return record, found

    outcome = fix_source(source, rel, DEFAULT, workspace.resolver, unsafe=unsafe, relint=relint)
    event(f"{kind}: " + ("refused" if outcome.error else "fixed" if outcome.changed else "clean"))
    event(f"fix rounds: {len(rounds) - 1}")
    # Each round applies the edits of the fixes chosen from the findings of the round before.
    for (old, found), (new, _) in itertools.pairwise(rounds):
        edits = select(applicable(found, unsafe))
        for edit in edits:
            assert_span_agrees(old, edit.span)
        assert_only_edited_lines_change(old, new.original, edits)
    # What fix_source returns is its input (refused, or nothing to fix) or the last round.
    assert outcome.text == (rounds[-1][0] if outcome.changed else source).original
