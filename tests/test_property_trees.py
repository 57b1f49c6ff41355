"""Properties over generated trees, not only contents: any file names (spaces, `#`, `%`,
non-ASCII, control characters, bytes that are not UTF-8), any nesting, symlinks in and out of
the root, named pipes and empty folders. On every tree, `check` ends with exit 0 or 1, prints
JSON that parses, reads nothing outside the root, agrees warm and cold, and `fix` converges."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from cardlint.cli import main

from .conftest import CARDS
from .test_properties import budget

LAB = "models/tidewater-ai"
CARD = (CARDS / LAB / "plain-dense-12b.md").read_text("utf-8")
PAGE = (CARDS / "labs" / "tidewater-ai.md").read_text("utf-8")
STALE = CARD.replace("0.4 (Lightweight)", "0.9 (Lightweight)")  # one fixable finding

# Name parts that have broken linters: separators, escapes, URL syntax, look-alikes.
PARTS = st.one_of(
    st.sampled_from(
        ["models", "labs", "README", "a b", "#x", "%41", "é", "\u200b", "ﬁ", "-", "..x", ".hidden"]
    ),
    st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="/\x00"),
        min_size=1,
        max_size=8,
    ).filter(lambda s: s not in {".", ".."}),
)
NAMES = st.one_of(
    st.sampled_from(["quarry-pro.md", "gale-2.md", "tidewater-ai.md"]),
    PARTS.map(lambda s: s + ".md"),
    PARTS,
    st.just(b"bad\xff.md"),
)
KINDS = st.sampled_from(["card", "stale", "page", "empty", "binary", "folder", "link", "fifo"])


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[tuple[str | bytes, ...], str]]:
    """Entries (path parts, kind); a path under `models/<lab>/` makes cards out of some."""
    entries: list[tuple[tuple[str | bytes, ...], str]] = []
    if draw(st.booleans()):  # a leaderboard for the odd names to land in
        entries += [(("models", "tidewater-ai", "plain-dense-12b.md"), "stale")]
        entries += [(("labs", "tidewater-ai.md"), "page")]
    for _ in range(draw(st.integers(1, 7))):
        prefix = draw(st.sampled_from([(), ("models", "tidewater-ai"), ("labs",), ("models",)]))
        inner = draw(st.one_of(st.just([]), st.lists(PARTS, max_size=2)))
        name = draw(NAMES)
        entries.append(((*prefix, *inner, name), draw(KINDS)))
    return entries


def _path(root: Path, parts: tuple[str | bytes, ...]) -> Path:
    # Bytes that are not UTF-8 survive as surrogate escapes, which the OS gets back as bytes.
    return root.joinpath(*(os.fsdecode(p) for p in parts))


def _make(root: Path, outside: Path, parts: tuple[str | bytes, ...], kind: str) -> None:
    path = _path(root, parts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            return
        if kind == "folder":
            path.mkdir()
        elif kind == "link":
            path.symlink_to(outside)  # out of the root: must never be followed
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            data = {"card": CARD, "stale": STALE, "page": PAGE, "empty": ""}.get(kind)
            path.write_bytes(b"\x00\xff\xfe" * 50 if data is None else data.encode("utf-8"))
    except OSError:
        pass  # a name the file system refuses (too long, a file where a folder is): skip it


def _run(root: Path, *args: str, cache: bool = False) -> tuple[int, str]:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", errors="strict", write_through=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(sys, "stdout", stream)
        if cache:
            patch.delenv("CARDLINT_NO_CACHE", raising=False)
        else:
            patch.setenv("CARDLINT_NO_CACHE", "1")
        code = main([args[0], "--isolated", "--root", ".", *args[1:], "."])
    return code, buffer.getvalue().decode("utf-8")


def _findings(output: str) -> list[tuple[str, int, int, str, str]]:
    data = json.loads(output, parse_constant=pytest.fail)
    return sorted(
        (d["path"], d["line"], d["column"], d["code"], d["message"]) for d in data["diagnostics"]
    )


@budget(40)
@given(trees())
def test_any_tree_checks_warm_as_cold_and_fixes_to_a_fixed_point(
    entries: list[tuple[tuple[str | bytes, ...], str]],
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root, outside = Path(temp) / "root", Path(temp) / "outside"
        root.mkdir()
        outside.mkdir()
        (outside / "secret.md").write_text(CARD, "utf-8")
        for parts, kind in entries:
            _make(root, outside, parts, kind)
        cold_code, cold = _run(root, "check", "--format", "json")
        assert cold_code in {0, 1}
        assert "secret" not in cold
        event(f"findings: {min(len(_findings(cold)), 5)}+")
        fixable = any(d.get("fixable") for d in json.loads(cold)["diagnostics"])
        event(f"fixable: {fixable}")
        warm_first = _run(root, "check", "--format", "json", cache=True)
        warm = _run(root, "check", "--format", "json", cache=True)
        assert _findings(warm[1]) == _findings(warm_first[1]) == _findings(cold)
        assert warm[0] == cold_code
        fixed_code, _ = _run(root, "fix", "--format", "json")
        assert fixed_code in {0, 1}
        _, again = _run(root, "fix", "--format", "json")
        assert json.loads(again)["fixed"] == 0  # a second run changes nothing
        assert (outside / "secret.md").read_text("utf-8") == CARD
        assert sorted(p.name for p in outside.iterdir()) == ["secret.md"]
        shutil.rmtree(root, ignore_errors=True)
