"""Reporters: findings -> text for a terminal, a file or a CI system."""

from __future__ import annotations

from collections.abc import Callable

from cardlint.report import github, jsonout, junit, sarif, text
from cardlint.report.model import Report

Reporter = Callable[[Report], str]
REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": jsonout.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
