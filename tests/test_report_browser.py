"""The HTML report of a full run (waivers, a signed bundle, an attached load run, a history) in headless Chromium.

Needs Debian's chromium and chromium-driver (`.ci/run` installs them); skipped with that hint otherwise.
Screenshots of the whole report and of the load chart, and the page itself, are kept in $VENDOR_AUDIT_ARTIFACTS
(default: reports/runs/artifacts/, git-ignored with the runs).
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
ARTIFACTS = Path(
    os.environ.get("VENDOR_AUDIT_ARTIFACTS", Path(__file__).resolve().parents[1] / "reports" / "runs" / "artifacts")
)
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
    runs = tmp_path / "runs"
    # an earlier, narrowed run of the same profile: the full run's history, drawn as its trend
    earlier = cli("run", str(profile), "--report-dir", str(runs), "--run-id", "earlier", "-k", "tls_hsts_enabled")
    assert (runs / "earlier" / "findings.json").exists(), earlier.stdout[-2000:] + earlier.stderr[-2000:]
    audit = cli(
        "run",
        str(profile),
        "--report-dir",
        str(runs),
        "--run-id",
        "full",
        "--sign-key",
        str(tmp_path / "keys" / "vendor-audit.key"),
        "--load-run",
        str(load_dir),
    )
    run_dir = runs / "full"
    report = json.loads((run_dir / "findings.json").read_text())
    errors = [f for f in report["findings"] if f["status"] == "error"]
    # On a saturated machine the load run is INVALID and its gates are errors (exit 2): the load run's verdict, not
    # the audit's, and no reason to skip the page. Nothing else may be an error.
    load_valid = json.loads((load_dir / "load.json").read_text())["valid"]
    audit_errors = [
        (f["check_id"], f["vendor"], f["message"][:300]) for f in errors if not f["check_id"].startswith("load_")
    ]
    assert audit_errors == []
    assert audit.returncode == (1 if load_valid else 2), errors or audit.stderr
    checked = assert_valid_reports(run_dir)
    assert {c["id"] for c in checked["findings"]["checks"]} >= {"load_latency_within_slo", "payloads_free_of_pans"}
    assert (run_dir / "load" / "latency.svg").exists()
    verified = cli("verify", str(run_dir), "--public-key", str(tmp_path / "keys" / "vendor-audit.pub"))
    assert verified.returncode == 0, verified.stdout
    assert report["signing_key"] == fingerprint
    # the engine read the history: the narrowed run before this one, with its state and counts
    assert [(t["run_id"], t["state"]) for t in report["trend"]] == [("earlier", "partial")]
    assert sum(report["trend"][0]["counts"].values()) > 0

    page = (run_dir / "report.html").read_text()
    planted = [v["pan"] for v in running.manifest["violations"] if "pan" in v]
    assert len(planted) >= 5
    for pan in planted:  # in the page or inside the load chart's data: URI, no card number in clear
        digits = "".join(c for c in pan if c.isdigit())
        assert pan not in page
        assert digits not in page
    for secret in running.secrets.values():
        assert secret not in page

    browser.get((run_dir / "report.html").as_uri())
    assert browser.title.startswith("vendor-audit: Local sandbox (leaky)")
    headings = [h.text for h in browser.find_elements("css selector", "h2")]
    for expected in (
        "Summary",
        "Vendors audited",
        "Changes since the previous run",
        "Findings that need action",
        "Waived findings (1)",
        "Coverage by framework",
        "What this audit did not test",
        "Certificate inventory",
        "Outbound data flows",
        "Service levels against the contract",
        "Load test against the SLOs",
        "Passing findings",
    ):
        assert any(h.startswith(expected) for h in headings), (expected, headings)
    waived = browser.find_element("id", "waived").text
    assert "secops@brand.example" in waived
    assert "Agent on leave" in waived
    assert "2099-12-31" in waived
    assert "Expired waivers" in waived
    assert "it@brand.example" in waived
    assert fingerprint in browser.find_element("css selector", "table.meta").text
    assert "no automated check" in browser.find_element("id", "coverage").get_attribute("innerHTML")

    # One card per check that needs action, each listing its resources; the PAN check's card has them all.
    action = [f for f in report["findings"] if f["status"] in ("fail", "error", "manual")]
    cards = browser.find_elements("css selector", "#findings article.check")
    assert sorted(c.get_attribute("id") for c in cards) == sorted({f"check-{f['check_id']}" for f in action})
    pans = [f for f in action if f["check_id"] == "payloads_free_of_pans"]
    assert len(pans) >= 5
    pan_card = browser.find_element("id", "check-payloads_free_of_pans")
    assert len(pan_card.find_elements("css selector", "tbody tr")) == len(pans)
    assert [dt.text for dt in pan_card.find_elements("css selector", "dl.fix dt")] == ["Remediation", "Controls"]

    # Every chart is drawn at its size: the inline pygal SVGs and the load run's chart image.
    figures = {f.get_attribute("id"): f for f in browser.find_elements("css selector", "figure.chart-figure")}
    assert {"figure-severity", "figure-trend", "figure-coverage", "figure-load"} <= set(figures), sorted(figures)
    assert any(name.startswith("figure-sla-") for name in figures), sorted(figures)
    for name, figure in figures.items():
        (graphic,) = figure.find_elements("css selector", ":scope > svg, :scope > img")
        assert graphic.size["width"] > 300, name
        assert graphic.size["height"] > 100, name
        assert figure.find_element("css selector", "figcaption").text.strip(), name
        if graphic.tag_name == "img":
            assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", graphic) > 300
        else:  # drawn series, not an empty frame
            drawn = browser.execute_script(
                "return [...arguments[0].querySelectorAll('.series path, .series rect')]"
                ".filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; }).length",
                graphic,
            )
            assert drawn > 0, name
    levels = browser.find_element("id", "service-levels").text
    assert "target 60 min" in levels
    # No script ran: there is none in the page, and pygal's own (which sets window.pygal) was left out.
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0
    assert browser.execute_script("return typeof window.pygal") == "undefined"
    certificates = browser.find_element("id", "certificates").text
    assert "RSA" in certificates
    # The outbound data-flow inventory (PCI DSS 12.8.1): one row per flow the connectors found, secrets unnamed.
    flows = report["data_flows"]
    assert {f["vendor"] for f in flows} == {"zendesk", "gorgias", "shopify"}
    inventory = browser.find_element("id", "data-flows")
    assert len(inventory.find_elements("css selector", "tbody tr")) == len(flows)
    assert any(f["destination"].startswith("http://") and f["destination"] in inventory.text for f in flows)
    assert "sk_live" not in inventory.get_attribute("innerHTML")
    assert console_errors(browser) == []  # a CSP violation (a load the page tried) would be one

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    load_chart = ARTIFACTS / "load-chart.png"
    assert figures["figure-load"].screenshot(str(load_chart))
    assert load_chart.stat().st_size > 20_000
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height), 16000))
    screenshot = ARTIFACTS / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 50_000
    (ARTIFACTS / "report.html").write_bytes((run_dir / "report.html").read_bytes())
