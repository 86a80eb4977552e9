"""Report writers as pure functions: each output against its published schema, waivers, escaping, determinism."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.report_formats import SCHEMAS, assert_valid_reports, html_structure, junit_schema, oscal_errors
from vendor_audit.findings import (
    AuditRun,
    CheckSpec,
    EvidenceFile,
    ExpiredWaiver,
    Finding,
    LoadAttachment,
    RunState,
    Severity,
    Status,
    VendorRef,
    with_uids,
)
from vendor_audit.redact import Redactor
from vendor_audit.reports import REPORT_FILES, redact_run, render_findings_json, render_table, write_reports
from vendor_audit.reports.html import render_html
from vendor_audit.reports.junit import render_junit
from vendor_audit.reports.oscal import control_token, render_oscal
from vendor_audit.reports.tabular import render_csv
from vendor_audit.schemas import load_schema

PAN_SPEC = CheckSpec(
    "payloads_free_of_pans",
    "No clear-text card number in any payload",
    Severity.CRITICAL,
    ("pci_dss_4.0:3.4.1", "iso27001_2022:A.8.11"),
    "Redact it.",
)
MFA_SPEC = CheckSpec(
    "mfa_enabled_for_vendor_staff", "Every admin and agent has MFA", Severity.HIGH, ("pci_dss_4.0:8.4.2",), "Enrol."
)
HSTS_SPEC = CheckSpec("tls_hsts_enabled", "HSTS is sent", Severity.LOW, ("pci_dss_4.0:4.2.1",), "Send HSTS.")


def finding(spec: CheckSpec, status: Status, resource: str, message: str = "", **extra: Any) -> Finding:
    return Finding(
        check_id=spec.id,
        status=status,
        severity=spec.severity,
        vendor=extra.pop("vendor", "zendesk"),
        resource=resource,
        message=message or f"{status.value} on {resource}",
        controls=spec.controls,
        remediation=spec.remediation,
        **extra,
    )


def matrix_row(requirement: str, status: str, checks: list[str]) -> dict[str, Any]:
    return {"id": requirement, "title": f"Requirement {requirement}", "status": status, "checks": checks}


def sample_run(**changes: Any) -> AuditRun:
    findings = (
        finding(PAN_SPEC, Status.FAIL, "tickets/12/comments/3", "Clear-text PAN visa 411111******1111 in body."),
        finding(PAN_SPEC, Status.FAIL, "tickets/12/comments/3", "Clear-text PAN visa 401288******1881 in body."),
        finding(PAN_SPEC, Status.PASS, "payloads", vendor="shopify"),
        finding(
            MFA_SPEC,
            Status.WAIVED,
            "users/7",
            waiver={
                "reason": "On leave;\nlocked at the IdP.",
                "owner": "secops@brand.example",
                "expires": "2027-01-31",
            },
        ),
        finding(MFA_SPEC, Status.MANUAL, "users", vendor="gorgias"),
        finding(
            HSTS_SPEC, Status.ERROR, "endpoint/exports.example:443", '=HYPERLINK("http://evil") <script>x</script>'
        ),
    )
    coverage = (
        {
            "framework": "pci_dss_4.0",
            "name": "PCI DSS 4.0",
            "requirements": 4,
            "covered": ["3.4.1", "8.4.2", "4.2.1"],
            "not_covered": ["12.8.2"],
            "matrix": [
                matrix_row("3.4.1", "fail", [PAN_SPEC.id]),
                matrix_row("4.2.1", "error", [HSTS_SPEC.id]),
                matrix_row("8.4.2", "waived", [MFA_SPEC.id]),
                matrix_row("12.8.2", "not_covered", []),
            ],
        },
    )
    values: dict[str, Any] = {
        "run_id": "20261123T100000Z-beef",
        "started": "2026-11-23T10:00:00+00:00",
        "finished": "2026-11-23T10:00:05+00:00",
        "profile_name": "Acme <x> Northwind",
        "mode": "production",
        "findings": findings,
        "checks": (PAN_SPEC, MFA_SPEC, HSTS_SPEC),
        "fail_on": Severity.LOW,
        "exit_code": 2,
        "coverage": coverage,
        "vendors": (VendorRef("zendesk", "zendesk", "https://acme.zendesk.com"),),
        "evidence_max_age_days": 30,
        "evidence_files": (EvidenceFile("evidence.json", "ab" * 32, "application/json"),),
        "signing_key": "4b:4d:01:d0:e4:50:cf:b2:b2:cc:27:e5:a1:24:64:fc",
        "certificates": (
            {"vendor": "zendesk", "endpoint": "acme.zendesk.com:443", "subject": "CN=acme", "not_after": "2027"},
        ),
    }
    values.update(changes)
    return AuditRun(**values)


def test_the_published_schemas_are_the_ones_we_vendored() -> None:
    digests = {
        "oscal_assessment-results_schema.json": "37f41f6813c78e6d2c272b27030e17e93d7f92fee519c72e7531574fa0ecbb05",
        "junit-10.xsd": "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6",
    }
    for name, digest in digests.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name


def test_every_writer_output_matches_its_schema(tmp_path: Path) -> None:
    (tmp_path / "evidence.json").write_text("[]\n")
    seen = write_reports(sample_run(), tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"evidence.json", *REPORT_FILES}
    assert seen.evidence_files == (
        EvidenceFile("evidence.json", hashlib.sha256(b"[]\n").hexdigest(), "application/json"),
    )
    checked = assert_valid_reports(tmp_path)
    resources = checked["oscal"]["assessment-results"]["back-matter"]["resources"]
    hashes = [h["value"] for r in resources for link in r.get("rlinks", []) for h in link["hashes"]]
    assert hashes == [hashlib.sha256(b"[]\n").hexdigest()]


def test_the_schema_validators_reject_what_they_should() -> None:
    document = json.loads(render_oscal(sample_run()))
    del document["assessment-results"]["import-ap"]
    assert oscal_errors(document)
    document = json.loads(render_oscal(sample_run()))
    document["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "compliant"
    assert oscal_errors(document)
    assert not junit_schema().is_valid('<testsuites><testsuite name="x"/></testsuites>')  # tests= etc. are required


def test_oscal_maps_findings_risks_and_waivers() -> None:
    result = json.loads(render_oscal(sample_run()))["assessment-results"]["results"][0]
    targets = {f["target"]["target-id"]: f["target"]["status"] for f in result["findings"]}
    assert targets["pci_dss_4.0_3.4.1"] == {"state": "not-satisfied", "reason": "fail"}
    # unknown is not compliant: an error, a waiver or manual evidence is never "satisfied"
    assert targets["pci_dss_4.0_4.2.1"]["state"] == "not-satisfied"
    assert targets["pci_dss_4.0_8.4.2"]["state"] == "not-satisfied"
    assert "pci_dss_4.0_12.8.2" not in targets  # no check covers it: not reviewed, not claimed
    risks = {r["title"]: r for r in result["risks"]}
    waived = risks["mfa_enabled_for_vendor_staff: zendesk users/7"]
    assert waived["status"] == "deviation-approved"
    assert waived["deadline"] == "2027-01-31T23:59:59Z"
    assert {"name": "waiver-owner", "ns": "urn:vendor-audit:oscal", "value": "secops@brand.example"} in waived["props"]
    assert risks["payloads_free_of_pans: zendesk tickets/12/comments/3"]["status"] == "open"
    assert sum(r["title"].startswith("payloads_free_of_pans") for r in result["risks"]) == 2
    assert len(result["observations"]) == 6  # two cards in one comment: two observations, two risks
    assert result["observations"][0]["expires"] == "2026-12-23T10:00:05Z"  # collected + the freshness limit
    assert control_token("soc2_2017:CC6.1") == "soc2_2017_CC6.1"


def test_writers_are_pure_functions_of_the_run() -> None:
    for render in (render_findings_json, render_junit, render_csv, render_html, render_oscal):
        assert render(sample_run()) == render(sample_run()), render.__name__


def test_junit_fails_exactly_what_makes_the_exit_code() -> None:
    suite = ET.fromstring(render_junit(sample_run())).find("testsuite")  # noqa: S314 - our own output
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["payloads_free_of_pans"].find("failure") is not None
    assert cases["tls_hsts_enabled"].find("error") is not None
    assert cases["mfa_enabled_for_vendor_staff"].find("failure") is None  # waived and manual are not failures
    assert "WAIVED" in (cases["mfa_enabled_for_vendor_staff"].findtext("system-out") or "")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    # a low failure under --fail-on high is not a JUnit failure either
    high = sample_run(fail_on=Severity.HIGH, findings=(finding(HSTS_SPEC, Status.FAIL, "endpoint/a:443"),))
    assert "<failure" not in render_junit(high)


def test_csv_keeps_formulas_as_text_and_waivers_in_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(sample_run()))))
    by_status = {r["status"]: r for r in rows}
    assert by_status["error"]["message"].startswith("'=HYPERLINK")
    assert by_status["waived"]["waiver_owner"] == "secops@brand.example"
    assert by_status["waived"]["waiver_expires"] == "2027-01-31"
    assert [r["status"] for r in rows] == ["fail", "fail", "error", "manual", "waived", "pass"]  # worst first


def test_html_escapes_what_it_shows_and_loads_nothing() -> None:
    page = render_html(sample_run())
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Acme &lt;x&gt; Northwind" in page
    assert "default-src 'none'" in page
    assert re.findall(r'(?:src|href|action)="(?!data:|#)', page) == []  # nothing loaded from outside the file
    structure = html_structure(page)
    assert structure.problems == []
    assert structure.stack == []
    assert "4b:4d:01:d0:e4:50:cf:b2:b2:cc:27:e5:a1:24:64:fc" in page
    assert "On leave;\nlocked at the IdP." in page
    assert "secops@brand.example" in page
    assert "2027-01-31" in page
    assert "no automated check" in page
    assert "2026-12-23" in page


@pytest.mark.parametrize("status", ["fail", "pass"])
def test_html_load_section_embeds_the_chart(status: str) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>p99</text></svg>'
    document = {"valid": status == "pass", "invalid_reasons": ["lag"], "plan": {"rate": 5, "duration": 10}}
    load = LoadAttachment(run_id="load-1", document=document, chart_svg=svg)
    page = render_html(sample_run(load=load))
    assert 'id="load"' in page
    assert "data:image/svg+xml;base64," in page
    assert ("INVALID" in page) is (status == "fail")
    written = render_findings_json(sample_run(load=load))
    assert "chart_svg" not in written
    assert json.loads(written)["load"] == {"run_id": "load-1", "document": document}


@pytest.mark.parametrize(
    ("state", "reason", "banner"),
    [
        (RunState.PARTIAL, "narrowed with -k 'tls'", "PARTIAL: narrowed with -k 'tls'"),
        (RunState.INTERRUPTED, "interrupted by SIGTERM", "INTERRUPTED: interrupted by SIGTERM"),
    ],
)
def test_a_partial_or_interrupted_run_says_so_in_every_report(
    tmp_path: Path, state: RunState, reason: str, banner: str
) -> None:
    run = sample_run(state=state, state_reason=reason)
    (tmp_path / "evidence.json").write_text("[]\n")
    write_reports(run, tmp_path)
    checked = assert_valid_reports(tmp_path)  # findings.v1, junit-10.xsd and OSCAL 1.2.3 still hold
    assert (checked["findings"]["state"], checked["findings"]["state_reason"]) == (state.value, reason)

    page = (tmp_path / "report.html").read_text()
    assert f'<div class="scope" id="scope" role="alert">{banner}' in page.replace("&#x27;", "'")
    assert page.index('id="scope"') < page.index('class="meta"')  # above everything else
    table = render_table(run)
    assert table.splitlines()[0].startswith(banner)
    assert "not a drift base" in table.splitlines()[0]
    assert f"({state.value} run) -> exit code" in table.splitlines()[-1]

    suite = ET.fromstring((tmp_path / "junit.xml").read_text()).find("testsuite")  # noqa: S314 - our own output
    assert suite is not None
    assert suite.get("name") == f"vendor-audit ({state.value} run)"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (properties["state"], properties["state_reason"]) == (state.value, reason)
    assert (suite.findtext("system-out") or "").startswith(banner)

    result = checked["oscal"]["assessment-results"]["results"][0]
    props = {p["name"]: p["value"] for p in result["props"]}
    assert (props["run-state"], props["run-state-reason"]) == (state.value, reason)
    assert result["remarks"].startswith(banner)


def test_a_complete_run_has_no_banner_and_old_reports_still_validate() -> None:
    run = sample_run(problems=())
    document = json.loads(render_findings_json(run))
    assert (document["state"], document["state_reason"]) == ("complete", "")
    assert 'id="scope"' not in render_html(run)
    assert not render_table(run).startswith(("PARTIAL", "INTERRUPTED"))
    assert "remarks" not in json.loads(render_oscal(run))["assessment-results"]["results"][0]
    validator = jsonschema.Draft202012Validator(load_schema("findings.v1"), format_checker=jsonschema.FormatChecker())
    validator.validate(document)
    del document["state"], document["state_reason"]  # a findings.json written before runs had a state
    validator.validate(document)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**document, "state": "half-done"})


def test_findings_json_keeps_the_shapes_of_the_typed_fields() -> None:
    run = sample_run(
        expired_waivers=(ExpiredWaiver("tls_hsts_enabled", "endpoint/*", "secops@brand.example", "2026-01-31"),),
        drift={
            "base": "r1",
            "base_name": None,
            "run": "r2",
            "new": [],
            "fixed": [],
            "still_open": [],
            "unverified": [],
            "stale": "",
        },
    )
    document = json.loads(render_findings_json(run))
    assert document["vendors"] == [{"name": "zendesk", "type": "zendesk", "base_url": "https://acme.zendesk.com"}]
    assert document["expired_waivers"] == [
        {
            "check": "tls_hsts_enabled",
            "resource": "endpoint/*",
            "owner": "secops@brand.example",
            "expires": "2026-01-31",
        }
    ]
    assert document["evidence_files"] == [
        {"path": "evidence.json", "sha256": "ab" * 32, "media_type": "application/json"}
    ]
    assert document["coverage"][0]["matrix"][0]["id"] == "3.4.1"
    assert document["certificates"][0]["endpoint"] == "acme.zendesk.com:443"
    assert (document["drift"]["base"], document["load"], document["signing_key"]) == ("r1", None, run.signing_key)
    assert "expired waiver: tls_hsts_enabled endpoint/* (owner secops@brand.example" in render_table(run)
    assert not hasattr(run, "extra")


def test_finding_uids_are_stable_unique_and_follow_the_redacted_fields() -> None:
    first = sample_run()
    again = sample_run()
    assert [f.uid for f in first.findings] == [f.uid for f in again.findings]
    assert all(re.fullmatch(r"va1-[0-9a-f]{24}", f.uid) for f in first.findings)
    # the id names what was examined: a new message on the same resource keeps it, another resource changes it
    one = finding(HSTS_SPEC, Status.FAIL, "endpoint/a:443", "no HSTS header")
    reworded = dataclasses.replace(one, message="HSTS max-age too short")
    moved = dataclasses.replace(one, resource="endpoint/b:443")
    uids = [with_uids([f])[0].uid for f in (one, reworded, moved)]
    assert uids[0] == uids[1] != uids[2]
    # findings sharing check, vendor and resource are told apart, identical ones too, and deterministically
    twins = with_uids([one, reworded, one])
    assert len({f.uid for f in twins}) == 3
    assert [f.uid for f in twins] == [f.uid for f in with_uids([one, reworded, one])]
    # redaction rebuilds the id over what the report shows: a secret in a resource never reaches it
    secret = dataclasses.replace(one, resource="endpoint/s3cr3t-token:443")
    redacted = redact_run(sample_run(findings=(secret,)), Redactor(["s3cr3t-token"]))
    assert (
        redacted.findings[0].uid == with_uids([dataclasses.replace(secret, resource="endpoint/[REDACTED]:443")])[0].uid
    )
