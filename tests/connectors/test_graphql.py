"""Shopify through GraphQL: queries pass production mode and mutations do not, cost pacing, coverage limits.

Over real sockets against the Shopify stand-in, which executes the queries with graphql-core and counts, at the
server, every operation it executed and every THROTTLED answer it gave.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checks.conftest import run_audit
from tests.checks.test_audit_sandbox import actual_failures, expected_failures
from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.connectors._base import Session
from vendor_audit.connectors._graphql import why_not_read_only
from vendor_audit.connectors.shopify import ORDERS_QUERY, ShopifyConnector
from vendor_audit.profile import load_profile
from vendor_audit.sandbox.shopify import ShopifyLimits

GRAPHQL = "/admin/api/2026-10/graphql.json"
SHOP = "query Shop { shop { name } }"
UPDATE = (
    'mutation { orderUpdate(input: {id: "gid://shopify/Order/5612000000003", note: "x"}) { userErrors { message } } }'
)


def body(query: str) -> bytes:
    return json.dumps({"query": query, "variables": {}}).encode()


@pytest.mark.parametrize(
    "query",
    [
        SHOP,
        "{ shop { name } }",  # the shorthand is a query
        "# mutation { orderUpdate }\nquery Q { shop { name } }",  # a comment is not an operation
        "{ mutation: shop { name } }",  # nor an alias that says mutation
        'query Q { orders(first: 1, query: "mutation") { nodes { id } } }',  # nor a string that does
        "query A { shop { name } } query B { orders(first: 1) { nodes { id } } }",
    ],
)
def test_a_document_of_queries_is_read_only(query: str) -> None:
    assert why_not_read_only(body(query)) is None


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (body(UPDATE), "it holds a GraphQL mutation"),
        (body('mutation{orderUpdate(input:{id:"1"}){userErrors{message}}}'), "it holds a GraphQL mutation"),
        (body(f"query Q {{ shop {{ name }} }} {UPDATE}"), "it holds a GraphQL mutation"),  # one of two
        (body("subscription S { shop { name } }"), "it holds a GraphQL subscription"),
        (body("query { shop { name }"), "does not parse"),
        (body("fragment F on Shop { name }"), "holds no operation"),
        (json.dumps([{"query": SHOP}]).encode(), "not one GraphQL request"),  # a batch
        (json.dumps({"mutation": UPDATE}).encode(), "not one GraphQL request"),
        (b"query { shop { name } }", "not a JSON GraphQL request"),  # application/graphql bodies
        (b"\xff\xfe", "not a JSON GraphQL request"),
    ],
)
def test_anything_else_is_not(content: bytes, why: str) -> None:
    found = why_not_read_only(content)
    assert found is not None
    assert why in found


_OPEN: list[Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def shopify(running: sandbox.RunningSandbox, *, production: bool) -> ShopifyConnector:
    profile = load_profile(running.profile_path)
    profile = profile.__class__(
        **{**{f: getattr(profile, f) for f in profile.__slots__}, "mode": "production" if production else "sandbox"}
    )
    target = next(v for v in profile.vendors if v.type == "shopify")
    connector = connectors.open_connector(profile, target, environ=running.secrets)
    _OPEN.extend(connector.sessions)
    assert isinstance(connector, ShopifyConnector)
    return connector


def test_production_mode_sends_queries_and_refuses_mutations_before_they_leave(fresh: StartSandbox) -> None:
    running = fresh(scenario="leaky")  # the leaky token holds write_orders: only the client stops the write
    api, listener = running.shopify, running.listeners["shopify"]
    connector = shopify(running, production=True)
    snapshot = connector.snapshot()
    payloads = list(snapshot.iter_payloads())
    assert [e for e in snapshot.errors if e.kind != "not_exposed"] == []  # tokens, settings: not in the API
    assert {p.resource for p in payloads} >= {"orders/5612000000001", "customers/7012000000002"}
    executed = list(api.graphql_operations)
    assert executed
    assert set(executed) == {"query"}  # counted at the server: every GraphQL operation was a query
    served = listener.requests_served
    for content in (
        {"query": UPDATE},
        {"query": f"{SHOP}\n{UPDATE}", "operationName": "Shop"},  # a query named to run, a mutation beside it
        {"query": "subscription S { shop { name } }"},
    ):
        with pytest.raises(connectors.ReadOnlyViolation, match=r"production mode refused POST .*graphql\.json"):
            connector.primary.answer("POST", GRAPHQL, json=content)
    with pytest.raises(connectors.ReadOnlyViolation, match="production mode refused POST"):
        connector.primary.answer("POST", "/admin/api/2026-10/orders.json", json={"query": SHOP})  # not GraphQL's path
    with pytest.raises(connectors.ReadOnlyViolation, match="production mode refused PUT"):
        connector.primary.send("PUT", "/admin/api/2026-10/orders/5612000000003.json", {"order": {"note": "x"}})
    assert listener.requests_served == served  # nothing reached the shop
    assert api.graphql_operations == executed
    assert api.notes == {}


def test_sandbox_mode_lets_the_mutation_through(fresh: StartSandbox) -> None:
    running = fresh(scenario="leaky")
    connector = shopify(running, production=False)
    answer = connector.primary.answer("POST", GRAPHQL, json={"query": UPDATE})
    assert answer.json()["data"]["orderUpdate"]["userErrors"] == []
    assert running.shopify.notes == {5612000000003: "x"}
    # Before it: the sandbox proof (shop.plan) and the order's note as it was, for the write's undo.
    assert running.shopify.graphql_operations == ["query", "query", "mutation"]


def test_queries_are_paced_by_their_cost_and_a_throttled_one_is_tried_again(fresh: StartSandbox) -> None:
    # A bucket that holds one 250-order page's requested cost (502) and restores 300 points a second.
    limits = ShopifyLimits(graphql_maximum=600.0, graphql_restore_per_second=300.0)
    running = fresh(scenario="clean", shopify=limits)
    connector = shopify(running, production=True)
    started = time.monotonic()
    snapshot = connector.snapshot()
    payloads = list(snapshot.iter_payloads())
    assert [e for e in snapshot.errors if e.kind != "not_exposed"] == []  # tokens, settings: not in the API
    assert len({p.resource for p in payloads if p.resource.startswith("orders/")}) > 100  # every page was read
    # A query's first run has no known cost: the shop may refuse it (THROTTLED), and it is tried again.
    assert running.shopify.graphql_throttled <= 3
    assert time.monotonic() - started < 30
    # From then on the client knows each query's cost: back to back, each waits for the bucket (about a second
    # here) instead of being refused; a busier machine only restores more before it asks.
    paced = connector.primary.client._transport._inner  # type: ignore[attr-defined]  # ReadOnly -> CostPaced
    throttled, waited = running.shopify.graphql_throttled, paced.waited
    for _ in range(4):
        connector.graphql(connector.primary, ORDERS_QUERY, {"first": 250, "after": None})
    assert running.shopify.graphql_throttled == throttled
    assert paced.waited > waited


def test_without_read_all_orders_the_scan_says_what_it_did_not_see(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="leaky", write_exports=True)
    limited = running.shopify.issue_token(["read_orders", "read_customers", "read_users"])
    result = run_audit(tmp_path, str(running.profile_path), env={"VA_SHOPIFY_TOKEN": limited})
    (finding,) = [
        f for f in result.findings("manual") if f["check_id"] == "payloads_free_of_pans" and f["vendor"] == "shopify"
    ]
    assert finding["resource"] == "orders older than 60 days"
    assert "lacks read_all_orders" in finding["message"]
    assert "last 60 days" in finding["message"]
    assert result.code == 1  # the leaky scenario's other findings still fail
    assert result.findings("error") == []


@pytest.fixture(scope="module")
def rest_profile(leaky: sandbox.RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The leaky sandbox's profile with Shopify read over REST, as an older custom app would."""
    text = leaky.profile_path.read_text()
    assert 'api_version = "2026-10"' in text
    path = leaky.run_dir / "audit-rest.toml"  # beside the original: its relative paths (exports, CA) hold
    path.write_text(text.replace('api_version = "2026-10"', 'api_version = "2026-10"\napi = "rest"'))
    return path


