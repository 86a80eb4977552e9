"""The Shopify and Gorgias stand-ins serve outbound data flows as their vendors do, and plant the leaky ones."""

from __future__ import annotations

from typing import Any

from tests.conftest import StartSandbox, gorgias_client, shopify_client
from vendor_audit import sandbox

GRAPHQL = "/admin/api/2026-10/graphql.json"
WEBHOOKS = """query Webhooks($first: Int!) {
  webhookSubscriptions(first: $first) {
    nodes { legacyResourceId topic uri endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def flow_entries(running: sandbox.RunningSandbox) -> set[tuple[str, str, str]]:
    return {
        (v["vendor"], v["kind"], v["resource"]) for v in running.manifest["violations"] if v["kind"].startswith("flow")
    }


def served_flows(running: sandbox.RunningSandbox) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """REST webhooks, the GraphQL answer, and every Gorgias integration (read one record per page)."""
    with shopify_client(running) as client:
        rest = client.get("/admin/api/2026-10/webhooks.json").json()["webhooks"]
        graphql = client.post(GRAPHQL, json={"query": WEBHOOKS, "variables": {"first": 10}}).json()
    integrations: list[dict[str, Any]] = []
    with gorgias_client(running) as client:
        params: dict[str, Any] = {"limit": 1}
        while True:
            page = client.get("/api/integrations", params=params).json()
            integrations += page["data"]
            if page["meta"]["next_cursor"] is None:
                break
            params = {"limit": 1, "cursor": page["meta"]["next_cursor"]}
    return rest, graphql, integrations


def test_leaky_plants_plain_http_and_a_header_secret_and_the_manifest_names_them(fresh: StartSandbox) -> None:
    running = fresh(scenario="leaky", standins=("shopify", "gorgias"))
    rest, graphql, integrations = served_flows(running)
    plain = [w for w in rest if w["address"].startswith("http://")]
    (http,) = [i for i in integrations if i["type"] == "http"]
    assert [w["id"] for w in plain] == [1_047_000_002]
    assert http["http"]["url"].startswith("http://127.0.0.1:")
    assert http["http"]["headers"]["X-Api-Key"].startswith("sk_live_")
    assert flow_entries(running) == {
        ("shopify", "flow_plain_http", "flows/webhook_subscription/1047000002"),
        ("gorgias", "flow_plain_http", f"flows/http_integration/{http['id']}"),
        ("gorgias", "flow_secret_in_headers", f"flows/http_integration/{http['id']}"),
    }
    # GraphQL names each subscription by the REST id, through the current `uri` and the deprecated union alike.
    nodes = graphql["data"]["webhookSubscriptions"]["nodes"]
    assert {(int(n["legacyResourceId"]), n["uri"]) for n in nodes} == {(w["id"], w["address"]) for w in rest}
    assert all(n["endpoint"] == {"__typename": "WebhookHttpEndpoint", "callbackUrl": n["uri"]} for n in nodes)


def test_clean_flows_are_https_to_a_sandbox_listener_without_secrets(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("shopify", "gorgias"))
    rest, _, integrations = served_flows(running)
    assert [w["address"] for w in rest] == [f"{running.url('shopify')}/hooks/shopify/orders-create"]
    (http,) = [i for i in integrations if i["type"] == "http"]
    assert http["http"]["url"].startswith(f"{running.url('gorgias')}/")
    assert "X-Api-Key" not in http["http"]["headers"]
    assert {i["type"] for i in integrations} == {"http", "shopify", "email"}  # three pages of one
    assert flow_entries(running) == set()


def test_flows_point_where_the_sandbox_is_told(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("shopify", "gorgias"))
    running.shopify.flow_origin = running.gorgias.flow_origin = running.url("exports")
    rest, _, integrations = served_flows(running)
    assert rest[0]["address"].startswith(running.url("exports") + "/")
    assert all(i["http"]["url"].startswith(running.url("exports") + "/") for i in integrations if i["type"] == "http")


def test_a_union_costs_its_most_expensive_possible_object(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("shopify",))
    with shopify_client(running) as client:
        answer = client.post(GRAPHQL, json={"query": WEBHOOKS, "variables": {"first": 10}}).json()
    # A connection: 2 + 10 items x (the node 1 + the endpoint union 1, its possible objects holding only leaves).
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 22
    assert answer["extensions"]["cost"]["actualQueryCost"] == 4  # one subscription served: 2 + 1 x 2


def test_webhooks_need_no_scope_but_integrations_need_integrations_read(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("shopify", "gorgias"))
    token = running.shopify.issue_token(["read_orders"])
    with shopify_client(running, token) as client:
        assert client.get("/admin/api/2026-10/webhooks.json").status_code == 200
    oauth = running.gorgias.issue_oauth_token(["tickets:read"])
    with gorgias_client(running) as client:
        answer = client.get("/api/integrations", headers={"Authorization": f"Bearer {oauth}"}, auth=None)
    assert answer.status_code == 403
