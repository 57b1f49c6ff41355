"""A baseline: today's findings recorded, so that a run reports only the ones added since.

A finding is known by what it is about, never by where it sits: its file (relative to the
baseline's folder), its code, its message with what is positional taken out, and, when that
message quotes nothing, the text of its span. See `identity` for the choice.

Entries are readable (a reviewer sees what a pull request adds to the baseline) and counted:
N identical findings on one page are N, and an (N+1)th is new. Matching ignores line numbers,
so lines moving, rows re-sorted and ranks renumbered leave every entry matched.

Format version 2 (version 1 held hashes of whole lines, which broke on every re-ranking): a
version-1 file is refused with a usage error that says to re-create it.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

from cardlint.diagnostics import Diagnostic
from cardlint.discover import UsageError
from cardlint.report.escape import json_dumps, utf8_safe
from cardlint.source import Source

VERSION = 2
# (path relative to the baseline's folder, code, message as `about` gives it, excerpt)
Key = tuple[str, str, str, str]
EXCERPT_CHARS = 80


@dataclass(frozen=True)
class Baseline:
    folder: Path  # absolute: entry paths are relative to it
    counts: Mapping[Key, int]


@dataclass(frozen=True)
class Scope:
    """What one run covered (paths as displayed: relative to the working directory, or
    absolute): the files it checked in full, the folders it was given, and the files it
    checked only in part (index pages listing a card it was given: there only what
    concerns that card is reported)."""

    files: frozenset[str]
    folders: tuple[str, ...] = ()
    partly: frozenset[str] = frozenset()


# Positions inside a message: they change when rows or lines move, not when the defect does.
_POSITIONAL = re.compile(r"\b(row|line|offset) \d+\b")
_COUNT = re.compile(r"^(.*?) (is|has) (.*)$", re.DOTALL)
_NUMBER = re.compile(r"\d[\d,.]*")


def _count(message: str) -> str:
    """A stale count is known by its label: its numbers move with every card added or
    removed anywhere (`Total Models is 679 but the cards give 674` -> `... is N ... N`), and
    what follows a `;` (how many rows the page lists) with every row added or removed."""
    match = _COUNT.match(message.split(";", 1)[0])
    return message if match is None else f"{match[1]} {match[2]} {_NUMBER.sub('N', match[3])}"


# Findings whose message says more than what they are about; the rest moves with the rows.
_ABOUT: dict[str, Callable[[str], str]] = {
    "CL505": _count,
    # Ranks out of sequence (one finding per table): the rank and row it names are positions.
    "CL506": lambda _: "ranks out of sequence",
    # An unsorted table: the first pair out of order shifts as rows are inserted or moved.
    "CL507": lambda message: message.split(": `", 1)[0],
}


def about(diagnostic: Diagnostic) -> str:
    """The message without what is positional: `row 4` -> `row N`, and for counts, ranks and
    the order of a table only what names the count or the table."""
    message = _POSITIONAL.sub(r"\1 N", diagnostic.message)
    reduce = _ABOUT.get(diagnostic.code)
    return utf8_safe(message if reduce is None else reduce(message))


def excerpt(diagnostic: Diagnostic, source: Source | None) -> str:
    """The offending text, when the message alone does not say what the finding is about.

    Messages that quote something (a card, a link target, a value, in backquotes) identify
    their finding; the few that quote nothing (`unexpected code block`, `extra analysis
    line: ...`, `ALScore is 0.4 but ...`) get the first line of their span's text, whitespace
    collapsed. Never for the codes of `_ABOUT`: their spans hold positions (ranks, counts,
    rows). An empty span, or a file that could not be read, adds nothing.
    """
    span = diagnostic.span
    if diagnostic.code in _ABOUT or "`" in diagnostic.message or source is None:
        return ""
    if not 0 <= span.start < span.end <= len(source.text):
        return ""
    first = source.text[span.start : span.end].split("\n", 1)[0]
    return utf8_safe(" ".join(first.split())[:EXCERPT_CHARS])


def identity(diagnostic: Diagnostic, source: Source | None) -> tuple[str, str]:
    """(about, excerpt): what a baseline entry records besides the path and the code."""
    return about(diagnostic), excerpt(diagnostic, source)


def _relative(path: str, folder: Path) -> str:
    """A displayed path as entries hold it: relative to the baseline's folder, POSIX, and
    what is not UTF-8 as visible escapes (`bad\\xff.md`), so that any name round-trips."""
    absolute = os.path.abspath(path)  # noqa: PTH100  (no symlink resolution, as discover)
    try:
        relative = PurePath(os.path.relpath(absolute, folder)).as_posix()
    except ValueError:  # another drive on Windows
        relative = PurePath(absolute).as_posix()
    return utf8_safe(relative)


def _keys(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source], folder: Path
) -> list[tuple[Key, Diagnostic]]:
    return [
        ((_relative(d.path, folder), d.code, *identity(d, sources.get(d.path))), d)
        for d in diagnostics
    ]


def _folder(path: Path) -> Path:
    return Path(os.path.abspath(path)).parent  # noqa: PTH100


def _covers(scope: Scope, folder: Path) -> Callable[[str], bool]:
    """Whether an entry path (relative to `folder`) lies in what the run covered."""
    files = {_relative(f, folder) for f in scope.files}
    folders = [_relative(f, folder) for f in scope.folders]

    def covered(path: str) -> bool:
        inside = any(f in {".", path} or path.startswith(f + "/") for f in folders)
        return path in files or inside

    return covered


def write_baseline(
    path: Path,
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, Source],
    scope: Scope | None = None,
) -> int:
    """Record `diagnostics` (paths as displayed, `sources` keyed alike); how many are recorded.

    Without a scope the file is written anew. With one (a run given paths), the entries of
    the existing file that lie outside it are kept: those of files the run did not check and
    that are not under a folder it was given (so a deleted card's entries go with its folder).
    On a file checked only in part each entry keeps the larger of its old and new counts:
    the run adds what concerns its cards and cannot tell that the rest was fixed.
    """
    folder = _folder(path)
    counts = Counter(key for key, _ in _keys(diagnostics, sources, folder))
    if scope is not None and path.exists():
        covered = _covers(scope, folder)
        partly = {_relative(f, folder) for f in scope.partly}
        for key, n in load_baseline(path).counts.items():
            if key[0] in partly:
                counts[key] = max(counts[key], n)
            elif not covered(key[0]):
                counts[key] += n
    entries = [
        {"path": p, "code": code, "message": message, **({"excerpt": e} if e else {}), "count": n}
        for (p, code, message, e), n in sorted(counts.items())
    ]
    _write(path, json_dumps({"version": VERSION, "entries": entries}, indent=2) + "\n")
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
    if not isinstance(data, dict) or "version" not in data:
        raise UsageError(f"baseline {path} is not a cardlint baseline")
    version = data["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version < VERSION:
        raise UsageError(
            f"baseline {path} has the old format version {version}, whose entries no longer "
            f"match: re-create it with `cardlint check --write-baseline {path}` (no paths: "
            "the whole tree)"
        )
    if version != VERSION:
        raise UsageError(f"baseline {path} is not a version-{VERSION} cardlint baseline")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise UsageError(f"baseline {path}: `entries` must be a list")
    for number, entry in enumerate(entries, 1):
        if not _valid(entry):
            raise UsageError(
                f"baseline {path}: entry {number} needs a string `path`, `code` and "
                "`message`, an optional string `excerpt` and a positive integer `count`"
            )
        key = (entry["path"], entry["code"], entry["message"], entry.get("excerpt", ""))
        yield key, entry["count"]


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    texts = all(isinstance(entry.get(k), str) for k in ("path", "code", "message"))
    count = entry.get("count")
    number = isinstance(count, int) and not isinstance(count, bool) and count > 0
    return texts and isinstance(entry.get("excerpt", ""), str) and number


def filter_new(
    baseline: Baseline,
    diagnostics: Iterable[Diagnostic],
    sources: Mapping[str, Source],
    checked: Iterable[str] | None = None,
) -> tuple[list[Diagnostic], int]:
    """(findings the baseline does not account for, entries not fully matched any more).

    Each baseline count absorbs one identical finding; an entry is stale when some of its
    count is left over (the finding was fixed, edited, or occurs fewer times). `checked`:
    the files the run checked (as displayed); entries of other files are never stale, since
    a run that did not look at a file cannot tell (None: every entry may be).
    """
    left = Counter(baseline.counts)
    new = []
    for key, diagnostic in _keys(diagnostics, sources, baseline.folder):
        if left[key] > 0:
            left[key] -= 1
        else:
            new.append(diagnostic)
    looked = None if checked is None else {_relative(p, baseline.folder) for p in checked}
    return new, sum(1 for k, n in left.items() if n > 0 and (looked is None or k[0] in looked))


def unrecorded(
    baseline: Baseline, enabled: Callable[[Diagnostic], bool]
) -> Callable[[Diagnostic], bool]:
    """`enabled`, less every finding the baseline records: what `fix --baseline` may fix.

    `fix` filters findings one at a time, each time it re-lints a text, with no source at
    hand: so it matches on path, code and `about` only (not the excerpt) and leaves alone
    every finding that matches an entry, not just as many as the entry counts.
    """
    known = {(path, code, message) for path, code, message, _ in baseline.counts}

    def selected(d: Diagnostic) -> bool:
        return enabled(d) and (_relative(d.path, baseline.folder), d.code, about(d)) not in known

    return selected
