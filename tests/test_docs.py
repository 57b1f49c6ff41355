"""`docs/rules.md` is generated from the registry and must not drift from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardlint import docs
from cardlint.report import REPORTERS
from cardlint.rules import registry

RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_md_equals_the_registry() -> None:
    assert RULES_MD.read_text("utf-8") == docs.rules_markdown(), (
        "docs/rules.md is stale: regenerate it with `python -m cardlint.docs`"
    )


def test_every_rule_has_a_section_and_an_index_row_linking_to_it() -> None:
    text = docs.rules_markdown()
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    rules = registry.all_rules()
    assert headings == [docs.rule_heading(r) for r in rules]
    links = re.findall(r"^\| \[(CL\d{3})\]\(#([^)]+)\)", text, re.MULTILINE)
    assert links == [(r.code, f"{r.code.lower()}-{r.name}") for r in rules]
    assert text.count("\n# ") == 0 and text.startswith("# Rules\n")


def test_demote_leaves_fenced_code_alone() -> None:
    fenced = "```markdown\n# kept\n```\n~~~~\n## kept\n~~~\n## still\n~~~~\n"
    markdown = f"# Title\n\n## Part\n\n{fenced}#tag\n"
    assert docs.demote(markdown) == f"## Title\n\n### Part\n\n{fenced}#tag\n"


def test_main_writes_only_when_the_text_changed(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "rules.md"
    assert docs.main([str(target)]) == 1
    assert target.read_text("utf-8") == docs.rules_markdown()
    assert docs.main([str(target)]) == 0


def test_ci_examples_are_valid_yaml_using_registered_formats() -> None:
    yaml = pytest.importorskip("yaml")
    text = (RULES_MD.parent / "ci.md").read_text("utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict)
    formats = set(re.findall(r"cardlint check --format (\w+)", text))
    assert formats == {"github", "sarif", "junit"} and formats <= set(REPORTERS)
