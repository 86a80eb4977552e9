"""Each stand-in answers missing, wrong and under-scoped credentials as the real API does."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import gorgias_client, shopify_client, trust, zendesk_client
from vendor_audit import sandbox
from vendor_audit.sandbox._data import bpo_person


@pytest.mark.parametrize("token", ["", "shpat_00000000000000000000000000000000"])
def test_shopify_rejects_a_bad_token_with_its_401_body(clean: sandbox.RunningSandbox, token: str) -> None:
    with shopify_client(clean, token) as client:
        response = client.get("/admin/api/2026-10/orders.json")
    assert response.status_code == 401
    assert response.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_shopify_token_without_read_orders_gets_the_scope_403(clean: sandbox.RunningSandbox) -> None:
    token = clean.shopify.issue_token(["read_customers"])
    with shopify_client(clean, token) as client:
        orders = client.get("/admin/api/2026-10/orders.json")
        customers = client.get("/admin/api/2026-10/customers.json")
    assert orders.status_code == 403
    assert orders.json() == {"errors": "[API] This action requires merchant approval for read_orders scope."}
    assert customers.status_code == 200


def test_shopify_write_scope_implies_read(clean: sandbox.RunningSandbox) -> None:
    token = clean.shopify.issue_token(["write_orders"])
    with shopify_client(clean, token) as client:
        assert client.get("/admin/api/2026-10/orders.json").status_code == 200


def test_zendesk_basic_api_token_acts_as_the_named_user(clean: sandbox.RunningSandbox) -> None:
    with httpx.Client(base_url=clean.url("zendesk"), verify=trust(clean)) as client:
        admin = bpo_person(2)[1]
        good = client.get("/api/v2/users/me.json", auth=(f"{admin}/token", clean.zendesk.api_token))
        wrong = client.get("/api/v2/users/me.json", auth=(f"{admin}/token", "not-the-token"))
        password = client.get("/api/v2/users/me.json", auth=(admin, clean.zendesk.api_token))
        missing = client.get("/api/v2/users/me.json")
    assert good.status_code == 200
    assert good.json()["user"]["email"] == admin
    assert good.json()["user"]["role"] == "admin"
    for response in (wrong, password, missing):
        assert response.status_code == 401
        assert response.json() == {"error": "Couldn't authenticate you"}


def test_zendesk_unknown_bearer_gets_invalid_token(clean: sandbox.RunningSandbox) -> None:
    with zendesk_client(clean, "nope") as client:
        response = client.get("/api/v2/tickets.json")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_zendesk_oauth_token_without_the_scope_gets_the_scope_403(clean: sandbox.RunningSandbox) -> None:
    token = clean.zendesk.issue_oauth_token(["users:read"])
    with zendesk_client(clean, token) as client:
        tickets = client.get("/api/v2/tickets.json")
        users = client.get("/api/v2/users.json")
    assert tickets.status_code == 403
    assert tickets.json() == {
        "error": "Forbidden",
        "description": "You are missing the following required scopes: read",
    }
    assert users.status_code == 200


def test_zendesk_agent_is_refused_admin_settings_with_the_role_403(clean: sandbox.RunningSandbox) -> None:
    with httpx.Client(base_url=clean.url("zendesk"), verify=trust(clean)) as client:
        response = client.get("/api/v2/security_settings", auth=(f"{bpo_person(6)[1]}/token", clean.zendesk.api_token))
    assert response.status_code == 403
    assert response.json()["error"]["title"] == "Forbidden"  # role denials carry an object, not a string


def test_gorgias_rejects_bad_credentials_with_its_401_body(clean: sandbox.RunningSandbox) -> None:
    with gorgias_client(clean, (clean.gorgias.api_key_email, "wrong")) as client:
        response = client.get("/api/tickets")
    assert response.status_code == 401
    assert response.json() == {"error": {"msg": "Unauthorized."}}


def test_gorgias_oauth_scopes_are_enforced(clean: sandbox.RunningSandbox) -> None:
    token = clean.gorgias.issue_oauth_token(["users:read"])
    with httpx.Client(base_url=clean.url("gorgias"), verify=trust(clean)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        tickets = client.get("/api/tickets", headers=headers)
        users = client.get("/api/users", headers=headers)
    assert tickets.status_code == 403
    assert "msg" in tickets.json()["error"]
    assert users.status_code == 200


def test_gorgias_observer_key_cannot_write(clean: sandbox.RunningSandbox) -> None:
    with gorgias_client(clean) as client:
        response = client.post("/api/tickets/3/messages", json={"body_text": "hello", "channel": "internal-note"})
    assert response.status_code == 403
