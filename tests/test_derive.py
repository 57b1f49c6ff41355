from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardlint import derive
from cardlint.config import DEFAULT, Config

billions = st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False)
unknown = st.one_of(st.none(), st.floats(max_value=0.0, allow_nan=False))


def with_rounding(mode: str) -> Config:
    return dataclasses.replace(DEFAULT, ratio_rounding=mode)


# --- the spec's worked example (models/meta-ai/roberta.md) ---


def test_roberta_ratio_and_alscore():
    assert derive.ratio(0.355, 2200.0) == 6198
    assert derive.ratio_text(0.355, 2200.0) == "6,198:1 ✅ Compute-optimal"
    assert derive.alscore(0.355, 2200.0) == 0.1
    assert derive.alscore_text(0.355, 2200.0) == "0.1 (Lightweight)"


def test_billions_written_as_python_float():
    assert derive.format_billions(0.355) == "0.355B"
    assert derive.format_billions(2200) == "2200.0B"


# --- ratio and verdict ---


@pytest.mark.parametrize(
    ("mode", "tokens", "expected"),
    [
        ("ceil", 19.01, 20),
        ("floor", 19.99, 19),
        ("half-even", 20.5, 20),
        ("half-even", 21.5, 22),
        ("half-up", 20.5, 21),
        ("half-up", 20.49, 20),
    ],
)
def test_each_rounding_mode(mode, tokens, expected):
    assert derive.ratio(1.0, tokens, with_rounding(mode)) == expected


def test_unknown_rounding_mode_is_rejected():
    with pytest.raises(ValueError, match="ratio_rounding"):
        with_rounding("banker")


def test_verdict_judges_the_ceiled_ratio():
    assert derive.ratio_text(1.0, 19.01) == "20:1 ✅ Compute-optimal"
    assert derive.ratio_text(1.0, 19.0) == "19:1 ⚠️ Under-trained"


def test_verdict_threshold_is_a_setting():
    strict = dataclasses.replace(DEFAULT, verdict_threshold=21)
    assert derive.verdict(20, strict) == DEFAULT.verdict_bad
    assert derive.verdict(21, strict) == DEFAULT.verdict_good


def test_ratio_thousands_separator():
    assert derive.format_ratio(1234567) == "1,234,567:1"


@pytest.mark.parametrize(("params", "tokens"), [(None, 1.0), (1.0, None), (0.0, 1.0), (1.0, -2.0)])
def test_unknown_inputs_give_dashes(params, tokens):
    assert derive.ratio(params, tokens) is None
    assert derive.alscore(params, tokens) is None
    assert derive.ratio_text(params, tokens) == "- -"
    assert derive.alscore_text(params, tokens) == "-"


@given(billions, billions, billions)
def test_ratio_is_monotone_in_tokens(params, tokens, more):
    low, high = sorted((tokens, more))
    assert derive.ratio(params, low) <= derive.ratio(params, high)


@given(billions, billions)
def test_ceil_ratio_matches_float_ceil(params, tokens):
    assert derive.ratio(params, tokens) == math.ceil(tokens / params)


@given(billions, billions)
def test_half_even_ratio_matches_python_round(params, tokens):
    assert derive.ratio(params, tokens, with_rounding("half-even")) == round(tokens / params)


@given(billions, billions)
def test_rounding_modes_bracket_the_quotient(params, tokens):
    floor, ceil = (derive.ratio(params, tokens, with_rounding(m)) for m in ("floor", "ceil"))
    assert floor is not None
    assert ceil is not None
    assert ceil - floor in {0, 1}
    for mode in ("half-up", "half-even"):
        assert derive.ratio(params, tokens, with_rounding(mode)) in {floor, ceil}


# --- ALScore and tiers ---


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (20.0, "Extremely powerful"),
        (19.9, "Very powerful"),
        (10.0, "Very powerful"),
        (9.9, "Powerful"),
        (5.0, "Powerful"),
        (4.9, "Mid-tier"),
        (1.0, "Mid-tier"),
        (0.9, "Lightweight"),
        (0.1, "Lightweight"),
        (0.0, None),
    ],
)
def test_tier_boundaries(v, expected):
    assert derive.tier(v) == expected


def test_tier_uses_the_rounded_alscore():
    # sqrt(p * t) / 300 == 19.96: below the bound, but it is printed (and tiered) as 20.0
    assert derive.alscore_text(5988.0, 5988.0) == "20.0 (Extremely powerful)"
    # the float 19.95 lies just below 19.95, so Python's round (as the generator used) gives 19.9
    assert derive.alscore_text(5985.0, 5985.0) == "19.9 (Very powerful)"


