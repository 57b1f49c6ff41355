"""JUnit XML: one testsuite; one failing testcase per finding, one passing per clean file.

One failure per testcase, because CI views (Jenkins, GitLab) show one failure per testcase
and count failed cases, not failure elements. Each finding is its own case, named
`path:line:column CODE` and carrying the file in `file` (GitLab's file column); every checked
file without findings is a passing case named by its path. `tests`, `failures` and
`errors` count exactly the cases inside (a report that names no files and has no findings
holds one passing case).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

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


def _case(suite: ET.Element, name: str, path: str) -> ET.Element:
    attributes = {"classname": SUITE, "name": xml_text(name), "file": xml_text(path)}
    return ET.SubElement(suite, "testcase", attributes)


def testcase(suite: ET.Element, diagnostic: Diagnostic) -> None:
    span = diagnostic.span
    name = f"{diagnostic.path}:{span.line}:{span.column} {diagnostic.code}"
    failure(_case(suite, name, diagnostic.path), diagnostic)


def testsuite(report: Report) -> ET.Element:
    findings = sorted(report.diagnostics, key=Diagnostic.sort_key)
    failing = {d.path for d in findings}
    clean = sorted({path for path in report.checked if path not in failing})
    suite = ET.Element("testsuite", {"name": SUITE})
    for diagnostic in findings:
        testcase(suite, diagnostic)
    for path in clean:
        _case(suite, path, path)
    if not findings and not clean:
        ET.SubElement(suite, "testcase", {"classname": SUITE, "name": SUITE})
    cases = len(suite)
    suite.attrib.update({"tests": str(cases), "failures": str(len(findings)), "errors": "0"})
    return suite


def render(report: Report) -> str:
    suite = testsuite(report)
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
