"""Baselines: record today's findings, report only new ones, survive lines moving."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from cardlint import config
from cardlint.baseline import (
    Scope,
    about,
    filter_new,
    identity,
    load_baseline,
    unrecorded,
    write_baseline,
)
from cardlint.diagnostics import Diagnostic
from cardlint.discover import UsageError, discover
from cardlint.linkcheck import LinkResolver
from cardlint.lint import lint, lint_source
from cardlint.records import Span
from cardlint.source import Source, from_text

from .conftest import CARDS
from .helpers import run

STALE_RATIO = CARDS / "models" / "lintworks" / "cl301-stale-ratio.md"
REL = "models/lintworks/cl301-stale-ratio.md"


def findings(text: str, folder: Path) -> tuple[list[Diagnostic], dict[str, Source]]:
    """The CL301 fixture's text linted as if it lay under `folder`."""
    source = from_text(str(folder / REL), text)
    _, found = lint_source(source, REL, config.DEFAULT, LinkResolver(CARDS))
    return found, {source.path: source}


def baseline_of(text: str, folder: Path) -> Path:
    path = folder / "baseline.json"
    write_baseline(path, *findings(text, folder))
    return path


def check(text: str, folder: Path, baseline: Path) -> tuple[list[tuple[str, int]], int]:
    new, stale = filter_new(load_baseline(baseline), *findings(text, folder))
    return [(d.code, d.span.line) for d in new], stale


# --- round trips on real lint output ------------------------------------------------------


def test_a_whole_tree_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CARDS, tree)
    monkeypatch.chdir(tmp_path)
    results = lint(discover([tree / "models"], tree), config.DEFAULT, tree)
    diagnostics = [d for r in results for d in r.diagnostics]
    sources = {r.source.path: r.source for r in results if r.source is not None}
    assert len(diagnostics) > 30
    path = tree / ".cardlint-baseline.json"
    assert write_baseline(path, diagnostics, sources) == len(diagnostics)

    data = json.loads(path.read_text("utf-8"))
    assert data["version"] == 2
    entries = data["entries"]
    assert sum(e["count"] for e in entries) == len(diagnostics)
    assert [e["code"] for e in entries if e["path"] == REL] == ["CL301"]
    assert {e["path"] for e in entries} >= {"models/stray-notes.md", REL}
    assert all(isinstance(e["message"], str) and e["message"] for e in entries)
    assert entries == sorted(
        entries, key=lambda e: (e["path"], e["code"], e["message"], e.get("excerpt", ""))
    )

    assert filter_new(load_baseline(path), diagnostics, sources) == ([], 0)


def test_a_baseline_is_read_relative_to_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path / "models")  # another working directory, other display paths
    source = from_text(REL.removeprefix("models/"), text)
    _, found = lint_source(source, REL, config.DEFAULT, LinkResolver(CARDS))
    assert filter_new(load_baseline(path), found, {source.path: source}) == ([], 0)


def test_lines_shifted_by_a_blank_line_elsewhere_still_match(tmp_path: Path) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    shifted = text.replace("---\n", "---\n\n", 1)
    found, _ = findings(shifted, tmp_path)
    assert [(d.code, d.span.line) for d in found] == [("CL301", 22)]
    assert check(shifted, tmp_path, path) == ([], 0)


def test_an_edit_elsewhere_still_matches(tmp_path: Path) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    edited = text.replace("every other line is clean", "all the other lines are clean")
    assert check(edited, tmp_path, path) == ([], 0)


def test_an_edited_offending_line_is_new_and_its_entry_stale(tmp_path: Path) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    edited = text.replace("110:1", "120:1")
    assert check(edited, tmp_path, path) == ([("CL301", 21)], 1)


def test_a_fixed_finding_leaves_a_stale_entry(tmp_path: Path) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    assert check(text.replace("110:1", "100:1"), tmp_path, path) == ([], 1)


