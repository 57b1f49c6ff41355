"""Every card of a leaderboard, and what an index page should say about each one."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cardlint import derive
from cardlint.config import Config
from cardlint.records import CardRecord

STATUS = {"Public": ("🟢",), "Private": ("🔴",), "Unknown": ("🟡", "-")}


def _raw(located: object) -> str | None:
    return getattr(located, "raw", None)


_UNSTATED = -1.0  # no readable value stated (the score is then recomputed)
_NUMBER = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")
_RATIO = re.compile(r"[0-9][0-9,]{0,12}:1")


def _stated_number(raw: str | None) -> float | None:
    """A stated decimal; None for `-` (stated as unknown); `_UNSTATED` for anything else."""
    if raw is None:
        return _UNSTATED
    if raw.strip() == "-":
        return None
    return float(raw) if _NUMBER.fullmatch(raw.strip()) else _UNSTATED


@dataclass(frozen=True)
class Located:
    """A value with the text it was written as (no position: index rules need none)."""

    raw: str
    value: Any


# A card with all of these parsed reached its last line: its resources were read too.
_NEEDED = (
    "title",
    "organization",
    "params",
    "tokens",
    "released",
    "type",
    "tagline",
    "access",
    "related_org",
    "last_updated",
)


@dataclass(frozen=True)
class Facts:
    """What index pages may state about a card: small enough to cache for every card."""

    title: str | None = None
    organization: Located | None = None
    params: Located | None = None
    tokens: Located | None = None
    alscore: Located | None = None
    ratio: Located | None = None
    released: Located | None = None
    type: Located | None = None
    tagline: Located | None = None
    access: str | None = None
    scores: tuple[tuple[str, str, float | None], ...] = ()
    try_url: str | None = None
    complete: bool = True  # every section parsed: a cut-off card is no source for a page

    @classmethod
    def of(cls, record: CardRecord) -> Facts:
        def fact(located: Any) -> Located | None:
            return None if located is None else Located(located.raw, located.value)

        return cls(
            title=record.title.value if record.title else None,
            organization=fact(record.organization),
            params=fact(record.params),
            tokens=fact(record.tokens),
            alscore=fact(record.alscore),
            ratio=fact(record.ratio),
            released=fact(record.released),
            type=fact(record.type),
            tagline=fact(record.tagline),
            access=record.access.value if record.access else None,
            scores=tuple((b.name, b.score.raw, b.score.value) for b in record.benchmarks),
            try_url=next((r.target.value for r in record.resources if r.kind == "try"), None),
            complete=all(getattr(record, name) is not None for name in _NEEDED)
            and len(record.benchmarks) == 4,
        )


@dataclass(frozen=True)
class Card:
    """One card as the index pages see it."""

    rel: str  # POSIX path relative to the root, NFC
    record: Facts
    lab: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lab", posixpath.basename(posixpath.dirname(self.rel)))

    @classmethod
    def of(cls, rel: str, record: CardRecord) -> Card:
        return cls(rel, Facts.of(record))

    @property
    def title(self) -> str | None:
        return self.record.title

    @property
    def tags(self) -> tuple[str, ...]:
        tags: tuple[str, ...] = self.record.tagline.value if self.record.tagline else ()
        return tags

    @property
    def access(self) -> str | None:
        return self.record.access

    def inputs(self) -> tuple[float | None, float | None] | None:
        r = self.record
        if r.params is None or r.tokens is None:
            return None
        return r.params.value, r.tokens.value

    def alscore(self, config: Config) -> float | None:
        """The score the inputs give (what the card says once fixed), else the stated one."""
        inputs = self.inputs()
        if inputs is not None:
            return derive.alscore(*inputs, config)
        stated = _stated_number(_raw(self.record.alscore))
        return None if stated is _UNSTATED else stated

    def ratio(self, config: Config) -> int | None:
        inputs = self.inputs()
        return derive.ratio(*inputs, config) if inputs is not None else None

    def disputed(self, config: Config) -> bool:
        """Whether the card states a derived value its inputs contradict (its own CL301 or
        CL304): pages may then copy either value, and `fix` repairs the card first."""
        alscore, ratio = _alscore_cell(self, config), _ratio_cell(self, config)
        return len(alscore or ()) > 1 or len(ratio or ()) > 1

    def score(self, name: str) -> float | None:
        return next((value for n, _, value in self.record.scores if n == name), None)

    def released_key(self) -> tuple[int, int] | None:
        raw = _raw(self.record.released)
        return derive.release_month(raw) if raw else None

    def try_url(self) -> str | None:
        return self.record.try_url

    def expected(self, column: str, config: Config) -> tuple[str, ...] | None:
        """The texts a cell of `column` may hold for this card; None: not a card column."""
        getter = _COLUMNS.get(column.strip().lower())
        return None if getter is None else getter(self, config)


def _alscore_cell(card: Card, config: Config) -> tuple[str, ...] | None:
    """What the card states, and what its inputs give where that differs: a card whose own
    score is wrong has its CL304, and a page copying either value is no second defect."""
    value = card.alscore(config)
    computed = "-" if value is None else derive.format_alscore(value, config)
    raw = _raw(card.record.alscore)
    if raw is None or _stated_number(raw) is _UNSTATED or raw.strip() == computed:
        return (computed,)
    return (raw.strip(), computed)


def _ratio_cell(card: Card, config: Config) -> tuple[str, ...] | None:
    n = card.ratio(config)
    computed = "-" if n is None else derive.format_ratio(n)
    raw = _raw(card.record.ratio)
    if raw is None or not _RATIO.fullmatch(raw.strip()) or raw.strip() == computed:
        return (computed,)
    return (raw.strip(), computed)


def _raw_cell(attr: str) -> Callable[[Card, Config], tuple[str, ...] | None]:
    def cell(card: Card, _config: Config) -> tuple[str, ...] | None:
        raw = _raw(getattr(card.record, attr))
        return None if raw is None else (raw,)

    return cell


def _score_cell(name: str) -> Callable[[Card, Config], tuple[str, ...] | None]:
    def cell(card: Card, _config: Config) -> tuple[str, ...] | None:
        raw = next((raw for n, raw, _ in card.record.scores if n == name), None)
        return None if raw is None else (raw,)

    return cell


def _tags_cell(card: Card, _config: Config) -> tuple[str, ...] | None:
    tagline = card.record.tagline
    return None if tagline is None else (tagline.raw if tagline.value else "-",)


def _links_cell(card: Card, _config: Config) -> tuple[str, ...]:
    url = card.try_url()
    return (f"[🔗]({url})",) if url is not None else ("-",)


def _status_cell(card: Card, _config: Config) -> tuple[str, ...] | None:
    return STATUS.get(card.access or "")


def _title_cell(card: Card, _config: Config) -> tuple[str, ...] | None:
    return None if card.title is None else (card.title,)


_COLUMNS: dict[str, Callable[[Card, Config], tuple[str, ...] | None]] = {
    "model": _title_cell,
    "lab": _raw_cell("organization"),
    "params": _raw_cell("params"),
    "parameters": _raw_cell("params"),
    "total params": _raw_cell("params"),
    "tokens": _raw_cell("tokens"),
    "alscore": _alscore_cell,
    "ratio": _ratio_cell,
    "mmlu": _score_cell("MMLU"),
    "mmlu-pro": _score_cell("MMLU-Pro"),
    "gpqa": _score_cell("GPQA"),
    "hle": _score_cell("HLE"),
    "released": _raw_cell("released"),
    "date": _raw_cell("released"),
    "architecture": _raw_cell("type"),
    "tags": _tags_cell,
    "links": _links_cell,
    "status": _status_cell,
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class CardIndex:
    """The cards of one leaderboard (the folder holding `models/`), by path."""

    def __init__(self, base: str, cards: Iterable[Card], unread: Iterable[str] = ()) -> None:
        self.base = base  # POSIX, relative to the root; "" for the root itself
        self.cards = {nfc(c.rel): c for c in cards}
        # Cards, or whole lab folders, that exist but could not be read (each has its CL9xx).
        self.unread = tuple(sorted(nfc(rel) for rel in unread))
        self.by_lab: dict[str, list[Card]] = {}
        for card in self:
            self.by_lab.setdefault(card.lab, []).append(card)
        # Member lists per (filter, page): every lab page would otherwise scan every card.
        self.memo: dict[tuple[str, str], list[Card]] = {}

    def __iter__(self) -> Iterator[Card]:
        return iter(self.cards[rel] for rel in sorted(self.cards))

    def __len__(self) -> int:
        return len(self.cards)

    def get(self, rel: str) -> Card | None:
        return self.cards.get(nfc(rel))

    def unknown(self, rel: str) -> bool:
        """Whether `rel` is, or lies in, something that exists but could not be read."""
        rel = nfc(rel)
        return any(rel == u or rel.startswith(u + "/") for u in self.unread)

    def labs(self) -> set[str]:
        return {c.lab for c in self.cards.values()}
