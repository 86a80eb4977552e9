"""The audit against the sandbox: clean passes, leaky yields exactly its manifest, and nothing leaks."""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.checks.conftest import AuditResult, run_audit
from tests.report_formats import assert_valid_reports
from vendor_audit import sandbox
from vendor_audit.sandbox.gorgias import LEAKY_INTEGRATION_KEY as GORGIAS_INTEGRATION_KEY
from vendor_audit.schemas import load_schema

# manifest kind -> the check that must fail for it
CHECK_OF = {
    "pan": "payloads_free_of_pans",
    "track_data": "payloads_free_of_sensitive_authentication_data",
    "cvv": "payloads_free_of_sensitive_authentication_data",
    "mfa_disabled": "mfa_enabled_for_vendor_staff",
    "mfa_not_enforced": "mfa_enforced_for_account",
    "tls_legacy_protocol": "tls_legacy_protocols_refused",
    "certificate_expiring": "tls_certificate_not_expiring",
    "weak_key": "tls_certificate_key_strong",
    "weak_signature": "tls_certificate_signature_strong",
    "hsts_missing": "tls_hsts_enabled",
    "export_schema": "exports_match_schema",
    # who can reach the data, and where it flows (issue 15)
    "dormant_account": "agent_accounts_not_dormant",
    "never_used_account": "agent_accounts_not_dormant",
    "suspended_user_token": "suspended_users_hold_no_tokens",
    "shared_account": "no_shared_agent_accounts",
    "account_not_on_roster": "helpdesk_accounts_match_roster",
    "leaver_still_active": "helpdesk_accounts_match_roster",
    "agents_over_contract": "helpdesk_accounts_match_roster",
    "token_too_old": "tokens_rotated_and_current",
    "token_expiring": "tokens_rotated_and_current",
    "token_unused": "tokens_rotated_and_current",
    "undeclared_token": "tokens_declared",
    "deprecated_credential": "vendor_credential_deprecations",
    "ip_restriction_off": "account_security_settings",
    "ip_ranges_mismatch": "account_security_settings",
    "session_timeout_long": "account_security_settings",
    "sso_not_enforced": "account_security_settings",
    "assumption_too_long": "account_security_settings",
    "flow_plain_http": "outbound_flows_safe",
    "flow_not_allowed": "outbound_flows_safe",
    "flow_secret_in_headers": "outbound_flows_safe",
    "flow_tls_weak": "outbound_flows_safe",
    # service levels recomputed from the raw exports (issue 16)
    "sla_missed": "sla_targets_met",
    "scorecard_overstated": "vendor_scorecard_matches_exports",
}
# Kinds one resource may fail more than once with (a flow over http to a host off the allow-list): matched by kind.
BY_KIND = {"track_data", "cvv"} | {
    k for k, c in CHECK_OF.items() if c in {"outbound_flows_safe", "tokens_rotated_and_current"}
}
# Checks whose resources repeat across vendors ("users/7" in two helpdesks): matched with the vendor too.
BY_VENDOR = {c for k, c in CHECK_OF.items() if k in list(CHECK_OF)[list(CHECK_OF).index("dormant_account") :]}


def expected_failures(running: sandbox.RunningSandbox) -> set[tuple[str, str, str, str]]:
    ports = {name: url.rsplit(":", 1)[1] for name, url in running.manifest["endpoints"].items()}
    expected = set()
    for entry in running.manifest["violations"]:
        kind, resource = entry["kind"], entry["resource"]
        if kind == "over_scoped_credential":
            check = (
                "credential_role_least_privilege"
                if entry["vendor"] == "gorgias"
                else "credential_scopes_least_privilege"
            )
        else:
            check = CHECK_OF[kind]
        if resource.startswith("endpoint/"):
            resource = f"endpoint/127.0.0.1:{ports[resource.split('/')[1]]}"
        if kind == "export_schema":
            resource += f"@{entry['location']}"
        expected.add((check, resource, kind if kind in BY_KIND else "", entry["vendor"] if check in BY_VENDOR else ""))
    return expected


def actual_failures(result: AuditResult) -> set[tuple[str, str, str, str]]:
    actual = set()
    for finding in result.findings("fail"):
        resource = finding["resource"]
        if finding["check_id"] == "exports_match_schema":
            resource += f"@{finding['evidence']['location']}"
        kind = finding["evidence"].get("kind", "")
        check = finding["check_id"]
        actual.add((check, resource, kind if kind in BY_KIND else "", finding["vendor"] if check in BY_VENDOR else ""))
    return actual


