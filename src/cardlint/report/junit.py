"""JUnit XML: one testsuite, one testcase per file with findings, one failure per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from cardlint.diagnostics import Diagnostic
from cardlint.report.escape import xml_text
from cardlint.report.model import Report

SUITE = "cardlint"


def failure_text(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    return f"{diagnostic.path}:{span.line}:{span.column}: {diagnostic.code} {diagnostic.message}"


def failure(parent: ET.Element, diagnostic: Diagnostic) -> None:
    # xml_text: what XML 1.0 cannot carry even as a reference becomes a visible escape.
    attributes = {"type": diagnostic.code, "message": xml_text(diagnostic.message)}
    element = ET.SubElement(parent, "failure", attributes)
    element.text = xml_text(failure_text(diagnostic))


def testcase(suite: ET.Element, path: str, diagnostics: list[Diagnostic]) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": SUITE, "name": xml_text(path)})
    for diagnostic in diagnostics:
        failure(case, diagnostic)


def testsuite(report: Report) -> ET.Element:
    attributes = {
        "name": SUITE,
        "tests": str(report.files),
        "failures": str(len(report.diagnostics)),
        "errors": "0",
    }
    suite = ET.Element("testsuite", attributes)
    by_path = sorted(report.diagnostics, key=Diagnostic.sort_key)
    for path, group in groupby(by_path, key=lambda d: d.path):
        testcase(suite, path, list(group))
    if not report.diagnostics:
        ET.SubElement(suite, "testcase", {"classname": SUITE, "name": SUITE})
    return suite


def render(report: Report) -> str:
    suite = testsuite(report)
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
