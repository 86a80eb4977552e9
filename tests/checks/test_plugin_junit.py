"""Plain `pytest --audit-profile P --junitxml=J`: JUnit a CI can read, valid against junit-10.xsd.

pytest's default junit_family (xunit2) allows properties on the test suite only
(https://docs.pytest.org/en/stable/how-to/output.html#record-property), so the checks' facts go there; under xunit1
they may stay on each case. Every value is a string a CI shows as it is, never a Python repr.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.report_formats import junit_schema
from vendor_audit import sandbox
from vendor_audit.findings import Status

STATUSES = {s.value for s in Status} | {"not_tested"}
CONTROLS = re.compile(r"^[a-z0-9_.]+:[A-Za-z0-9_.()-]+(, [a-z0-9_.]+:[A-Za-z0-9_.()-]+)*$")
SECONDS = re.compile(r"^\d+\.\d{3}$")


def plain_pytest(profile: Path, workdir: Path, *options: str) -> tuple[int, ET.Element, Path]:
    junit = workdir / "junit.xml"
    audit = ["--audit-profile", str(profile), "--audit-report-dir", str(workdir / "runs"), f"--junitxml={junit}"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:benchmark", "-q", *audit, *options],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
    )
    said = result.stdout[-3000:] + result.stderr[-2000:]
    assert junit.exists(), said
    (run_dir,) = [p for p in (workdir / "runs").iterdir() if p.is_dir()] if (workdir / "runs").is_dir() else [said]
    assert isinstance(run_dir, Path), run_dir
    return result.returncode, ET.parse(junit).getroot(), run_dir  # noqa: S314 - pytest's own file


def assert_no_clear_pan(running: sandbox.RunningSandbox, text: str) -> None:
    digits = re.sub(r"[^0-9]", "", text)
    for pan in (v["pan"] for v in running.manifest["violations"] if "pan" in v):
        assert pan not in digits  # the planted card numbers, with or without separators


def assert_shown_as_text(value: str | None) -> None:
    assert value is not None
    assert not value.startswith(("{", "[", "(")), value[:200]  # a dict, list or tuple printed by str()
    assert "{'" not in value, value[:200]
    assert "': " not in value, value[:200]


def test_plain_pytest_junit_is_valid_junit_10_with_suite_properties(
    leaky: sandbox.RunningSandbox, tmp_path: Path
) -> None:
    code, root, run_dir = plain_pytest(leaky.profile_path, tmp_path)
    junit_schema().validate(str(tmp_path / "junit.xml"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert cases
    assert all(case.find("properties") is None for case in cases)  # xunit2: none on a case
    assert all(SECONDS.match(case.get("time", "")) for case in cases)
    assert sum(float(case.get("time", "0")) for case in cases) > 0  # the collection is counted in the first check
    properties = {p.get("name", ""): p.get("value") for p in suite.iter("property")}
    for value in properties.values():
        assert_shown_as_text(value)
    assert properties["vendor_audit.exit_code"] == str(code)
    assert properties["vendor_audit.run_id"] == run_dir.name
    checks = [case.get("name", "").removeprefix("test_") for case in cases]
    for check_id in checks:
        assert properties[f"vendor_audit.{check_id}.status"] in STATUSES
        assert CONTROLS.match(properties[f"vendor_audit.{check_id}.controls"] or "")
        assert re.match(r"^([a-z_]+ \d+)(, [a-z_]+ \d+)*$", properties[f"vendor_audit.{check_id}.findings"] or "")
    # The leaky sandbox plants card numbers: the failure carries them, masked (first 6 and last 4 at most).
    assert properties["vendor_audit.payloads_free_of_pans.status"] == "fail"
    (pans,) = [c for c in cases if c.get("name") == "test_payloads_free_of_pans"]
    failure = pans.find("failure")
    assert failure is not None
    assert re.search(r"\d{4,6}\*+\d{4}", failure.get("message", "") + (failure.text or ""))
    assert_no_clear_pan(leaky, (tmp_path / "junit.xml").read_text())
    # The run's own junit.xml says the same and carries the same times, check by check.
    own = ET.parse(run_dir / "junit.xml").getroot().find("testsuite")  # noqa: S314 - our own file
    assert own is not None
    own_times = {c.get("name", ""): float(c.get("time", "nan")) for c in own.findall("testcase")}
    pytest_times = {c.get("name", "").removeprefix("test_"): float(c.get("time", "nan")) for c in cases}
    assert own_times.keys() == pytest_times.keys()
    assert all(abs(own_times[name] - pytest_times[name]) < 0.01 for name in own_times), (own_times, pytest_times)
    own_properties = {p.get("name", ""): p.get("value") for p in own.iter("property")}
    assert len(per_check(properties)) == 4 * len(cases)  # status, severity, controls, findings
    assert per_check(own_properties) == per_check(properties)


def per_check(properties: dict[str, str | None]) -> dict[str, str | None]:
    """The `vendor_audit.<check_id>.<fact>` properties."""
    return {k: v for k, v in properties.items() if re.match(r"^vendor_audit\.[a-z0-9]+(_[a-z0-9]+)+\.[a-z]+$", k)}


@pytest.mark.parametrize("family", ["xunit1", "legacy"])
def test_xunit1_keeps_the_findings_on_each_case_as_text(
    leaky: sandbox.RunningSandbox, tmp_path: Path, family: str
) -> None:
    _, root, _ = plain_pytest(leaky.profile_path, tmp_path, "-o", f"junit_family={family}", "-k", "pans or hsts")
    cases = root.findall("testsuite/testcase")
    assert {c.get("name") for c in cases} == {"test_payloads_free_of_pans", "test_tls_hsts_enabled"}
    for case in cases:
        assert SECONDS.match(case.get("time", ""))
        properties = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        named = dict(properties)
        assert named["vendor_audit_status"] in STATUSES
        assert CONTROLS.match(named["vendor_audit_controls"] or "")
        lines = [value for name, value in properties if name == "vendor_audit_finding"]
        assert lines
        for line in lines:
            assert_shown_as_text(line)
            assert re.match(r"^[A-Z_]+ (info|low|medium|high|critical) \S+ .+: ", line or ""), line
    assert_no_clear_pan(leaky, (tmp_path / "junit.xml").read_text())


def test_an_audit_without_the_junitxml_plugin_still_runs(clean: sandbox.RunningSandbox, tmp_path: Path) -> None:
    plugins = ["-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:junitxml"]
    audit = ["--audit-profile", str(clean.profile_path), "--audit-report-dir", str(tmp_path / "runs"), "-k", "hsts"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, *audit],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
