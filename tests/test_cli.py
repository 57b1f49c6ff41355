"""The commands as users run them: output formats, exit codes, the root."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cardlint.cli import main

from .conftest import CARDS
from .helpers import run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
CLEAN = CARDS / "models" / "tidewater-ai" / "plain-dense-12b.md"
STALE = CARDS / "models" / "lintworks" / "cl304-stale-alscore.md"


def test_json_output_has_exactly_the_documented_shape() -> None:
    result = run("check", "--format", "json", "--root", str(CARDS), str(STALE))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert set(data) == {"version", "files", "diagnostics"}
    # The card's lab page lists it, so it is checked too (and disagrees: it copies 0.9).
    assert data["version"] == 1
    assert data["files"] >= 2
    (entry,) = [d for d in data["diagnostics"] if d["path"] == os.path.relpath(STALE)]
    assert list(entry) == [
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "severity",
        "message",
        "fixable",
    ]
    assert entry["code"] == "CL304" and entry["line"] == 24 and entry["fixable"] is True
    assert entry["path"] == os.path.relpath(STALE)


def test_text_output_and_exit_codes() -> None:
    clean = run("check", "--root", str(CARDS), str(CLEAN))
    assert clean.exit_code == 0 and "All checks passed" in clean.output
    stale = run("check", "--root", str(CARDS), str(STALE))
    assert stale.exit_code == 1
    mine = [line for line in stale.output.splitlines() if line.startswith(os.path.relpath(STALE))]
    assert mine[0].startswith(f"{os.path.relpath(STALE)}:24:16: CL304 [*] ALScore is 0.9 but ")
    assert "Found " in stale.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert main(["check", str(tmp_path / "missing")]) == 2
    assert main(["check", "--format", "xml", str(CLEAN)]) == 2
    assert main(["rule", "CL999"]) == 2
    assert main(["nonsense"]) == 2


def test_directories_are_walked_recursively() -> None:
    result = run("check", "--format", "json", "--root", str(CARDS), str(CARDS))
    data = json.loads(result.output)
    assert data["files"] == len(list(CARDS.rglob("*.md")))


def test_pages_listing_a_passed_card_are_checked_too() -> None:
    result = run("check", "--format", "json", "--root", str(CARDS), str(CARDS / "models"))
    data = json.loads(result.output)
    listing = {
        "labs/tidewater-ai.md",
        "labs/lintworks.md",
        "labs/orthograph-inc-labs.md",
        "architectures/dense.md",
        "architectures/moe.md",
        "README.md",
    }
    assert data["files"] == len(list((CARDS / "models").rglob("*.md"))) + len(listing)


def test_same_findings_from_any_working_directory(tmp_path: Path) -> None:
    tree = tmp_path / "board"
    shutil.copytree(EXAMPLES, tree)
    outputs = []
    for cwd in (tmp_path, tree / "models", tree.parent.parent):
        proc = subprocess.run(
            [sys.executable, "-m", "cardlint", "check", "--format", "json", str(tree)],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr
        found = json.loads(proc.stdout)["diagnostics"]
        outputs.append(
            sorted((str((cwd / d["path"]).resolve()), d["line"], d["code"]) for d in found)
        )
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0]


def test_root_defaults_to_the_layout_folder(tmp_path: Path) -> None:
    tree = tmp_path / "board"
    shutil.copytree(EXAMPLES, tree)
    # From inside models/<lab>/, links to ../../labs resolve only if the root is `board`.
    result = run("check", "--format", "json", str(tree / "models" / "basalt-labs"))
    codes = {d["code"] for d in json.loads(result.output)["diagnostics"]}
    assert "CL402" not in codes


def test_example_tree_shows_its_documented_defects() -> None:
    result = run("check", "--format", "json", str(EXAMPLES))
    found = {
        (Path(d["path"]).name, d["line"], d["code"])
        for d in json.loads(result.output)["diagnostics"]
    }
    assert found == {
        ("hover-1.md", 24, "CL304"),
        ("quarry-pro.md", 21, "CL301"),
        ("quarry-pro.md", 21, "CL303"),
        ("gale-2-mini.md", 51, "CL404"),
        ("gale-2-mini.md", 59, "CL401"),
        ("gale-2-mini.md", 59, "CL407"),
        # The architecture page links the intended URL, the card a placeholder.
        ("dense.md", 13, "CL501"),
    }


def test_extract_formats() -> None:
    jsonl = run(
        "extract", "--format", "jsonl", "--root", str(CARDS), str(CARDS / "models" / "tidewater-ai")
    )
    assert jsonl.exit_code == 0
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(records) == len(list((CARDS / "models" / "tidewater-ai").glob("*.md")))
    plain = next(r for r in records if r["path"].endswith("plain-dense-12b.md"))
    assert plain["params"] == 12.0 and plain["benchmarks"]["HLE"] is None
    as_json = json.loads(run("extract", "--root", str(CARDS), str(CLEAN)).output)
    assert as_json == [plain]
    rows = list(
        csv.DictReader(
            io.StringIO(run("extract", "--format", "csv", "--root", str(CARDS), str(CLEAN)).output)
        )
    )
    assert len(rows) == 1 and rows[0]["params_b"] == "12.0"
    mmlu_pro = plain["benchmarks"]["MMLU-Pro"]
    assert rows[0]["MMLU-Pro"] == ("" if mmlu_pro is None else str(mmlu_pro))
    assert rows[0]["MMLU"] == str(plain["benchmarks"]["MMLU"])


def test_extract_reports_misplaced_pages_on_stderr() -> None:
    result = run(
        "extract",
        "--format",
        "jsonl",
        "--root",
        str(CARDS),
        str(CARDS / "models" / "stray-notes.md"),
    )
    assert result.exit_code == 1
    assert "CL108" in result.stderr and result.stdout == ""


def test_schema_and_rules_commands() -> None:
    schema = json.loads(run("schema").output)
    assert schema["$schema"].endswith("2020-12/schema")
    rules = run("rules").output
    assert "CL301  stale-token-param-ratio" in rules
    doc = run("rule", "cl301").output
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in doc


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_informational_flags_exit_0(args: list[str]) -> None:
    assert main(args) == 0
