"""What a rule sees: the parsed page and the read-only world around it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from cardlint import linkcheck
from cardlint.cardindex import CardIndex
from cardlint.config import Config
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.linkcheck import LinkResolver, Resolution, TargetKind
from cardlint.records import CardRecord, IndexPage, Link, Span
from cardlint.rules.registry import get
from cardlint.source import Source


@dataclass(frozen=True)
class PageContext:  # not slotted: cached_property needs __dict__
    """Any markdown page: its links and headings."""

    source: Source
    record: CardRecord | IndexPage
    config: Config
    resolver: LinkResolver
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    @functools.cached_property
    def path_links(self) -> tuple[tuple[Link, Resolution, str | None], ...]:
        """Every path link of the page, where it lands and its anchor (shared by rules)."""
        found = []
        for link in self.record.links:
            if linkcheck.classify(link.target, self.config.link_allowlist) is TargetKind.PATH:
                path, anchor = linkcheck.split_anchor(link.target)
                found.append((link, self.resolver.resolve(self.record.path, path), anchor))
        return tuple(found)

    def text(self, span: Span) -> str:
        return self.source.text[span.start : span.end]

    def finding(self, code: str, span: Span, message: str, fix: Fix | None = None) -> Diagnostic:
        rule = get(code)
        assert rule is not None, code
        return Diagnostic(self.source.path, span, code, message, rule.severity, fix)

    def replace(self, code: str, span: Span, new: str, message: str, title: str) -> Diagnostic:
        """A finding whose safe fix writes `new` over exactly `span`."""
        return self.finding(code, span, message, Fix(title, (Edit(span, new),)))


@dataclass(frozen=True)
class CardContext(PageContext):
    record: CardRecord


@dataclass(frozen=True)
class IndexContext(PageContext):
    """An index page, with every card of its leaderboard to compare against."""

    record: IndexPage
    cards: CardIndex
    page: str  # path relative to the leaderboard folder, e.g. `labs/meta-ai.md`
