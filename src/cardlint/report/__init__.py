"""Reporters: findings -> text for a terminal, a file or a CI system."""

from __future__ import annotations

from collections.abc import Callable

from cardlint.report import jsonout, text
from cardlint.report.model import Report

Reporter = Callable[[Report], str]
REPORTERS: dict[str, Reporter] = {"text": text.render, "json": jsonout.render}
