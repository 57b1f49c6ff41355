"""Hostile card text and file names cannot forge, break or crash cardlint's output."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from cardlint import run as run_module
from cardlint.cli import cli, main
from cardlint.report import escape

from .conftest import CARDS
from .test_report import SARIF_SCHEMA, assert_valid

CARD = (CARDS / "models" / "tidewater-ai" / "plain-dense-12b.md").read_text("utf-8")
LAB = "models/tidewater-ai"
# What a terminal would obey: C0 (but the newline ending each line), DEL, C1, lone surrogates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # the colour codes cardlint adds itself
FINDING = re.compile(r"^\S.*:\d+:\d+: CL\d{3}\b")
SUMMARY = re.compile(r"^(Found \d+ findings? in|\[\*\] \d+ fixable|\d+ more fixable|All checks)")
HOSTILE_TYPE = "Dense\x1b]0;pwned\x07\x1b[2J\x1b[H\x9b31m\x7f"


def write_card(root: Path, name: str | bytes, text: str = CARD) -> Path:
    """A card under `root/LAB`; a bytes name is created as those bytes (Linux)."""
    folder = root / LAB
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
    try:
        path.write_text(text, "utf-8")
    except (OSError, UnicodeEncodeError) as exc:  # a file system that refuses the name
        pytest.skip(f"cannot create {name!r}: {exc}")
    return path


def invoke(root: Path, *args: str) -> Result:
    command = [args[0], "--isolated", "--no-cache", "--root", str(root), *args[1:], str(root)]
    return CliRunner().invoke(cli, command, catch_exceptions=False)


def text_lines(result: Result) -> list[str]:
    output = result.stdout_bytes.decode("utf-8")
    assert result.exit_code == 1, output
    return output.splitlines()


# --- 1. terminal control sequences --------------------------------------------------------


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
def test_terminal_controls_are_shown_not_obeyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, color: bool
) -> None:
    monkeypatch.setattr(run_module, "use_color", lambda: color)
    write_card(
        tmp_path,
        "title\x1b]0;owned\x07\x9b2J.md",
        CARD.replace("**Type:** Dense", f"**Type:** {HOSTILE_TYPE}"),
    )
    lines = text_lines(invoke(tmp_path, "check", "--show-source"))
    output = "\n".join(lines)
    assert bool(SGR.search(output)) == color  # cardlint's own colours still work
    assert not RAW_CONTROL.search(SGR.sub("", output)), output
    assert "title\\x1b]0;owned\\x07\\u009b2J.md" in output  # the file name, in the path
    assert "Dense\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\u009b31m\\x7f" in output  # the quoted type
    shown = [x for x in lines if x.lstrip().startswith("18 | ")]
    assert shown and "\\x1b[2J" in shown[0]  # and the source excerpt


# --- 2. a newline in a file name ------------------------------------------------------------

FORGED = "README.md:1:1: CL999 forged finding"


def test_a_newline_in_a_name_cannot_forge_a_text_finding(tmp_path: Path) -> None:
    write_card(tmp_path, f"a\n{FORGED}\r\t.md")
    lines = text_lines(invoke(tmp_path, "check"))
    assert lines and all(FINDING.match(x) or SUMMARY.match(x) for x in lines), lines
    assert not any(x.startswith(FORGED) for x in lines)
    assert any(f"a\\n{FORGED}\\r\\t.md:" in x for x in lines), lines


def test_a_newline_in_a_name_cannot_forge_a_github_annotation(tmp_path: Path) -> None:
    write_card(tmp_path, f"a\n{FORGED}\r%0A::error file=x,line=1::y.md")
    lines = text_lines(invoke(tmp_path, "check", "--format", "github"))
    annotation = re.compile(r"::(error|warning) file=[^:,]*,line=\d+,col=\d+,[^:]*::[^\r]*")
    assert lines and all(annotation.fullmatch(x) for x in lines), lines
    # The name: visible `\n`, GitHub's `%25` for `%`, `%3A` and `%2C` in a property.
    hostile = "a\\n" + FORGED.replace(":", "%3A") + "\\r%250A%3A%3Aerror file=x%2Cline=1%3A%3Ay.md"
    assert any(x.split(",", 1)[0].endswith(hostile) for x in lines), lines


# --- 3. a file name that is not UTF-8, through a strict UTF-8 stdout ----------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF schema ({SARIF_SCHEMA}) is not present")
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def strict_run(root: Path, *args: str) -> str:
    """`python -m cardlint ARGS` with a stdout that refuses anything but UTF-8."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "cardlint", args[0], "--isolated", "--no-cache"]
    done = subprocess.run(
        [*command, "--root", ".", *args[1:], "."],
        cwd=root,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode in {0, 1}, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    return done.stdout.decode("utf-8")  # strict: valid UTF-8 or this fails


def strict_main(root: Path, *args: str) -> str:
    """The same in this process (faster): `main` with a strict UTF-8 stdout."""
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", errors="strict", write_through=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(sys, "stdout", stream)
        code = main([args[0], "--isolated", "--no-cache", "--root", ".", *args[1:], "."])
    assert code in {0, 1}
    return buffer.getvalue().decode("utf-8")


def strings(data: Any) -> list[str]:
    """Every string in parsed JSON."""
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in [k, *strings(v)]]
    if isinstance(data, list):
        return [s for item in data for s in strings(item)]
    return [data] if isinstance(data, str) else []


