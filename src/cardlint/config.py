"""Every convention of the leaderboard as a setting; the defaults reproduce the clean corpus."""

from __future__ import annotations

from dataclasses import dataclass

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
