"""Hostile repositories: numbers past int()'s limit, non-ASCII digits, inputs that made a parse
quadratic, link text that re-targets itself, and `fix` writing or applying a finding that was
never there, or leaving its temporary files behind."""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cardlint.config import DEFAULT
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.fix import PARSE_CODES, fix_source, remove_stale_temporaries, select, splice
from cardlint.linkcheck import LinkResolver, render_inline
from cardlint.lint import lint_source
from cardlint.parse.blocks import Line
from cardlint.parse.card import parse_card
from cardlint.parse.inline import code_spans, links_in
from cardlint.records import Link
from cardlint.source import Source, from_text

from .conftest import CARDS
from .helpers import run
from .test_properties import CARD_TEXTS, LAB, budget

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
CARD = "models/basalt-labs/quarry-72b.md"
LAB_PAGE = "labs/basalt-labs.md"
CEILING = 10.0  # seconds: generous, only to catch a quadratic parse coming back


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(EXAMPLE, root)
    return root


def _check(root: Path, *args: str) -> tuple[int, str]:
    started = time.perf_counter()
    result = run("check", "--no-cache", "--root", str(root), str(root), *args)
    elapsed = time.perf_counter() - started
    output = result.stdout + result.stderr
    assert result.exit_code in {0, 1}, output
    assert "internal error" not in output and "Traceback" not in output, output
    assert elapsed < CEILING, f"check took {elapsed:.1f} s"
    return result.exit_code, output


def _fix(root: Path) -> str:
    started = time.perf_counter()
    result = run("fix", "--root", str(root), str(root))
    elapsed = time.perf_counter() - started
    output = result.stdout + result.stderr
    assert result.exit_code in {0, 1}, output
    assert "internal error" not in output, output
    assert elapsed < CEILING, f"fix took {elapsed:.1f} s"
    return output


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


# --- 1. numbers of any length --------------------------------------------------------------


@pytest.mark.parametrize("rel", [LAB_PAGE, "README.md"])
def test_a_count_longer_than_int_allows_is_a_located_finding(tree: Path, rel: str) -> None:
    digits = "1" * 5000  # past Python's 4,300-digit limit for int(str)
    path = tree / rel
    path.write_text(path.read_text("utf-8") + f"\n**Total Models:** {digits}\n", "utf-8")
    code, output = _check(tree)
    assert code == 1
    line = path.read_text("utf-8").split("\n").index(f"**Total Models:** {digits}") + 1
    assert f"{rel}:{line}:" in output and "CL505" in output


def test_a_long_digit_run_in_prose_is_linear(tree: Path) -> None:
    _edit(tree, LAB_PAGE, "## Models", "1" * 200_000 + "\n\n## Models")  # one 200 KB line
    _check(tree)
    _fix(tree)


# --- 2. digits that are not ASCII ----------------------------------------------------------


def test_superscript_digits_in_a_date_cell_do_not_crash(tree: Path) -> None:
    (tree / "rankings").mkdir()
    (tree / "rankings" / "by-date.md").write_text(
        "# By Date\n\n**Total Released Models:** 8\n\n| Model | Released |\n|---|---|\n"
        "| [Nowhere](../models/basalt-labs/nowhere.md) | Jan/²⁰²⁵ |\n"
        "| [Quarry 72B](../models/basalt-labs/quarry-72b.md) | Nov/2024 |\n",
        "utf-8",
    )
    _check(tree)


@pytest.mark.parametrize("value", ["Nov/²⁰²⁴", "Nov/٢٠٢٤"])
def test_non_ascii_digits_in_a_card_are_unparsable(value: str) -> None:
    text = (EXAMPLE / CARD).read_text("utf-8").replace("Nov/2024", value)
    _, found = parse_card(from_text(CARD, text), CARD)
    assert any(d.code == "CL105" and d.span.line == 6 for d in found)


# --- 3. linear time ------------------------------------------------------------------------


def test_twenty_thousand_paragraphs_parse_in_linear_time(tree: Path) -> None:
    path = tree / LAB_PAGE
    path.write_text(path.read_text("utf-8") + "\n" + "\n\n".join(["word"] * 20_000), "utf-8")
    _check(tree)