def texts(fmt: str, output: str) -> list[str]:
    """What a reader of the format sees: parsed, so the format must be valid."""
    if fmt in {"json", "sarif"}:
        return strings(json.loads(output, parse_constant=pytest.fail))
    if fmt == "junit":
        root = ET.fromstring(output.encode("utf-8"))
        return [*root.itertext(), *(v for e in root.iter() for v in e.attrib.values())]
    return [output]


NOT_UTF8 = b"bad\xff.md"
SHOWN = "bad\\xff.md"  # the byte that is not UTF-8, escaped visibly


@pytest.fixture
def not_utf8(tmp_path: Path) -> Path:
    """A tree with one stale (so fixable) card whose name is not UTF-8."""
    write_card(tmp_path, NOT_UTF8, CARD.replace("0.4 (Lightweight)", "0.9 (Lightweight)"))
    return tmp_path


def test_a_name_that_is_not_utf8_through_a_strict_stdout(
    not_utf8: Path, sarif_validator: Draft4Validator
) -> None:
    assert f"{LAB}/{SHOWN}:" in strict_run(not_utf8, "check")
    assert_valid(sarif_validator, json.loads(strict_run(not_utf8, "check", "--format", "sarif")))
    # git's quoting in the diff header: `git apply` reads the exact bytes back.
    assert f'--- "a/{LAB}/bad\\377.md"\n' in strict_run(not_utf8, "fix", "--diff")


def test_a_name_that_is_not_utf8_in_every_format(
    not_utf8: Path, sarif_validator: Draft4Validator
) -> None:
    for fmt in ("text", "json", "github", "sarif", "junit"):
        seen = texts(fmt, strict_main(not_utf8, "check", "--format", fmt))
        assert any(SHOWN in x for x in seen), (fmt, seen)
    assert "CL313" in strict_main(not_utf8, "check", "--statistics")
    assert "CL313" in strict_main(not_utf8, "check", "--statistics", "--format", "json")
    written = not_utf8 / "report.sarif"
    strict_main(not_utf8, "check", "--format", "sarif", "--output-file", str(written))
    assert_valid(sarif_validator, json.loads(written.read_bytes().decode("utf-8")))
    assert "bad%FF.md" in written.read_text("utf-8")  # the URI keeps the exact byte
    assert f'"a/{LAB}/bad\\377.md"' in strict_main(not_utf8, "fix", "--diff")
    fixed = json.loads(strict_main(not_utf8, "fix", "--format", "json"))
    assert fixed["fixed"] >= 1
    assert any(d["path"].endswith(SHOWN) for d in fixed["diagnostics"])
    assert SHOWN in strict_main(not_utf8, "fix")
    assert json.loads(strict_main(not_utf8, "extract"))[0]["path"].endswith(SHOWN)
    jsonl = strict_main(not_utf8, "extract", "--format", "jsonl")
    assert json.loads(jsonl)["path"].endswith(SHOWN)
    assert SHOWN in strict_main(not_utf8, "extract", "--format", "csv")


def ascii_main(root: Path, *args: str) -> str:
    """`main` with a stdout that takes ASCII only (a `C` locale)."""
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii", errors="strict", write_through=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(sys, "stdout", stream)
        code = main([args[0], "--isolated", "--no-cache", "--root", ".", *args[1:], "."])
    assert code in {0, 1}
    return buffer.getvalue().decode("ascii")


