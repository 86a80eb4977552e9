"""SARIF 2.1.0 and OCSF Compliance Finding: valid against their published definitions, on a sample run and on a real
audit of the sandbox; stable ids across audits of one state; waivers, errors and masked card numbers; and the
--output-formats choice."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.checks.conftest import WAIVER, AuditResult, run_audit
from tests.report_formats import (
    OCSF_SCHEMA,
    SCHEMAS,
    assert_valid_machine_formats,
    assert_valid_reports,
    ocsf_errors,
    ocsf_model_losses,
    sarif_errors,
)
from tests.test_reports import HSTS_SPEC, MFA_SPEC, PAN_SPEC, finding, sample_run
from vendor_audit import cli, sandbox
from vendor_audit.findings import RunState, Status
from vendor_audit.reports import REPORT_FILES, REPORT_FORMATS, parse_formats, write_reports
from vendor_audit.reports.ocsf import render_ocsf
from vendor_audit.reports.sarif import render_sarif

Change = Callable[[dict[str, Any]], object]  # breaks a document in one place
VENDORED = {
    "sarif-schema-2.1.0.json": "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e",
    "ocsf-1.5.0/categories.json": "4ee3a5f8906c4bc49014e4da28a8bb9666cced4af944e3fab85777381bfb70cc",
    "ocsf-1.5.0/dictionary.json": "e75e9746d2ee0d7b05f80d0d8c6ae9ea4c0080757211e79f4a2c890f8ad01372",
    "ocsf-1.5.0/events/base_event.json": "b60854529bbb5df0925ccdcd41dc1a47056828323d3b40f794a14a347588dca1",
    "ocsf-1.5.0/events/findings/compliance_finding.json": (
        "7798f7a0ffa7730d9b51ae2afda2560eeb6d61166db14e5ce65a3a87bf3761fa"
    ),
    "ocsf-1.5.0/events/findings/finding.json": "c1aa400141b1786de7b4ee4c12fb1a966868c701cd996dd4734d7367db3b6462",
    "ocsf-1.5.0/objects/_entity.json": "be1fad17bf70b16c290a5d9d611b510325dfa17fcfe08309d48b8c0411d9ea2d",
    "ocsf-1.5.0/objects/_resource.json": "5a5218ccff8737f66442120d6aff1936c339b20339124d22a9d3093c04ea3fde",
    "ocsf-1.5.0/objects/check.json": "bfb5003dae8913eba3dd18b781be35a07ed5115ef87e3f494fc8ba91665b15e7",
    "ocsf-1.5.0/objects/compliance.json": "6d5daecd4c3af97214a830bb7f055fe7858e4194d0b533d7400d5bf1040cbfbf",
    "ocsf-1.5.0/objects/finding_info.json": "ecaa908ca77752cb88f36174b11465accba8a7752af7fbf1cb336163eb710f90",
    "ocsf-1.5.0/objects/group.json": "480198d301dc3a1e8f46bae823085bdefe11a928f8ca19029dd6667a3d29839a",
    "ocsf-1.5.0/objects/metadata.json": "d46ceddaca8b448c31152868fa29cff50b8fa8cde8fecf1b22ac5c6c115ba762",
    "ocsf-1.5.0/objects/object.json": "4f7af225e3d3b280f387cab142759230266eb4b9d5b8e771747eecce72fc6329",
    "ocsf-1.5.0/objects/product.json": "d98a4216de4378ea992dc5fa86b8dd28accddba6a1c7ef8e04362cbdca5d1d2a",
    "ocsf-1.5.0/objects/remediation.json": "5625433e711f2e2733107d3594403ca5d9921d4048e5f26e53b24c020f25f35b",
    "ocsf-1.5.0/objects/resource_details.json": "cb22f9d49c887f0255f8a8a97503efe4598ec9dfdd832b4ebf2fcde8943b8302",
}


def test_the_vendored_definitions_are_the_published_ones() -> None:
    assert {str(p.relative_to(SCHEMAS)) for p in OCSF_SCHEMA.rglob("*.json")} == {
        name for name in VENDORED if name.startswith("ocsf-")
    }
    for name, digest in VENDORED.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name
        assert name.split("/")[-1] in (SCHEMAS / "README.md").read_text(), f"{name}: no provenance in the README"


# -- SARIF ---------------------------------------------------------------------------------------------------------


def sarif_run(run: Any) -> dict[str, Any]:
    document = json.loads(render_sarif(run))
    assert sarif_errors(document) == []
    (only,) = document["runs"]
    return dict(only)


def test_sarif_has_a_rule_per_check_as_github_reads_it() -> None:
    run = sarif_run(sample_run())
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("vendor-audit", "0.1.0")
    assert driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == [PAN_SPEC.id, MFA_SPEC.id, HSTS_SPEC.id]
    pans = rules[PAN_SPEC.id]
    assert pans["shortDescription"]["text"] == PAN_SPEC.title
    assert pans["help"]["text"] == PAN_SPEC.remediation
    assert pans["properties"]["tags"] == ["security", "pci_dss_4.0:3.4.1", "iso27001_2022:A.8.11"]
    # GitHub: over 9.0 critical, 7.0-8.9 high, 0.1-3.9 low
    assert pans["properties"]["security-severity"] == "9.5"
    assert rules[MFA_SPEC.id]["properties"]["security-severity"] == "8.0"
    assert rules[HSTS_SPEC.id]["properties"]["security-severity"] == "2.0"
    assert pans["defaultConfiguration"]["level"] == "error"
    assert rules[HSTS_SPEC.id]["defaultConfiguration"]["level"] == "note"


def test_sarif_results_are_what_needs_someone_with_stable_fingerprints() -> None:
    run_value = sample_run()
    run = sarif_run(run_value)
    by_status: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        by_status.setdefault(result["properties"]["status"], []).append(result)
    assert sorted(by_status) == ["error", "fail", "manual", "waived"]  # no pass: GitHub would raise it as an alert
    assert [(r["kind"], r["level"]) for r in by_status["fail"]] == [("fail", "error"), ("fail", "error")]
    uids = {f.uid for f in run_value.findings if f.status is Status.FAIL}
    assert {r["partialFingerprints"]["primaryLocationLineHash"] for r in by_status["fail"]} == uids
    assert {r["fingerprints"]["vendorAuditFindingUid/v1"] for r in by_status["fail"]} == uids
    (location,) = by_status["fail"][0]["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "zendesk/tickets/12/comments/3",
        "uriBaseId": "VENDOR_RESOURCES",
    }
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "zendesk/tickets/12/comments/3"
    assert "411111******1111" in by_status["fail"][0]["message"]["text"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_suppresses_a_waiver_and_shows_what_could_not_be_looked_at() -> None:
    run = sarif_run(sample_run())
    results = {r["properties"]["status"]: r for r in run["results"]}
    waived = results["waived"]
    assert (waived["kind"], waived["level"]) == ("fail", "error")  # still a failure, accepted
    assert waived["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "On leave;\nlocked at the IdP.",
            "properties": {"owner": "secops@brand.example", "expires": "2027-01-31"},
        }
    ]
    error, manual = results["error"], results["manual"]
    assert (error["kind"], error["level"]) == ("open", "none")
    assert error["message"]["text"].startswith("Could not look: ")
    assert (manual["kind"], manual["level"]) == ("review", "none")
    assert "suppressions" not in error
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False  # exit 2: the run could not look everywhere
    assert invocation["exitCode"] == 2
    (notice,) = invocation["toolExecutionNotifications"]
    assert notice["associatedRule"] == {"id": HSTS_SPEC.id, "index": 2}
    assert notice["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "zendesk/endpoint/exports.example%3A443"  # no ":" left to read as a URI scheme
    )
    assert run["properties"]["counts"]["pass"] == 1  # what is not a result is still counted


def test_sarif_says_when_the_run_did_not_look_everywhere() -> None:
    complete = sarif_run(sample_run(exit_code=1, findings=(finding(PAN_SPEC, Status.FAIL, "tickets/1"),)))
    assert complete["invocations"][0]["executionSuccessful"] is True
    assert complete["invocations"][0]["toolExecutionNotifications"] == []
    partial = sarif_run(sample_run(state=RunState.PARTIAL, state_reason="narrowed with -k 'tls'", problems=("x",)))
    assert (partial["properties"]["state"], partial["properties"]["stateReason"]) == (
        "partial",
        "narrowed with -k 'tls'",
    )
    texts = [n["message"]["text"] for n in partial["invocations"][0]["toolExecutionNotifications"]]
    assert texts[0] == "x"
    assert texts[1].startswith("PARTIAL: narrowed with -k 'tls'")
    # its own category: uploaded, it must not close the alerts of the checks it did not run
    assert partial["automationDetails"]["id"] == "vendor-audit/Acme <x> Northwind/partial/20261123T100000Z-beef"
    assert complete["automationDetails"]["id"] == "vendor-audit/Acme <x> Northwind/20261123T100000Z-beef"
    assert partial["invocations"][0]["executionSuccessful"] is False
    exit_zero = sarif_run(sample_run(state=RunState.PARTIAL, state_reason="narrowed with -k 'tls'", exit_code=0))
    assert exit_zero["invocations"][0]["executionSuccessful"] is False


def test_sarif_checks_reject_what_they_should() -> None:
    good = json.loads(render_sarif(sample_run()))
    assert sarif_errors(good) == []
    broken = []
    changes: tuple[Change, ...] = (
        lambda d: d.pop("version"),
        lambda d: d["runs"][0]["results"][0].update(kind="weird"),
        lambda d: d["runs"][0]["results"][2].update(level="warning"),  # the error result: kind "open"
        lambda d: d["runs"][0]["results"][0].update(ruleIndex=1),
        lambda d: d["runs"][0]["results"][0].update(locations=[]),
        lambda d: d["runs"][0]["results"][1]["partialFingerprints"].update(
            primaryLocationLineHash=d["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
        ),
        lambda d: d["runs"][0]["tool"]["driver"]["rules"][0]["properties"].update({"security-severity": "11"}),
    )
    for change in changes:
        document = copy.deepcopy(good)
        change(document)
        broken.append(sarif_errors(document))
    assert all(broken), broken


# -- OCSF ----------------------------------------------------------------------------------------------------------


def test_ocsf_has_one_valid_compliance_finding_per_finding() -> None:
    run = sample_run()
    events = json.loads(render_ocsf(run))
    assert len(events) == len(run.findings)
    for event in events:
        assert ocsf_errors(event) == []
        assert ocsf_model_losses(event) == []  # Prowler's models keep every field but the known gap
        assert (event["class_uid"], event["category_uid"], event["type_uid"]) == (2003, 2, 200301)
        assert event["time"] == 1795428005000  # run.finished, in milliseconds (OCSF timestamp_t)
    assert {e["finding_info"]["uid"] for e in events} == {f.uid for f in run.findings}
    statuses = {
        e["status_code"]: (e["status_id"], e["compliance"]["status_id"], e["compliance"]["status"]) for e in events
    }
    assert statuses == {
        "FAIL": (1, 3, "Fail"),
        "ERROR": (1, 0, "Unknown"),  # could not look: unknown, never pass
        "MANUAL": (1, 2, "Warning"),  # "did not yield a result due to missing information"
        "WAIVED": (3, 3, "Fail"),  # a failure, suppressed by the waiver
        "PASS": (1, 1, "Pass"),
    }
    waived = next(e for e in events if e["status_code"] == "WAIVED")
    assert waived["comment"] == "Waived until 2027-01-31 by secops@brand.example: On leave;\nlocked at the IdP."
    assert waived["unmapped"]["waiver"]["owner"] == "secops@brand.example"
    pans = next(e for e in events if e["status_code"] == "FAIL")
    assert pans["compliance"]["requirements"] == ["pci_dss_4.0:3.4.1", "iso27001_2022:A.8.11"]
    assert pans["compliance"]["standards"] == ["PCI DSS 4.0", "ISO/IEC 27001 Annex A 2022"]
    assert pans["resources"] == [
        {
            "uid": "zendesk/tickets/12/comments/3",
            "name": "tickets/12/comments/3",
            "group": {"name": "zendesk", "type": "zendesk"},
            "type": "tickets",
        }
    ]
    assert (pans["severity_id"], pans["remediation"]["desc"]) == (5, "Redact it.")
    assert pans["metadata"]["product"]["name"] == "vendor-audit"
    not_applicable = dataclasses.replace(run.findings[0], status=Status.NOT_APPLICABLE, uid="")
    (event,) = json.loads(render_ocsf(sample_run(findings=(not_applicable,))))
    assert (event["compliance"]["status_id"], event["compliance"]["status"]) == (99, "Not Applicable")
    assert ocsf_errors(event) == []


def test_ocsf_checks_reject_what_they_should() -> None:
    (good,) = json.loads(render_ocsf(sample_run(findings=sample_run().findings[:1])))
    assert ocsf_errors(good) == []
    assert ocsf_model_losses(good) == []
    changes: tuple[tuple[Change, str], ...] = (
        (lambda e: e.update(made_up=1), "both"),  # not OCSF, and py-ocsf-models would drop it silently
        (lambda e: e["finding_info"].pop("uid"), "schema"),
        (lambda e: e.update(severity="Low"), "schema"),  # not the caption of severity_id 5
        (lambda e: e.update(status_id=7), "schema"),
        (lambda e: e.update(time="yesterday"), "schema"),
        (lambda e: e.update(type_uid=200302), "schema"),
        (lambda e: e["resources"][0].update(vendor="zendesk"), "both"),
    )
    for change, check in changes:
        event = copy.deepcopy(good)
        change(event)
        assert ocsf_errors(event), event
        if check == "both":
            assert ocsf_model_losses(event), event


def test_writers_are_pure_and_every_format_is_written_by_default(tmp_path: Path) -> None:
    assert render_sarif(sample_run()) == render_sarif(sample_run())
    assert render_ocsf(sample_run()) == render_ocsf(sample_run())
    write_reports(sample_run(), tmp_path)
    written = {p.name for p in tmp_path.iterdir()} - {"oscal"}  # oscal/: the catalogs the OSCAL report names
    assert written == set(REPORT_FILES) >= {"results.sarif", "findings.ocsf.json"}
    checked = assert_valid_reports(tmp_path)
    assert {"sarif", "ocsf"} <= set(checked)


# -- --output-formats ------------------------------------------------------------------------------------------


def test_output_formats_name_the_files_and_refuse_the_unknown(tmp_path: Path) -> None:
    assert cli.OUTPUT_FORMATS == tuple(REPORT_FORMATS)  # the parser's copy, kept equal
    assert parse_formats(" sarif , HTML,sarif") == ("html", "sarif")
    with pytest.raises(ValueError, match="'pdf' is not a format; choose from json,junit,csv,html,oscal,sarif,ocsf"):
        parse_formats("html,pdf")
    with pytest.raises(ValueError, match="nothing is not a format"):
        parse_formats(" , ")
    write_reports(sample_run(), tmp_path, formats=("ocsf",))
    assert {p.name for p in tmp_path.iterdir()} == {"findings.json", "findings.ocsf.json"}  # the record, always


def test_a_bad_output_format_exits_2_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "load"):
        assert cli.main([command, "--output-formats", "html,pdf", "--report-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert "'pdf' is not a format; choose from json,junit,csv,html,oscal,sarif,ocsf" in err
    assert list(tmp_path.iterdir()) == []  # refused before anything started
    empty = tmp_path / "cwd"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    pytested = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--audit-sandbox", "clean"),
            *("--audit-output-formats", "sarif,xlsx", "--audit-report-dir", str(tmp_path / "runs")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=empty,
        env=env,
    )
    assert pytested.returncode == 2, pytested.stdout[-2000:] + pytested.stderr[-2000:]
    assert "'xlsx' is not a format; choose from json,junit" in pytested.stdout + pytested.stderr
    assert not (tmp_path / "runs").exists()


def test_help_says_findings_json_is_always_written(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--output-formats FORMATS" in out
    assert "findings.json is always written" in out


# -- a real audit of the sandbox -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audits(leaky: sandbox.RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, AuditResult]:
    """Two audits of the same state of the session's leaky sandbox: a waiver, and Gorgias unreachable (errors)."""
    text = leaky.profile_path.read_text()
    gorgias = f'base_url = "{leaky.url("gorgias")}"'
    assert gorgias in text
    profile = leaky.run_dir / "machine-formats.toml"
    profile.write_text(text.replace(gorgias, 'base_url = "https://127.0.0.1:9"') + WAIVER)
    first = run_audit(tmp_path_factory.mktemp("first"), str(profile))
    second = run_audit(tmp_path_factory.mktemp("second"), str(profile), "--output-formats", "html,sarif")
    return first, second


