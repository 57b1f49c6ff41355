"""Hostile files through the real CLI: a located finding (or silence), exit 0-2, no traceback,
and `cardlint fix` leaves the hostile file exactly as it was."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cardlint.cli import main
from cardlint.source import BOM, MAX_BYTES

from .conftest import CARDS

LAB = "models/tidewater-ai"
CLEAN = f"{LAB}/plain-dense-12b.md"  # listed by the lab, architecture and README pages
CLEAN_TEXT = (CARDS / CLEAN).read_text("utf-8")
GPQA_ROW = "| **GPQA** |"
CRASH_WORDS = ("Traceback", "internal error", "RecursionError")
MEGABYTE = 1 << 20


# --- running cardlint ---------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    def findings(self) -> list[Finding]:
        data = json.loads(self.stdout)
        return [
            Finding(d["path"], d["line"], d["column"], d["code"], d["message"])
            for d in data["diagnostics"]
        ]


Cli = Callable[..., Ran]


def _no_crash(ran: Ran) -> Ran:
    output = ran.stdout + ran.stderr
    assert ran.code in {0, 1, 2}, output
    for word in CRASH_WORDS:
        assert word not in output, output
    return ran


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture leaderboard, also the working directory: paths print as given."""
    root = tmp_path / "tree"
    shutil.copytree(CARDS, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cardlint.cli.main` in this process."""

    def invoke(*args: str) -> Ran:
        code = main(list(args))
        out, err = capsys.readouterr()
        return _no_crash(Ran(code, out, err))

    return invoke


def _subprocess(*args: str) -> Ran:
    done = subprocess.run(
        [sys.executable, "-m", "cardlint", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return _no_crash(Ran(done.returncode, done.stdout, done.stderr))


@pytest.fixture(params=["main", "subprocess"])
def any_cli(request: pytest.FixtureRequest, cli: Cli) -> Cli:
    """Both ways: in this process, and as `python -m cardlint` (a traceback would show)."""
    return cli if request.param == "main" else _subprocess


# --- what a file is before and after `cardlint fix` ------------------------------------------


def snapshot(path: Path) -> tuple[Any, ...]:
    """Everything `fix` could change about a path without following a symlink."""
    if path.is_symlink():
        return ("symlink", str(path.readlink()), path.lstat().st_ino)
    if path.is_dir():
        return ("dir", sorted(p.name for p in path.iterdir()), path.stat().st_ino)
    info = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ("file", digest, info.st_size, info.st_ino, info.st_mtime_ns)


def check(cli: Cli, *paths: str) -> list[Finding]:
    ran = cli("check", "--format", "json", "--root", ".", *paths)
    assert ran.code in {0, 1}, ran.stderr  # a hostile file is a finding, never a usage error
    found = ran.findings()
    assert (ran.code == 1) == bool(found)
    return found


def fix_keeps(cli: Cli, root: Path, *paths: str, watch: tuple[Path, ...] = ()) -> Ran:
    """`cardlint fix PATHS` leaves every one of PATHS (and `watch`) as it was."""
    kept = [root / p for p in paths] + list(watch)
    before = [snapshot(p) for p in kept]
    ran = cli("fix", "--root", ".", *paths)
    assert ran.code in {0, 1}, ran.stderr
    assert [snapshot(p) for p in kept] == before
    return ran


def hostile(cli: Cli, root: Path, name: str, data: bytes) -> list[Finding]:
    """Write `data` as a card, check it, fix it; the findings about it."""
    rel = f"{LAB}/{name}"
    (root / rel).write_bytes(data)
    found = check(cli, rel)
    fix_keeps(cli, root, rel)
    return [f for f in found if f.path == rel]


def codes_at(found: list[Finding]) -> set[tuple[str, int]]:
    return {(f.code, f.line) for f in found}


def assert_located(found: list[Finding], data: bytes) -> None:
    """Every finding points inside the file (lines of the bytes, columns 1 or more)."""
    lines = data.split(b"\n")
    for f in found:
        assert 1 <= f.line <= len(lines), f
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1, f
        assert f.code.startswith("CL") and f.message, f


def styled(text: str, *, crlf: bool = False, bom: bool = False) -> bytes:
    return ((BOM if bom else "") + (text.replace("\n", "\r\n") if crlf else text)).encode()


# --- empty and near-empty files --------------------------------------------------------------


def test_an_empty_file_has_no_title(cli: Cli, tree: Path) -> None:
    found = hostile(cli, tree, "empty.md", b"")
    assert ("CL101", 1) in codes_at(found)
    assert {f.line for f in found} == {1}
    assert_located(found, b"")


def test_a_whitespace_only_file_has_no_title(cli: Cli, tree: Path) -> None:
    data = b"  \n\t\n \r\n   \n\n"
    found = hostile(cli, tree, "blank.md", data)
    assert ("CL101", 1) in codes_at(found)
    assert {f.code for f in found} <= {"CL101", "CL102"}
    assert_located(found, data)


# --- bytes that are not UTF-8 markdown -------------------------------------------------------


def test_binary_data_is_cl903(any_cli: Cli, tree: Path) -> None:
    data = random.Random(903).randbytes(4096).replace(b"\x00", b"") + b"\x00" + bytes(range(256))
    found = hostile(any_cli, tree, "binary.md", data)
    first_nul = data[: data.index(b"\x00")].count(b"\n") + 1
    assert [(f.code, f.line) for f in found] == [("CL903", first_nul)]
    assert "NUL" in found[0].message


def test_invalid_utf8_is_cl902_at_the_byte(any_cli: Cli, tree: Path) -> None:
    data = CLEAN_TEXT.encode().replace(b"**Released:** Jun/2024", b"**Released:** Jun/\xff2024")
    found = hostile(any_cli, tree, "invalid-utf8.md", data)
    assert [(f.code, f.line, f.column) for f in found] == [("CL902", 6, 19)]
    assert "0xff" in found[0].message


def test_invalid_utf8_column_counts_characters(cli: Cli, tree: Path) -> None:
    data = CLEAN_TEXT.encode().replace(
        b"**Released:** Jun/2024", "**Released:** Jün/".encode() + b"\xff"
    )
    found = hostile(cli, tree, "invalid-utf8-after-umlaut.md", data)
    assert [(f.code, f.line, f.column) for f in found] == [("CL902", 6, 19)]


def test_nul_bytes_in_valid_text_are_cl903(cli: Cli, tree: Path) -> None:
    lines = CLEAN_TEXT.split("\n")
    notes = lines.index("## 📝 Additional Notes") + 3
    lines[notes - 1] = lines[notes - 1].replace("plain dense", "plain\x00dense")
    data = "\n".join(lines).encode()
    found = hostile(cli, tree, "nul-in-text.md", data)
    assert [(f.code, f.line) for f in found] == [("CL903", notes)]


# --- size -------------------------------------------------------------------------------------


def test_a_20_megabyte_file_is_cl904_and_never_read(any_cli: Cli, tree: Path) -> None:
    rel = f"{LAB}/huge.md"
    card = CLEAN_TEXT.encode()
    data = (card * (20 * MEGABYTE // len(card) + 1))[: 20 * MEGABYTE]
    (tree / rel).write_bytes(data)
    before = snapshot(tree / rel)
    with watching_opens(tree / rel) as opened:  # in-process runs only
        found = [f for f in check(any_cli, rel) if f.path == rel]
        ran = any_cli("fix", "--root", ".", rel)
    assert opened == []
    assert [(f.code, f.line, f.column) for f in found] == [("CL904", 1, 1)]
    assert f"{20 * MEGABYTE:,} bytes" in found[0].message
    assert f"{MAX_BYTES:,}" in found[0].message
    assert ran.code == 1 and snapshot(tree / rel) == before


def test_a_one_megabyte_line_is_checked_quickly(cli: Cli, tree: Path) -> None:
    rel = f"{LAB}/long-line.md"
    data = b"x" * MEGABYTE
    (tree / rel).write_bytes(data)
    started = time.perf_counter()
    found = [f for f in check(cli, rel) if f.path == rel]
    checked = time.perf_counter() - started
    fix_keeps(cli, tree, rel)
    fixed = time.perf_counter() - started - checked
    assert {("CL101", 1), ("CL107", 1)} <= codes_at(found)
    assert_located(found, data)
    # Generous: it takes well under a second; a quadratic scan would take minutes.
    assert checked < 5 and fixed < 5, (checked, fixed)


LONG_VALUES = {
    "brackets in notes": ("Baseline fixture:", "[" * MEGABYTE),
    "stars in notes": ("Baseline fixture:", "*" * MEGABYTE),
    "link target": (
        "(https://example.com/tidewater/plain-dense-12b)",
        "(" + "a/" * (MEGABYTE // 2) + ")",
    ),
    "score": ("| 55.12 |", "| " + "5" * MEGABYTE + " |"),
    "released": ("Jun/2024", "J" * MEGABYTE),
}


@pytest.mark.parametrize("case", sorted(LONG_VALUES))
def test_a_one_megabyte_value_in_a_card_does_not_crash(cli: Cli, tree: Path, case: str) -> None:
    old, new = LONG_VALUES[case]
    rel = f"{LAB}/long-value.md"
    data = CLEAN_TEXT.replace(old, new, 1).encode()
    (tree / rel).write_bytes(data)
    started = time.perf_counter()
    found = [f for f in check(cli, rel) if f.path == rel]
    assert time.perf_counter() - started < 30
    assert_located(found, data)


# Numbers too large for a float or for int(): a finding on their line, never a crash, and no
# derived value computed from infinity.
HUGE_NUMBERS = {
    "parameters": ("- **Parameters:** 12.0B", "- **Parameters:** 1" + "0" * 309 + "B", 19),
    "tokens": ("- **Training Tokens:** 1100.0B", "- **Training Tokens:** 1" + "0" * 309 + "B", 20),
    "ratio": ("- **Token:Param Ratio:** 92:1", "- **Token:Param Ratio:** " + "9" * 4301 + ":1", 21),
}


@pytest.mark.parametrize("case", sorted(HUGE_NUMBERS))
def test_a_huge_number_is_a_finding_on_its_line(cli: Cli, tree: Path, case: str) -> None:
    old, new, line = HUGE_NUMBERS[case]
    data = CLEAN_TEXT.replace(old, new, 1).encode()
    found = hostile(cli, tree, "huge-number.md", data)
    assert any(f.line == line and f.code.startswith(("CL1", "CL2")) for f in found)
    assert not any(re.search(r"\binf\b", f.message) for f in found), found


# --- deep nesting ------------------------------------------------------------------------------

NESTED = {
    "block quotes": "> " * 10_000 + "x",
    "lists": "- " * 10_000 + "x",
    "ordered lists": "1. " * 10_000 + "x",
    "quoted lists": "> - " * 10_000 + "x",
    "indented lists": "".join(" " * (i % 40) + "- x\n" for i in range(10_000)),
}


@pytest.mark.parametrize("case", sorted(NESTED))
def test_deep_nesting_does_not_recurse(any_cli: Cli, tree: Path, case: str) -> None:
    data = NESTED[case].encode()
    found = hostile(any_cli, tree, "nested.md", data)
    assert ("CL101", 1) in codes_at(found)
    assert_located(found, data)


# --- a card cut off in its benchmark table ------------------------------------------------------


def _cut_in_the_gpqa_row() -> tuple[bytes, int]:
    start = CLEAN_TEXT.index(GPQA_ROW)
    row_end = CLEAN_TEXT.index("\n", start)
    cut = CLEAN_TEXT[: (start + row_end) // 2]
    return cut.encode(), cut.count("\n") + 1


def test_a_card_cut_off_in_its_benchmark_table(any_cli: Cli, tree: Path) -> None:
    data, last = _cut_in_the_gpqa_row()
    # The card is cut in place: its pages still list it.
    (tree / CLEAN).write_bytes(data)
    found = [f for f in check(any_cli, CLEAN) if f.path == CLEAN]
    fix_keeps(any_cli, tree, CLEAN)
    structural = {f.code for f in found if f.line == last}
    assert structural & {"CL106", "CL107"}, found
    assert sum(f.code == "CL102" and "section" in f.message for f in found) == 4
    assert_located(found, data)


def test_a_cut_off_card_does_not_rewrite_the_pages_listing_it(cli: Cli, tree: Path) -> None:
    data, _ = _cut_in_the_gpqa_row()
    (tree / CLEAN).write_bytes(data)
    pages = tuple(tree / p for p in ("README.md", "labs/tidewater-ai.md", "architectures/dense.md"))
    fix_keeps(cli, tree, CLEAN, watch=pages)


# --- hostile content the pages and the fixes trip over ---------------------------------------


def test_a_stray_bracket_in_the_organization_link(cli: Cli, tree: Path) -> None:
    data = CLEAN_TEXT.replace("**Organization:** [Tidewater", "**Organization:** [[Tidewater")
    (tree / CLEAN).write_bytes(data.encode())
    found = [f for f in check(cli, CLEAN) if f.path == CLEAN]
    assert any(f.line == 5 for f in found), found
    pages = tuple(tree / p for p in ("README.md", "labs/tidewater-ai.md", "architectures/dense.md"))
    ran = fix_keeps(cli, tree, CLEAN, watch=pages)
    assert "converge" not in ran.stderr


def test_a_bare_hash_title_on_a_lab_page(cli: Cli, tree: Path) -> None:
    page = tree / "labs/tidewater-ai.md"
    text = page.read_text("utf-8")
    page.write_text(text.replace("# Tidewater AI\n", "#\n", 1), "utf-8")
    found = check(cli, "labs/tidewater-ai.md")
    assert [(f.code, f.line) for f in found] == [("CL508", 1)]
    cli("fix", "--root", ".", "labs/tidewater-ai.md")
    assert page.read_text("utf-8") == text


def test_a_card_without_a_title_is_named_sensibly_by_its_pages(cli: Cli, tree: Path) -> None:
    (tree / LAB / "empty.md").write_bytes(b"")
    found = check(cli, LAB)
    about = [f for f in found if f.code == "CL504" and "empty.md" in f.message]
    assert about
    assert not any("None" in f.message for f in about), about


# --- paths that are not regular files -------------------------------------------------------------


def test_a_directory_named_card_md(any_cli: Cli, tree: Path) -> None:
    rel = f"{LAB}/card.md"
    (tree / rel).mkdir()
    (tree / rel / "inside.md").write_bytes(b"\x00 never walked")
    for given in (rel, LAB):
        found = [f for f in check(any_cli, given) if f.path.startswith(rel)]
        assert [(f.path, f.code, f.line, f.column) for f in found] == [(rel, "CL901", 1, 1)]
        assert "directory" in found[0].message
    fix_keeps(any_cli, tree, rel)
    fix_keeps(any_cli, tree, LAB, watch=(tree / rel, tree / rel / "inside.md"))


@pytest.mark.parametrize("loop", [("a.md", "a.md"), ("b.md", "c.md")])
def test_a_symlink_loop(any_cli: Cli, tree: Path, loop: tuple[str, str]) -> None:
    first, second = (f"{LAB}/{name}" for name in loop)
    (tree / first).symlink_to(Path(second).name)
    if second != first:
        (tree / second).symlink_to(Path(first).name)
    for given in (first, LAB):
        found = [f for f in check(any_cli, given) if f.path in {first, second}]
        assert {f.path for f in found} == ({first} if given == first else {first, second})
        for f in found:
            assert (f.code, f.line, f.column) == ("CL901", 1, 1)
            assert "symbolic links" in f.message
    fix_keeps(any_cli, tree, first)
    fix_keeps(any_cli, tree, LAB, watch=(tree / first, tree / second))


@contextlib.contextmanager
def watching_opens(forbidden: Path) -> Iterator[list[str]]:
    """Record, in this process, every attempt to open `forbidden` (or a link to it)."""
    real = os.path.realpath(forbidden)
    attempts: list[str] = []

    def guard(original: Callable[..., Any]) -> Callable[..., Any]:
        def opener(file: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(file, str | os.PathLike) and os.path.realpath(file) == real:
                attempts.append(os.fspath(file))
            return original(file, *args, **kwargs)

        return opener

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", guard(builtins.open))
        patch.setattr(io, "open", guard(io.open))
        patch.setattr(os, "open", guard(os.open))
        yield attempts


def test_a_symlink_out_of_the_root_is_never_read(cli: Cli, tree: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = elsewhere / "plain-dense-12b.md"
    # A stale card: were it read, `check` would report CL304 and `fix` would rewrite it.
    outside.write_bytes(CLEAN_TEXT.replace("0.4 (Lightweight)", "0.9 (Lightweight)").encode())
    rel = f"{LAB}/escape.md"
    (tree / rel).symlink_to(outside)
    before = [snapshot(p) for p in (outside, tree / rel)]
    with watching_opens(outside) as opened:
        for given in (rel, LAB):
            found = [f for f in check(cli, given) if f.path == rel]
            assert [(f.code, f.line, f.column, f.message) for f in found] == [
                ("CL901", 1, 1, "symlink points outside the root: not read")
            ]
            ran = cli("fix", "--root", ".", given)
            assert ran.code == 1
    assert opened == []
    assert [snapshot(p) for p in (outside, tree / rel)] == before


def test_an_unreadable_file_is_cl901(cli: Cli, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rel = f"{LAB}/locked.md"
    locked = tree / rel
    # Stale, so a fix would write it if it could be read.
    locked.write_bytes(CLEAN_TEXT.replace("0.4 (Lightweight)", "0.9 (Lightweight)").encode())
    before = snapshot(locked)
    real_open = os.open

    # Every read of a checked file goes through os.open (tests run as any user, root too,
    # so chmod cannot be relied on to deny).
    def open_(path: Any, *args: Any, **kwargs: Any) -> int:
        if os.path.realpath(path) == os.path.realpath(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", open_)
        for given in (rel, LAB):
            found = [f for f in check(cli, given) if f.path == rel]
            assert [(f.code, f.line, f.column, f.message) for f in found] == [
                ("CL901", 1, 1, "cannot read file: Permission denied")
            ]
        ran = cli("fix", "--root", ".", rel)
        assert ran.code == 1 and "CL901" in ran.stdout
    assert snapshot(locked) == before


# --- BOM and CRLF ---------------------------------------------------------------------------------

STYLES = {"bom": {"bom": True}, "crlf": {"crlf": True}, "bom-crlf": {"bom": True, "crlf": True}}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_valid_bom_or_crlf_card_is_clean_and_kept(cli: Cli, tree: Path, style: str) -> None:
    data = styled(CLEAN_TEXT, **STYLES[style])
    (tree / CLEAN).write_bytes(data)
    assert check(cli, CLEAN) == []
    fix_keeps(cli, tree, CLEAN)
    assert (tree / CLEAN).read_bytes() == data


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_stale_bom_or_crlf_card_is_fixed_in_its_own_style(
    cli: Cli, tree: Path, style: str
) -> None:
    stale = CLEAN_TEXT.replace(
        "- **ALScore:** 0.4 (Lightweight)", "- **ALScore:** 0.9 (Lightweight)"
    )
    (tree / CLEAN).write_bytes(styled(stale, **STYLES[style]))
    found = check(cli, CLEAN)
    assert [(f.path, f.code, f.line, f.column) for f in found] == [(CLEAN, "CL304", 24, 16)]
    ran = cli("fix", "--root", ".", CLEAN)
    assert ran.code == 0, ran.stdout + ran.stderr
    fixed = (tree / CLEAN).read_bytes()
    assert fixed == styled(CLEAN_TEXT, **STYLES[style])
    assert fixed.startswith(BOM.encode()) == STYLES[style].get("bom", False)
    if STYLES[style].get("crlf"):
        assert fixed.count(b"\n") == fixed.count(b"\r\n") == CLEAN_TEXT.count("\n")


# --- everything at once, in a real process --------------------------------------------------------


def test_a_tree_of_hostile_files_in_a_subprocess(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_bytes(CLEAN_TEXT.encode())
    files = {
        "empty.md": b"",
        "blank.md": b" \n\t\n",
        "binary.md": random.Random(1).randbytes(2048) + b"\x00",
        "invalid-utf8.md": b"# T\n\xc3\x28\n",
        "huge.md": b"y" * (MAX_BYTES + 1),
        "long-line.md": b"z" * MEGABYTE,
        "quotes.md": NESTED["block quotes"].encode(),
        "lists.md": NESTED["lists"].encode(),
        "cut.md": _cut_in_the_gpqa_row()[0],
        "bom-crlf.md": styled(CLEAN_TEXT, bom=True, crlf=True),
    }
    for name, data in files.items():
        (tree / LAB / name).write_bytes(data)
    (tree / LAB / "card.md").mkdir()
    (tree / LAB / "loop.md").symlink_to("loop.md")
    (tree / LAB / "escape.md").symlink_to(outside)
    hostile_paths = sorted(
        tree / LAB / name for name in [*files, "card.md", "loop.md", "escape.md"]
    )
    before = [snapshot(p) for p in [*hostile_paths, outside]]
    ran = _subprocess("check", "--format", "json", "--root", ".", ".")
    assert ran.code == 1
    reported = {f.path for f in ran.findings()}
    expected = {p.relative_to(tree).as_posix() for p in hostile_paths} - {f"{LAB}/bom-crlf.md"}
    assert expected <= reported
    assert ran.stderr == ""
    fixed = _subprocess("fix", "--root", ".", ".")
    assert fixed.code == 1
    assert [snapshot(p) for p in [*hostile_paths, outside]] == before
