"""The Zendesk stand-in serves users' dates, tokens, security settings and flows as the API does; the sandbox
writes the roster and the profile sections that make clean pass, and the manifest names each leaky plant.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from typing import Any

import httpx

from tests.conftest import StartSandbox, trust, zendesk_client
from vendor_audit import sandbox


def listed(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a cursor-paginated list, one per page, following links.next."""
    found: list[dict[str, Any]] = []
    page = client.get(path, params={"page[size]": 1, **params}).json()
    while True:
        found += page[key]
        if not page.get("meta", {}).get("has_more"):
            return found
        page = client.get(page["links"]["next"]).json()


def zendesk_plants(running: sandbox.RunningSandbox) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for v in running.manifest["violations"]:
        if v["vendor"] == "zendesk" and v["resource"].split("/")[0] in {
            "users",
            "tokens",
            "security_settings",
            "flows",
            "roster",
        }:
            found.setdefault(v["resource"], set()).add(v["kind"])
    return found


def test_the_manifest_lists_every_access_plant_with_the_shared_resource_shapes(leaky: sandbox.RunningSandbox) -> None:
    plants = zendesk_plants(leaky)
    kinds = {k for ks in plants.values() for k in ks}
    assert kinds >= {
        "dormant_account", "never_used_account", "suspended_user_token", "shared_account", "account_not_on_roster",
        "leaver_still_active", "agents_over_contract", "token_too_old", "token_expiring", "token_unused",
        "undeclared_token", "deprecated_credential", "ip_restriction_off", "ip_ranges_mismatch",
        "session_timeout_long", "sso_not_enforced", "assumption_too_long", "flow_plain_http", "flow_not_allowed",
        "flow_secret_in_headers", "flow_tls_weak",
    }  # fmt: skip
    assert plants["roster/contract"] == {"agents_over_contract"}
    assert plants["security_settings/ip_restriction"] == {"ip_restriction_off", "ip_ranges_mismatch"}
    assert all(r.split("/")[0] != "users" or r.split("/")[1].isdigit() for r in plants)


def test_users_tokens_and_settings_are_served_where_the_manifest_says(leaky: sandbox.RunningSandbox) -> None:
    plants = zendesk_plants(leaky)
    now = dt.datetime.now(dt.UTC)
    with zendesk_client(leaky) as client:
        staff: list[tuple[str, str | int | float | bool | None]] = [("role[]", "admin"), ("role[]", "agent")]
        staff.append(("page[size]", 100))
        users = {f"users/{u['id']}": u for u in client.get("/api/v2/users.json", params=staff).json()["users"]}
        tokens = {
            f"tokens/oauth_token/{t['id']}": t
            for t in listed(client, "/api/v2/oauth/tokens.json", "tokens", all="true")
        }
        tokens |= {f"tokens/api_token/{t['id']}": t for t in listed(client, "/api/v2/api_tokens.json", "api_tokens")}
        clients = {c["id"]: c["name"] for c in listed(client, "/api/v2/oauth/clients.json", "clients")}
        settings = client.get("/api/v2/security_settings.json").json()["security_settings"]
    roster = {row["email"]: row for row in csv.DictReader(io.StringIO(leaky.roster_path.read_text()))}

    def ago(value: str) -> dt.timedelta:
        return now - dt.datetime.fromisoformat(value.replace("Z", "+00:00"))

    for resource, kinds in plants.items():
        if resource.startswith("users/") and kinds - {"mfa_disabled"}:
            user = users[resource]
            assert user["active"]
            if "dormant_account" in kinds:
                assert ago(user["last_login_at"]) > dt.timedelta(days=180)
            if "never_used_account" in kinds:
                assert user["last_login_at"] is None
                assert ago(user["created_at"]) > dt.timedelta(days=30)
            if "shared_account" in kinds:
                assert (user["name"], user["email"]) == ("Support Team", "support@bpo.example")
            if "account_not_on_roster" in kinds:
                assert user["email"] not in roster
            if "leaver_still_active" in kinds:
                assert roster[user["email"]]["status"] == "left"
                assert roster[user["email"]]["end_date"]
        elif resource.startswith("tokens/"):
            token = tokens[resource]
            if "token_too_old" in kinds:
                assert ago(token["created_at"]) > dt.timedelta(days=365)
            if "token_expiring" in kinds:
                assert -ago(token["expires_at"]) < dt.timedelta(days=30)
            if "token_unused" in kinds:
                assert ago(token["used_at"]) > dt.timedelta(days=90)
            if "suspended_user_token" in kinds:
                assert users[f"users/{token['user_id']}"]["suspended"] is True
            if "undeclared_token" in kinds and "client_id" in token:
                assert clients[token["client_id"]] != "bpo-oauth"
            if "deprecated_credential" in kinds:
                assert resource.startswith("tokens/api_token/")
    assert settings["ip"]["ip_restriction_enabled"] is False
    assert settings["agent_session_timeout"] == 240
    assert settings["authentication"]["agent"]["enforce_sso"] is False
    assert (settings["assumable"], settings["assumption_duration"]) == (True, "month")


