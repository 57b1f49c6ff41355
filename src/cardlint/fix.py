"""Apply the fixes that rules attach, re-lint until stable, verify, then write atomically.

The only module that writes files. Edits address the LF-normalised text; they are carried
over to the text as it is on disk, so newline style, BOM and every byte outside the edits
survive. Nothing is written that cannot be vouched for: the result must parse, change only
the record fields that the applied fixes target, and raise no finding that was not there.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardlint.config import Config
from cardlint.diagnostics import Applicability, Diagnostic, Edit, Fix
from cardlint.discover import Target
from cardlint.export import to_data
from cardlint.linkcheck import LinkResolver
from cardlint.lint import Workspace, lint_source
from cardlint.records import CardRecord, IndexPage, Span
from cardlint.source import BOM, Source, from_text

MAX_ROUNDS = 10
_LINE_END = re.compile(r"\r\n|\r|\n")
_ABSENT = object()


@dataclass(frozen=True)
class Outcome:
    """One card fixed in memory. `text` is in the file's own newline style, BOM excluded."""

    source: Source
    text: str
    before: tuple[Diagnostic, ...]
    after: tuple[Diagnostic, ...]
    error: str | None = None
    record: Any = None  # the record of `text` (None when fixing failed)

    @property
    def changed(self) -> bool:
        return self.error is None and self.text != self.source.original

    @property
    def data(self) -> bytes:
        return ((BOM if self.source.bom else "") + self.text).encode("utf-8")

    @property
    def fixed(self) -> int:
        # Verification guarantees no finding appeared, so the difference is what went away.
        return max(0, len(self.before) - len(self.after)) if self.changed else 0


@dataclass(frozen=True)
class FileFix:
    """What `cardlint fix` did to one target; `before`/`after` are its text as on disk."""

    target: Target
    remaining: tuple[Diagnostic, ...]
    fixed: int = 0
    before: str = ""
    after: str = ""
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


# --- choosing and applying edits ----------------------------------------------------------


