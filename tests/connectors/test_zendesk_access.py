"""The Zendesk connector reads users' dates, the account's tokens, its security settings and outbound flows.

Over real TLS against the sandbox: what the leaky scenario plants is what the snapshot holds, a scope the
integration lacks is an error that says what to grant (never an empty list), and clean reads as the profile wants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import load_profile


def zendesk_snapshot(running: sandbox.RunningSandbox) -> Iterator[VendorSnapshot]:
    collection = connectors.collect(load_profile(running.profile_path))
    try:
        yield collection.snapshots["zendesk"]
    finally:
        collection.close()


@pytest.fixture(scope="module")
def leaky_zendesk(leaky: sandbox.RunningSandbox) -> Iterator[VendorSnapshot]:
    yield from zendesk_snapshot(leaky)


@pytest.fixture(scope="module")
def clean_zendesk(clean: sandbox.RunningSandbox) -> Iterator[VendorSnapshot]:
    yield from zendesk_snapshot(clean)


def planted(running: sandbox.RunningSandbox, prefix: str) -> dict[str, set[str]]:
    """Manifest kinds by resource, for the Zendesk resources under `prefix`."""
    found: dict[str, set[str]] = {}
    for v in running.manifest["violations"]:
        if v["vendor"] == "zendesk" and v["resource"].startswith(prefix):
            found.setdefault(v["resource"], set()).add(v["kind"])
    return found


def test_users_carry_their_sign_in_dates_and_suspension(
    leaky: sandbox.RunningSandbox, leaky_zendesk: VendorSnapshot
) -> None:
    assert leaky_zendesk.users is not None
    users = {f"users/{u.id}": u for u in leaky_zendesk.users}
    now = dt.datetime.now(dt.UTC)
    assert all(u.login_exposed and u.created_at is not None for u in users.values())
    for resource, kinds in planted(leaky, "users/").items():
        user = users[resource]
        if "dormant_account" in kinds:
            assert user.last_login_at is not None
            assert now - user.last_login_at > dt.timedelta(days=90)
        if "never_used_account" in kinds:
            assert user.last_login_at is None
            assert user.created_at is not None
            assert now - user.created_at > dt.timedelta(days=30)
    assert [u.id for u in users.values() if u.suspended] == ["12"]


def test_tokens_hold_every_planted_credential_and_never_a_secret(
    leaky: sandbox.RunningSandbox, leaky_zendesk: VendorSnapshot
) -> None:
    assert leaky_zendesk.tokens is not None
    tokens = {f"tokens/{t.kind}/{t.id}": t for t in leaky_zendesk.tokens}
    plants = planted(leaky, "tokens/")
    assert set(plants) <= set(tokens)
    now = dt.datetime.now(dt.UTC)
    for resource, kinds in plants.items():
        token = tokens[resource]
        if "token_too_old" in kinds:
            assert token.created_at is not None
            assert now - token.created_at > dt.timedelta(days=365)
        if "token_expiring" in kinds:
            assert token.expires_at is not None
            assert token.expires_at - now < dt.timedelta(days=30)
        if "token_unused" in kinds:
            assert token.used_at is not None
            assert now - token.used_at > dt.timedelta(days=90)
        if "undeclared_token" in kinds and token.kind == "oauth_token":
            assert token.name == "Analytics Export"
        if "suspended_user_token" in kinds:
            assert token.owner_id == "12"
        if "deprecated_credential" in kinds:
            assert (token.kind, token.dates_exposed, token.used_at) == ("api_token", False, None)
    # The sandbox's own credential is listed by its client's name; the API shows a 10-character prefix only.
    assert tokens["tokens/oauth_token/9000"].name == "bpo-oauth"
    assert leaky.zendesk.primary_token[:10] not in repr(leaky_zendesk.tokens)


def test_security_settings_map_the_documented_properties(
    leaky_zendesk: VendorSnapshot, clean_zendesk: VendorSnapshot
) -> None:
    clean, leaky = clean_zendesk.security_settings, leaky_zendesk.security_settings
    assert clean is not None
    assert leaky is not None
    assert (clean.ip_restriction_enabled, clean.ip_ranges) == (True, ("203.0.113.0/24",))
    assert (clean.agent_session_timeout_minutes, clean.sso_enforced, clean.assumption_allowed) == (15, True, False)
    assert (leaky.ip_restriction_enabled, leaky.ip_ranges) == (False, ("198.51.100.0/24",))
    assert (leaky.agent_session_timeout_minutes, leaky.sso_enforced, leaky.password_login_allowed) == (240, False, True)
    assert (leaky.assumption_allowed, leaky.assumption_duration_hours) == (True, 720)


def test_flows_point_where_the_manifest_says(leaky: sandbox.RunningSandbox, leaky_zendesk: VendorSnapshot) -> None:
    assert leaky_zendesk.data_flows is not None
    flows = {f"flows/{f.kind}/{f.id}": f for f in leaky_zendesk.data_flows}
    assert {f.kind for f in flows.values()} == {"webhook", "target", "trigger", "automation", "app", "oauth_client"}
    for resource, kinds in planted(leaky, "flows/").items():
        flow = flows[resource]
        assert flow.destination is not None
        if "flow_plain_http" in kinds:
            assert flow.destination.startswith("http://")
        if "flow_not_allowed" in kinds:
            assert flow.destination.startswith("https://hooks.analytics-partner.example/")
        if "flow_secret_in_headers" in kinds:
            assert flow.secret_headers == ("Authorization",)
        if "flow_tls_weak" in kinds:
            assert flow.destination.startswith(leaky.url("zendesk") + "/")
    assert leaky.zendesk.webhook_header_secret not in repr(leaky_zendesk.data_flows)
    unplanted = [f for r, f in flows.items() if r not in planted(leaky, "flows/") and f.destination]
    assert unplanted
    assert all(f.destination and f.destination.startswith(leaky.url("hooks") + "/") for f in unplanted)
    assert all(not f.secret_headers for f in unplanted)


def test_clean_collects_everything_and_sends_only_to_the_receiver(
    clean: sandbox.RunningSandbox, clean_zendesk: VendorSnapshot
) -> None:
    assert clean_zendesk.errors == []
    assert clean_zendesk.tokens is not None
    assert {t.name for t in clean_zendesk.tokens} == {"bpo-oauth"}
    assert clean_zendesk.data_flows is not None
    for flow in clean_zendesk.data_flows:
        assert flow.destination is None or flow.destination.startswith(clean.url("hooks") + "/"), flow
        assert not flow.secret_headers


def test_a_scope_the_integration_lacks_is_an_error_with_advice(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("zendesk",))
    # The least-privileged integration without "read": the credential and flow lists are out of its reach.
    running.zendesk.oauth_tokens.clear()
    token = running.zendesk.issue_oauth_token(["tickets:read", "users:read", "security:read"])
    env = {"VA_ZENDESK_OAUTH_TOKEN": token}
    collection = connectors.collect(load_profile(running.profile_path), environ=env)
    try:
        snapshot = collection.snapshots["zendesk"]
        assert snapshot.tokens is None
        assert snapshot.data_flows is None
        assert snapshot.security_settings is not None  # security:read covers it
        errors = {e.what: e for e in snapshot.errors if e.what in {"tokens", "data_flows"}}
        assert set(errors) == {"tokens", "data_flows"}
        for error in errors.values():
            assert error.kind == "permission"
            assert "403" in error.message
            assert "grant the scope or role" in error.message
    finally:
        collection.close()
