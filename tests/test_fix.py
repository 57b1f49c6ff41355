"""`cardlint fix`: fixture pairs, byte-exact round trips, refusals, and the fix core."""

from __future__ import annotations

import dataclasses
import json
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardlint import derive
from cardlint.cli import main
from cardlint.config import DEFAULT
from cardlint.diagnostics import Diagnostic, Edit, Fix
from cardlint.fix import (
    fix_source,
    line_map,
    overlaps,
    select,
    splice,
    to_original,
    write_checked,
)
from cardlint.linkcheck import LinkResolver
from cardlint.parse.card import parse_card
from cardlint.records import CardRecord, Span
from cardlint.rules import registry
from cardlint.rules.context import CardContext
from cardlint.source import BOM, Source, from_text

from .conftest import FIXTURES
from .helpers import run

TREE = FIXTURES / "fix" / "tree"
EXPECTED = FIXTURES / "fix" / "expected"
LAB = "marlin-works"
UNSAFE_CASES = ("tags-disagree",)
CASES = sorted(p.stem for p in EXPECTED.glob("*.md") if p.stem not in UNSAFE_CASES)
CLEAN = sorted(p.stem for p in (TREE / "models" / LAB).glob("clean-*.md"))
STYLES = {
    "lf": ("\n", False),
    "crlf": ("\r\n", False),
    "bom": ("\n", True),
    "bom-crlf": ("\r\n", True),
}


def card(tree: Path, name: str) -> Path:
    return tree / "models" / LAB / f"{name}.md"


def fix(tree: Path, *args: str) -> tuple[int, str, str]:
    result = run("fix", "--root", str(tree), *args)
    return result.exit_code, result.stdout, result.stderr


def encode(text: str, style: str) -> bytes:
    newline, bom = STYLES[style]
    return ((BOM if bom else "") + text.replace("\n", newline)).encode("utf-8")


def clean_text(name: str) -> str:
    return card(TREE, name).read_text(encoding="utf-8")


def parsed(text: str, name: str) -> CardRecord:
    return parse_card(from_text(name, text), f"models/{LAB}/{name}.md")[0]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(TREE, copy)
    return copy


