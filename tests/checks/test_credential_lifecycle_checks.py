"""Credential lifecycle checks: rotation, expiry and use; declared tokens; the vendors' own deprecations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.checks.access_fakes import (
    NOW,
    by_status,
    days_ago,
    failing,
    not_exposed,
    profile,
    run,
    snapshot,
    token,
    user,
)
from vendor_audit.checks.tokens import test_tokens_declared as declared_check
from vendor_audit.checks.tokens import test_tokens_rotated_and_current as rotation_check
from vendor_audit.checks.tokens import test_vendor_credential_deprecations as deprecation_check
from vendor_audit.checks.tokens._deprecations import DEPRECATIONS
from vendor_audit.findings import Severity
from vendor_audit.model import Grants

rotated = rotation_check.test_tokens_rotated_and_current
declared = declared_check.test_tokens_declared
deprecations = deprecation_check.test_vendor_credential_deprecations


# -- tokens_rotated_and_current ---------------------------------------------------------------------------------


def test_old_expiring_and_unused_tokens_fail_each_with_its_kind(tmp_path: Path) -> None:
    tokens = [
        token("ok"),
        token("old", created_at=days_ago(500)),
        token("ancient", created_at=days_ago(800)),
        token("soon", expires_at=NOW + dt.timedelta(days=5)),
        token("idle", used_at=days_ago(120), created_at=days_ago(200)),
        token("never", used_at=None, created_at=days_ago(100)),
        token("revoked", created_at=days_ago(900), active=False),
    ]
    findings = run(rotated, snapshots={"help": snapshot(tokens=tokens)}, profile=profile(tmp_path))
    assert failing(findings) == {
        ("tokens/oauth_token/old", "token_too_old"),
        ("tokens/oauth_token/ancient", "token_too_old"),
        ("tokens/oauth_token/soon", "token_expiring"),
        ("tokens/oauth_token/idle", "token_unused"),
        ("tokens/oauth_token/never", "token_unused"),
    }
    assert next(f for f in findings if f.resource.endswith("/ancient")).severity is Severity.HIGH
    assert next(f for f in findings if f.resource.endswith("/old")).severity is Severity.MEDIUM
    assert [f.resource for f in by_status(findings, "pass")] == ["tokens/oauth_token/ok"]


def test_a_token_with_no_expiry_passes_and_says_so(tmp_path: Path) -> None:
    (finding,) = run(rotated, snapshots={"help": snapshot(tokens=[token("a")])}, profile=profile(tmp_path))
    assert finding.status.value == "pass"
    assert "never expires" in finding.message


def test_a_token_with_no_dates_exposed_is_manual(tmp_path: Path) -> None:
    hidden = token("k", kind="api_key", created_at=None, used_at=None, dates_exposed=False)
    (finding,) = run(rotated, snapshots={"help": snapshot(tokens=[hidden])}, profile=profile(tmp_path))
    assert (finding.status.value, finding.resource) == ("manual", "tokens/api_key/k")


def test_missing_dates_of_an_exposed_token_are_manual_not_pass(tmp_path: Path) -> None:
    (finding,) = run(
        rotated,
        snapshots={"help": snapshot(tokens=[token("a", created_at=None, used_at=None)])},
        profile=profile(tmp_path),
    )
    assert finding.status.value == "manual"


def test_limits_come_from_the_profile(tmp_path: Path) -> None:
    extra = "[tokens]\nrotation_days = 5\nexpiry_warning_days = 60\nunused_days = 1\n"
    tokens = [token("a", expires_at=NOW + dt.timedelta(days=40), used_at=days_ago(3))]
    findings = run(rotated, snapshots={"help": snapshot(tokens=tokens)}, profile=profile(tmp_path, extra))
    assert {kind for _, kind in failing(findings)} == {"token_too_old", "token_expiring", "token_unused"}


def test_tokens_not_exposed_are_manual(tmp_path: Path) -> None:
    hidden = snapshot(errors=[not_exposed("tokens", "Settings > Apps")])
    (finding,) = run(rotated, snapshots={"help": hidden}, profile=profile(tmp_path))
    assert finding.status.value == "manual"
    assert "Settings > Apps" in finding.message


def test_no_active_token_passes(tmp_path: Path) -> None:
    (finding,) = run(rotated, snapshots={"help": snapshot(tokens=[])}, profile=profile(tmp_path))
    assert finding.status.value == "pass"


# -- tokens_declared --------------------------------------------------------------------------------------------


def grants(**fields: object) -> Grants:
    values: dict[str, object] = {
        "vendor": "help",
        "credential": "bpo-oauth",
        "auth": "oauth",
        "scopes": frozenset({"read"}),
        "role": "admin",
        "acts_as": "person1@bpo.example",
        "source": "GET /api/v2/users/me",
    }
    return Grants(**{**values, **fields})  # type: ignore[arg-type]


def test_a_token_matching_the_credentials_grants_is_declared_and_another_client_is_not(tmp_path: Path) -> None:
    tokens = [
        token("mine", name="Brand BPO app", owner_id="1"),  # the audit's own: same user, same scopes
        token("wider", name="Brand BPO app", owner_id="1", scopes=frozenset({"read", "write"})),
        token("other", name="Unknown client", owner_id="2"),
        token("listed", name="Reporting tool", owner_id="2"),
        token("byid", kind="api_token", name="", owner_id=None, scopes=None),
        token("named", name="bpo-oauth", owner_id="2"),  # named as the profile's credential
    ]
    extra = '[tokens]\ndeclared = ["reporting tool", "BYID"]\n'
    findings = run(
        declared,
        snapshots={"help": snapshot(users=[user("1"), user("2")], grants=[grants()], tokens=tokens)},
        profile=profile(tmp_path, extra),
    )
    assert failing(findings) == {
        ("tokens/oauth_token/wider", "undeclared_token"),
        ("tokens/oauth_token/other", "undeclared_token"),
    }
    assert not by_status(findings, "pass")


def test_all_declared_passes_with_what_declared_each(tmp_path: Path) -> None:
    (finding,) = run(
        declared,
        snapshots={"help": snapshot(users=[user("1")], grants=[grants(acts_as="1")], tokens=[token("a")])},
        profile=profile(tmp_path),
    )
    assert finding.status.value == "pass"
    assert finding.evidence["declared"] == {"oauth_token/a": "credential bpo-oauth"}


def test_a_token_without_exposed_scopes_is_not_declared_by_grants(tmp_path: Path) -> None:
    findings = run(
        declared,
        snapshots={"help": snapshot(users=[user("1")], grants=[grants()], tokens=[token("a", scopes=None)])},
        profile=profile(tmp_path),
    )
    assert failing(findings) == {("tokens/oauth_token/a", "undeclared_token")}


# -- vendor_credential_deprecations -----------------------------------------------------------------------------


def test_each_active_api_token_is_a_dated_finding(tmp_path: Path) -> None:
    tokens = [
        token("t1", kind="api_token", owner_id=None, scopes=None),
        token("t2", kind="api_token", owner_id=None, scopes=None, active=False),
        token("o1"),
    ]
    findings = run(deprecations, snapshots={"help": snapshot(tokens=tokens)}, profile=profile(tmp_path))
    (finding,) = findings
    assert failing(findings) == {("tokens/api_token/t1", "deprecated_credential")}
    schedule = DEPRECATIONS[("zendesk", "api_token")]
    assert finding.evidence["final_date"] == "2027-04-30"
    assert [m["date"] for m in finding.evidence["milestones"]] == ["2026-07-28", "2026-10-27", "2027-04-30"]
    assert finding.evidence["source"] == schedule.source
    expected = Severity.HIGH if (schedule.final.on - dt.date.today()).days <= 180 else Severity.MEDIUM
    assert finding.severity is expected


@pytest.mark.parametrize(("days_left", "severity"), [(90, Severity.HIGH), (400, Severity.MEDIUM)])
def test_severity_follows_the_time_left(days_left: int, severity: Severity) -> None:
    schedule = DEPRECATIONS[("zendesk", "api_token")]
    today = schedule.final.on - dt.timedelta(days=days_left)
    from vendor_audit.checks import REGISTRY, Audit

    audit = Audit(REGISTRY["vendor_credential_deprecations"], None, (), today)
    deprecation_check._fail(audit, "help", token("t", kind="api_token"), schedule, today)
    assert audit.findings[0].severity is severity
    assert audit.findings[0].evidence["days_left"] == days_left


def test_no_retiring_token_passes_and_a_vendor_without_deprecations_is_not_applicable(tmp_path: Path) -> None:
    (finding,) = run(deprecations, snapshots={"help": snapshot(tokens=[token("o1")])}, profile=profile(tmp_path))
    assert finding.status.value == "pass"
    shop = profile(
        tmp_path,
        '\n[vendors.shop]\ntype = "shopify"\nbase_url = "https://acme.myshopify.com"\n\n[[vendors.shop.credentials]]\n'
        'name = "app"\nauth = "access_token"\nsecret_env = "SHOP_TOKEN"\nallowed_scopes = ["read_orders"]\n',
    )
    findings = run(deprecations, snapshots={"help": snapshot(tokens=[]), "shop": snapshot()}, profile=shop)
    assert {(f.vendor, f.status.value) for f in findings} == {("help", "pass"), ("shop", "not_applicable")}
