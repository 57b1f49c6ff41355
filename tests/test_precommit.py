"""Every hook of .pre-commit-hooks.yaml, run by the real pre-commit on a throwaway repository.

pre-commit installs the hooks with `pip install .` of a git repository, so these tests also
prove that the schema and data load from a regular (non-editable) install. The repository it
installs from is a commit of this checkout's working tree, new files included: `try-repo` on
the checkout itself would take the committed HEAD plus changes to tracked files only (`git add
-u`), so it would miss a new module or a new `.pre-commit-hooks.yaml`.

`try-repo` builds the hook environment anew in a temporary store on every call, so it runs once
here; the other tests use `pre-commit run` with a config naming that commit and one
PRE_COMMIT_HOME per test session, which builds the environment once.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli_options import HOVER, REPAIRS, repaired_example, replace_once

CHECKOUT = Path(__file__).resolve().parents[1]
MANIFEST = CHECKOUT / ".pre-commit-hooks.yaml"
HOOKS = ("cardlint", "cardlint-fix", "cardlint-project")
_, STALE_ALSCORE, FIXED_ALSCORE = REPAIRS[0]  # the example's stale line, and its repair
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "cardlint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "cardlint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",  # no gpg signing, hooks or templates from the machine
    "GIT_CONFIG_GLOBAL": os.devnull,
}
LEFT_OUT = {"SKIP", "PRE_COMMIT_HOME", "PRE_COMMIT_COLOR", "GIT_DIR", "GIT_WORK_TREE"}


def _pre_commit_command() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


PRE_COMMIT = _pre_commit_command()
pytestmark = [
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _environment(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if k not in LEFT_OUT}
    return {**kept, **GIT_IDENTITY, **extra}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=_environment(), capture_output=True, text=True, check=True
    )
    return done.stdout


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def _working_tree_files(checkout: Path) -> list[str]:
    """What a commit of the checkout would hold: tracked and new files, less ignored ones."""
    listed = git(checkout, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return [name for name in listed.split("\0") if name and (checkout / name).is_file()]


@pytest.fixture(scope="session")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(a git repository holding this checkout's working tree, its commit)."""
    if not (CHECKOUT / ".git").exists():
        pytest.skip("the checkout is not a git working tree")
    snapshot = tmp_path_factory.mktemp("cardlint-hooks-repo")
    for name in _working_tree_files(CHECKOUT):
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / name, snapshot / name)
    git(snapshot, "init", "-q")
    return snapshot, commit_all(snapshot, "cardlint working tree")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def leaderboard(tmp_path: Path, hooks_repo: tuple[Path, str]) -> Path:
    """A clean made-up leaderboard, committed, with a config naming every cardlint hook."""
    repo = repaired_example(tmp_path / "leaderboard")
    path, rev = hooks_repo
    hooks = "".join(f"      - id: {hook}\n" for hook in HOOKS)
    config = f"repos:\n  - repo: {path.as_posix()}\n    rev: {rev}\n    hooks:\n{hooks}"
    (repo / ".pre-commit-config.yaml").write_text(config, "utf-8")
    git(repo, "init", "-q")
    commit_all(repo, "a clean leaderboard")
    return repo


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    return subprocess.run(
        [*PRE_COMMIT, *args, "--color", "never"],
        cwd=repo,
        env=_environment(PRE_COMMIT_HOME=str(home)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=300,
    )


def make_stale(repo: Path) -> Path:
    card = repo / HOVER
    replace_once(card, FIXED_ALSCORE, STALE_ALSCORE)
    return card


def test_the_manifest_is_valid() -> None:
    assert PRE_COMMIT is not None
    done = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yaml = pytest.importorskip("yaml")
    hooks = {hook.pop("id"): hook for hook in yaml.safe_load(MANIFEST.read_text("utf-8"))}
    assert tuple(hooks) == HOOKS
    assert all(hook["language"] == "python" and hook["require_serial"] for hook in hooks.values())
    assert hooks["cardlint"]["entry"] == hooks["cardlint-project"]["entry"] == "cardlint check"
    assert hooks["cardlint-fix"]["entry"] == "cardlint fix"
    assert hooks["cardlint"]["types"] == hooks["cardlint-fix"]["types"] == ["markdown"]
    assert hooks["cardlint-project"]["pass_filenames"] is False


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_passes_on_clean_cards(
    leaderboard: Path, pre_commit_home: Path, hook: str
) -> None:
    done = pre_commit(leaderboard, pre_commit_home, "run", hook, "--all-files")
    assert done.returncode == 0, done.stdout
    assert "Passed" in done.stdout


def test_try_repo_check_hook_names_the_stale_finding(
    leaderboard: Path, hooks_repo: tuple[Path, str]
) -> None:
    make_stale(leaderboard)
    path, _ = hooks_repo
    home = leaderboard.parent / "unused-home"  # try-repo keeps its own temporary store
    done = pre_commit(leaderboard, home, "try-repo", str(path), "cardlint", "--files", HOVER)
    assert done.returncode == 1, done.stdout
    assert f"{HOVER}:24:16: CL304 [*] ALScore is 1.4 but" in done.stdout
    assert "- hook id: cardlint" in done.stdout


def test_check_hook_fails_on_a_stale_card_and_checks_its_index_pages(
    leaderboard: Path, pre_commit_home: Path
) -> None:
    make_stale(leaderboard)
    lab_page = leaderboard / "labs" / "kestrel-research.md"
    # The lab page's row of the staged card drifts; its count was already wrong before.
    replace_once(lab_page, "| 34.0B | Dense | 1.1 |", "| 35.0B | Dense | 1.1 |")
    replace_once(lab_page, "**Total Models:** 2", "**Total Models:** 3")
    done = pre_commit(leaderboard, pre_commit_home, "run", "cardlint", "--files", HOVER)
    assert done.returncode == 1, done.stdout
    assert f"{HOVER}:24:16: CL304" in done.stdout
    assert "labs/kestrel-research.md:10:54: CL501 [*] Params" in done.stdout  # the card row
    # Not about the staged card: the whole-tree hook's to report, not this one's.
    assert "CL505" not in done.stdout
    git(leaderboard, "add", "-A")  # pre-commit stashes what is not staged
    project = pre_commit(leaderboard, pre_commit_home, "run", "cardlint-project")
    assert project.returncode == 1, project.stdout
    assert "labs/kestrel-research.md:3:19: CL505" in project.stdout
    # One process for all files: batches run in parallel would each report the lab page again.
    every = pre_commit(leaderboard, pre_commit_home, "run", "cardlint", "--all-files")
    assert every.returncode == 1, every.stdout
    assert every.stdout.count("CL505") == 1


def test_fix_hook_repairs_the_card_and_fails_the_run(
    leaderboard: Path, pre_commit_home: Path
) -> None:
    clean = (leaderboard / HOVER).read_bytes()
    card = make_stale(leaderboard)
    done = pre_commit(leaderboard, pre_commit_home, "run", "cardlint-fix", "--files", HOVER)
    assert done.returncode == 1, done.stdout
    assert "- files were modified by this hook" in done.stdout
    assert card.read_bytes() == clean
    again = pre_commit(leaderboard, pre_commit_home, "run", "cardlint-fix", "--files", HOVER)
    assert again.returncode == 0, again.stdout


def test_fix_hook_fails_on_what_it_cannot_fix_and_leaves_it(
    leaderboard: Path, pre_commit_home: Path
) -> None:
    card = leaderboard / HOVER
    replace_once(card, "(https://example.org/kestrel/hover-1)", "(../../docs/hover-1.md)")
    commit_all(leaderboard, "a broken link")
    before = card.read_bytes()
    done = pre_commit(leaderboard, pre_commit_home, "run", "cardlint-fix", "--files", HOVER)
    assert done.returncode == 1, done.stdout
    assert "- exit code: 1" in done.stdout
    assert f"{HOVER}:52:31: CL401" in done.stdout
    assert "files were modified" not in done.stdout
    assert card.read_bytes() == before


def test_project_hook_checks_the_whole_tree_once(leaderboard: Path, pre_commit_home: Path) -> None:
    make_stale(leaderboard)
    files = len(list(leaderboard.rglob("*.md")))
    everything = pre_commit(leaderboard, pre_commit_home, "run", "cardlint-project", "--all-files")
    assert everything.returncode == 1, everything.stdout
    assert everything.stdout.count("Found 1 finding") == 1
    assert f"Found 1 finding in 1 of {files} files." in everything.stdout
    # always_run: a commit touching no markdown still checks the tree.
    other = pre_commit(
        leaderboard,
        pre_commit_home,
        "run",
        "cardlint-project",
        "--files",
        ".pre-commit-config.yaml",
    )
    assert other.returncode == 1, other.stdout
    assert f"{HOVER}:24:16: CL304" in other.stdout