@pytest.fixture(scope="module")
def shared_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the property tests; each example rewrites the one card it fixes."""
    copy = tmp_path_factory.mktemp("fix") / "tree"
    shutil.copytree(TREE, copy)
    return copy


# --- fixture pairs ------------------------------------------------------------------------


def test_every_case_has_an_input_and_an_expected_output() -> None:
    assert len(CASES) >= 20
    for name in (*CASES, *UNSAFE_CASES):
        assert card(TREE, name).is_file(), name
        assert card(TREE, name).read_bytes() != (EXPECTED / f"{name}.md").read_bytes(), name


@pytest.mark.parametrize("name", CASES)
def test_fix_turns_the_input_into_the_expected_bytes(tree: Path, name: str) -> None:
    path = card(tree, name)
    code, out, _ = fix(tree, str(path))
    assert path.read_bytes() == (EXPECTED / f"{name}.md").read_bytes()
    assert code == 0, out
    assert out.endswith("(0 remaining).\n") and "Fixed 0 " not in out
    code, out, _ = fix(tree, str(path))
    assert (code, out) == (0, "Fixed 0 findings in 0 files (0 remaining).\n")
    assert path.read_bytes() == (EXPECTED / f"{name}.md").read_bytes()


def test_fixing_the_whole_tree_matches_every_expected_file(tree: Path) -> None:
    code, out, _ = fix(tree, str(tree))
    assert code == 1  # the unsafe case remains
    assert out.endswith(f"in {len(CASES)} files (1 remaining).\n")
    for name in CASES:
        assert card(tree, name).read_bytes() == (EXPECTED / f"{name}.md").read_bytes(), name
    for name in CLEAN:
        assert card(tree, name).read_bytes() == card(TREE, name).read_bytes(), name


def test_crlf_and_bom_survive_the_fix(tree: Path) -> None:
    fix(tree, str(tree))
    crlf = card(tree, "crlf-stale-value").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n")  # the inserted analysis line too
    assert card(tree, "bom-card").read_bytes().startswith(BOM.encode())
    both = card(tree, "bom-crlf-card").read_bytes()
    assert both.startswith(BOM.encode()) and both.count(b"\r\n") == both.count(b"\n")


def test_unsafe_fixes_need_the_flag(tree: Path) -> None:
    path = card(tree, "tags-disagree")
    before = path.read_bytes()
    code, out, _ = fix(tree, str(path))
    assert code == 1 and path.read_bytes() == before
    assert "CL308" in out and "1 more fixable with `cardlint fix --unsafe-fixes`." in out
    assert out.endswith("Fixed 0 findings in 0 files (1 remaining).\n")
    code, out, _ = fix(tree, "--unsafe-fixes", str(path))
    assert code == 0 and out == "Fixed 1 finding in 1 file (0 remaining).\n"
    assert path.read_bytes() == (EXPECTED / "tags-disagree.md").read_bytes()


# --- --diff, formats, exit codes ----------------------------------------------------------


def _snapshot(tree: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tree)): p.read_bytes() for p in tree.rglob("*") if p.is_file()}


def test_diff_writes_nothing_and_exits_1(tree: Path) -> None:
    before = _snapshot(tree)
    code, out, err = fix(tree, "--diff", str(tree))
    assert code == 1 and _snapshot(tree) == before
    assert f"--- a/models/{LAB}/stale-ratio.md\n+++ b/models/{LAB}/stale-ratio.md\n" in out
    assert "-- **Token:Param Ratio:** 110:1 ✅ Compute-optimal\n" in out
    assert "+- **Token:Param Ratio:** 100:1 ✅ Compute-optimal\n" in out
    assert "CL308" not in out and err.startswith("Would fix ")


def test_diff_applies_as_a_patch(tree: Path, tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    patch = tmp_path / "fix.patch"
    # stdout_bytes: click's text output turns the CRLF lines of the diff into LF.
    patch.write_bytes(run("fix", "--diff", "--root", str(tree), str(tree)).stdout_bytes)
    subprocess.run([git, "apply", str(patch)], cwd=tree, check=True, capture_output=True)
    for name in CASES:
        assert card(tree, name).read_bytes() == (EXPECTED / f"{name}.md").read_bytes(), name


def test_diff_on_a_clean_card_is_empty_and_exits_0(tree: Path) -> None:
    assert fix(tree, "--diff", str(card(tree, "clean-moe")))[:2] == (0, "")


def test_json_format_reports_counts_and_remaining(tree: Path) -> None:
    code, out, _ = fix(tree, "--format", "json", str(tree))
    data = json.loads(out)
    assert code == 1
    assert data["files_fixed"] == len(CASES) and data["not_fixed"] == []
    assert [d["code"] for d in data["diagnostics"]] == ["CL308"]
    assert data["fixed"] > len(CASES)


def test_usage_errors_exit_2(tree: Path) -> None:
    assert main(["fix", "--root", str(tree), str(tree / "missing.md")]) == 2
    assert main(["fix", "--format", "sarif", str(tree)]) == 2


def test_file_mode_is_kept_and_no_temporary_file_is_left(tree: Path) -> None:
    path = card(tree, "stale-ratio")
    path.chmod(0o640)
    fix(tree, str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        p.name for p in card(TREE, "stale-ratio").parent.iterdir()
    )


# --- refusals -----------------------------------------------------------------------------


def test_a_symlinked_card_is_reported_and_not_written(tree: Path) -> None:
    target = card(tree, "stale-ratio")
    link = card(tree, "linked-ratio")
    link.symlink_to(target.name)
    before = target.read_bytes()
    code, _, err = fix(tree, str(link))
    assert code == 1 and "is a symlink" in err
    assert target.read_bytes() == before and link.is_symlink()


def test_a_card_reached_through_a_symlinked_folder_outside_the_root_is_not_written(
    tree: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(card(tree, "stale-ratio"), outside / "stale-ratio.md")
    (tree / "models" / "elsewhere").symlink_to(outside, target_is_directory=True)
    code, out, _ = fix(tree, str(tree / "models" / "elsewhere" / "stale-ratio.md"))
    # Never even read: the symlinked folder is resolved inside the root from its text.
    assert code == 1 and "CL901 symlink points outside the root: not read" in out
    assert (outside / "stale-ratio.md").read_bytes() == card(TREE, "stale-ratio").read_bytes()


@pytest.mark.parametrize("data", [b"# Broken \xff card\n", b"# Binary\x00 card\n"])
def test_an_unreadable_card_is_never_written(tree: Path, data: bytes) -> None:
    path = card(tree, "unreadable")
    path.write_bytes(data)
    code, out, _ = fix(tree, str(path))
    assert code == 1 and path.read_bytes() == data and "CL90" in out


def test_a_card_changed_on_disk_meanwhile_is_not_overwritten(tree: Path) -> None:
    path = card(tree, "stale-ratio")
    source = from_text(str(path), path.read_text(encoding="utf-8"))
    outcome = fix_source(source, f"models/{LAB}/stale-ratio.md", DEFAULT, LinkResolver(tree))
    assert outcome.changed
    path.write_bytes(path.read_bytes() + b"\n")
    assert "changed on disk" in (write_checked(path, tree, outcome) or "")
    assert path.read_bytes().endswith(b"\n\n")


# --- verification: rules that propose bad fixes --------------------------------------------

Check = Callable[[CardContext], Iterator[Diagnostic]]


def _patch_rule(monkeypatch: pytest.MonkeyPatch, code: str, check: Check) -> None:
    rule = registry.get(code)
    assert rule is not None
    # The registry holds the check functions themselves; swap the entry for this test only.
    monkeypatch.setitem(registry._RULES, code, dataclasses.replace(rule, check=check))


def _bad_fix(ctx: CardContext, span: Span, new: str) -> Diagnostic:
    return ctx.replace("CL311", span, new, "a bad fix for the test", "Break the card")


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(CLEAN), style=st.sampled_from(sorted(STYLES)), index=st.integers(0))
def test_a_fix_that_deletes_a_heading_is_refused(
    shared_tree: Path, name: str, style: str, index: int
) -> None:
    intact = len(parsed(clean_text(name), name).headings)

    def delete_heading(ctx: CardContext) -> Iterator[Diagnostic]:
        headings = ctx.record.headings
        if len(headings) == intact:  # offered on the intact card only, so the fix converges
            yield _bad_fix(ctx, headings[index % intact].span, "")

    path = card(shared_tree, name)
    data = encode(clean_text(name), style)
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _patch_rule(monkeypatch, "CL311", delete_heading)
        code, _, err = fix(shared_tree, str(path))
    assert code == 1 and "not fixed: the fixed text would no longer parse (CL10" in err
    assert path.read_bytes() == data


def test_a_fix_that_changes_an_untargeted_field_is_refused(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def append_to_notes(ctx: CardContext) -> Iterator[Diagnostic]:
        notes = ctx.record.notes
        if notes is not None and "\n" not in notes.value:
            # Lands on the blank line after the notes: outside their span, yet it changes them.
            after = ctx.source.span(notes.span.end + 1, notes.span.end + 1)
            yield _bad_fix(ctx, after, "\nA second paragraph.\n")

    _patch_rule(monkeypatch, "CL311", append_to_notes)
    path = card(tree, "clean-dense")
    code, _, err = fix(tree, str(path))
    assert code == 1 and "change fields they do not target: notes" in err
    assert path.read_bytes() == card(TREE, "clean-dense").read_bytes()


def test_a_fix_that_never_settles_is_reported_not_looped(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def grow_formula(ctx: CardContext) -> Iterator[Diagnostic]:
        if ctx.record.formula is not None:
            yield _bad_fix(ctx, ctx.record.formula.span, ctx.record.formula.value + "!")

    _patch_rule(monkeypatch, "CL311", grow_formula)
    path = card(tree, "clean-dense")
    code, _, err = fix(tree, str(path))
    assert code == 1 and "do not converge in 10 rounds" in err
    assert path.read_bytes() == card(TREE, "clean-dense").read_bytes()


def test_a_fix_that_changes_nothing_is_reported(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def same_formula(ctx: CardContext) -> Iterator[Diagnostic]:
        if ctx.record.formula is not None:
            yield _bad_fix(ctx, ctx.record.formula.span, ctx.record.formula.value)

    _patch_rule(monkeypatch, "CL311", same_formula)
    code, _, err = fix(tree, str(card(tree, "clean-dense")))
    assert code == 1 and "no progress" in err


# --- properties ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("name", CLEAN)
def test_fixing_a_clean_card_changes_no_byte(tree: Path, name: str, style: str) -> None:
    path = card(tree, name)
    data = encode(clean_text(name), style)
    path.write_bytes(data)
    mtime = path.stat().st_mtime_ns
    assert fix(tree, str(path))[:2] == (0, "Fixed 0 findings in 0 files (0 remaining).\n")
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime


Corruption = Callable[[CardRecord, st.DataObject], tuple[Span, str] | None]
ORG = "Marlin Works"
TIERS = [f" ({label})" for _, label in DEFAULT.tiers]
ANALYSIS = [
    DEFAULT.analysis_mmlu_exceptional,
    DEFAULT.analysis_mmlu_strong,
    DEFAULT.analysis_gpqa_outstanding,
    DEFAULT.analysis_gpqa_good,
]


def _ratio(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    numbers = st.integers(1, 2_000_000)
    written = data.draw(numbers.map("{:,}:1".format) | numbers.map("{}:1".format))
    return (r.ratio.span, written) if r.ratio else None


def _verdict(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    if r.verdict is None or r.verdict.raw == "-":
        return None  # `- ✅ …` does not parse: not a plausible stale value
    return r.verdict.span, data.draw(st.sampled_from([DEFAULT.verdict_good, DEFAULT.verdict_bad]))


def _alscore(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    scores = st.floats(0, 60).map("{:.1f}".format)
    return (r.alscore.span, data.draw(scores | st.just("-"))) if r.alscore else None


def _tier(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    if r.tier_slot is None or (r.alscore is not None and r.alscore.raw == "-"):
        return None
    return r.tier_slot, data.draw(st.sampled_from(["", *TIERS]))


def _analysis(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    if r.analysis_slot is None:
        return None
    lines = data.draw(st.lists(st.sampled_from(ANALYSIS), max_size=2))  # a third is CL103
    return r.analysis_slot, "".join(f"\n\n**Analysis:** {line}" for line in lines)


def _overview(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    assert r.overview is not None and r.title is not None
    tags = data.draw(st.sampled_from([(), ("SOTA",), ("Reasoning",), ("SOTA", "Reasoning")]))
    return r.overview.span, derive.overview_sentence(r.title.value, ORG, tags)


def _emoji(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    assert r.access_emoji is not None
    return r.access_emoji.span, data.draw(st.sampled_from(["🟢", "🔴", "❓"]))


def _formula(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    assert r.formula is not None
    return r.formula.span, data.draw(st.sampled_from(["√(Parameters + Tokens) ÷ 300", "x / 3"]))


def _related_org(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    assert r.related_org is not None
    return r.related_org.span, data.draw(st.sampled_from(["Marlin", "Marlin Work", "Tidewater"]))


def _lab_target(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    assert r.organization_link and r.profile_link and r.lab_footer_link
    span = data.draw(
        st.sampled_from(
            [r.organization_link.span, r.profile_link.target_span, r.lab_footer_link.target_span]
        )
    )
    return span, data.draw(st.sampled_from(["../../labs/marlin.md", "../labs/marlin-works.md"]))


def _architecture(r: CardRecord, data: st.DataObject) -> tuple[Span, str] | None:
    link = r.architecture_link
    assert link is not None
    kind = data.draw(st.sampled_from(["Dense", "MoE", "Hybrid"]))
    if data.draw(st.booleans()):
        return link.text_span, f"{kind} models"
    return link.target_span, f"../../architectures/{kind.lower()}.md"


CORRUPTIONS: dict[str, Corruption] = {
    "ratio": _ratio,
    "verdict": _verdict,
    "alscore": _alscore,
    "tier": _tier,
    "analysis": _analysis,
    "overview": _overview,
    "emoji": _emoji,
    "formula": _formula,
    "related_org": _related_org,
    "lab_target": _lab_target,
    "architecture": _architecture,
}


def _corrupted(data: st.DataObject, name: str, count: int) -> str:
    """The clean card with `count` derived values replaced by other plausible values."""
    text = clean_text(name)
    record = parsed(text, name)
    kinds = data.draw(
        st.lists(st.sampled_from(sorted(CORRUPTIONS)), min_size=1, max_size=count, unique=True)
    )
    edits = [c for c in (CORRUPTIONS[k](record, data) for k in kinds) if c is not None]
    ordered = sorted(edits, key=lambda e: (e[0].start, e[0].end))
    return splice(text, ((span.start, span.end, new) for span, new in ordered))


@settings(max_examples=80, deadline=None)
@given(data=st.data(), name=st.sampled_from(CLEAN), style=st.sampled_from(sorted(STYLES)))
def test_fix_restores_a_corrupted_derived_value(
    shared_tree: Path, data: st.DataObject, name: str, style: str
) -> None:
    path = card(shared_tree, name)
    path.write_bytes(encode(_corrupted(data, name, 1), style))
    code, out, err = fix(shared_tree, str(path))
    assert (code, err) == (0, ""), out
    assert path.read_bytes() == encode(clean_text(name), style)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), name=st.sampled_from(CLEAN), style=st.sampled_from(sorted(STYLES)))
def test_fixing_twice_equals_fixing_once(
    shared_tree: Path, data: st.DataObject, name: str, style: str
) -> None:
    path = card(shared_tree, name)
    path.write_bytes(encode(_corrupted(data, name, 4), style))
    fix(shared_tree, str(path))
    once = path.read_bytes()
    code, out, _ = fix(shared_tree, str(path))
    assert path.read_bytes() == once
    assert "Fixed 0 findings in 0 files" in out
    assert code == 0 or "[*]" not in out  # whatever remains has no safe fix
    # Independent corruptions of derived values all come back.
    assert once == encode(clean_text(name), style)


# --- the core, in memory ------------------------------------------------------------------


def _span(start: int, end: int) -> Span:
    return Span(start, end, 1, start + 1, 1, end + 1)


def test_overlapping_fixes_are_skipped_whole() -> None:
    first = Fix("first", (Edit(_span(0, 5), "A"), Edit(_span(10, 12), "B")))
    second = Fix("second", (Edit(_span(11, 13), "C"), Edit(_span(20, 21), "D")))
    third = Fix("third", (Edit(_span(5, 5), "E"),))
    assert [e.text for e in select([first, second, third])] == ["A", "E", "B"]
    tangled = Fix("tangled", (Edit(_span(30, 35), "F"), Edit(_span(33, 34), "G")))
    assert select([tangled]) == []


def test_insertions_at_one_point_conflict_but_touching_edits_do_not() -> None:
    assert overlaps(_span(3, 3), _span(3, 3))
    assert not overlaps(_span(3, 3), _span(3, 6))
    assert not overlaps(_span(0, 3), _span(3, 6))
    assert overlaps(_span(4, 4), _span(3, 6))


def test_edits_map_to_mixed_line_endings_by_line_and_column() -> None:
    original = "a\r\nbb\rccc\ndd"
    source = from_text("x.md", original)
    assert source.text == "a\nbb\nccc\ndd"
    edits = [
        Edit(source.span(2, 4), "BB"),  # `bb`, after a CRLF
        Edit(source.span(5, 5), "new\n"),  # start of `ccc`, after a lone CR
        Edit(source.span(11, 11), "!"),  # end of text
    ]
    moved = to_original(source, edits, "\r\n")
    assert splice(original, moved) == "a\r\nBB\rnew\r\nccc\ndd!"


def test_fix_source_keeps_every_byte_outside_the_edits_of_a_mixed_file(tree: Path) -> None:
    lines = card(TREE, "stale-alscore").read_text(encoding="utf-8").split("\n")
    endings = ["\r\n", "\n", "\r"]
    original = "".join(line + endings[i % 3] for i, line in enumerate(lines[:-1])) + lines[-1]
    source = from_text("mixed.md", original)
    outcome = fix_source(source, f"models/{LAB}/stale-alscore.md", DEFAULT, LinkResolver(tree))
    assert outcome.error is None and outcome.fixed == 1
    assert outcome.text == original.replace("0.9 (Lightweight)", "0.7 (Lightweight)")


def test_line_map_follows_inserted_and_removed_lines() -> None:
    mapping = line_map("a\nb\nc\nd", "a\nb\nX\nY\nc\nd")
    assert [mapping[j] for j in (1, 2, 5, 6)] == [1, 2, 3, 4]
    assert line_map("a\nb\nc", "a\nc") == {1: 1, 2: 3}


def test_an_outcome_without_fixes_is_the_input(tree: Path) -> None:
    text = encode(clean_text("clean-reasoner"), "bom-crlf").decode("utf-8")
    source: Source = from_text("clean.md", text)
    outcome = fix_source(
        source, f"models/{LAB}/clean-reasoner.md", DEFAULT, LinkResolver(tree), unsafe=True
    )
    assert not outcome.changed and outcome.fixed == 0
    assert outcome.data == text.encode("utf-8") and outcome.text == source.original
