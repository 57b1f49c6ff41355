"""Which rows of an index page list which cards: what every CL5xx rule starts from."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from cardlint import derive, linkcheck, pages
from cardlint.cardindex import Card, nfc
from cardlint.diagnostics import Applicability, Edit, Fix
from cardlint.linkcheck import split_anchor
from cardlint.records import Row, Table
from cardlint.rules.context import IndexContext


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


def row_target(ctx: IndexContext, row: Row) -> str | None:
    if row.link is None or "://" in row.link.target:
        return None
    path = split_anchor(row.link.target)[0]
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.record.path), path))
    return nfc(joined)


def is_card_link(rel: str | None, ctx: IndexContext) -> bool:
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
    targets = [row_target(ctx, row) for row in table.rows]
    cards = [ctx.cards.get(t) if is_card_link(t, ctx) and t else None for t in targets]
    collisions = [
        _collides(r.link.text if r.link else "", c) for r, c in zip(table.rows, cards, strict=True)
    ]
    best: dict[str, int] = {}
    for n, (rel, card) in enumerate(zip(targets, cards, strict=True)):
        if rel is None or not is_card_link(rel, ctx) or collisions[n]:
            continue
        if rel not in best or (
            card
            and agreement(ctx, table, table.rows[n], card)
            > agreement(ctx, table, table.rows[best[rel]], card)
        ):
            best[rel] = n
    result = []
    for n, row in enumerate(table.rows):
        rel = targets[n] if is_card_link(targets[n], ctx) else None
        first = collisions[n] or (rel is not None and best.get(rel) == n)
        result.append(Listed(row, rel, cards[n], first, collisions[n]))
    return result


def agreement(ctx: IndexContext, table: Table, row: Row, card: Card) -> int:
    """How many cells of the row say what the card says."""
    agree = 0
    for column, cell in zip(table.header, row.cells, strict=False):
        expected = card.expected(column, ctx.config)
        # The Model cell is a link: its text is what names the card.
        text = row.link.text if row.link and column.strip().lower() == "model" else cell.text
        agree += expected is not None and text in expected
    return agree


def _collides(title: str, card: Card | None) -> bool:
    """Another title with the card's slug: the generator wrote both models to one file."""
    if card is None or card.title is None or title == card.title:
        return False
    return derive.slug(title) == derive.slug(card.title)


def card_tables(ctx: IndexContext) -> Iterator[tuple[Table, pages.TableSpec | None]]:
    """Tables whose rows link to cards, with the spec that describes them."""
    for table in ctx.record.tables:
        if not any(is_card_link(row_target(ctx, row), ctx) for row in table.rows):
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


def page_stem(ctx: IndexContext) -> str:
    return posixpath.splitext(posixpath.basename(ctx.page))[0]


def members_of(ctx: IndexContext, name: str) -> list[Card]:
    stem = page_stem(ctx)
    key = (name, stem if name.startswith("lab") or name == "type" else "")
    if key not in ctx.cards.memo:
        member = pages.MEMBERS[name]
        pool = ctx.cards.by_lab.get(stem, []) if name.startswith("lab") else ctx.cards
        ctx.cards.memo[key] = [c for c in pool if member(c, stem, ctx.config)]
    return ctx.cards.memo[key]


def delete_row(ctx: IndexContext, row: Row) -> Fix:
    span = ctx.source.span(row.span.start, min(row.span.end + 1, len(ctx.source.text)))
    return Fix("Delete the duplicate row", (Edit(span, ""),), Applicability.UNSAFE)


def row_name(row: Row) -> str:
    return row.link.text if row.link else row.cells[0].text if row.cells else "?"


def reported_here(ctx: IndexContext, card: Card) -> bool:
    """Whether a defect of the card's file itself (two models written to it) is reported on
    this page: on the card's lab page, or on every page listing it when its lab has none.

    Every page listing the two models shows the same defect; its cause is one file.
    """
    if ctx.page == f"labs/{card.lab}.md":
        return True
    lab_page = posixpath.join(ctx.cards.base, "labs", f"{card.lab}.md")
    return ctx.resolver.real_path(lab_page)[0] is not linkcheck.Status.OK
