"""Inline suppression comments: each form, what they hide, and CL109 / CL110 about them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from cardlint import config
from cardlint.diagnostics import Applicability, Diagnostic, Severity
from cardlint.linkcheck import LinkResolver
from cardlint.lint import lint_source
from cardlint.rules import registry
from cardlint.source import Source, from_text
from cardlint.suppress import Kind, apply, parse_suppressions

from .conftest import CARDS, FIXTURES
from .helpers import expectations

SUPPRESS = FIXTURES / "suppress"
CASES = sorted(p for p in SUPPRESS.glob("*.md") if not p.name.endswith(".fixed.md"))


def lint(text: str, name: str) -> list[Diagnostic]:
    """A fixture linted as `models/lintworks/<name>` of the fixture tree, suppressions applied.

    The rules see the text with its comments made inert (same length, same positions), so
    this holds whether or not `lint_source` applies suppressions itself.
    """
    inert = from_text(name, text.replace("cardlint-", "cardlint_"))
    resolver = LinkResolver(CARDS)
    _, found = lint_source(inert, f"models/lintworks/{name}", config.DEFAULT, resolver)
    kept, about = apply(parse_suppressions(from_text(name, text)), found)
    return sorted(kept + about, key=Diagnostic.sort_key)


def fixed(text: str, diagnostics: list[Diagnostic]) -> str:
    edits = sorted(
        (e.span.start, e.span.end, e.text)
        for d in diagnostics
        if d.fix is not None and d.fix.applicability is Applicability.SAFE
        for e in d.fix.edits
    )
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(edits)), "overlapping edits"
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


def run(text: str, *diagnostics: tuple[str, int]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Apply the comments of `text` to made-up findings given as (code, line)."""
    source = from_text("card.md", text)
    return apply(parse_suppressions(source), [at(source, code, line) for code, line in diagnostics])


def at(source: Source, code: str, line: int) -> Diagnostic:
    return Diagnostic(source.path, source.line_span(line), code, "made up")


def where(diagnostics: list[Diagnostic]) -> list[tuple[str, int]]:
    return sorted((d.code, d.span.line) for d in diagnostics)


# --- fixture cards ------------------------------------------------------------------------


@pytest.mark.parametrize("card", CASES, ids=lambda p: p.stem)
def test_fixture_findings_and_fix(card: Path) -> None:
    text = card.read_text("utf-8")
    found = lint(text, card.name)
    assert set(where(found)) == expectations(card)
    expected = card.with_suffix(".fixed.md")
    if not expected.exists():
        assert not any(d.code == "CL109" for d in found)
        return
    once = fixed(text, found)
    assert once == expected.read_text("utf-8")
    again = lint(once, card.name)
    assert not [d for d in again if d.fixable], "the fix does not converge"
    assert fixed(once, again) == once


def test_the_fixtures_cover_every_form() -> None:
    text = "".join(p.read_text("utf-8") for p in CASES)
    for kind in Kind:
        assert f"cardlint-{kind.value}" in text
    assert {"CL109", "CL110"} <= {code for p in CASES for code, _ in expectations(p)}


# --- the comment forms --------------------------------------------------------------------


def test_disable_next_line_hides_only_the_next_line() -> None:
    text = "<!-- cardlint-disable-next-line CL301 -->\nbad\nbad\n"
    kept, about = run(text, ("CL301", 2), ("CL301", 3), ("CL302", 2))
    assert where(kept) == [("CL301", 3), ("CL302", 2)]
    assert about == []


def test_a_comment_without_codes_hides_every_code() -> None:
    kept, about = run("<!-- cardlint-disable-next-line -->\nbad\n", ("CL301", 2), ("CL404", 2))
    assert (kept, about) == ([], [])


@pytest.mark.parametrize("codes", ["CL301 CL404 CL205", "CL301,CL404,CL205", "CL301, CL404  CL205"])
def test_several_codes_by_spaces_or_commas(codes: str) -> None:
    text = f"<!-- cardlint-disable-next-line {codes} -->\nbad\n"
    kept, about = run(text, ("CL301", 2), ("CL404", 2), ("CL205", 2), ("CL206", 2))
    assert where(kept) == [("CL206", 2)]
    assert about == []


def test_a_prefix_hides_its_family_only() -> None:
    text = "<!-- cardlint-disable-next-line CL4 -->\nbad\n"
    kept, about = run(text, ("CL401", 2), ("CL407", 2), ("CL301", 2))
    assert where(kept) == [("CL301", 2)]
    assert about == []


def test_codes_are_matched_without_regard_to_case() -> None:
    kept, about = run("<!-- cardlint-disable-next-line cl301 -->\nbad\n", ("CL301", 2))
    assert (kept, about) == ([], [])


