"""What each index page lists, counts and sorts by, as data (spec §3).

Globs are relative to the leaderboard folder (the one holding `models/`). A page's tables
are matched by the heading above them; a table whose rows link to cards and that no spec
names is still checked cell by cell.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from cardlint.cardindex import Card
from cardlint.config import Config
from cardlint.derive import release_month, slug

Member = Callable[[Card, str, Config], bool]  # card, page stem, config


def _lab(card: Card, stem: str, _config: Config) -> bool:
    return card.lab == stem


def _type(card: Card, stem: str, _config: Config) -> bool:
    t = card.record.type
    return t is not None and t.value != "-" and slug(t.value) == stem


def _known(name: str) -> Member:
    def member(card: Card, _stem: str, _config: Config) -> bool:
        if name == "params":
            return card.record.params is not None and card.record.params.value is not None
        return card.score(name) is not None

    return member


def _tagged(*tags: str) -> Member:
    return lambda card, _stem, _config: all(t in card.tags for t in tags)


def _access(word: str) -> Member:
    return lambda card, _stem, _config: card.access == word


def _released(card: Card, _stem: str, _config: Config) -> bool:
    return card.released_key() is not None


def _ratio(optimal: bool) -> Member:
    def member(card: Card, _stem: str, config: Config) -> bool:
        n = card.ratio(config)
        return n is not None and (n >= config.verdict_threshold) == optimal

    return member


def _every(_card: Card, _stem: str, _config: Config) -> bool:
    return True


def _lab_public(card: Card, stem: str, config: Config) -> bool:
    return _lab(card, stem, config) and card.access == "Public"


MEMBERS: dict[str, Member] = {
    "all": _every,
    "lab": _lab,
    "lab-public": _lab_public,
    "type": _type,
    "params": _known("params"),
    "mmlu": _known("MMLU"),
    "reasoning": _tagged("Reasoning"),
    "sota-reasoning": _tagged("SOTA", "Reasoning"),
    "released": _released,
    "public": _access("Public"),
    "private": _access("Private"),
    "optimal": _ratio(True),
    "under-trained": _ratio(False),
}


def sort_key(card: Card, key: str, config: Config) -> tuple[int, float]:
    """Descending primary key as (known, value): unknown values sort last."""
    value: float | None
    if key == "alscore":
        value = card.alscore(config)
    elif key == "params":
        value = card.record.params.value if card.record.params else None
    elif key == "ratio":
        n = card.ratio(config)
        value = None if n is None else float(n)
    elif key == "released":
        released = card.released_key()
        value = None if released is None else released[0] * 12.0 + released[1]
    else:
        value = card.score(key)
    return (0, 0.0) if value is None else (1, value)


def cell_key(text: str, key: str) -> tuple[int, float] | None:
    """The sort key a cell states itself (`Apr/2024`, `70.0B`, `2.1`, `926:1`, `-`)."""
    text = text.strip()
    if text in {"-", "-B", "TBA"}:
        return (0, 0.0)
    if key == "released":
        released = release_month(text)
        return None if released is None else (1, released[0] * 12.0 + released[1])
    number = text.removesuffix("B").removesuffix(":1").replace(",", "")
    # float() would also take `nan`, `1_0`, blanks and other scripts' digits.
    return (1, float(number)) if _NUMBER.fullmatch(number) else None


_NUMBER = re.compile(r"[0-9]{1,400}(?:\.[0-9]{1,400})?(?:[eE][+-]?[0-9]{1,4})?")


@dataclass(frozen=True)
class TableSpec:
    page: str  # glob
    section: str | None  # regex searched in the table's heading; None: any table
    members: str  # a MEMBERS key: who must be listed
    key: str | None  # descending sort key; None: any order
    top: bool = False  # a top-N list: only cards ranked above its last row must appear
    chronological: bool = False  # the page calls itself chronological


@dataclass(frozen=True)
class CountSpec:
    page: str
    label: str  # regex, full match on the count's label
    members: str
    section: str | None = None


@dataclass(frozen=True)
class EntrySpec:
    page: str
    section: str  # regex searched in the entry's section (heading | unit)
    members: str  # counted per entry: "lab"/"lab-public" by link, "type" by label
    top: bool = True


TABLES = (
    TableSpec("labs/*.md", None, "lab", "alscore"),
    TableSpec("architectures/*.md", None, "type", "alscore"),
    TableSpec("rankings/by-parameters.md", None, "params", "params"),
    TableSpec("rankings/by-mmlu.md", None, "mmlu", "MMLU"),
    TableSpec("rankings/by-reasoning.md", None, "reasoning", "GPQA"),
    TableSpec("rankings/by-date.md", None, "released", "released", chronological=True),
    TableSpec("README.md", "Top Models by ALScore", "all", "alscore", top=True),
    TableSpec("insights/open-source.md", "Top Open Source", "public", "alscore", top=True),
    TableSpec("insights/scaling-laws.md", "Exceeding", "optimal", "ratio", top=True),
    TableSpec("insights/scaling-laws.md", "Under-trained", "under-trained", "ratio", top=True),
    TableSpec("insights/reasoning-models.md", "SOTA Reasoning", "sota-reasoning", None),
)

COUNTS = (
    CountSpec("labs/*.md", "Total Models", "lab"),
    CountSpec("labs/*.md", "Public Models", "lab-public"),
    CountSpec("architectures/*.md", r"Total \w+ Models", "type"),
    CountSpec("rankings/by-reasoning.md", "Total Reasoning Models", "reasoning"),
    CountSpec("rankings/by-date.md", "Total Released Models", "released"),
    CountSpec("README.md", r"Total Models|badge models|text models", "all"),
    CountSpec("README.md", "Public Models", "public"),
    CountSpec("README.md", "Private Models", "private"),
    CountSpec("README.md", r"Labs Tracked|text labs", "labs"),
    CountSpec("insights/open-source.md", "Total Public Models", "public"),
    CountSpec("insights/open-source.md", "Total Private Models", "private"),
    CountSpec("insights/reasoning-models.md", "Total Reasoning Models", "reasoning"),
    CountSpec("insights/reasoning-models.md", "Count", "sota-reasoning", "SOTA Reasoning"),
    CountSpec("insights/scaling-laws.md", "Count", "optimal", "Exceeding"),
    CountSpec("insights/scaling-laws.md", "Count", "under-trained", "Under-trained"),
)

ENTRIES = (
    EntrySpec("README.md", r"Top Labs by Model Count \| model", "lab"),
    EntrySpec("README.md", r"Architecture Distribution \| model", "type", top=False),
    EntrySpec("insights/open-source.md", r"Labs Contributing .* \| public model", "lab-public"),
)

INDEX_GLOBS = ("labs/*.md", "architectures/*.md", "rankings/*.md", "README.md", "insights/*.md")


def matches(glob: str, page: str) -> bool:
    return fnmatch.fnmatchcase(page, glob)


def is_index(page: str) -> bool:
    return any(matches(g, page) for g in INDEX_GLOBS)


def section_matches(pattern: str | None, section: str) -> bool:
    return pattern is None or re.search(pattern, section) is not None


# --- what other pages state in their own words --------------------------------------------

INNOVATIONS = "insights/architecture-innovations-*.md"

# Members of the first kind are counted among the rows of a table listing the second: a lab
# page's public models are the public rows of its one table.
WITHIN: dict[str, str] = {"lab-public": "lab"}


@dataclass(frozen=True)
class StatementSpec:
    """A count stated in a page's own words, which the index parser does not read."""

    page: str
    pattern: str  # searched in each line: group `n` the number, group `label` an entry's name
    members: str  # a MEMBERS key; with a `label` group, an entry key ("type" counts by label)
    label: str = ""  # the count's name in messages; an entry is named by its `label` group
    section: str | None = None  # regex searched in the heading above the line


@dataclass(frozen=True)
class ClaimSpec:
    """Where a page says what architecture a named model has, or where it ranks."""

    page: str
    section: str  # regex searched in the heading above
    column: str | None = None  # a table column holding the type, its row naming the model
    type: str | None = None  # without a column: every card linked in the section is this type
    rank: str | None = None  # regex after such a link: group `n` its rank by ALScore


STATEMENTS = (
    StatementSpec(
        INNOVATIONS, r"\bacross (?P<n>[0-9][0-9,]*) tracked models\b", "all", "Tracked models"
    ),
    StatementSpec(
        INNOVATIONS,
        r"^- \*\*(?P<label>[^*]+)\*\*: (?P<n>[0-9][0-9,]*) models?\b",
        "type",
        section="Architecture Distribution",
    ),
)

CLAIMS = (
    ClaimSpec(INNOVATIONS, "Notable Innovations", column="Architecture Type"),
    ClaimSpec(
        INNOVATIONS, r"Mixture-of-Experts", type="MoE", rank=r"Rank #(?P<n>[0-9]+) by ALScore"
    ),
)
