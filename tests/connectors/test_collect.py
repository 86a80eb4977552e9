"""Collecting the sandbox over real TLS returns the raw material of every planted violation."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest

from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.model import MFAState
from vendor_audit.profile import load_profile


def digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


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
        assert snapshot.errors == []
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
            assert snapshot.errors == []
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
        (error,) = shopify.errors
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
