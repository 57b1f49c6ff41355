"""`cardlint extract`: exit codes that scripts can rely on, a typed CSV, the full JSON."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from cardlint.export import CSV_COLUMNS

from .helpers import run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
LITE = "models/basalt-labs/quarry-lite.md"
MINI = "models/northwind-ai/gale-2-mini.md"
NEXT = "models/northwind-ai/gale-next.md"


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example tree (three cards with findings) and a misplaced page under models/."""
    shutil.copytree(EXAMPLES, tmp_path / "lb")
    (tmp_path / "lb" / "models" / "about.md").write_text("# About\n\nNot a card.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "lb"


def rows(*args: str) -> dict[str, dict[str, str]]:
    result = run("extract", "--no-cache", "--format", "csv", *args)
    assert result.exit_code == 0, result.stderr
    return {r["path"]: r for r in csv.DictReader(io.StringIO(result.stdout))}


# --- exit codes ---------------------------------------------------------------------------


def test_findings_and_a_misplaced_page_elsewhere_do_not_fail_the_export(board: Path) -> None:
    assert run("check", "--no-cache", "lb").exit_code == 1  # the tree has findings
    for fmt in ("json", "jsonl", "csv"):
        result = run("extract", "--no-cache", "--format", fmt, "lb")
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "CL108" in result.stderr and "models/about.md" in result.stderr
        assert "about.md" not in result.stdout
    records = json.loads(run("extract", "--no-cache", "lb").stdout)
    assert len(records) == len(list((board / "models").glob("*/*.md")))


def test_a_card_that_does_not_parse_fails_but_is_extracted_as_far_as_it_parsed(
    board: Path,
) -> None:
    card = board / LITE
    card.write_text(card.read_text("utf-8").replace("## 📈 Performance Benchmarks\n", ""), "utf-8")
    result = run("extract", "--no-cache", "--format", "jsonl", "lb")
    assert result.exit_code == 1
    assert re.search(
        r"quarry-lite\.md:\d+:\d+: CL10\d .*extracted as far as it parsed", result.stderr
    )
    paths = [json.loads(x)["path"] for x in result.stdout.splitlines()]
    assert LITE in paths and len(paths) == 8  # record paths are relative to the root


def test_an_unreadable_card_fails_and_is_not_extracted(board: Path) -> None:
    (board / LITE).write_bytes(b"# Quarry Lite\n\xff\xfe\n")
    result = run("extract", "--no-cache", "--format", "jsonl", "lb")
    assert result.exit_code == 1
    assert "CL902" in result.stderr and "(not extracted)" in result.stderr
    assert len(result.stdout.splitlines()) == 7


def test_a_misplaced_page_named_on_the_command_line_fails(board: Path) -> None:
    result = run("extract", "--no-cache", "lb/models/about.md")
    assert result.exit_code == 1
    assert "not a card" in result.stderr
    assert json.loads(result.stdout) == []


# --- CSV: types, units, nothing dropped ----------------------------------------------------


def test_csv_headers_carry_units(board: Path) -> None:
    header = run("extract", "--no-cache", "--format", "csv", "lb").stdout.splitlines()[0]
    assert header.split(",") == list(CSV_COLUMNS)
    assert {"params_b", "tokens_b", "tokens_per_param", "notes", "links"} <= set(CSV_COLUMNS)
    assert not {"params", "tokens", "ratio", "params_raw", "tokens_raw"} & set(CSV_COLUMNS)


def test_csv_numbers_are_numbers_and_dates_iso(board: Path) -> None:
    found = rows("lb")
    lite, mini, unknown = found[LITE], found[MINI], found[NEXT]
    assert (lite["released"], lite["params_b"], lite["tokens_b"]) == ("2024-08", "1.1", "320.0")
    assert int(lite["tokens_per_param"]) == 291 and float(lite["alscore"]) == 0.1
    assert mini["tokens_per_param"] == "1875"  # `1,875:1` on the card
    for row in found.values():
        for column in ("params_b", "tokens_b", "tokens_per_param", "alscore", "MMLU"):
            if row[column]:
                float(row[column])
        assert row["released"] == "" or re.fullmatch(r"\d{4}-\d{2}", row["released"])
    # Unknown values (`TBA`, `-`, `-B`) are empty cells, not text in a numeric column.
    assert [unknown[c] for c in ("released", "tokens_b", "tokens_per_param", "alscore")] == [
        "",
        "",
        "",
        "",
    ]


def test_csv_keeps_notes_tags_and_links(board: Path) -> None:
    found = rows("lb")
    lite, mini = found[LITE], found[MINI]
    assert lite["notes"] == "Small on-device model intended for autocomplete."
    assert mini["tags"] == "Reasoning"
    links = lite["links"].split(" | ")
    assert "Try the Model <https://example.com/basalt/quarry-lite>" in links
    assert "Basalt Labs profile <../../labs/basalt-labs.md>" in links
    assert all(re.fullmatch(r".+ <.+>", link) for link in links)


def test_json_keeps_the_full_record(board: Path) -> None:
    (record,) = json.loads(run("extract", "--no-cache", f"lb/{LITE}").stdout)
    assert record["ratio"] == "291:1" and record["released"] == "Aug/2024"
    assert record["params"] == 1.1 and record["params_raw"] == "1.1B"
    assert {"text", "target", "line", "column"} == set(record["links"][0])
    assert [r["kind"] for r in record["resources"]] == ["try", "docs"]
