"""Reading a tree that a stranger wrote: regular files only, never through a symlink, bounded.

A repository under review may hold named pipes (an `open()` that never returns), device
files (`/dev/zero` reads forever), symlinks to anything on the machine and folders nobody may
read. Every read of a checked tree goes through here: the file is opened without following a
symlink and without blocking, and read only when `fstat` says it is a regular file, at most
`limit` bytes. Callers confine symlinks inside the root first (`LinkResolver.real_path`).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
READ_FLAGS = os.O_RDONLY | NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY
WRITE_FLAGS = NOFOLLOW | _CLOEXEC | _BINARY  # with O_CREAT | O_EXCL: a new file, never a link
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Refused:
    """Why a path was not read: `code` is the finding it becomes (CL901 or CL904)."""

    code: str
    message: str


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a markdown file"
    if stat.S_ISLNK(mode):
        return "is a symlink: not followed"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a regular file: not read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file: not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file: not read"
    return "is not a regular file: not read"


def _reason(exc: Exception) -> str:
    # ValueError: a name with a NUL byte, which no file can have.
    return (exc.strerror if isinstance(exc, OSError) else None) or exc.__class__.__name__


def read_bytes(path: Path | str, limit: int) -> bytes | Refused:
    """The bytes of a regular file at `path` (its last component not a symlink), or why not."""
    return read_at(None, path, limit)


def read_at(folder: int | None, path: Path | str, limit: int) -> bytes | Refused:
    """`read_bytes` of `path` relative to the open folder `folder` (None: the working one)."""
    # Stated first so that a device, a pipe or a huge file is never even opened (opening a
    # device can act on it); fstat after opening then guards against a swap in between.
    try:
        info = os.stat(path, dir_fd=folder, follow_symlinks=False)
    except (OSError, ValueError) as exc:
        return Refused("CL901", f"cannot read file: {_reason(exc)}")
    early = _refusal(info, limit)
    if early is not None:
        return early
    try:
        descriptor = os.open(path, READ_FLAGS, dir_fd=folder)
    except OSError as exc:
        return Refused("CL901", f"cannot read file: {_reason(exc)}")
    try:
        late = _refusal(os.fstat(descriptor), limit)
        if late is not None:
            return late
        data = _read_at_most(descriptor, limit + 1)
    except OSError as exc:
        return Refused("CL901", f"cannot read file: {_reason(exc)}")
    finally:
        os.close(descriptor)
    # A file that grew between fstat and read is still cut at the bound.
    return _too_large(len(data), limit) if len(data) > limit else data


def _refusal(info: os.stat_result, limit: int) -> Refused | None:
    other = kind_of(info.st_mode)
    if other is not None:
        return Refused("CL901", other)
    if info.st_size > limit:
        return _too_large(info.st_size, limit)
    return None


def _too_large(size: int, limit: int) -> Refused:
    return Refused("CL904", f"file is {size:,} bytes, over the {limit:,}-byte limit")


def _read_at_most(descriptor: int, count: int) -> bytes:
    parts: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(descriptor, min(left, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def lstat_mode(path: Path | str) -> int | None:
    """The mode of `path` itself (a symlink is not followed), None when it cannot be stated."""
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):
        return None


def is_symlink(path: Path | str) -> bool:
    mode = lstat_mode(path)
    return mode is not None and stat.S_ISLNK(mode)


def is_regular(path: Path | str) -> bool:
    """A regular file, and not a symlink to one."""
    mode = lstat_mode(path)
    return mode is not None and stat.S_ISREG(mode)


def is_real_dir(path: Path | str) -> bool:
    """A directory, and not a symlink to one."""
    mode = lstat_mode(path)
    return mode is not None and stat.S_ISDIR(mode)


def exists(path: Path | str) -> bool:
    """Whether the name exists (a dangling symlink does), without touching what it names."""
    return lstat_mode(path) is not None


def size_of(path: Path | str) -> int:
    """The size of a regular file itself (0 for anything else), never following a symlink."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


@dataclass(frozen=True)
class Folder:
    """One folder of a walk: its real sub-folders, its other entries, or why it is unlisted."""

    path: Path
    dirs: tuple[str, ...]
    files: tuple[str, ...]  # every entry that is not a real folder, symlinks included
    error: str | None = None  # set when the folder could not be listed: a CL901 finding


def walk(top: Path, enter: Callable[[str], bool]) -> Iterator[Folder]:
    """Folders under `top`, top-down and sorted, never through a symlink.

    A symlink to a folder is an entry of `files`, whatever it points to; sub-folders whose
    name `enter` refuses are listed but not entered. A folder that cannot be listed is
    yielded with its `error` instead of being left out in silence.
    """
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                items = list(entries)
        except OSError as exc:
            yield Folder(folder, (), (), _reason(exc))
            continue
        dirs = sorted(i.name for i in items if i.is_dir(follow_symlinks=False))
        files = sorted(i.name for i in items if not i.is_dir(follow_symlinks=False))
        yield Folder(folder, tuple(dirs), tuple(files))
        stack.extend(folder / d for d in reversed(dirs) if enter(d))


def glob(base: Path, pattern: str) -> list[Path]:
    """`base.glob(pattern)` that never enters a symlinked folder, sorted.

    `pattern` is a relative POSIX pattern of fnmatch components (`models/*/*.md`). The last
    component matches any entry, symlinks included (reading them is confined by the caller);
    every component before it matches real folders only, so nothing outside `base` is listed.
    """
    *folders, last = pattern.split("/")
    current = [base]
    for part in folders:
        current = [d for f in current for d in _entries(f, part) if is_real_dir(d)]
    return sorted(p for f in current for p in _entries(f, last))


def names_in(folder: Path) -> list[str] | None:
    """The names of a folder's entries, or None when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries]
    except OSError:
        return None


def _entries(folder: Path, part: str) -> list[Path]:
    if not any(c in part for c in "*?["):
        return [folder / part] if exists(folder / part) else []
    names = names_in(folder)  # None: an unlisted folder, reported where the tree is walked
    return [folder / n for n in names or () if fnmatch.fnmatchcase(n, part)]
