"""CL505: every number an index page states, recounted from the cards; and (as CL501) what a
page says in its own words of a named model's architecture or rank.

A count may also count models that the page lists without a card of their own: a row naming
another model whose card was overwritten (two models written to one file, CL509 or CL503)
or a row linking to no card (CL502). Those rows stay, since no fix deletes them; so a count
that differs from the cards only by them is no defect of its own, and a fix never writes a
count that its page's rows contradict.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import posixpath
import re
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from cardlint import derive, linkcheck, pages, safefs
from cardlint.cardindex import STATUS, Card, CardIndex, nfc
from cardlint.diagnostics import Diagnostic
from cardlint.linkcheck import split_anchor
from cardlint.parse.index import MAX_DIGITS, TOO_LARGE, parse_index
from cardlint.records import Heading, Located, Row, Span, Table
from cardlint.rules.context import IndexContext
from cardlint.rules.crossfile import (
    Listed,
    agreement,
    card_tables,
    is_card_link,
    listed,
    members_of,
    page_stem,
)
from cardlint.rules.registry import rule
from cardlint.source import MAX_BYTES, ReadError, Source, decode


@rule(
    "CL505",
    "stale-count",
    "A count on an index page disagrees with the cards",
    fixable=True,
    scope="index",
)
def stale_count(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Recounts every number an index page states from the cards: totals, public and private
    counts, labs tracked, the README badge and prose, per-lab and per-architecture counts,
    and the architecture distribution of the insights pages. Models listed without a card of
    their own (a row naming another model whose card was overwritten, CL509, or a row
    linking to no card, CL502) may be counted too: the count then agrees with the rows.
    What a page says in its own words of a named model is checked as well and reported as
    CL501, like a table cell: the architecture a table gives a model it names (by link or
    by the card's exact title), that a model linked under a section about one architecture
    has it, and a rank by ALScore stated beside such a link.

    ## Why is this bad?
    A total that disagrees with the cards is the first number readers see, and the first
    sign that the page was not regenerated.

    ## Example
    `**Total Models:** 681` while 674 cards exist and 4 rows list models without a card.

    ## Fix safety
    Safe: the number is recounted from the rows of the page's table of its members, or
    where it has none from the cards and the models listed without a card. While a row
    finding would change the rows (a duplicate or foreign row that `--unsafe-fixes`
    deletes, a card not listed), the count is not fixed: it is fixed once the rows are.
    A model's architecture in a table and an unambiguous rank are rewritten from the card
    (CL501); a model listed under the wrong section is not moved.
    """
    if ctx.cards.unread:
        return  # some cards could not be read (their CL9xx says so): nothing can be recounted
    for count in ctx.record.counts:
        spec = next(
            (
                s
                for s in pages.COUNTS
                if pages.matches(s.page, ctx.page)
                and _full(s.label, count.label)
                and pages.section_matches(s.section, count.section)
            ),
            None,
        )
        if spec is not None:
            tally = _tally(ctx, spec.members, count.value.value)
            yield from _judge(ctx, count.label, "is", count.value, tally)
    yield from _entries(ctx)
    yield from _statements(ctx)
    yield from _claims(ctx)


def _full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


