"""The packaged schema: one source, every error located and coded."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cardlint.parse.card import parse_card
from cardlint.records import CardRecord, Located, Span
from cardlint.schema import SCHEMA_NAME, schema_text, validate
from cardlint.source import from_text

from .conftest import CARDS

REPO_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / SCHEMA_NAME
PLAIN = CARDS / "models" / "tidewater-ai" / "plain-dense-12b.md"


def test_installed_package_reads_the_repository_schema() -> None:
    assert schema_text() == REPO_SCHEMA.read_text("utf-8")


def test_schema_ships_as_package_data_when_installed() -> None:
    packaged = resources.files("cardlint") / "schemas" / SCHEMA_NAME
    if not packaged.is_file():
        pytest.skip("editable install: the package reads schemas/ directly")
    assert packaged.read_text("utf-8") == REPO_SCHEMA.read_text("utf-8")


def test_schema_is_valid_2020_12() -> None:
    Draft202012Validator.check_schema(json.loads(schema_text()))


def _record(text: str) -> CardRecord:
    record, diagnostics = parse_card(from_text("x.md", text), "models/tidewater-ai/x.md")
    assert not diagnostics
    return record


def test_all_errors_are_reported_at_their_fields() -> None:
    text = PLAIN.read_text("utf-8").replace("**Last Updated:** 2025", "**Last Updated:** 2025")
    lines = text.split("\n")
    lines[5] = "**Released:** Jan/1899"
    text = "\n".join(lines).replace("- **Type:** Dense", "- **Type:** Sparse")
    found = validate(_record(text), "x.md", incomplete=False)
    by_code = {d.code: d.span.line for d in found}
    assert by_code == {"CL205": 6, "CL204": 18}


def test_required_and_type_errors_map_to_codes() -> None:
    record = _record(PLAIN.read_text("utf-8"))
    span = Span(0, 4, 1, 1, 1, 5)
    broken = CardRecord(
        **{**record.__dict__, "title": None, "released": Located(2024, "2024", span)}
    )  # type: ignore[arg-type]
    found = {d.code: d for d in validate(broken, "x.md", incomplete=False)}
    assert set(found) == {"CL201", "CL202"}
    assert "title" in found["CL201"].message
    assert found["CL202"].span.line == 1
    assert validate(broken, "x.md", incomplete=True)[0].code == "CL202"


def test_real_calendar_dates() -> None:
    text = PLAIN.read_text("utf-8")
    good = validate(_record(text), "x.md", incomplete=False)
    assert good == []
    bad = text.replace("**Last Updated:** ", "**Last Updated:** 2023-02-29", 1)
    bad = "\n".join(
        line if not line.startswith("**Last Updated:**") else "**Last Updated:** 2023-02-29"
        for line in text.split("\n")
    )
    (finding,) = validate(_record(bad), "x.md", incomplete=False)
    assert finding.code == "CL206" and "calendar" in finding.message
