"""Counts (CL505) and model claims (CL501) against the cards and the page's own rows.

The trees under `tests/fixtures/counts/` are copies of `index/clean` with one mutation, like
the index trees, but each either reports no CL505 or keeps a finding that no fix removes
while its count is fixed, which the index trees' own checks do not allow. The insights
trees add a made-up `insights/architecture-innovations-2025.md`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cardlint import pages
from cardlint.parse.index import parse_index
from cardlint.source import from_text

from .conftest import FIXTURES
from .test_index import UNFIXABLE, check, copy, expected, findings, fix, hashes

COUNTS = FIXTURES / "counts"
TREES = sorted(p for p in COUNTS.iterdir() if p.is_dir())
INSIGHTS = "insights/architecture-innovations-2025.md"
INSIGHTS_CLEAN = COUNTS / "cl505-insights-clean"


def _ids(path: Path) -> str:
    return path.name


def contradictions(tree: Path) -> list[tuple[str, str, int, int]]:
    """(page, label, count, rows) for each count that its page's member table contradicts:
    recounted here from the page alone, rows linking into `models/`, not by the rule."""
    found = []
    for path in sorted(tree.rglob("*.md")):
        rel = path.relative_to(tree).as_posix()
        if rel.startswith("models/") or not pages.is_index(rel):
            continue
        page = parse_index(from_text(rel, path.read_text("utf-8")), rel)
        for count in page.counts:
            spec = next(
                (
                    s
                    for s in pages.COUNTS
                    if pages.matches(s.page, rel)
                    and re.fullmatch(s.label, count.label)
                    and pages.section_matches(s.section, count.section)
                ),
                None,
            )
            if spec is None:
                continue
            kinds = {spec.members, pages.WITHIN.get(spec.members, spec.members)}
            tables = [
                table
                for table in page.tables
                for t in pages.TABLES
                if pages.matches(t.page, rel)
                and pages.section_matches(t.section, table.section)
                and not t.top
                and t.members in kinds
            ]
            if len(tables) != 1:
                continue
            header = [h.strip().lower() for h in tables[0].header]
            rows = [r for r in tables[0].rows if r.link and "models/" in r.link.target]
            if spec.members == "lab-public":
                rows = [r for r in rows if r.cells[header.index("status")].text == "🟢"]
            if count.value.value != len(rows):
                found.append((rel, count.label, count.value.value, len(rows)))
    return found


# --- the trees -------------------------------------------------------------------------------


@pytest.mark.parametrize("tree", TREES, ids=_ids)
def test_tree_reports_exactly_its_expectations(tree: Path) -> None:
    assert findings(tree) == expected(tree)


@pytest.mark.parametrize("tree", TREES, ids=_ids)
def test_fix_leaves_no_count_that_contradicts_the_rows(tree: Path, tmp_path: Path) -> None:
    work = copy(tree, tmp_path)
    fix(work)
    left = findings(work)
    assert left == {f for f in expected(work) if f[1] in UNFIXABLE}
    assert contradictions(work) == []
    before = hashes(work)
    fix(work)
    assert hashes(work) == before


def test_counts_that_count_a_model_without_a_card_are_not_fixed(tmp_path: Path) -> None:
    # The generator counted the model whose card was overwritten on every page, and its row
    # stays (CL509 has no fix): `fix` must not "correct" those counts to the cards'.
    work = copy(COUNTS / "cl505-collision-counted", tmp_path)
    before = hashes(work)
    fix(work)
    assert hashes(work) == before


def test_a_miscounted_collision_page_is_fixed_to_its_rows(tmp_path: Path) -> None:
    work = copy(COUNTS / "cl505-collision-miscounted", tmp_path)
    fix(work)
    page = (work / "labs/northwind-ai.md").read_text("utf-8")
    assert "**Total Models:** 4\n" in page  # 3 cards and the row of the overwritten model


def test_the_message_says_what_was_counted() -> None:
    _, diagnostics = check(COUNTS / "cl505-collision-miscounted")
    (count,) = [d for d in diagnostics if d["code"] == "CL505"]
    assert count["message"] == (
        "Total Models is 5 but the cards give 3 and the table lists 4 rows: "
        "1 for a model without a card of its own (CL509)"
    )


def test_a_duplicate_row_counted_waits_for_its_deletion(tmp_path: Path) -> None:
    # Writing the cards' 3 above four rows would contradict them: no fix until the row goes.
    work = copy(FIXTURES / "index" / "cl505-duplicate-counted", tmp_path)
    before = hashes(work)
    fix(work)
    assert hashes(work) == before
    fix(work, "--unsafe-fixes")
    assert findings(work) == set()
    assert contradictions(work) == []


def test_a_count_is_not_fixed_to_rows_that_a_missing_card_leaves_short(tmp_path: Path) -> None:
    # Quarry Lite's row is missing (CL504): 2 rows, 3 cards. Writing 2 would be undone once
    # the row is added; writing 3 would contradict the rows until then.
    work = copy(FIXTURES / "index" / "cl504-lab-row-missing", tmp_path)
    page = work / "labs/basalt-labs.md"
    _edit(page, "**Total Models:** 3", "**Total Models:** 5")
    _, diagnostics = check(work)
    (count,) = [d for d in diagnostics if d["code"] == "CL505"]
    assert count["message"] == (
        "Total Models is 5 but the cards give 3 and the table lists 2 rows: "
        "1 card not listed (CL504); fixed once the rows are"
    )
    assert not count["fixable"]
    fix(work, "--unsafe-fixes")
    assert "**Total Models:** 5" in page.read_text("utf-8")


# --- models without a card of their own, counted on pages without their rows ----------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def test_readme_counts_may_count_the_overwritten_model_but_no_more(tmp_path: Path) -> None:
    work = copy(COUNTS / "cl505-collision-counted", tmp_path)
    _edit(work / "README.md", "- MoE: 3 models", "- MoE: 4 models")
    _edit(work / "README.md", "**Total Models:** 9\n\n", "**Total Models:** 10\n\n")
    _, diagnostics = check(work)
    messages = {(d["line"], d["message"]) for d in diagnostics if d["code"] == "CL505"}
    assert messages == {
        (
            14,
            "Total Models is 10 but the cards give 8, "
            "9 with 1 model listed without a card of its own",
        ),
        (
            56,
            "MoE has 4 but the cards give 2, 3 with 1 model listed without a card of its own",
        ),
    }
    fix(work)
    readme = (work / "README.md").read_text("utf-8")
    assert "**Total Models:** 9\n\n" in readme and "- MoE: 3 models" in readme


def test_a_page_outside_every_lab_folder_may_be_counted_in_the_total(tmp_path: Path) -> None:
    work = copy(FIXTURES / "index" / "clean", tmp_path)
    shutil.copy(work / "models/northwind-ai/gale-next.md", work / "models/notes.md")
    _edit(work / "README.md", "**Total Models:** 8\n\n", "**Total Models:** 9\n\n")
    assert "CL505" not in {code for _, code, _ in findings(work)}
    _edit(work / "README.md", "**Total Models:** 9\n\n", "**Total Models:** 10\n\n")
    assert ("README.md", "CL505", 14) in findings(work)


# --- the architecture insights page ----------------------------------------------------------


def _insights(tmp_path: Path, old: str, new: str) -> Path:
    work = copy(INSIGHTS_CLEAN, tmp_path)
    _edit(work / INSIGHTS, old, new)
    return work


def _line(tree: Path, text: str) -> int:
    lines = (tree / INSIGHTS).read_text("utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_insights_total_is_recounted(tmp_path: Path) -> None:
    work = _insights(tmp_path, "across 8 tracked", "across 9 tracked")
    assert findings(work) == {(INSIGHTS, "CL505", _line(work, "tracked models"))}
    fix(work)
    assert (work / INSIGHTS).read_bytes() == (INSIGHTS_CLEAN / INSIGHTS).read_bytes()


def test_insights_table_architecture_is_checked_and_fixed(tmp_path: Path) -> None:
    work = _insights(tmp_path, "| Quarry Pro | Dense |", "| Quarry Pro | MoE |")
    assert findings(work) == {(INSIGHTS, "CL501", _line(work, "| Quarry Pro |"))}
    fix(work)
    assert (work / INSIGHTS).read_bytes() == (INSIGHTS_CLEAN / INSIGHTS).read_bytes()


def test_a_dense_model_listed_under_moe_is_reported_without_a_fix(tmp_path: Path) -> None:
    row = "- [Hover-1](../models/kestrel-research/hover-1.md) - Rank #5 by ALScore\n"
    work = _insights(tmp_path, "- [Gale Next]", row + "- [Gale Next]")
    found = findings(work)
    assert found == {(INSIGHTS, "CL501", _line(work, "[Hover-1]"))}
    before = hashes(work)
    fix(work)
    assert hashes(work) == before


def test_a_stated_rank_is_checked_and_fixed(tmp_path: Path) -> None:
    work = _insights(tmp_path, "Rank #1 by ALScore", "Rank #2 by ALScore")
    assert findings(work) == {(INSIGHTS, "CL501", _line(work, "Rank #2"))}
    fix(work)
    assert (work / INSIGHTS).read_bytes() == (INSIGHTS_CLEAN / INSIGHTS).read_bytes()


def test_a_family_name_or_an_unknown_name_is_no_claim(tmp_path: Path) -> None:
    # `Quarry` names no card (it is a family) and `Dense/MoE` names two types.
    work = _insights(tmp_path, "| Quarry | Dense/MoE |", "| Quarry | MoE |")
    assert findings(work) == set()


# --- the real corpus -------------------------------------------------------------------------


def test_fix_on_the_corpus_leaves_no_count_contradicting_its_rows(
    corpus: Path, tmp_path: Path
) -> None:
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    assert contradictions(work) == []
    fix(work)
    assert contradictions(work) == []
