"""Report writers as pure functions: each output against its published schema, waivers, escaping, determinism."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
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
    assert {p.name for p in tmp_path.iterdir()} == {"evidence.json", "oscal", *REPORT_FILES}  # oscal/: the catalogs
    assert seen.evidence_files == (
        EvidenceFile("evidence.json", hashlib.sha256(b"[]\n").hexdigest(), "application/json"),
    )
    checked = assert_valid_reports(tmp_path)
    resources = checked["oscal"]["assessment-results"]["back-matter"]["resources"]
    evidence = [r for r in resources if r.get("description") == "evidence file of this run"]  # not the catalogs
    hashes = [h["value"] for r in evidence for link in r.get("rlinks", []) for h in link["hashes"]]
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
    # a finding targets the statement of the control it concludes on (tests/test_oscal.py resolves them)
    targets = {f["target"]["target-id"]: f["target"]["status"] for f in result["findings"]}
    assert targets["pci_dss_4.0_3.4.1_smt"] == {"state": "not-satisfied", "reason": "fail"}
    # unknown is not compliant: an error, a waiver or manual evidence is never "satisfied"
    assert targets["pci_dss_4.0_4.2.1_smt"]["state"] == "not-satisfied"
    assert targets["pci_dss_4.0_8.4.2_smt"]["state"] == "not-satisfied"
    assert "pci_dss_4.0_12.8.2_smt" not in targets  # no check covers it: not reviewed, not claimed
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


def html_section(page: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.DOTALL)
    assert found, section_id
    return found.group(1)


def test_a_check_is_one_card_of_its_resources_with_remediation_and_controls_once() -> None:
    pans = tuple(
        finding(
            PAN_SPEC, Status.FAIL, f"tickets/{i}/comments/1", f"Clear-text PAN visa 411111******{1000 + i} in body."
        )
        for i in range(10)
    )
    page = render_html(sample_run(findings=(*pans, finding(MFA_SPEC, Status.MANUAL, "users", vendor="gorgias"))))
    cards = re.findall(r'<article class="check st-(\w+)" id="check-(\w+)">(.*?)</article>', page, re.DOTALL)
    assert [(status, check) for status, check, _ in cards] == [
        ("fail", "payloads_free_of_pans"),
        ("manual", "mfa_enabled_for_vendor_staff"),
    ]
    pan_card = cards[0][2]
    rows = re.findall(r"<tbody>(.*?)</tbody>", pan_card, re.DOTALL)[0].count("<tr>")
    assert rows == 10
    assert all(f"tickets/{i}/comments/1" in pan_card and f"******{1000 + i}" in pan_card for i in range(10))
    assert "10 fail" in pan_card
    assert page.count("Redact it.") == 1  # the remediation once, not once per card number
    assert pan_card.count("pci_dss_4.0:3.4.1") == 1
    assert "No clear-text card number in any payload" in pan_card  # the check's title from its spec
    assert "(11 in 2 checks)" in page


def test_the_summary_counts_only_what_the_run_has_and_says_whether_it_is_signed() -> None:
    signed = render_html(sample_run())
    summary = html_section(signed, "summary")
    shown = re.findall(r'<li><span class="badge s-(\w+)">[^<]*</span> <strong>(\d+)</strong>', summary)
    assert shown == [("fail", "2"), ("error", "1"), ("manual", "1"), ("waived", "1"), ("pass", "1")]  # no zeros
    assert "(2 critical)" in summary
    assert "n/a" not in summary
    assert "exit code 2" in summary
    assert "4b:4d:01:d0:e4:50:cf:b2:b2:cc:27:e5:a1:24:64:fc" in summary
    assert "signed in manifest.sig" in signed
    unsigned = render_html(sample_run(signing_key=None))
    assert "<strong>not signed</strong>" in html_section(unsigned, "summary")
    assert "vendor-audit sign RUN_DIR --key KEY" in unsigned
    assert "manifest.sig" not in unsigned  # never claims a signature it does not have


def test_every_chart_is_inert_svg_with_titles_and_its_numbers_as_text() -> None:
    from vendor_audit.loadtests.stats import Sample, svg_chart

    earlier = tuple(
        {
            "run_id": f"r{i}",
            "finished": f"2026-11-2{i}T10:00:00+00:00",
            "counts": {"pass": 1, "fail": 4 - i, "error": 0, "manual": 1, "waived": 1, "not_applicable": 0},
            "state": "partial" if i == 1 else "complete",
        }
        for i in range(3)
    )
    target = {
        "metric": "sla_target",
        "vendor": "zendesk",
        "target_metric": "first_reply_time",
        "target_minutes": 60,
        "target_share": 0.9,
        "count": 12,
        "within_sla": 0.75,
        "histogram": [{"from": 12.0 * i, "to": 12.0 * (i + 1) if i < 10 else None, "count": i % 3} for i in range(11)],
        "weekly": [{"week": "2026-11-02", "met": 5, "measured": 6}, {"week": "2026-11-09", "met": 4, "measured": 6}],
    }
    samples = [Sample("queue", 1 + i / 10, 0.1, 20 + i % 9, 20, 200) for i in range(60)]
    document = {"valid": True, "plan": {"rate": 10, "duration": 6}, "endpoints": {}}
    run = sample_run(
        trend=earlier,
        service_levels=(target,),
        load=LoadAttachment("load-1", document, svg_chart(samples, "load 10/s", slo_p95_ms=30, slo_p99_ms=50)),
    )
    page = render_html(run)
    assert "<script" not in page
    figures = dict(re.findall(r'<figure class="chart-figure" id="figure-([\w-]+)">(.*?)</figure>', page, re.DOTALL))
    assert set(figures) == {"severity", "trend", "coverage", "sla-0-histogram", "sla-0-weekly", "load"}
    svg_ns = "{http://www.w3.org/2000/svg}"
    for uid, body in figures.items():
        assert re.search(r"<figcaption>[^<]{20,}</figcaption>", body), uid
        if uid == "load":  # the load run's own file, as an image
            assert re.search(r'<img alt="[^"]{20,}" src="data:image/svg\+xml;base64,', body)
            continue
        svg = re.search(r"<svg.*</svg>", body, re.DOTALL)
        assert svg, uid
        root = ET.fromstring(svg.group(0))  # noqa: S314 - our own output
        assert root.get("role") == "img"
        assert root.get("id") == f"chart-{uid}"  # its CSS is scoped to it: charts on one page do not restyle each other
        titles = [t.text or "" for t in root.iter(f"{svg_ns}text") if "title" in (t.get("class") or "").split()]
        assert titles[0] == root.findtext(f"{svg_ns}title")  # the chart's title, drawn and for assistive technology
        assert len(titles) >= 3, (uid, titles)  # and each axis' (a long one wraps over two lines)
        assert re.search(r"\((count|%|minutes)\)", " ".join(titles)), (uid, titles)  # the value axis' unit
        for element in root.iter():
            assert element.tag != f"{svg_ns}script"
            for name, value in element.attrib.items():
                assert not name.startswith("on"), name
                assert not name.endswith("href") or value.startswith("#"), (name, value)
        table = re.search(r'<table class="numbers">(.*?)</table>', body, re.DOTALL)
        assert table, uid
        assert table.group(1).count("<tr>") >= 2, uid
    assert "<td>zendesk</td><td>2</td><td>2</td>" in figures["severity"]  # 2 critical fails at zendesk
    assert "this run 2026-11-23 10:00" in figures["trend"]
    assert "2026-11-21 10:00 (partial)" in figures["trend"]
    assert "target 60 min" in figures["sla-0-histogram"]
    assert "target 90 %" in figures["sla-0-weekly"]
    assert "<td>2026-11-09</td><td>4</td><td>6</td><td>66.7 %</td>" in figures["sla-0-weekly"]
    assert render_html(run) == page  # pygal's random chart ids and dated comments do not reach the page


def test_the_load_chart_draws_percentiles_over_time_the_slos_and_a_histogram_with_axes() -> None:
    from vendor_audit.loadtests.stats import Sample, svg_chart

    samples = [Sample("queue", 1 + i / 20, 0.1, 10 + i % 7 + (200 if i % 50 == 0 else 0), 10, 200) for i in range(400)]
    root = ET.fromstring(svg_chart(samples, "demo", slo_p95_ms=40, slo_p99_ms=250))  # noqa: S314 - our own output
    svg_ns = "{http://www.w3.org/2000/svg}"
    panels = root.findall(f"{svg_ns}svg")
    assert [p.get("id") for p in panels] == ["chart-load-time", "chart-load-histogram"]
    assert panels[1].get("y") == panels[0].get("height")  # one below the other, not over it
    texts = [" ".join(t.itertext()) for t in root.iter(f"{svg_ns}text")]
    for expected in ("time since the run started (s)", "latency (ms)", "requests (count)", "p50", "p95", "p99"):
        assert expected in texts, expected
    assert texts.count("SLO p95 40 ms") == 2  # in both panels' legends
    assert texts.count("SLO p99 250 ms") == 2
    for panel, series in zip(panels, (5, 3), strict=True):  # p50, p95, p99 / the requests; and the two SLOs
        entries = sorted(
            (float(rect.get("y", 0)), float(rect.get("x", 0)), g.findtext(f"{svg_ns}text") or "")
            for g in panel.iter(f"{svg_ns}g")
            if "legend" in (g.get("class") or "").split()
            for rect in g.iter(f"{svg_ns}rect")
        )
        assert len(entries) == series
        for (y, x, label), (next_y, next_x, _) in itertools.pairwise(entries):
            # a label of 12 px type is about 7 px a character: the next entry on its row starts after it
            assert next_y != y or next_x - x >= 7 * len(label) + 17, (label, x, next_x)
        assert not [e for e in panel.iter() if e.tag == f"{svg_ns}script"]
    empty = ET.fromstring(svg_chart([], "demo"))  # noqa: S314 - our own output
    assert "no samples" in " ".join(empty.itertext())


def test_the_trend_is_read_from_the_history_and_written_to_findings_json(tmp_path: Path) -> None:
    from vendor_audit.reports.history import History

    history = History(tmp_path / "history.sqlite")
    base = sample_run()
    for i, state in enumerate((RunState.COMPLETE, RunState.PARTIAL, RunState.COMPLETE)):
        when = f"2026-11-0{i + 1}T10:00:00+00:00"
        history.record(
            sample_run(run_id=f"r{i}", started=when, finished=when, state=state, findings=base.findings[: i + 2])
        )
    history.record(sample_run(run_id="other", profile_name="another profile"))
    trend = history.trend("r2")
    assert [(t["run_id"], t["state"]) for t in trend] == [("r0", "complete"), ("r1", "partial")]  # oldest first
    assert trend[0]["counts"] == {"pass": 0, "fail": 2, "error": 0, "manual": 0, "not_applicable": 0, "waived": 0}
    assert trend[1]["counts"]["pass"] == 1
    assert history.trend("r2", limit=1) == trend[1:]
    assert history.trend("r0") == []

    run = sample_run(run_id="r2", trend=tuple(trend))
    (tmp_path / "run").mkdir()
    write_reports(run, tmp_path / "run")
    checked = assert_valid_reports(tmp_path / "run")  # findings.v1 with its trend
    assert checked["findings"]["trend"] == trend
    assert 'id="figure-trend"' in (tmp_path / "run" / "report.html").read_text()
    assert 'id="figure-trend"' not in render_html(sample_run())  # no earlier run, no trend to draw


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
    assert f'<div class="scope" id="scope" role="alert">{banner}' in unescape(page)
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
    assert all(re.fullmatch(r"va1-[a-p]{24}", f.uid) for f in first.findings)
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


def test_a_writer_that_fails_leaves_no_report_telling_the_verdict_of_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vendor_audit.reports.sarif as sarif_module

    def broken(run: AuditRun) -> str:
        raise RuntimeError("a writer bug")

    monkeypatch.setattr(sarif_module, "render_sarif", broken)
    with pytest.raises(RuntimeError):
        write_reports(sample_run(exit_code=0), tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name in REPORT_FILES]  # all or nothing: nothing was written
    (tmp_path / "results.sarif").write_text('{"stale": "exit 0"}')  # as if an earlier attempt had written it
    write_reports(
        sample_run(exit_code=2, problems=("the reports could not all be written",)), tmp_path, best_effort=True
    )
    assert not (tmp_path / "results.sarif").exists()  # removed, not left stale
    assert json.loads((tmp_path / "findings.json").read_text())["exit_code"] == 2
    assert 'name="exit_code" value="2"' in (tmp_path / "junit.xml").read_text()