def test_a_run_of_backticks_in_link_text_is_linear(tree: Path) -> None:
    _edit(tree, LAB_PAGE, "[Quarry Lite]", "[Quarry " + "`" * 100_000 + " Lite]")
    _check(tree)
    _fix(tree)


def test_code_spans_pair_runs_of_equal_length() -> None:
    text = "a ``b` c`` d `e` ``` `"
    assert [text[s:e] for s, e, _ in code_spans(text)] == ["``b` c``", "`e`"]
    assert code_spans("`" * 100_000) == []
    assert render_inline("a `[x](y)` [b](c) ![i](j)") == "a [x](y) b "


@pytest.mark.parametrize("piece", ["[", "![", "[a](", "*a", "_a ", "`a", "<a", "a  "])
def test_heading_rendering_is_linear(piece: str) -> None:
    started = time.perf_counter()
    render_inline(piece * 50_000 + " #")
    assert time.perf_counter() - started < CEILING


def test_a_card_of_thirty_two_thousand_lines_checks_and_fixes(tree: Path) -> None:
    path = tree / "models/basalt-labs/quarry-pro.md"  # has findings that fix repairs
    lines = path.read_text("utf-8").split("\n")
    lines[12:13] = [lines[12]] * 32_000
    path.write_text("\n".join(lines), "utf-8")
    _check(tree)
    _fix(tree)


# --- 4. link text written by a fix re-parses as meant --------------------------------------


@pytest.mark.parametrize("kind", ["De[nse", "De]nse", "Den\\se", "De`n`se", "A[b](c)"])
def test_the_architecture_text_fix_escapes_what_it_writes(kind: str) -> None:
    resolver = LinkResolver(EXAMPLE)
    text = (EXAMPLE / CARD).read_text("utf-8").replace("- **Type:** Dense", f"- **Type:** {kind}")
    source = from_text(CARD, text)
    _, found = lint_source(source, CARD, DEFAULT, resolver)
    fixes = [d.fix for d in found if d.code == "CL310" and d.fix is not None]
    assert len(fixes) == 1
    edits = select(fixes)
    fixed = from_text(CARD, splice(text, [(e.span.start, e.span.end, e.text) for e in edits]))
    record, _ = parse_card(fixed, CARD)
    assert record.architecture_link is not None
    _, again = lint_source(fixed, CARD, DEFAULT, resolver)
    assert not [d for d in again if d.code == "CL310"], again


def _links(source: Source, number: int) -> list[Link]:
    span = source.line_span(number)
    line = Line(number, span.start, span.end, source.text[span.start : span.end])
    return list(links_in(source, line))


# --- 5. fix never brings a finding about ---------------------------------------------------


def _codes(found: tuple[Diagnostic, ...]) -> Counter[str]:
    return Counter(d.code for d in found)


def _structure(found: tuple[Diagnostic, ...]) -> Counter[tuple[str, str]]:
    return Counter((d.code, d.message) for d in found if d.code in PARSE_CODES)


def _assert_nothing_new(source: Source, rel: str, resolver: LinkResolver) -> None:
    outcome = fix_source(source, rel, DEFAULT, resolver)
    if outcome.changed:
        # Every finding after stands for one before (of its code), and parsing is untouched.
        assert not _codes(outcome.after) - _codes(outcome.before), outcome.after
        assert _structure(outcome.after) == _structure(outcome.before)
    else:
        assert outcome.after == outcome.before


@pytest.fixture(scope="module")
def resolver() -> LinkResolver:
    return LinkResolver(CARDS)


def test_a_card_cut_off_in_its_last_row_is_not_fixed_into_a_new_finding(
    resolver: LinkResolver,
) -> None:
    rel = f"{LAB}/very-big.md"
    lines = [line for line in CARD_TEXTS["very-big.md"].split("\n") if "**Analysis:**" not in line]
    text = "\n".join(lines)
    cut = text.index("| **HLE**") + 30  # inside the last benchmark row, no final newline
    outcome = fix_source(from_text(rel, text[:cut]), rel, DEFAULT, resolver)
    assert not outcome.changed
    assert outcome.error is not None and "no longer parse" in outcome.error
    _assert_nothing_new(from_text(rel, text[:cut]), rel, resolver)


