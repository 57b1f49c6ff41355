"""One defect, one finding, at its cause: index pages report drift from what the cards state,
never a card's own wrong value again; ranks and duplicated files are reported once."""

from __future__ import annotations

import re
from pathlib import Path

from .helpers import run
from .test_index import CLEAN, copy, findings, fix

PRO = "models/basalt-labs/quarry-pro.md"
PRO_PAGES = (
    "rankings/by-date.md",
    "rankings/by-parameters.md",
    "README.md",
    "architectures/dense.md",
    "labs/basalt-labs.md",
)


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) >= count, (path, old)
    path.write_text(text.replace(old, new, count), "utf-8")


def _pro_rows(tree: Path, old: str, new: str) -> None:
    """Rewrite the ALScore cell of every row listing Quarry Pro."""
    for rel in PRO_PAGES:
        page = tree / rel
        lines = page.read_text("utf-8").split("\n")
        for n, line in enumerate(lines):
            if "quarry-pro.md" in line:
                lines[n] = line.replace(f"| {old} |", f"| {new} |", 1)
        page.write_text("\n".join(lines), "utf-8")


def test_a_wrong_card_value_copied_to_the_pages_is_reported_once_at_the_card(
    tmp_path: Path,
) -> None:
    tree = copy(CLEAN, tmp_path)
    _edit(tree / PRO, "**ALScore:** 7.7", "**ALScore:** 7.6")
    _pro_rows(tree, "7.7", "7.6")
    assert findings(tree) == {(PRO, "CL304", 24)}
    fix(tree)
    # The card is repaired first, then every page copies the repaired value.
    assert findings(tree) == set()
    for rel in PRO_PAGES:
        row = next(line for line in (tree / rel).read_text("utf-8").split("\n") if PRO in line)
        assert "| 7.7 |" in row, rel


def test_a_wrong_card_value_is_reported_once_where_the_pages_are_right(tmp_path: Path) -> None:
    tree = copy(CLEAN, tmp_path)
    _edit(tree / PRO, "**ALScore:** 7.7", "**ALScore:** 7.6")  # the pages still say 7.7
    assert findings(tree) == {(PRO, "CL304", 24)}


def test_a_page_that_differs_from_a_right_card_is_reported(tmp_path: Path) -> None:
    tree = copy(CLEAN, tmp_path)
    _pro_rows(tree, "7.7", "7.6")
    assert {rel for rel, code, _ in findings(tree) if code == "CL501"} == set(PRO_PAGES)


def test_ranks_off_after_one_row_are_one_finding_with_one_fix(tmp_path: Path) -> None:
    tree = copy(CLEAN, tmp_path)
    page = tree / "rankings/by-parameters.md"
    text = page.read_text("utf-8")
    ranks = re.findall(r"^\| (\d+) \|", text, flags=re.MULTILINE)
    assert len(ranks) >= 4
    # A hand-deleted row: every rank from the second one on is one too high.
    for n in range(len(ranks), 1, -1):
        text = re.sub(rf"^\| {n} \|", f"| {n + 1} |", text, count=1, flags=re.MULTILINE)
    page.write_text(text, "utf-8")
    found = [f for f in findings(tree) if f[1] == "CL506"]
    assert len(found) == 1
    fix(tree)
    assert findings(tree) == set()
    assert re.findall(r"^\| (\d+) \|", page.read_text("utf-8"), flags=re.MULTILINE) == ranks


def test_a_collision_is_reported_on_the_lab_page_only(tmp_path: Path) -> None:
    tree = copy(CLEAN, tmp_path)
    # Another model whose title has Quarry Pro's slug, listed on its lab page and a ranking.
    for rel in ("labs/basalt-labs.md", "rankings/by-date.md"):
        page = tree / rel
        row = next(line for line in page.read_text("utf-8").split("\n") if PRO in line)
        _edit(page, row, row + "\n" + row.replace("[Quarry Pro]", "[Quarry-Pro]"))
    found = {(rel, code) for rel, code, _ in findings(tree)}
    assert ("labs/basalt-labs.md", "CL509") in found
    assert not any(code == "CL509" for rel, code in found if rel != "labs/basalt-labs.md")


def test_duplicate_row_message_counts_the_cells_that_differ(tmp_path: Path) -> None:
    tree = copy(CLEAN, tmp_path)
    page = tree / "labs/basalt-labs.md"
    row = next(line for line in page.read_text("utf-8").split("\n") if PRO in line)
    other = row.replace("| 600.0B |", "| 500.0B |").replace("| Feb/2025 |", "| Jan/2025 |")
    _edit(page, row, row + "\n" + other)
    result = run("check", "--root", str(tree), str(page))
    assert "disagrees with the card in 2 cells" in result.stdout, result.stdout
