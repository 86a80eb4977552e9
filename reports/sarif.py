"""SARIF 2.1.0 (`results.sarif`), for GitHub code scanning (`upload-sarif`) and the security dashboards that read SARIF.

Mapping: one run; one rule per check (title, remediation as help, controls as tags, GitHub's `security-severity`);
one result per finding that needs someone: `fail` (kind "fail", level from the severity), `waived` (the same, with
an accepted external suppression carrying the waiver's reason), `error` (kind "open": the check could not look)
and `manual` (kind "review": a person must look). Passes and not-applicable findings are not results, because
GitHub turns every result into an alert whatever its kind (microsoft/PSRule#955); the run's properties count
them, and findings.json keeps them.

SARIF 2.1.0 3.27.9 allows a level other than "none" only on kind "fail", so `error` and `manual` results carry
level "none". They still show on GitHub, which ignores `kind`, with their rule's security severity and a message
that says the check could not look; each `error` is also a tool execution notification, and the invocation says
`executionSuccessful: false` whenever the run could not look everywhere (exit code 2, or a partial or interrupted
run, which also gets its own category so that its upload closes no alert of a check it left out).

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html
GitHub's subset: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import quote

from vendor_audit import __version__
from vendor_audit.findings import AuditRun, CheckSpec, Finding, RunState, Severity, Status

__all__ = ["SARIF_SCHEMA", "render_sarif", "security_severity"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub reads `security-severity` as >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; these are the
# scores Trivy gives its own severities (aquasecurity/trivy pkg/report/sarif.go, severityToScore). An
# informational check has none: GitHub then files it by level, not as a security alert.
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_KIND = {Status.FAIL: "fail", Status.WAIVED: "fail", Status.ERROR: "open", Status.MANUAL: "review"}
# The findings are not files: each location names the vendor and the resource examined there. A relative URI under
# a base id of our own (declared in originalUriBaseIds, with no absolute value) is what GitHub needs to display a
# result; an absolute URI of another scheme than the checkout's would make it reject the upload.
_BASE_ID = "VENDOR_RESOURCES"
_REGISTRY_PAGE = "https://pypi.org/project/vendor-audit/"
_EXIT = {
    0: "every check passed or is waived",
    1: "findings at or above the fail-on severity",
    2: "the audit could not look everywhere",
}


def security_severity(severity: Severity) -> str | None:
    """The score GitHub files a result of this severity under, or None for an informational check."""
    return _SECURITY_SEVERITY.get(severity)


@cache
def _information_uri() -> str:
    """Where the installed package says its home is, else its page on the registry it is published to."""
    try:
        metadata = importlib.metadata.metadata("vendor-audit")
    except importlib.metadata.PackageNotFoundError:
        return _REGISTRY_PAGE
    urls = [entry.split(",", 1)[1].strip() for entry in metadata.get_all("Project-URL") or [] if "," in entry]
    urls += metadata.get_all("Home-page") or []
    return next((u for u in urls if u.startswith("https://")), _REGISTRY_PAGE)


def _utc(value: str) -> str | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rule_name(check_id: str) -> str:
    return "".join(part.capitalize() for part in check_id.split("_"))


def _specs(run: AuditRun) -> list[CheckSpec]:
    """The run's checks, and a stand-in for a finding's check the run did not declare (a merged load run's)."""
    specs = {spec.id: spec for spec in run.checks}
    for finding in run.findings:
        if finding.check_id not in specs:
            specs[finding.check_id] = CheckSpec(
                finding.check_id,
                finding.check_id,
                finding.severity,
                finding.controls or ("vendor_audit:undeclared",),
                finding.remediation or "See the check's remediation in findings.json.",
            )
    return list(specs.values())


def _rule(spec: CheckSpec) -> dict[str, Any]:
    controls = list(dict.fromkeys(spec.controls))
    properties: dict[str, Any] = {"tags": ["security", *controls], "severity": spec.severity.value}
    score = security_severity(spec.severity)
    if score is not None:
        properties["security-severity"] = score
    return {
        "id": spec.id,
        "name": _rule_name(spec.id),
        "shortDescription": {"text": spec.title},
        "fullDescription": {
            "text": f"{spec.title}. Severity {spec.severity.value}; controls: {', '.join(controls)}.",
        },
        "help": {
            "text": spec.remediation,
            "markdown": spec.remediation + "\n\nControls: " + ", ".join(f"`{c}`" for c in controls),
        },
        "defaultConfiguration": {"level": _LEVEL[spec.severity]},
        "properties": properties,
    }


def _location(finding: Finding) -> dict[str, Any]:
    vendor, resource = finding.vendor or "-", finding.resource or "-"
    qualified = f"{vendor}/{resource}"
    return {
        "physicalLocation": {
            # quote() leaves no ":" to be read as a scheme, nor "#" or "?" to cut the path
            "artifactLocation": {"uri": quote(qualified, safe="/"), "uriBaseId": _BASE_ID},
            # GitHub requires a region to display a result; Trivy gives its image-level results line 1 the same way
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
        },
        "logicalLocations": [{"name": resource, "fullyQualifiedName": qualified, "kind": "resource"}],
        "message": {"text": f"{resource} on {vendor}"},
    }


def _result(finding: Finding, rule_index: int, spec: CheckSpec) -> dict[str, Any]:
    kind = _KIND[finding.status]
    said = finding.message or spec.title
    if finding.status is Status.ERROR:
        said = f"Could not look: {said}"
    elif finding.status is Status.MANUAL:
        said = f"Needs a person to look: {said}"
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": _LEVEL[finding.severity] if kind == "fail" else "none",  # SARIF 3.27.9: only "fail" has a level
        "message": {"text": said},
        "locations": [_location(finding)],
        "fingerprints": {"vendorAuditFindingUid/v1": finding.uid},
        # GitHub matches alerts across uploads by this one partial fingerprint; the stable id is that identity
        "partialFingerprints": {"primaryLocationLineHash": finding.uid},
        "properties": {
            "status": finding.status.value,
            "severity": finding.severity.value,
            "vendor": finding.vendor,
            "resource": finding.resource,
            "controls": list(finding.controls),
            "evidence": dict(finding.evidence),
        },
    }
    if finding.status is Status.WAIVED:
        waiver = finding.waiver or {}
        result["suppressions"] = [
            {
                "kind": "external",  # the profile's [[waivers]], not a comment in the vendor's data
                "status": "accepted",
                "justification": waiver.get("reason") or "Waived in the audit profile.",
                "properties": {"owner": waiver.get("owner", ""), "expires": waiver.get("expires", "")},
            }
        ]
    return result