def fingerprints(result: AuditResult) -> list[str]:
    sarif = json.loads((result.run_dir / "results.sarif").read_text())
    return [r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]]


def test_a_sandbox_audit_writes_valid_sarif_and_ocsf(audits: tuple[AuditResult, AuditResult]) -> None:
    first, _ = audits
    assert first.code == 2, first.stdout[-3000:]  # Gorgias could not be reached
    checked = assert_valid_reports(first.run_dir)  # every format, SARIF and OCSF included
    statuses = {r["properties"]["status"] for r in checked["sarif"]["runs"][0]["results"]}
    assert statuses == {"fail", "waived", "error", "manual"}
    assert len(set(fingerprints(first))) == len(fingerprints(first))  # unique within the run
    events = checked["ocsf"]
    assert len({e["finding_info"]["uid"] for e in events}) == len(events) == len(first.findings())
    assert {e["status_code"] for e in events} >= {"FAIL", "PASS", "WAIVED", "ERROR", "MANUAL"}


def test_stable_ids_are_equal_across_two_audits_of_one_state(audits: tuple[AuditResult, AuditResult]) -> None:
    first, second = audits
    assert sorted(fingerprints(first)) == sorted(fingerprints(second))
    ocsf = json.loads((first.run_dir / "findings.ocsf.json").read_text())
    assert sorted(e["finding_info"]["uid"] for e in ocsf) == sorted(f["uid"] for f in second.findings())


