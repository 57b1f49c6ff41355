"""CL5xx: index pages agree with the cards they list."""

from __future__ import annotations

import itertools
import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from cardlint import derive, linkcheck, pages
from cardlint.cardindex import Card, nfc
from cardlint.diagnostics import Applicability, Diagnostic, Edit, Fix
from cardlint.linkcheck import split_anchor
from cardlint.records import Row, Table
from cardlint.rules.context import IndexContext
from cardlint.rules.registry import rule


@dataclass(frozen=True)
class Listed:
    """One table row and the card it lists."""

    row: Row
    rel: str | None  # the linked path, root-relative; None when the row has no card link
    card: Card | None
    first: bool  # the first row of the table listing this card as itself
    collision: bool  # names another model whose title has the card's slug

    @property
    def valid(self) -> bool:
        """A row that stands for its card: compare it, count it, sort it."""
        return self.card is not None and self.first and not self.collision


def _target(ctx: IndexContext, row: Row) -> str | None:
    if row.link is None or "://" in row.link.target:
        return None
    path = split_anchor(row.link.target)[0]
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.record.path), path))
    return nfc(joined)


def _is_card_link(rel: str | None, ctx: IndexContext) -> bool:
    """A link into `models/`, to a card that could be read or does not exist (a card that
    exists but could not be read has its own CL9xx finding: its rows are not judged)."""
    models = posixpath.join(ctx.cards.base, "models") + "/" if ctx.cards.base else "models/"
    return rel is not None and rel.startswith(models) and not ctx.cards.unknown(rel)


def listed(ctx: IndexContext, table: Table) -> list[Listed]:
    """Each row with its card; of rows listing one card, the best-matching one stands for it."""
    key = ("listed", table.span.start)
    if key not in ctx.memo:
        ctx.memo[key] = _listed(ctx, table)
    result: list[Listed] = ctx.memo[key]
    return result


def _listed(ctx: IndexContext, table: Table) -> list[Listed]:
    targets = [_target(ctx, row) for row in table.rows]
    cards = [ctx.cards.get(t) if _is_card_link(t, ctx) and t else None for t in targets]
    collisions = [
        _collides(r.link.text if r.link else "", c) for r, c in zip(table.rows, cards, strict=True)
    ]
    best: dict[str, int] = {}
    for n, (rel, card) in enumerate(zip(targets, cards, strict=True)):
        if rel is None or not _is_card_link(rel, ctx) or collisions[n]:
            continue
        if rel not in best or (
            card
            and _agreement(ctx, table, table.rows[n], card)
            > _agreement(ctx, table, table.rows[best[rel]], card)
        ):
            best[rel] = n
    result = []
    for n, row in enumerate(table.rows):
        rel = targets[n] if _is_card_link(targets[n], ctx) else None
        first = collisions[n] or (rel is not None and best.get(rel) == n)
        result.append(Listed(row, rel, cards[n], first, collisions[n]))
    return result


def _agreement(ctx: IndexContext, table: Table, row: Row, card: Card) -> int:
    """How many cells of the row say what the card says."""
    agree = 0
    for column, cell in zip(table.header, row.cells, strict=False):
        expected = card.expected(column, ctx.config)
        agree += expected is not None and cell.text in expected
    return agree


def _collides(title: str, card: Card | None) -> bool:
    """Another title with the card's slug: the generator wrote both models to one file."""
    if card is None or card.title is None or title == card.title:
        return False
    return derive.slug(title) == derive.slug(card.title)


def card_tables(ctx: IndexContext) -> Iterator[tuple[Table, pages.TableSpec | None]]:
    """Tables whose rows link to cards, with the spec that describes them."""
    for table in ctx.record.tables:
        if not any(_is_card_link(_target(ctx, row), ctx) for row in table.rows):
            continue
        spec = next(
            (
                s
                for s in pages.TABLES
                if pages.matches(s.page, ctx.page)
                and pages.section_matches(s.section, table.section)
            ),
            None,
        )
        yield table, spec


def _stem(ctx: IndexContext) -> str:
    return posixpath.splitext(posixpath.basename(ctx.page))[0]