def test_the_same_finding_in_another_file_is_new(tmp_path: Path) -> None:
    text = STALE_RATIO.read_text("utf-8")
    path = baseline_of(text, tmp_path)
    found, sources = findings(text, tmp_path / "copy")
    new, stale = filter_new(load_baseline(path), found, sources)
    assert ([d.code for d in new], stale) == (["CL301"], 1)


# --- counts and fingerprints --------------------------------------------------------------


def on_lines(source: Source, *lines: int, code: str = "CL404") -> list[Diagnostic]:
    return [Diagnostic(source.path, source.line_span(n), code, "made up") for n in lines]


def test_identical_findings_need_one_count_each(tmp_path: Path) -> None:
    source = from_text(str(tmp_path / "card.md"), "bad\nok\nbad\nbad\nworse\n")
    sources = {source.path: source}
    path = tmp_path / "baseline.json"
    write_baseline(path, on_lines(source, 1, 3, 5), sources)
    counts = sorted(e["count"] for e in json.loads(path.read_text("utf-8"))["entries"])
    assert counts == [1, 2]
    baseline = load_baseline(path)

    new, stale = filter_new(baseline, on_lines(source, 1, 3, 4, 5), sources)
    assert ([d.span.line for d in new], stale) == ([4], 0)
    new, stale = filter_new(baseline, on_lines(source, 3), sources)
    assert (new, stale) == ([], 2)  # one `bad` fewer, `worse` gone
    new, stale = filter_new(baseline, on_lines(source, 1, 3, 5, code="CL405"), sources)
    assert (len(new), stale) == (3, 2)


def test_a_message_that_quotes_nothing_is_told_apart_by_its_span_text() -> None:
    source = from_text("card.md", "- **Ratio:** 110:1 ok\n- **Ratio:** 120:1 ok\n")
    first, second = source.line_span(1), source.line_span(2)
    ratio = Diagnostic("card.md", source.span(first.start + 13, first.start + 18), "CL301", "x")
    other = Diagnostic("card.md", source.span(second.start + 13, second.start + 18), "CL301", "x")
    empty = Diagnostic("card.md", source.span(first.end, first.end), "CL301", "x")
    assert [identity(d, source) for d in (ratio, other, empty)] == [
        ("x", "110:1"),
        ("x", "120:1"),
        ("x", ""),
    ]
    moved = from_text("card.md", "\n\n" + source.text)
    start = moved.line_span(3).start
    again = Diagnostic("card.md", moved.span(start + 13, start + 18), "CL301", "x")
    assert identity(again, moved) == identity(ratio, source)
    quoting = Diagnostic("card.md", ratio.span, "CL404", "link target `110:1` is neither")
    assert identity(quoting, source) == (quoting.message, "")  # the message names it


def test_positions_are_taken_out_of_messages() -> None:
    at = Span(0, 0, 1, 1, 1, 1)
    pairs = [
        ("CL506", "rank is `5` on row 4", "rank is `9` on row 8, and 2 later rows are too"),
        (
            "CL505",
            "Total Models is 679 but the cards give 674",
            "Total Models is 679 but the cards give 675; the page lists 672 rows",
        ),
        (
            "CL507",
            "rows are not sorted by alscore, descending: `A` comes after `B`",
            "rows are not sorted by alscore, descending: `C` (`1.0`) comes after `A` (`0.5`)",
        ),
        (
            "CL902",
            "file is not valid UTF-8 (byte 0xff at offset 17)",
            "file is not valid UTF-8 (byte 0xff at offset 90)",
        ),
    ]
    for code, before, after in pairs:
        assert about(Diagnostic("p.md", at, code, before)) == about(
            Diagnostic("p.md", at, code, after)
        ), code
    # Counts keep their label, and other findings every value they name.
    assert about(Diagnostic("p.md", at, "CL505", "Public Models is 5 but the cards give 4")) != (
        about(Diagnostic("p.md", at, "CL505", "Total Models is 5 but the cards give 4"))
    )
    assert about(Diagnostic("p.md", at, "CL301", "ratio is 22:1 but = 23")) != about(
        Diagnostic("p.md", at, "CL301", "ratio is 22:1 but = 24")
    )


