"""A baseline: today's findings recorded, so that a run reports only the ones added since.

A finding is known by its file, its code and a fingerprint of the text it points at and of
its line, not by its line number: it survives lines moving up or down, not an edit of the
offending line. Identical findings are counted, so a second copy of a known one is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

from cardlint.diagnostics import Diagnostic
from cardlint.discover import UsageError
from cardlint.source import Source

VERSION = 1
Key = tuple[str, str, str]  # (path relative to the baseline's folder, code, fingerprint)


@dataclass(frozen=True)
class Baseline:
    folder: Path  # absolute: entry paths are relative to it
    counts: Mapping[Key, int]


def fingerprint(diagnostic: Diagnostic, source: Source | None) -> str:
    """sha256 of the code, the offending text (the whole line when the span is empty) and
    the stripped line; 16 hex digits."""
    line = _line(diagnostic, source)
    span = diagnostic.span
    offending = source.text[span.start : span.end] if source and span.end > span.start else line
    digest = hashlib.sha256("\0".join((diagnostic.code, offending, line.strip())).encode())
    return digest.hexdigest()[:16]


def _line(diagnostic: Diagnostic, source: Source | None) -> str:
    if source is None or not 1 <= diagnostic.span.line <= source.line_count:
        return ""  # an unreadable file: its path and code alone identify the finding
    line = source.line_span(diagnostic.span.line)
    return source.text[line.start : line.end]


def _relative(path: str, folder: Path) -> str:
    absolute = os.path.abspath(path)  # noqa: PTH100  (no symlink resolution, as discover)
    try:
        return PurePath(os.path.relpath(absolute, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return PurePath(absolute).as_posix()


def _keys(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source], folder: Path
) -> list[tuple[Key, Diagnostic]]:
    return [
        ((_relative(d.path, folder), d.code, fingerprint(d, sources.get(d.path))), d)
        for d in diagnostics
    ]


def _folder(path: Path) -> Path:
    return Path(os.path.abspath(path)).parent  # noqa: PTH100


def write_baseline(
    path: Path, diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source]
) -> int:
    """Record `diagnostics` (paths as displayed, `sources` keyed alike); how many."""
    counts = Counter(key for key, _ in _keys(diagnostics, sources, _folder(path)))
    entries = [
        {"path": p, "code": code, "fingerprint": fp, "count": n}
        for (p, code, fp), n in sorted(counts.items())
    ]
    text = json.dumps({"version": VERSION, "entries": entries}, ensure_ascii=False, indent=2)
    _write(path, text + "\n")
    return sum(counts.values())


def _write(path: Path, text: str) -> None:
    """Replace the file in one step, keeping its mode (0644 for a new file)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=_folder(path))
        temporary = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            temporary.chmod(mode)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc


def load_baseline(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise UsageError(f"cannot read baseline {path}: {reason}") from exc
    counts: Counter[Key] = Counter()
    for key, count in _entries(path, data):
        counts[key] += count
    return Baseline(_folder(path), dict(counts))


def _entries(path: Path, data: object) -> Iterable[tuple[Key, int]]:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise UsageError(f"baseline {path} is not a version-{VERSION} cardlint baseline")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise UsageError(f"baseline {path}: `entries` must be a list")
    for number, entry in enumerate(entries, 1):
        if not _valid(entry):
            raise UsageError(
                f"baseline {path}: entry {number} needs a string `path`, `code` and "
                "`fingerprint` and a positive integer `count`"
            )
        yield (entry["path"], entry["code"], entry["fingerprint"]), entry["count"]


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    texts = all(isinstance(entry.get(k), str) for k in ("path", "code", "fingerprint"))
    count = entry.get("count")
    return texts and isinstance(count, int) and not isinstance(count, bool) and count > 0


def filter_new(
    baseline: Baseline, diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source]
) -> tuple[list[Diagnostic], int]:
    """(findings the baseline does not account for, entries not fully matched any more).

    Each baseline count absorbs one identical finding; an entry is stale when some of its
    count is left over (the finding was fixed, edited, or occurs fewer times).
    """
    left = Counter(baseline.counts)
    new = []
    for key, diagnostic in _keys(diagnostics, sources, baseline.folder):
        if left[key] > 0:
            left[key] -= 1
        else:
            new.append(diagnostic)
    return new, sum(1 for n in left.values() if n > 0)