def _members(ctx: IndexContext, name: str) -> list[Card]:
    stem = _stem(ctx)
    key = (name, stem if name.startswith("lab") or name == "type" else "")
    if key not in ctx.cards.memo:
        member = pages.MEMBERS[name]
        pool = ctx.cards.by_lab.get(stem, []) if name.startswith("lab") else ctx.cards
        ctx.cards.memo[key] = [c for c in pool if member(c, stem, ctx.config)]
    return ctx.cards.memo[key]


@rule(
    "CL501",
    "index-cell-mismatch",
    "Index page cell disagrees with the card it lists",
    fixable=True,
    scope="index",
)
def cell_mismatch(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares every cell of every row that links to a card with that card: title, lab,
    parameters, tokens, ALScore (recomputed, without the tier), ratio, benchmark scores,
    release date, architecture, tags, the Try-the-Model link and the access status.

    ## Why is this bad?
    Index pages are generated from the cards and then drift when a card is edited by hand:
    the leaderboard then shows numbers that no card claims.

    ## Example
    `| [Quarry Pro](../models/basalt-labs/quarry-pro.md) | 150.0B | Dense | 2.1 | …` while
    the card gives 2.4.

    ## Fix safety
    Safe: the cell is rewritten from the card, which is the source of the page.
    """
    for table, _ in card_tables(ctx):
        for item in listed(ctx, table):
            if item.valid and item.card is not None and item.card.record.complete:
                yield from _row_cells(ctx, table, item.row, item.card)


def _row_cells(ctx: IndexContext, table: Table, row: Row, card: Card) -> Iterator[Diagnostic]:
    for column, cell in zip(table.header, row.cells, strict=False):
        if column.strip().lower() == "model":
            yield from _title_cell(ctx, row, card)
            continue
        expected = card.expected(column, ctx.config)
        if expected is None or cell.text in expected:
            continue
        message = f"{column} is `{cell.text}` but `{card.rel}` says `{expected[0]}`"
        if _copies_a_placeholder(ctx, column, card):
            # The card's own link is the defect (CL404 there); copying it is no repair.
            yield ctx.finding("CL501", cell.span, message + " (fix the card's link first)")
            continue
        yield ctx.replace("CL501", cell.span, expected[0], message, f"Write `{expected[0]}`")


def _copies_a_placeholder(ctx: IndexContext, column: str, card: Card) -> bool:
    url = card.try_url()
    if column.strip().lower() != "links" or url is None:
        return False
    return linkcheck.classify(url, ctx.config.link_allowlist) is not linkcheck.TargetKind.URL


def _title_cell(ctx: IndexContext, row: Row, card: Card) -> Iterator[Diagnostic]:
    if row.link is None or card.title is None or row.link.text == card.title:
        return
    yield ctx.replace(
        "CL501",
        row.link.text_span,
        card.title,
        f"Model is `{row.link.text}` but `{card.rel}` is titled `{card.title}`",
        f"Write `{card.title}`",
    )


@rule(
    "CL502",
    "index-row-without-card",
    "Index row links to a card that does not exist",
    scope="index",
)
def row_without_card(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a row whose model link points into `models/` but not at an existing card.

    ## Why is this bad?
    The row advertises a model the leaderboard has no page for: it was renamed, deleted, or
    written where no card belongs.

    ## Example
    `| [Quarry](../models/basalt-labs/quarry.md) | …` after the card became `quarry-72b.md`.

    ## Fix safety
    No fix: the row may need a new link or no row at all.
    """
    for table, _ in card_tables(ctx):
        for item in listed(ctx, table):
            if item.rel is not None and item.card is None and item.first and item.row.link:
                yield ctx.finding(
                    "CL502",
                    item.row.link.target_span,
                    f"row links to `{item.rel}`, which is not a card",
                )


@rule(
    "CL503",
    "duplicate-index-row",
    "Two rows of one table list the same card",
    fixable=True,
    scope="index",
)
def duplicate_row(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a row that lists, under the card's own title, a card another row of the table
    already lists. Of such rows the one that agrees best with the card stands for it; the
    others are reported.

    ## Why is this bad?
    The model is counted twice: totals, ranks and top-N cut-offs are all off by one.

    ## Example
    Two `| [Gale Next](../models/northwind-ai/gale-next.md) | …` rows in one table.

    ## Fix safety
    Unsafe: the fix deletes the later row, and removing rows is a change of content.
    """
    for table, _ in card_tables(ctx):
        for item in listed(ctx, table):
            if item.rel is not None and not item.first:
                yield ctx.finding(
                    "CL503",
                    item.row.span,
                    f"`{item.rel}` is listed twice" + _other_model(ctx, table, item),
                    _delete_row(ctx, item.row),
                )


def _other_model(ctx: IndexContext, table: Table, item: Listed) -> str:
    """A duplicate whose cells disagree with the card describes another model of that title."""
    if item.card is None:
        return ""
    cells = [c for c in table.header if item.card.expected(c, ctx.config) is not None]
    agree = _agreement(ctx, table, item.row, item.card)
    if agree >= len(cells):
        return ""
    return (
        f"; this row disagrees with the card in {len(cells) - agree} cells: another model "
        "with the same title, whose card was overwritten by this one"
    )


def _delete_row(ctx: IndexContext, row: Row) -> Fix:
    span = ctx.source.span(row.span.start, min(row.span.end + 1, len(ctx.source.text)))
    return Fix("Delete the duplicate row", (Edit(span, ""),), Applicability.UNSAFE)


@rule("CL504", "card-missing-from-index", "A card the page should list is missing", scope="index")
def missing_card(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a card that a page should list but does not: every card of a lab on its lab
    page, every card of a type on its architecture page, every card passing a ranking's
    filter, and for a top-N list every card ranked above its last row.

    ## Why is this bad?
    The model exists but readers browsing the lab, the architecture or the ranking never
    see it.

    ## Example
    `models/basalt-labs/quarry-lite.md` exists but `labs/basalt-labs.md` has no row for it.

    ## Fix safety
    No fix: adding rows is left to the generator or the author.
    """
    for table, spec in card_tables(ctx):
        if spec is None:
            continue
        present = {item.rel for item in listed(ctx, table) if not item.collision}
        members = _members(ctx, spec.members)
        cutoff = _cutoff(ctx, table, spec)
        for card in members:
            if card.rel in present:
                continue
            if cutoff is not None and pages.sort_key(card, spec.key or "", ctx.config) <= cutoff:
                continue
            header = ctx.source.span(table.span.start, table.span.start)
            name = f" ({card.title})" if card.title else ""
            yield ctx.finding("CL504", header, f"`{card.rel}`{name} is not listed")


def _cutoff(ctx: IndexContext, table: Table, spec: pages.TableSpec) -> tuple[int, float] | None:
    if not spec.top or spec.key is None:
        return None
    keys = [
        pages.sort_key(i.card, spec.key, ctx.config)
        for i in listed(ctx, table)
        if i.valid and i.card
    ]
    return min(keys) if keys else None


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
    counts, labs tracked, the README badge and prose, per-lab and per-architecture counts.

    ## Why is this bad?
    A total that disagrees with the cards is the first number readers see, and the first
    sign that the page was not regenerated.

    ## Example
    `**Total Models:** 679` while 674 cards exist.

    ## Fix safety
    Safe: the number is recounted from the cards.
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
        if spec is None:
            continue
        actual = (
            len(ctx.cards.labs()) if spec.members == "labs" else len(_members(ctx, spec.members))
        )
        if count.value.value != actual:
            yield ctx.replace(
                "CL505",
                count.value.span,
                str(actual),
                f"{count.label} is {count.value.raw} but the cards give {actual}",
                f"Write {actual}",
            )
    yield from _entries(ctx)


def _full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


def _entries(ctx: IndexContext) -> Iterator[Diagnostic]:
    for spec in pages.ENTRIES:
        if not pages.matches(spec.page, ctx.page):
            continue
        entries = [e for e in ctx.record.entries if pages.section_matches(spec.section, e.section)]
        counts = _entry_counts(ctx, spec.members)
        for entry in entries:
            key = _entry_key(
                ctx, entry.label.value, entry.link.target if entry.link else None, spec.members
            )
            actual = counts.get(key, 0)
            if entry.value.value != actual:
                yield ctx.replace(
                    "CL505",
                    entry.value.span,
                    str(actual),
                    f"{entry.label.value} has {entry.value.raw} but the cards give {actual}",
                    f"Write {actual}",
                )


def _entry_counts(ctx: IndexContext, members: str) -> Counter[str]:
    if members == "type":
        return Counter(c.record.type.value for c in ctx.cards if c.record.type)
    public = members == "lab-public"
    return Counter(c.lab for c in ctx.cards if not public or c.access == "Public")


def _entry_key(ctx: IndexContext, label: str, target: str | None, members: str) -> str:
    if members == "type" or target is None:
        return label
    return posixpath.splitext(posixpath.basename(split_anchor(target)[0]))[0]


@rule("CL506", "rank-out-of-sequence", "Rank column is not 1, 2, 3, …", fixable=True, scope="index")
def rank_sequence(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks that a table's `Rank` column counts 1, 2, 3, … from its first row.

    ## Why is this bad?
    After rows are added, removed or re-sorted by hand the ranks no longer say where a model
    stands.

    ## Example
    A ranking whose Rank column reads `1, 2, 4, 5` after a row was deleted by hand.

    ## Fix safety
    Safe: ranks are renumbered in row order.
    """
    for table in ctx.record.tables:
        headers = [h.strip().lower() for h in table.header]
        if "rank" not in headers:
            continue
        index = headers.index("rank")
        for number, row in enumerate(table.rows, start=1):
            if index < len(row.cells) and row.cells[index].text != str(number):
                cell = row.cells[index]
                yield ctx.replace(
                    "CL506",
                    cell.span,
                    str(number),
                    f"rank is `{cell.text}` on row {number}",
                    f"Write {number}",
                )


@rule(
    "CL507",
    "index-rows-out-of-order",
    "Index rows are not in the page's order",
    fixable=True,
    scope="index",
)
def rows_order(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Checks that rows follow the page's primary key, descending: ALScore on lab,
    architecture and top pages (`-` last), parameters, MMLU or GPQA on the rankings, release
    date (newest first) on the chronological listing. Rows with equal keys may come in any
    order.

    ## Why is this bad?
    A ranking out of order ranks wrongly; a chronological listing sorted as text (`Sep/2024`
    before `Oct/2025`) is not chronological.

    ## Example
    `Sep/2024` listed before `Aug/2025` on `rankings/by-date.md`.

    ## Fix safety
    Safe: the rows are sorted by the key, keeping their order among equal keys, and no row
    changes.
    """
    for table, spec in card_tables(ctx):
        if spec is None or spec.key is None:
            continue
        items = listed(ctx, table)
        keys = [_row_key(ctx, table, spec.key, i) for i in items]
        known = [(n, k) for n, k in enumerate(keys) if k is not None]
        wrong = next((n for (m, a), (n, b) in itertools.pairwise(known) if b > a), None)
        if wrong is None:
            continue
        # A row whose key neither its card nor its own cell gives cannot be placed.
        sortable = len(known) == len(keys)
        yield _order_finding(ctx, spec, table.rows, keys, wrong, sortable)


_KEY_COLUMNS = {
    "alscore": ("alscore",),
    "params": ("params", "parameters"),
    "MMLU": ("mmlu",),
    "GPQA": ("gpqa",),
    "released": ("released", "date"),
    "ratio": ("ratio",),
}


def _row_key(ctx: IndexContext, table: Table, key: str, item: Listed) -> tuple[int, float] | None:
    """A row's sort key: its card's, or for a row that stands for no card, its own cell's."""
    if item.valid and item.card is not None:
        return pages.sort_key(item.card, key, ctx.config)
    headers = [h.strip().lower() for h in table.header]
    column = next((headers.index(c) for c in _KEY_COLUMNS[key] if c in headers), None)
    if column is None or column >= len(item.row.cells):
        return None
    return pages.cell_key(item.row.cells[column].text, key)


def _name(row: Row) -> str:
    return row.link.text if row.link else row.cells[0].text if row.cells else "?"


def _order_finding(
    ctx: IndexContext,
    spec: pages.TableSpec,
    rows: tuple[Row, ...],
    keys: list[tuple[int, float] | None],
    wrong: int,
    sortable: bool,
) -> Diagnostic:
    what = (
        "this chronological listing is not in date order"
        if spec.chronological
        else f"rows are not sorted by {spec.key}, descending"
    )
    previous = max(n for n in range(wrong) if keys[n] is not None)
    message = f"{what}: `{_name(rows[wrong])}` comes after `{_name(rows[previous])}`"
    if not sortable:
        return ctx.finding(
            "CL507", rows[wrong].span, message + " (not fixable: some rows stand for no card)"
        )
    order = sorted(range(len(rows)), key=lambda n: (-keys[n][0], -keys[n][1], n))  # type: ignore[index]
    text = "\n".join(ctx.text(rows[n].span) for n in order)
    span = ctx.source.span(rows[0].span.start, rows[-1].span.end)
    return ctx.finding(
        "CL507", rows[wrong].span, message, Fix("Sort the rows", (Edit(span, text),))
    )


@rule(
    "CL508",
    "lab-title-mismatch",
    "Lab page title disagrees with its cards' organization",
    fixable=True,
    scope="index",
)
def lab_title(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Compares the `# title` of `labs/{lab}.md` with the organization its cards name.

    ## Why is this bad?
    A lab renamed on its cards but not on its page shows two names for one lab.

    ## Example
    `# Basalt Lab` on `labs/basalt-labs.md` whose cards say `Basalt Labs`.

    ## Fix safety
    Safe: the title is rewritten from the cards.
    """
    if not pages.matches("labs/*.md", ctx.page) or ctx.record.title is None:
        return
    orgs = Counter(
        c.record.organization.value
        for c in ctx.cards.by_lab.get(_stem(ctx), [])
        if c.record.organization
    )
    if not orgs:
        return
    org = orgs.most_common(1)[0][0]
    title = ctx.record.title
    if title.value != org:
        # A bare `#` has no title text to replace: the whole line becomes `# {org}`.
        span, new = (
            (title.span, org)
            if title.value
            else (ctx.source.line_span(title.span.line), f"# {org}")
        )
        yield ctx.replace(
            "CL508",
            span,
            new,
            f"lab page title is `{title.value}` but its cards' organization is `{org}`",
            f"Write `{org}`",
        )


@rule("CL509", "title-slug-collision", "Two titles share one card file", scope="index")
def slug_collision(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a row whose title differs from the title of the card it links to, while both
    titles have the same slug: the row describes another model, whose card the generator
    overwrote with this one (both were written to the same file).

    ## Why is this bad?
    One of the two models has no card at all, and the surviving card may describe either.

    ## Example
    `[Command R](…/command-r.md)` and `[Command-R](…/command-r.md)` in one table.

    ## Fix safety
    No fix: give one model a distinct title (and file), then regenerate.
    """
    for table, _ in card_tables(ctx):
        for item in listed(ctx, table):
            if item.collision and item.row.link is not None:
                title = item.card.title if item.card else "?"
                yield ctx.finding(
                    "CL509",
                    item.row.link.text_span,
                    f"`{item.row.link.text}` and another title share the card "
                    f"`{item.rel}` (now titled `{title}`)",
                )


@rule(
    "CL510",
    "index-row-not-member",
    "Index row lists a card that does not belong there",
    fixable=True,
    scope="index",
)
def row_not_member(ctx: IndexContext) -> Iterator[Diagnostic]:
    """
    ## What it does
    Reports a row for a card that the page must not list: a card of another lab on a lab
    page, of another type on an architecture page, or one that fails a ranking's filter
    (unknown parameters on the parameter ranking, a TBA release on the chronological
    listing, a card without the Reasoning tag on the reasoning ranking).

    ## Why is this bad?
    The page claims a model belongs to a lab, architecture or ranking that its card denies,
    and its counts no longer match its rows.

    ## Example
    `| [Quarry Lite](../models/basalt-labs/quarry-lite.md) | …` on `labs/northwind-ai.md`.

    ## Fix safety
    Unsafe: the fix deletes the row, and removing rows is a change of content.
    """
    for table, spec in card_tables(ctx):
        if spec is None:
            continue
        members = {c.rel for c in _members(ctx, spec.members)}
        for item in listed(ctx, table):
            if item.valid and item.card is not None and item.card.rel not in members:
                yield ctx.finding(
                    "CL510",
                    item.row.span,
                    f"`{item.card.rel}` does not belong "
                    f"on this page ({spec.members.replace('-', ' ')})",
                    _delete_row(ctx, item.row),
                )
