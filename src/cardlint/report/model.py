"""What every reporter receives."""

from __future__ import annotations

from dataclasses import dataclass

from cardlint.diagnostics import Diagnostic


@dataclass(frozen=True)
class Report:
    files: int
    diagnostics: tuple[Diagnostic, ...]
    # The files checked, as displayed; empty when the caller does not say (JUnit lists them).
    checked: tuple[str, ...] = ()

    @property
    def fixable(self) -> int:
        return sum(1 for d in self.diagnostics if d.fixable)
