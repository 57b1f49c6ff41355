"""Index pages (CL5xx) against multi-file fixture trees under `tests/fixtures/index/`.

`clean/` is a small made-up leaderboard whose index pages all agree with its cards; every
other tree is a copy of it with one mutation. Each file that must report something ends
with `<!-- expect: CODE@LINE, ... -->`; every other file must report nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from cardlint.parse.index import parse_index
from cardlint.records import Span
from cardlint.source import Source, from_text

from .conftest import FIXTURES
from .helpers import run

INDEX = FIXTURES / "index"
CLEAN = INDEX / "clean"
TREES = sorted(p for p in INDEX.iterdir() if p.is_dir())
CODES = {f"CL50{n}" for n in range(1, 10)}
# CL5xx findings that carry no fix (CL401: a row linking to a missing card is a broken link).
UNFIXABLE = {"CL401", "CL502", "CL504", "CL509"}
# Fixable findings that `cardlint fix` does not repair, with the reason (a tool bug).
FIX_BUGS: dict[str, str] = {}  # tree name -> known fix bug (xfail, strict)

Finding = tuple[str, str, int]  # (path relative to the tree, code, line)

_EXPECT = re.compile(r"<!-- expect: (?P<body>[^>]*) -->")


def _pages(tree: Path) -> list[Path]:
    return sorted(tree.rglob("*.md"))


def _rel(path: Path, tree: Path) -> str:
    return path.resolve().relative_to(tree.resolve()).as_posix()


def _expect_of(path: Path, tree: Path) -> set[Finding]:
    text = path.read_text("utf-8")
    comments = _EXPECT.findall(text)
    if not comments:
        return set()
    assert len(comments) == 1, f"{path}: more than one expect comment"
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    assert _EXPECT.fullmatch(last), f"{path}: the expect comment is not the last line"
    rel = _rel(path, tree)
    pairs = (item.strip().split("@") for item in comments[0].split(","))
    return {(rel, code, int(line)) for code, line in pairs}


def expected(tree: Path) -> set[Finding]:
    return {f for page in _pages(tree) for f in _expect_of(page, tree)}


def check(tree: Path, *paths: Path) -> tuple[int, list[dict[str, object]]]:
    args = ["check", "--format", "json", "--root", str(tree), *map(str, paths or (tree,))]
    result = run(*args)
    assert result.exit_code in {0, 1}, result.output
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def _finding(d: dict[str, object], tree: Path) -> Finding:
    return (_rel(Path(str(d["path"])), tree), str(d["code"]), int(str(d["line"])))


def findings(tree: Path, *paths: Path) -> set[Finding]:
    _, diagnostics = check(tree, *paths)
    return {_finding(d, tree) for d in diagnostics}


def fix(tree: Path, *options: str, paths: tuple[Path, ...] = ()) -> str:
    result = run("fix", "--root", str(tree), *options, *map(str, paths or (tree,)))
    assert result.exit_code in {0, 1}, result.output
    return result.stderr


def hashes(tree: Path) -> dict[str, str]:
    return {_rel(p, tree): hashlib.sha256(p.read_bytes()).hexdigest() for p in _pages(tree)}


def copy(tree: Path, tmp_path: Path) -> Path:
    target = tmp_path / tree.name
    shutil.copytree(tree, target)
    return target


def _ids(path: Path) -> str:
    return path.name


# --- (a) every tree reports exactly its expect comments ------------------------------------


@pytest.mark.parametrize("tree", TREES, ids=_ids)
def test_tree_reports_exactly_its_expectations(tree: Path) -> None:
    code, diagnostics = check(tree)
    found = {_finding(d, tree) for d in diagnostics}
    want = expected(tree)
    assert found == want
    assert code == (1 if want else 0)
    # Each mutated tree is named after the rule it triggers.
    if tree.name != "clean":
        assert tree.name[:5].upper() in {c for _, c, _ in want}


def test_clean_tree_is_clean_and_every_index_rule_has_a_tree() -> None:
    assert expected(CLEAN) == set()
    assert findings(CLEAN) == set()
    covered = {code for tree in TREES for _, code, _ in expected(tree)}
    assert covered >= CODES


def test_clean_tree_is_clean_under_an_enclosing_root() -> None:
    # The leaderboard folder need not be the root: cards are found under `<base>/models/`.
    assert check(INDEX, CLEAN) == (0, [])


# --- (b) fix repairs what it can, converges, and touches nothing else ----------------------


def _tree_params() -> list[object]:
    return [
        pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=FIX_BUGS[t.name]))
        if t.name in FIX_BUGS
        else t
        for t in TREES
    ]


def _without_expect(path: Path) -> bytes:
    return re.sub(rb"<!-- expect: [^>]*-->\n\Z", b"", path.read_bytes())


@pytest.mark.parametrize("source", _tree_params(), ids=_ids)
def test_fix_repairs_fixable_findings_and_converges(source: Path, tmp_path: Path) -> None:
    tree = copy(source, tmp_path)
    want = expected(tree)
    involved = {rel for rel, _, _ in want}
    before = hashes(tree)
    unsafe = ("--unsafe-fixes",) if any(c in {"CL503", "CL510"} for _, c, _ in want) else ()

    errors = fix(tree, *unsafe)
    assert "not fixed" not in errors

    _, remaining = check(tree)
    assert not [d for d in remaining if str(d["code"]).startswith("CL5") and d["fixable"]]
    # What has no fix stays, where it was (those trees have nothing fixable to move lines).
    left = {_finding(d, tree) for d in remaining}
    assert left == {f for f in want if f[1] in UNFIXABLE}

    after = hashes(tree)
    for rel in before.keys() - involved:
        assert after[rel] == before[rel], f"{rel} is not involved but changed"
    if not left:  # fully repaired: every page is the clean page again (plus its comment)
        for rel in involved:
            assert _without_expect(tree / rel) == (CLEAN / rel).read_bytes(), rel
    else:  # nothing could be fixed, so nothing was written
        assert after == before

    fix(tree, *unsafe)
    assert hashes(tree) == after, "a second fix changed bytes"


def test_duplicate_row_needs_unsafe_fixes(tmp_path: Path) -> None:
    tree = copy(INDEX / "cl503-duplicate-row", tmp_path)
    before = hashes(tree)
    fix(tree)
    assert hashes(tree) == before
    assert findings(tree) == expected(tree)


# --- (c) a card edit makes the pages that list it stale; fix repairs both ------------------

ULTRA = "models/northwind-ai/gale-2-ultra.md"


def _listing_pages(tree: Path, card: str) -> dict[str, int]:
    """Index page -> line of the row that links to the card."""
    rows: dict[str, int] = {}
    name = card.rsplit("/", 1)[-1]
    for page in _pages(tree):
        rel = _rel(page, tree)
        if rel.startswith("models/"):
            continue
        for number, line in enumerate(page.read_text("utf-8").split("\n"), start=1):
            if line.startswith("|") and f"/{name})" in line:
                rows[rel] = number
    return rows


@pytest.mark.parametrize("passed", ["tree", "card"])
def test_changed_parameters_make_listing_rows_stale_and_fix_repairs_both(
    passed: str, tmp_path: Path
) -> None:
    tree = copy(CLEAN, tmp_path)
    card = tree / ULTRA
    text = card.read_text("utf-8")
    # 1250 keeps the ratio (⌈24000 ÷ 1250⌉ = 20) and tier; the ALScore becomes 18.3.
    card.write_text(text.replace("- **Parameters:** 1200.0B", "- **Parameters:** 1250.0B"))
    assert "- **ALScore:** 17.9 (Very powerful)" in card.read_text("utf-8")
    rows = _listing_pages(tree, ULTRA)
    assert {"labs/northwind-ai.md", "README.md", "architectures/moe.md"} <= rows.keys()
    assert len(rows) == 7

    found = findings(tree)
    assert found == {(ULTRA, "CL304", 24)} | {(rel, "CL501", n) for rel, n in rows.items()}

    fix(tree, paths=(tree / ULTRA,) if passed == "card" else ())
    assert findings(tree) == set()
    assert "- **ALScore:** 18.3 (Very powerful)" in card.read_text("utf-8")
    lab = (tree / "labs/northwind-ai.md").read_text("utf-8").split("\n")
    assert "| 1250.0B | MoE | 18.3 |" in lab[rows["labs/northwind-ai.md"] - 1]


# --- (d) passing only a card still checks the pages that list it ---------------------------


def test_passing_only_the_card_reports_the_stale_lab_page(tmp_path: Path) -> None:
    tree = copy(INDEX / "cl501-cell-mismatch", tmp_path)
    card = tree / "models/basalt-labs/quarry-pro.md"
    # Only the passed card's row: line 11 (Quarry 72B) is another card's defect, the
    # whole-tree run's to report.
    assert findings(tree, card) == {("labs/basalt-labs.md", "CL501", 10)}
    other = tree / "models/basalt-labs/quarry-72b.md"
    assert findings(tree, card, other) == {
        ("labs/basalt-labs.md", "CL501", 10),
        ("labs/basalt-labs.md", "CL501", 11),
    }
    _, diagnostics = check(tree, card)
    assert {Path(str(d["path"])).resolve() for d in diagnostics} == {
        (tree / "labs/basalt-labs.md").resolve()
    }


# --- (e) the index parser ------------------------------------------------------------------


def _source(rel: str, tree: Path = CLEAN) -> Source:
    return from_text(rel, (tree / rel).read_bytes().decode("utf-8"))


def _at(source: Source, start: int, end: int) -> str:
    return source.text[start:end]


def _assert_located(source: Source, span: Span, text: str) -> None:
    """The span holds exactly `text`, and its 1-based line and column point at it."""
    assert _at(source, span.start, span.end) == text
    assert source.text.split("\n")[span.line - 1][span.column - 1 :].startswith(text)


def test_parse_index_locates_every_table_cell() -> None:
    source = _source("labs/northwind-ai.md")
    page = parse_index(source, "labs/northwind-ai.md")
    assert page.title is not None and page.title.value == "Northwind AI"
    _assert_located(source, page.title.span, "Northwind AI")
    (table,) = page.tables
    assert table.section == "Models"
    assert table.header == (
        "Model",
        "Params",
        "Architecture",
        "ALScore",
        "MMLU",
        "GPQA",
        "Released",
        "Status",
    )
    assert table.span.line == 8
    assert [r.link.text for r in table.rows if r.link] == [
        "Gale 2 Ultra",
        "Gale 2 Mini",
        "Gale Next",
    ]
    for number, row in enumerate(table.rows, start=10):
        assert row.span.line == number
        assert len(row.cells) == len(table.header)
        for cell in row.cells:
            assert cell.text == cell.text.strip() and cell.text
            assert cell.span.line == number
            _assert_located(source, cell.span, cell.text)
        assert row.link is not None
        _assert_located(source, row.link.target_span, row.link.target)
        _assert_located(source, row.link.text_span, row.link.text)
    assert [c.text for c in table.rows[0].cells][1:4] == ["1200.0B", "MoE", "17.9"]
    assert [c.text for c in table.rows[2].cells][3:] == ["-", "-", "-", "TBA", "🟡"]
    counts = {c.label: (c.value.value, c.value.span.line) for c in page.counts}
    assert counts == {"Total Models": (3, 3), "Public Models": (2, 4)}
    for count in page.counts:
        _assert_located(source, count.value.span, count.value.raw)


def test_parse_index_reads_readme_counts_and_entries() -> None:
    source = _source("README.md")
    page = parse_index(source, "README.md")
    counts = [(c.label, c.value.value, c.value.span.line) for c in page.counts]
    assert ("badge models", 8, 5) in counts
    assert ("text models", 8, 10) in counts and ("text labs", 3, 11) in counts
    assert ("Total Models", 8, 14) in counts and ("Total Models", 8, 42) in counts
    assert {(c[0], c[1]) for c in counts if c[2] >= 42} == {
        ("Total Models", 8),
        ("Public Models", 6),
        ("Private Models", 1),
        ("Labs Tracked", 3),
    }
    for count in page.counts:
        _assert_located(source, count.value.span, count.value.raw)
    entries = [(e.section, e.label.value, e.value.value, e.line.line) for e in page.entries]
    assert entries == [
        ("🏢 Top Labs by Model Count | model", "Basalt Labs", 3, 49),
        ("🏢 Top Labs by Model Count | model", "Northwind AI", 3, 50),
        ("🏢 Top Labs by Model Count | model", "Kestrel Research", 2, 51),
        ("🏗️ Architecture Distribution | model", "Dense", 6, 55),
        ("🏗️ Architecture Distribution | model", "MoE", 2, 56),
    ]
    for entry in page.entries:
        _assert_located(source, entry.label.span, entry.label.value)
        _assert_located(source, entry.value.span, entry.value.raw)
    assert [e.link.target for e in page.entries if e.link] == [
        "labs/basalt-labs.md",
        "labs/northwind-ai.md",
        "labs/kestrel-research.md",
    ]
    (table,) = page.tables
    assert table.section == "🏆 Top Models by ALScore"
    assert table.header[0] == "Rank" and len(table.rows) == 5
    assert [r.cells[0].text for r in table.rows] == ["1", "2", "3", "4", "5"]


def test_parse_index_positions_survive_crlf_and_bom() -> None:
    lf = _source("rankings/by-reasoning.md")
    data = (CLEAN / "rankings/by-reasoning.md").read_bytes()
    crlf = from_text("x.md", "\ufeff" + data.decode("utf-8").replace("\n", "\r\n"))
    a, b = parse_index(lf, "x.md"), parse_index(crlf, "x.md")
    assert crlf.bom and crlf.newline == "\r\n"
    assert [(c.label, c.value.value, c.value.span) for c in a.counts] == [
        (c.label, c.value.value, c.value.span) for c in b.counts
    ]
    assert a.tables == b.tables
    (table,) = a.tables
    assert [r.cells[4].text for r in table.rows] == ["82.4", "61.2", "60.0"]
    assert a.counts[0].label == "Total Reasoning Models" and a.counts[0].value.value == 3


def test_a_row_of_an_index_table_is_suppressed_without_cutting_the_table(tmp_path: Path) -> None:
    tree = copy(INDEX / "cl501-cell-mismatch", tmp_path)
    page = tree / "labs/basalt-labs.md"
    lines = page.read_text("utf-8").split("\n")
    lines[9] += " <!-- cardlint-disable-line CL501 -->"
    page.write_text("\n".join(lines), "utf-8")
    # The other row is still checked: the table was parsed whole.
    assert findings(tree) == {("labs/basalt-labs.md", "CL501", 11)}