@st.composite
def truncated(draw: st.DrawFn) -> tuple[str, str]:
    """A clean card cut off anywhere, maybe without one of its lines, maybe without a final
    newline."""
    name = draw(st.sampled_from(sorted(CARD_TEXTS)))
    lines = CARD_TEXTS[name].split("\n")
    if draw(st.booleans()):
        del lines[draw(st.integers(0, len(lines) - 1))]
    text = "\n".join(lines)
    text = text[: draw(st.integers(0, len(text)))]
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return f"{LAB}/{name}", text


@budget(60)
@given(card=truncated())
@example(card=(f"{LAB}/very-big.md", CARD_TEXTS["very-big.md"][:-1]))
def test_fix_never_returns_a_finding_that_was_not_there(
    card: tuple[str, str], resolver: LinkResolver
) -> None:
    rel, text = card
    _assert_nothing_new(from_text(rel, text), rel, resolver)


def test_later_rounds_apply_no_fix_for_a_finding_never_reported() -> None:
    rel = CARD
    text = (EXAMPLE / CARD).read_text("utf-8").replace("repeated epochs", "repeated STEP0")
    seen: list[str] = []

    def relint(source: Source) -> tuple[Any, list[Diagnostic]]:
        seen.append(source.text)
        record, _ = parse_card(source, rel)
        found = []
        for marker, code, then in (("STEP0", "CL311", "STEP1"), ("STEP1", "CL310", "STEP2")):
            at = source.text.find(marker)
            if at >= 0:
                span = source.span(at, at + len(marker))
                fix = Fix("step", (Edit(span, then),))
                found.append(Diagnostic(source.path, span, code, f"{marker} seen", fix=fix))
        return record, found

    outcome = fix_source(from_text(rel, text), rel, DEFAULT, LinkResolver(EXAMPLE), relint=relint)
    assert any("STEP1" in t for t in seen)  # round 1 fixed the finding it was shown
    assert not any("STEP2" in t for t in seen)  # round 2 left the new one alone
    assert outcome.error is not None and "new findings" in outcome.error


# --- 6. temporary files of an interrupted fix ----------------------------------------------


def test_fix_removes_its_own_stale_temporary_files_and_nothing_else(tree: Path) -> None:
    folder = tree / "models" / "basalt-labs"
    target = folder / "quarry-pro.md"  # a card that fix rewrites
    stale = folder / ".quarry-pro.md.k3x_9qa2.tmp"
    fresh = folder / ".quarry-pro.md.abcd1234.tmp"
    other = folder / ".quarry-72b.md.k3x_9qa2.tmp"  # another file's: not this write's
    unlike = folder / ".quarry-pro.md.toolongname.tmp"
    victim = tree / "victim.txt"
    link = folder / ".quarry-pro.md.zzzzzzzz.tmp"
    for path in (stale, fresh, other, unlike, victim):
        path.write_text("x", "utf-8")
    link.symlink_to(victim)
    old = time.time() - 3600
    for path in (stale, other, unlike, victim):
        os.utime(path, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    before = target.read_bytes()
    _fix(tree)
    assert target.read_bytes() != before  # it was written
    assert not stale.exists()
    assert fresh.exists() and other.exists() and unlike.exists() and victim.exists()
    assert link.is_symlink()
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) == sorted(
        p.name for p in (fresh, other, unlike, link)
    )


def test_stale_temporaries_are_judged_by_age(tmp_path: Path) -> None:
    target = tmp_path / "card.md"
    target.write_text("x", "utf-8")
    temporary = tmp_path / ".card.md.a1b2c3d4.tmp"
    temporary.write_text("half", "utf-8")
    assert remove_stale_temporaries(target) == []
    assert remove_stale_temporaries(target, now=time.time() + 3600) == [temporary]
    assert not temporary.exists() and target.exists()
