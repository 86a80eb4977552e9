"""The HTML report of a full run (waivers, a signed bundle, an attached load run) in a real headless Chromium.

Needs Debian's chromium and chromium-driver (`.ci/run` installs them); skipped with that hint otherwise.
The screenshot is kept in $VENDOR_AUDIT_ARTIFACTS (default: .artifacts/ at the repository root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import StartSandbox
from tests.report_formats import assert_valid_reports

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("VENDOR_AUDIT_ARTIFACTS", Path(__file__).resolve().parents[1] / ".artifacts"))
WAIVERS = """
[[waivers]]
check = "mfa_enabled_for_vendor_staff"
resource = "zendesk/users/7"
reason = "Agent on leave; account locked at the IdP."
owner = "secops@brand.example"
expires = 2099-12-31

[[waivers]]
check = "mfa_enabled_for_vendor_staff"
resource = "zendesk/users/11"
reason = "Contractor offboarding."
owner = "it@brand.example"
expires = 2020-01-31
"""

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs a browser: apt-get install chromium chromium-driver (Debian; .ci/run does it)",
)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=240, check=False)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        # this machine's network is closed: without these Chromium keeps calling home and logs the refusals
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_console_errors_are_seen(browser: Any) -> None:
    """The check below can fail: a page that throws is caught."""
    browser.get("data:text/html,<script>throw new Error('planted')</script>")
    assert any("planted" in message for message in console_errors(browser))


def test_full_report_renders_in_chromium(fresh: StartSandbox, tmp_path: Path, browser: Any) -> None:
    running = fresh(scenario="leaky", write_exports=True)
    profile = running.run_dir / "waived.toml"
    profile.write_text(running.profile_path.read_text() + WAIVERS)
    load = cli(
        "load",
        str(profile),
        "--rate",
        "4",
        "--duration",
        "3",
        "--warmup",
        "0.5",
        "--report-dir",
        str(tmp_path / "load"),
    )
    (load_dir,) = [p for p in (tmp_path / "load").iterdir() if p.is_dir()]
    assert (load_dir / "load.json").exists(), load.stdout[-2000:] + load.stderr[-2000:]
    keys = cli("keys", "create", "--dir", str(tmp_path / "keys"))
    assert keys.returncode == 0
    fingerprint = keys.stdout.split("fingerprint: ")[1].strip()
    audit = cli(
        "run",
        str(profile),
        "--report-dir",
        str(tmp_path / "runs"),
        "--sign-key",
        str(tmp_path / "keys" / "vendor-audit.key"),
        "--load-run",
        str(load_dir),
    )
    (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    errors = [f for f in json.loads((run_dir / "findings.json").read_text())["findings"] if f["status"] == "error"]
    assert audit.returncode == 1, [(f["check_id"], f["vendor"], f["message"][:300]) for f in errors] or audit.stderr
    checked = assert_valid_reports(run_dir)
    assert {c["id"] for c in checked["findings"]["checks"]} >= {"load_latency_within_slo", "payloads_free_of_pans"}
    assert (run_dir / "load" / "latency.svg").exists()
    verified = cli("verify", str(run_dir), "--public-key", str(tmp_path / "keys" / "vendor-audit.pub"))
    assert verified.returncode == 0, verified.stdout

    browser.get((run_dir / "report.html").as_uri())
    assert browser.title.startswith("vendor-audit: Local sandbox (leaky)")
    headings = [h.text for h in browser.find_elements("css selector", "h2")]
    for expected in ("Summary by severity and vendor", "Findings that need action", "Waived findings (1)"):
        assert any(h.startswith(expected) for h in headings), headings
    for expected in (
        "Coverage by framework",
        "Certificate inventory",
        "Outbound data flows",
        "Load test against the SLOs",
        "Service levels against the contract",
    ):
        assert any(h.startswith(expected) for h in headings), headings
    waived = browser.find_element("id", "waived").text
    assert "secops@brand.example" in waived
    assert "Agent on leave" in waived
    assert "2099-12-31" in waived
    assert "Expired waivers" in waived
    assert "it@brand.example" in waived
    assert fingerprint in browser.find_element("css selector", "table.meta").text
    assert "no automated check" in browser.find_element("id", "coverage").get_attribute("innerHTML")
    chart = browser.find_element("css selector", "#load img")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", chart) > 100
    certificates = browser.find_element("id", "certificates").text
    assert "RSA" in certificates
    # The outbound data-flow inventory (PCI DSS 12.8.1): one row per flow the connectors found, secrets unnamed.
    flows = json.loads((run_dir / "findings.json").read_text())["data_flows"]
    assert {f["vendor"] for f in flows} == {"zendesk", "gorgias", "shopify"}
    inventory = browser.find_element("id", "data-flows")
    assert len(inventory.find_elements("css selector", "tbody tr")) == len(flows)
    assert any(f["destination"].startswith("http://") and f["destination"] in inventory.text for f in flows)
    assert "sk_live" not in inventory.get_attribute("innerHTML")
    # Service levels (issue 16): inline SVG charts of the contract's targets, drawn at their size under the CSP.
    levels = json.loads((run_dir / "findings.json").read_text())["service_levels"]
    assert any(r["metric"] == "sla_target" and r["histogram"] for r in levels)
    charts = browser.find_elements("css selector", "#service-levels svg.chart")
    assert len(charts) >= 3  # the first-reply histogram, and a weekly attainment per target
    assert all(c.size["width"] > 100 and c.size["height"] > 100 for c in charts)
    assert browser.find_elements("css selector", "#service-levels svg.chart rect")  # histogram bars drawn
    assert "target 60 min" in browser.find_element("id", "service-levels").text
    assert console_errors(browser) == []

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height), 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 50_000
    (ARTIFACTS / "report.html").write_bytes((run_dir / "report.html").read_bytes())
    assert json.loads((run_dir / "findings.json").read_text())["signing_key"] == fingerprint
