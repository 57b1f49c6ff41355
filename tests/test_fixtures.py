"""Every fixture card yields exactly the (code, line) findings written in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardlint.rules import registry

from .conftest import CARDS
from .helpers import expectations, run

FIXTURE_CARDS = sorted((CARDS / "models").rglob("*.md"))


@pytest.fixture(scope="module")
def findings() -> dict[str, set[tuple[str, int]]]:
    result = run("check", "--format", "json", "--root", str(CARDS), str(CARDS / "models"))
    assert result.exit_code == 1, result.output
    found: dict[str, set[tuple[str, int]]] = {}
    for d in json.loads(result.output)["diagnostics"]:
        key = Path(d["path"]).resolve().relative_to(CARDS.resolve()).as_posix()
        found.setdefault(key, set()).add((d["code"], d["line"]))
    return found


@pytest.mark.parametrize("card", FIXTURE_CARDS, ids=lambda p: p.relative_to(CARDS).as_posix())
def test_fixture_findings(card: Path, findings: dict[str, set[tuple[str, int]]]) -> None:
    key = card.relative_to(CARDS).as_posix()
    assert findings.get(key, set()) == expectations(card)


INDEX_FIXTURES = sorted((CARDS.parent / "index").rglob("*.md"))


def _expected_codes() -> dict[str, list[Path]]:
    """Codes expected by the card fixtures and by the multi-file index fixtures."""
    by_code: dict[str, list[Path]] = {}
    for card in FIXTURE_CARDS + [p for p in INDEX_FIXTURES if "<!-- expect:" in p.read_text()]:
        for code, _ in expectations(card):
            by_code.setdefault(code, []).append(card)
    return by_code


# Codes that a parsed card cannot produce; each has its own unit test instead.
UNIT_TESTED = {
    "CL201": "test_schema.py::test_required_and_type_errors_map_to_codes",
    "CL202": "test_schema.py::test_required_and_type_errors_map_to_codes",
    "CL109": "test_suppress.py::test_fixture_findings_and_fix",
    "CL110": "test_suppress.py::test_fixture_findings_and_fix",
    "CL901": "test_source.py",
    "CL902": "test_source.py",
    "CL903": "test_source.py",
    "CL904": "test_source.py",
}


@pytest.mark.parametrize("rule", registry.all_rules(), ids=lambda r: r.code)
def test_every_rule_has_a_triggering_and_a_clean_fixture(rule: registry.Rule) -> None:
    by_code = _expected_codes()
    if rule.code in UNIT_TESTED:
        return
    assert by_code.get(rule.code), f"no fixture triggers {rule.code}"
    clean = [c for c in FIXTURE_CARDS if rule.code not in {code for code, _ in expectations(c)}]
    assert len(clean) >= 10, f"too few fixtures on which {rule.code} must stay silent"


def test_clean_fixture_set_covers_the_layout_variants() -> None:
    clean = [c for c in FIXTURE_CARDS if not expectations(c)]
    texts = [c.read_bytes() for c in clean]
    assert len(clean) >= 15
    assert any(t.startswith(b"\xef\xbb\xbf") for t in texts)
    assert any(b"\r\n" in t for t in texts)
    assert any(b"- **Parameters:** -B" in t for t in texts)
