"""Content-hash cache in `.cardlint_cache/`: card facts, and per-file results.

Two levels. The facts index pages state about each card (title, lab, scores, ...) are keyed
by path and content: after an edit, the index pages are checked against every card without
parsing the cards that did not change. Each file's findings are keyed by its content and by
what they depend on: the tree's paths and pages (`tree_signature`) and, for an index page,
the facts of every card (`facts_signature`). Both are keyed by
cardlint's version and the conventions, so an upgrade or a setting change starts over.
Parsed records are not cached: reading them back costs about as much as parsing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import os
import pickle
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cardlint import __version__, safefs
from cardlint.config import Config
from cardlint.diagnostics import Diagnostic
from cardlint.source import MAX_BYTES, Source

DIRECTORY = ".cardlint_cache"
_SKIP = {".git", DIRECTORY, "node_modules", "__pycache__"}


def bytes_key(data: bytes) -> str:
    """The key of a file's content: its bytes as on disk."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def content_key(source: Source) -> str:
    """The same key from a decoded file (decoding keeps every byte but the BOM)."""
    return bytes_key((("\ufeff" if source.bom else "") + source.original).encode("utf-8"))


def tree_signature(root: Path) -> str:
    """Every path under the root, and the content of every markdown file that is not a card.

    A card's findings depend on its own text, on which files exist (links) and on the
    headings of the pages it links to (checked per result, see `Cache.result`); an index
    page's also on the facts of every card, which are hashed apart (`facts_signature`). So
    one edited card does not invalidate the findings of the pages that list it unless what
    they state about it changed. (Timestamps alone would miss an edit within their
    granularity: contents are read.) Nothing is followed or read but regular files inside
    the root, each at most MAX_BYTES: a symlink counts by its own text, a special file by
    its kind.
    """
    digest = hashlib.blake2b(digest_size=16)
    for folder in safefs.walk(root, lambda name: name not in _SKIP):
        current = str(folder.path)
        digest.update(current.encode("utf-8", "surrogateescape") + b"\0")
        if folder.error is not None:
            digest.update(b"unlisted\0" + folder.error.encode() + b"\0")
            continue
        in_lab = os.path.basename(os.path.dirname(current)) == "models"  # noqa: PTH119, PTH120
        for name in folder.files:
            path = f"{current}/{name}"
            digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
            if name.endswith(".md") and not in_lab:
                digest.update(_entry_stamp(path))
    return digest.hexdigest()


def _entry_stamp(path: str) -> bytes:
    """What an entry of the tree contributes to its signature, without following it."""
    if safefs.is_symlink(path):
        try:
            return b"symlink\0" + os.fsencode(Path(path).readlink())
        except OSError:
            return b"symlink\0"
    data = safefs.read_bytes(path, MAX_BYTES)
    if isinstance(data, safefs.Refused):
        return b"refused\0" + data.message.encode()
    return hashlib.blake2b(data, digest_size=16).digest()


