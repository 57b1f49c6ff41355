"""What rules produce: located findings carrying their fixes as data."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cardlint.records import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the characters of `span` (LF-normalised text) by `text`."""

    span: Span
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Diagnostic:
    path: str
    span: Span
    code: str
    message: str
    severity: Severity = Severity.ERROR
    fix: Fix | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)
