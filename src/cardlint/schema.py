"""The packaged JSON Schema; every violation becomes a CL2xx finding at its field."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Error:
    path: Pointer
    validator: str
    message: str


@lru_cache(maxsize=1)
def _validators() -> tuple[Any, dict[str, Any]]:
    """A validator for the record's shell, and one per property.

    The schema has no keyword that relates two properties, so each property can be
    validated alone, and most values (a type, a formula, a lab link) repeat from card
    to card: validating each distinct value once is what makes a whole tree cheap.
    """
    from jsonschema import Draft202012Validator  # noqa: PLC0415  (import cost deferred)

    schema = json.loads(schema_text())
    checker = Draft202012Validator.FORMAT_CHECKER
    shell = {k: v for k, v in schema.items() if k != "properties"}
    defs = {"$defs": schema.get("$defs", {})}
    per_property = {
        key: Draft202012Validator({**defs, **sub}, format_checker=checker)
        for key, sub in schema.get("properties", {}).items()
    }
    return Draft202012Validator(shell, format_checker=checker), per_property


def _property_errors(key: str, value_json: str) -> tuple[_Error, ...]:
    # Free text (notes, titles) never repeats: memoising it would only hold memory.
    if len(value_json) > 120:
        return _errors_of(key, value_json)
    return _memoised_errors(key, value_json)


@lru_cache(maxsize=4096)
def _memoised_errors(key: str, value_json: str) -> tuple[_Error, ...]:
    return _errors_of(key, value_json)


def _errors_of(key: str, value_json: str) -> tuple[_Error, ...]:
    validator = _validators()[1].get(key)
    if validator is None:
        return ()
    return tuple(
        _Error((key, *e.absolute_path), str(e.validator), _message(e))
        for e in validator.iter_errors(json.loads(value_json))
    )


def _errors(data: dict[str, Any]) -> list[_Error]:
    shell, _ = _validators()
    found = [
        _Error(tuple(e.absolute_path), str(e.validator), _message(e))
        for e in shell.iter_errors(data)
    ]
    for key, value in data.items():
        found.extend(_property_errors(key, json.dumps(value, sort_keys=True)))
    return found


def validate(record: CardRecord, display: str, incomplete: bool) -> list[Diagnostic]:
    """All schema errors of one record. `incomplete`: the parser already reported gaps."""
    data, where = to_data(record)
    # Links are checked by the CL4xx rules; validating them here only costs time.
    data.pop("links", None)
    found = []
    for error in _errors(data):
        if error.validator == "required" and incomplete:
            continue  # the parser's CL1xx finding already names the missing line
        code = _CODES.get(error.validator, "CL207")
        message = f"{_field_name(error.path)}: {error.message}"
        found.append(Diagnostic(display, _span(where, error.path), code, message))
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
