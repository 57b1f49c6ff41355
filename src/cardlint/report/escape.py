"""Escaping for every place cardlint's output goes.

Card text and file names come from whoever wrote the repository: a stranger's pull request
can put terminal control sequences, newlines or undecodable bytes into them. Whatever a
reporter prints passes through one of these functions, so that a finding cannot clear a
screen, retitle a window, split into a forged second finding, or fail to encode as UTF-8.

Backslashes are left alone: an escape such as `\\x1b` may also be literal text, but
literal text cannot move the cursor or start a line, and quoted Python reprs stay readable.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

# Lone surrogates: a file name that is not UTF-8 (Python's surrogate escapes, U+DC80-U+DCFF,
# one per undecodable byte), or a Windows name that is not valid UTF-16.
_SURROGATES = "\ud800-\udfff"
# Invisible characters that reorder or break lines in a viewer ("Trojan source").
_LAYOUT = "\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
# C0 controls, DEL and C1 controls (a UTF-8 terminal may read U+009B as CSI).
_CONTROLS = "\x00-\x1f\x7f-\x9f"

_TERMINAL = re.compile(f"[{_CONTROLS}{_LAYOUT}{_SURROGATES}]")
_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_LAYOUT}{_SURROGATES}]")
# Characters XML 1.0 cannot carry (escaped or not), plus what a terminal showing it would obey.
_XML = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_LAYOUT}{_SURROGATES}\ufffe\uffff]")
_UNENCODABLE = re.compile(f"[{_SURROGATES}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# GitHub's runner reads these back (actions/toolkit `command.ts`); `%` comes first so that
# the escapes it introduces are not escaped again.
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def _code(char: str) -> str:
    """One character as a visible escape: `\\n`, `\\x1b`, `\\u009b`, or `\\xff` for the
    byte a surrogate escape stands for."""
    point = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if point < 0x80 or 0xDC80 <= point <= 0xDCFF:
        return f"\\x{point & 0xFF:02x}"
    return f"\\u{point:04x}"


def _sub(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: _code(m[0]), text)


def visible(text: str) -> str:
    """For a terminal or a log line: every control, newline included, as a visible escape;
    the result is one line and encodes as UTF-8."""
    return _sub(_TERMINAL, text)


def visible_multiline(text: str) -> str:
    """Like `visible`, but newlines, carriage returns and tabs stay (CSV cells)."""
    return _sub(_MULTILINE, text)


def utf8_safe(text: str) -> str:
    """Only what cannot be encoded as UTF-8 (lone surrogates) escaped: `\\xff`."""
    return _sub(_UNENCODABLE, text)


def xml_text(text: str) -> str:
    """Text for an XML 1.0 attribute or element: what XML forbids as a visible escape."""
    return _sub(_XML, text)


def _workflow(value: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in escapes:
        value = value.replace(raw, escaped)
    return value


def workflow_data(value: str) -> str:
    """GitHub's own escaping of a workflow command's message, nothing more."""
    return _workflow(value, _DATA_ESCAPES)


def workflow_property(value: str) -> str:
    """GitHub's own escaping of a workflow command's property value, nothing more."""
    return _workflow(value, _PROPERTY_ESCAPES)


def github_data(text: str) -> str:
    """A message for `::error ...::message`: visible escapes, then GitHub's escaping."""
    return workflow_data(visible(text))


def github_property(text: str) -> str:
    """A property value (`file=...`): visible escapes, then GitHub's escaping."""
    return workflow_property(visible(text))


# json.dumps escapes C0 controls itself; these it writes raw even with ensure_ascii=False.
_JSON_RAW = re.compile(f"[\x7f-\x9f{_LAYOUT}{_SURROGATES}]")


def _json_code(char: str) -> str:
    point = ord(char)
    if 0xD800 <= point <= 0xDFFF:
        # A JSON string escape of the visible text: `"bad\\xff.md"` reads back as `bad\xff.md`.
        return _code(char).replace("\\", "\\\\")
    return f"\\u{point:04x}"


def json_dumps(data: Any, *, indent: int | None = None) -> str:
    """JSON that is valid UTF-8 and safe to print: NaN and infinities refused (a ValueError:
    callers make numbers finite first), lone surrogates turned into visible text, and the
    characters json.dumps leaves raw (DEL, C1, layout controls) written as `\\u` escapes,
    which read back as the same characters. Outside strings json.dumps writes only ASCII,
    so replacing in the whole text touches string contents only."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent)
    return _JSON_RAW.sub(lambda m: _json_code(m[0]), text)


def encoded(text: str, encoding: str | None, syntax: str = "text") -> bytes:
    """Bytes for a stream in `encoding`: never an encoding error, whatever the stream.

    What the encoding cannot hold is escaped in the report's own syntax, so that the output
    still parses: `\\xe9` in text, `\\u00e9` in JSON (outside strings JSON is ASCII),
    `&#233;` in XML.
    """
    errors = {"json": _JSON_ERRORS, "xml": "xmlcharrefreplace"}.get(syntax, "backslashreplace")
    return utf8_safe(text).encode(encoding or "utf-8", errors)


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    chunk = error.object[error.start : error.end]
    return json.dumps(chunk)[1:-1], error.end  # ensure_ascii: \uXXXX, surrogate pairs


_JSON_ERRORS = "cardlint-json"
codecs.register_error(_JSON_ERRORS, _json_escape)


# git's C-style path quoting (quote.c), which `git apply` reads back to the exact bytes.
_GIT_NEEDS_QUOTES = re.compile(f'["\\\\{_CONTROLS}{_LAYOUT}{_SURROGATES}]')
_GIT_NAMED = {"\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r"}


def _git_code(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char in _GIT_NAMED:
        return "\\" + _GIT_NAMED[char]
    return "".join(f"\\{byte:03o}" for byte in raw_bytes(char))


def git_path(name: str) -> str:
    """A path for a diff header: as it is when plain, else quoted as git quotes it."""
    if not _GIT_NEEDS_QUOTES.search(name):
        return name
    return '"' + _GIT_NEEDS_QUOTES.sub(lambda m: _git_code(m[0]), name) + '"'


def raw_bytes(text: str) -> bytes:
    """The bytes a file name stood for: surrogate escapes back to their bytes (Linux);
    any other lone surrogate as its UTF-8-style bytes (a Windows name)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
