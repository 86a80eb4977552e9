"""OSCAL a GRC tool can use: shipped catalogs that never drift, control ids that resolve, risks it can track.

The catalogs and profiles (checks/frameworks/oscal/) are what the generator makes from checks/frameworks/*.json and
validate against NIST's OSCAL 1.2.3 catalog and profile schemas; the assessment results of the sample run and of a
real sandbox audit validate against the assessment-results schema, name only controls and statements those
catalogs hold, characterize each risk, say how to fix it and by when, and keep their uuids across runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from tests.checks.conftest import WAIVER, AuditResult, run_audit
from tests.report_formats import SCHEMAS, all_uuids, oscal_errors
from tests.test_reports import MFA_SPEC, finding, sample_run
from vendor_audit import sandbox
from vendor_audit.catalogs import catalogs, oscal_dir
from vendor_audit.findings import Severity, Status
from vendor_audit.reports import oscal_catalogs
from vendor_audit.reports.oscal import REMEDIATION_DAYS, render_oscal

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIGESTS = {
    "oscal_catalog_schema.json": "37d8dbb0b2b4ffb1d7973d455e8edcb38eaf73a50d01ffdbe3ac20285b9cb6ee",
    "oscal_profile_schema.json": "fd9a6564b84ba8334b5a1b5aa785188fcd5361f596a4ab2db21ad3f33d8b8a26",
}


@cache
def validator(kind: str) -> Any:
    # jsonschema-rs: the OSCAL patterns use \p{L}, which Python's re cannot compile
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / f"oscal_{kind}_schema.json").read_text()))


def schema_errors(kind: str, document: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message[:300]}" for e in validator(kind).iter_errors(document)]


def controls_of(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every control of a catalog (or group, or control), however deep."""
    for group in node.get("groups", []):
        yield from controls_of(group)
    for control in node.get("controls", []):
        yield control
        yield from controls_of(control)


def shipped() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(oscal_dir().glob("*.json"))}


@cache
def resolvable() -> tuple[dict[str, str], dict[str, str]]:
    """Control id -> its catalog's file, statement part id -> its control id, over every shipped catalog."""
    controls: dict[str, str] = {}
    statements: dict[str, str] = {}
    for name, document in shipped().items():
        for control in controls_of(document.get("catalog", {})):
            controls[control["id"]] = name
            statements |= {part["id"]: control["id"] for part in control.get("parts", [])}
    return controls, statements