# --- judging one number ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What a count may truthfully say: its member cards, plus up to `extra` models or rows
    without a card of their own."""

    cards: int
    extra: int
    target: int | None  # what a fix writes; None: not while row fixes change the rows
    detail: str  # what was counted, for the message

    def allows(self, n: int) -> bool:
        return self.cards <= n <= self.cards + self.extra


def _judge(
    ctx: IndexContext, label: str, verb: str, value: Located[int], tally: Tally
) -> Iterator[Diagnostic]:
    if tally.allows(value.value):
        return
    message = f"{label} {verb} {value.raw} but {tally.detail}"
    if tally.target is None:
        yield ctx.finding("CL505", value.span, message + "; fixed once the rows are")
        return
    target = str(tally.target)
    yield ctx.replace("CL505", value.span, target, message, f"Write {target}")


def _tally(ctx: IndexContext, members: str, stated: int) -> Tally:
    if members == "labs":
        n = len(ctx.cards.labs())  # a model without a card of its own has its card's lab
        return Tally(n, 0, n, f"the cards give {n}")
    cards = len(members_of(ctx, members))
    table = _member_table(ctx, members)
    if table is not None:
        return _row_tally(ctx, table[0], table[1], members, cards)
    if stated == cards:
        return Tally(cards, 0, cards, "")  # right as it is: no lab page need be read
    stem = page_stem(ctx)
    ghosts = sum(_ghost_member(members, g.cells, g.lab, stem) for g in _ghosts(ctx))
    strays = _strays(ctx) if members == "all" else 0
    return Tally(cards, ghosts + strays, cards + ghosts, _cards_detail(cards, ghosts))


def _cards_detail(cards: int, ghosts: int) -> str:
    detail = f"the cards give {cards}"
    if ghosts:
        own = "its" if ghosts == 1 else "their"
        detail += f", {cards + ghosts} with {_models(ghosts)} listed without a card of {own} own"
    return detail


def _models(n: int) -> str:
    return f"{n} model" + ("s" if n != 1 else "")


# --- a page with a table of its members: its rows ---------------------------------------------


def _member_table(ctx: IndexContext, members: str) -> tuple[Table, str] | None:
    """The one complete table of the page listing these members (or, for `WITHIN`, the
    members of a wider kind among which they are counted)."""
    kinds = {members, pages.WITHIN.get(members, members)}
    found = [
        (table, spec.members)
        for table, spec in card_tables(ctx)
        if spec is not None and not spec.top and spec.members in kinds
    ]
    return found[0] if len(found) == 1 else None


_PARTS = (
    ("ghost", "for a model without a card of its own (CL509)"),
    ("twin", "for a model of the same title whose card was overwritten (CL503)"),
    ("stray", "linking to no card (CL502)"),
    ("duplicate", "repeating a card (CL503)"),
    ("foreign", "not belonging here (CL510)"),
)


def _row_tally(ctx: IndexContext, table: Table, kind: str, members: str, cards: int) -> Tally:
    stem = page_stem(ctx)
    member = pages.MEMBERS[members]
    wider = pages.MEMBERS[kind]
    listed_cards = 0
    rows: Counter[str] = Counter()
    for item in listed(ctx, table):
        what = _row_kind(ctx, table, item)
        if what == "card" and item.card is not None:
            if member(item.card, stem, ctx.config):
                listed_cards += 1
                continue
            if wider(item.card, stem, ctx.config):
                continue  # listed, and rightly, but not counted here (a private model)
            what = "foreign"
        if what == "none":
            continue
        if kind == members or _ghost_member(members, _cells(table, item.row), stem, stem):
            rows[what] += 1
    missing = cards - listed_cards
    total = listed_cards + sum(rows.values())
    changing = rows["duplicate"] + rows["foreign"] + missing
    detail = f"the cards give {cards}"
    if total != cards:
        parts = [f"{rows[key]} {text}" for key, text in _PARTS if rows[key]]
        if missing:
            parts.append(f"{missing} card{'s' if missing != 1 else ''} not listed (CL504)")
        detail += f" and the table lists {total} rows: {', '.join(parts)}"
    extra = rows["ghost"] + rows["twin"] + rows["stray"]
    return Tally(cards, extra, None if changing else total, detail)


def _row_kind(ctx: IndexContext, table: Table, item: Listed) -> str:
    """What a row is: a card's own row, a model without a card of its own (`ghost`), a row
    linking to no card (`stray`), another model of the card's title (`twin`), a duplicate
    that CL503's fix deletes, or no card row."""
    if item.collision:
        return "ghost"
    if item.rel is None:
        return "none"
    if item.card is None:
        return "stray" if item.first else "duplicate"
    if item.first:
        return "card"
    return "twin" if _another_model(ctx, table, item.row, item.card) else "duplicate"


def _another_model(ctx: IndexContext, table: Table, row: Row, card: Card) -> bool:
    """A second row of a card that disagrees with it describes another model of that title,
    whose card was overwritten (CL503 keeps that row)."""
    cells = [c for c in table.header if card.expected(c, ctx.config) is not None]
    return agreement(ctx, table, row, card) < len(cells)


def _cells(table: Table, row: Row) -> tuple[tuple[str, str], ...]:
    return tuple(
        (column.strip().lower(), cell.text)
        for column, cell in zip(table.header, row.cells, strict=False)
    )


