"""The CI reporters: GitHub workflow commands, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator

from cardlint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from cardlint.records import Span
from cardlint.report import REPORTERS, escape, github, junit, sarif
from cardlint.report.model import Report
from cardlint.rules import registry

from .conftest import CARDS
from .helpers import run

SARIF_SCHEMA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)
STALE = CARDS / "models" / "lintworks" / "cl304-stale-alscore.md"
PLACEHOLDER = CARDS / "models" / "lintworks" / "cl404-placeholder-link-target.md"

ODD_PATH = "models/lab one/öresund: tiny,v2.md"
ODD_MESSAGE = "ratio is 12:1, not 15:1 (100% off)\nsee √(34 × 3500) ÷ 300\r\n<&>\"'"


def span(line: int, column: int, end_line: int | None = None, end_column: int = 0) -> Span:
    start = line * 100 + column
    end_line = line if end_line is None else end_line
    return Span(start, end_line * 100 + end_column, line, column, end_line, end_column)


FIX = Fix(
    "Write the recomputed ratio",
    (Edit(span(21, 26, end_column=28), "15"), Edit(span(22, 1, 23, 4), "a\nb")),
)
DIAGNOSTICS = (
    Diagnostic("models/a/plain.md", span(3, 1, end_column=9), "CL101", "Card has no title"),
    Diagnostic(ODD_PATH, span(21, 26, end_column=28), "CL301", ODD_MESSAGE, fix=FIX),
    Diagnostic(
        ODD_PATH,
        span(51, 21, end_column=31),
        "CL404",
        "link target `Playground` is neither a URL nor a path",
        Severity.WARNING,
        Fix("Drop the link", (Edit(span(51, 21, end_column=21), ""),), Applicability.UNSAFE),
    ),
    # An empty span (an insertion point) and a span whose end precedes its start.
    Diagnostic("models/a/plain.md", span(9, 4, end_column=4), "CL306", "analysis line missing"),
    Diagnostic("models/a/plain.md", span(9, 7, end_column=2), "CL102", "layout line missing"),
)
REPORT = Report(files=7, diagnostics=DIAGNOSTICS)
CLEAN = Report(files=3, diagnostics=())


def test_the_ci_formats_are_registered() -> None:
    assert {"github", "sarif", "junit"} <= set(REPORTERS)


# -- GitHub workflow commands -------------------------------------------------------------

_PROPERTY = r"(?:[^%:,\r\n]|%(?:25|0D|0A|3A|2C))*"
_COMMAND = re.compile(
    rf"::(?P<level>error|warning) file=(?P<file>{_PROPERTY}),line=(?P<line>[1-9]\d*),"
    r"col=(?P<col>[1-9]\d*),endLine=(?P<end_line>[1-9]\d*),endColumn=(?P<end_col>[1-9]\d*),"
    rf"title=(?P<title>{_PROPERTY})::(?P<message>(?:[^%\r\n]|%(?:25|0D|0A))*)"
)


def unescape(value: str) -> str:
    for raw, escaped in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")):
        value = value.replace(escaped, raw)
    return value


def test_github_lines_follow_the_documented_syntax_and_round_trip() -> None:
    lines = github.render(REPORT).splitlines()
    assert len(lines) == len(DIAGNOSTICS)
    for line, diagnostic in zip(lines, DIAGNOSTICS, strict=True):
        match = _COMMAND.fullmatch(line)
        assert match, line
        assert match["level"] == diagnostic.severity.value
        assert unescape(match["file"]) == diagnostic.path
        assert unescape(match["title"]) == f"cardlint ({diagnostic.code})"
        # Newlines and other controls are shown as escapes: one annotation, one line.
        assert unescape(match["message"]) == escape.visible(diagnostic.message)
        assert (int(match["line"]), int(match["col"])) == (
            diagnostic.span.line,
            diagnostic.span.column,
        )


def test_github_escapes_percent_first() -> None:
    assert github.escape_data("50%0A\n") == "50%250A%0A"
    assert github.escape_property("a:b,c%\r") == "a%3Ab%2Cc%25%0D"


def test_github_output_is_empty_without_findings() -> None:
    assert github.render(CLEAN) == ""


def test_check_format_github_annotates_a_real_card() -> None:
    result = run("check", "--format", "github", "--root", str(CARDS), str(STALE), str(PLACEHOLDER))
    assert result.exit_code == 1
    matches = [_COMMAND.fullmatch(line) for line in result.output.splitlines()]
    assert all(matches), result.output
    found = {(m["level"], unescape(m["title"])) for m in matches if m}
    assert {("error", "cardlint (CL304)"), ("error", "cardlint (CL404)")} <= found


# -- SARIF --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF schema ({SARIF_SCHEMA}) is not present")
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator: Draft4Validator, log: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, "\n".join(errors)


def sarif_log(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(report))
    return data


@pytest.mark.parametrize("report", [REPORT, CLEAN], ids=["findings", "clean"])
def test_sarif_validates_against_the_schema(
    sarif_validator: Draft4Validator, report: Report
) -> None:
    log = sarif_log(report)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert_valid(sarif_validator, log)


def test_sarif_driver_lists_every_registered_rule() -> None:
    (run_,) = sarif_log(CLEAN)["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "cardlint"
    rules = registry.all_rules()
    assert [r["id"] for r in driver["rules"]] == [r.code for r in rules]
    for descriptor, rule in zip(driver["rules"], rules, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.doc["What it does"]
        assert descriptor["help"] == {"text": rule.markdown(), "markdown": rule.markdown()}
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value


def test_sarif_results_point_at_their_rule_and_region() -> None:
    (run_,) = sarif_log(REPORT)["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert run_["columnKind"] == "unicodeCodePoints"
    assert len(run_["results"]) == len(DIAGNOSTICS)
    for result, diagnostic in zip(run_["results"], DIAGNOSTICS, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == diagnostic.code
        assert result["level"] == diagnostic.severity.value
        assert result["message"]["text"] == diagnostic.message
        (location,) = result["locations"]
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (
            diagnostic.span.line,
            diagnostic.span.column,
        )
        assert (region["endLine"], region["endColumn"]) >= (
            region["startLine"],
            region["startColumn"],
        )


def test_sarif_uri_is_a_percent_encoded_relative_reference() -> None:
    (run_,) = sarif_log(REPORT)["runs"]
    uri = run_["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9\-._~/]*(?:%[0-9A-F]{2}[A-Za-z0-9\-._~/]*)*", uri), uri
    assert unquote(uri) == ODD_PATH


def test_sarif_regions_of_empty_and_backwards_spans() -> None:
    (run_,) = sarif_log(REPORT)["runs"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in run_["results"]]
    assert regions[3] == {"startLine": 9, "startColumn": 4, "endLine": 9, "endColumn": 4}
    assert regions[4] == {"startLine": 9, "startColumn": 7, "endLine": 9, "endColumn": 7}


def test_sarif_fixes_carry_every_edit() -> None:
    (run_,) = sarif_log(REPORT)["runs"]
    results = run_["results"]
    assert "fixes" not in results[0]
    (fix,) = results[1]["fixes"]
    assert fix["description"]["text"] == FIX.title
    (change,) = fix["artifactChanges"]
    assert unquote(change["artifactLocation"]["uri"]) == ODD_PATH
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 21, "startColumn": 26, "endLine": 21, "endColumn": 28},
            "insertedContent": {"text": "15"},
        },
        {
            "deletedRegion": {"startLine": 22, "startColumn": 1, "endLine": 23, "endColumn": 4},
            "insertedContent": {"text": "a\nb"},
        },
    ]


def test_check_format_sarif_on_the_fixture_tree_validates(
    sarif_validator: Draft4Validator,
) -> None:
    result = run("check", "--format", "sarif", "--root", str(CARDS), str(CARDS / "models"))
    assert result.exit_code == 1
    log = json.loads(result.output)
    assert_valid(sarif_validator, log)
    codes = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert {"CL301", "CL404", "CL108"} <= codes


# -- JUnit --------------------------------------------------------------------------------


def parse_junit(report: Report) -> ET.Element:
    return ET.fromstring(junit.render(report).encode("utf-8"))


def test_junit_counts_files_and_findings() -> None:
    # REPORT names no checked files: the cases are its findings, one each.
    suite = parse_junit(REPORT)
    assert suite.tag == "testsuite" and suite.get("name") == "cardlint"
    assert suite.get("tests") == str(len(DIAGNOSTICS))
    assert suite.get("failures") == str(len(DIAGNOSTICS))
    cases = suite.findall("testcase")
    assert sorted(c.get("file") for c in cases) == sorted(d.path for d in DIAGNOSTICS)
    assert all(c.get("classname") == "cardlint" for c in cases)
    assert all(len(c.findall("failure")) == 1 for c in cases)


def test_junit_failure_keeps_the_message_and_location() -> None:
    suite = parse_junit(REPORT)
    cases = [c for c in suite.findall("testcase") if c.get("file") == ODD_PATH]
    assert [c.get("name") for c in cases] == [f"{ODD_PATH}:21:26 CL301", f"{ODD_PATH}:51:21 CL404"]
    failures = [f for c in cases for f in c.findall("failure")]
    assert [f.get("type") for f in failures] == ["CL301", "CL404"]
    # XML normalises newlines in attribute values only when they are not escaped.
    assert failures[0].get("message") == ODD_MESSAGE
    assert failures[0].text == f"{ODD_PATH}:21:26: CL301 {ODD_MESSAGE}".replace("\r\n", "\n")


def test_junit_without_findings_has_one_passing_case() -> None:
    suite = parse_junit(CLEAN)
    assert suite.get("tests") == "1" and suite.get("failures") == "0"
    (case,) = suite.findall("testcase")
    assert case.get("name") == "cardlint" and not list(case)


def test_junit_escapes_characters_xml_cannot_carry() -> None:
    message = "nul\x00 escape\x1b bell\x07 surrogate\ud800 keep\ttab é 🦀"
    bad = Diagnostic("models/a/x\x0b.md", span(1, 1, end_column=2), "CL105", message)
    suite = parse_junit(Report(files=1, diagnostics=(bad,)))
    (failure,) = suite.findall("testcase/failure")
    assert (
        failure.get("message") == "nul\\x00 escape\\x1b bell\\x07 surrogate\\ud800 keep\ttab é 🦀"
    )
    assert suite.find("testcase").get("file") == "models/a/x\\x0b.md"  # type: ignore[union-attr]


# -- JUnit counts agree with the cases inside --------------------------------------------


def junit_counts(suite: ET.Element) -> tuple[int, int, int]:
    return (
        int(suite.get("tests", "-1")),
        int(suite.get("failures", "-1")),
        int(suite.get("errors", "-1")),
    )


def test_junit_has_a_passing_case_per_clean_checked_file() -> None:
    checked = ("models/a/clean.md", "models/a/plain.md", ODD_PATH, "README.md")
    suite = parse_junit(Report(files=len(checked), diagnostics=DIAGNOSTICS, checked=checked))
    cases = suite.findall("testcase")
    failing = [c for c in cases if c.findall("failure")]
    passing = [c for c in cases if not list(c)]
    assert junit_counts(suite) == (len(cases), len(failing), 0)
    assert len(failing) == len(DIAGNOSTICS)
    assert sorted(c.get("name") for c in passing) == ["README.md", "models/a/clean.md"]
    assert len(cases) == len(DIAGNOSTICS) + 2


def test_junit_with_checked_files_and_no_findings_lists_each_as_passing() -> None:
    checked = ("b.md", "a.md")
    suite = parse_junit(Report(files=2, diagnostics=(), checked=checked))
    assert junit_counts(suite) == (2, 0, 0)
    assert [c.get("name") for c in suite.findall("testcase")] == ["a.md", "b.md"]


def test_check_format_junit_counts_match_its_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(CARDS, tree)
    monkeypatch.chdir(tmp_path)
    result = run("check", "--format", "junit", "--root", "tree", "tree/models")
    suite = ET.fromstring(result.stdout.encode("utf-8"))
    cases = suite.findall("testcase")
    failures = suite.findall("testcase/failure")
    assert junit_counts(suite) == (len(cases), len(failures), 0)
    assert 0 < len(failures) < len(cases)  # clean cards are passing cases
    assert all(len(c.findall("failure")) <= 1 for c in cases)
    files = {c.get("file") for c in cases}
    cards = {p.relative_to(tmp_path).as_posix() for p in (tree / "models").rglob("*.md")}
    assert cards <= files  # every checked file is a case, clean or not