def test_flows_are_served_where_the_manifest_says(leaky: sandbox.RunningSandbox) -> None:
    plants = zendesk_plants(leaky)
    with zendesk_client(leaky) as client:
        webhooks = {w["id"]: w for w in listed(client, "/api/v2/webhooks", "webhooks")}
        targets = {t["id"]: t for t in client.get("/api/v2/targets.json").json()["targets"]}
        triggers = {t["id"]: t for t in listed(client, "/api/v2/triggers.json", "triggers")}
    for resource, kinds in plants.items():
        if not resource.startswith("flows/"):
            continue
        _, kind, flow_id = resource.split("/")
        if kind == "webhook":
            url = webhooks[flow_id]["endpoint"]
        elif kind == "target":
            url = targets[int(flow_id)]["target_url"]
        else:
            (action,) = [a for a in triggers[int(flow_id)]["actions"] if a["field"] == "notification_webhook"]
            url = webhooks[action["value"][0]]["endpoint"]
        if "flow_plain_http" in kinds:
            assert url.startswith("http://")
        if "flow_not_allowed" in kinds:
            assert not url.startswith(("https://127.0.0.1:", "http://127.0.0.1:"))
            assert ".brand.example" not in url
        if "flow_secret_in_headers" in kinds:
            assert webhooks[flow_id]["custom_headers"]["Authorization"].startswith("Bearer ")
        if "flow_tls_weak" in kinds:
            assert url.startswith(leaky.url("zendesk") + "/")
            assert leaky.policies["zendesk"].min_version == "TLSv1"
    # The receiver every other flow points at passes the TLS floor in leaky too.
    assert leaky.policies[sandbox.HOOKS_ENDPOINT] == sandbox.TLSPolicy()
    with httpx.Client(verify=trust(leaky)) as client:
        assert client.post(webhooks["01HZX3K7Q8M2N4P6R8T0V2W4Y6"]["endpoint"], json={}).status_code == 200


def test_clean_serves_what_its_profile_wants(clean: sandbox.RunningSandbox) -> None:
    profile = tomllib.loads(clean.profile_path.read_text())
    with zendesk_client(clean) as client:
        settings = client.get("/api/v2/security_settings.json").json()["security_settings"]
        users = listed(client, "/api/v2/users.json", "users", **{"role[]": "agent"})
        tokens = listed(client, "/api/v2/oauth/tokens.json", "tokens", all="true")
        api_tokens = listed(client, "/api/v2/api_tokens.json", "api_tokens")
        webhooks = listed(client, "/api/v2/webhooks", "webhooks")
    assert settings["ip"]["ip_restriction_enabled"] is True
    assert settings["ip"]["ip_ranges"].split() == profile["security"]["egress_ranges"]
    assert settings["agent_session_timeout"] <= profile["security"]["max_session_minutes"]
    assert settings["authentication"]["agent"]["enforce_sso"] is True
    assert (settings["assumable"], settings["assumption_duration"]) == (False, "off")
    assert profile["security"]["sso_required"] == ["zendesk"]
    assert "127.0.0.1" in profile["flows"]["allowed_destinations"]
    now = dt.datetime.now(dt.UTC)
    for user in users:
        if user["active"]:
            assert now - dt.datetime.fromisoformat(user["last_login_at"]) < dt.timedelta(days=10)
    assert {t["client_id"] for t in tokens} == {42}  # other tests issue tokens of the same client
    assert api_tokens == []
    assert all(w["endpoint"].startswith(clean.url("hooks") + "/") for w in webhooks)
    assert clean.manifest["violations"] == []


def test_the_roster_lists_both_helpdesks_staff_and_keeps_turnover_low(
    clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox
) -> None:
    for running in (clean, leaky):
        profile = tomllib.loads(running.profile_path.read_text())
        assert profile["access"]["roster"] == running.roster_path.name == "bpo-roster.csv"
        rows = list(csv.DictReader(io.StringIO(running.roster_path.read_text())))
        assert list(rows[0]) == ["email", "name", "status", "start_date", "end_date", "vendor"]
        assert {r["vendor"] for r in rows} == {"zendesk", "gorgias"}
        emails = {(r["vendor"], r["email"]) for r in rows}
        for staff in running.world.gorgias_staff():
            assert ("gorgias", staff.email) in emails
        left = [r for r in rows if r["status"] == "left"]
        assert all(r["end_date"] for r in left)
        assert len(left) / len(rows) < 0.30
        active = [s for s in running.world.zendesk_staff() if s.active and not s.suspended]
        over = len(active) > profile["access"]["contracted_agents"]
        assert over == (running is leaky)
        assert len([s for s in running.world.gorgias_staff() if s.active]) <= profile["access"]["contracted_agents"]
    clean_rows = {r["email"]: r for r in csv.DictReader(io.StringIO(clean.roster_path.read_text()))}
    for staff in clean.world.zendesk_staff():
        assert clean_rows[staff.email]["status"] == ("active" if staff.active else "left")


def test_listing_credentials_needs_read_and_an_admin(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("zendesk",))
    narrow = running.zendesk.issue_oauth_token(["tickets:read", "users:read", "webhooks:read"])
    with zendesk_client(running, narrow) as client:
        refused = client.get("/api/v2/oauth/tokens.json")
        assert refused.status_code == 403
        assert refused.json()["description"] == "You are missing the following required scopes: read"
        assert client.get("/api/v2/webhooks").status_code == 200
    agent = running.zendesk.issue_oauth_token(["read"], user_id=6)
    with zendesk_client(running, agent) as client:
        assert client.get("/api/v2/api_tokens.json").status_code == 403
        assert client.get("/api/v2/triggers.json").status_code == 200  # agents may list triggers
        own = client.get("/api/v2/oauth/tokens.json")  # without all=true: the caller's own tokens
        assert own.status_code == 403  # admins only