def test_every_format_stays_valid_on_an_ascii_stdout(
    tmp_path: Path, sarif_validator: Draft4Validator
) -> None:
    # What ASCII cannot hold is escaped in each format's own syntax, so it parses back.
    write_card(tmp_path, "modèle-ünï.md", CARD.replace("0.4 (Lightweight)", "0.9 (Lightweight)"))
    for fmt in ("json", "sarif", "junit"):
        seen = texts(fmt, ascii_main(tmp_path, "check", "--format", fmt))
        assert any("modèle-ünï.md" in x for x in seen), (fmt, seen)
    assert_valid(sarif_validator, json.loads(ascii_main(tmp_path, "check", "--format", "sarif")))
    stats = json.loads(ascii_main(tmp_path, "check", "--statistics", "--format", "json"))
    assert stats
    fixed = json.loads(ascii_main(tmp_path, "fix", "--format", "json"))
    assert any(d["path"].endswith("modèle-ünï.md") for d in fixed["diagnostics"])
    records = json.loads(ascii_main(tmp_path, "extract"))
    assert records[0]["path"].endswith("modèle-ünï.md")
    assert "mod\\xe8le" in ascii_main(tmp_path, "check")  # text: a visible escape


# --- 4. --show-source on a long line --------------------------------------------------------


def test_show_source_clips_a_long_line_and_keeps_the_caret(tmp_path: Path) -> None:
    links = 2500  # a 40 KB line, one finding per link
    line = "[a](Playground) " * links
    write_card(tmp_path, "long.md", f"# Long\n\n{line}\n")
    lines = text_lines(invoke(tmp_path, "check", "--show-source"))
    assert len(lines) < 3 * (links + 20)
    assert max(map(len, lines)) <= 200  # output in proportion to findings, not to the line
    checked = 0
    for at, finding in enumerate(lines):
        match = re.match(r"\S+:3:(\d+): CL404 ", finding)
        if not match:
            continue
        shown, caret = lines[at + 1], lines[at + 2]
        gutter = shown.index("| ") + 2
        start = caret.index("^")
        assert shown[start : start + len("Playground")] == "Playground", (shown, caret)
        # 40 columns are kept before the span: a link further right clips the line's start.
        assert shown[gutter : gutter + 1] == ("…" if int(match[1]) > 41 else "[")
        checked += 1
    assert checked == links


# --- 5. numbers JSON cannot carry -----------------------------------------------------------


def test_extract_never_writes_infinity(tmp_path: Path) -> None:
    digits = "9" * 400
    write_card(tmp_path, "plain-dense-12b.md", CARD.replace("| 55.12 |", f"| {digits} |"))
    for fmt in ("json", "jsonl"):
        result = invoke(tmp_path, "extract", "--format", fmt)
        output = result.stdout_bytes.decode("utf-8")
        documents = output.splitlines() if fmt == "jsonl" else [output]
        records = [r for x in documents for r in as_list(json.loads(x, parse_constant=pytest.fail))]
        (record,) = records
        assert record["benchmarks"]["MMLU"] == digits  # the card's own text, not null
    rows = list(csv.DictReader(io.StringIO(invoke(tmp_path, "extract", "--format", "csv").stdout)))
    assert rows[0]["MMLU"] == digits


def as_list(data: Any) -> list[Any]:
    return data if isinstance(data, list) else [data]


# --- the escaping functions themselves --------------------------------------------------------


@given(st.text())
def test_visible_text_is_one_inert_line_of_utf8(text: str) -> None:
    shown = escape.visible(text)
    assert not RAW_CONTROL.search(shown) and "\n" not in shown and len(shown.splitlines()) <= 1
    shown.encode("utf-8")
    escape.github_property(text).encode("utf-8")
    element = ET.Element("a", {"b": escape.xml_text(text)})
    element.text = escape.xml_text(text)
    ET.fromstring(ET.tostring(element))  # expat refuses what XML 1.0 cannot carry


@given(st.text())
def test_json_keeps_every_encodable_string(text: str) -> None:
    dumped = escape.json_dumps({"s": text})
    dumped.encode("utf-8")
    assert not re.search("[\x7f-\x9f]", dumped)
    expected = escape.utf8_safe(text)
    assert json.loads(dumped)["s"] == expected
