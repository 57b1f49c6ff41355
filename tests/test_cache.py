"""The cache and the worker processes change nothing but time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardlint import parallel

from .conftest import CARDS
from .helpers import run


def _check(tree: Path, *args: str) -> list[tuple[str, int, int, str, str]]:
    result = run("check", "--format", "json", "--root", str(tree), str(tree), *args)
    assert result.exit_code in {0, 1}, result.output
    return sorted(
        (d["path"], d["line"], d["column"], d["code"], d["message"])
        for d in json.loads(result.stdout)["diagnostics"]
    )


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARDLINT_NO_CACHE", raising=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(CARDS, copy, ignore=shutil.ignore_patterns(".cardlint_cache"))
    return copy


def test_results_are_identical_cold_warm_and_without_cache(tree: Path) -> None:
    without = _check(tree, "--no-cache")
    assert not (tree / ".cardlint_cache").exists()
    cold = _check(tree)
    assert (tree / ".cardlint_cache" / "CACHEDIR.TAG").is_file()
    warm = _check(tree)
    assert without == cold == warm
    assert without


def test_an_edit_invalidates_the_cached_findings(tree: Path) -> None:
    card = tree / "models" / "lintworks" / "cl301-stale-ratio.md"
    before = _check(tree)
    card.write_text(card.read_text("utf-8").replace("110:1", "120:1"), "utf-8")
    after = _check(tree)
    fresh = _check(tree, "--no-cache")
    assert after == fresh
    assert after != before


def test_a_corrupt_cache_is_a_cold_run(tree: Path) -> None:
    expected = _check(tree)
    for path in (tree / ".cardlint_cache").glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    assert _check(tree) == expected


def test_one_or_two_processes_give_the_same_findings(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setenv("CARDLINT_JOBS", "1")
    one = _check(tree, "--no-cache")
    monkeypatch.setenv("CARDLINT_JOBS", "2")
    assert parallel.usable(50)
    two = _check(tree, "--no-cache")
    two_cached = _check(tree)
    assert one == two == two_cached


def test_a_read_only_root_caches_elsewhere(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr("cardlint.cache._writable", lambda _path: False)
    expected = _check(tree, "--no-cache")
    assert _check(tree) == expected
    assert not (tree / ".cardlint_cache").exists()
    assert list((tmp_path / "user-cache" / "cardlint").iterdir())


def test_a_cache_file_not_signed_by_this_user_is_never_unpickled(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle  # noqa: PLC0415

    expected = _check(tree)
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.write_text, ("ran",))

    # A repository could commit a crafted pickle where cardlint keeps its cache.
    for path in (tree / ".cardlint_cache").glob("*.pickle"):
        path.write_bytes(b"\0" * 32 + pickle.dumps(Payload()))
    assert _check(tree) == expected
    assert not marker.exists()


def test_the_facts_signature_depends_on_values_only() -> None:
    # Facts loaded back from the cache must sign as the same facts parsed anew: otherwise one
    # edited card makes every index page of the leaderboard look changed.
    import pickle  # noqa: PLC0415

    from cardlint.cache import facts_signature  # noqa: PLC0415
    from cardlint.cardindex import Facts, Located  # noqa: PLC0415

    shared = Located("7.7", "7.7")
    fresh = [("a.md", Facts(title="A", alscore=shared, tagline=shared))]
    loaded = pickle.loads(pickle.dumps(fresh))
    rebuilt = [("a.md", Facts(title="A", alscore=Located("7.7", "7.7"), tagline=shared))]
    assert facts_signature(fresh) == facts_signature(loaded) == facts_signature(rebuilt)
    assert facts_signature(fresh) != facts_signature([("a.md", Facts(title="B"))])
