"""The terminal options of `cardlint check`, settings files, the baseline, and `fix --ignore`."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cardlint import run
from cardlint.cli import cli, main
from cardlint.report import text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "leaderboard"
HOVER = "models/kestrel-research/hover-1.md"
QUARRY_PRO = "models/basalt-labs/quarry-pro.md"
QUARRY_72B = "models/basalt-labs/quarry-72b.md"
GALE_MINI = "models/northwind-ai/gale-2-mini.md"
# The three defective cards of the example, as examples/leaderboard/DEFECTS.md describes them,
# and their repaired text: (card, defective text, repaired text).
REPAIRS = (
    (HOVER, "- **ALScore:** 1.4 (Mid-tier)", "- **ALScore:** 1.1 (Mid-tier)"),
    (
        QUARRY_PRO,
        "- **Token:Param Ratio:** 12:1 ✅ Compute-optimal",
        "- **Token:Param Ratio:** 15:1 ⚠️ Under-trained",
    ),
    (
        GALE_MINI,
        "[Try the Model](Playground)",
        "[Try the Model](https://example.com/northwind/gale-2-mini/chat)",
    ),
    (GALE_MINI, "(../../architectures/dense-models.md)", "(../../architectures/dense.md)"),
)
CARD_DEFECTS = {
    (QUARRY_PRO, 21, "CL301"),
    (QUARRY_PRO, 21, "CL303"),
    (HOVER, 24, "CL304"),
    (GALE_MINI, 51, "CL404"),
    (GALE_MINI, 59, "CL401"),
    (GALE_MINI, 59, "CL407"),
}
FINDING = re.compile(r"^(?P<path>\S+):(?P<line>\d+):(?P<column>\d+): (?P<code>CL\d{3})\b")
STATISTIC = re.compile(r"\s*(?P<count>\d+)  (?P<code>CL\d{3})  \[[* ]\] [a-z-]+")
Finding = tuple[str, int, str]  # (path relative to the tree, line, code)


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old`, keeping every other byte (newlines included)."""
    content = path.read_bytes().decode("utf-8")
    assert content.count(old) == 1, f"{path} should hold {old!r} exactly once"
    path.write_bytes(content.replace(old, new).encode("utf-8"))


def repaired_example(destination: Path) -> Path:
    """A copy of the example leaderboard with its three defective cards repaired: it lints clean."""
    shutil.copytree(EXAMPLES, destination)
    for card, defective, repaired in REPAIRS:
        replace_once(destination / card, defective, repaired)
    return destination


