"""Bytes -> text, once. Keeps what a fix must write back: BOM and newline style."""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path

from cardlint import safefs
from cardlint.records import Span

BOM = "\ufeff"
MAX_BYTES = 8 * 1024 * 1024  # cards are a few KB; anything this large is not a card


@dataclass(frozen=True)
class Source:
    """One decoded file. `text` is LF-normalised without BOM; every Span indexes it."""

    path: str
    text: str
    bom: bool
    newline: str  # "\n" or "\r\n": the style a fix writes back
    original: str  # decoded text as on disk, BOM removed, newlines untouched
    _line_starts: list[int] = field(repr=False, compare=False)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset, column counted in characters."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start, end, line, column, end_line, end_column)

    def line_span(self, line: int) -> Span:
        """The span of one line's content (1-based), newline excluded."""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.span(start, len(self.text) if end < 0 else end)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)


@dataclass(frozen=True)
class ReadError:
    """Why a file could not become a Source; becomes a CL9xx diagnostic."""

    path: str
    code: str
    message: str
    line: int = 1
    column: int = 1


def line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


def decode(path: str, data: bytes) -> Source | ReadError:
    if b"\x00" in data:
        at = data.index(b"\x00")
        line = data[:at].count(b"\n") + 1
        start = data.rfind(b"\n", 0, at) + 1
        column = len(data[start:at].decode("utf-8", "replace")) + 1
        return ReadError(
            path, "CL903", "file holds NUL bytes: binary data, not markdown", line, column
        )
    try:
        original = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        # Columns count characters, as everywhere else: decode what precedes on the line.
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        return ReadError(
            path,
            "CL902",
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            line,
            column,
        )
    return from_text(path, original)


def from_text(path: str, original: str) -> Source:
    bom = original.startswith(BOM)
    if bom:
        original = original[1:]
    crlf = original.count("\r\n")
    newline = "\r\n" if crlf and crlf >= original.count("\n") - crlf else "\n"
    text = original.replace("\r\n", "\n").replace("\r", "\n") if "\r" in original else original
    return Source(path, text, bom, newline, original, line_starts(text))


def read(path: Path, display: str, max_bytes: int = MAX_BYTES) -> Source | ReadError:
    """Read one regular file (never through a symlink, never blocking); failures are data."""
    data = safefs.read_bytes(path, max_bytes)
    if isinstance(data, safefs.Refused):
        return ReadError(display, data.code, data.message)
    return decode(display, data)


def encode(source: Source, text: str) -> bytes:
    """LF-normalised text -> bytes in the file's own BOM and newline style."""
    if source.newline != "\n":
        text = text.replace("\n", source.newline)
    return ((BOM if source.bom else "") + text).encode("utf-8")


def relpath(path: Path, start: Path | None = None) -> str:
    try:
        return os.path.relpath(path, start or Path.cwd())
    except ValueError:  # another drive on Windows
        return str(path)
