"""The model-card layout as data: sections, and the lines each may hold, in order.

A slot matches a line by its fixed words only, so a garbled value still lands in its
slot (and gets "unparsable value") rather than being reported as stray content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    name: str
    pattern: re.Pattern[str]
    required: bool = True
    repeat: int = 1  # how many lines may fill it

    @classmethod
    def of(cls, name: str, pattern: str, *, required: bool = True, repeat: int = 1) -> Slot:
        return cls(name, re.compile(pattern), required, repeat)


def _field(name: str, label: str, bullet: bool = True) -> Slot:
    prefix = r"- " if bullet else ""
    return Slot.of(name, prefix + r"\*\*" + re.escape(label) + r":\*\*(?: (?P<value>.*))?")


def _row(name: str, label: str) -> Slot:
    return Slot.of(name, r"\|\s*\*\*" + re.escape(label) + r"\*\*\s*\|(?P<value>.*)")


@dataclass(frozen=True)
class Section:
    key: str  # heading text reduced to lowercase letters and spaces
    heading: str  # as generated
    slots: tuple[Slot, ...]
    free_text: bool = False  # any content, as one value


PREAMBLE = (
    Slot.of("title", r"# (?P<value>.*)"),
    Slot.of("tagline", r">(?: (?P<value>.*))?"),
    _field("organization", "Organization", bullet=False),
    _field("released", "Released", bullet=False),
    _field("access", "Access", bullet=False),
    Slot.of("rule", r"-{3,}"),
)

BENCHMARKS = (
    ("MMLU", "General knowledge across 57 subjects"),
    ("MMLU-Pro", "Advanced MMLU variant"),
    ("GPQA", "Graduate-level reasoning"),
    ("HLE", "High-level evaluation"),
)

SECTIONS = (
    Section("overview", "## 📊 Overview", (Slot.of("overview", r"(?P<value>[^|#].*)"),)),
    Section(
        "technical specifications",
        "## 🔧 Technical Specifications",
        (
            Slot.of("h_architecture", r"### Model Architecture"),
            _field("type", "Type"),
            _field("params", "Parameters"),
            _field("tokens", "Training Tokens"),
            _field("ratio", "Token:Param Ratio"),
            Slot.of("h_efficiency", r"### Training Efficiency"),
            _field("alscore", "ALScore"),
            _field("formula", "Formula"),
            Slot.of("h_data", r"### Training Data"),
            _field("dataset", "Dataset Type"),
        ),
    ),
    Section(
        "performance benchmarks",
        "## 📈 Performance Benchmarks",
        (
            Slot.of("table_header", r"\|\s*Benchmark\s*\|\s*Score\s*\|\s*Description\s*\|"),
            Slot.of("table_rule", r"\|(?:\s*:?-+:?\s*\|)+"),
            *(_row("bench:" + name, name) for name, _ in BENCHMARKS),
            Slot.of("analysis", r"\*\*Analysis:\*\*(?: (?P<value>.*))?", required=False, repeat=2),
        ),
    ),
    Section("model tags", "## 🏷️ Model Tags", (Slot.of("tags", r"(?P<value>[^|#].*)"),)),
    Section("additional notes", "## 📝 Additional Notes", (), free_text=True),
    Section(
        "resources",
        "## 🔗 Resources",
        (
            Slot.of("try", r"- 🎮 \[Try the Model\]\((?P<value>.*)\)", required=False),
            Slot.of("docs", r"- 📄 \[Technical Documentation\]\((?P<value>.*)\)", required=False),
            Slot.of("no_resources", r"_No public resources available\._", required=False),
        ),
    ),
    Section(
        "related models",
        "## 🔍 Related Models",
        (
            Slot.of("related_org", r"\*\*From (?P<value>.*):\*\*"),
            Slot.of("profile", r"- See all models in \[(?P<value>.*) profile\]\(.*\)"),
            Slot.of("similar", r"\*\*Similar Architecture:\*\*"),
            Slot.of("architecture", r"- See all \[(?P<value>.*) models\]\(.*\)"),
            Slot.of("footer_rule", r"-{3,}"),
            _field("last_updated", "Last Updated", bullet=False),
            Slot.of(
                "footer",
                r"\[← Back to Leaderboard\]\(.*\) • \[View All (?P<value>.*) Models\]\(.*\)",
            ),
        ),
    ),
)

SECTION_BY_KEY = {section.key: section for section in SECTIONS}


def heading_key(text: str) -> str:
    """`🔧 Technical Specifications` -> `technical specifications`: emoji may drift."""
    return " ".join("".join(c if c.isalpha() or c == " " else " " for c in text).lower().split())
