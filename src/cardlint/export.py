"""CardRecord -> plain JSON data, with the span of every value kept beside it."""

from __future__ import annotations

import math
import re
from typing import Any

from cardlint import derive
from cardlint.records import CardRecord, Located, Span

Pointer = tuple[str | int, ...]
Positions = dict[Pointer, Span]

_SCALARS = (
    "title",
    "organization",
    "organization_link",
    "released",
    "access",
    "access_emoji",
    "type",
    "overview",
    "ratio",
    "verdict",
    "alscore",
    "tier",
    "formula",
    "notes",
    "related_org",
    "last_updated",
)


def to_data(record: CardRecord) -> tuple[dict[str, Any], Positions]:
    """The record as JSON data (missing fields omitted) and each value's span."""
    data: dict[str, Any] = {"path": record.path}
    where: Positions = {}

    def put(key: str, located: Located[Any] | None, value: Any = None) -> None:
        if located is not None:
            data[key] = located.value if value is None else value
            where[(key,)] = located.span

    for name in _SCALARS:
        put(name, getattr(record, name))
    if record.alscore is not None and record.tier is None:
        data["tier"] = None
    for name in ("params", "tokens"):
        located = getattr(record, name)
        if located is not None:
            data[name] = located.value
            data[name + "_raw"] = located.raw
            where[(name,)] = where[(name + "_raw",)] = located.span
    for name in ("tagline", "dataset", "tags"):
        located = getattr(record, name)
        put(name, located, list(located.value) if located else None)
    _lists(record, data, where)
    return data, where


def _lists(record: CardRecord, data: dict[str, Any], where: Positions) -> None:
    if record.benchmarks:
        data["benchmarks"] = {b.name: b.score.value for b in record.benchmarks}
        for bench in record.benchmarks:
            where[("benchmarks", bench.name)] = bench.score.span
        where[("benchmarks",)] = record.benchmarks[0].row
    data["analysis"] = [a.value for a in record.analysis]
    for index, line in enumerate(record.analysis):
        where[("analysis", index)] = line.span
    data["resources"] = [
        {"kind": r.kind, "text": r.text, "target": r.target.value} for r in record.resources
    ]
    for index, res in enumerate(record.resources):
        where[("resources", index)] = res.line
        where[("resources", index, "target")] = res.target.span
    for name in ("profile_link", "architecture_link"):
        link = getattr(record, name)
        if link is not None:
            data[name] = link.target
            where[(name,)] = link.target_span
    data["links"] = [
        {"text": k.text, "target": k.target, "line": k.span.line, "column": k.span.column}
        for k in record.links
    ]


def extracted(record: CardRecord) -> dict[str, Any]:
    """The record as `cardlint extract` writes it: `to_data` with every number finite.

    A score of hundreds of digits parses to infinity, which JSON cannot carry. It is
    written as the text the card holds (a string where a number belongs), not as null:
    null would claim the card reports no score, and the text is what the card says.
    `check` reports the value as out of range either way. `to_data` itself keeps the
    infinity: the schema check needs the number to say what is wrong with it."""
    data, _ = to_data(record)
    raw = {b.name: b.score.raw for b in record.benchmarks}
    for key, value in data.items():
        if key == "benchmarks":
            data[key] = {name: _finite(v, raw[name]) for name, v in value.items()}
        else:
            data[key] = _finite(value, data.get(f"{key}_raw"))
    return data


def _finite(value: Any, text: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return text
    if isinstance(value, list):
        return [_finite(item, None) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item, None) for key, item in value.items()}
    return value


def flat_row(data: dict[str, Any]) -> dict[str, Any]:
    """One CSV row of `extracted` data, typed for a spreadsheet or a data frame.

    Numbers are numbers, with their unit in the header: `params_b` and `tokens_b` (billions),
    `tokens_per_param` (the `N` of the ratio `N:1`), `alscore`; `released` is ISO `YYYY-MM`.
    A value the card does not give (`-`, `TBA`) is an empty cell; one that does not parse
    keeps the card's text, which `check` reports. Benchmark columns hold the scores as the
    card writes them. Lists are joined by `, `; `links` holds every link of the card as
    `text <target>`, joined by ` | `.
    """
    row: dict[str, Any] = {}
    for key, value in data.items():
        if key in {"links", "resources", "analysis"}:
            continue
        if key == "benchmarks":
            row.update({name: "" if v is None else v for name, v in value.items()})
        elif isinstance(value, list):
            row[key] = ", ".join(map(str, value))
        else:
            row[key] = "" if value is None else value
    row.update(_typed(data))
    for res in data.get("resources", []):
        row["try_url" if res["kind"] == "try" else "docs_url"] = res["target"]
    row["links"] = " | ".join(f"{k['text']} <{k['target']}>" for k in data.get("links", []))
    return row


_RATIO = re.compile(r"(\d[\d,]*):1")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNKNOWN = {"", "-", "TBA"}


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    ratio = _text(data.get("ratio"))
    alscore = _text(data.get("alscore"))
    released = _text(data.get("released"))
    month = derive.release_month(released)
    matched = _RATIO.fullmatch(ratio)
    return {
        "params_b": _blank(data.get("params")),
        "tokens_b": _blank(data.get("tokens")),
        "tokens_per_param": int(matched[1].replace(",", "")) if matched else _known(ratio),
        "alscore": alscore if _NUMBER.fullmatch(alscore) else _known(alscore),
        "released": f"{month[0]:04d}-{month[1]:02d}" if month else _known(released),
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _known(text: str) -> str:
    return "" if text in _UNKNOWN else text


CSV_COLUMNS = (
    "path",
    "title",
    "organization",
    "released",
    "access",
    "type",
    "params_b",
    "tokens_b",
    "tokens_per_param",
    "verdict",
    "alscore",
    "tier",
    "dataset",
    "MMLU",
    "MMLU-Pro",
    "GPQA",
    "HLE",
    "tagline",
    "tags",
    "notes",
    "try_url",
    "docs_url",
    "links",
    "last_updated",
)
