"""Shared test helpers: fixture expectations, in-process CLI runs."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result

from cardlint.cli import cli

_EXPECT = re.compile(r"<!-- expect: (?P<body>.*?) -->")


def expectations(path: Path) -> set[tuple[str, int]]:
    """`<!-- expect: CL301@21, CL303@21 -->` -> {("CL301", 21), ("CL303", 21)}."""
    match = _EXPECT.search(path.read_bytes().decode("utf-8-sig"))
    assert match, f"{path} has no expect comment"
    body = match["body"].strip()
    if body == "none":
        return set()
    pairs = (item.strip().split("@") for item in body.split(","))
    return {(code, int(line)) for code, line in pairs}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)