def test_a_finding_without_a_source_is_known_by_path_and_code(tmp_path: Path) -> None:
    unreadable = Diagnostic(str(tmp_path / "x.md"), Span(0, 0, 1, 1, 1, 1), "CL901", "mode 000")
    path = tmp_path / "baseline.json"
    write_baseline(path, [unreadable], {})
    assert filter_new(load_baseline(path), [unreadable], {}) == ([], 0)


def test_entries_repeated_in_the_file_add_up(tmp_path: Path) -> None:
    source = from_text(str(tmp_path / "card.md"), "bad\nbad\n")
    path = tmp_path / "baseline.json"
    write_baseline(path, on_lines(source, 1), {source.path: source})
    data = json.loads(path.read_text("utf-8"))
    data["entries"] *= 2
    path.write_text(json.dumps(data), "utf-8")
    assert filter_new(load_baseline(path), on_lines(source, 1, 2), {source.path: source}) == (
        [],
        0,
    )


def test_writing_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("old", "utf-8")
    path.chmod(0o640)
    write_baseline(path, [], {})
    assert json.loads(path.read_text("utf-8")) == {"version": 2, "entries": []}
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_writing_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no-such-folder"):
        write_baseline(tmp_path / "no-such-folder" / "baseline.json", [], {})


# --- bad baseline files -------------------------------------------------------------------

ENTRY = {"path": "a.md", "code": "CL301", "message": "ratio is 1:1", "count": 1}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"entries": []}',
        b'{"version": 3, "entries": []}',
        b'{"version": 2, "entries": {}}',
        json.dumps({"version": 2, "entries": [[]]}).encode(),
        json.dumps({"version": 2, "entries": [{**ENTRY, "count": 0}]}).encode(),
        json.dumps({"version": 2, "entries": [{**ENTRY, "count": True}]}).encode(),
        json.dumps({"version": 2, "entries": [{**ENTRY, "count": "1"}]}).encode(),
        json.dumps({"version": 2, "entries": [{**ENTRY, "code": 301}]}).encode(),
        json.dumps(
            {"version": 2, "entries": [{k: v for k, v in ENTRY.items() if k != "path"}]}
        ).encode(),
        json.dumps({"version": 2, "entries": [{**ENTRY, "excerpt": 1}]}).encode(),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-an-object",
        "no-version",
        "other-version",
        "entries-not-a-list",
        "entry-not-an-object",
        "zero-count",
        "bool-count",
        "text-count",
        "number-code",
        "no-path",
        "number-excerpt",
    ],
)
def test_a_bad_baseline_file_is_a_usage_error_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken-baseline.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=re.escape("broken-baseline.json")):
        load_baseline(path)


def test_a_missing_baseline_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=re.escape("missing.json")):
        load_baseline(tmp_path / "missing.json")


# --- a leaderboard tree through the command line --------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
RANKED = "lb/README.md"  # its `Rank | Model | …` table lists every card


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def row_of(path: Path, card: str) -> str:
    (row,) = [x for x in path.read_text("utf-8").splitlines() if f"/{card})" in x]
    return row