def invoke(*args: str) -> Result:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def findings(*args: str, tree: str = "lb") -> set[Finding]:
    """The findings of `cardlint check --format json ARGS`, paths relative to `tree`."""
    result = invoke("check", "--format", "json", *args)
    assert result.exit_code in {0, 1}, result.stderr
    prefix = f"{Path(tree).as_posix()}/"
    return {
        (d["path"].removeprefix(prefix), d["line"], d["code"])
        for d in json.loads(result.stdout)["diagnostics"]
    }


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example leaderboard copied to `<tmp>/lb`, the working folder being `<tmp>`."""
    shutil.copytree(EXAMPLES, tmp_path / "lb")
    monkeypatch.chdir(tmp_path)
    return Path("lb")


@pytest.fixture
def clean_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repaired_example(tmp_path / "lb")
    monkeypatch.chdir(tmp_path)
    return Path("lb")


def test_the_example_holds_the_documented_card_defects(tree: Path) -> None:
    assert findings(str(tree)) >= CARD_DEFECTS


def test_the_repaired_example_is_clean(clean_tree: Path) -> None:
    result = invoke("check", str(clean_tree))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("All checks passed")


# --- what is printed ---


def test_statistics_prints_one_count_per_code(tree: Path) -> None:
    expected = Counter(code for _, _, code in findings(str(tree)))
    result = invoke("check", "--statistics", str(tree))
    assert result.exit_code == 1
    rows = [STATISTIC.fullmatch(row) for row in result.stdout.splitlines()]
    assert all(rows), result.stdout
    assert {row["code"]: int(row["count"]) for row in rows if row} == dict(expected)


def test_exit_zero_reports_the_findings_and_exits_0(tree: Path) -> None:
    result = invoke("check", "--exit-zero", str(tree))
    assert result.exit_code == 0
    assert f"{tree}/{HOVER}:24:16: CL304" in result.stdout
    assert "Found " in result.stdout


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_the_findings_and_nothing_else(tree: Path, flag: str) -> None:
    result = invoke("check", flag, str(tree))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(FINDING.match(x) for x in lines), result.stdout
    assert len(lines) == len(findings(str(tree)))


def test_quiet_prints_nothing_on_clean_cards(clean_tree: Path) -> None:
    result = invoke("check", "-q", str(clean_tree))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_show_source_puts_a_caret_run_under_each_span(tree: Path) -> None:
    spans = json.loads(invoke("check", "--format", "json", str(tree)).stdout)["diagnostics"]
    lines = invoke("check", "--show-source", str(tree)).stdout.splitlines()
    starts = [i for i, x in enumerate(lines) if FINDING.match(x)]
    assert len(starts) == len(spans) == 7
    for start, span in zip(starts, spans, strict=True):
        assert lines[start].startswith(f"{span['path']}:{span['line']}:{span['column']}: ")
        shown, caret = lines[start + 1], lines[start + 2]
        gutter = shown.index("| ") + 2  # `  24 | ` before the line, `     | ` before the caret
        assert shown[: gutter - 2].strip() == str(span["line"])
        source_line = Path(span["path"]).read_text("utf-8").splitlines()[span["line"] - 1]
        assert shown[gutter:] == source_line
        assert caret[:gutter].strip() == "|"
        marks = caret[gutter:]
        assert marks.lstrip(" ") == "^" * (span["end_column"] - span["column"])
        assert len(marks) - len(marks.lstrip(" ")) == span["column"] - 1


# --- colour ---


@pytest.mark.parametrize("extra", [(), ("--show-source",)])
def test_no_ansi_escapes_when_stdout_is_not_a_terminal(tree: Path, extra: tuple[str, ...]) -> None:
    result = invoke("check", *extra, str(tree))
    assert result.exit_code == 1
    assert "\x1b[" not in result.stdout


def test_a_coloured_line_is_the_plain_line_with_ansi_styles(tree: Path) -> None:
    _, results = run.lint_selection(run.Selection(paths=(tree,)))
    diagnostic = next(d for r in results for d in r.diagnostics if d.code == "CL304")
    coloured = text.line(diagnostic, color=True)
    assert "\x1b[" in coloured
    assert click.unstyle(coloured) == text.line(diagnostic)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_turns_colour_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert run.use_color() is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert run.use_color() is False


# --- where and how the report is written ---


def test_output_file_gets_the_report_and_stdout_nothing(tree: Path) -> None:
    result = invoke("check", "--output-file", "report.txt", str(tree))
    assert result.exit_code == 1
    assert result.stdout == ""
    written = Path("report.txt").read_text("utf-8")
    assert f"{tree}/{HOVER}:24:16: CL304" in written
    assert "Found " in written
    assert "\x1b[" not in written


def _count_github(report: str) -> int:
    return sum(1 for x in report.splitlines() if x.startswith(("::error ", "::warning ")))


def _count_sarif(report: str) -> int:
    return len(json.loads(report)["runs"][0]["results"])


def _count_junit(report: str) -> int:
    return len(ET.fromstring(report).findall(".//failure"))


def _count_json(report: str) -> int:
    return len(json.loads(report)["diagnostics"])


COUNTERS = {
    "github": _count_github,
    "json": _count_json,
    "junit": _count_junit,
    "sarif": _count_sarif,
}


@pytest.mark.parametrize("fmt", sorted(COUNTERS))
def test_every_format_exits_1_with_findings_and_0_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "defective")
    repaired_example(tmp_path / "clean")
    monkeypatch.chdir(tmp_path)
    expected = len(findings("defective", tree="defective"))
    defective = invoke("check", "--format", fmt, "defective")
    assert defective.exit_code == 1
    assert COUNTERS[fmt](defective.stdout) == expected
    clean = invoke("check", "--format", fmt, "clean")
    assert clean.exit_code == 0
    assert COUNTERS[fmt](clean.stdout) == 0


# --- rule selection ---


def test_select_a_prefix_reports_that_family_only(tree: Path) -> None:
    assert {code for _, _, code in findings("--select", "CL3", str(tree))} == {
        "CL301",
        "CL303",
        "CL304",
    }


def test_ignore_a_code_drops_that_code_only(tree: Path) -> None:
    every = findings(str(tree))
    assert findings("--ignore", "CL304", str(tree)) == {f for f in every if f[2] != "CL304"}


def test_extend_select_adds_to_the_selection(tree: Path) -> None:
    chosen = findings("--select", "CL301", "--extend-select", "CL304", str(tree))
    assert chosen == {(QUARRY_PRO, 21, "CL301"), (HOVER, 24, "CL304")}
    assert findings("--select", "CL301,CL304", str(tree)) == chosen


def test_an_unknown_selector_is_a_usage_error(tree: Path) -> None:
    result = invoke("check", "--select", "CL999", str(tree))
    assert result.exit_code == 2
    assert '"CL999"' in result.stderr


# --- settings files ---


def test_cardlint_toml_is_found_upward_from_the_checked_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES, project / "lb")
    (project / ".cardlint.toml").write_text('ignore = ["CL4"]\n', "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the file lies above the checked folder, not the cwd
    tree, shown = str(project / "lb"), "../project/lb"
    configured = findings(tree, tree=shown)
    assert configured
    assert not {f for f in configured if f[2].startswith("CL4")}
    isolated = findings("--isolated", tree, tree=shown)
    assert {f for f in isolated if f[2].startswith("CL4")} == {
        (GALE_MINI, 51, "CL404"),
        (GALE_MINI, 59, "CL401"),
        (GALE_MINI, 59, "CL407"),
    }
    assert isolated - configured == {f for f in isolated if f[2].startswith("CL4")}


def test_a_path_through_a_parent_folder_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "project" / "lb")
    (tmp_path / "project" / ".cardlint.toml").write_text("", "utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert findings("../project/lb", tree="../project/lb") >= CARD_DEFECTS


def test_config_option_reads_that_file_instead(tree: Path) -> None:
    Path(".cardlint.toml").write_text('ignore = ["CL3"]\n', "utf-8")
    Path("other.toml").write_text('select = ["CL304"]\n', "utf-8")
    assert findings("--config", "other.toml", str(tree)) == {(HOVER, 24, "CL304")}
    both = invoke("check", "--config", "other.toml", "--isolated", str(tree))
    assert both.exit_code == 2


def test_an_unknown_key_exits_2_naming_the_key_and_the_file(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".cardlint.toml").write_text('ignore = ["CL4"]\nselekt = ["CL3"]\n', "utf-8")
    assert main(["check", str(tree)]) == 2
    err = capsys.readouterr().err
    assert '.cardlint.toml: unknown key "selekt"' in err
    assert 'did you mean "select"?' in err


def test_an_unknown_key_in_pyproject_names_the_table(tree: Path) -> None:
    Path("pyproject.toml").write_text('[tool.cardlint]\nignroe = ["CL4"]\n', "utf-8")
    result = invoke("check", str(tree))
    assert result.exit_code == 2
    assert 'pyproject.toml: [tool.cardlint] unknown key "ignroe"' in result.stderr


def test_config_command_prints_the_effective_settings(tree: Path) -> None:
    Path(".cardlint.toml").write_text('ignore = ["CL4"]\n', "utf-8")
    result = invoke("config", str(tree))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# settings from .cardlint.toml"
    assert 'ignore = ["CL4"]  # .cardlint.toml' in lines
    assert 'select = ["ALL"]  # default' in lines
    enabled = lines[-1]
    assert enabled.startswith("# enabled rules (")
    assert "CL304" in enabled
    assert "CL401" not in enabled
    narrowed = invoke("config", "--select", "CL3", str(tree)).stdout
    assert "# command line: --select=CL3" in narrowed
    assert "CL501" not in narrowed.splitlines()[-1]


def test_per_file_ignores_drop_codes_in_matching_files_only(tree: Path) -> None:
    every = findings(str(tree))
    (tree / ".cardlint.toml").write_text(
        '[per-file-ignores]\n"models/northwind-ai/*" = ["CL4"]\n', "utf-8"
    )
    kept = findings(str(tree))
    assert kept == {f for f in every if not (f[0] == GALE_MINI and f[2].startswith("CL4"))}
    assert (HOVER, 24, "CL304") in kept


def test_exclude_skips_matching_folders(tree: Path) -> None:
    every = json.loads(invoke("check", "--format", "json", str(tree)).stdout)
    (tree / ".cardlint.toml").write_text('exclude = ["models/basalt-labs"]\n', "utf-8")
    result = json.loads(invoke("check", "--format", "json", str(tree)).stdout)
    basalt = len(list((tree / "models" / "basalt-labs").glob("*.md")))
    assert result["files"] == every["files"] - basalt
    paths = {d["path"] for d in result["diagnostics"]}
    assert not any("/basalt-labs/" in p for p in paths)
    assert f"{tree}/{HOVER}" in paths


# --- the baseline ---


def test_a_baseline_reports_only_new_findings_and_counts_stale_entries(tree: Path) -> None:
    count = len(findings(str(tree)))
    written = invoke("check", "--write-baseline", "b.json", str(tree))
    assert written.exit_code == 0
    assert f"Recorded {count} findings in b.json." in written.stderr
    assert Path("b.json").is_file()

    known = invoke("check", "--baseline", "b.json", str(tree))
    assert known.exit_code == 0, known.stdout
    assert known.stdout.startswith("All checks passed")

    ratio = "- **Token:Param Ratio:** 30:1 ✅ Compute-optimal"
    replace_once(tree / QUARRY_72B, ratio, ratio.replace("30:1", "31:1"))
    assert findings("--baseline", "b.json", str(tree)) == {(QUARRY_72B, 21, "CL301")}

    replace_once(tree / HOVER, *REPAIRS[0][1:])
    after_fix = invoke("check", "--baseline", "b.json", str(tree))
    assert after_fix.exit_code == 1
    assert [m["code"] for m in map(FINDING.match, after_fix.stdout.splitlines()) if m] == ["CL301"]
    assert "1 baseline entry no longer occurs" in after_fix.stderr


def test_baseline_and_write_baseline_exclude_each_other(tree: Path) -> None:
    result = invoke("check", "--baseline", "a.json", "--write-baseline", "b.json", str(tree))
    assert result.exit_code == 2


# --- fix ---


def test_fix_leaves_an_ignored_code_alone(clean_tree: Path) -> None:
    card = clean_tree / HOVER
    repaired = card.read_bytes()
    replace_once(card, REPAIRS[0][2], REPAIRS[0][1])
    stale = card.read_bytes()
    ignored = invoke("fix", "--ignore", "CL304", str(clean_tree))
    assert ignored.exit_code == 0, ignored.stdout
    assert card.read_bytes() == stale
    fixed = invoke("fix", str(clean_tree))
    assert fixed.exit_code == 0, fixed.stdout
    assert card.read_bytes() == repaired
