"""CL501, CL503, CL508, CL509: what a row, or a lab page title, says about its card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from cardlint import linkcheck, pages
from cardlint.cardindex import Card
from cardlint.diagnostics import Diagnostic
from cardlint.records import Row, Table
from cardlint.rules.context import IndexContext
from cardlint.rules.crossfile import (
    Listed,
    agreement,
    card_tables,
    delete_row,
    listed,
    page_stem,
    reported_here,
)
from cardlint.rules.registry import rule


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
    parameters, tokens, ALScore (as the card states it, without the tier), ratio, benchmark scores,
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
            if item.rel is None or item.first:
                continue
            other = _other_model(ctx, table, item)
            if not other:
                yield ctx.finding(
                    "CL503",
                    item.row.span,
                    f"`{item.rel}` is listed twice",
                    delete_row(ctx, item.row),
                )
            elif item.card is not None and reported_here(ctx, item.card):
                # Two models written to one file: one cause, reported on the lab page only;
                # deleting the row would drop the model that lost its card.
                yield ctx.finding("CL503", item.row.span, f"`{item.rel}` is listed twice{other}")


def _other_model(ctx: IndexContext, table: Table, item: Listed) -> str:
    """A duplicate whose cells disagree with the card describes another model of that title."""
    if item.card is None:
        return ""
    cells = [c for c in table.header if item.card.expected(c, ctx.config) is not None]
    agree = agreement(ctx, table, item.row, item.card)
    if agree >= len(cells):
        return ""
    return (
        f"; this row disagrees with the card in {len(cells) - agree} cells: another model "
        "with the same title, whose card was overwritten by this one"
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
            if item.collision and item.row.link is not None and _reported(ctx, item):
                title = item.card.title if item.card else "?"
                yield ctx.finding(
                    "CL509",
                    item.row.link.text_span,
                    f"`{item.row.link.text}` and another title share the card "
                    f"`{item.rel}` (now titled `{title}`)",
                )


def _reported(ctx: IndexContext, item: Listed) -> bool:
    return item.card is None or reported_here(ctx, item.card)


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
        for c in ctx.cards.by_lab.get(page_stem(ctx), [])
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
