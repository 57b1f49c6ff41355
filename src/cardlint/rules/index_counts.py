"""CL505: every number an index page states, recounted from the cards."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator

from cardlint import pages
from cardlint.diagnostics import Diagnostic
from cardlint.linkcheck import split_anchor
from cardlint.rules.context import IndexContext
from cardlint.rules.crossfile import (
    members_of,
)
from cardlint.rules.registry import rule


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
            len(ctx.cards.labs()) if spec.members == "labs" else len(members_of(ctx, spec.members))
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