def applicable(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[Fix]:
    """The fixes that may be applied, in the order of their first edit."""
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    fixes = [d.fix for d in diagnostics if d.fix is not None and d.fix.edits]
    chosen = [f for f in fixes if f.applicability in allowed]
    return sorted(chosen, key=lambda f: min((e.span.start, e.span.end) for e in f.edits))


def overlaps(a: Span, b: Span) -> bool:
    """Two edits conflict when they share a character or insert at one same point."""
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: their order would be a guess
    return a.start < b.end and b.start < a.end


def select(fixes: Sequence[Fix]) -> list[Edit]:
    """All edits of every fix that conflicts with no edit already chosen (whole fixes only)."""
    chosen: list[Edit] = []
    for fix in fixes:
        taken = list(chosen)
        for edit in fix.edits:  # a fix whose own edits collide is skipped as well
            if any(overlaps(edit.span, other.span) for other in taken):
                break
            taken.append(edit)
        else:
            chosen = taken
    return sorted(chosen, key=lambda e: (e.span.start, e.span.end))


def splice(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Apply sorted, non-overlapping (start, end, new) replacements in one pass."""
    parts, cursor = [], 0
    for start, end, new in edits:
        parts += [text[cursor:start], new]
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def original_line_starts(original: str) -> list[int]:
    """Where each line starts in the on-disk text (`\\r\\n`, `\\r` and `\\n` end a line)."""
    return [0, *(m.end() for m in _LINE_END.finditer(original))]


def to_original(source: Source, edits: Iterable[Edit], newline: str) -> list[tuple[int, int, str]]:
    """Carry LF-text edits over to `source.original`.

    Normalising maps every line ending to one `\\n` and leaves line contents alone, so a
    (line, column) position names the same character in both texts.
    """
    starts = original_line_starts(source.original)

    def offset(at: int) -> int:
        line, column = source.position(at)
        return starts[line - 1] + column - 1

    # Inserted lines take the file's own newline style.
    return [
        (offset(e.span.start), offset(e.span.end), e.text.replace("\n", newline)) for e in edits
    ]


# --- verification -------------------------------------------------------------------------


def field_spans(record: CardRecord) -> list[tuple[str, Span]]:
    """Each top-level record field with the spans of its characters, empty slots included."""
    _, where = to_data(record)
    spans = [(str(pointer[0]), span) for pointer, span in where.items()]
    spans += [("links", link.span) for link in record.links]
    # A missing tier or analysis line has no characters, only a place where a fix inserts it.
    if record.tier_slot is not None:
        spans.append(("tier", record.tier_slot))
    if record.analysis_slot is not None:
        spans.append(("analysis", record.analysis_slot))
    return spans


def touches(edit: Span, target: Span) -> bool:
    if edit.start == edit.end or target.start == target.end:
        # An insertion touches what it lands in or next to; an empty slot what covers it.
        return target.start <= edit.end and edit.start <= target.end
    return edit.start < target.end and target.start < edit.end


Record = CardRecord | IndexPage
Relint = Callable[[Source], tuple[Any, list[Diagnostic]]]


def fields_touched(record: Record, edits: Iterable[Edit]) -> set[str]:
    if isinstance(record, IndexPage):
        # Index pages are compared by what they list (see drifted()): only deleting whole
        # rows, which unsafe fixes do, may change that.
        deletes_rows = any(
            e.text == ""
            and e.span.column == 1
            and e.span.end_column == 1
            and e.span.end_line > e.span.line
            for e in edits
        )
        return {"tables"} if deletes_rows else set()
    spans = field_spans(record)
    return {name for e in edits for name, span in spans if touches(e.span, span)}


def comparable(record: CardRecord) -> dict[str, Any]:
    """The record as data, minus link positions, which move whenever a line is added."""
    data, _ = to_data(record)
    data["links"] = [{"text": k["text"], "target": k["target"]} for k in data["links"]]
    return data


def listing(page: IndexPage) -> dict[str, Any]:
    """What an index page lists, whatever its cells, counts and row order say."""
    return {
        # The `# title` is CL508's to fix; every other heading must stay.
        "headings": [h.text for h in page.headings if h.level > 1],
        "tables": [
            (t.header, sorted({r.link.target for r in t.rows if r.link})) for t in page.tables
        ],
        "counts": [c.label for c in page.counts],
        "entries": [e.label.value for e in page.entries],
    }


def drifted(old: Record, new: Record, touched: set[str]) -> list[str]:
    """Fields that changed although no applied edit targets them."""
    if isinstance(old, IndexPage) or isinstance(new, IndexPage):
        a, b = listing(old), listing(new)  # type: ignore[arg-type]
        return sorted(k for k in a if a[k] != b[k] and k not in touched)
    a, b = comparable(old), comparable(new)
    keys = (a.keys() | b.keys()) - touched
    return sorted(k for k in keys if a.get(k, _ABSENT) != b.get(k, _ABSENT))


# Up to this many changed lines difflib compares them exactly; past it, lines repeated all
# over the text count as junk, without which difflib is quadratic in the number of lines.
_EXACT_LINES = 2000


def line_map(old_text: str, new_text: str) -> dict[int, int]:
    """Each 1-based line of the new text -> the line of the old text it came from."""
    a, b = old_text.split("\n"), new_text.split("\n")
    # Fixes change a few places: the common head and tail map one to one, in linear time.
    head, limit = 0, min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mapping = {j + 1: j + 1 for j in range(head)}
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    junk = len(middle_a) + len(middle_b) > _EXACT_LINES
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, junk)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            # Inside a changed block, line k of the new block stands for line k of the old.
            mapping[head + j + 1] = head + i1 + 1 + min(j - j1, max(i2 - i1 - 1, 0))
    for k in range(tail):
        mapping[len(b) - k] = len(a) - k
    return mapping


def new_findings(
    old: Source, before: Iterable[Diagnostic], new: Source, after: Iterable[Diagnostic]
) -> list[Diagnostic]:
    """The findings of `after` that no finding of `before` accounts for, one for one.

    A finding is accounted for by an unused one of the same code and message (rows re-sorted
    by a fix carry their findings to lines the line map cannot follow), or else by one of the
    same code on the line it came from. A finding that changed its code, or a second finding
    where there was one, is new.
    """
    earlier = list(before)
    free = [True] * len(earlier)
    by_message: dict[tuple[str, str], list[int]] = {}
    by_line: dict[tuple[str, int], list[int]] = {}
    for index, d in enumerate(earlier):
        by_message.setdefault((d.code, d.message), []).append(index)
        by_line.setdefault((d.code, d.span.line), []).append(index)

    def take(candidates: list[int] | None) -> bool:
        # Taken candidates are dropped as they are met, so repeats cost linear time in all.
        while candidates:
            index = candidates.pop()
            if free[index]:
                free[index] = False
                return True
        return False

    rest = [d for d in after if not take(by_message.get((d.code, d.message)))]
    if not rest:
        return []
    mapping = line_map(old.text, new.text)
    return [
        d for d in rest if not take(by_line.get((d.code, mapping.get(d.span.line, d.span.line))))
    ]


def _structure(found: Iterable[Diagnostic]) -> Counter[tuple[str, str]]:
    # CL101-CL108 say how the text parses; CL109/CL110 are about suppressions, which fixes
    # may delete.
    return Counter((d.code, d.message) for d in found if d.code in PARSE_CODES)


PARSE_CODES = frozenset(f"CL10{n}" for n in range(1, 9))


def _structure_change(before: Sequence[Diagnostic], after: Sequence[Diagnostic]) -> str:
    """Where the parse findings differ at all ("" when they agree): fixes never change how a
    text parses, so any difference means a fix broke (or repaired by accident) its layout."""
    old, new = _structure(before), _structure(after)
    gained, lost = new - old, old - new
    where = [f"{d.code} at line {d.span.line}" for d in after if (d.code, d.message) in gained]
    where += [f"{d.code} at line {d.span.line} gone" for d in before if (d.code, d.message) in lost]
    return ", ".join(where)


def verify(
    start: tuple[Source, Record, Sequence[Diagnostic]],
    end: tuple[Source, Record, Sequence[Diagnostic]],
    touched: set[str],
) -> str | None:
    """Why the fixed text must not be written, or None when it may."""
    structure = _structure_change(start[2], end[2])
    if structure:
        return f"the fixed text would no longer parse ({structure})"
    appeared = new_findings(start[0], start[2], end[0], end[2])
    if appeared:
        found = ", ".join(f"{d.code} at line {d.span.line}" for d in appeared)
        if any(d.code.startswith("CL1") for d in appeared):
            return f"the fixed text would no longer parse ({found})"
        return f"the fixes would introduce new findings ({found})"
    changed = drifted(start[1], end[1], touched)
    if changed:
        return f"the fixes would change fields they do not target: {', '.join(changed)}"
    return None


# --- converging ---------------------------------------------------------------------------


@dataclass
class _State:
    source: Source
    record: Record
    found: list[Diagnostic]
    touched: set[str] = field(default_factory=set)


def _reparse(source: Source, text: str) -> Source:
    # from_text strips exactly one BOM: prefixing it keeps a text that starts with U+FEFF.
    return from_text(source.path, BOM + text)


def _step(state: _State, fixes: Sequence[Fix], newline: str) -> str:
    edits = select(fixes)
    state.touched |= fields_touched(state.record, edits)
    return splice(state.source.original, to_original(state.source, edits, newline))


def fix_source(
    source: Source,
    rel: str,
    config: Config,
    resolver: LinkResolver,
    *,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
    relint: Relint | None = None,
) -> Outcome:
    """Fix one page held in memory; nothing is written. `rel`: its path under the root.

    `relint` lints a text of the page (default: as a card, alone); index pages pass one
    that compares against the leaderboard's cards.
    """
    if relint is None:

        def relint(text: Source) -> tuple[Any, list[Diagnostic]]:
            return lint_source(text, rel, config, resolver)

    record, before = relint(source)
    state = _State(source, record, before)
    for _ in range(max_rounds):
        fixes = applicable(_reported(source, before, state), unsafe)
        if not fixes:
            return _finish(source, record, before, state)
        text = _step(state, fixes, source.newline)
        if text == state.source.original:
            return _failed(source, before, "the fixes leave the text unchanged (no progress)")
        state.source = _reparse(source, text)
        state.record, state.found = relint(state.source)
    if applicable(_reported(source, before, state), unsafe):
        return _failed(source, before, f"the fixes do not converge in {max_rounds} rounds")
    return _finish(source, record, before, state)


def _reported(source: Source, before: Sequence[Diagnostic], state: _State) -> list[Diagnostic]:
    """The findings of the current text that stand for ones reported before fixing began.

    Only their fixes are applied: a finding that a fix brought about was never shown, and
    its fix would change what the user never saw.
    """
    if state.source is source:
        return state.found
    appeared = {id(d) for d in new_findings(source, before, state.source, state.found)}
    return [d for d in state.found if id(d) not in appeared]


def _failed(source: Source, before: Sequence[Diagnostic], reason: str) -> Outcome:
    return Outcome(source, source.original, tuple(before), tuple(before), reason)


def _finish(source: Source, record: Record, before: Sequence[Diagnostic], state: _State) -> Outcome:
    if state.source is source:
        return Outcome(source, source.original, tuple(before), tuple(before), record=record)
    end = (state.source, state.record, state.found)
    refusal = verify((source, record, before), end, state.touched)
    if refusal is not None:
        return _failed(source, before, refusal)
    return Outcome(
        source, state.source.original, tuple(before), tuple(state.found), record=state.record
    )


# --- writing ------------------------------------------------------------------------------


def refusal(path: Path, root: Path) -> str | None:
    """Why a file must not be written to at all, or None."""
    if path.is_symlink():
        return "is a symlink: not fixed (fix the file it points to)"
    # realpath, not resolve(): it never raises, a symlink loop comes back as a path.
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if top not in real.parents:
        return "lies outside the root: not fixed"
    return None


# mkstemp's names: the prefix, eight characters of this alphabet, the suffix.
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")
STALE_SECONDS = 30.0  # a write takes milliseconds; an older temporary was left by a crash


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_temporaries(path: Path, now: float | None = None) -> list[Path]:
    """Delete what an interrupted write_atomic of `path` left beside it; the names removed.

    Only regular files (never symlinks, never followed) named exactly as write_atomic names
    the temporary files of `path`, and only once they are too old to belong to a write still
    under way. Nothing else in the folder is touched.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            match = _TEMPORARY.fullmatch(entry.name)
            if match is None or match["name"] != path.name:
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_SECONDS:
                    stale = Path(entry.path)
                    stale.unlink()  # removes the directory entry, follows nothing
                    removed.append(stale)
    return removed


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` by `data` in one step: readers see the old file or the new, never half."""
    mode = stat.S_IMODE(path.stat().st_mode)
    remove_stale_temporaries(path)
    handle, name = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.chmod(mode)
        # os.replace renames over the directory entry: a symlink there would be replaced,
        # never followed (and refusal() already keeps symlinks out).
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # Makes the rename durable; not every platform can open a directory, which is harmless.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_checked(path: Path, root: Path, outcome: Outcome) -> str | None:
    """Write a verified outcome unless the file changed on disk meanwhile; the error or None."""
    source = outcome.source
    expected = ((BOM if source.bom else "") + source.original).encode("utf-8")
    why = refusal(path, root)
    if why is not None:
        return why
    try:
        if path.read_bytes() != expected:
            return "the file changed on disk while it was being fixed: not written"
        write_atomic(path, outcome.data)
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc.__class__.__name__}"
    return None


def fix_file(
    target: Target, workspace: Workspace, *, unsafe: bool = False, write: bool = True
) -> FileFix:
    """Lint one target and fix it; unreadable, unparsed or unsafe paths are never written."""
    result = workspace.lint_file(target)
    remaining = tuple(result.diagnostics)
    source = result.source
    record = result.record or result.page
    if source is None or record is None or not applicable(remaining, unsafe):
        return FileFix(target, remaining)
    unchanged = FileFix(target, remaining, before=source.original, after=source.original)
    why = refusal(target.path, workspace.root)
    if why is None and write:
        remove_stale_temporaries(target.path)  # even when this run has nothing to write
    relint: Relint = (
        (lambda text: workspace.lint_card(text, target.rel))
        if result.record is not None
        else (lambda text: workspace.lint_page(text, target.rel))
    )
    outcome = (
        None
        if why
        else fix_source(
            source, target.rel, workspace.config, workspace.resolver, unsafe=unsafe, relint=relint
        )
    )
    if outcome is not None and outcome.error is None and write and outcome.changed:
        why = write_checked(target.path, workspace.root, outcome)
    why = why or (outcome.error if outcome else None)
    if result.record is not None:  # the run goes on with the card as it is now on disk
        kept = outcome.record if outcome and not why and outcome.changed else result.record
        workspace.update_card(target.rel, kept)
    if why is not None or outcome is None:
        return _error(unchanged, why or "not fixed")
    return FileFix(target, outcome.after, outcome.fixed, source.original, outcome.text)


def fix_files(
    targets: Sequence[Target], workspace: Workspace, *, unsafe: bool = False, write: bool = True
) -> list[FileFix]:
    """Cards first, then the index pages, which are fixed from the cards as fixed."""
    cards = [t for t in targets if t.kind != "page"]
    done = {t.rel: fix_file(t, workspace, unsafe=unsafe, write=write) for t in cards}
    workspace.refresh()
    for target in (t for t in targets if t.kind == "page"):
        done[target.rel] = fix_file(target, workspace, unsafe=unsafe, write=write)
    return [done[t.rel] for t in targets]


def _error(unchanged: FileFix, reason: str) -> FileFix:
    return FileFix(
        unchanged.target, unchanged.remaining, 0, unchanged.before, unchanged.after, reason
    )
