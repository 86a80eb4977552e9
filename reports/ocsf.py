"""OCSF Compliance Finding events (`findings.ocsf.json`), for security data lakes and tools that read Prowler's OCSF.

A JSON array with one event per finding, whatever its status, as Prowler's OCSF output has one per check result
(prowler-cloud/prowler prowler/lib/outputs/ocsf/ocsf.py). Class Compliance Finding (class_uid 2003, category 2
Findings), activity Create (type_uid 200301), OCSF 1.5.0, the version py-ocsf-models (Prowler's models) follows.

Statuses, as Prowler maps its own: the event's `status_code` is ours in capitals (FAIL, PASS, MANUAL, ERROR,
WAIVED, NOT_APPLICABLE), `status_detail` the message, `status_id` the finding's workflow state: New, or Suppressed
for a waived finding. `compliance.status_id` is the check's verdict on the resource: Pass; Fail (a waived finding
failed too; the waiver is in `comment` and `unmapped.waiver`); Warning for manual ("did not yield a result due to
missing information": the vendor's API does not expose it); Unknown for error (the check could not look: unknown,
never pass); Other, captioned "Not Applicable", for not_applicable.

Spec: https://schema.ocsf.io/1.5.0/classes/compliance_finding (definitions in ocsf/ocsf-schema, tag 1.5.0).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from vendor_audit import __version__
from vendor_audit.catalogs import catalogs
from vendor_audit.findings import AuditRun, Finding, Severity, Status, with_uids

__all__ = ["OCSF_VERSION", "render_ocsf"]

OCSF_VERSION = "1.5.0"
_CLASS_UID, _CATEGORY_UID, _ACTIVITY_CREATE = 2003, 2, 1
_SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
_SEVERITY = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
# finding.status_id: the finding's workflow state (OCSF 1.5.0 events/findings/finding.json)
_NEW, _SUPPRESSED = (1, "New"), (3, "Suppressed")
# compliance.status_id: the check's verdict (OCSF 1.5.0 objects/compliance.json; 0 and 99 from the dictionary)
_COMPLIANCE = {
    Status.PASS: (1, "Pass"),
    Status.FAIL: (3, "Fail"),
    Status.WAIVED: (3, "Fail"),
    Status.MANUAL: (2, "Warning"),
    Status.ERROR: (0, "Unknown"),
    Status.NOT_APPLICABLE: (99, "Not Applicable"),
}


def _milliseconds(value: str) -> int:
    """An ISO 8601 time as OCSF's timestamp_t: milliseconds since the epoch, UTC."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def _event(run: AuditRun, finding: Finding, titles: dict[str, str], standards: dict[str, str], time: int) -> Any:
    severity_id = _SEVERITY_ID[finding.severity]
    workflow_id, workflow = _SUPPRESSED if finding.status is Status.WAIVED else _NEW
    verdict_id, verdict = _COMPLIANCE[finding.status]
    vendors = {v.name: v for v in run.vendors}
    title = titles.get(finding.check_id, finding.check_id)
    frameworks = list(dict.fromkeys(c.split(":", 1)[0] for c in finding.controls))
    resource: dict[str, Any] = {
        "uid": f"{finding.vendor}/{finding.resource}",
        "name": finding.resource,
        "group": {"name": finding.vendor},
    }
    if finding.vendor in vendors:
        resource["group"]["type"] = vendors[finding.vendor].type
    if "/" in finding.resource:
        resource["type"] = finding.resource.split("/", 1)[0]  # tickets, users, endpoint, exports ...
    if finding.evidence:
        resource["data"] = {"evidence": dict(finding.evidence)}
    event: dict[str, Any] = {
        "activity_id": _ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": _CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": _CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": _CLASS_UID * 100 + _ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "timezone_offset": 0,
        "severity_id": severity_id,
        "severity": _SEVERITY[severity_id],
        "status_id": workflow_id,
        "status": workflow,
        "status_code": finding.status.value.upper(),
        "status_detail": finding.message,
        "message": finding.message or title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "vendor-audit",
                "uid": "vendor-audit",
                "vendor_name": "vendor-audit",
                "version": __version__,
            },
            "event_code": finding.check_id,
            "uid": f"{run.run_id}/{finding.uid}",  # this event; finding_info.uid is the finding across runs
            "correlation_uid": run.run_id,  # the events of one audit
        },
        "finding_info": {
            "uid": finding.uid,
            "title": title,
            "desc": finding.message or title,
            "created_time": time,
        },
        "compliance": {
            "standards": [standards.get(key, key) for key in frameworks],
            "requirements": list(finding.controls),
            "status_id": verdict_id,
            "status": verdict,
            "checks": [
                {
                    "uid": finding.check_id,
                    "name": title,
                    "severity": _SEVERITY[severity_id],  # OCSF's sibling convention: the caption of severity_id
                    "severity_id": severity_id,
                    "status": verdict,
                    "status_id": verdict_id,
                    "standards": [standards.get(key, key) for key in frameworks],
                }
            ],
        },
        "resources": [resource],
        "remediation": {"desc": finding.remediation or "See the check's remediation in findings.json."},
        "unmapped": {
            "run_id": run.run_id,
            "run_state": run.state.value,
            "exit_code": run.exit_code,
            "profile": run.profile_name,
            "mode": run.mode,
        },
    }
    if finding.waiver:
        waiver = dict(finding.waiver)
        event["comment"] = f"Waived until {waiver.get('expires', '?')} by {waiver.get('owner', '?')}: " + waiver.get(
            "reason", ""
        )
        event["unmapped"]["waiver"] = waiver
    if run.state_reason:
        event["unmapped"]["run_state_reason"] = run.state_reason
    return event


def render_ocsf(run: AuditRun) -> str:
    from vendor_audit.reports import sorted_findings

    titles = {spec.id: spec.title for spec in run.checks}
    standards = {c.key: f"{c.name} {c.version}" for c in catalogs()}
    standards |= {str(c["framework"]): str(c["name"]) for c in run.coverage if "framework" in c and "name" in c}
    moment = run.finished or run.started
    time = _milliseconds(moment) if moment else 0
    events = [_event(run, f, titles, standards, time) for f in sorted_findings(run.findings)]
    # What kept the whole run from looking everywhere is an event of its own (compliance Unknown), so a data lake
    # that counts events never reads an exit-2 run as all Pass.
    events += [_event(run, f, titles, standards, time) for f in _run_problems(run)]
    return json.dumps(events, indent=2, ensure_ascii=False) + "\n"


def _run_problems(run: AuditRun) -> tuple[Finding, ...]:
    from vendor_audit.reports import state_notice

    notice = state_notice(run)
    problems = (*run.problems, *([notice] if notice else []))
    return with_uids(
        Finding(
            check_id="audit_looked_everywhere",
            status=Status.ERROR,
            severity=Severity.HIGH,
            vendor="-",
            resource=f"run/{index}",
            message=problem,
            controls=(),
            remediation="See the run's problems in findings.json; fix what kept the audit from looking and run again.",
        )
        for index, problem in enumerate(problems, start=1)
    )