def test_a_range_runs_from_disable_to_enable() -> None:
    text = "ok\n<!-- cardlint-disable CL4 -->\nbad\nbad\n<!-- cardlint-enable CL4 -->\nbad\n"
    lines = [("CL401", n) for n in (1, 3, 4, 6)]
    kept, about = run(text, *lines, ("CL301", 3))
    assert where(kept) == [("CL301", 3), ("CL401", 1), ("CL401", 6)]
    assert about == []


def test_enable_without_codes_ends_every_range() -> None:
    text = (
        "<!-- cardlint-disable CL3 -->\n<!-- cardlint-disable CL401 -->\nbad\n"
        "<!-- cardlint-enable -->\nbad\n"
    )
    kept, about = run(text, ("CL301", 3), ("CL401", 3), ("CL301", 5), ("CL401", 5))
    assert where(kept) == [("CL301", 5), ("CL401", 5)]
    assert about == []


def test_enabling_one_code_keeps_the_rest_of_a_prefix_disabled() -> None:
    text = "<!-- cardlint-disable CL4 -->\nbad\n<!-- cardlint-enable CL401 -->\nbad\n"
    kept, about = run(text, ("CL401", 2), ("CL401", 4), ("CL402", 4))
    assert where(kept) == [("CL401", 4)]
    assert about == []


def test_a_range_without_enable_runs_to_the_end() -> None:
    text = "bad\n<!-- cardlint-disable -->\nbad\n\n\nbad"
    kept, _ = run(text, ("CL301", 1), ("CL301", 3), ("CL404", 6))
    assert where(kept) == [("CL301", 1)]


def test_disable_file_hides_its_codes_everywhere() -> None:
    text = "bad\nbad\n<!-- cardlint-disable-file CL301 CL2 -->\n"
    kept, about = run(text, ("CL301", 1), ("CL205", 2), ("CL404", 2))
    assert where(kept) == [("CL404", 2)]
    assert about == []


def test_an_end_of_line_comment_covers_the_line_after_its_own() -> None:
    text = "Some notes. <!-- cardlint-disable-next-line CL301 -->\nbad\n"
    kept, about = run(text, ("CL301", 1), ("CL301", 2))
    assert where(kept) == [("CL301", 1)]
    assert about == []


def test_findings_of_other_files_pass_through() -> None:
    source = from_text("card.md", "<!-- cardlint-disable-file -->\nbad\n")
    other = from_text("other.md", "x\nbad\n")
    kept, _ = apply(parse_suppressions(source), [at(other, "CL301", 2)])
    assert where(kept) == [("CL301", 2)]


# --- what is not a suppression ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "```\n<!-- cardlint-disable-file -->\n```\nbad\n",
        "~~~~ markdown\n```\n<!-- cardlint-disable-file -->\n~~~~\nbad\n",
        "  ```\n<!-- cardlint-disable-file -->\n",  # an unclosed fence runs to the end
        "Write `<!-- cardlint-disable-file -->` to silence a file.\nbad\n",
        "<!-- cardlint-disabled -->\n<!-- cardlint-disable-next-line CL301\n-->\nbad\n",
    ],
    ids=["fenced", "tilde-fence", "unclosed-fence", "inline-code", "malformed"],
)
def test_text_that_is_not_a_suppression(text: str) -> None:
    source = from_text("card.md", text)
    assert parse_suppressions(source).comments == ()


def test_a_comment_after_a_closed_fence_counts() -> None:
    text = "```\ncode\n```\n<!-- cardlint-disable-next-line -->\nbad\n"
    kept, about = run(text, ("CL301", 5))
    assert (kept, about) == ([], [])


# --- CL109 unused-suppression -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "removed", "left"),
    [
        (
            "a\n<!-- cardlint-disable-next-line CL301 -->\nb\n",
            "<!-- cardlint-disable-next-line CL301 -->\n",
            "a\nb\n",
        ),
        (
            "a\n  <!-- cardlint-disable-file -->  \nb\n",
            "  <!-- cardlint-disable-file -->  \n",
            "a\nb\n",
        ),
        ("a\n<!-- cardlint-disable-file -->", "<!-- cardlint-disable-file -->", "a\n"),
        (
            "Some notes. <!-- cardlint-disable-next-line -->\nb\n",
            " <!-- cardlint-disable-next-line -->",
            "Some notes.\nb\n",
        ),
        (
            "<!-- cardlint-disable CL3 --> notes\n",
            "<!-- cardlint-disable CL3 --> ",
            "notes\n",
        ),
    ],
    ids=["own-line", "own-line-indented", "last-line", "end-of-line", "start-of-line"],
)
def test_an_unused_comment_is_removed_exactly(text: str, removed: str, left: str) -> None:
    kept, about = run(text)
    assert kept == []
    (finding,) = about
    assert finding.code == "CL109"
    assert finding.severity is Severity.WARNING
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    (edit,) = finding.fix.edits
    assert (text[edit.span.start : edit.span.end], edit.text) == (removed, "")
    assert fixed(text, about) == left
    start = text.index("<!--")
    assert (finding.span.start, finding.span.end) == (start, text.index("-->") + 3)


