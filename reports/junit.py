"""JUnit XML (the junit-10.xsd family pytest and CI servers read): one test case per check.

A case fails exactly when its findings make the exit code 1 (a `fail` at or above --fail-on) and errs
when they make it 2 (`error`), so CI and the exit code never disagree; manual, waived and lower-severity
findings are listed in the case's system-out. Each case carries the seconds pytest spent on its check
(setup, call and teardown, as pytest's own --junitxml counts them), and the suite one property per fact a CI
shows beside the run: per check `vendor_audit.<check_id>.status`, `.severity`, `.controls` and `.findings`.
The pytest plugin writes the same properties into a plain `pytest --junitxml` file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable

from vendor_audit.findings import AuditRun, Finding, RunState, Status

__all__ = [
    "NOT_TESTED",
    "check_properties",
    "check_status",
    "finding_line",
    "render_junit",
    "run_properties",
    "status_counts",
]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0 Char production
# Worst first: what one word says about a check whose findings differ (unknown ranks above a pass).
_WORST_FIRST = (Status.ERROR, Status.FAIL, Status.MANUAL, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)
NOT_TESTED = "not_tested"  # a check in scope that recorded nothing in this run


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def finding_line(finding: Finding) -> str:
    """One finding as a CI shows it: `FAIL high zendesk tickets/12: message`."""
    status = finding.status.value.upper()
    return f"{status} {finding.severity.value} {finding.vendor} {finding.resource}: {finding.message}"


def check_status(findings: Iterable[Finding]) -> str:
    """The worst status among a check's findings, or `not_tested` when it has none."""
    statuses = {f.status for f in findings}
    return next((s.value for s in _WORST_FIRST if s in statuses), NOT_TESTED)


def status_counts(findings: Iterable[Finding]) -> str:
    """`fail 2, pass 3`: how many findings of each status, worst first; `none` when there are none."""
    counted = Counter(f.status for f in findings)
    return ", ".join(f"{s.value} {counted[s]}" for s in _WORST_FIRST if counted[s]) or "none"


def check_properties(run: AuditRun) -> list[tuple[str, str]]:
    """Per check of the run, the facts a CI shows as suite-level properties, every value a plain string."""
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in run.findings:
        by_check[finding.check_id].append(finding)
    properties = []
    for spec in run.checks:
        found = by_check.get(spec.id, [])
        prefix = f"vendor_audit.{spec.id}"
        properties += [
            (f"{prefix}.status", check_status(found)),
            (f"{prefix}.severity", spec.severity.value),
            (f"{prefix}.controls", ", ".join(spec.controls)),
            (f"{prefix}.findings", status_counts(found)),
        ]
    return properties


def run_properties(run: AuditRun) -> list[tuple[str, str]]:
    """The run's own facts as (name, value) strings: which run, its state, its exit code, its findings by status."""
    return [
        ("run_id", run.run_id),
        ("profile", run.profile_name),
        ("mode", run.mode),
        ("state", run.state.value),
        ("state_reason", run.state_reason),
        ("exit_code", str(run.exit_code)),
        ("fail_on", run.fail_on.value),
        ("findings", status_counts(run.findings)),
    ]


def _seconds(value: float) -> str:
    return f"{value:.3f}"  # as pytest writes it, and junit-10.xsd's SUREFIRE_TIME allows


def render_junit(run: AuditRun) -> str:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in run.findings:
        by_check[finding.check_id].append(finding)
    from vendor_audit.reports import state_notice

    notice = state_notice(run)
    title = "vendor-audit" if run.state is RunState.COMPLETE else f"vendor-audit ({run.state.value} run)"
    suite = ET.Element("testsuite", name=title, timestamp=run.started, hostname="vendor-audit")
    properties = ET.SubElement(suite, "properties")
    for name, value in (*run_properties(run), *check_properties(run)):
        ET.SubElement(properties, "property", name=name, value=_text(value))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for spec in run.checks:
        counts["tests"] += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"vendor_audit.{spec.id.split('_')[0]}",
            name=spec.id,
            time=_seconds(run.check_seconds.get(spec.id, 0.0)),
        )
        found = by_check.get(spec.id, [])
        failing = [f for f in found if f.status is Status.FAIL and f.severity.rank >= run.fail_on.rank]
        errors = [f for f in found if f.status is Status.ERROR]
        if errors:
            counts["errors"] += 1
            element = ET.SubElement(case, "error", type="could_not_look", message=_text(finding_line(errors[0])))
            element.text = _text("\n".join(finding_line(f) for f in errors))
        if failing:
            counts["failures"] += 1
            element = ET.SubElement(case, "failure", type=spec.severity.value, message=_text(finding_line(failing[0])))
            element.text = _text("\n".join(finding_line(f) for f in failing) + f"\nremediation: {spec.remediation}")
        if not found:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="the check recorded no finding in this run (not tested)")
        listed = {id(f) for f in (*failing, *errors)}
        others = [f for f in found if id(f) not in listed and f.status is not Status.PASS]
        if others:
            ET.SubElement(case, "system-out").text = _text("\n".join(finding_line(f) for f in others))
    # What kept the whole run from looking everywhere is a test case in error too: a CI that counts errors sees an
    # exit-2 run as one, not as green cases plus a property.
    for index, problem in enumerate((*run.problems, *([notice] if notice else [])), start=1):
        counts["tests"] += 1
        counts["errors"] += 1
        case = ET.SubElement(suite, "testcase", classname="vendor_audit.run", name=f"audit_looked_everywhere_{index}")
        case.set("time", _seconds(0.0))
        element = ET.SubElement(case, "error", type="could_not_look", message=_text(problem.splitlines()[0][:500]))
        element.text = _text(problem)
    if notice:
        ET.SubElement(suite, "system-out").text = _text(notice)  # after the cases, where junit-10.xsd puts it
    for name, total in counts.items():
        suite.set(name, str(total))
    suite.set("time", _seconds(sum(run.check_seconds.values())))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        + ET.tostring(suite, encoding="unicode")
        + "\n</testsuites>\n"
    )
