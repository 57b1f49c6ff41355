"""Change one derived value of a valid card at random: the right rule fires on its line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cardlint.config import DEFAULT
from cardlint.linkcheck import LinkResolver
from cardlint.lint import lint_source
from cardlint.source import from_text

from .conftest import CARDS

LAB = CARDS / "models" / "tidewater-ai"
BASES = [
    "plain-dense-12b.md",
    "extremely-big.md",
    "undertrained-160b.md",
    "thousand-ratio-half.md",
    "very-big.md",
    "powerful-mid.md",
]
RESOLVER = LinkResolver(CARDS)

# (line prefix, rule, how to corrupt the value after the prefix)
TARGETS = [
    ("- **Token:Param Ratio:** ", "CL301", lambda v, n: f"{n + 1000:,}:1 " + v.split(" ", 1)[1]),
    (
        "- **ALScore:** ",
        "CL304",
        lambda v, n: (
            f"{n % 97 + 40.3:.1f}" + v[v.find(" ") :] if " " in v else f"{n % 97 + 40.3:.1f}"
        ),
    ),
    ("- **Formula:** ", "CL311", lambda v, n: v.replace("300", str(301 + n % 50))),
]


def _lint(text: str, base: str) -> set[tuple[str, int]]:
    _, found = lint_source(
        from_text("x.md", text), "models/tidewater-ai/" + base, DEFAULT, RESOLVER
    )
    return {(d.code, d.span.line) for d in found}


@given(st.sampled_from(BASES), st.sampled_from(TARGETS), st.integers(0, 10_000))
def test_corrupted_derived_value_is_caught_on_its_line(base: str, target: tuple, n: int) -> None:
    prefix, code, corrupt = target
    text = (LAB / base).read_text("utf-8")
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    value = lines[index][len(prefix) :]
    lines[index] = prefix + corrupt(value, n)
    found = _lint("\n".join(lines), base)
    assert (code, index + 1) in found
    assert all(line == index + 1 for _, line in found)


@given(st.sampled_from(BASES), st.sampled_from(["CL303", "CL305", "CL312", "CL307"]))
def test_swapped_labels_are_caught(base: str, code: str) -> None:
    text = (LAB / base).read_text("utf-8")
    swaps = {
        "CL303": [
            ("✅ Compute-optimal", "⚠️ Under-trained"),
            ("⚠️ Under-trained", "✅ Compute-optimal"),
        ],
        "CL305": [
            ("(Lightweight)", "(Powerful)"),
            ("(Mid-tier)", "(Lightweight)"),
            ("(Powerful)", "(Mid-tier)"),
            ("(Very powerful)", "(Powerful)"),
            ("(Extremely powerful)", "(Very powerful)"),
        ],
        "CL312": [("🟢 Public", "🔴 Public"), ("🔴 Private", "🟢 Private")],
        "CL307": [
            (" is a large language model developed by ", " is a model made by "),
            (" represents state-of-the-art", " represents the state of the art"),
        ],
    }[code]
    old, new = next(pair for pair in swaps if pair[0] in text)
    line = text[: text.index(old)].count("\n") + 1
    found = _lint(text.replace(old, new, 1), base)
    assert (code, line) in found
    assert {c for c, _ in found} == {code}