def renumbered(path: Path) -> None:
    """Ranks 1, 2, 3, … in the ranked table, as a maintainer re-ranking it would write them."""
    lines, rank = [], 0
    for line in path.read_text("utf-8").split("\n"):
        if re.match(r"\| \d+ \| \[", line):
            rank += 1
            lines.append(re.sub(r"^\| \d+ \|", f"| {rank} |", line))
        else:
            lines.append(line)
    path.write_text("\n".join(lines), "utf-8")


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example tree with known defects on the rows of its ranked table: a card missing
    (CL504), a rank off (CL506) and a placeholder link (CL404, CL501) on the last row."""
    shutil.copytree(EXAMPLES, tmp_path / "lb")
    monkeypatch.chdir(tmp_path)
    page = tmp_path / RANKED
    edit(page, row_of(page, "quarry-lite.md") + "\n", "")
    edit(page, "| 8 | [Gale Next]", "| 9 | [Gale Next]")
    edit(page, "| - | - | - | 🟡 |", "| - | - | - | [🟡](Playground) |")
    return tmp_path / "lb"


def cli_check(*args: str) -> tuple[int, list[str], str]:
    result = run("check", "--no-cache", *args)
    return result.exit_code, [x for x in result.stdout.splitlines() if " CL" in x], result.stderr


def test_inserting_a_row_into_a_ranked_table_brings_no_finding_back(board: Path) -> None:
    assert run("check", "--write-baseline", "b.json", "lb").exit_code == 0
    entries = json.loads(Path("b.json").read_text("utf-8"))["entries"]
    assert {"CL504", "CL506", "CL404", "CL501"} <= {e["code"] for e in entries}
    page = board / "README.md"
    lite = row_of(EXAMPLES / "README.md", "quarry-lite.md")
    gale = row_of(page, "gale-next.md")
    edit(page, gale, f"{lite}\n{gale}")  # the row below moves; ranks are renumbered
    renumbered(page)
    assert "| 8 | [Gale Next]" in page.read_text("utf-8")  # its line and rank changed
    code, found, stderr = cli_check("--baseline", "b.json", "lb")
    assert (code, found) == (0, [])
    assert "2 baseline entries no longer occur" in stderr  # Quarry Lite listed, ranks right


def test_deleting_a_row_of_a_ranked_table_brings_no_finding_back(board: Path) -> None:
    page = board / "README.md"
    ultra = row_of(page, "gale-2-ultra.md")
    edit(page, ultra, f"{ultra}\n{ultra.replace('| 1 |', '| 2 |')}")  # listed twice
    renumbered(page)
    assert run("check", "--write-baseline", "b.json", "lb").exit_code == 0
    assert "CL503" in Path("b.json").read_text("utf-8")
    lines = page.read_text("utf-8").split("\n")
    lines.remove(ultra.replace("| 1 |", "| 2 |"))  # the rows below move up and re-rank
    page.write_text("\n".join(lines), "utf-8")
    renumbered(page)
    code, found, stderr = cli_check("--baseline", "b.json", "lb")
    assert (code, found) == (0, [])
    assert "no longer occur" in stderr  # the duplicate is gone


def test_a_card_newly_missing_from_a_page_is_new_beside_a_recorded_one(board: Path) -> None:
    assert run("check", "--write-baseline", "b.json", "lb").exit_code == 0
    page = board / "README.md"
    edit(page, row_of(page, "hover-1-diffuse.md") + "\n", "")
    code, found, _ = cli_check("--baseline", "b.json", "lb")
    assert code == 1
    assert [x.split(" ", 1)[1] for x in found if "CL504" in x] == [
        "CL504 `models/kestrel-research/hover-1-diffuse.md` (Hover-1 Diffuse) is not listed"
    ]


def test_a_partial_run_reports_stale_entries_of_the_files_it_checked_only(board: Path) -> None:
    assert run("check", "--write-baseline", "b.json", "lb").exit_code == 0
    code, found, stderr = cli_check("--baseline", "b.json", "lb/models/basalt-labs/quarry-72b.md")
    assert (code, found, stderr) == (0, [], "")
    edit(board / HOVER_CARD, "- **ALScore:** 1.4 (Mid-tier)", "- **ALScore:** 1.1 (Mid-tier)")
    code, found, stderr = cli_check("--baseline", "b.json", f"lb/{HOVER_CARD}")
    assert (code, found) == (0, [])
    assert "1 baseline entry no longer occurs" in stderr  # the card's own, fixed


HOVER_CARD = "models/kestrel-research/hover-1.md"


def entry_paths(path: Path) -> Counter[str]:
    return Counter(e["path"] for e in json.loads(path.read_text("utf-8"))["entries"])


def test_write_baseline_with_paths_replaces_only_their_entries(board: Path) -> None:
    assert run("check", "--write-baseline", "lb/b.json", "lb").exit_code == 0
    whole = entry_paths(board / "b.json")
    assert whole["models/basalt-labs/quarry-pro.md"] == 2 and whole[HOVER_CARD] == 1
    edit(board / HOVER_CARD, "- **ALScore:** 1.4 (Mid-tier)", "- **ALScore:** 1.1 (Mid-tier)")
    written = run("check", "--write-baseline", "lb/b.json", f"lb/{HOVER_CARD}")
    assert written.exit_code == 0
    kept = entry_paths(board / "b.json")
    assert kept == whole - Counter({HOVER_CARD: 1})  # pages listing it keep their entries
    # A folder replaces the entries of everything under it, deleted files included.
    (board / "models" / "basalt-labs" / "quarry-pro.md").unlink()
    assert run("check", "--write-baseline", "lb/b.json", "lb/models/basalt-labs").exit_code == 0
    after = entry_paths(board / "b.json")
    assert "models/basalt-labs/quarry-pro.md" not in after
    assert (
        after["models/northwind-ai/gale-2-mini.md"] == whole["models/northwind-ai/gale-2-mini.md"]
    )


def test_fix_with_a_baseline_leaves_recorded_findings_alone(board: Path) -> None:
    assert run("check", "--write-baseline", "b.json", "lb").exit_code == 0
    before = {p: p.read_bytes() for p in board.rglob("*.md")}
    untouched = run("fix", "--no-cache", "--baseline", "b.json", "lb")
    assert untouched.exit_code == 0, untouched.stdout
    assert {p: p.read_bytes() for p in board.rglob("*.md")} == before
    ratio = "- **Token:Param Ratio:** 30:1 ✅ Compute-optimal"
    edit(board / "models/basalt-labs/quarry-72b.md", ratio, ratio.replace("30:1", "31:1"))
    fixed = run("fix", "--no-cache", "--baseline", "b.json", "lb")
    assert fixed.exit_code == 0, fixed.stdout
    assert ratio in (board / "models/basalt-labs/quarry-72b.md").read_text("utf-8")
    assert "1.4 (Mid-tier)" in (board / HOVER_CARD).read_text("utf-8")  # recorded: kept
    without = run("fix", "--no-cache", "--diff", "lb")
    assert without.exit_code == 1 and "1.1 (Mid-tier)" in without.stdout


def test_unrecorded_drops_what_the_baseline_records(tmp_path: Path) -> None:
    source = from_text(str(tmp_path / "card.md"), "bad\nworse\n")
    path = tmp_path / "baseline.json"
    write_baseline(path, on_lines(source, 1), {source.path: source})
    keep = unrecorded(load_baseline(path), lambda d: d.code != "CL405")
    assert [keep(d) for d in on_lines(source, 1, 2)] == [False, False]  # excerpts not compared
    other = Diagnostic(source.path, source.line_span(1), "CL404", "another message")
    assert keep(other) and not keep(on_lines(source, 1, code="CL405")[0])


def test_a_name_that_is_not_utf8_round_trips(board: Path) -> None:
    card = board / "models" / "basalt-labs" / "quarry-lite.md"
    odd = card.with_name(os.fsdecode(b"bad\xffquarry.md"))
    try:
        card.rename(odd)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    written = run("check", "--write-baseline", "b.json", "lb")
    assert written.exit_code == 0, written.stderr
    assert "models/basalt-labs/bad\\\\xffquarry.md" in Path("b.json").read_text("utf-8")
    assert cli_check("--baseline", "b.json", "lb")[:2] == (0, [])


def test_a_version_1_baseline_asks_to_be_recreated(board: Path) -> None:
    Path("b.json").write_text(json.dumps({"version": 1, "entries": []}), "utf-8")
    result = run("check", "--baseline", "b.json", "lb")
    assert result.exit_code == 2
    assert "re-create it" in result.stderr and "--write-baseline b.json" in result.stderr
    with pytest.raises(UsageError, match="old format version 1"):
        write_baseline(Path("b.json"), [], {}, Scope(frozenset({"lb/README.md"})))
