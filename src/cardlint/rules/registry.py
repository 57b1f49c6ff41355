"""The rule registry: one entry per code, documentation kept beside the check."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from cardlint.diagnostics import Diagnostic, Severity

Check = Callable[[Any], Iterable[Diagnostic]]  # takes the context of its scope
SECTIONS = ("What it does", "Why is this bad?", "Example", "Fix safety")
_CODE = re.compile(r"CL\d{3}")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    doc: dict[str, str]  # section title -> markdown body, in SECTIONS order
    fixable: bool
    severity: Severity
    check: Check | None  # None: emitted by the reader, parser or schema, not by a check
    scope: str = "card"  # "card", "index" (index pages) or "page" (every markdown page)

    @property
    def family(self) -> str:
        return {
            "1": "structure",
            "2": "schema",
            "3": "derived",
            "4": "links",
            "5": "cross-file",
            "9": "unreadable",
        }[self.code[2]]

    def markdown(self) -> str:
        parts = [f"# {self.code} `{self.name}`", "", self.summary, ""]
        fix = "always" if self.fixable else "never"
        parts += [f"Default severity: {self.severity.value}. Fix available: {fix}.", ""]
        for title in SECTIONS:
            parts += [f"## {title}", "", self.doc[title], ""]
        return "\n".join(parts).rstrip() + "\n"


_RULES: dict[str, Rule] = {}
F = TypeVar("F", bound=Check)


def parse_doc(text: str) -> dict[str, str]:
    """Split a docstring into its `## Section` bodies."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in inspect.cleandoc(text).splitlines():
        if line.startswith("## "):
            if current:
                sections[current] = "\n".join(lines).strip()
            current, lines = line[3:].strip(), []
        elif current:
            lines.append(line)
    if current:
        sections[current] = "\n".join(lines).strip()
    missing = [title for title in SECTIONS if not sections.get(title)]
    if missing:
        raise ValueError(f"rule documentation lacks sections: {', '.join(missing)}")
    return {title: sections[title] for title in SECTIONS}


def _add(rule: Rule) -> None:
    if not _CODE.fullmatch(rule.code) or not _NAME.fullmatch(rule.name):
        raise ValueError(f"bad rule code or name: {rule.code} {rule.name}")
    if rule.code in _RULES:
        raise ValueError(f"rule {rule.code} registered twice")
    _RULES[rule.code] = rule


def rule(
    code: str,
    name: str,
    summary: str,
    *,
    fixable: bool = False,
    severity: Severity = Severity.ERROR,
    scope: str = "card",
) -> Callable[[F], F]:
    """Register a check; its docstring holds the documentation sections."""

    def register(check: F) -> F:
        doc = parse_doc(check.__doc__ or "")
        _add(Rule(code, name, summary, doc, fixable, severity, check, scope))
        return check

    return register


def declare(
    code: str,
    name: str,
    summary: str,
    doc: str,
    *,
    fixable: bool = False,
    severity: Severity = Severity.ERROR,
) -> None:
    """Register a code that the reader, parser or schema emits directly."""
    _add(Rule(code, name, summary, parse_doc(doc), fixable, severity, None))


def all_rules() -> list[Rule]:
    _load()
    return [_RULES[code] for code in sorted(_RULES)]


def get(code: str) -> Rule | None:
    _load()
    return _RULES.get(code.upper())


def checks(*scopes: str) -> Iterator[Rule]:
    """The rules with a check, of the given scopes (all when none are given)."""
    return (r for r in all_rules() if r.check is not None and (not scopes or r.scope in scopes))


def _load() -> None:
    # Importing the family modules runs their @rule decorators once.
    from cardlint.rules import (  # noqa: F401, PLC0415
        crossfile,
        derived,
        index_cells,
        index_counts,
        index_order,
        index_rows,
        links,
        parsing,
        suppression,
    )


def markdown_table() -> str:
    """The rule table of the README, generated so that it cannot drift."""
    rows = ["| Code | Name | Fix | Severity | Summary |", "|---|---|---|---|---|"]
    for r in all_rules():
        fix = "yes" if r.fixable else ""
        rows.append(f"| {r.code} | `{r.name}` | {fix} | {r.severity.value} | {r.summary} |")
    return "\n".join(rows) + "\n"
