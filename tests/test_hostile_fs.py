"""A hostile tree cannot make cardlint touch anything outside its root, hang, or crash.

Each test builds the attack in a copy of the example leaderboard, beside a folder `outside`
that no run may open, state, list or write; an in-process spy on the os layer records any
attempt. Runs that could hang run in a real process with a timeout.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cardlint import cache as cache_module

from .helpers import run

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
SPIED = ("open", "stat", "lstat", "scandir", "listdir", "readlink", "mkdir", "rename", "replace")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(EXAMPLE, copy)
    (copy / ".git").mkdir()  # the repository's top
    return copy


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def cache_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("CARDLINT_NO_CACHE", raising=False)
    user = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(user))
    return user


@contextlib.contextmanager
def touching(forbidden: Path) -> Iterator[list[str]]:
    """Every path under `forbidden` that this process opens, states, lists or writes."""
    prefix = os.path.abspath(forbidden)  # noqa: PTH100
    attempts: list[str] = []

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike) and kwargs.get("dir_fd") is None:
                absolute = os.path.abspath(os.fspath(path))  # noqa: PTH100
                if absolute == prefix or absolute.startswith(prefix + os.sep):
                    attempts.append(absolute)
            return original(path, *args, **kwargs)

        return call

    with pytest.MonkeyPatch.context() as patch:
        for name in SPIED:
            patch.setattr(os, name, spy(getattr(os, name)))
        patch.setattr(builtins, "open", spy(builtins.open))
        patch.setattr(io, "open", spy(io.open))
        yield attempts


def check(tree: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run("check", "--format", "json", "--root", str(tree), *args, str(tree))
    assert result.exit_code in {0, 1}, result.output
    diagnostics = json.loads(result.stdout)["diagnostics"]
    for d in diagnostics:  # shown relative to the working folder; compared from the root
        d["path"] = Path(os.path.relpath(Path(d["path"]).absolute(), tree)).as_posix()
    return result.exit_code, diagnostics


def found(diagnostics: list[dict[str, Any]]) -> list[tuple[str, int, str, str]]:
    return sorted((d["path"], d["line"], d["code"], d["message"]) for d in diagnostics)


def snapshot(folder: Path) -> list[tuple[str, bytes | str]]:
    """Every entry under `folder` with its bytes (files) or link text (symlinks)."""
    entries: list[tuple[str, bytes | str]] = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            entries.append((str(path), str(path.readlink())))
        elif path.is_file():
            entries.append((str(path), path.read_bytes()))
    return entries


def process(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CARDLINT_NO_CACHE"}
    return subprocess.run(
        [sys.executable, "-m", "cardlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        check=False,
    )


def stale_card(tree: Path) -> bytes:
    """A card of a model no page lists (`Zephyr-9`), with a stale ALScore."""
    text = (tree / "models" / "kestrel-research" / "hover-1.md").read_text("utf-8")
    return text.replace("Hover-1", "Zephyr-9").replace("1.1 (", "9.9 (").encode()


# --- 1, 2: the cache folder a repository ships ---------------------------------------------


def test_symlinks_shipped_in_the_cache_folder_are_never_followed(
    tree: Path, outside: Path, cache_on: Path
) -> None:
    victim = outside / "victim.txt"
    victim.write_text("keep me\n")
    shipped = tree / ".cardlint_cache"
    shipped.mkdir()
    (shipped / "CACHEDIR.TAG").symlink_to(victim)
    (shipped / ".gitignore").symlink_to(outside / "created")
    with touching(outside) as touched:
        cold = check(tree)
        warm = check(tree)
    assert touched == []
    assert cold == warm == check(tree, "--no-cache")
    assert victim.read_text() == "keep me\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


def test_a_cache_folder_that_is_a_symlink_is_not_ours(
    tree: Path, outside: Path, cache_on: Path
) -> None:
    (tree / ".cardlint_cache").symlink_to(outside, target_is_directory=True)
    with touching(outside) as touched:
        cold = check(tree)
        warm = check(tree)
    assert touched == []
    assert cold == warm == check(tree, "--no-cache")
    assert list(outside.iterdir()) == []
    assert list(cache_on.rglob("results-*.pickle"))  # cached in the user's folder instead


# --- 3: folders of the tree that are symlinks out of it ------------------------------------


def test_a_lab_folder_linked_from_outside_is_never_read(tree: Path, outside: Path) -> None:
    planted = stale_card(tree)
    (outside / "zephyr-9.md").write_bytes(planted)
    (tree / "models" / "evil-lab").symlink_to(outside, target_is_directory=True)
    expected = check(tree, "--no-cache")
    before = snapshot(tree)
    with touching(outside) as touched:
        result = check(tree)
        fixed = run("fix", "--root", str(tree), str(tree))
    assert touched == []
    assert result == expected
    assert not any("Zephyr" in d["message"] or "evil-lab" in d["path"] for d in result[1])
    assert fixed.exit_code == 1
    # The fix wrote what the three defective cards call for, and nothing from outside.
    readme = (tree / "README.md").read_text("utf-8")
    assert "Zephyr" not in readme and "**Total Models:** 8" in readme
    assert snapshot(outside) == [(str(outside / "zephyr-9.md"), planted)]
    assert before != snapshot(tree)


def test_an_index_folder_linked_from_outside_is_not_linted(tree: Path, outside: Path) -> None:
    labs = outside / "labs"
    shutil.copytree(tree / "labs", labs)
    (labs / "forged.md").write_text("# Forged\n\n[gone](../models/none/none.md)\n", "utf-8")
    shutil.rmtree(tree / "labs")
    (tree / "labs").symlink_to(labs, target_is_directory=True)
    with touching(outside) as touched:
        _, diagnostics = check(tree)
    assert touched == []
    assert not any(d["path"].startswith("labs/") for d in diagnostics)
    # The README's links into the linked folder leave the root: said so, not followed.
    readme = [d for d in diagnostics if d["path"] == "README.md" and "labs/" in d["message"]]
    assert readme and all("outside" in d["message"] or "leaves" in d["message"] for d in readme)


# --- 4, 5: special files ---------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_page_linked_to_dev_zero_is_refused_with_the_cache_on(tree: Path, tmp_path: Path) -> None:
    (tree / "notes").mkdir()
    (tree / "notes" / "zero.md").symlink_to("/dev/zero")
    (tree / "zero.md").symlink_to("/dev/zero")
    started = time.monotonic()
    ran = process("check", "--format", "json", ".", cwd=tree)
    assert time.monotonic() - started < 30
    assert ran.returncode == 1, ran.stderr
    shown = {d["path"]: d for d in json.loads(ran.stdout)["diagnostics"] if d["code"] == "CL901"}
    for rel in ("notes/zero.md", "zero.md"):
        assert shown[rel]["message"] == "symlink points outside the root: not read"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipes_anywhere_are_reported_never_opened(tree: Path) -> None:
    for rel in ("pipe.md", "labs/pipe.md", "models/kestrel-research/pipe.md"):
        os.mkfifo(tree / rel)
    for command in (("check", "--format", "json", "."), ("fix", ".")):
        ran = process(*command, cwd=tree, timeout=60)  # a blocked open() would time out
        assert ran.returncode == 1, ran.stderr
    ran = process("check", "--format", "json", ".", cwd=tree)
    pipes = [d for d in json.loads(ran.stdout)["diagnostics"] if d["path"].endswith("pipe.md")]
    assert sorted((d["path"], d["code"]) for d in pipes) == [
        ("labs/pipe.md", "CL901"),
        ("models/kestrel-research/pipe.md", "CL901"),
        ("pipe.md", "CL901"),
    ]
    assert all(d["message"] == "is a named pipe, not a regular file: not read" for d in pipes)


# --- 11: anchors in other cards --------------------------------------------------------------


def test_an_anchor_into_another_card_is_rechecked_when_that_card_changes(
    tree: Path, cache_on: Path
) -> None:
    lab = tree / "models" / "kestrel-research"
    card = lab / "hover-1.md"
    other = lab / "hover-1-diffuse.md"
    heading = next(x for x in other.read_text("utf-8").splitlines() if x.startswith("### "))
    anchor = heading[4:].strip().lower().replace(" ", "-")
    text = card.read_text("utf-8")
    card.write_text(text + f"\nSee [the sibling](hover-1-diffuse.md#{anchor}).\n", "utf-8")
    before = check(tree)
    assert before == check(tree)  # warm
    assert not any(d["code"] == "CL403" for d in before[1])
    other.write_text(other.read_text("utf-8").replace(heading, "## Renamed"), "utf-8")
    warm = check(tree)
    assert warm == check(tree, "--no-cache")
    assert any(d["code"] == "CL403" and d["path"].endswith("hover-1.md") for d in warm[1])


# --- 12: folders that cannot be listed -------------------------------------------------------


def test_an_unlisted_folder_is_a_finding_not_silence(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = os.path.abspath(tree / "models" / "basalt-labs")  # noqa: PTH100
    real_scandir = os.scandir

    # Tests may run as root, whom chmod 000 does not stop: the refusal is simulated.
    def scandir(path: Any = ".") -> Any:
        if isinstance(path, str | os.PathLike) and os.path.abspath(path) == locked:  # noqa: PTH100
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _, diagnostics = check(tree)
    folder = [d for d in diagnostics if d["path"] == "models/basalt-labs"]
    assert [(d["code"], d["message"]) for d in folder] == [
        ("CL901", "cannot list folder: Permission denied")
    ]
    # Pages that list its cards do not call them missing: the folder is the one cause.
    about = [d for d in diagnostics if "basalt-labs/quarry" in d["message"]]
    assert not [d for d in about if d["code"] in {"CL401", "CL502", "CL504"}]


# --- 16: cache files that are not what they should be ----------------------------------------


def _results_file(tree: Path) -> Path:
    (found_file,) = (tree / ".cardlint_cache").glob("results-*.pickle")
    return found_file


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "malformed", "wrong-shape", "truncated"])
def test_a_bad_cache_file_is_dropped_and_rebuilt(tree: Path, cache_on: Path, kind: str) -> None:
    expected = check(tree)
    results = _results_file(tree)
    results.unlink()
    if kind == "dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero")
        results.symlink_to("/dev/zero")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(results)
    else:
        payload = {
            "malformed": b"\x80\x05not a pickle",
            "wrong-shape": pickle.dumps({"README.md": ("key", "not a list", 3)}),
            "truncated": pickle.dumps({"README.md": ("k", [], ())})[:-3],
        }[kind]
        # Signed with this user's own key: it passes the signature, then fails to load.
        results.write_bytes(cache_module._mac(payload) + payload)
    if kind in {"dev-zero", "fifo"}:
        # A real process: were the file opened, it would block or read without end.
        ran = process("check", "--format", "json", "--root", str(tree), str(tree), cwd=Path())
        assert ran.returncode == 1, ran.stderr
        shown = json.loads(ran.stdout)["diagnostics"]
        assert [{**d, "path": ""} for d in shown] == [{**d, "path": ""} for d in expected[1]]
    else:
        assert check(tree) == expected
    assert check(tree) == expected
    assert _results_file(tree).is_file() and not _results_file(tree).is_symlink()


# --- 20: settings from above the repository --------------------------------------------------


def test_a_config_above_the_repository_is_not_applied(tmp_path: Path, tree: Path) -> None:
    (tmp_path / ".cardlint.toml").write_text('root = "/"\nignore = ["CL3"]\n', "utf-8")
    result = run("check", "--format", "json", str(tree))
    assert result.exit_code == 1, result.output
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert "CL301" in codes  # the CL3 ignore above the repository did not apply
    shown = run("config", str(tree))
    assert ".cardlint.toml" not in shown.output or str(tmp_path / ".cardlint.toml") not in (
        shown.output
    )


@pytest.mark.parametrize("root", ["/", "..", "../.."])
def test_a_config_root_outside_its_repository_is_refused(tree: Path, root: str) -> None:
    (tree / ".cardlint.toml").write_text(f'root = "{root}"\n', "utf-8")
    result = run("check", str(tree))
    assert result.exit_code == 2
    assert "lies outside" in result.output


def test_a_config_that_is_a_symlink_is_not_read(tree: Path, outside: Path) -> None:
    secret = outside / "secret.toml"
    secret.write_text("not = toml = at all\n", "utf-8")
    (tree / ".cardlint.toml").symlink_to(secret)
    with touching(outside) as touched:
        result = run("check", "--format", "json", str(tree))
    assert result.exit_code == 1, result.output
    assert touched == []


def test_checking_a_symlink_states_nothing_outside(tree: Path, outside: Path) -> None:
    (outside / "deep").mkdir()
    planted = stale_card(tree)
    (outside / "deep" / "card.md").write_bytes(planted)
    link = tree / "models" / "kestrel-research" / "hover-9.md"
    link.symlink_to(outside / "deep" / "card.md")
    relative = tree / "models" / "kestrel-research" / "hover-8.md"
    relative.symlink_to(os.path.relpath(outside / "deep" / "card.md", relative.parent))
    with touching(outside) as touched:
        for given in (link, relative, tree):
            result = run("check", "--format", "json", "--root", str(tree), str(given))
            assert result.exit_code == 1
            fix = run("fix", "--root", str(tree), str(given))
            assert fix.exit_code == 1
    assert touched == []
    assert (outside / "deep" / "card.md").read_bytes() == planted


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="no O_NOFOLLOW here")
def test_every_read_and_cache_write_refuses_a_symlink_at_open() -> None:
    # The lstat before opening is not enough: a file swapped for a link in between must fail.
    from cardlint import safefs  # noqa: PLC0415

    assert safefs.READ_FLAGS & os.O_NOFOLLOW
    assert safefs.WRITE_FLAGS & os.O_NOFOLLOW
