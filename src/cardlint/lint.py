"""The one-way pipeline for each file: read -> parse -> record -> schema -> rules."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cardlint.config import Config
from cardlint.diagnostics import Diagnostic
from cardlint.discover import Target
from cardlint.linkcheck import LinkResolver
from cardlint.parse.card import parse_card
from cardlint.records import CardRecord, Span
from cardlint.rules import registry
from cardlint.rules.context import CardContext
from cardlint.schema import validate
from cardlint.source import ReadError, Source, read


@dataclass
class FileResult:
    target: Target
    source: Source | None = None
    record: CardRecord | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _at(path: str, line: int, column: int) -> Span:
    return Span(0, 0, line, column, line, column)


def read_error(error: ReadError) -> Diagnostic:
    return Diagnostic(
        error.path, _at(error.path, error.line, error.column), error.code, error.message
    )


def _symlink_escapes(target: Target, root: Path) -> bool:
    if not target.path.is_symlink():
        return False
    # realpath never raises: a loop comes back as a path, and reading it fails as CL901.
    real = Path(os.path.realpath(target.path))
    root = Path(os.path.realpath(root))
    return real != root and root not in real.parents


def load(target: Target, root: Path) -> Source | Diagnostic:
    if _symlink_escapes(target, root):
        return Diagnostic(
            target.display,
            _at(target.display, 1, 1),
            "CL901",
            "symlink points outside the root: not read",
        )
    loaded = read(target.path, target.display)
    return read_error(loaded) if isinstance(loaded, ReadError) else loaded


def lint_file(target: Target, config: Config, resolver: LinkResolver, root: Path) -> FileResult:
    result = FileResult(target)
    if target.kind == "page":
        return result  # index pages are checked by the cross-file rules
    loaded = load(target, root)
    if isinstance(loaded, Diagnostic):
        result.diagnostics.append(loaded)
        return result
    result.source = loaded
    if target.kind == "misplaced":
        result.diagnostics.append(
            Diagnostic(
                target.display,
                _at(target.display, 1, 1),
                "CL108",
                f"markdown file under `models/` is not at `models/<lab>/<slug>.md`: "
                f"`{target.rel}` is neither checked nor listed as a card",
            )
        )
        return result
    result.record, result.diagnostics = lint_source(loaded, target.rel, config, resolver)
    return result


def lint_source(
    source: Source, rel: str, config: Config, resolver: LinkResolver
) -> tuple[CardRecord, list[Diagnostic]]:
    """Parse, validate and check one card held in memory (`rel`: its path under the root)."""
    record, found = parse_card(source, rel)
    incomplete = any(d.code.startswith("CL1") for d in found)
    found += validate(record, source.path, incomplete)
    context = CardContext(source, record, config, resolver)
    for rule in registry.checks():
        assert rule.check is not None
        found.extend(rule.check(context))
    return record, sorted(found, key=Diagnostic.sort_key)


def lint(targets: Iterable[Target], config: Config, root: Path) -> list[FileResult]:
    resolver = LinkResolver(root)
    return [lint_file(t, config, resolver, root) for t in targets]
