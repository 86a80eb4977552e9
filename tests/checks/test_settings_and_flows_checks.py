"""Account security settings and outbound data flows (the flow_tls fixture given by argument)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.access_fakes import by_status, failing, not_exposed, profile, run, snapshot
from vendor_audit.checks.flows import test_outbound_flows_safe as flows_check
from vendor_audit.checks.settings import test_account_security_settings as settings_check
from vendor_audit.findings import Severity
from vendor_audit.model import DataFlow, SecuritySettings
from vendor_audit.tlsprobe import ProtocolResult, TLSReport

settings_safe = settings_check.test_account_security_settings
flows_safe = flows_check.test_outbound_flows_safe

SECURITY = """
[security]
egress_ranges = ["203.0.113.0/24", "2001:db8:10::/48"]
max_session_minutes = 15
sso_required = ["help"]
max_assumption_hours = 24
"""


def settings(**fields: object) -> SecuritySettings:
    values: dict[str, object] = {
        "vendor": "help",
        "source": "GET /api/v2/account/settings",
        "exposed": True,
        "ip_restriction_enabled": True,
        "ip_ranges": ("203.0.113.0/25", "203.0.113.128/25", "2001:db8:10::/48"),
        "agent_session_timeout_minutes": 15,
        "sso_enforced": True,
        "remote_login": True,
        "password_login_allowed": False,
        "assumption_allowed": False,
        "assumption_duration_hours": None,
    }
    return SecuritySettings(**{**values, **fields})  # type: ignore[arg-type]


def judge(tmp_path: Path, found: SecuritySettings, extra: str = SECURITY) -> dict[str, tuple[str, str | None]]:
    findings = run(
        settings_safe, snapshots={"help": snapshot(security_settings=found)}, profile=profile(tmp_path, extra)
    )
    return {f.resource.removeprefix("security_settings/"): (f.status.value, f.evidence.get("kind")) for f in findings}


# -- account_security_settings ----------------------------------------------------------------------------------


def test_settings_as_the_profile_wants_pass_with_ipv6_and_split_ranges(tmp_path: Path) -> None:
    assert judge(tmp_path, settings()) == {
        "ip_restriction": ("pass", None),
        "session_timeout": ("pass", None),
        "sso": ("pass", None),
        "assumption": ("pass", None),
    }


def test_each_leaky_setting_fails_with_its_kind(tmp_path: Path) -> None:
    found = settings(
        ip_restriction_enabled=False,
        agent_session_timeout_minutes=240,
        sso_enforced=False,
        assumption_allowed=True,
        assumption_duration_hours=None,
    )
    assert judge(tmp_path, found) == {
        "ip_restriction": ("fail", "ip_restriction_off"),
        "session_timeout": ("fail", "session_timeout_long"),
        "sso": ("fail", "sso_not_enforced"),
        "assumption": ("fail", "assumption_too_long"),
    }


@pytest.mark.parametrize(
    ("ranges", "severity"),
    [
        (("203.0.113.0/24",), Severity.MEDIUM),  # the IPv6 egress is missing: a lock-out, not an opening
        (("203.0.113.0/24", "2001:db8:10::/48", "0.0.0.0/0"), Severity.HIGH),
        (("203.0.113.0/24", "2001:db8::/32"), Severity.HIGH),  # wider than declared
        (("203.0.113.0/24", "2001:db8:10::/48", "not-a-range"), Severity.HIGH),
    ],
)
def test_ranges_other_than_the_declared_egress_mismatch(
    tmp_path: Path, ranges: tuple[str, ...], severity: Severity
) -> None:
    findings = run(
        settings_safe,
        snapshots={"help": snapshot(security_settings=settings(ip_ranges=ranges))},
        profile=profile(tmp_path, SECURITY),
    )
    (mismatch,) = [f for f in findings if f.resource == "security_settings/ip_restriction"]
    assert (mismatch.status.value, mismatch.evidence["kind"], mismatch.severity) == (
        "fail",
        "ip_ranges_mismatch",
        severity,
    )


def test_sso_with_a_password_fallback_fails_and_says_so(tmp_path: Path) -> None:
    findings = run(
        settings_safe,
        snapshots={"help": snapshot(security_settings=settings(password_login_allowed=True))},
        profile=profile(tmp_path, SECURITY),
    )
    (sso,) = [f for f in findings if f.resource == "security_settings/sso"]
    assert sso.evidence["kind"] == "sso_not_enforced"
    assert "password sign-in is still allowed" in sso.message


def test_assumption_longer_than_the_limit_fails(tmp_path: Path) -> None:
    found = settings(assumption_allowed=True, assumption_duration_hours=72)
    assert judge(tmp_path, found)["assumption"] == ("fail", "assumption_too_long")
    assert judge(tmp_path, settings(assumption_allowed=True, assumption_duration_hours=8))["assumption"] == (
        "pass",
        None,
    )


def test_sso_not_required_is_not_applicable_and_no_egress_declared_is_manual(tmp_path: Path) -> None:
    verdicts = judge(tmp_path, settings(sso_enforced=False), extra="")
    assert verdicts["sso"] == ("not_applicable", None)
    assert verdicts["ip_restriction"] == ("manual", None)


def test_unexposed_fields_are_manual(tmp_path: Path) -> None:
    found = settings(
        ip_restriction_enabled=None,
        agent_session_timeout_minutes=None,
        sso_enforced=None,
        assumption_allowed=None,
    )
    assert {status for status, _ in judge(tmp_path, found).values()} == {"manual"}


def test_settings_not_exposed_are_one_manual_naming_where(tmp_path: Path) -> None:
    where = "Settings > Users & permissions > Security"
    (finding,) = run(
        settings_safe,
        snapshots={"help": snapshot(errors=[not_exposed("security_settings", where)])},
        profile=profile(tmp_path, SECURITY),
    )
    assert finding.status.value == "manual"
    assert where in finding.message
    (finding,) = run(
        settings_safe,
        snapshots={"help": snapshot(security_settings=SecuritySettings("help", where, exposed=False))},
        profile=profile(tmp_path, SECURITY),
    )
    assert finding.status.value == "manual"
    assert where in finding.message


# -- outbound_flows_safe ----------------------------------------------------------------------------------------

FLOWS = '\n[flows]\nallowed_destinations = ["*.Brand.example", "127.0.0.1", "::1"]\n'


def flow(id: str, destination: str | None, **fields: object) -> DataFlow:
    values: dict[str, object] = {
        "vendor": "help",
        "kind": "webhook",
        "id": id,
        "name": f"hook {id}",
        "destination": destination,
        "active": True,
        "source": "GET /api/v2/webhooks",
    }
    return DataFlow(**{**values, **fields})  # type: ignore[arg-type]


def report(
    host: str, port: int, *, legacy: str = "refused", tls13: str = "accepted", error: str | None = None
) -> TLSReport:
    protocols = {name: ProtocolResult(name, legacy) for name in ("SSLv3", "TLSv1.0", "TLSv1.1")}
    protocols["TLSv1.2"] = ProtocolResult("TLSv1.2", "accepted")
    protocols["TLSv1.3"] = ProtocolResult("TLSv1.3", tls13)
    return TLSReport(host, port, protocols=protocols, error=error)


def test_each_failing_kind_of_flow_and_the_inventory(tmp_path: Path) -> None:
    flows = [
        flow("ok", "https://hooks.brand.example/in?token=s3cr3t"),
        flow("http", "http://hooks.brand.example/in"),
        flow("away", "https://collector.elsewhere.example/in"),
        flow("hdr", "https://hooks.brand.example/in", secret_headers=("Authorization",), kind="http_integration"),
        flow("weak", "https://127.0.0.1:8443/legacy"),
        flow("v6", "https://[::1]:9443/"),
        flow("app", None, kind="app"),
    ]
    flow_tls = {
        "hooks.brand.example:443": report("hooks.brand.example", 443),
        "127.0.0.1:8443": report("127.0.0.1", 8443, legacy="accepted"),
        "::1:9443": report("::1", 9443),
    }
    findings = run(
        flows_safe, snapshots={"help": snapshot(data_flows=flows)}, profile=profile(tmp_path, FLOWS), flow_tls=flow_tls
    )
    assert failing(findings) == {
        ("flows/webhook/http", "flow_plain_http"),
        ("flows/webhook/away", "flow_not_allowed"),
        ("flows/http_integration/hdr", "flow_secret_in_headers"),
        ("flows/webhook/weak", "flow_tls_weak"),
    }
    secret = next(f for f in findings if f.resource == "flows/http_integration/hdr")
    assert secret.severity is Severity.CRITICAL
    assert "Authorization" in secret.message
    assert {f.resource for f in by_status(findings, "pass")} == {"flows", "flows/webhook/ok", "flows/webhook/v6"}
    assert [f.resource for f in by_status(findings, "manual")] == ["flows/app/app"]
    inventory = next(f for f in findings if f.resource == "flows")
    assert inventory.evidence["count"] == 7
    assert "s3cr3t" not in str([f.evidence for f in findings])  # query strings are not shown


def test_an_unprobeable_destination_is_an_error_and_no_tls_13_or_strong_12_is_weak(tmp_path: Path) -> None:
    flows = [
        flow("down", "https://a.brand.example/"),
        flow("old", "https://b.brand.example/"),
        flow("lost", "https://c.brand.example/"),
    ]
    flow_tls = {
        "a.brand.example:443": report("a.brand.example", 443, error="connection refused"),
        "b.brand.example:443": report("b.brand.example", 443, tls13="refused"),  # and no strong TLS 1.2 suite
    }
    findings = run(
        flows_safe, snapshots={"help": snapshot(data_flows=flows)}, profile=profile(tmp_path, FLOWS), flow_tls=flow_tls
    )
    assert failing(findings) == {("flows/webhook/old", "flow_tls_weak")}
    errors = {f.resource: f.message for f in by_status(findings, "error")}
    assert set(errors) == {"flows/webhook/down", "flows/webhook/lost"}
    assert "Could not probe" in errors["flows/webhook/down"]


def test_without_an_allow_list_a_flow_is_for_a_person_unless_it_fails_anyway(tmp_path: Path) -> None:
    flows = [flow("a", "https://hooks.brand.example/"), flow("b", "http://hooks.brand.example/")]
    findings = run(flows_safe, snapshots={"help": snapshot(data_flows=flows)}, profile=profile(tmp_path), flow_tls={})
    assert failing(findings) == {("flows/webhook/b", "flow_plain_http")}  # plain http fails whoever approved it
    (manual,) = [f for f in findings if f.resource == "flows/webhook/a"]
    assert manual.status.value == "manual"
    assert "allowed_destinations" in manual.message


def test_flows_not_collected(tmp_path: Path) -> None:
    hidden = snapshot(errors=[not_exposed("data_flows", "Settings > Notifications > Webhooks")])
    (finding,) = run(flows_safe, snapshots={"help": hidden}, profile=profile(tmp_path, FLOWS), flow_tls={})
    assert finding.status.value == "manual"
    (finding,) = run(
        flows_safe, snapshots={"help": snapshot(data_flows=[])}, profile=profile(tmp_path, FLOWS), flow_tls={}
    )
    assert (finding.status.value, finding.resource, finding.evidence["count"]) == ("pass", "flows", 0)


def test_a_destination_that_does_not_parse_or_is_no_url_is_never_a_pass(tmp_path: Path) -> None:
    from vendor_audit.model import CoverageLimit

    flows = [
        flow("a", "[a destination that does not parse as a URL]"),
        flow("b", "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/1/x"),
        flow("c", "pubsub://project:topic"),
    ]
    limit = CoverageLimit("help", "data_flows", "webhook subscriptions of other apps", "only the app's own are listed")
    findings = run(
        flows_safe,
        snapshots={"help": snapshot(data_flows=flows, coverage_limits=[limit])},
        profile=profile(tmp_path, '[flows]\nallowed_destinations = ["*.brand.example"]\n'),
        flow_tls={},
    )
    by_resource = {f.resource: f.status.value for f in findings}
    assert by_resource["flows/webhook/a"] in {"error", "manual"}
    assert by_resource["flows/webhook/b"] == "manual"
    assert by_resource["flows/webhook/c"] == "manual"
    assert by_resource["webhook subscriptions of other apps"] == "manual"
