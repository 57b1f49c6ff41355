"""Immutable records: every field keeps the span of its characters in the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character range in the LF-normalised text, with 1-based positions."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Located(Generic[T]):
    """A parsed value, the text it was parsed from, and where that text is."""

    value: T
    raw: str
    span: Span


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    span: Span  # the whole `[text](target)`
    target_span: Span
    text_span: Span


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    span: Span


@dataclass(frozen=True)
class Resource:
    kind: str  # "try" | "docs"
    text: str
    target: Located[str]
    line: Span


@dataclass(frozen=True)
class Benchmark:
    name: str
    score: Located[float | None]
    description: Located[str]
    row: Span


@dataclass(frozen=True)
class CardRecord:
    """A model card as parsed; any field the page lacks or garbles is None."""

    path: str  # relative to the root, POSIX separators
    title: Located[str] | None = None
    tagline: Located[tuple[str, ...]] | None = None
    organization: Located[str] | None = None
    organization_link: Located[str] | None = None
    released: Located[str] | None = None
    access_emoji: Located[str] | None = None
    access: Located[str] | None = None
    type: Located[str] | None = None
    overview: Located[str] | None = None
    params: Located[float | None] | None = None
    tokens: Located[float | None] | None = None
    ratio: Located[str] | None = None
    verdict: Located[str] | None = None
    alscore: Located[str] | None = None
    tier: Located[str] | None = None
    tier_slot: Span | None = None  # where a tier belongs (after the ALScore), present or not
    formula: Located[str] | None = None
    dataset: Located[tuple[str, ...]] | None = None
    benchmarks: tuple[Benchmark, ...] = ()
    benchmark_table: Span | None = None
    analysis: tuple[Located[str], ...] = ()
    analysis_slot: Span | None = None  # empty span where analysis lines belong
    tags: Located[tuple[str, ...]] | None = None
    notes: Located[str] | None = None
    resources: tuple[Resource, ...] = ()
    related_org: Located[str] | None = None
    profile_link: Link | None = None
    architecture_link: Link | None = None
    last_updated: Located[str] | None = None
    back_link: Link | None = None
    lab_footer_link: Link | None = None
    footer_org: Located[str] | None = None
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = field(default=())

    def score(self, name: str) -> float | None:
        for bench in self.benchmarks:
            if bench.name == name:
                return bench.score.value
        return None


@dataclass(frozen=True)
class Cell:
    text: str  # stripped
    span: Span  # the stripped text


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    span: Span  # the whole line, newline excluded
    link: Link | None  # the first link of the row: the card it lists


@dataclass(frozen=True)
class Table:
    section: str  # text of the nearest heading above, "" before any
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    span: Span  # header line to last row


@dataclass(frozen=True)
class Count:
    """A number an index page states: `**Total Models:** 36`, a badge, `**Count:** 29 models`."""

    label: str
    value: Located[int]
    section: str


@dataclass(frozen=True)
class Entry:
    """A counted list item: `- [Meta AI](labs/meta-ai.md): 36 models`, `- Dense: 534 models`."""

    section: str
    label: Located[str]
    link: Link | None
    value: Located[int]
    line: Span


@dataclass(frozen=True)
class IndexPage:
    path: str  # relative to the root, POSIX
    title: Located[str] | None = None
    tables: tuple[Table, ...] = ()
    counts: tuple[Count, ...] = ()
    entries: tuple[Entry, ...] = ()
    headings: tuple[Heading, ...] = ()
    links: tuple[Link, ...] = ()