def test_rest_still_yields_exactly_the_manifest(
    leaky: sandbox.RunningSandbox, rest_profile: Path, tmp_path: Path
) -> None:
    before = len(leaky.shopify.graphql_operations)
    result = run_audit(tmp_path, str(rest_profile))
    assert result.code == 1, result.stdout[-3000:]
    assert actual_failures(result) == expected_failures(leaky)
    assert result.findings("error") == []
    assert len(leaky.shopify.graphql_operations) == before  # REST only


def test_api_must_be_one_the_vendor_offers(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    text = leaky.profile_path.read_text().replace('api_version = "2026-10"', 'api_version = "2026-10"\napi = "soap"')
    path = leaky.run_dir / "audit-soap.toml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "vendor_audit.cli", "run", str(path), "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "vendors.shopify.api: shopify is read through 'graphql' or 'rest'; found 'soap'" in result.stderr


@pytest.mark.parametrize(
    ("url", "shown", "named"),
    [
        (
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX1a",
            "https://hooks.slack.com/services/T00000000/B00000000/[REDACTED]",
            ("URL path",),
        ),
        ("https://h.example/x?api_key=hunter2", "https://h.example/x?api_key=[REDACTED]", ("?api_key",)),
        ("https://u:p4ss@h.example/hook", "https://h.example/hook", ("URL user:password@",)),
        ("https://h.example/x#access_token=hunter2", "https://h.example/x#[REDACTED]", ("URL #fragment",)),
        ("https://hooks.brand.example/t/{{ticket.id}}", "https://hooks.brand.example/t/{{ticket.id}}", ()),
        ("https://[hooks.example/x", "[a destination that does not parse as a URL]", ()),
    ],
)
def test_a_destination_is_shown_without_what_carries_a_secret(url: str, shown: str, named: tuple[str, ...]) -> None:
    from vendor_audit.connectors._outbound import safe_destination

    assert safe_destination(url) == (shown, named)


def test_evidence_excerpts_lose_secrets_in_urls_and_header_pairs() -> None:
    from vendor_audit.connectors._outbound import scrub_configured_secrets

    excerpt = (
        '{"endpoint":"https://h.example/x?api_key=hunter2","url":"https:\\/\\/u:p4ss@h.example\\/hook",'
        '"headers":[{"name":"Authorization","value":"hunter2pass"}],"next":"https://v.example/x?cursor=abc"}'
    )
    scrubbed = scrub_configured_secrets(excerpt)
    for secret in ("hunter2", "p4ss", "hunter2pass"):
        assert secret not in scrubbed
    assert "cursor=abc" in scrubbed  # a page link the audit followed stays


def test_production_mode_refuses_graphql_over_get(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    connector = shopify(running, production=True)
    served = running.listeners["shopify"].requests_served
    with pytest.raises(connectors.ReadOnlyViolation, match="GraphQL goes by POST"):
        connector.primary.answer("GET", GRAPHQL + "?query=mutation%7BorderUpdate%7D")
    assert running.listeners["shopify"].requests_served == served
