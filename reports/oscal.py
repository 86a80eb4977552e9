"""OSCAL assessment results (NIST OSCAL 1.2.3, JSON), for GRC tools that ingest OSCAL.

Mapping (controls.md 4.1): one observation per finding (what was tested, on which vendor, with the evidence file
and its SHA-256 in back-matter), one OSCAL finding per control requirement this run reviewed (satisfied only when
every check mapped to it passed: unknown is not compliant), one risk per failing or waived finding (a waiver is
`deviation-approved` with its expiry as the deadline) and one closed risk per finding the drift since the last
run calls fixed.

Control ids resolve in the catalogs vendor-audit ships (reports/oscal_catalogs.py, checks/frameworks/oscal/):
back-matter names each catalog by href relative to the run directory (which holds a copy), SHA-256 and catalog
uuid; each control-selection of
reviewed-controls links the catalog its control ids come from; a finding targets the control's statement part
(`pci_dss_4.0_3.4.1_smt`), as the model says to when a conclusion covers the whole control.

UUIDs of observations and risks derive from the finding's stable id (`Finding.uid`), those of OSCAL findings from
the control, components from the vendor, all under a namespace of the audited profile: the same state audited
twice gives the same uuids, so a GRC tool follows one risk from run to run (open, then closed). The document, its
result and the evidence files are per run.

Spec: https://pages.nist.gov/OSCAL-Reference/models/v1.2.3/assessment-results/json-reference/
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from vendor_audit.findings import AuditRun, Finding, Severity, Status, with_uids
from vendor_audit.reports.oscal_catalogs import (
    CATALOG_MEDIA_TYPE,
    NS,
    OSCAL_VERSION,
    UUID_NAMESPACE,
    ShippedCatalog,
    control_token,
    shipped_catalogs,
    statement_id,
)

__all__ = ["OSCAL_VERSION", "REMEDIATION_DAYS", "control_token", "render_oscal"]

_SATISFIED = {"pass": ("satisfied", "pass"), "not_applicable": ("satisfied", "pass"), "fail": ("not-satisfied", "fail")}

# Days from the run's end to fix an open risk, by severity. The anchor is PCI DSS v4.0 requirement 6.3.3 (critical
# and high security patches installed within one month of release,
# https://www.pcisecuritystandards.org/document_library/): a high finding gets that month. A critical one (card
# data in clear text, a credential beyond its scope) is an exposure now, not a patch to roll out: a week. Then a
# quarter, half a year, a year.
REMEDIATION_DAYS = {Severity.CRITICAL: 7, Severity.HIGH: 30, Severity.MEDIUM: 90, Severity.LOW: 180, Severity.INFO: 365}

# Risk characterization on NIST SP 800-30 Rev. 1's qualitative scales (https://csrc.nist.gov/pubs/sp/800/30/r1/final,
# Appendices G-I), under OSCAL's own facet names (system http://csrc.nist.gov/ns/oscal: likelihood, impact, risk).
# Impact is the check's severity: what the failing condition exposes. Likelihood is the status: a failure, waived or
# not, was observed in the live integration rather than inferred ("high"); a fixed one was not seen again
# ("very-low"). Risk is Table I-2's level for the pair. The severity itself goes alongside in our own system.
NIST_FACETS = "http://csrc.nist.gov/ns/oscal"
_IMPACT = {
    Severity.CRITICAL: "very-high",
    Severity.HIGH: "high",
    Severity.MEDIUM: "moderate",
    Severity.LOW: "low",
    Severity.INFO: "very-low",
}
_RISK_LEVEL = {  # SP 800-30 Table I-2, the rows of the two likelihoods used here: impact -> risk
    "high": {"very-high": "very-high", "high": "high", "moderate": "moderate", "low": "low", "very-low": "very-low"},
    "very-low": {"very-high": "low", "high": "low", "moderate": "very-low", "low": "very-low", "very-low": "very-low"},
}


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": " ".join(value.split()) or "-"}  # OSCAL strings: no edge or line breaks


def _timestamp(value: str) -> str:
    parsed = dt.datetime.fromisoformat(value) if value else dt.datetime.now(dt.UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _after(timestamp: str, days: int) -> str:
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_oscal(run: AuditRun) -> str:
    per_run = uuid.uuid5(UUID_NAMESPACE, f"run:{run.run_id}")
    per_audit = uuid.uuid5(UUID_NAMESPACE, f"profile:{run.profile_name}")

    def run_uuid(name: str) -> str:
        return str(uuid.uuid5(per_run, name))

    def stable_uuid(name: str) -> str:
        return str(uuid.uuid5(per_audit, name))

    collected = _timestamp(run.finished)
    max_age = run.evidence_max_age_days
    expires = _after(collected, int(max_age)) if max_age else None
    tool = stable_uuid("component:vendor-audit")
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
            "uuid": stable_uuid(f"component:{name}"),
            "type": "service" if vendor else "this-system",
            "title": name if name != "-" else "the audit itself",
            "description": f"{vendor.type if vendor else 'integration'} account at "
            f"{vendor.base_url if vendor else 'n/a'}",
            "status": {"state": "operational"},
        }
        components.append(component)
    evidence_resources = [
        {
            "uuid": run_uuid(f"evidence:{item.path}"),
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
    titles = {spec.id: spec.title for spec in run.checks}
    remediations = {spec.id: spec.remediation for spec in run.checks}

    observations, risks = [], []
    observation_of: list[str] = []  # by finding index
    observation_by_uid: dict[str, str] = {}
    risk_of: dict[int, str] = {}
    seen: Counter[str] = Counter()
    for index, finding in enumerate(run.findings):
        # Finding.uid is unique within a run; a run assembled by hand may still repeat one: keep every uuid unique
        name = finding.uid or f"finding-{index}"
        seen[name] += 1
        if seen[name] > 1:
            name += f"#{seen[name]}"
        observation_uuid = stable_uuid(f"observation:{name}")
        observation: dict[str, Any] = {
            "uuid": observation_uuid,
            "title": f"{finding.check_id} on {finding.vendor} {finding.resource}",
            "description": finding.message or finding.check_id,
            "props": [
                _prop("check-id", finding.check_id),
                _prop("status", finding.status.value),
                _prop("severity", finding.severity.value),
                _prop("finding-uid", finding.uid or "-"),
            ],
            "methods": ["TEST"],
            "types": ["finding"] if finding.status in (Status.FAIL, Status.WAIVED) else ["control-objective"],
            "origins": origins,
            "subjects": [
                {
                    "subject-uuid": stable_uuid(f"component:{finding.vendor}"),
                    "type": "component",
                    "title": finding.resource,
                }
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
        observation_by_uid.setdefault(finding.uid, observation_uuid)
        if finding.status in (Status.FAIL, Status.WAIVED):
            risk = _risk(
                finding,
                key=name,
                stable_uuid=stable_uuid,
                condition=titles.get(finding.check_id, finding.check_id),
                observation=observation_uuid,
                origins=origins,
                collected=collected,
            )
            risks.append(risk)
            risk_of[index] = risk["uuid"]
    taken = {r["uuid"] for r in risks}
    for closed in _closed_risks(run, stable_uuid, titles, remediations, observation_by_uid, origins, collected):
        if closed["uuid"] not in taken:
            taken.add(closed["uuid"])
            risks.append(closed)

    by_control: dict[str, list[int]] = {}
    for index, finding in enumerate(run.findings):
        for control in finding.controls:
            by_control.setdefault(control, []).append(index)
    shipped = shipped_catalogs()
    findings = []
    selections = []
    catalog_resources: list[dict[str, Any]] = []  # those the reviewed controls come from
    for framework in run.coverage:
        reviewed = []
        for row in framework.get("matrix", []):
            if row["status"] in ("not_covered", "not_tested"):
                continue
            control = f"{framework['framework']}:{row['id']}"
            reviewed.append({"control-id": control_token(control)})
            related = by_control.get(control, [])
            state, reason = _SATISFIED.get(row["status"], ("not-satisfied", "other"))
            entry: dict[str, Any] = {
                "uuid": stable_uuid(f"finding:{control}"),
                "title": f"{framework['name']} {row['id']}",
                "description": f"{row.get('title', '')}. Checks: {', '.join(row['checks'])}; result: {row['status']}.",
                "props": [_prop("framework", framework["framework"]), _prop("requirement", row["id"])],
                "origins": origins,
                "target": {
                    "type": "statement-id",
                    "target-id": statement_id(control),
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
        if reviewed:
            selection: dict[str, Any] = {"include-controls": reviewed}
            catalog = shipped.get(framework["framework"])
            if catalog is not None:
                resource = _catalog_resource(catalog, stable_uuid(f"catalog:{catalog.key}"))
                catalog_resources.append(resource)
                selection["links"] = [
                    {
                        "href": f"#{resource['uuid']}",
                        "rel": "reference",
                        "text": f"the control ids are those of the OSCAL catalog of {catalog.title}",
                    }
                ]
            selections.append(selection)

    plan = stable_uuid("assessment-plan")
    result: dict[str, Any] = {
        "uuid": run_uuid("result"),
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
            "control-selections": selections
            or [{"include-all": {}, "remarks": "No check completed in this run: nothing is shown satisfied."}]
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
            "uuid": run_uuid("assessment-results"),
            "metadata": {
                "title": f"vendor-audit assessment results: {run.profile_name or 'no profile'}",
                "last-modified": collected,
                "version": run.run_id,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("signing-key", run.signing_key or "unsigned")],
            },
            "import-ap": {
                "href": f"#{plan}",
                "remarks": "No separate assessment plan: the plan is the profile and the checks listed in back-matter; "
                "the controls are those of the catalogs in back-matter.",
            },
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan,
                        "title": "Assessment plan: profile and checks",
                        "description": "Checks run: " + (", ".join(c.id for c in run.checks) or "none") + ".",
                    },
                    *catalog_resources,
                    *evidence_resources,
                ]
            },
        }
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _catalog_resource(catalog: ShippedCatalog, resource_uuid: str) -> dict[str, Any]:
    rlink: dict[str, Any] = {"href": catalog.href, "media-type": CATALOG_MEDIA_TYPE}
    if catalog.sha256:
        rlink["hashes"] = [{"algorithm": "SHA-256", "value": catalog.sha256}]
    resource: dict[str, Any] = {
        "uuid": resource_uuid,
        "title": f"OSCAL catalog of {catalog.title} (vendor-audit)",
        "description": f"Every requirement id of {catalog.title} as an OSCAL control; the href is relative to the run "
        "directory, which holds a copy (shipped in vendor_audit/checks/frameworks/oscal/); the digest proves which "
        "file it is.",
        "rlinks": [rlink],
    }
    if catalog.uuid:
        resource["props"] = [_prop("catalog-uuid", catalog.uuid)]
    else:
        resource["remarks"] = "Not shipped with this installation: run python3 -m vendor_audit.reports.oscal_catalogs."
    return resource


def _characterization(severity: Severity, likelihood: str, origin: dict[str, Any]) -> dict[str, Any]:
    impact = _IMPACT[severity]
    return {
        "origin": origin,
        "facets": [
            {"name": "likelihood", "system": NIST_FACETS, "value": likelihood},
            {"name": "impact", "system": NIST_FACETS, "value": impact},
            {"name": "risk", "system": NIST_FACETS, "value": _RISK_LEVEL[likelihood][impact]},
            {"name": "severity", "system": NS, "value": severity.value},
        ],
    }


def _statement(finding: Finding, condition: str) -> str:
    controls = ", ".join(finding.controls) or "no control"
    return (
        f"On {finding.vendor} {finding.resource} this does not hold: {condition}. "
        f"A {finding.severity.value} finding against {controls}."
    )


def _risk(
    finding: Finding,
    *,
    key: str,
    stable_uuid: Callable[[str], str],
    condition: str,
    observation: str,
    origins: list[dict[str, Any]],
    collected: str,
) -> dict[str, Any]:
    def uuid_of(part: str) -> str:
        return stable_uuid(f"{part}:{key}")

    remediation_uuid = uuid_of("remediation")
    risk: dict[str, Any] = {
        "uuid": uuid_of("risk"),
        "title": f"{finding.check_id}: {finding.vendor} {finding.resource}",
        "description": finding.message or finding.check_id,
        "statement": _statement(finding, condition),
        "props": [_prop("severity", finding.severity.value), _prop("finding-uid", finding.uid or "-")],
        "status": "open",
        "origins": origins,
        "characterizations": [_characterization(finding.severity, "high", origins[0])],
        "deadline": _after(collected, REMEDIATION_DAYS[finding.severity]),
        "remediations": [
            {
                "uuid": remediation_uuid,
                "lifecycle": "recommendation",
                "title": f"Remediate {finding.check_id}",
                "description": finding.remediation or "See the check's remediation in the findings report.",
                "origins": origins,
            }
        ],
        "related-observations": [{"observation-uuid": observation}],
    }
    waiver: Mapping[str, str] | None = finding.waiver
    if finding.status is Status.WAIVED and waiver:
        until = f"{waiver['expires']}T23:59:59Z"
        risk["status"] = "deviation-approved"
        risk["deadline"] = until
        risk["props"] += [
            _prop("waiver-owner", waiver["owner"]),
            _prop("waiver-reason", waiver["reason"]),
            _prop("waiver-expires", waiver["expires"]),
        ]
        risk["risk-log"] = {
            "entries": [
                {
                    "uuid": uuid_of("risk-log:deviation-approved"),
                    "title": f"Deviation approved by {waiver['owner']}",
                    "description": f"{waiver['reason']}\n\nWaived until {waiver['expires']}.",
                    "start": collected,
                    "end": until,
                    "status-change": "deviation-approved",
                    "related-responses": [{"response-uuid": remediation_uuid}],
                    "remarks": "Start is the run that applied the waiver: the profile does not record when it was "
                    "approved.",
                }
            ]
        }
    return risk


def _closed_risks(
    run: AuditRun,
    stable_uuid: Callable[[str], str],
    titles: Mapping[str, str],
    remediations: Mapping[str, str],
    observation_by_uid: Mapping[str, str],
    origins: list[dict[str, Any]],
    collected: str,
) -> list[dict[str, Any]]:
    """A closed risk per finding the drift calls fixed, under the uuid its open risk had.

    The open risk's uuid came from that finding's stable id, which is check, vendor and resource whenever the
    earlier run had one finding there, so a GRC tool sees the same risk go from open to closed.
    """
    drift = run.drift or {}
    base = str(drift.get("base") or "the compared run")
    closed = []
    for entry in drift.get("fixed") or []:
        try:
            fixed = Finding(
                check_id=str(entry["check_id"]),
                status=Status.PASS,
                severity=Severity(entry["severity"]),
                vendor=str(entry["vendor"]),
                resource=str(entry["resource"]),
                message=str(entry.get("message", "")),
                controls=(),
            )
        except (KeyError, TypeError, ValueError):  # a drift written by another version: skip what cannot be named
            continue
        (fixed,) = with_uids([fixed])
        condition = titles.get(fixed.check_id, fixed.check_id)
        risk: dict[str, Any] = {
            "uuid": stable_uuid(f"risk:{fixed.uid}"),
            "title": f"{fixed.check_id}: {fixed.vendor} {fixed.resource}",
            "description": f"Fixed since run {base}: {fixed.message or 'no longer found'}",
            "statement": f"On {fixed.vendor} {fixed.resource} this did not hold in run {base}: {condition}. "
            "It holds in this run.",
            "props": [_prop("severity", fixed.severity.value), _prop("finding-uid", fixed.uid)],
            "status": "closed",
            "origins": origins,
            "characterizations": [_characterization(fixed.severity, "very-low", origins[0])],
            "remediations": [
                {
                    "uuid": stable_uuid(f"remediation:{fixed.uid}"),
                    "lifecycle": "completed",
                    "title": f"Remediate {fixed.check_id}",
                    "description": remediations.get(fixed.check_id) or "See the check's remediation.",
                    "origins": origins,
                }
            ],
            "risk-log": {
                "entries": [
                    {
                        "uuid": stable_uuid(f"risk-log:closed:{fixed.uid}"),  # as _risk names its entries
                        "title": "Closed: not found again",
                        "description": f"The check looked again in this run and the problem of run {base} is gone.",
                        "start": collected,
                        "status-change": "closed",
                    }
                ]
            },
        }
        if fixed.uid in observation_by_uid:
            risk["related-observations"] = [{"observation-uuid": observation_by_uid[fixed.uid]}]
        closed.append(risk)
    return closed
