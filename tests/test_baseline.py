"""Baselines: record today's findings, report only new ones, survive lines moving."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cardlint import config
from cardlint.baseline import filter_new, fingerprint, load_baseline, write_baseline
from cardlint.diagnostics import Diagnostic
from cardlint.discover import UsageError, discover
from cardlint.linkcheck import LinkResolver
from cardlint.lint import lint, lint_source
from cardlint.records import Span
from cardlint.source import Source, from_text

from .conftest import CARDS

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
    assert data["version"] == 1
    entries = data["entries"]
    assert sum(e["count"] for e in entries) == len(diagnostics)
    assert [e["code"] for e in entries if e["path"] == REL] == ["CL301"]
    assert {e["path"] for e in entries} >= {"models/stray-notes.md", REL}
    assert all(re.fullmatch(r"[0-9a-f]{16}", e["fingerprint"]) for e in entries)
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e["fingerprint"]))

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


def test_the_fingerprint_reads_the_span_or_else_the_whole_line() -> None:
    source = from_text("card.md", "- **Ratio:** 110:1 ok\n- **Ratio:** 120:1 ok\n")
    first, second = source.line_span(1), source.line_span(2)
    ratio = Diagnostic("card.md", source.span(first.start + 13, first.start + 18), "CL301", "x")
    other = Diagnostic("card.md", source.span(second.start + 13, second.start + 18), "CL301", "x")
    empty = Diagnostic("card.md", source.span(first.end, first.end), "CL301", "x")
    marks = {fingerprint(d, source) for d in (ratio, other, empty)}
    assert len(marks) == 3
    moved = from_text("card.md", "\n\n" + source.text)
    start = moved.line_span(3).start
    again = Diagnostic("card.md", moved.span(start + 13, start + 18), "CL301", "x")
    assert fingerprint(again, moved) == fingerprint(ratio, source)


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
    assert json.loads(path.read_text("utf-8")) == {"version": 1, "entries": []}
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_writing_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no-such-folder"):
        write_baseline(tmp_path / "no-such-folder" / "baseline.json", [], {})


# --- bad baseline files -------------------------------------------------------------------

ENTRY = {"path": "a.md", "code": "CL301", "fingerprint": "0123456789abcdef", "count": 1}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"entries": []}',
        b'{"version": 2, "entries": []}',
        b'{"version": 1, "entries": {}}',
        json.dumps({"version": 1, "entries": [[]]}).encode(),
        json.dumps({"version": 1, "entries": [{**ENTRY, "count": 0}]}).encode(),
        json.dumps({"version": 1, "entries": [{**ENTRY, "count": True}]}).encode(),
        json.dumps({"version": 1, "entries": [{**ENTRY, "count": "1"}]}).encode(),
        json.dumps({"version": 1, "entries": [{**ENTRY, "code": 301}]}).encode(),
        json.dumps(
            {"version": 1, "entries": [{k: v for k, v in ENTRY.items() if k != "path"}]}
        ).encode(),
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
