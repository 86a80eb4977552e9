"""Collecting the sandbox over real TLS returns the raw material of every planted violation."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.model import CollectionError, DataFlow, MFAState, VendorSnapshot
from vendor_audit.profile import load_profile


def digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def failures(snapshot: VendorSnapshot) -> list[CollectionError]:
    """What went wrong, without what the vendor's API does not expose at all (Shopify's and Gorgias's tokens)."""
    return [e for e in snapshot.errors if e.kind != "not_exposed"]


@pytest.fixture(scope="module")
def leaky_collection(leaky: sandbox.RunningSandbox) -> Iterator[connectors.Collection]:
    collection = connectors.collect(load_profile(leaky.profile_path))
    yield collection
    collection.close()


def test_every_planted_pan_is_in_the_payload_streams(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    payloads: dict[tuple[str, str], list[str]] = {}
    for name, snapshot in leaky_collection.snapshots.items():
        for payload in snapshot.iter_payloads():
            payloads.setdefault((name, payload.resource), []).append(payload.text)
        assert failures(snapshot) == []
    planted = [v for v in leaky.manifest["violations"] if v["kind"] in {"pan", "track_data"}]
    api_plants = [v for v in planted if not v["resource"].startswith("exports/")]
    assert len(api_plants) == 11
    for entry in api_plants:
        texts = payloads.get((entry["vendor"], entry["resource"]))
        assert texts, entry["resource"]
        assert any(entry["pan"] in digits(t) for t in texts), entry["resource"]


def test_grants_show_the_over_scoped_credentials(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    over = {v["vendor"]: v["detail"] for v in leaky.manifest["violations"] if v["kind"] == "over_scoped_credential"}
    shopify = leaky_collection.snapshots["shopify"].grants[0]
    assert shopify.scopes is not None
    assert set(over["shopify"]) <= shopify.scopes
    zendesk = leaky_collection.snapshots["zendesk"].grants[0]
    assert zendesk.scopes is not None
    assert set(over["zendesk"]) <= zendesk.scopes
    assert zendesk.role == "admin"
    gorgias = leaky_collection.snapshots["gorgias"].grants[0]
    assert gorgias.scopes is None  # API keys carry a role, not scopes
    assert gorgias.role == "admin"


def test_mfa_states_are_translated_and_not_guessed(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    zendesk = leaky_collection.snapshots["zendesk"]
    assert zendesk.users is not None
    disabled = {f"users/{u.id}" for u in zendesk.users if u.active and u.mfa is MFAState.DISABLED}
    assert disabled == {v["resource"] for v in leaky.manifest["violations"] if v["kind"] == "mfa_disabled"}
    assert zendesk.mfa_enforcement is not None
    assert zendesk.mfa_enforcement.enforced is False
    for name in ("shopify", "gorgias"):
        snapshot = leaky_collection.snapshots[name]
        assert snapshot.users
        assert {u.mfa for u in snapshot.users} == {MFAState.NOT_EXPOSED}
        assert snapshot.mfa_enforcement is not None
        assert snapshot.mfa_enforcement.enforced is None


def test_endpoints_name_each_vendor_host(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    for name, snapshot in leaky_collection.snapshots.items():
        assert [e.address for e in snapshot.endpoints] == [leaky.url(name).removeprefix("https://")]


def test_clean_collection_has_no_errors_and_least_privilege(clean: sandbox.RunningSandbox) -> None:
    collection = connectors.collect(load_profile(clean.profile_path))
    try:
        for snapshot in collection.snapshots.values():
            list(snapshot.iter_payloads())
            assert failures(snapshot) == []
        profile = load_profile(clean.profile_path)
        for vendor in profile.vendors:
            grants = collection.snapshots[vendor.name].grants[0]
            credential = vendor.credentials[0]
            if grants.scopes is not None:
                assert grants.scopes == credential.allowed_scopes
            else:
                assert credential.allowed_roles is not None
                assert grants.role in credential.allowed_roles
    finally:
        collection.close()


def test_evidence_has_no_secret_and_masks_pans(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    for snapshot in leaky_collection.snapshots.values():
        list(snapshot.iter_payloads())
    text = repr(leaky_collection.recorder.as_json())
    assert leaky_collection.recorder.total >= 15
    for secret in leaky.secrets.values():
        assert secret[:10] not in text  # Zendesk echoes a 10-character prefix of the token
    for entry in leaky.manifest["violations"]:
        if "pan" in entry:
            assert entry["pan"] not in digits(text)


def test_a_scope_403_is_an_error_not_an_empty_list(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    profile = load_profile(running.profile_path)
    token = running.shopify.issue_token(["read_orders", "read_customers"])  # no read_users
    collection = connectors.collect(profile, environ=running.secrets | {"VA_SHOPIFY_TOKEN": token})
    try:
        shopify = collection.snapshots["shopify"]
        assert shopify.users is None
        (error,) = failures(shopify)
        assert error.what == "users"
        assert error.kind == "permission"
        assert "read_users" in error.message
        assert token not in error.message
    finally:
        collection.close()


def gorgias_surveys(running: sandbox.RunningSandbox) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The survey payloads the Gorgias connector reads over TLS, and the payload errors it recorded."""
    collection = connectors.collect(load_profile(running.profile_path))
    try:
        snapshot = collection.snapshots["gorgias"]
        payloads = [
            (p.resource, p.field, p.text)
            for p in snapshot.iter_payloads()
            if p.resource.startswith("satisfaction-surveys/")
        ]
        return payloads, [e.message for e in snapshot.errors if e.what == "payloads"]
    finally:
        collection.close()


def test_gorgias_surveys_read_the_same_from_either_documented_shape(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("gorgias",))
    # Given the bare array of Gorgias's schema, then the envelope of Airbyte's mocks, at the same records...
    assert running.gorgias.surveys_shape == "bare"
    bare, bare_errors = gorgias_surveys(running)
    running.gorgias.surveys_shape = "envelope"
    envelope, envelope_errors = gorgias_surveys(running)
    # ...the connector reads the same payloads from both.
    assert bare_errors == envelope_errors == []
    assert bare
    assert bare == envelope


def test_a_bare_survey_array_as_long_as_the_page_is_an_error_not_the_whole_list(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("gorgias",), size=300)  # 100 surveys: exactly one full page
    # A bare array carries no cursor: read its records, but do not call the list complete.
    bare, errors = gorgias_surveys(running)
    assert bare
    assert len(errors) == 1
    assert "satisfaction-surveys" in errors[0]
    assert "shorter than the page size" in errors[0]
    # Served as the envelope, the same surveys are one page with next_cursor null: complete.
    running.gorgias.surveys_shape = "envelope"
    envelope, errors = gorgias_surveys(running)
    assert errors == []
    assert envelope == bare


def test_zendesk_null_two_factor_is_unknown_and_absent_enforcement_not_exposed(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("zendesk",))
    collection = connectors.collect(load_profile(running.profile_path))
    try:
        zendesk = collection.snapshots["zendesk"]
        assert zendesk.users is not None
        states = {u.mfa for u in zendesk.users}
        assert states == {MFAState.ENABLED, MFAState.UNKNOWN}  # null is unknown, never disabled
        assert zendesk.mfa_enforcement is not None
        assert zendesk.mfa_enforcement.enforced is None  # the documented shape leaves it out
        assert "not exposed" in zendesk.mfa_enforcement.source
        assert zendesk.errors == []
    finally:
        collection.close()


def flows_by_resource(snapshot: VendorSnapshot) -> dict[str, DataFlow]:
    assert snapshot.data_flows is not None, snapshot.why_not("data_flows")
    return {f"flows/{f.kind}/{f.id}": f for f in snapshot.data_flows}


def rest_profile(running: sandbox.RunningSandbox) -> Path:
    """The sandbox's profile with Shopify read over REST, beside the original (its relative paths hold)."""
    path = running.run_dir / "audit-rest.toml"
    text = running.profile_path.read_text()
    path.write_text(text.replace('api_version = "2026-10"', 'api_version = "2026-10"\napi = "rest"'))
    return path


def test_leaky_flows_are_read_the_same_over_graphql_and_rest_and_hold_no_secret(
    leaky: sandbox.RunningSandbox, leaky_collection: connectors.Collection
) -> None:
    planted = {(v["vendor"], v["resource"]) for v in leaky.manifest["violations"] if v["kind"].startswith("flow_")}
    rest = connectors.collect(load_profile(rest_profile(leaky)))
    try:
        for collection in (leaky_collection, rest):
            shopify = flows_by_resource(collection.snapshots["shopify"])
            gorgias = flows_by_resource(collection.snapshots["gorgias"])
            # Every planted flow is in the inventory under the manifest's resource name, in both Shopify modes.
            for vendor, resource in planted:
                if vendor in ("shopify", "gorgias"):
                    assert resource in (shopify if vendor == "shopify" else gorgias), (vendor, resource)
            plain = [f for f in shopify.values() if (f.destination or "").startswith("http://")]
            assert [f"flows/{f.kind}/{f.id}" for f in plain] == ["flows/webhook_subscription/1047000002"]
            (http,) = [f for f in gorgias.values() if f.kind == "http_integration"]
            assert http.destination is not None
            assert http.destination.startswith("http://127.0.0.1:")
            assert http.secret_headers == ("X-Api-Key",)
            assert {f.kind for f in gorgias.values()} == {"http_integration", "app"}  # shopify and email: managed
            # The third party's key never reaches the snapshot, nor the evidence of what was read.
            for name in ("shopify", "gorgias"):
                assert "sk_live_" not in repr(collection.snapshots[name])
            assert "sk_live_" not in repr(collection.recorder.as_json())
            for name in ("shopify", "gorgias"):
                snapshot = collection.snapshots[name]
                assert snapshot.tokens is None
                assert snapshot.security_settings is None
                not_exposed = {e.what: e.message for e in snapshot.errors if e.kind == "not_exposed"}
                assert set(not_exposed) == {"tokens", "security_settings"}
                assert all("Settings >" in message for message in not_exposed.values())
                assert snapshot.users
                assert not any(u.login_exposed for u in snapshot.users)
        assert all(u.created_at is not None for u in leaky_collection.snapshots["shopify"].users or [])
        assert all(u.created_at is not None for u in leaky_collection.snapshots["gorgias"].users or [])
    finally:
        rest.close()


def test_clean_flows_are_https_to_sandbox_listeners_without_secrets(clean: sandbox.RunningSandbox) -> None:
    collection = connectors.collect(load_profile(clean.profile_path))
    try:
        for name in ("shopify", "gorgias"):
            flows = flows_by_resource(collection.snapshots[name])
            sent = [f for f in flows.values() if f.destination is not None]
            assert sent, name
            assert all(f.destination.startswith(f"{clean.url(name)}/") for f in sent if f.destination)
            assert all(f.secret_headers == () for f in flows.values())
    finally:
        collection.close()
