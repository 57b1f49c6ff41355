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
import tempfile
from pathlib import Path
from typing import Any

from cardlint import __version__
from cardlint.config import Config
from cardlint.diagnostics import Diagnostic
from cardlint.source import Source

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
    headings of the pages it links to; an index page's also on the facts of every card,
    which are hashed apart (`facts_signature`). So one edited card does not invalidate
    the findings of the pages that list it unless what they state about it changed.
    (Timestamps alone would miss an edit within their granularity: contents are read.)
    """
    digest = hashlib.blake2b(digest_size=16)
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        in_lab = os.path.basename(os.path.dirname(current)) == "models"  # noqa: PTH119, PTH120
        for name in sorted(files):
            path = f"{current}/{name}"
            digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
            if name.endswith(".md") and not in_lab:
                with contextlib.suppress(OSError):
                    digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def facts_signature(facts: list[Any]) -> str:
    return hashlib.blake2b(pickle.dumps(facts, protocol=4), digest_size=16).hexdigest()


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


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _location(root: Path) -> Path | None:
    """`<root>/.cardlint_cache`, or a per-user folder when the root is read-only."""
    local = root / DIRECTORY
    if _writable(root) or (local.is_dir() and _writable(local)):
        return local
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
    return base / "cardlint" / name


def _relative(diagnostics: list[Diagnostic], display: str, rel: str) -> list[Diagnostic]:
    # Display paths depend on the working directory; the cache keeps root-relative ones.
    return [dataclasses.replace(d, path=rel) if d.path == display else d for d in diagnostics]


def _displayed(diagnostics: list[Diagnostic], rel: str, display: str) -> list[Diagnostic]:
    return [dataclasses.replace(d, path=display) if d.path == rel else d for d in diagnostics]


class Cache:
    """Loaded lazily, saved once at the end of a run; every failure means a cold run."""

    def __init__(self, root: Path, config: Config) -> None:
        self.directory = _location(root)
        key = hashlib.blake2b(
            f"{__version__}\0{_code()}\0{config!r}".encode(), digest_size=8
        ).hexdigest()
        folder = self.directory
        self._facts_file = folder / f"facts-{key}.pickle" if folder else None
        self._results_file = folder / f"results-{key}.pickle" if folder else None
        self._facts: dict[tuple[str, str], Any] | None = None
        self._facts_dirty = False
        self._results: dict[str, tuple[str, list[Diagnostic]]] | None = None

    # --- parsed records (and the facts index pages need), by path and content -------------

    def facts(self, rel: str, content: str) -> Any | None:
        if self._facts is None:
            self._facts = _load(self._facts_file) or {}
        return self._facts.get((rel, content))

    def store_facts(self, rel: str, content: str, facts: Any) -> None:
        if self._facts is None:
            self._facts = _load(self._facts_file) or {}
        if self._facts.get((rel, content)) != facts:
            self._facts[(rel, content)] = facts
            self._facts_dirty = True

    # --- per-file results, while the tree is unchanged ----------------------------------

    def results(self) -> dict[str, tuple[str, list[Diagnostic]]]:
        """Each file's findings under the key it was linted with (content + dependencies)."""
        if self._results is None:
            stored = _load(self._results_file)
            self._results = stored if isinstance(stored, dict) else {}
        return self._results

    def result(self, rel: str, key: str, display: str) -> list[Diagnostic] | None:
        entry = self.results().get(rel)
        if entry is None or entry[0] != key:
            return None
        return _displayed(entry[1], rel, display)

    def store_result(self, rel: str, key: str, display: str, found: list[Diagnostic]) -> None:
        self.results()[rel] = (key, _relative(found, display, rel))

    def pending(self) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
        """What this (forked) copy learned, for the parent to merge."""
        return dict(self._facts or {}), dict(self._results or {})

    def merge(self, pending: tuple[dict[tuple[str, str], Any], dict[str, Any]]) -> None:
        facts, results = pending
        for (rel, content), value in facts.items():
            self.store_facts(rel, content, value)
        self.results().update(results)

    def save(self) -> None:
        if self.directory is None:
            return
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            _tag(self.directory)
            if self._facts_dirty:
                _dump(self._facts_file, self._facts)
            if self._results is not None:
                _dump(self._results_file, self._results)


def _tag(directory: Path) -> None:
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by cardlint.\n*\n", "utf-8")
        (directory / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# cardlint cache\n", "utf-8"
        )


_MAC_SIZE = 32


def _secret() -> bytes:
    """A per-user key, outside every repository: cache files are signed with it, so a
    pickle committed into a repository's cache folder is never loaded (it would run code)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cardlint"
    key_file = base / "cache-key"
    with contextlib.suppress(OSError):
        key = key_file.read_bytes()
        if len(key) == _MAC_SIZE:
            return key
    key = os.urandom(_MAC_SIZE)
    with contextlib.suppress(OSError):
        base.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
    with contextlib.suppress(OSError):
        stored = key_file.read_bytes()  # another process may have written its key first
        if len(stored) == _MAC_SIZE:
            return stored
    return key


def _mac(payload: bytes) -> bytes:
    return hmac.new(_secret(), payload, hashlib.sha256).digest()


def _load(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    mac, payload = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
    if len(mac) != _MAC_SIZE or not hmac.compare_digest(mac, _mac(payload)):
        return None  # not written by this user's cardlint: never unpickled
    try:
        return pickle.loads(payload)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None


def _dump(path: Path | None, data: Any) -> None:
    if path is None:
        return
    payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_mac(payload) + payload)
        temporary.replace(path)  # readers see the old cache or the new, never half
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
