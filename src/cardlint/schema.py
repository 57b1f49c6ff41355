"""The packaged JSON Schema; every violation becomes a CL2xx finding at its field."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from cardlint.diagnostics import Diagnostic
from cardlint.export import Pointer, Positions, to_data
from cardlint.records import CardRecord, Span

SCHEMA_NAME = "model-card.schema.json"

_CODES = {
    "required": "CL201",
    "type": "CL202",
    "minimum": "CL203",
    "maximum": "CL203",
    "exclusiveMinimum": "CL203",
    "exclusiveMaximum": "CL203",
    "maxItems": "CL203",
    "minItems": "CL203",
    "enum": "CL204",
    "const": "CL204",
    "pattern": "CL205",
    "minLength": "CL205",
    "maxLength": "CL205",
    "format": "CL206",
}


def schema_text() -> str:
    """The schema as shipped: package data when installed, the repository copy otherwise."""
    packaged = resources.files("cardlint") / "schemas" / SCHEMA_NAME
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # An editable install or a plain checkout: the one source under schemas/.
    return (Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME).read_text(
        encoding="utf-8"
    )


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # noqa: PLC0415  (import cost deferred)

    schema = json.loads(schema_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(record: CardRecord, display: str, incomplete: bool) -> list[Diagnostic]:
    """All schema errors of one record. `incomplete`: the parser already reported gaps."""
    data, where = to_data(record)
    found = []
    for error in _validator().iter_errors(data):
        if error.validator == "required" and incomplete:
            continue  # the parser's CL1xx finding already names the missing line
        path: Pointer = tuple(error.absolute_path)
        code = _CODES.get(str(error.validator), "CL207")
        message = f"{_field_name(path)}: {_message(error)}"
        found.append(Diagnostic(display, _span(where, path), code, message))
    return found


def _span(where: Positions, path: Pointer) -> Span:
    for cut in range(len(path), 0, -1):
        if path[:cut] in where:
            return where[path[:cut]]
    return Span(0, 0, 1, 1, 1, 1)


def _field_name(path: Pointer) -> str:
    return "/".join(str(p) for p in path) or "card"


def _message(error: Any) -> str:
    if error.validator == "format":
        return f"{error.instance!r} is not a real calendar date"
    if error.validator == "pattern" and "description" in error.schema:
        return f"{error.instance!r} is not {error.schema['description']}"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    return str(error.message)