def facts_signature(facts: list[Any]) -> str:
    """A digest of the facts' values: pickle bytes differ between facts loaded from the cache
    and equal facts parsed anew (memo and sharing), which made every page look changed; the
    repr of these frozen dataclasses of strings, numbers and tuples depends on values only."""
    return hashlib.blake2b(repr(facts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _code() -> str:
    """cardlint's own modules (size, mtime): a changed checkout must not reuse old results."""
    package = Path(__file__).parent
    stamps = []
    for path in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            info = path.stat()
            stamps.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.blake2b("\n".join(stamps).encode(), digest_size=8).hexdigest()


def enabled() -> bool:
    """CARDLINT_NO_CACHE=1 turns the cache off as `--no-cache` does (tests set it)."""
    return os.environ.get("CARDLINT_NO_CACHE", "") in {"", "0"}


def _location(root: Path) -> Path:
    """`<root>/.cardlint_cache`, or a per-user folder when that one cannot be ours.

    A repository may ship its own `.cardlint_cache` (a symlink to somewhere else, a folder
    of someone else's files): a folder that is not a real directory owned by this user is
    never written to or read, and the per-user folder for this root is used instead, as
    when the root is read-only.
    """
    local = root / DIRECTORY
    mode = safefs.lstat_mode(local)
    if mode is None and _writable(root):
        return local
    if mode is not None and _ours(local):
        return local
    name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
    return _user_folder() / name


def _user_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cardlint"


def _ours(folder: Path) -> bool:
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner and _writable(folder)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _relative(diagnostics: list[Diagnostic], display: str, rel: str) -> list[Diagnostic]:
    # Display paths depend on the working directory; the cache keeps root-relative ones.
    return [dataclasses.replace(d, path=rel) if d.path == display else d for d in diagnostics]


def _displayed(diagnostics: list[Diagnostic], rel: str, display: str) -> list[Diagnostic]:
    return [dataclasses.replace(d, path=display) if d.path == rel else d for d in diagnostics]


# A result: the key it was linted under, its findings, and the anchors it checked in other
# pages ((path, digest of their anchors)), which must still be the same for it to be reused.
Anchors = tuple[tuple[str, str], ...]
Entry = tuple[str, list[Diagnostic], Anchors]


def anchors_digest(anchors: frozenset[str] | None) -> str:
    if anchors is None:
        return "-"
    joined = "\0".join(sorted(anchors)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=8).hexdigest()


def _valid_entry(entry: Any) -> bool:
    """A loaded entry has the shape this version writes (a signed file may still be old or
    damaged: anything else is dropped, never trusted)."""
    return (
        isinstance(entry, tuple)
        and len(entry) == 3
        and isinstance(entry[0], str)
        and isinstance(entry[1], list)
        and all(isinstance(d, Diagnostic) for d in entry[1])
        and isinstance(entry[2], tuple)
    )


class Cache:
    """Loaded lazily, saved once at the end of a run; every failure means a cold run."""

    def __init__(self, root: Path, config: Config) -> None:
        self.directory = _location(root)
        key = hashlib.blake2b(
            f"{__version__}\0{_code()}\0{config!r}".encode(), digest_size=8
        ).hexdigest()
        self._facts_name = f"facts-{key}.pickle"
        self._results_name = f"results-{key}.pickle"
        self._facts: dict[tuple[str, str], Any] | None = None
        self._facts_dirty = False
        self._results: dict[str, Entry] | None = None

    # --- the facts index pages need, by path and content ---------------------------------

    def _all_facts(self) -> dict[tuple[str, str], Any]:
        if self._facts is None:
            stored = _load(self.directory, self._facts_name)
            self._facts = stored if isinstance(stored, dict) else {}
        return self._facts

    def facts(self, rel: str, content: str) -> Any | None:
        return self._all_facts().get((rel, content))

    def store_facts(self, rel: str, content: str, facts: Any) -> None:
        known = self._all_facts()
        if known.get((rel, content)) != facts:
            known[(rel, content)] = facts
            self._facts_dirty = True

    # --- per-file results, while the tree is unchanged ----------------------------------

    def results(self) -> dict[str, Entry]:
        """Each file's findings under the key it was linted with (content + dependencies)."""
        if self._results is None:
            stored = _load(self.directory, self._results_name)
            self._results = stored if isinstance(stored, dict) else {}
        return self._results

    def result(
        self, rel: str, key: str, display: str, anchors: Callable[[str], str] | None = None
    ) -> list[Diagnostic] | None:
        """The stored findings, when stored under `key` and every anchor set they checked
        (`anchors`: a page's current anchors digest) is unchanged."""
        entry = self.results().get(rel)
        if not _valid_entry(entry) or entry is None or entry[0] != key:
            return None
        if entry[2] and (anchors is None or any(anchors(p) != d for p, d in entry[2])):
            return None
        return _displayed(entry[1], rel, display)

    def store_result(
        self, rel: str, key: str, display: str, found: list[Diagnostic], anchors: Anchors = ()
    ) -> None:
        self.results()[rel] = (key, _relative(found, display, rel), anchors)

    def pending(self) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
        """What this (forked) copy learned, for the parent to merge."""
        return dict(self._facts or {}), dict(self._results or {})

    def merge(self, pending: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
        facts, results = pending
        for (rel, content), value in facts.items():
            self.store_facts(rel, content, value)
        self.results().update(results)

    def save(self) -> None:
        folder = _open_folder(self.directory, create=True)
        if folder is None:
            return
        try:
            _tag(folder)
            if self._facts_dirty:
                _dump(folder, self._facts_name, self._facts)
            if self._results is not None:
                _dump(folder, self._results_name, self._results)
            _sweep(folder)
        except OSError:
            pass  # a cache that cannot be written means a cold run next time, nothing more
        finally:
            os.close(folder)


# Every file of the cache folder is opened relative to the folder's own descriptor and never
# through a symlink: whatever a repository ships in `.cardlint_cache/`, nothing is written,
# created or read outside it.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | safefs.WRITE_FLAGS
_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | safefs.NOFOLLOW
MAX_CACHE_BYTES = 512 * 1024 * 1024  # past this a cache file is not ours: a cold run instead
_STALE_AFTER = 3600.0  # seconds: a temporary file this old was left by a killed run


def _open_folder(directory: Path, *, create: bool) -> int | None:
    """A descriptor of the cache folder (a real directory owned by this user), or None."""
    try:
        if create and safefs.lstat_mode(directory) is None:
            directory.parent.mkdir(parents=True, exist_ok=True)
            directory.mkdir(0o755)  # fails on any existing entry, a symlink included
        if not _ours(directory):
            return None
        return os.open(directory, _DIRECTORY_FLAGS)
    except OSError:
        return None


def _tag(folder: int) -> None:
    _create(folder, ".gitignore", b"# Created by cardlint.\n*\n")
    tag = b"Signature: 8a477f597d28d172789f06886806bc55\n# cardlint cache\n"
    _create(folder, "CACHEDIR.TAG", tag)


def _create(folder: int, name: str, data: bytes) -> None:
    """Write a new file in the folder; an entry of that name, of any kind, is left alone."""
    try:
        descriptor = os.open(name, _CREATE, 0o644, dir_fd=folder)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


_MAC_SIZE = 32


def _secret() -> bytes:
    """A per-user key, outside every repository: cache files are signed with it, so a
    pickle committed into a repository's cache folder is never loaded (it would run code)."""
    base = _user_folder()
    key_file = base / "cache-key"
    key = safefs.read_bytes(key_file, _MAC_SIZE)
    if isinstance(key, bytes) and len(key) == _MAC_SIZE:
        return key
    key = os.urandom(_MAC_SIZE)
    with contextlib.suppress(OSError):
        base.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, _CREATE, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
    stored = safefs.read_bytes(key_file, _MAC_SIZE)  # another process may have won the race
    if isinstance(stored, bytes) and len(stored) == _MAC_SIZE:
        return stored
    return key


def _mac(payload: bytes) -> bytes:
    return hmac.new(_secret(), payload, hashlib.sha256).digest()


def _load(directory: Path, name: str) -> Any:
    """The signed content of a cache file, or None: a file that is missing, not a regular
    file, too large, not signed by this user or not loadable is dropped (rebuilt on save)."""
    folder = _open_folder(directory, create=False)
    if folder is None:
        return None
    try:
        blob = safefs.read_at(folder, name, MAX_CACHE_BYTES)
    finally:
        os.close(folder)
    if not isinstance(blob, bytes):
        return None
    mac, payload = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
    if len(mac) != _MAC_SIZE or not hmac.compare_digest(mac, _mac(payload)):
        return None  # not written by this user's cardlint: never unpickled
    try:
        return pickle.loads(payload)
    except Exception:  # a damaged file of ours: dropped, rebuilt on save
        return None


def _temporary(name: str) -> str:
    return f".{name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"


def _dump(folder: int, name: str, data: Any) -> None:
    payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    temporary = _temporary(name)
    descriptor = os.open(temporary, _CREATE, 0o600, dir_fd=folder)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(_mac(payload) + payload)
        # rename replaces the entry itself, whatever it is: readers see old or new, never half
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


def _sweep(folder: int) -> None:
    """Remove temporary files that killed runs left (only ours: `.*.tmp`, regular, old)."""
    now = time.time()
    for name in os.listdir(folder):
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        with contextlib.suppress(OSError):
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > _STALE_AFTER:
                os.unlink(name, dir_fd=folder)