def test_the_finding_names_the_unused_codes() -> None:
    _, about = run("<!-- cardlint-disable-next-line CL301 CL4 -->\nbad\n")
    assert about[0].message.endswith("suppresses nothing (unused: `CL301`, `CL4`)")


@pytest.mark.parametrize(
    ("codes", "used", "left"),
    [
        ("CL301, CL404", "CL301", "CL301"),
        ("CL404,CL301", "CL301", "CL301"),
        ("CL3 CL301 CL4", "CL301", "CL301"),
        ("CL3 CL4 CL999", "CL401", "CL4 CL999"),
        ("CL301 CL301", "CL301", "CL301"),
        ("CL301, CL302, CL404", "CL302", "CL302"),
        ("CL301, CL302, CL404", "CL404", "CL404"),
    ],
)
def test_only_the_unused_codes_are_removed(codes: str, used: str, left: str) -> None:
    text = f"<!-- cardlint-disable-next-line {codes} -->\nbad\n"
    kept, about = run(text, (used, 2))
    assert kept == []
    (finding,) = [d for d in about if d.code == "CL109"]
    assert "has unused code" in finding.message
    assert fixed(text, [finding]) == f"<!-- cardlint-disable-next-line {left} -->\nbad\n"


def test_the_credit_goes_to_the_most_specific_comment() -> None:
    text = "<!-- cardlint-disable-file CL301 -->\n<!-- cardlint-disable-next-line CL301 -->\nbad\n"
    kept, about = run(text, ("CL301", 3))
    assert kept == []
    assert where(about) == [("CL109", 1)]


def test_an_unused_comment_cannot_hide_its_own_finding() -> None:
    for text in ("<!-- cardlint-disable-file -->\n", "<!-- cardlint-disable-file CL109 -->\n"):
        assert where(run(text)[1]) == [("CL109", 1)]


def test_another_comment_can_hide_an_unused_comment_and_is_then_used() -> None:
    text = "<!-- cardlint-disable-file CL109 -->\n<!-- cardlint-disable-next-line CL301 -->\nok\n"
    assert run(text) == ([], [])
    text = "<!-- cardlint-disable-next-line CL1 -->\n<!-- cardlint-disable-file CL404 -->\n"
    assert run(text) == ([], [])


def test_enable_comments_are_never_unused() -> None:
    assert run("<!-- cardlint-enable CL3 -->\n<!-- cardlint-enable -->\n") == ([], [])


# --- CL110 unknown-suppression-code -------------------------------------------------------


def test_an_unknown_code_is_reported_and_never_widens_the_comment() -> None:
    text = "<!-- cardlint-disable-next-line CL3O1, CL999 -->\nbad\n"
    kept, about = run(text, ("CL301", 2))
    assert where(kept) == [("CL301", 2)]
    assert [(d.code, text[d.span.start : d.span.end]) for d in about] == [
        ("CL110", "CL3O1"),
        ("CL110", "CL999"),
    ]
    assert all(d.fix is None and d.severity is Severity.WARNING for d in about)


@pytest.mark.parametrize("code", ["CL", "CL1000", "E501", "CL8", "CL95"])
def test_what_is_not_a_code_or_prefix(code: str) -> None:
    text = f"<!-- cardlint-disable-file {code} -->\n"
    assert where(run(text)[1]) == [("CL110", 1)]


def test_unknown_codes_survive_a_partial_fix_and_a_known_one_is_still_used() -> None:
    text = "<!-- cardlint-disable-file CL301 nope -->\nbad\n"
    kept, about = run(text, ("CL301", 2))
    assert kept == []
    assert where(about) == [("CL110", 1)]


def test_another_comment_can_hide_an_unknown_code() -> None:
    text = "<!-- cardlint-disable-file CL110 -->\n<!-- cardlint-disable-next-line CL3O1 -->\n"
    assert run(text) == ([], [])


# --- registry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "fixable"),
    [("CL109", "unused-suppression", True), ("CL110", "unknown-suppression-code", False)],
)
def test_the_codes_are_registered(code: str, name: str, fixable: bool) -> None:
    rule = registry.get(code)
    assert rule is not None
    assert (rule.name, rule.fixable, rule.severity, rule.family) == (
        name,
        fixable,
        Severity.WARNING,
        "structure",
    )
    assert rule.check is None
    assert list(rule.doc) == list(registry.SECTIONS)
