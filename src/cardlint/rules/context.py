"""What a card rule sees: the parsed card and the read-only world around it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cardlint import linkcheck
from cardlint.config import Config
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.linkcheck import LinkResolver, Resolution, TargetKind
from cardlint.records import CardRecord, Link, Span
from cardlint.rules.registry import get
from cardlint.source import Source


@dataclass(frozen=True)
class CardContext:  # not slotted: cached_property needs __dict__
    source: Source
    record: CardRecord
    config: Config
    resolver: LinkResolver

    @functools.cached_property
    def path_links(self) -> tuple[tuple[Link, Resolution, str | None], ...]:
        """Every path link of the card, where it lands and its anchor (shared by rules)."""
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
