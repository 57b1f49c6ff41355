"""Codes emitted while reading, parsing and validating: documentation only."""

from __future__ import annotations

from cardlint.diagnostics import Severity
from cardlint.rules.registry import declare

_DOC = """
## What it does
{what}

## Why is this bad?
{why}

## Example
{example}

## Fix safety
{fix}
"""

_NO_FIX = "No fix: cardlint cannot know what the author meant; edit the line by hand."
_STRUCTURE = (
    "Every generated card has the same lines in the same order; index pages, "
    "scripts and cardlint itself read cards by that layout. A card that leaves it "
    "is either hand-edited into a shape no tool can read, or broken."
)


def _declare(
    code: str,
    name: str,
    summary: str,
    what: str,
    why: str,
    example: str,
    fix: str = _NO_FIX,
    severity: Severity = Severity.ERROR,
) -> None:
    declare(
        code,
        name,
        summary,
        _DOC.format(what=what, why=why, example=example, fix=fix),
        severity=severity,
    )


_declare(
    "CL101",
    "missing-title",
    "Card has no `# title` line",
    "Reports a card without a level-1 heading, or with an empty one.",
    "The title names the model; the file name, index rows and sentences derive from it.",
    "```markdown\n> Large Language Model\n```\nshould start with `# Model Name`.",
)
_declare(
    "CL102",
    "missing-layout-line",
    "A section or field line of the layout is missing",
    "Reports a section heading or field line (`- **ALScore:** …`) that the layout "
    "requires and the card lacks, at the place it belongs.",
    _STRUCTURE,
    "A `### Training Efficiency` list without `- **ALScore:** …`.",
)
_declare(
    "CL103",
    "duplicate-layout-line",
    "A section or field line appears twice",
    "Reports the second occurrence of a section heading or a field line.",
    _STRUCTURE + " With two values, readers cannot tell which one holds.",
    "Two `- **Parameters:**` lines in one card.",
)
_declare(
    "CL104",
    "out-of-order-layout-line",
    "A section or field line is out of order",
    "Reports a section or field line that comes before one it should follow.",
    _STRUCTURE,
    "`## 🏷️ Model Tags` placed before `## 📊 Overview`.",
)
_declare(
    "CL105",
    "unparsable-value",
    "A field value does not follow its grammar",
    "Reports a field whose value cannot be parsed: a release date that is not `Mon/YYYY` "
    "or `TBA`, parameters that are not billions such as `7.0B`, a ratio that is not "
    "`N:1 verdict`, a score that is not a number or `-`.",
    "Derived values, index pages and exports need the value as data; an unparsable value "
    "silently drops the model from every computation.",
    "`**Released:** Spring 2024` should be `**Released:** Mar/2024`.",
)
_declare(
    "CL106",
    "malformed-table-row",
    "A benchmark table row is malformed",
    "Reports a benchmark row without exactly three cells, or a table that does not "
    "render as a table.",
    "A row with a missing or extra `|` breaks the rendered table for the whole card.",
    "`| **MMLU** | 71.2 |` lacks its description cell.",
)
_declare(
    "CL107",
    "unexpected-content",
    "A line or section that is not part of the layout",
    "Reports a line, section or block that the card layout has no place for.",
    _STRUCTURE + " Content outside the layout is invisible to every tool.",
    "A `## Benchmarks (old)` section, or a code block inside `## 📊 Overview`.",
)
_declare(
    "CL108",
    "misplaced-card",
    "Markdown file under `models/` outside `models/<lab>/`",
    "Reports a markdown file under `models/` that is not at `models/<lab>/<slug>.md`.",
    "Index pages and cardlint find cards by that path; a file elsewhere is neither "
    "listed nor checked, which is rarely what its author intended.",
    "`models/notes.md` or `models/lab/old/model.md`.",
    "No fix: move the file into its lab folder, or out of `models/`.",
)

_SCHEMA_WHY = (
    "The schema is the contract of the card data: values out of it break index "
    "pages, exports and the arithmetic of derived values."
)
_declare(
    "CL201",
    "missing-required-field",
    "A field required by the schema is absent",
    "Reports a record that lacks a field the schema requires (only when the parser "
    "did not already report the missing line).",
    _SCHEMA_WHY,
    "A card whose tags line is empty.",
)
_declare(
    "CL202",
    "wrong-field-type",
    "A field has the wrong type",
    "Reports a value whose JSON type the schema does not allow.",
    _SCHEMA_WHY,
    "A benchmark score that is text.",
)
_declare(
    "CL203",
    "value-out-of-range",
    "A value is outside its allowed range",
    "Reports scores outside 0-100, zero or negative parameters or tokens, and lists "
    "with too many entries.",
    _SCHEMA_WHY + " A zero parameter count would divide by zero.",
    "`| **MMLU** | 104.5 | … |` or `- **Parameters:** 0.0B`.",
)
_declare(
    "CL204",
    "value-not-allowed",
    "A value is not one of the allowed values",
    "Reports an access word, access emoji, architecture type, verdict, tier or formula "
    "that is not one of the schema's values.",
    _SCHEMA_WHY,
    "`- **Type:** Transformer` (allowed: Dense, MoE, Hybrid, MatFormer, Compound, CoE, -).",
)
_declare(
    "CL205",
    "value-pattern-mismatch",
    "A value does not match its pattern",
    "Reports values that do not match the schema's pattern: release month and year, "
    "ratio format, ALScore with one decimal, lab link shape, empty text.",
    _SCHEMA_WHY,
    "`**Released:** Jan/1899`.",
)
_declare(
    "CL206",
    "invalid-calendar-date",
    "A date does not exist",
    "Reports a `Last Updated` date that has the right shape but is not a real date.",
    _SCHEMA_WHY + " Sorting and freshness checks need real dates.",
    "`**Last Updated:** 2025-02-30`.",
)
_declare(
    "CL207",
    "schema-violation",
    "Any other schema violation",
    "Reports a schema violation of a kind the other CL2xx codes do not cover.",
    _SCHEMA_WHY,
    "A duplicated tag in the tags line (`uniqueItems`).",
)

_READ_WHY = "cardlint can only check text it can read; the file is skipped and left untouched."
_declare(
    "CL901",
    "unreadable-file",
    "The file cannot be read",
    "Reports a path that cannot be opened or read: permissions, a directory named "
    "`*.md`, a broken symlink or a symlink loop.",
    _READ_WHY,
    "A card whose mode is `000`, or `models/lab/card.md` created as a folder.",
)
_declare(
    "CL902",
    "invalid-utf8",
    "The file is not valid UTF-8",
    "Reports the first byte that is not valid UTF-8, with its line and column.",
    _READ_WHY + " Cards are UTF-8 markdown.",
    "A card saved as Latin-1 (`caf\\xe9`).",
)
_declare(
    "CL903",
    "binary-file",
    "The file holds NUL bytes",
    "Reports a file with NUL bytes: binary data, not markdown.",
    _READ_WHY,
    "An image saved under a `.md` name.",
)
_declare(
    "CL904",
    "file-too-large",
    "The file is over the size limit",
    "Reports a file larger than the limit (8 MB by default).",
    _READ_WHY + " A card is a few kilobytes; a huge file is not a card.",
    "A 20 MB log pasted into `models/lab/card.md`.",
)
