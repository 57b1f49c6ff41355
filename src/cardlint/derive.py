"""The derivation formulas of a card, as pure functions of its written inputs."""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from cardlint.config import DEFAULT, Config

if TYPE_CHECKING:
    from collections.abc import Sequence

UNKNOWN = "-"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_DECIMAL_ROUNDING = {
    "ceil": ROUND_CEILING,
    "floor": ROUND_FLOOR,
    "half-even": ROUND_HALF_EVEN,
    "half-up": ROUND_HALF_UP,
}
_NOT_SLUG_CHAR = re.compile(r"[^\w\s-]")
_SEPARATOR_RUN = re.compile(r"[\s-]+")
# ASCII digits only: str.isdigit() also takes `²⁰²⁵`, which int() refuses; nine digits keep
# int() far below its digit limit.
_YEAR = re.compile(r"[0-9]{1,9}")


def slug(text: str) -> str:
    kept = _NOT_SLUG_CHAR.sub("", text.lower())
    return _SEPARATOR_RUN.sub("-", kept).strip("-_")


def _known(params: float | None, tokens: float | None) -> tuple[float, float] | None:
    if params is None or tokens is None or params <= 0 or tokens <= 0:
        return None
    return params, tokens


def ratio(params: float | None, tokens: float | None, cfg: Config = DEFAULT) -> int | None:
    known = _known(params, tokens)
    if known is None:
        return None
    p, t = known
    # Round the float quotient exactly as it is: Decimal(float) is lossless, so every mode
    # agrees with math.ceil / math.floor / round on the same quotient.
    if not math.isfinite(t / p):
        return None  # no printable ratio: the inputs are beyond any real model
    quotient = Decimal(t / p)
    return int(quotient.to_integral_value(rounding=_DECIMAL_ROUNDING[cfg.ratio_rounding]))


def format_ratio(n: int) -> str:
    return f"{n:,}:1"


def verdict(n: int, cfg: Config = DEFAULT) -> str:
    return cfg.verdict_good if n >= cfg.verdict_threshold else cfg.verdict_bad


def ratio_text(params: float | None, tokens: float | None, cfg: Config = DEFAULT) -> str:
    n = ratio(params, tokens, cfg)
    if n is None:
        return f"{UNKNOWN} {UNKNOWN}"
    return f"{format_ratio(n)} {verdict(n, cfg)}"


def alscore(params: float | None, tokens: float | None, cfg: Config = DEFAULT) -> float | None:
    known = _known(params, tokens)
    if known is None:
        return None
    p, t = known
    score = math.sqrt(p * t) / cfg.alscore_divisor
    return round(score, cfg.alscore_decimals) if math.isfinite(score) else None


def format_alscore(v: float, cfg: Config = DEFAULT) -> str:
    return f"{v:.{cfg.alscore_decimals}f}"


def tier(v: float, cfg: Config = DEFAULT) -> str | None:
    if v <= 0:
        return None
    return next((label for bound, label in cfg.tiers if v >= bound), None)


def alscore_text(params: float | None, tokens: float | None, cfg: Config = DEFAULT) -> str:
    v = alscore(params, tokens, cfg)
    if v is None:
        return UNKNOWN
    label = tier(v, cfg)
    written = format_alscore(v, cfg)
    return written if label is None else f"{written} ({label})"


def analysis_lines(
    mmlu: float | None, gpqa: float | None, cfg: Config = DEFAULT
) -> tuple[str, ...]:
    sentences: list[str] = []
    if mmlu is not None and mmlu >= cfg.mmlu_exceptional:
        sentences.append(cfg.analysis_mmlu_exceptional)
    elif mmlu is not None and mmlu >= cfg.mmlu_strong:
        sentences.append(cfg.analysis_mmlu_strong)
    if gpqa is not None and gpqa >= cfg.gpqa_outstanding:
        sentences.append(cfg.analysis_gpqa_outstanding)
    elif gpqa is not None and gpqa >= cfg.gpqa_good:
        sentences.append(cfg.analysis_gpqa_good)
    return tuple(f"**Analysis:** {sentence}" for sentence in sentences)


def overview_sentence(title: str, org: str, tags: Sequence[str], cfg: Config = DEFAULT) -> str:
    sota, reasoning = cfg.sota_tag in tags, cfg.reasoning_tag in tags
    if sota and reasoning:
        template = cfg.overview_sota_reasoning
    elif sota:
        template = cfg.overview_sota
    elif reasoning:
        template = cfg.overview_reasoning
    else:
        template = cfg.overview_default
    return template.format(title=title, org=org)


def tagline_text(tags: Sequence[str], cfg: Config = DEFAULT) -> str:
    return ", ".join(tags) if tags else cfg.untagged_tagline


def tags_line(tags: Sequence[str], cfg: Config = DEFAULT) -> str:
    return ", ".join(f"`{tag}`" for tag in tags) if tags else cfg.no_tags_line


def lab_link(org: str, cfg: Config = DEFAULT) -> str:
    return f"../../{cfg.labs_dir}/{slug(org)}.md"


def architecture_link(type_: str, cfg: Config = DEFAULT) -> str:
    return f"../../{cfg.architectures_dir}/{slug(type_)}.md"


def architecture_link_text(type_: str) -> str:
    return f"{type_} models"


def access_emoji(word: str, cfg: Config = DEFAULT) -> str | None:
    return dict(cfg.access_emoji).get(word)


def format_billions(x: float) -> str:
    return f"{float(x)}B"


def release_month(text: str) -> tuple[int, int] | None:
    """`Apr/2024` -> (2024, 4); None for `TBA` or anything else."""
    month, _, year = text.partition("/")
    if month not in MONTHS or not _YEAR.fullmatch(year):
        return None
    return int(year), MONTHS.index(month) + 1
