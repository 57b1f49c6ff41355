"""The registry: one documented unit per rule, and a README that agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardlint.rules import registry

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_rule_is_fully_documented(rule: registry.Rule) -> None:
    assert re.fullmatch(r"CL[1-59]\d\d", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert not rule.name.startswith("check")
    assert rule.summary and not rule.summary.endswith(".")
    assert list(rule.doc) == list(registry.SECTIONS)
    assert all(len(body) > 20 for body in rule.doc.values())
    assert rule.markdown().startswith(f"# {rule.code} `{rule.name}`")


def test_codes_and_names_are_unique() -> None:
    rules = registry.all_rules()
    assert len({r.name for r in rules}) == len(rules)


def test_a_doc_without_its_sections_is_refused() -> None:
    with pytest.raises(ValueError, match="Fix safety"):
        registry.parse_doc("## What it does\nx\n## Why is this bad?\ny\n## Example\nz\n")


def test_readme_rule_table_equals_the_registry() -> None:
    text = README.read_text("utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    table = text[text.index(start) + len(start) : text.index(end)]
    assert table.strip() == registry.markdown_table().strip(), (
        "README rule table is stale: paste `python -c 'from cardlint.rules.registry import "
        "markdown_table; print(markdown_table())'`"
    )
