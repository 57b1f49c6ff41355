"""Link targets: classify them, resolve paths inside the repository, know each page's anchors.

No rules and no diagnostics live here; the link rules ask this module questions.

Security boundary: a path that leaves the repository root, lexically or through a symlink, is
reported as OUTSIDE_ROOT and nothing outside the root is ever listed, stat'ed or opened.
Directory walks compare names against cached `os.scandir` listings, so user-written text is
never handed to the operating system, and a whole-repository run lists each directory once.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import posixpath
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote, urlsplit

from cardlint import safefs
from cardlint.parse.inline import code_spans, link_destination

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

DEFAULT_ALLOWLIST = ("../../issues", "../../pulls")
MAX_BYTES = 8 * 1024 * 1024  # a linked page larger than this is not a page we read
MAX_SYMLINK_HOPS = 40  # Linux's MAXSYMLINKS: past this a chain is a loop


class TargetKind(enum.Enum):
    URL = "url"
    MALFORMED_URL = "malformed-url"
    ANCHOR = "anchor"
    PATH = "path"
    ALLOWED = "allowed"
    PLACEHOLDER = "placeholder"
    EMPTY = "empty"
    NOT_A_LINK = "not-a-link"  # CommonMark shows `[text](target)` as literal text


# A scheme needs two characters so that a Windows drive (`C:/x`) is not read as a URL.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")
# Schemes whose URLs are meaningless without `//host`.
_HOST_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})
_WHITESPACE = re.compile(r"\s")


@functools.lru_cache(maxsize=4096)
def classify(target: str, allowlist: Sequence[str] = DEFAULT_ALLOWLIST) -> TargetKind:
    """Sort a link target (the text between the parentheses) into a kind, from its text
    alone (no file system access).

    The target is first read as CommonMark reads it (`inline.link_destination`): a title
    (`url "t"`, `url (t)`) and `<…>` are set aside, and a target that is no destination at
    all (`to be released`, `Open: https://x`: a space, then no title) is NOT_A_LINK. Then,
    for the destination, first match wins:
    - empty or blank -> EMPTY;
    - equal to an allow-list entry, or below it (`../../issues/7`) -> ALLOWED;
    - `scheme:` followed by something other than whitespace -> URL, or MALFORMED_URL when it
      holds whitespace or does not parse; `//host/x` (scheme-relative) is a URL too;
    - holds `://` after other text (`Open: https://x`) -> MALFORMED_URL: a URL buried in words;
    - starts with `#` -> ANCHOR;
    - contains `/`, ends in `.md` (before `#`/`?`), or is `.`/`..` -> PATH; a leading `/`
      means the repository root, as on GitHub;
    - anything else (`Baidu`, `ask-rbg.ai`, `LICENSE`, `Repo (train/x)`: `Repo` with a
      title) -> PLACEHOLDER.
    """
    found = link_destination(target)
    if found is None:
        return TargetKind.NOT_A_LINK
    target = found.url
    if not target.strip():
        return TargetKind.EMPTY
    if _is_allowed(target, allowlist):
        return TargetKind.ALLOWED
    url_kind = _url_kind(target)
    if url_kind is not None:
        return url_kind
    if target.startswith("#"):
        return TargetKind.ANCHOR
    if _looks_like_path(target):
        return TargetKind.PATH
    return TargetKind.PLACEHOLDER


def _is_allowed(target: str, allowlist: Sequence[str]) -> bool:
    return any(
        target == entry or target.startswith((entry + "/", entry + "#", entry + "?"))
        for entry in allowlist
    )


def _url_kind(target: str) -> TargetKind | None:
    """URL or MALFORMED_URL for anything URL-like, None for everything else."""
    scheme = _SCHEME.match(target)
    if target.startswith("//") or (scheme and target[scheme.end() :][:1].strip()):
        return TargetKind.URL if _is_well_formed_url(target) else TargetKind.MALFORMED_URL
    if "://" in target:
        return TargetKind.MALFORMED_URL
    return None  # `Note: x` or `TBD:` is a label, not a URL


def _is_well_formed_url(target: str) -> bool:
    if _WHITESPACE.search(target) or any(ord(char) < 0x20 for char in target):
        return False
    try:
        parts = urlsplit(target)
        _ = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError:
        return False
    needs_host = parts.scheme.lower() in _HOST_SCHEMES or target.startswith("//")
    return bool(parts.netloc) or not needs_host


def _looks_like_path(target: str) -> bool:
    path = re.split(r"[#?]", target, maxsplit=1)[0]
    return "/" in path or path.lower().endswith(".md") or path in {".", ".."}


def destination(target: str) -> str:
    """Where a link target points: its CommonMark destination, or the text itself when it is
    no destination at all (so that a message can still show what was written)."""
    found = link_destination(target)
    return target if found is None else found.url


def split_anchor(target: str) -> tuple[str, str | None]:
    """`dir/x%20y.md?plain=1#Top` -> (`dir/x y.md`, `Top`).

    Both parts are percent-decoded and NFC-normalised (the spec compares names in NFC). The
    anchor is None without `#` and `""` for a bare `#`. A `?query` is dropped: GitHub serves
    the same file whatever the query says. A title or `<…>` around the destination is
    dropped first (`x.md "t"` -> `x.md`).
    """
    path, hash_mark, anchor = destination(target).partition("#")
    path = path.partition("?")[0]
    decoded_anchor = _nfc(unquote(anchor)) if hash_mark else None
    return _nfc(unquote(path)), decoded_anchor


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- anchors -------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Link text holds no bracket and a target at most one level of parentheses, so no scan runs
# past the next `[` or `(`: a line of `[[[…` or `[a](` costs linear time, not quadratic.
_TARGET = r"(?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])"
_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _TARGET)
_LINK = re.compile(r"\[([^\[\]]*)\]" + _TARGET)
_AUTOLINK = re.compile(r"<((?:[A-Za-z][A-Za-z0-9+.\-]+:|[^\s<>@]+@)[^\s<>]*)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Emphasis never holds its own delimiter (nesting is undone one pass per level), so an
# opener without a closer is given up at the next delimiter, not at the end of the text:
# `**a **a **a …` costs linear time, not quadratic.
_STAR_EMPHASIS = re.compile(r"(\*\*|\*|~~)(?=\S)((?:(?!\1).)+?)(?<=\S)\1", re.DOTALL)
# `_` emphasis only at word edges, so `snake_case_name` keeps its underscores.
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)(__|_)(?=\S)((?:(?!\1).)+?)(?<=\S)\1(?!\w)", re.DOTALL)
_KEPT_MARK = "\x00"  # replaced in the input first, so it safely brackets kept text
_KEPT = re.compile(f"{_KEPT_MARK}(\\d+){_KEPT_MARK}")


def render_inline(text: str) -> str:
    """The text GitHub shows for inline markdown: markup removed, code and link text kept.

    An approximation with regexes, good enough for headings: images vanish (an `<img>` has no
    text), links and autolinks keep their text, emphasis, strike-through and tags go. Code
    spans and backslash escapes are set aside first so that nothing inside them changes.
    """
    kept: list[str] = []
    text = text.replace(_KEPT_MARK, "\ufffd")  # as CommonMark does, and frees the mark

    def keep(literal: str) -> str:
        kept.append(literal)
        return f"{_KEPT_MARK}{len(kept) - 1}{_KEPT_MARK}"

    text = _set_code_aside(text, keep)
    text = _ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _strip_emphasis(text)
    return _KEPT.sub(lambda m: kept[int(m.group(1))], text)


def _set_code_aside(text: str, keep: Callable[[str], str]) -> str:
    parts, cursor = [], 0
    for start, end, ticks in code_spans(text):
        parts += [text[cursor:start], keep(_code_span_content(text[start + ticks : end - ticks]))]
        cursor = end
    return "".join([*parts, text[cursor:]])


def _code_span_content(content: str) -> str:
    content = content.replace("\n", " ")
    # CommonMark strips one space each side so that `` ` `` can hold a backtick.
    if content.startswith(" ") and content.endswith(" ") and content.strip():
        return content[1:-1]
    return content


def _strip_emphasis(text: str) -> str:
    # Nested emphasis (`***x***`, `**_x_**`) needs one pass per level.
    for _ in range(8):
        stripped = _STAR_EMPHASIS.sub(r"\2", text)
        stripped = _UNDERSCORE_EMPHASIS.sub(r"\2", stripped)
        if stripped == text:
            break
        text = stripped
    return text


def github_slug(heading_text: str) -> str:
    """GitHub's anchor for a heading (spec section 4).

    Render the inline markdown, NFC-normalise (so a decomposed `ü` stays one letter),
    lowercase, delete every character that is not a letter, a decimal digit, a space, `-` or
    `_` (emoji and their variation selectors vanish), then turn each space into `-`. No
    collapsing or trimming: `🏆 Top` -> `-top`.
    """
    text = _nfc(render_inline(heading_text)).lower()
    kept = (char for char in text if _is_slug_char(char))
    return "".join(kept).replace(" ", "-")


def _is_slug_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or category == "Nd" or char in " -_"


def anchors(heading_texts: Iterable[str]) -> frozenset[str]:
    """Every anchor of a page: repeats get `-1`, `-2`, ...

    A suffix that would collide with an existing anchor (`a`, `a-1`, `a`) moves on to the
    next number, as github-slugger does, so that every id on the page stays unique.
    """
    seen: set[str] = set()
    for heading in heading_texts:
        base = github_slug(heading)
        candidate, count = base, 0
        while candidate in seen:
            count += 1
            candidate = f"{base}-{count}"
        seen.add(candidate)
    return frozenset(seen)


# --- headings -----------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
# Only a whole run of blanks may precede the closing `#`s: retrying from inside the run is
# quadratic in its length.
_ATX_CLOSING = re.compile(r"(?:^|(?<![ \t])[ \t]+)#+$")
_FENCE_OPEN = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)$")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# Lines that open a block which is not a plain paragraph: quote, list item, HTML, table row.
_OTHER_BLOCK = re.compile(r" {0,3}(?:>|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|<[A-Za-z/!?]|\|)")
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")


class _Fence(NamedTuple):
    char: str
    length: int


def headings_of(text: str) -> list[str]:
    """Heading texts (raw inline markdown, trimmed) of a document, in order.

    A line scanner rather than a parser: it knows ATX and setext headings, fenced and
    indented code, and enough of quotes, lists, HTML blocks and tables not to mistake their
    lines for a paragraph that a `---` would turn into a heading. Headings nested inside a
    quote or list are not reported.
    """
    scanner = _HeadingScanner()
    for line in _LINE_BREAK.split(text):
        scanner.feed(line)
    return scanner.headings


@dataclass
class _HeadingScanner:
    """State of one `headings_of` call; lives only as long as that call."""

    headings: list[str] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)  # lines a setext underline would take
    fence: _Fence | None = None
    in_other_block: bool = False  # its lines are lazy continuations, never a paragraph

    def feed(self, line: str) -> None:
        if self.fence is not None:
            self.fence = None if _closes_fence(line, self.fence) else self.fence
        elif not line.strip():
            self._end_block()
        elif _indent_width(line) >= 4:
            if self.paragraph:  # a paragraph continuation; otherwise indented code
                self.paragraph.append(line.strip())
        else:
            self._feed_block_line(line)

    def _feed_block_line(self, line: str) -> None:
        self.fence = _opens_fence(line)
        heading = _atx_heading(line)
        if heading is None and self.paragraph and _SETEXT.match(line):
            heading = "\n".join(self.paragraph)
        if heading is not None:
            self.headings.append(heading)
        if heading is not None or self.fence is not None or _THEMATIC_BREAK.match(line):
            self._end_block()
        elif _OTHER_BLOCK.match(line) or _TABLE_DELIMITER.match(line):
            self._end_block(other=True)
        elif not self.in_other_block:
            self.paragraph.append(line.strip())

    def _end_block(self, *, other: bool = False) -> None:
        self.paragraph = []
        self.in_other_block = other


def _indent_width(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _opens_fence(line: str) -> _Fence | None:
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    marks, info = match.group(2), match.group(3)
    if marks[0] == "`" and "`" in info:
        return None  # a backtick fence's info string cannot hold a backtick: inline code
    return _Fence(marks[0], len(marks))


def _closes_fence(line: str, fence: _Fence) -> bool:
    stripped = line.strip(" \t")
    run = len(stripped) - len(stripped.lstrip(fence.char))
    return _indent_width(line) < 4 and run >= fence.length and stripped == fence.char * run


def _atx_heading(line: str) -> str | None:
    match = _ATX.match(line)
    if match is None:
        return None
    content = match.group(2) or ""
    return _ATX_CLOSING.sub("", content).strip()


# --- resolving paths ----------------------------------------------------------------------


class Status(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    OUTSIDE_ROOT = "outside-root"
    UNREADABLE = "unreadable"  # a folder on the way could not be listed (its own CL901)


@dataclass(frozen=True)
class Resolution:
    """Where a path link lands.

    `rel_path` is POSIX, relative to the root and NFC-normalised: for OK the real location
    (symlinks inside the root followed, `.` for the root itself), for MISSING the lexical
    path that was looked for, for OUTSIDE_ROOT None.
    """

    status: Status
    rel_path: str | None
    is_dir: bool = False


class _Entry(NamedTuple):
    name: str  # as on disk, which may be NFD
    is_dir: bool
    is_file: bool
    is_symlink: bool


class _Found(NamedTuple):
    status: Status
    disk_parts: tuple[str, ...]  # real names from the root, valid only when status is OK
    entry: _Entry | None  # None for the root itself


_Listing = dict[str, _Entry]  # NFC name -> entry
_OUTSIDE = ".."  # a symlink target no path inside the root can spell


class LinkResolver:
    """Resolves path links against one repository root, caching every answer."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        # A symlink written with the root's unresolved spelling still points inside.
        self._root_spellings = (self._root, root.absolute())
        self._listings: dict[tuple[str, ...], _Listing | None] = {}
        self._found: dict[str, _Found] = {}
        self._anchors: dict[tuple[str, ...], frozenset[str] | None] = {}
        # The pages whose anchors were looked up since the caller last cleared it: a cached
        # result that checked anchors stays valid only while those anchors are unchanged.
        self.consulted: set[str] = set()
        self._anchors_by_rel: dict[str, frozenset[str] | None] = {}

    def real_path(self, rel: str) -> tuple[Status, Path | None]:
        """Where the file at root-relative `rel` really is, every symlink resolved inside
        the root from its text alone (nothing outside the root is ever stated)."""
        lexical = self._lexical("", rel)
        if lexical is None:
            return Status.OUTSIDE_ROOT, None
        found = self._locate(lexical)
        if found.status is not Status.OK:
            return found.status, None
        return Status.OK, self._root.joinpath(*found.disk_parts)

    def resolve(self, from_file: str, path_part: str) -> Resolution:
        """Resolve `path_part` as written in `from_file` (POSIX, relative to the root).

        `..` is resolved lexically, as a browser resolves a URL; a leading `/` starts at the
        root; an empty `path_part` is the linking file itself.
        """
        rel = self._lexical(from_file, path_part)
        if rel is None:
            return Resolution(Status.OUTSIDE_ROOT, None)
        found = self._locate(rel)
        if found.status is Status.OUTSIDE_ROOT:
            return Resolution(Status.OUTSIDE_ROOT, None)
        if found.status in (Status.MISSING, Status.UNREADABLE):
            return Resolution(found.status, rel or ".")
        is_dir = found.entry is None or found.entry.is_dir
        return Resolution(Status.OK, _nfc("/".join(found.disk_parts)) or ".", is_dir)

    def anchors_of(self, rel_path: str) -> frozenset[str] | None:
        """Anchors of the page at `rel_path`, or None when it is not a readable page.

        Only a regular file inside the root, at most MAX_BYTES long and valid UTF-8, is read.
        """
        self.consulted.add(rel_path)
        if rel_path not in self._anchors_by_rel:
            self._anchors_by_rel[rel_path] = self._anchors_of(rel_path)
        return self._anchors_by_rel[rel_path]

    def _anchors_of(self, rel_path: str) -> frozenset[str] | None:
        rel = self._lexical("", rel_path)
        found = self._locate(rel) if rel is not None else None
        if found is None or found.status is not Status.OK:
            return None
        if found.entry is None or not found.entry.is_file:
            return None
        if found.disk_parts not in self._anchors:
            text = self._read_text(found.disk_parts)
            self._anchors[found.disk_parts] = None if text is None else anchors(headings_of(text))
        return self._anchors[found.disk_parts]

    @staticmethod
    def _lexical(from_file: str, path_part: str) -> str | None:
        """NFC root-relative path with `..` resolved, `""` for the root, None if it escapes."""
        from_file = from_file.lstrip("/")
        if not path_part:
            joined = from_file
        elif path_part.startswith("/"):
            joined = path_part.lstrip("/")
        else:
            joined = posixpath.join(posixpath.dirname(from_file), path_part)
        rel = posixpath.normpath(_nfc(joined)) if joined else "."
        if rel == ".." or rel.startswith("../"):
            return None
        return "" if rel == "." else rel

    def _locate(self, rel: str) -> _Found:
        if rel not in self._found:
            self._found[rel] = self._walk(rel.split("/") if rel else [])
        return self._found[rel]

    def _walk(self, parts: list[str]) -> _Found:
        """Follow `parts` from the root, name by name, through the cached listings.

        A symlink is replaced by its lexically resolved target, restarting from the root, so
        that every directory listed is a real directory inside the root.
        """
        pending = deque(parts)
        done: list[str] = []
        entry: _Entry | None = None
        hops = 0
        while pending:
            if self._listing(tuple(done)) is None:
                return _Found(Status.UNREADABLE, (), None)
            entry = self._lookup(tuple(done), pending.popleft())
            if entry is None or (pending and not entry.is_dir and not entry.is_symlink):
                return _Found(Status.MISSING, (), None)
            if not entry.is_symlink:
                done.append(entry.name)
                continue
            hops += 1
            target = (
                None if hops > MAX_SYMLINK_HOPS else self._symlink_target(tuple(done), entry.name)
            )
            if target is None:
                return _Found(Status.MISSING, (), None)
            if target == _OUTSIDE:
                return _Found(Status.OUTSIDE_ROOT, (), None)
            pending.extendleft(reversed(target.split("/") if target else []))
            done, entry = [], None
        return _Found(Status.OK, tuple(done), entry)

    def _lookup(self, directory: tuple[str, ...], name: str) -> _Entry | None:
        listing = self._listing(directory)
        if listing is None:
            return None
        return listing.get(name) or listing.get(_nfc(name))

    def _listing(self, directory: tuple[str, ...]) -> _Listing | None:
        if directory not in self._listings:
            self._listings[directory] = self._scan(self._root.joinpath(*directory))
        return self._listings[directory]

    @staticmethod
    def _scan(path: Path) -> _Listing | None:
        listing: _Listing = {}
        try:
            with os.scandir(path) as entries:
                for item in entries:
                    entry = _Entry(
                        item.name,
                        item.is_dir(follow_symlinks=False),
                        item.is_file(follow_symlinks=False),
                        item.is_symlink(),
                    )
                    # An exact name wins over another spelling of it in the same directory.
                    listing.setdefault(_nfc(item.name), entry)
                    listing[item.name] = entry
        except OSError:
            return None
        return listing

    def _symlink_target(self, directory: tuple[str, ...], name: str) -> str | None:
        """Root-relative target of a symlink, _OUTSIDE if it leaves the root, None if unreadable.

        The target is worked out from the link's text only: following it with `realpath`
        would stat whatever it names, even outside the root.
        """
        try:
            target = self._root.joinpath(*directory, name).readlink()
        except OSError:
            return None
        if target.is_absolute():
            return self._relative_to_root(PurePath(os.path.normpath(target)))
        rel = posixpath.normpath(posixpath.join(*directory, target.as_posix()))
        if rel == ".." or rel.startswith("../"):
            return _OUTSIDE
        return "" if rel == "." else rel

    def _relative_to_root(self, absolute: PurePath) -> str:
        for root in self._root_spellings:
            with contextlib.suppress(ValueError):
                rel = absolute.relative_to(root).as_posix()
                return "" if rel == "." else rel
        return _OUTSIDE

    def _read_text(self, disk_parts: tuple[str, ...]) -> str | None:
        data = safefs.read_bytes(self._root.joinpath(*disk_parts), MAX_BYTES)
        if isinstance(data, safefs.Refused):
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
