"""CL502, CL504, CL510: which cards a page lists, and which it should."""

from __future__ import annotations

from collections.abc import Iterator

from cardlint import pages
from cardlint.diagnostics import Diagnostic
from cardlint.records import Table
from cardlint.rules.context import IndexContext
from cardlint.rules.crossfile import (
    card_tables,
    delete_row,
    listed,
    members_of,
)
from cardlint.rules.registry import rule


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
        members = members_of(ctx, spec.members)
        cutoff = _cutoff(ctx, table, spec)
        for card in members:
            if card.rel in present:
                continue
            if cutoff is not None and card.disputed(ctx.config):
                continue  # its rank is open until its own CL301/CL304 is fixed
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
        members = {c.rel for c in members_of(ctx, spec.members)}
        for item in listed(ctx, table):
            if item.valid and item.card is not None and item.card.rel not in members:
                yield ctx.finding(
                    "CL510",
                    item.row.span,
                    f"`{item.card.rel}` does not belong "
                    f"on this page ({spec.members.replace('-', ' ')})",
                    delete_row(ctx, item.row),
                )
