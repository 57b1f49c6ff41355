"""Every convention of the leaderboard as a setting; the defaults reproduce the clean corpus."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RATIO_ROUNDINGS = ("ceil", "half-even", "half-up", "floor")


@dataclass(frozen=True)
class Config:
    # Layout.
    card_glob: str = "models/*/*.md"
    labs_dir: str = "labs"
    architectures_dir: str = "architectures"

    # Token:Param ratio and its verdict (judged on the printed, rounded ratio).
    ratio_rounding: str = "ceil"
    verdict_threshold: int = 20
    verdict_good: str = "✅ Compute-optimal"
    verdict_bad: str = "⚠️ Under-trained"

    # ALScore and its tiers: lower bounds inclusive, descending; a score of 0.0 gets no label.
    alscore_divisor: float = 300.0
    alscore_decimals: int = 1
    formula_text: str = "√(Parameters × Tokens) ÷ 300"
    tiers: tuple[tuple[float, str], ...] = (
        (20.0, "Extremely powerful"),
        (10.0, "Very powerful"),
        (5.0, "Powerful"),
        (1.0, "Mid-tier"),
        (0.0, "Lightweight"),
    )

    # Analysis lines under the benchmark table.
    mmlu_exceptional: float = 90.0
    mmlu_strong: float = 80.0
    gpqa_outstanding: float = 80.0
    gpqa_good: float = 60.0
    analysis_mmlu_exceptional: str = (
        "Exceptional performance on MMLU benchmark (>90%), demonstrating strong general knowledge."
    )
    analysis_mmlu_strong: str = (
        "Strong performance on MMLU benchmark (80-90%), indicating solid general capabilities."
    )
    analysis_gpqa_outstanding: str = (
        "Outstanding reasoning performance on GPQA (>80%),"
        " approaching expert-level problem solving."
    )
    analysis_gpqa_good: str = "Good reasoning capabilities on GPQA (60-80%)."

    # Overview sentence, chosen by tag set.
    sota_tag: str = "SOTA"
    reasoning_tag: str = "Reasoning"
    overview_sota_reasoning: str = (
        "{title} represents state-of-the-art performance in its category,"
        " with advanced reasoning capabilities."
    )
    overview_sota: str = "{title} represents state-of-the-art performance in its category."
    overview_reasoning: str = (
        "{title} is designed for advanced reasoning and multi-step problem solving."
    )
    overview_default: str = "{title} is a large language model developed by {org}."

    # Tags.
    untagged_tagline: str = "Large Language Model"
    no_tags_line: str = "_No specific tags_"

    # Access word -> emoji.
    access_emoji: tuple[tuple[str, str], ...] = (
        ("Public", "🟢"),
        ("Private", "🔴"),
        ("Unknown", "❓"),
    )

    # Relative targets that are GitHub web routes, not files.
    link_allowlist: tuple[str, ...] = ("../../issues", "../../pulls")

    def __post_init__(self) -> None:
        if self.ratio_rounding not in RATIO_ROUNDINGS:
            msg = f"ratio_rounding must be one of {RATIO_ROUNDINGS}, not {self.ratio_rounding!r}"
            raise ValueError(msg)


DEFAULT = Config()


class InvalidSettingError(ValueError):
    """A convention key with a wrong type or value; the caller adds the file name."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: object) -> str:
    """`value` written as TOML (inline tables and arrays), for messages and `describe`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return f"{{{items}}}"
    if isinstance(value, list | tuple):
        return f"[{', '.join(toml_value(v) for v in value)}]"
    return str(value)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidSettingError(key, f"must be a number, not {toml_value(value)}")
    return float(value)


def _number_in(
    low: float, high: float, *, low_open: bool = False
) -> Callable[[str, object], float]:
    def parse(key: str, value: object) -> float:
        number = _number(key, value)
        if number < low or number > high or (low_open and number == low):
            above = f"above {low:g}" if low_open else f"at least {low:g}"
            bound = above if math.isinf(high) else f"{above} and at most {high:g}"
            raise InvalidSettingError(key, f"must be {bound}, not {toml_value(value)}")
        return number

    return parse


def _integer_in(low: int, high: int | None = None) -> Callable[[str, object], int]:
    def parse(key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSettingError(key, f"must be an integer, not {toml_value(value)}")
        if value < low or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"between {low} and {high}"
            raise InvalidSettingError(key, f"must be {bound}, not {value}")
        return value

    return parse


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSettingError(key, f"must be a non-empty string, not {toml_value(value)}")
    return value


def _fixed(default: str) -> Callable[[str, object], str]:
    """A layout key this version reads but cannot yet move: page recognition, the card index
    and the index-page rules all assume it. A value other than the default is refused
    rather than half applied."""

    def check(key: str, value: object) -> str:
        text = _text(key, value).strip("/")
        if text != default:
            raise InvalidSettingError(
                key, f"can only be {toml_value(default)} in this version, not {toml_value(value)}"
            )
        return text

    return check


def _folder(key: str, value: object) -> str:
    folder = _text(key, value).strip("/")
    if "\\" in folder or ".." in folder.split("/") or not folder:
        raise InvalidSettingError(
            key, f"must be a folder relative to the root, not {toml_value(value)}"
        )
    return folder


def _strings(key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidSettingError(key, f"must be an array of strings, not {toml_value(value)}")
    return tuple(value)


def _choice(choices: tuple[str, ...]) -> Callable[[str, object], str]:
    def parse(key: str, value: object) -> str:
        if value not in choices:
            allowed = ", ".join(choices)
            raise InvalidSettingError(key, f"must be one of {allowed}, not {toml_value(value)}")
        return str(value)

    return parse


def _template(*fields: str) -> Callable[[str, object], str]:
    def parse(key: str, value: object) -> str:
        template = _text(key, value)
        try:
            used = {
                name for _, name, _, _ in string.Formatter().parse(template) if name is not None
            }
        except ValueError as exc:
            raise InvalidSettingError(
                key, f"is not a valid template ({exc}): {toml_value(value)}"
            ) from None
        unknown = sorted(used - set(fields))
        if unknown:
            known = " or ".join(f"{{{f}}}" for f in fields)
            raise InvalidSettingError(
                key, f"uses the unknown placeholder {{{unknown[0]}}}; use {known}"
            )
        return template

    return parse


def _tiers(key: str, value: object) -> tuple[tuple[float, str], ...]:
    """`{label = bound, ...}` or `[[bound, "label"], ...]` -> descending (bound, label) pairs."""
    if isinstance(value, Mapping):
        pairs = [(bound, label) for label, bound in value.items()]
    elif isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        pairs = [(p[0], p[1]) for p in value]
    else:
        shape = 'a table {label = lower bound} or an array of [lower bound, "label"]'
        raise InvalidSettingError(key, f"must be {shape}, not {toml_value(value)}")
    tiers = [
        (_number_in(0, math.inf)(f"{key} bound", b), _text(f"{key} label", x)) for b, x in pairs
    ]
    if not tiers:
        raise InvalidSettingError(key, "must name at least one tier")
    for seen, what in (({b for b, _ in tiers}, "bound"), ({x for _, x in tiers}, "label")):
        if len(seen) != len(tiers):
            raise InvalidSettingError(key, f"repeats a {what}: {toml_value(value)}")
    return tuple(sorted(tiers, reverse=True))


def _access_emoji(key: str, value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidSettingError(
            key, f"must be a table {{access word = emoji}}, not {toml_value(value)}"
        )
    return tuple(
        (str(word), _text(f"{key}.{_toml_key(str(word))}", v)) for word, v in value.items()
    )


Parser = Callable[[str, object], Any]

CONVENTIONS: dict[str, tuple[str, Parser]] = {
    "card-glob": ("card_glob", _fixed("models/*/*.md")),
    "labs-dir": ("labs_dir", _fixed("labs")),
    "architectures-dir": ("architectures_dir", _fixed("architectures")),
    "link-allowlist": ("link_allowlist", _strings),
    "ratio-rounding": ("ratio_rounding", _choice(RATIO_ROUNDINGS)),
    "verdict-threshold": ("verdict_threshold", _integer_in(0)),
    "verdict-good": ("verdict_good", _text),
    "verdict-bad": ("verdict_bad", _text),
    "alscore-divisor": ("alscore_divisor", _number_in(0, math.inf, low_open=True)),
    "alscore-decimals": ("alscore_decimals", _integer_in(0, 6)),
    "formula-text": ("formula_text", _text),
    "tiers": ("tiers", _tiers),
    "mmlu-exceptional": ("mmlu_exceptional", _number_in(0, 100)),
    "mmlu-strong": ("mmlu_strong", _number_in(0, 100)),
    "gpqa-outstanding": ("gpqa_outstanding", _number_in(0, 100)),
    "gpqa-good": ("gpqa_good", _number_in(0, 100)),
    "analysis-mmlu-exceptional": ("analysis_mmlu_exceptional", _text),
    "analysis-mmlu-strong": ("analysis_mmlu_strong", _text),
    "analysis-gpqa-outstanding": ("analysis_gpqa_outstanding", _text),
    "analysis-gpqa-good": ("analysis_gpqa_good", _text),
    "sota-tag": ("sota_tag", _text),
    "reasoning-tag": ("reasoning_tag", _text),
    "overview-sota-reasoning": ("overview_sota_reasoning", _template("title", "org")),
    "overview-sota": ("overview_sota", _template("title", "org")),
    "overview-reasoning": ("overview_reasoning", _template("title", "org")),
    "overview-default": ("overview_default", _template("title", "org")),
    "untagged-tagline": ("untagged_tagline", _text),
    "no-tags-line": ("no_tags_line", _text),
    "access-emoji": ("access_emoji", _access_emoji),
}
"""TOML key -> (Config field, parser); every field of Config has exactly one key."""

# A lower threshold above its higher one would make the lower sentence unreachable.
_ORDERED = (("mmlu-strong", "mmlu-exceptional"), ("gpqa-good", "gpqa-outstanding"))


def formula_for(divisor: float) -> str:
    return f"√(Parameters × Tokens) ÷ {divisor:g}"


def build(table: Mapping[str, object], base: Config = DEFAULT) -> Config:
    """The conventions of a settings table (kebab-case keys) over `base`; other keys ignored."""
    values: dict[str, Any] = {
        CONVENTIONS[key][0]: CONVENTIONS[key][1](key, value)
        for key, value in table.items()
        if key in CONVENTIONS
    }
    # A changed divisor changes the formula line the cards must print, unless set explicitly.
    if "alscore-divisor" in table and "formula-text" not in table:
        values["formula_text"] = formula_for(values["alscore_divisor"])
    config = dataclasses.replace(base, **values)
    for lower, higher in _ORDERED:
        low, high = (getattr(config, CONVENTIONS[k][0]) for k in (lower, higher))
        if low > high:
            raise InvalidSettingError(lower, f"({low:g}) must not exceed {higher} ({high:g})")
    return config
