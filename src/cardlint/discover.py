"""Paths -> the files to check, their kind, and the root that links may not leave."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cardlint import safefs
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
    kind: str  # "card" | "misplaced" | "page" | "folder" (a folder that could not be listed)
    error: str | None = None  # why a "folder" could not be listed


def page_kind(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    if len(parts) >= 3 and parts[-3] == "models":
        return "card"
    if "models" in parts[:-1]:
        return "misplaced"
    return "page"


def _has_config(directory: Path) -> bool:
    if any(safefs.is_regular(directory / name) for name in CONFIG_FILES):
        return True
    data = safefs.read_bytes(directory / "pyproject.toml", 1024 * 1024)
    return isinstance(data, bytes) and b"[tool.cardlint" in data


def find_root(paths: Iterable[Path]) -> Path:
    """Nearest ancestor holding `.git` or a cardlint config, else the layout's folder."""
    # abspath, not resolve(): `..` is folded lexically and symlinks stay visible.
    absolute = [Path(os.path.abspath(p)) for p in paths]  # noqa: PTH100
    start = Path(os.path.commonpath([str(p) for p in absolute])) if absolute else Path.cwd()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if safefs.exists(directory / ".git") or _has_config(directory):
            return directory
    return _layout_root(start)


def _layout_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if directory.name == "models":
            return directory.parent
        if safefs.is_real_dir(directory / "models"):
            return directory
    return start


def discover(paths: Iterable[Path], root: Path) -> list[Target]:
    """Markdown files under `paths` (files as given, directories recursively), sorted."""
    root = Path(os.path.abspath(root))  # noqa: PTH100
    seen: dict[str, Target] = {}
    for given in paths:
        # abspath, not resolve: a symlink must stay visible as one.
        absolute = Path(os.path.abspath(given))  # noqa: PTH100
        # Checked before anything is stated: a path outside the root is never touched.
        if not _inside(absolute, root):
            raise UsageError(f"path {given} is outside the root {relpath(root)}")
        if not safefs.exists(absolute):
            raise UsageError(f"path does not exist: {given}")
        # A directory named like a markdown file is reported as unreadable, not walked; a
        # symlink to a folder is never walked (its target may lie anywhere).
        walk = safefs.is_real_dir(absolute) and absolute.suffix != ".md"
        found = _walk(absolute) if walk else [(absolute, None)]
        for path, error in found:
            rel = PurePosixPath(*path.relative_to(root).parts).as_posix() or "."
            kind = "folder" if error is not None else page_kind(rel)
            seen.setdefault(rel, Target(path, rel, relpath(path), kind, error))
    return [seen[rel] for rel in sorted(seen)]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _walk(directory: Path) -> Iterator[tuple[Path, str | None]]:
    """Markdown paths under `directory`, and folders that could not be listed (with why)."""
    for folder in safefs.walk(directory, _enters):
        if folder.error is not None:
            yield folder.path, f"cannot list folder: {folder.error}"
            continue
        kept = [d for d in folder.dirs if not d.startswith(".") and d not in SKIP_DIRS]
        names = [*folder.files, *(d for d in kept if d.endswith(".md"))]
        for name in sorted(names):
            if name.endswith(".md"):
                yield folder.path / name, None


def _enters(name: str) -> bool:
    # Folders named like markdown files are yielded as files (reported, not walked).
    return not name.startswith(".") and name not in SKIP_DIRS and not name.endswith(".md")