def test_a_sandbox_waiver_is_a_suppression_and_errors_stay_visible(audits: tuple[AuditResult, AuditResult]) -> None:
    first, _ = audits
    sarif = json.loads((first.run_dir / "results.sarif").read_text())["runs"][0]
    results = sarif["results"]
    (waived,) = [r for r in results if "suppressions" in r]
    assert (waived["ruleId"], waived["properties"]["resource"]) == ("mfa_enabled_for_vendor_staff", "users/7")
    assert waived["suppressions"][0]["justification"] == "Agent on leave; account locked at the IdP."
    errors = [r for r in results if r["kind"] == "open"]
    assert errors
    assert all(r["properties"]["vendor"] == "gorgias" or ":9" in r["properties"]["resource"] for r in errors)
    assert any("cannot connect to 127.0.0.1:9" in r["message"]["text"] for r in errors)
    invocation = sarif["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert len([n for n in invocation["toolExecutionNotifications"] if "associatedRule" in n]) == len(errors)
    events = json.loads((first.run_dir / "findings.ocsf.json").read_text())
    assert {e["finding_info"]["uid"] for e in events if e["status_code"] == "ERROR"} == {
        r["partialFingerprints"]["primaryLocationLineHash"] for r in errors
    }
    assert all(e["compliance"]["status_id"] == 0 for e in events if e["status_code"] == "ERROR")


def test_output_formats_write_only_those_and_the_record(audits: tuple[AuditResult, AuditResult]) -> None:
    _, second = audits
    written = {p.name for p in second.run_dir.iterdir()} & set(REPORT_FILES)
    assert written == {"findings.json", "report.html", "results.sarif"}
    assert_valid_machine_formats(second.run_dir, second.report)
    assert "/report.html (also findings.json, results.sarif)" in second.stdout  # the terminal names what was written


def test_no_planted_card_number_is_unmasked_in_sarif_or_ocsf(
    leaky: sandbox.RunningSandbox, audits: tuple[AuditResult, AuditResult]
) -> None:
    pans = [v["pan"] for v in leaky.manifest["violations"] if "pan" in v]
    assert pans
    for result in audits:
        for name in ("results.sarif", "findings.ocsf.json"):
            path = result.run_dir / name
            if not path.exists():
                continue
            text = path.read_text()
            lines = [
                "".join(c for c in unicodedata.normalize("NFKC", line) if c.isdigit()) for line in text.splitlines()
            ]
            for pan in pans:
                assert pan not in text, f"a PAN in {name}"
                assert not any(pan in line for line in lines), f"a PAN with separators in {name}"
            masked = [re.escape(pan[:6]) + r"\*+" + re.escape(pan[-4:]) for pan in pans]
            assert any(re.search(m, text) for m in masked), f"no masked card number in {name}: the sweep is vacuous"
