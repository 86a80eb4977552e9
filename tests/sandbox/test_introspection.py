"""Credential introspection and staff 2FA are exposed exactly where the real APIs expose them."""

from __future__ import annotations

from tests.conftest import StartSandbox, gorgias_client, shopify_client, zendesk_client
from vendor_audit import sandbox


def test_shopify_access_scopes_list_the_grants(clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox) -> None:
    def handles(running: sandbox.RunningSandbox) -> set[str]:
        with shopify_client(running) as client:
            response = client.get("/admin/oauth/access_scopes.json")
        assert response.status_code == 200
        return {s["handle"] for s in response.json()["access_scopes"]}

    assert handles(clean) == {"read_orders", "read_all_orders", "read_customers", "read_users"}
    assert handles(leaky) - handles(clean) == {"write_orders", "write_customers"}


def test_zendesk_current_token_shows_scopes_and_a_truncated_token(leaky: sandbox.RunningSandbox) -> None:
    with zendesk_client(leaky) as client:
        token = client.get("/api/v2/oauth/tokens/current.json").json()["token"]
        me = client.get("/api/v2/users/me.json").json()["user"]
    assert token["scopes"] == ["read", "write", "impersonate"]
    assert len(token["token"]) == 10
    assert leaky.zendesk.primary_token.startswith(token["token"])
    assert token["user_id"] == me["id"]
    assert me["role"] == "admin"


def test_zendesk_users_carry_two_factor_state(leaky: sandbox.RunningSandbox, clean: sandbox.RunningSandbox) -> None:
    with zendesk_client(leaky) as client:
        staff = client.get("/api/v2/users.json", params=[("role[]", "admin"), ("role[]", "agent")]).json()["users"]
        settings = client.get("/api/v2/security_settings.json").json()["security_settings"]
        end_users = client.get("/api/v2/users.json", params={"role": "end-user", "page[size]": 5}).json()["users"]
    assert {u["role"] for u in staff} == {"admin", "agent"}
    assert {u["id"] for u in staff if u["two_factor_auth_enabled"] is False} == {3, 7, 11}
    assert settings["authentication"]["agent"]["two_factor_enforce"] is False
    assert all(u["two_factor_auth_enabled"] is None for u in end_users)
    with zendesk_client(clean) as client:
        staff = client.get("/api/v2/users.json", params=[("role[]", "admin"), ("role[]", "agent")]).json()["users"]
    assert {u["two_factor_auth_enabled"] for u in staff} == {True, None}  # clean: nobody known to go without


def test_zendesk_answers_null_two_factor_for_admins_and_agents_in_both_scenarios(
    leaky: sandbox.RunningSandbox, clean: sandbox.RunningSandbox
) -> None:
    # As real accounts answer an admin's call (zenpy's recorded cassettes): the field is there, and null.
    for running in (clean, leaky):
        with zendesk_client(running) as client:
            staff = client.get("/api/v2/users.json", params=[("role[]", "admin"), ("role[]", "agent")]).json()
        users = staff["users"]
        assert all("two_factor_auth_enabled" in u for u in users)
        unknown = {u["id"]: u["role"] for u in users if u["two_factor_auth_enabled"] is None}
        assert set(unknown.values()) == {"admin", "agent"}, running.scenario
        # Null is not a violation: the manifest lists only the users answered false.
        listed = {v["resource"] for v in running.manifest["violations"] if v["kind"] == "mfa_disabled"}
        assert not listed & {f"users/{uid}" for uid in unknown}


def test_zendesk_security_settings_answer_the_documented_shape(
    clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox, fresh: StartSandbox
) -> None:
    # The documented example has no authentication.agent.two_factor_enforce; the leaky scenario plants false.
    with zendesk_client(clean) as client:
        settings = client.get("/api/v2/security_settings.json").json()["security_settings"]
    assert {"authentication", "ip", "agent_session_timeout", "two_factor_last_update"} <= set(settings)
    assert "two_factor_enforce" not in settings["authentication"]["agent"]
    assert "security_policy_name" in settings["authentication"]["agent"]
    assert not [v for v in clean.manifest["violations"] if v["kind"] == "mfa_not_enforced"]
    with zendesk_client(leaky) as client:
        agent = client.get("/api/v2/security_settings.json").json()["security_settings"]["authentication"]["agent"]
    assert agent["two_factor_enforce"] is False
    assert [v["resource"] for v in leaky.manifest["violations"] if v["kind"] == "mfa_not_enforced"] == [
        "account/security_settings"
    ]
    # The knob serves an account that does expose it.
    running = fresh(scenario="clean", standins=("zendesk",))
    running.zendesk.two_factor_enforce = True
    with zendesk_client(running) as client:
        agent = client.get("/api/v2/security_settings.json").json()["security_settings"]["authentication"]["agent"]
    assert agent["two_factor_enforce"] is True


def test_shopify_and_gorgias_do_not_expose_two_factor(clean: sandbox.RunningSandbox) -> None:
    with shopify_client(clean) as client:
        shop_users = client.get("/admin/api/2026-10/users.json").json()["users"]
    with gorgias_client(clean) as client:
        gorgias_users = client.get("/api/users").json()["data"]
    assert shop_users
    assert gorgias_users
    for user in shop_users + gorgias_users:
        assert not any("two_factor" in key or "mfa" in key or "2fa" in key for key in user)


def test_gorgias_current_user_carries_the_role(clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox) -> None:
    with gorgias_client(clean) as client:
        assert client.get("/api/users/0").json()["role"] == {"name": "observer-agent"}
    with gorgias_client(leaky) as client:
        assert client.get("/api/users/0").json()["role"] == {"name": "admin"}


def test_shopify_retired_version_falls_forward(clean: sandbox.RunningSandbox) -> None:
    with shopify_client(clean) as client:
        old = client.get("/admin/api/2019-04/shop.json")
        current = client.get("/admin/api/2026-10/shop.json")
        malformed = client.get("/admin/api/latest/shop.json")
    assert old.status_code == 200
    assert old.headers["X-Shopify-API-Version"] == "2025-10"
    assert current.headers["X-Shopify-API-Version"] == "2026-10"
    assert malformed.status_code == 404