@pytest.fixture(scope="module")
def leaky_run(leaky: sandbox.RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    return run_audit(tmp_path_factory.mktemp("leaky-run"), str(leaky.profile_path))


def test_leaky_yields_exactly_the_manifest(leaky: sandbox.RunningSandbox, leaky_run: AuditResult) -> None:
    assert leaky_run.code == 1, leaky_run.stdout[-3000:]
    assert actual_failures(leaky_run) == expected_failures(leaky)
    assert leaky_run.findings("error") == []


def test_clean_passes_every_check(clean: sandbox.RunningSandbox, tmp_path: Path) -> None:
    result = run_audit(tmp_path, str(clean.profile_path))
    assert result.code == 0, result.stdout[-3000:]
    assert result.findings("fail") == []
    assert result.findings("error") == []
    manual = {(f["check_id"], f["vendor"]) for f in result.findings("manual")}
    # Only what the vendors' APIs do not expose is left to a person: Zendesk too, as real accounts answer
    # (null 2FA for some staff, no two_factor_enforce in security_settings). Manual keeps exit 0 (DESIGN.md).
    unexposed = {
        (c, v)
        for c in ("mfa_enabled_for_vendor_staff", "mfa_enforced_for_account")
        for v in ("shopify", "gorgias", "zendesk")
    }
    # Gorgias and Shopify show no last sign-in, no token list and no security settings; installed apps say not
    # where they send data (Zendesk's and Gorgias's).
    unexposed |= {
        (c, v)
        for c in (
            "agent_accounts_not_dormant",
            "suspended_users_hold_no_tokens",
            "tokens_declared",
            "tokens_rotated_and_current",
            "account_security_settings",
        )
        for v in ("shopify", "gorgias")
    }
    unexposed |= {("outbound_flows_safe", "zendesk"), ("outbound_flows_safe", "gorgias")}
    # Shopify lists only the audit app's own webhook subscriptions: a coverage limit, manual (commit 71dde78).
    unexposed |= {("outbound_flows_safe", "shopify")}
    # The bundled profile names each vendor's sandbox, not its production account: segmentation is for a person.
    unexposed |= {("sandbox_segmented", v) for v in ("shopify", "gorgias", "zendesk")}
    assert manual == unexposed
    zendesk = {f["check_id"]: f for f in result.findings("manual") if f["vendor"] == "zendesk"}
    staff, enforcement = zendesk["mfa_enabled_for_vendor_staff"], zendesk["mfa_enforced_for_account"]
    unknown = sorted(str(s.id) for s in clean.world.zendesk_staff() if s.mfa is None)
    assert sorted(staff["evidence"]["users"]) == unknown
    assert "left empty by the API" in staff["message"]
    assert "2FA status report" in staff["message"]  # where to look, not just that someone should
    assert "Admin Center > Account > Security > Advanced" in staff["evidence"]["where"]
    assert "not exposed" in enforcement["message"]
    assert "Admin Center > Account > Security > Advanced" in enforcement["evidence"]["setting"]
    assert {f["check_id"] for f in result.findings("pass")} >= {
        "payloads_free_of_pans",
        "tls_legacy_protocols_refused",
        "credential_scopes_least_privilege",
        "exports_match_schema",
        "tls_certificate_trusted",
    }


def test_unexposed_mfa_is_manual_never_pass(leaky: sandbox.RunningSandbox, leaky_run: AuditResult) -> None:
    for finding in leaky_run.findings():
        if finding["check_id"].startswith("mfa_") and finding["vendor"] in {"shopify", "gorgias"}:
            assert finding["status"] == "manual", finding
    # Zendesk staff answered null are neither passed nor failed: one manual finding lists them.
    unknown = {str(s.id) for s in leaky.world.zendesk_staff() if s.mfa is None}
    assert unknown
    zendesk = [f for f in leaky_run.findings() if f["check_id"] == "mfa_enabled_for_vendor_staff"]
    zendesk = [f for f in zendesk if f["vendor"] == "zendesk"]
    assert not [f for f in zendesk if f["resource"] in {f"users/{u}" for u in unknown}]
    (manual,) = [f for f in zendesk if f["status"] == "manual"]
    assert set(manual["evidence"]["users"]) == unknown


def digits_by_line(text: str) -> list[str]:
    return ["".join(c for c in unicodedata.normalize("NFKC", line) if c.isdigit()) for line in text.splitlines()]


def test_no_secret_or_pan_in_any_output(leaky: sandbox.RunningSandbox, leaky_run: AuditResult) -> None:
    outputs = leaky_run.outputs()
    assert {"stdout", "findings.json", "junit.xml", "evidence.json"} <= set(outputs)
    assert {"findings.csv", "report.html", "assessment-results.json", "history.sqlite"} <= set(outputs)
    pans = [v["pan"] for v in leaky.manifest["violations"] if "pan" in v]
    plants = [p.text for p in leaky.world.plants]
    # Third parties' secrets the vendors' configuration shows in clear (a Gorgias HTTP integration's X-Api-Key, a
    # Zendesk webhook's Authorization header): the flow findings name the header, never the value.
    configured = [GORGIAS_INTEGRATION_KEY, leaky.zendesk.webhook_header_secret]
    for name, text in outputs.items():
        for secret in [*leaky.secrets.values(), *configured]:
            assert secret[:10] not in text, f"a secret reached {name}"
            assert secret[-12:] not in text, f"a secret's end reached {name}"
        for plant in plants:
            assert plant not in text, f"a planted text reached {name}"
        lines = digits_by_line(text)
        for pan in pans:
            assert pan not in text, f"a PAN reached {name}"
            assert not any(pan in line for line in lines), f"a PAN reached {name} with separators"
    masked = [f["message"] for f in leaky_run.findings("fail") if f["check_id"] == "payloads_free_of_pans"]
    assert masked
    assert all(re.search(r"\d{4,6}\*+\d{4}", m) for m in masked)


def test_reports_follow_their_formats(leaky_run: AuditResult) -> None:
    jsonschema.Draft202012Validator(load_schema("findings.v1"), format_checker=jsonschema.FormatChecker()).validate(
        leaky_run.report
    )
    suite = ET.parse(leaky_run.run_dir / "junit.xml").getroot().find("testsuite")  # noqa: S314 - our own file
    assert suite is not None
    cases = suite.findall("testcase")
    checks_declared = len(list((Path(__file__).resolve().parents[2] / "checks").rglob("test_*.py")))
    assert len(cases) == len(leaky_run.report["checks"]) == checks_declared
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {f["check_id"] for f in leaky_run.findings("fail")}
    assert_valid_reports(leaky_run.run_dir)


def test_terminal_lists_findings_with_controls_and_remediation(leaky_run: AuditResult) -> None:
    assert "SEVERITY  STATUS  VENDOR" in leaky_run.stdout
    assert "fix payloads_free_of_pans: Redact the card number" in leaky_run.stdout
    assert re.search(r"coverage PCI DSS 4\.0: \d+ of \d+ requirements checked automatically", leaky_run.stdout)
    assert "exit code 1" in leaky_run.stdout
    controls = {c for f in leaky_run.findings("fail") for c in f["controls"]}
    assert {"pci_dss_4.0:3.4.1", "pci_dss_4.0:8.4.1", "pci_dss_4.0:4.2.1"} <= controls


def write_variant(running: sandbox.RunningSandbox, tmp_path: Path, old: str, new: str) -> Path:
    text = running.profile_path.read_text()
    assert old in text
    path = running.run_dir / f"variant-{tmp_path.name}.toml"
    path.write_text(text.replace(old, new))
    return path


def test_unreachable_vendor_is_an_error_and_exit_2(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    profile = write_variant(leaky, tmp_path, f'base_url = "{leaky.url("gorgias")}"', 'base_url = "https://127.0.0.1:9"')
    result = run_audit(tmp_path, str(profile), "-k", "credential or mfa or payloads or tls_legacy")
    assert result.code == 2
    # Everything learned through the Gorgias API (its export files are local and still scanned).
    gorgias = [
        f
        for f in result.findings()
        if (f["vendor"] == "gorgias" and not f["resource"].startswith("exports/")) or ":9" in f["resource"]
    ]
    assert gorgias
    assert {f["status"] for f in gorgias} <= {"error", "manual", "not_applicable"}
    assert any("cannot connect to 127.0.0.1:9" in f["message"] for f in gorgias)
    assert "Traceback" not in result.stdout + result.stderr


def test_403_on_introspection_is_an_error(fresh: Any, tmp_path: Path) -> None:
    running = fresh(scenario="clean")
    token = running.gorgias.issue_oauth_token(["tickets:read"])  # no users:read: /api/users/0 answers 403
    profile = write_variant(running, tmp_path, 'auth = "api_key"', 'auth = "oauth"')
    result = run_audit(tmp_path, str(profile), "-k", "credential", env={"VA_GORGIAS_API_KEY": token})
    assert result.code == 2
    errors = [f for f in result.findings("error") if f["vendor"] == "gorgias"]
    assert {f["check_id"] for f in errors} == {"credential_scopes_least_privilege", "credential_role_least_privilege"}
    assert any("403" in f["message"] for f in errors)
    assert not [f for f in result.findings("pass") if f["vendor"] == "gorgias"]


def test_waivers_apply_until_they_expire(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    waivers = """
[[waivers]]
check = "mfa_enabled_for_vendor_staff"
resource = "zendesk/users/7"
reason = "Agent on leave; account locked at the IdP."
owner = "secops@brand.example"
expires = 2999-01-01

[[waivers]]
check = "mfa_enabled_for_vendor_staff"
resource = "zendesk/users/11"
reason = "Old exception."
owner = "secops@brand.example"
expires = 2020-01-01
"""
    path = leaky.run_dir / "waived.toml"
    path.write_text(leaky.profile_path.read_text() + waivers)
    result = run_audit(tmp_path, str(path), "-k", "mfa_enabled")
    waived = result.findings("waived")
    assert [(f["resource"], f["waiver"]["owner"]) for f in waived] == [("users/7", "secops@brand.example")]
    assert {f["resource"] for f in result.findings("fail")} == {"users/3", "users/11"}
    assert result.report["expired_waivers"][0]["resource"] == "zendesk/users/11"
    assert "expired waiver: mfa_enabled_for_vendor_staff zendesk/users/11" in result.stdout


def test_fail_on_sets_the_exit_code(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    low = run_audit(tmp_path / "low", str(leaky.profile_path), "-k", "hsts")
    high = run_audit(tmp_path / "high", str(leaky.profile_path), "-k", "hsts", "--fail-on", "high")
    assert low.code == 1
    assert high.code == 0
    assert high.findings("fail")  # still reported, just below the bar


def test_missing_secret_stops_before_any_request(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    path = leaky.run_dir / "noenv.toml"
    path.write_text(leaky.profile_path.read_text().replace('env_file = "sandbox.env"\n', ""))
    served = sum(listener.requests_served for listener in leaky.listeners.values())
    result = run_audit(tmp_path, str(path), env={**leaky.secrets, "VA_SHOPIFY_TOKEN": ""})  # only this one missing
    assert result.code == 2
    assert "environment variable VA_SHOPIFY_TOKEN is not set" in result.stdout + result.stderr
    assert json.loads((result.run_dir / "findings.json").read_text())["problems"]
    assert sum(listener.requests_served for listener in leaky.listeners.values()) == served


def test_an_identity_provider_export_closes_unexposed_mfa(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    staff = [s for s in leaky.world.gorgias_staff() if s.role in {"admin", "agent"}]
    lines = ["email,mfa"] + [f"{s.email},{'false' if s.id == 5 else 'true'}" for s in staff]
    (leaky.run_dir / "idp.csv").write_text("\n".join(lines) + "\n")
    path = leaky.run_dir / "idp.toml"
    path.write_text(
        leaky.profile_path.read_text().replace(
            'required_roles = ["admin", "agent"]', 'required_roles = ["admin", "agent"]\nidp_export = "idp.csv"'
        )
    )
    result = run_audit(tmp_path, str(path), "-k", "mfa_enabled")
    gorgias = [f for f in result.findings() if f["vendor"] == "gorgias"]
    assert {(f["status"], f["resource"]) for f in gorgias if f["status"] != "pass"} == {("fail", "users/5")}
    passed = [f for f in gorgias if f["status"] == "pass"]
    assert len(passed) == len(staff) - 1
    assert all("identity-provider export" in f["evidence"]["source"] for f in passed)