def _notifications(run: AuditRun, errors: Iterable[tuple[Finding, int]]) -> list[dict[str, Any]]:
    from vendor_audit.reports import state_notice

    notes: list[dict[str, Any]] = [{"level": "error", "message": {"text": problem}} for problem in run.problems]
    if run.state is not RunState.COMPLETE:
        notes.append({"level": "warning", "message": {"text": state_notice(run)}})
    for finding, index in errors:
        notes.append(
            {
                "level": "error",
                "message": {"text": f"{finding.check_id} could not look: {finding.message or 'no reason given'}"},
                "associatedRule": {"id": finding.check_id, "index": index},
                "locations": [_location(finding)],
            }
        )
    return notes


def render_sarif(run: AuditRun) -> str:
    from vendor_audit.reports import sorted_findings

    specs = _specs(run)
    index = {spec.id: i for i, spec in enumerate(specs)}
    shown = [f for f in sorted_findings(run.findings) if f.status in _KIND]
    invocation: dict[str, Any] = {
        # A partial or interrupted run did not look at every check: not a successful execution, even at exit 0.
        "executionSuccessful": run.exit_code != 2 and run.state is RunState.COMPLETE,
        "exitCode": run.exit_code,
        "exitCodeDescription": _EXIT.get(run.exit_code, "unknown exit code"),
        "toolExecutionNotifications": _notifications(
            run, [(f, index[f.check_id]) for f in shown if f.status is Status.ERROR]
        ),
    }
    for key, value in (("startTimeUtc", _utc(run.started)), ("endTimeUtc", _utc(run.finished))):
        if value:
            invocation[key] = value
    # GitHub reads what comes before the last "/" as the analysis category: each profile keeps its own alerts. A run
    # that did not look at every check gets a category of its own, or its upload would close the alerts of the checks
    # it left out as fixed (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/
    # sarif-support-for-code-scanning#runautomationdetails-object).
    category = "vendor-audit" + (f"/{run.profile_name.replace('/', '-')}" if run.profile_name else "")
    if run.state is not RunState.COMPLETE:
        category += f"/{run.state.value}"
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vendor-audit",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": _information_uri(),
                        "rules": [_rule(spec) for spec in specs],
                    }
                },
                "automationDetails": {"id": f"{category}/{run.run_id}"},
                "invocations": [invocation],
                "originalUriBaseIds": {
                    _BASE_ID: {
                        "description": {
                            "text": "Not files: each location is a vendor of the audit profile and the resource the "
                            "audit examined there (vendor/resource)."
                        }
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": [_result(f, index[f.check_id], specs[index[f.check_id]]) for f in shown],
                "properties": {
                    "runId": run.run_id,
                    "profile": run.profile_name,
                    "mode": run.mode,
                    "failOn": run.fail_on.value,
                    "state": run.state.value,
                    "stateReason": run.state_reason,
                    "counts": run.counts(),
                    "problems": list(run.problems),
                },
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
