"""Reporters: findings -> text for a terminal, a file or a CI system."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

from cardlint.report.model import Report

Reporter = Callable[[Report], str]


class _Reporters(Mapping[str, Reporter]):
    """Format name -> render function; a reporter's module is imported when first used,
    so a terminal run does not pay for the XML or SARIF machinery."""

    _MODULES: ClassVar[dict[str, str]] = {
        "text": "text",
        "json": "jsonout",
        "github": "github",
        "sarif": "sarif",
        "junit": "junit",
    }

    def __getitem__(self, name: str) -> Reporter:
        module = importlib.import_module(f"cardlint.report.{self._MODULES[name]}")
        render: Reporter = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)


REPORTERS: Mapping[str, Reporter] = _Reporters()