def test_alscore_that_rounds_to_zero_has_no_label():
    # sqrt(p * t) / 300 == 0.04
    assert derive.alscore_text(12.0, 12.0) == "0.0"


def test_alscore_divisor_and_decimals_are_settings():
    cfg = dataclasses.replace(DEFAULT, alscore_divisor=100.0, alscore_decimals=2)
    assert derive.alscore(1.0, 1.0, cfg) == 0.01
    assert derive.format_alscore(0.01, cfg) == "0.01"


alscore_text_form = re.compile(r"(\d+\.\d) \((.+)\)|(0\.0)")


@given(billions, billions)
def test_alscore_text_round_trips_through_its_format(params, tokens):
    text = derive.alscore_text(params, tokens)
    match = alscore_text_form.fullmatch(text)
    assert match is not None
    number = match.group(1) or match.group(3)
    v = float(number)
    assert v == derive.alscore(params, tokens)
    assert derive.format_alscore(v) == number
    assert match.group(2) == derive.tier(v)


# --- slug ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shanghai AI Laboratory/SenseTime", "shanghai-ai-laboratorysensetime"),
        ("Tülu 2", "tülu-2"),
        ("Meta AI", "meta-ai"),
        ("GPT-4o (Omni)", "gpt-4o-omni"),
        ("  a -- b  ", "a-b"),
        ("_x_", "x"),
        ("Llama 3.1 405B", "llama-31-405b"),
        ("a_b", "a_b"),
    ],
)
def test_slug_examples(text, expected):
    assert derive.slug(text) == expected


@given(st.text())
def test_slug_is_idempotent(text):
    once = derive.slug(text)
    assert derive.slug(once) == once


@given(st.text())
def test_slug_has_no_edge_separators_or_runs(text):
    result = derive.slug(text)
    assert not result.startswith(("-", "_"))
    assert not result.endswith(("-", "_"))
    assert "--" not in result
    assert not re.search(r"\s", result)


def test_links_use_slugs():
    assert derive.lab_link("Meta AI") == "../../labs/meta-ai.md"
    assert derive.architecture_link("MoE") == "../../architectures/moe.md"
    assert derive.architecture_link_text("MoE") == "MoE models"


# --- analysis lines ---


@pytest.mark.parametrize(
    ("mmlu", "gpqa", "expected_starts"),
    [
        (90.0, None, ("Exceptional",)),
        (89.99, None, ("Strong",)),
        (80.0, None, ("Strong",)),
        (79.99, None, ()),
        (None, 80.0, ("Outstanding",)),
        (None, 79.9, ("Good",)),
        (None, 60.0, ("Good",)),
        (None, 59.9, ()),
        (95.0, 65.0, ("Exceptional", "Good")),
        (None, None, ()),
    ],
)
def test_analysis_thresholds(mmlu, gpqa, expected_starts):
    lines = derive.analysis_lines(mmlu, gpqa)
    assert tuple(line.removeprefix("**Analysis:** ").split()[0] for line in lines) == (
        expected_starts
    )
    assert all(line.startswith("**Analysis:** ") for line in lines)


def test_analysis_full_sentence():
    assert derive.analysis_lines(None, 61.0) == (
        "**Analysis:** Good reasoning capabilities on GPQA (60-80%).",
    )


# --- overview, tagline, tags line ---


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            ("SOTA", "Reasoning"),
            "X represents state-of-the-art performance in its category,"
            " with advanced reasoning capabilities.",
        ),
        (
            ("Reasoning", "SOTA"),
            "X represents state-of-the-art performance in its category,"
            " with advanced reasoning capabilities.",
        ),
        (("SOTA",), "X represents state-of-the-art performance in its category."),
        (("Reasoning",), "X is designed for advanced reasoning and multi-step problem solving."),
        (("Diffusion",), "X is a large language model developed by Lab {o}."),
        ((), "X is a large language model developed by Lab {o}."),
    ],
)
def test_overview_sentence_by_tag_set(tags, expected):
    assert derive.overview_sentence("X", "Lab {o}", tags) == expected


def test_tagline_and_tags_line():
    assert derive.tagline_text(()) == "Large Language Model"
    assert derive.tagline_text(("Reasoning", "SOTA")) == "Reasoning, SOTA"
    assert derive.tags_line(()) == "_No specific tags_"
    assert derive.tags_line(("Reasoning", "SOTA")) == "`Reasoning`, `SOTA`"


def test_access_emoji():
    assert derive.access_emoji("Public") == "🟢"
    assert derive.access_emoji("Private") == "🔴"
    assert derive.access_emoji("Unknown") == "❓"
    assert derive.access_emoji("public") is None