def by_label(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    labelled = {}
    for control in controls_of(document["catalog"]):
        (label,) = [p["value"] for p in control["props"] if p["name"] == "label"]
        labelled[label] = control
    return labelled


def test_the_catalog_schemas_are_the_ones_we_vendored() -> None:
    for name, digest in SCHEMA_DIGESTS.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name
    assert json.loads((SCHEMAS / "oscal_catalog_schema.json").read_text())["$id"].endswith(
        "/1.2.3/oscal-catalog-schema.json"
    )


def test_shipped_catalogs_are_what_the_frameworks_make() -> None:
    files = {p.name: p.read_text() for p in oscal_dir().glob("*.json")}
    assert oscal_catalogs.generate() == files  # else: python3 -m vendor_audit.reports.oscal_catalogs
    assert set(files) == {f"{c.key}.{kind}.json" for c in catalogs() for kind in ("catalog", "profile")}
    assert oscal_catalogs.main(["--check"]) == 0


def test_regenerating_stamps_only_what_changed(tmp_path: Path) -> None:
    shipped_texts = {p.name: p.read_text() for p in oscal_dir().glob("*.json")}
    for name, text in shipped_texts.items():
        (tmp_path / name).write_text(text)
    later = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    assert oscal_catalogs.generate(tmp_path, now=later) == shipped_texts  # unchanged: last-modified kept
    # as if the framework had changed since soc2's catalog was written: it is rewritten, and its profile (which
    # holds the catalog's digest) with it; the other frameworks' files keep their date
    stale = tmp_path / "soc2_2017.catalog.json"
    stale.write_text(stale.read_text().replace('"Control environment"', '"An old title"'))
    made = oscal_catalogs.generate(tmp_path, now=later)
    changed = {name for name, text in made.items() if text != shipped_texts[name]}
    assert changed == {"soc2_2017.catalog.json", "soc2_2017.profile.json"}
    for name in changed:
        assert json.loads(made[name])[name.split(".")[1]]["metadata"]["last-modified"] == "2031-05-06T07:08:09Z"
    assert oscal_catalogs.main(["--check", "--dir", str(tmp_path)]) == 1
    assert oscal_catalogs.main(["--dir", str(tmp_path)]) == 0
    assert oscal_catalogs.main(["--check", "--dir", str(tmp_path)]) == 0
    assert "An old title" not in stale.read_text()


def test_catalogs_and_profiles_validate_against_nists_schemas() -> None:
    for name, document in shipped().items():
        kind = name.rsplit(".", 2)[1]
        assert schema_errors(kind, document) == [], name
        metadata = document[kind]["metadata"]
        assert metadata["oscal-version"] == "1.2.3"
        assert metadata["version"]
        dt.datetime.fromisoformat(metadata["last-modified"].replace("Z", "+00:00"))
    broken = shipped()["pci_dss_4.0.catalog.json"]
    broken["catalog"]["groups"][0]["controls"][0]["id"] = "1.1"  # a token cannot start with a digit
    assert schema_errors("catalog", broken)


def test_every_requirement_is_a_control_with_its_label_and_place() -> None:
    for catalog in catalogs():
        document = shipped()[f"{catalog.key}.catalog.json"]
        labelled = by_label(document)
        assert set(labelled) == {r.id for r in catalog.requirements}
        assert len(labelled) == len(catalog.requirements)  # each once
        for requirement in catalog.requirements:
            control = labelled[requirement.id]
            assert control["id"] == oscal_catalogs.control_token(f"{catalog.key}:{requirement.id}")
            assert control["title"] == requirement.title
            assert [p["id"] for p in control["parts"]] == [control["id"] + "_smt"]
        assert document["catalog"]["metadata"]["links"][0]["href"] == catalog.raw["source"]
        profile = shipped()[f"{catalog.key}.profile.json"]["profile"]
        (resource,) = profile["back-matter"]["resources"]
        (rlink,) = resource["rlinks"]
        assert profile["imports"] == [{"href": f"#{resource['uuid']}", "include-all": {}}]
        assert (oscal_dir() / rlink["href"]).is_file()
        assert rlink["hashes"][0]["value"] == hashlib.sha256((oscal_dir() / rlink["href"]).read_bytes()).hexdigest()

    def path_to(document: dict[str, Any], target: str) -> list[str]:
        def walk(node: dict[str, Any], trail: list[str]) -> list[str] | None:
            for child in [*node.get("groups", []), *node.get("controls", [])]:
                here = [*trail, child["id"]]
                if child["id"] == target:
                    return here
                if (found := walk(child, here)) is not None:
                    return found
            return None

        return walk(document["catalog"], []) or []

    assert path_to(shipped()["pci_dss_4.0.catalog.json"], "pci_dss_4.0_3.4.1") == [
        "pci_dss_4.0_3",
        "pci_dss_4.0_3.4",
        "pci_dss_4.0_3.4.1",
    ]
    assert path_to(shipped()["iso27001_2022.catalog.json"], "iso27001_2022_A.8.11") == [
        "iso27001_2022_A.8",
        "iso27001_2022_A.8.11",
    ]
    assert path_to(shipped()["soc2_2017.catalog.json"], "soc2_2017_CC6.1") == ["soc2_2017_CC6", "soc2_2017_CC6.1"]


def assert_resolves(document: dict[str, Any]) -> dict[str, Any]:
    """Schema-valid, unique uuids, and every control id, statement and catalog named resolves; returns the result."""
    assert oscal_errors(document) == []
    uuids = all_uuids(document)
    assert len(uuids) == len(set(uuids))
    controls, statements = resolvable()
    body = document["assessment-results"]
    result: dict[str, Any]
    (result,) = body["results"]
    resources = {r["uuid"]: r for r in body["back-matter"]["resources"]}
    reviewed = set()
    for selection in result["reviewed-controls"]["control-selections"]:
        ids = {c["control-id"] for c in selection.get("include-controls", [])}
        assert ids <= set(controls), ids - set(controls)
        reviewed |= ids
        if not ids:
            continue
        (link,) = selection["links"]
        (rlink,) = resources[link["href"].removeprefix("#")]["rlinks"]
        assert rlink["href"].startswith("oscal/")  # relative to the run directory, which holds a copy
        catalog = oscal_dir() / rlink["href"].removeprefix("oscal/")
        assert {controls[i] for i in ids} == {catalog.name}  # the selection's controls come from the catalog it links
        assert rlink["hashes"] == [{"algorithm": "SHA-256", "value": hashlib.sha256(catalog.read_bytes()).hexdigest()}]
    for entry in result.get("findings", []):
        target = entry["target"]
        assert target["type"] == "statement-id"
        assert statements[target["target-id"]] in reviewed, target
    observations = {o["uuid"] for o in result.get("observations", [])}
    for risk in result.get("risks", []):
        assert {r["observation-uuid"] for r in risk.get("related-observations", [])} <= observations
    return result


def result_resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = document["assessment-results"]["back-matter"]["resources"]
    return resources


def test_the_sample_run_resolves_in_the_catalogs() -> None:
    result = assert_resolves(json.loads(render_oscal(sample_run())))
    assert {f["target"]["target-id"] for f in result["findings"]} == {
        "pci_dss_4.0_3.4.1_smt",
        "pci_dss_4.0_4.2.1_smt",
        "pci_dss_4.0_8.4.2_smt",
    }


def facets(risk: dict[str, Any]) -> dict[str, str]:
    (characterization,) = risk["characterizations"]
    return {f["name"]: f["value"] for f in characterization["facets"]}


def test_risks_say_what_is_wrong_how_bad_how_to_fix_and_by_when() -> None:
    run = sample_run()
    result = json.loads(render_oscal(run))["assessment-results"]["results"][0]
    risks = {r["title"]: r for r in result["risks"]}
    assert len(result["risks"]) == 3  # two cards in one comment are two risks, a waiver is one more
    pan = [r for r in result["risks"] if r["title"].startswith("payloads_free_of_pans")]
    assert len(pan) == 2
    for risk in pan:
        assert risk["status"] == "open"
        assert facets(risk) == {
            "likelihood": "high",
            "impact": "very-high",
            "risk": "very-high",
            "severity": "critical",
        }
        assert risk["deadline"] == "2026-11-30T10:00:05Z"  # critical: a week after the run's end
        (remediation,) = risk["remediations"]
        assert remediation["lifecycle"] == "recommendation"
        assert remediation["description"] == "Redact it."
        assert "Redact it" not in risk["statement"]  # what is wrong, not how to fix it
        assert "No clear-text card number in any payload" in risk["statement"]
        assert "411111******1111" in risk["description"] or "401288******1881" in risk["description"]
    assert REMEDIATION_DAYS[Severity.HIGH] == 30  # PCI DSS 6.3.3's month
    waived = risks["mfa_enabled_for_vendor_staff: zendesk users/7"]
    assert waived["status"] == "deviation-approved"
    assert waived["deadline"] == "2027-01-31T23:59:59Z"
    assert facets(waived)["impact"] == "high"
    (entry,) = waived["risk-log"]["entries"]
    assert entry["status-change"] == "deviation-approved"
    assert "secops@brand.example" in entry["title"]
    assert "On leave;\nlocked at the IdP." in entry["description"]
    assert entry["end"] == waived["deadline"]
    assert entry["related-responses"] == [{"response-uuid": waived["remediations"][0]["uuid"]}]
    observations = {o["uuid"]: o for o in result["observations"]}
    for risk in result["risks"]:
        (related,) = risk["related-observations"]
        assert observations[related["observation-uuid"]]["types"] == ["finding"]
    # a run with nothing failing has no risk to report, and an error is never a closed or satisfied one
    calm = json.loads(render_oscal(sample_run(findings=run.findings[2:3])))["assessment-results"]["results"][0]
    assert "risks" not in calm


def test_uuids_follow_the_state_not_the_run() -> None:
    first = json.loads(render_oscal(sample_run()))
    assert json.loads(render_oscal(sample_run())) == first
    again = sample_run(
        run_id="20261124T100000Z-cafe",
        started="2026-11-24T10:00:00+00:00",
        finished="2026-11-24T10:00:07+00:00",
        findings=tuple(reversed(sample_run().findings)),
    )
    second = json.loads(render_oscal(again))

    def stable(document: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
        (result,) = document["assessment-results"]["results"]
        return {
            part: {(item["uuid"], item["title"] + item.get("description", "")) for item in result[part]}
            for part in ("observations", "risks", "findings")
        }

    assert stable(second) == stable(first)
    assert second["assessment-results"]["uuid"] != first["assessment-results"]["uuid"]  # a new document per run
    other = json.loads(render_oscal(sample_run(profile_name="Another brand")))
    assert not {u for u, _ in stable(other)["risks"]} & {u for u, _ in stable(first)["risks"]}
    # the same finding id twice (a run assembled by hand) still gives unique uuids
    (pan, *_) = sample_run().findings
    twice = sample_run(findings=(pan, dataclasses.replace(pan, message="again")), coverage=())
    assert_resolves(json.loads(render_oscal(twice)))


def test_a_fixed_finding_closes_the_risk_it_opened() -> None:
    before = sample_run(findings=(finding(MFA_SPEC, Status.FAIL, "users/9"),))
    (opened,) = json.loads(render_oscal(before))["assessment-results"]["results"][0]["risks"]
    fixed = {"check_id": MFA_SPEC.id, "vendor": "zendesk", "resource": "users/9", "status": "pass"}
    after = sample_run(
        run_id="20261124T100000Z-cafe",
        findings=(finding(MFA_SPEC, Status.PASS, "users/9"),),
        drift={
            "base": before.run_id,
            "run": "20261124T100000Z-cafe",
            "base_name": None,
            "new": [],
            "fixed": [fixed | {"severity": "high", "message": "pass on users/9"}],
            "still_open": [],
            "unverified": [],
            "stale": None,
        },
    )
    result = assert_resolves(json.loads(render_oscal(after)))
    (closed,) = result["risks"]
    assert closed["uuid"] == opened["uuid"]
    assert closed["status"] == "closed"
    assert "deadline" not in closed
    assert closed["remediations"][0]["lifecycle"] == "completed"
    assert facets(closed)["likelihood"] == "very-low"
    (observation,) = result["observations"]
    assert closed["related-observations"] == [{"observation-uuid": observation["uuid"]}]


@pytest.fixture(scope="module")
def waived_audit(leaky: sandbox.RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    profile = leaky.run_dir / "oscal-waived.toml"
    profile.write_text(leaky.profile_path.read_text() + WAIVER)
    return run_audit(tmp_path_factory.mktemp("oscal-run"), str(profile))


def test_a_sandbox_audit_is_oscal_a_grc_tool_can_resolve(
    leaky: sandbox.RunningSandbox, waived_audit: AuditResult
) -> None:
    text = (waived_audit.run_dir / "assessment-results.json").read_text()
    result = assert_resolves(json.loads(text))
    for resource in result_resources(json.loads(text)):  # the catalogs travel with the run, as the hrefs say
        for rlink in resource.get("rlinks", []):
            copy = waived_audit.run_dir / rlink["href"]
            assert copy.is_file(), rlink["href"]
            assert hashlib.sha256(copy.read_bytes()).hexdigest() == rlink["hashes"][0]["value"]
    report = waived_audit.report
    assert len(result["observations"]) == len(report["findings"])
    uids = {p["value"] for o in result["observations"] for p in o["props"] if p["name"] == "finding-uid"}
    assert uids == {f["uid"] for f in report["findings"]}
    problems = [f for f in report["findings"] if f["status"] in ("fail", "waived")]
    assert len(result["risks"]) == len(problems) > 0
    finished = dt.datetime.fromisoformat(report["finished"])
    for risk in result["risks"]:
        assert {"likelihood", "impact", "risk"} <= set(facets(risk))
        assert risk["remediations"][0]["description"]
        deadline = dt.datetime.fromisoformat(risk["deadline"].replace("Z", "+00:00"))
        if risk["status"] == "open":
            severity = Severity(facets(risk)["severity"])
            assert abs(deadline - finished - dt.timedelta(days=REMEDIATION_DAYS[severity])) < dt.timedelta(seconds=1)
    (waived,) = [r for r in result["risks"] if r["status"] == "deviation-approved"]
    assert waived["deadline"] == "2999-01-01T23:59:59Z"
    assert "Agent on leave" in waived["risk-log"]["entries"][0]["description"]
    frameworks = {c.key for c in catalogs()}
    linked = [s for s in result["reviewed-controls"]["control-selections"] if s.get("links")]
    assert len(linked) == len(frameworks)  # the audit reviews controls of every framework
    pans = [v["pan"] for v in leaky.manifest["violations"] if "pan" in v]
    assert pans
    digits = ["".join(c for c in unicodedata.normalize("NFKC", line) if c.isdigit()) for line in text.splitlines()]
    for pan in pans:
        assert pan not in text
        assert not any(pan in line for line in digits)
