"""CL506, CL507: ranks and row order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from cardlint import pages
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.records import Row, Table
from cardlint.rules.context import IndexContext
from cardlint.rules.crossfile import (
    Listed,
    card_tables,
    listed,
    row_name,
)
from cardlint.rules.registry import rule


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
        if "rank" in headers:
            yield from _ranks(ctx, table, headers.index("rank"))


def _ranks(ctx: IndexContext, table: Table, index: int) -> Iterator[Diagnostic]:
    """One finding per table, at its first wrong rank: one inserted or deleted row puts
    every rank after it off, and that is one defect."""
    wrong = [
        (number, row.cells[index])
        for number, row in enumerate(table.rows, start=1)
        if index < len(row.cells) and row.cells[index].text != str(number)
    ]
    if not wrong:
        return
    number, cell = wrong[0]
    more = len(wrong) - 1
    tail = f"; {more} later {'row is' if more == 1 else 'rows are'} off too" if more else ""
    edits = tuple(Edit(c.span, str(n)) for n, c in wrong)
    yield ctx.finding(
        "CL506",
        cell.span,
        f"rank is `{cell.text}` on row {number}, expected {number}{tail}",
        Fix("Renumber the ranks" if more else f"Write {number}", edits),
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
    """A row's sort key as displayed: its own cell where that says what its card says (rows
    that tie as shown may come in any order), else its card's; for a row that stands for no
    card, its cell's."""
    headers = [h.strip().lower() for h in table.header]
    column = next((headers.index(c) for c in _KEY_COLUMNS[key] if c in headers), None)
    cell = item.row.cells[column] if column is not None and column < len(item.row.cells) else None
    if item.valid and item.card is not None:
        expected = item.card.expected(headers[column], ctx.config) if column is not None else None
        if cell is not None and expected is not None and cell.text in expected:
            shown = pages.cell_key(cell.text, key)
            if shown is not None:
                return shown
        return pages.sort_key(item.card, key, ctx.config)
    return None if cell is None else pages.cell_key(cell.text, key)


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
    message = f"{what}: `{row_name(rows[wrong])}` comes after `{row_name(rows[previous])}`"
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
