"""What a card rule sees: the parsed card and the read-only world around it."""

from __future__ import annotations

from dataclasses import dataclass

from cardlint.config import Config
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.linkcheck import LinkResolver
from cardlint.records import CardRecord, Span
from cardlint.rules.registry import get
from cardlint.source import Source


@dataclass(frozen=True)
class CardContext:
    source: Source
    record: CardRecord
    config: Config
    resolver: LinkResolver

    def text(self, span: Span) -> str:
        return self.source.text[span.start : span.end]

    def finding(self, code: str, span: Span, message: str, fix: Fix | None = None) -> Diagnostic:
        rule = get(code)
        assert rule is not None, code
        return Diagnostic(self.source.path, span, code, message, rule.severity, fix)

    def replace(self, code: str, span: Span, new: str, message: str, title: str) -> Diagnostic:
        """A finding whose safe fix writes `new` over exactly `span`."""
        return self.finding(code, span, message, Fix(title, (Edit(span, new),)))
