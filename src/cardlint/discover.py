"""Paths -> the files to check, their kind, and the root that links may not leave."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cardlint.source import relpath

CONFIG_FILES = (".cardlint.toml",)
SKIP_DIRS = frozenset({"node_modules", "__pycache__"})


class UsageError(Exception):
    """A problem with what the user asked for: exit code 2, no traceback."""


@dataclass(frozen=True)
class Target:
    path: Path  # absolute, not resolved (a symlink stays a symlink)
    rel: str  # POSIX, relative to the root
    display: str  # relative to the working directory
    kind: str  # "card" | "misplaced" | "page"


def page_kind(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    if len(parts) >= 3 and parts[-3] == "models":
        return "card"
    if "models" in parts[:-1]:
        return "misplaced"
    return "page"


def _has_config(directory: Path) -> bool:
    if any((directory / name).is_file() for name in CONFIG_FILES):
        return True
    pyproject = directory / "pyproject.toml"
    try:
        return pyproject.is_file() and "[tool.cardlint" in pyproject.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def find_root(paths: Iterable[Path]) -> Path:
    """Nearest ancestor holding `.git` or a cardlint config, else the layout's folder."""
    # abspath, not resolve(): `..` is folded lexically and symlinks stay visible.
    absolute = [Path(os.path.abspath(p)) for p in paths]  # noqa: PTH100
    start = Path(os.path.commonpath([str(p) for p in absolute])) if absolute else Path.cwd()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if (directory / ".git").exists() or _has_config(directory):
            return directory
    return _layout_root(start)


def _layout_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if directory.name == "models":
            return directory.parent
        if (directory / "models").is_dir():
            return directory
    return start


def discover(paths: Iterable[Path], root: Path) -> list[Target]:
    """Markdown files under `paths` (files as given, directories recursively), sorted."""
    root = Path(os.path.abspath(root))  # noqa: PTH100
    seen: dict[str, Target] = {}
    for given in paths:
        # abspath, not resolve: a symlink must stay visible as one.
        absolute = Path(os.path.abspath(given))  # noqa: PTH100
        if not absolute.exists() and not absolute.is_symlink():
            raise UsageError(f"path does not exist: {given}")
        if not _inside(absolute, root):
            raise UsageError(f"path {given} is outside the root {relpath(root)}")
        # A directory named like a markdown file is reported as unreadable, not walked.
        walk = absolute.is_dir() and absolute.suffix != ".md"
        files = _walk(absolute) if walk else [absolute]
        for path in files:
            rel = PurePosixPath(*path.relative_to(root).parts).as_posix()
            seen.setdefault(rel, Target(path, rel, relpath(path), page_kind(rel)))
    return [seen[rel] for rel in sorted(seen)]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _walk(directory: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(directory, followlinks=False):
        base = Path(current)
        kept = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        # Directories named like markdown files are reported as unreadable, not walked.
        names = files + [d for d in kept if d.endswith(".md")]
        dirs[:] = sorted(d for d in kept if not d.endswith(".md"))
        for name in sorted(names):
            if name.endswith(".md"):
                yield base / name
