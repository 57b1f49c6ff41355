"""SARIF 2.1.0: every registered rule in the driver, one result per finding, fixes as data."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from cardlint import __version__
from cardlint.diagnostics import Diagnostic, Fix
from cardlint.records import Span
from cardlint.report.escape import json_dumps, raw_bytes
from cardlint.report.model import Report
from cardlint.rules import registry

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"


def rule_descriptor(rule: registry.Rule) -> dict[str, Any]:
    doc = rule.markdown()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc["What it does"]},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": rule.severity.value},
    }


def artifact_uri(path: str) -> str:
    """A relative URI reference: POSIX separators, everything outside unreserved percent-encoded.
    The bytes of the name are encoded, so a name that is not UTF-8 keeps its exact bytes."""
    return quote(raw_bytes(PurePath(path).as_posix()), safe="/")


def region(span: Span) -> dict[str, int]:
    # An empty span keeps endColumn == startColumn, which SARIF reads as an insertion point.
    end_line = max(span.end_line, span.line)
    end_column = span.end_column
    if end_line == span.line:
        end_column = max(end_column, span.column)
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": end_line,
        "endColumn": end_column,
    }


def artifact_location(path: str) -> dict[str, str]:
    return {"uri": artifact_uri(path)}


def fix_entry(path: str, fix: Fix) -> dict[str, Any]:
    replacements = [
        {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.text}}
        for edit in fix.edits
    ]
    change = {"artifactLocation": artifact_location(path), "replacements": replacements}
    return {"description": {"text": fix.title}, "artifactChanges": [change]}


def result(diagnostic: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    location = {
        "physicalLocation": {
            "artifactLocation": artifact_location(diagnostic.path),
            "region": region(diagnostic.span),
        }
    }
    entry: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "level": diagnostic.severity.value,
        "message": {"text": diagnostic.message},
        "locations": [location],
    }
    if diagnostic.code in rule_index:
        entry["ruleIndex"] = rule_index[diagnostic.code]
    if diagnostic.fix is not None and diagnostic.fix.edits:
        entry["fixes"] = [fix_entry(diagnostic.path, diagnostic.fix)]
    return entry


def sarif_log(report: Report) -> dict[str, Any]:
    rules = registry.all_rules()
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    driver = {
        "name": "cardlint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(rule) for rule in rules],
    }
    run = {
        "tool": {"driver": driver},
        # cardlint counts columns in characters, not in SARIF's default UTF-16 code units.
        "columnKind": "unicodeCodePoints",
        "results": [result(d, rule_index) for d in report.diagnostics],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    return json_dumps(sarif_log(report), indent=2) + "\n"