def _ghost_member(members: str, cells: tuple[tuple[str, str], ...], lab: str, stem: str) -> bool:
    """Whether a model without a card belongs to `members`, as far as its row tells."""
    by = dict(cells)
    status = by.get("status", "")
    released = by.get("released", by.get("date", ""))
    tests = {
        "all": True,
        "lab": lab == stem,
        "lab-public": lab == stem and status in STATUS["Public"],
        "public": status in STATUS["Public"],
        "private": status in STATUS["Private"],
        "type": derive.slug(by.get("architecture", "-")) == stem,
        "released": derive.release_month(released) is not None if released else False,
        "params": by.get("params", "-") not in {"-", "-B"},
        "mmlu": by.get("mmlu", "-") != "-",
    }
    return tests.get(members, False)


# --- models without a card, as the lab pages list them ------------------------------------


@dataclass(frozen=True)
class Ghost:
    """A model listed on its lab page whose card was overwritten by another model's."""

    lab: str
    cells: tuple[tuple[str, str], ...]  # column (lower case) -> cell text


# Per card index (one run, or one round of fixes) and lab page content: every index page
# without a table of its members would otherwise parse every lab page again.
_LAB_GHOSTS: weakref.WeakKeyDictionary[CardIndex, dict[tuple[str, str], tuple[Ghost, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _ghosts(ctx: IndexContext) -> list[Ghost]:
    key = ("ghosts",)
    if key not in ctx.memo:
        folder = posixpath.join(ctx.cards.base, "labs")
        known = _LAB_GHOSTS.setdefault(ctx.cards, {})
        found: list[Ghost] = []
        for name in sorted(_names(ctx, folder)):
            if name.endswith(".md"):
                found.extend(_page_ghosts(ctx, posixpath.join(folder, name), known))
        ctx.memo[key] = found
    result: list[Ghost] = ctx.memo[key]
    return result


def _names(ctx: IndexContext, folder: str) -> list[str]:
    status, path = ctx.resolver.real_path(folder)
    if status is not linkcheck.Status.OK or path is None or not safefs.is_real_dir(path):
        return []
    return safefs.names_in(path) or []


def _page_ghosts(
    ctx: IndexContext, rel: str, known: dict[tuple[str, str], tuple[Ghost, ...]]
) -> tuple[Ghost, ...]:
    status, path = ctx.resolver.real_path(rel)
    data = safefs.read_bytes(path, MAX_BYTES) if status is linkcheck.Status.OK and path else None
    if not isinstance(data, bytes):
        return ()  # its own finding says why it cannot be read
    key = (rel, hashlib.blake2b(data, digest_size=16).hexdigest())
    if key not in known:
        source = decode(rel, data)
        known[key] = () if isinstance(source, ReadError) else _lab_ghosts(ctx, source, rel)
    return known[key]


_GHOSTS = {"ghost", "twin"}


def _lab_ghosts(ctx: IndexContext, source: Source, rel: str) -> tuple[Ghost, ...]:
    page = posixpath.relpath(rel, ctx.cards.base or ".")
    lab = IndexContext(source, parse_index(source, rel), ctx.config, ctx.resolver, ctx.cards, page)
    stem = page_stem(lab)
    found: dict[tuple[str, str, tuple[tuple[str, str], ...]], Ghost] = {}
    for table, spec in card_tables(lab):
        if spec is None or spec.members != "lab":
            continue
        for item in listed(lab, table):
            card = item.card
            if card is None or card.lab != stem or _row_kind(lab, table, item) not in _GHOSTS:
                continue
            cells = _cells(table, item.row)
            name = item.row.link.text if item.row.link else ""
            found.setdefault((card.rel, name, cells), Ghost(card.lab, cells))
    return tuple(found.values())


def _strays(ctx: IndexContext) -> int:
    """Pages in `models/` outside every lab folder (CL108): generated as if they were models."""
    folder = posixpath.join(ctx.cards.base, "models")
    return sum(
        name.endswith(".md") and not ctx.cards.get(posixpath.join(folder, name))
        for name in _names(ctx, folder)
    )


# --- counted lists: `- [Lab](…): 12 models`, `- Dense: 534 models` --------------------------


def _entries(ctx: IndexContext) -> Iterator[Diagnostic]:
    for spec in pages.ENTRIES:
        if not pages.matches(spec.page, ctx.page):
            continue
        entries = [e for e in ctx.record.entries if pages.section_matches(spec.section, e.section)]
        if not entries:
            continue
        counts = _entry_counts(ctx, spec.members)
        for entry in entries:
            key = _entry_key(
                ctx, entry.label.value, entry.link.target if entry.link else None, spec.members
            )
            tally = _entry_tally(ctx, spec.members, key, counts, entry.value.value)
            yield from _judge(ctx, entry.label.value, "has", entry.value, tally)


def _entry_tally(
    ctx: IndexContext, members: str, key: str, counts: Counter[str], stated: int
) -> Tally:
    cards = counts.get(key, 0)
    if stated == cards:
        return Tally(cards, 0, cards, "")
    ghosts = sum(_ghost_key(members, g) == key for g in _ghosts(ctx))
    return Tally(cards, ghosts, cards + ghosts, _cards_detail(cards, ghosts))


def _ghost_key(members: str, ghost: Ghost) -> str | None:
    by = dict(ghost.cells)
    if members == "type":
        return by.get("architecture")
    if members == "lab-public" and by.get("status", "") not in STATUS["Public"]:
        return None
    return ghost.lab


def _entry_counts(ctx: IndexContext, members: str) -> Counter[str]:
    if members == "type":
        return Counter(c.record.type.value for c in ctx.cards if c.record.type)
    public = members == "lab-public"
    return Counter(c.lab for c in ctx.cards if not public or c.access == "Public")


def _entry_key(ctx: IndexContext, label: str, target: str | None, members: str) -> str:
    if members == "type" or target is None:
        return label
    return posixpath.splitext(posixpath.basename(split_anchor(target)[0]))[0]


# --- counts a page states in its own words (pages.STATEMENTS) -------------------------------


def _statements(ctx: IndexContext) -> Iterator[Diagnostic]:
    specs = [s for s in pages.STATEMENTS if pages.matches(s.page, ctx.page)]
    if not specs:
        return
    counts: dict[str, Counter[str]] = {}
    for spec, label, value in _stated(ctx, specs):
        if label is None:
            tally = _tally(ctx, spec.members, value.value)
            yield from _judge(ctx, spec.label, "is", value, tally)
            continue
        if spec.members not in counts:
            counts[spec.members] = _entry_counts(ctx, spec.members)
        tally = _entry_tally(ctx, spec.members, label, counts[spec.members], value.value)
        yield from _judge(ctx, label, "has", value, tally)


def _stated(
    ctx: IndexContext, specs: list[pages.StatementSpec]
) -> Iterator[tuple[pages.StatementSpec, str | None, Located[int]]]:
    """Each number the specs find, outside code blocks, with its entry label if any."""
    offset = 0
    fenced = False
    for number, line in enumerate(ctx.source.text.split("\n"), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        section = _section_at(ctx.record.headings, number)
        for spec in specs if not fenced else ():
            if not pages.section_matches(spec.section, section):
                continue
            for match in re.finditer(spec.pattern, line):
                yield spec, _label(match), _number(ctx, offset, match)
        offset += len(line) + 1


def _label(match: re.Match[str]) -> str | None:
    return match["label"].strip() if "label" in match.re.groupindex else None


def _number(ctx: IndexContext, offset: int, match: re.Match[str]) -> Located[int]:
    start, end = match.span("n")
    raw = match["n"]
    digits = raw.replace(",", "")
    value = int(digits) if len(digits) <= MAX_DIGITS else TOO_LARGE
    return Located(value, raw, ctx.source.span(offset + start, offset + end))


def _section_at(headings: tuple[Heading, ...], line: int) -> str:
    return next((h.text for h in reversed(headings) if h.span.line <= line), "")


# --- (CL501) a named model's architecture or rank ----------------------------------------------


def _claims(ctx: IndexContext) -> Iterator[Diagnostic]:
    """What a page says of a named model in its own words (pages.CLAIMS), checked as CL501
    checks a row: one statement about one card that the card denies."""
    for spec in pages.CLAIMS:
        if not pages.matches(spec.page, ctx.page):
            continue
        if spec.column is not None:
            yield from _column_claims(ctx, spec, spec.column.lower())
        else:
            yield from _section_claims(ctx, spec)


def _column_claims(ctx: IndexContext, spec: pages.ClaimSpec, column: str) -> Iterator[Diagnostic]:
    for table in ctx.record.tables:
        header = [h.strip().lower() for h in table.header]
        if column not in header or not pages.section_matches(spec.section, table.section):
            continue
        at = header.index(column)
        name_at = header.index("model") if "model" in header else 0
        for row in table.rows:
            if len(row.cells) <= max(at, name_at):
                continue
            card = _named_card(ctx, row, row.cells[name_at].text)
            claimed = row.cells[at]
            if card is not None:
                yield from _type_claim(ctx, card, claimed.text, claimed.span)


def _named_card(ctx: IndexContext, row: Row, name: str) -> Card | None:
    """The card a row names: by its link into `models/`, else by its exact title."""
    if row.link is not None:
        rel = _link_rel(ctx, row.link.target)
        return ctx.cards.get(rel) if rel and is_card_link(rel, ctx) else None
    key = ("titles",)
    if key not in ctx.memo:
        titles: dict[str, list[Card]] = {}
        for card in ctx.cards:
            if card.title:
                titles.setdefault(nfc(card.title), []).append(card)
        ctx.memo[key] = titles
    found = ctx.memo[key].get(nfc(re.sub(r"[*_`]", "", name).strip()), [])
    return found[0] if len(found) == 1 else None  # a family name, or two cards: no claim


def _link_rel(ctx: IndexContext, target: str) -> str | None:
    if "://" in target:
        return None
    path = split_anchor(target)[0]
    return nfc(posixpath.normpath(posixpath.join(posixpath.dirname(ctx.record.path), path)))


def _card_type(card: Card) -> str | None:
    located = card.record.type
    value = str(located.value) if located is not None else ""
    return value if value and value != "-" else None


def _type_claim(
    ctx: IndexContext, card: Card, claimed: str, span: Span, section: str | None = None
) -> Iterator[Diagnostic]:
    """`section`: the claim is where the model is listed, which no fix moves."""
    actual = _card_type(card)
    if actual is None or claimed in {"", "-"} or "/" in claimed:
        return  # unknown, or a family of several (`Dense/MoE`): nothing to compare
    if derive.slug(claimed) == derive.slug(actual):
        return
    said = f"listed under `{section}`" if section else f"architecture is `{claimed}`"
    message = f"{said} but `{card.rel}` says `{actual}`"
    if section is None:
        yield ctx.replace("CL501", span, actual, message, f"Write `{actual}`")
    else:
        yield ctx.finding("CL501", span, message)


def _section_claims(ctx: IndexContext, spec: pages.ClaimSpec) -> Iterator[Diagnostic]:
    for link in ctx.record.links:
        section = _section_at(ctx.record.headings, link.span.line)
        if not pages.section_matches(spec.section, section):
            continue
        rel = _link_rel(ctx, link.target)
        card = ctx.cards.get(rel) if rel and is_card_link(rel, ctx) else None
        if card is None:
            continue  # a link to no card is CL401's
        if spec.type is not None:
            yield from _type_claim(ctx, card, spec.type, link.text_span, section)
        if spec.rank is not None:
            yield from _rank_claim(ctx, card, link.span.end, spec.rank)


def _rank_claim(ctx: IndexContext, card: Card, start: int, pattern: str) -> Iterator[Diagnostic]:
    end = ctx.source.text.find("\n", start)
    rest = ctx.source.text[start : len(ctx.source.text) if end < 0 else end]
    match = re.search(pattern, rest)
    own = _scores(ctx, card)
    if match is None or not own or max(own) == -math.inf:
        return
    # A card whose stated score its inputs contradict (its own CL304) may stand at either
    # value until it is fixed: a rank is wrong only if no combination of them gives it.
    ranges = [r for r in (_scores(ctx, c) for c in ctx.cards) if r]
    low = 1 + sum(min(r) > max(own) for r in ranges)
    high = sum(max(r) >= min(own) for r in ranges)  # ties may stand in either order
    raw = match["n"]
    if low <= int(raw[:MAX_DIGITS]) <= high and len(raw) <= MAX_DIGITS:
        return
    span = ctx.source.span(start + match.start("n"), start + match.end("n"))
    ranks = f"#{low}" if low == high else f"#{low} to #{high} (tied)"
    message = f"`{card.rel}` is ranked #{raw} but the cards rank it {ranks} by ALScore"
    if low == high:
        yield ctx.replace("CL501", span, str(low), message, f"Write {low}")
    else:
        yield ctx.finding("CL501", span, message)


def _scores(ctx: IndexContext, card: Card) -> list[float]:
    """The ALScores a page may show for the card: as stated, and as its inputs give."""
    found = []
    for text in card.expected("alscore", ctx.config) or ():
        if text.strip() == "-":
            found.append(-math.inf)  # unknown: ranked below every score
            continue
        with contextlib.suppress(ValueError):
            found.append(float(text))
    return found
