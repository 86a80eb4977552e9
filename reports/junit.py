"""JUnit XML (the junit-10.xsd family pytest and CI servers read): one test case per check.

A case fails exactly when its findings make the exit code 1 (a `fail` at or above --fail-on) and errs
when they make it 2 (`error`), so CI and the exit code never disagree; manual, waived and lower-severity
findings are listed in the case's system-out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from vendor_audit.findings import AuditRun, Finding, RunState, Status

__all__ = ["render_junit"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0 Char production


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _line(finding: Finding) -> str:
    status = finding.status.value.upper()
    return f"{status} {finding.severity.value} {finding.vendor} {finding.resource}: {finding.message}"


def render_junit(run: AuditRun) -> str:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in run.findings:
        by_check[finding.check_id].append(finding)
    from vendor_audit.reports import state_notice

    notice = state_notice(run)
    title = "vendor-audit" if run.state is RunState.COMPLETE else f"vendor-audit ({run.state.value} run)"
    suite = ET.Element("testsuite", name=title, timestamp=run.started, hostname="vendor-audit")
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", run.run_id),
        ("profile", run.profile_name),
        ("mode", run.mode),
        ("state", run.state.value),
        ("state_reason", run.state_reason),
    ):
        ET.SubElement(properties, "property", name=name, value=_text(value))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for spec in run.checks:
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname=f"vendor_audit.{spec.id.split('_')[0]}", name=spec.id)
        found = by_check.get(spec.id, [])
        failing = [f for f in found if f.status is Status.FAIL and f.severity.rank >= run.fail_on.rank]
        errors = [f for f in found if f.status is Status.ERROR]
        if errors:
            counts["errors"] += 1
            element = ET.SubElement(case, "error", type="could_not_look", message=_text(_line(errors[0])))
            element.text = _text("\n".join(_line(f) for f in errors))
        if failing:
            counts["failures"] += 1
            element = ET.SubElement(case, "failure", type=spec.severity.value, message=_text(_line(failing[0])))
            element.text = _text("\n".join(_line(f) for f in failing) + f"\nremediation: {spec.remediation}")
        if not found:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="the check recorded no finding in this run (not tested)")
        listed = {id(f) for f in (*failing, *errors)}
        others = [f for f in found if id(f) not in listed and f.status is not Status.PASS]
        if others:
            ET.SubElement(case, "system-out").text = _text("\n".join(_line(f) for f in others))
    if notice:
        ET.SubElement(suite, "system-out").text = _text(notice)  # after the cases, where junit-10.xsd puts it
    for name, total in counts.items():
        suite.set(name, str(total))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        + ET.tostring(suite, encoding="unicode")
        + "\n</testsuites>\n"
    )
