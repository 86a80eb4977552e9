"""OSCAL assessment results (NIST OSCAL 1.2.3, JSON), for GRC tools that ingest OSCAL.

Mapping (controls.md 4.1): one observation per finding (what was tested, on which vendor, with the
evidence file and its SHA-256 in back-matter), one OSCAL finding per control requirement this run
reviewed (satisfied only when every check mapped to it passed: unknown is not compliant), one risk per
failing or waived finding (a waiver is `deviation-approved` with its expiry as the deadline).
UUIDs derive from the run id, so the same run always renders the same document.

Spec: https://pages.nist.gov/OSCAL-Reference/models/v1.2.3/assessment-results/json-reference/
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from vendor_audit.findings import AuditRun, Finding, Status

__all__ = ["OSCAL_VERSION", "render_oscal"]

OSCAL_VERSION = "1.2.3"
NS = "urn:vendor-audit:oscal"  # our own property names live in our namespace, as OSCAL asks
_NOT_TOKEN = re.compile(r"[^\w.\-]")
_SATISFIED = {"pass": ("satisfied", "pass"), "not_applicable": ("satisfied", "pass"), "fail": ("not-satisfied", "fail")}


def control_token(control: str) -> str:
    """`pci_dss_4.0:3.4.1` as an OSCAL token (letters, digits, `.`, `-`, `_`): `pci_dss_4.0_3.4.1`."""
    return _NOT_TOKEN.sub("-", control.replace(":", "_", 1))


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": " ".join(value.split()) or "-"}  # OSCAL strings: no edge or line breaks


def _timestamp(value: str) -> str:
    parsed = dt.datetime.fromisoformat(value) if value else dt.datetime.now(dt.UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_oscal(run: AuditRun) -> str:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:vendor-audit:run:{run.run_id}")

    def uid(name: str) -> str:
        return str(uuid.uuid5(namespace, name))

    collected = _timestamp(run.finished)
    max_age = run.evidence_max_age_days
    expires = (
        (dt.datetime.fromisoformat(collected.replace("Z", "+00:00")) + dt.timedelta(days=int(max_age))).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        if max_age
        else None
    )
    tool = uid("component:vendor-audit")
    vendors = sorted({f.vendor for f in run.findings} | {v.name for v in run.vendors})
    components: list[dict[str, Any]] = [
        {
            "uuid": tool,
            "type": "software",
            "title": "vendor-audit",
            "description": "The assessment tool: connectors, checks and report writers.",
            "status": {"state": "operational"},
        }
    ]
    described = {v.name: v for v in run.vendors}
    for name in vendors:
        vendor = described.get(name)
        component: dict[str, Any] = {
            "uuid": uid(f"component:{name}"),
            "type": "service" if vendor else "this-system",
            "title": name if name != "-" else "the audit itself",
            "description": f"{vendor.type if vendor else 'integration'} account at "
            f"{vendor.base_url if vendor else 'n/a'}",
            "status": {"state": "operational"},
        }
        components.append(component)
    evidence_resources = [
        {
            "uuid": uid(f"evidence:{item.path}"),
            "title": item.path,
            "description": "evidence file of this run",
            "rlinks": [
                {
                    "href": item.path,
                    "media-type": item.media_type,
                    "hashes": [{"algorithm": "SHA-256", "value": item.sha256}],
                }
            ],
        }
        for item in run.evidence_files
    ]
    origins = [{"actors": [{"type": "tool", "actor-uuid": tool}]}]

    observations, risks = [], []
    observation_of: list[str] = []  # by finding index
    risk_of: dict[int, str] = {}
    seen: Counter[str] = Counter()
    for index, finding in enumerate(run.findings):
        # one resource can fail one check several times (records of one export file): each is its own observation
        identity = f"{finding.check_id}|{finding.vendor}|{finding.resource}"
        seen[identity] += 1
        identity += f"|{seen[identity]}"
        observation_uuid = uid(f"observation:{identity}")
        observation: dict[str, Any] = {
            "uuid": observation_uuid,
            "title": f"{finding.check_id} on {finding.vendor} {finding.resource}",
            "description": finding.message or finding.check_id,
            "props": [
                _prop("check-id", finding.check_id),
                _prop("status", finding.status.value),
                _prop("severity", finding.severity.value),
            ],
            "methods": ["TEST"],
            "types": ["finding"] if finding.status in (Status.FAIL, Status.WAIVED) else ["control-objective"],
            "origins": origins,
            "subjects": [
                {"subject-uuid": uid(f"component:{finding.vendor}"), "type": "component", "title": finding.resource}
            ],
            "collected": collected,
        }
        if expires:
            observation["expires"] = expires
        if evidence_resources:
            observation["relevant-evidence"] = [
                {"href": f"#{r['uuid']}", "description": f"{r['title']} (SHA-256 in back-matter)"}
                for r in evidence_resources
            ]
        observations.append(observation)
        observation_of.append(observation_uuid)
        if finding.status in (Status.FAIL, Status.WAIVED):
            risks.append(_risk(finding, uid(f"risk:{identity}"), observation_uuid, origins))
            risk_of[index] = risks[-1]["uuid"]

    by_control: dict[str, list[int]] = {}
    for index, finding in enumerate(run.findings):
        for control in finding.controls:
            by_control.setdefault(control, []).append(index)
    findings = []
    reviewed = []
    for framework in run.coverage:
        for row in framework.get("matrix", []):
            if row["status"] in ("not_covered", "not_tested"):
                continue
            control = f"{framework['framework']}:{row['id']}"
            token = control_token(control)
            reviewed.append({"control-id": token})
            related = by_control.get(control, [])
            state, reason = _SATISFIED.get(row["status"], ("not-satisfied", "other"))
            entry: dict[str, Any] = {
                "uuid": uid(f"finding:{control}"),
                "title": f"{framework['name']} {row['id']}",
                "description": f"{row.get('title', '')}. Checks: {', '.join(row['checks'])}; result: {row['status']}.",
                "props": [_prop("framework", framework["framework"]), _prop("requirement", row["id"])],
                "origins": origins,
                "target": {
                    "type": "objective-id",
                    "target-id": token,
                    "status": {"state": state, "reason": reason},
                },
            }
            if state == "not-satisfied" and reason == "other":
                entry["target"]["status"]["remarks"] = (
                    f"Not shown satisfied: {row['status']} (a check could not look, needs manual evidence, or a "
                    "failure is waived)."
                )
            if related:
                entry["related-observations"] = [{"observation-uuid": observation_of[i]} for i in related]
            linked = [risk_of[i] for i in related if i in risk_of]
            if linked:
                entry["related-risks"] = [{"risk-uuid": r} for r in dict.fromkeys(linked)]
            findings.append(entry)

    plan = uid("assessment-plan")
    result: dict[str, Any] = {
        "uuid": uid("result"),
        "title": f"vendor-audit run {run.run_id}",
        "description": f"Automated audit of the integration described by profile {run.profile_name!r} "
        f"(mode {run.mode or 'n/a'}); exit code {run.exit_code}.",
        "start": _timestamp(run.started),
        "end": collected,
        "props": [
            _prop("run-id", run.run_id),
            _prop("exit-code", str(run.exit_code)),
            _prop("run-state", run.state.value),
            *([_prop("run-state-reason", run.state_reason)] if run.state_reason else []),
        ],
        "local-definitions": {"components": components},
        "reviewed-controls": {
            "control-selections": [{"include-controls": reviewed}]
            if reviewed
            else [{"include-all": {}, "remarks": "No check completed in this run: nothing is shown satisfied."}]
        },
    }
    if observations:
        result["observations"] = observations
    if risks:
        result["risks"] = risks
    if findings:
        result["findings"] = findings
    from vendor_audit.reports import state_notice

    remarks = [notice] if (notice := state_notice(run)) else []
    if run.problems:
        remarks.append("The audit could not run everywhere: " + "; ".join(run.problems))
    if remarks:
        result["remarks"] = "\n\n".join(remarks)
    document = {
        "assessment-results": {
            "uuid": uid("assessment-results"),
            "metadata": {
                "title": f"vendor-audit assessment results: {run.profile_name or 'no profile'}",
                "last-modified": collected,
                "version": run.run_id,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("signing-key", run.signing_key or "unsigned")],
            },
            "import-ap": {
                "href": f"#{plan}",
                "remarks": "No separate assessment plan: the plan is the profile and the checks listed in back-matter.",
            },
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan,
                        "title": "Assessment plan: profile and checks",
                        "description": "Checks run: " + (", ".join(c.id for c in run.checks) or "none") + ".",
                    },
                    *evidence_resources,
                ]
            },
        }
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _risk(finding: Finding, risk_uuid: str, observation: str, origins: list[dict[str, Any]]) -> dict[str, Any]:
    risk: dict[str, Any] = {
        "uuid": risk_uuid,
        "title": f"{finding.check_id}: {finding.vendor} {finding.resource}",
        "description": finding.message or finding.check_id,
        "statement": finding.remediation or "See the check's remediation.",
        "props": [_prop("severity", finding.severity.value)],
        "status": "open",
        "origins": origins,
        "related-observations": [{"observation-uuid": observation}],
    }
    waiver: Mapping[str, str] | None = finding.waiver
    if finding.status is Status.WAIVED and waiver:
        risk["status"] = "deviation-approved"
        risk["deadline"] = f"{waiver['expires']}T23:59:59Z"
        risk["props"] += [_prop("waiver-owner", waiver["owner"]), _prop("waiver-reason", waiver["reason"])]
    return risk
