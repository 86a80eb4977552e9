"""Connectors read vendor JSON defensively: any shape becomes a CollectionError, never an exception.

Edge cases on httpx.MockTransport (fast, exhaustive); tests/test_hostile_shapes.py runs the same
families of shapes end to end over real TLS.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from vendor_audit import connectors
from vendor_audit.connectors import _shape
from vendor_audit.connectors._base import COLLECTED, Session
from vendor_audit.connectors._errors import UnexpectedShape, raise_for_answer
from vendor_audit.connectors._http import build_client
from vendor_audit.connectors._outbound import header_secrets, safe_destination, scrub_configured_secrets
from vendor_audit.connectors.gorgias import GorgiasConnector
from vendor_audit.connectors.shopify import ShopifyConnector
from vendor_audit.connectors.zendesk import ZendeskConnector
from vendor_audit.model import CollectionError, MFAState, Payload, VendorSnapshot
from vendor_audit.profile import Credential, Vendor, load_profile

BASE = "https://vendor.invalid"
SECRET = "eyJhbGciOiJSUzI1NiJ9." + "q" * 700 + ".sig"  # a fake long credential
V = "/admin/api/2026-10"
HEADER_SECRET = "sk_live_" + "51HeaderSecretA1b2C3d4E5f6G7h8"  # a third party's key an integration is configured with

# The smallest valid answer of every endpoint each connector reads.
GQL = f"{V}/graphql.json#"  # a GraphQL answer, by the query's operation name


def page(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}


VALID: dict[str, dict[str, Any]] = {
    "shopify": {
        f"{GQL}Scopes": {"data": {"currentAppInstallation": {"accessScopes": [{"handle": "read_orders"}]}}},
        f"{GQL}Staff": {
            "data": {
                "staffMembers": page(
                    [
                        {
                            "id": "gid://shopify/StaffMember/1",
                            "name": "Ann",
                            "active": True,
                            "isShopOwner": True,
                            "privateData": {"createdAt": "2026-01-02T03:04:05Z"},
                        }
                    ]
                )
            }
        },
        f"{GQL}Orders": {
            "data": {
                "orders": page(
                    [{"legacyResourceId": "1", "note": "n", "customAttributes": [{"key": "a", "value": "b"}]}]
                )
            },
            "extensions": {
                "cost": {
                    "requestedQueryCost": 252,
                    "actualQueryCost": 3,
                    "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1997, "restoreRate": 100.0},
                }
            },
        },
        f"{GQL}Customers": {"data": {"customers": page([{"legacyResourceId": "1", "note": "c"}])}},
        f"{GQL}Webhooks": {
            "data": {
                "webhookSubscriptions": page(
                    [{"legacyResourceId": "7", "topic": "ORDERS_CREATE", "uri": "https://hooks.example/orders"}]
                )
            }
        },
    },
    "shopify_rest": {
        "/admin/oauth/access_scopes.json": {"access_scopes": [{"handle": "read_orders"}]},
        f"{V}/users.json": {"users": [{"id": 1, "first_name": "Ann", "account_owner": True, "permissions": ["full"]}]},
        f"{V}/orders.json": {"orders": [{"id": 1, "note": "n", "note_attributes": [{"name": "a", "value": "b"}]}]},
        f"{V}/customers.json": {"customers": [{"id": 1, "note": "c"}]},
        f"{V}/webhooks.json": {
            "webhooks": [
                {"id": 7, "address": "https://hooks.example/orders", "topic": "orders/create", "format": "json"}
            ]
        },
    },
    "zendesk": {
        "/api/v2/users/me.json": {"user": {"id": 1, "role": "admin"}},
        "/api/v2/oauth/tokens/current.json": {"token": {"id": 9, "scopes": ["read"]}},
        "/api/v2/users.json": {
            "users": [{"id": 1, "role": "agent", "two_factor_auth_enabled": True}],
            "meta": {"has_more": False},
            "links": {"next": None},
        },
        "/api/v2/security_settings.json": {
            "security_settings": {"authentication": {"agent": {"two_factor_enforce": True}}}
        },
        "/api/v2/incremental/tickets/cursor.json": {
            "tickets": [{"id": 1, "subject": "s", "description": "d"}],
            "end_of_stream": True,
            "after_url": None,
        },
        "/api/v2/incremental/ticket_events.json": {
            "ticket_events": [
                {"id": 1, "ticket_id": 1, "child_events": [{"id": 2, "event_type": "Comment", "body": "b"}]}
            ],
            "end_of_stream": True,
            "next_page": None,
        },
        "/api/v2/satisfaction_ratings.json": {"satisfaction_ratings": [{"id": 1, "comment": "c"}], "meta": {}},
        # Issue 15: credentials, security settings' other properties and the outbound flows.
        "/api/v2/oauth/tokens.json": {
            "tokens": [
                {
                    "id": 9,
                    "user_id": 1,
                    "client_id": 42,
                    "scopes": ["read"],
                    "created_at": "2026-01-02T03:04:05Z",
                    "expires_at": "2027-01-02T03:04:05Z",
                    "used_at": "2026-11-30T03:04:05Z",
                }
            ],
            "meta": {"has_more": False},
        },
        "/api/v2/oauth/clients.json": {
            "clients": [{"id": 42, "name": "bpo-oauth", "redirect_uri": ["https://crm.brand.example/cb"]}],
            "meta": {"has_more": False},
        },
        "/api/v2/api_tokens.json": {
            "api_tokens": [{"id": 5, "description": "legacy", "created_at": "2026-01-02T03:04:05Z", "active": True}],
            "meta": {"has_more": False},
        },
        "/api/v2/webhooks": {
            "webhooks": [
                {
                    "id": "01H",
                    "name": "w",
                    "status": "active",
                    "endpoint": "https://crm.brand.example/hook",
                    "authentication": {"type": "basic_auth", "add_position": "header", "data": {"username": "u"}},
                    "custom_headers": {"X-Api-Key": HEADER_SECRET},
                    "subscriptions": ["conditional_ticket_events"],
                }
            ],
            "meta": {"has_more": False},
        },
        "/api/v2/targets.json": {
            "targets": [{"id": 7, "title": "t", "type": "http_target", "target_url": "https://t.brand.example/x"}]
        },
        "/api/v2/triggers.json": {
            "triggers": [
                {
                    "id": 11,
                    "title": "tr",
                    "active": True,
                    "actions": [{"field": "notification_webhook", "value": ["01H", "{}"]}],
                }
            ],
            "meta": {"has_more": False},
        },
        "/api/v2/automations.json": {
            "automations": [
                {"id": 12, "title": "au", "actions": [{"field": "notification_target", "value": ["7", "m"]}]}
            ],
            "meta": {"has_more": False},
        },
        "/api/v2/apps/installations.json": {
            "installations": [{"id": 3, "settings": {"title": "Slack"}, "enabled": True}]
        },
    },
    "gorgias": {
        "/api/users/0": {"id": 1, "role": {"name": "admin"}},
        "/api/users": {
            "data": [
                {"id": 1, "name": "A", "role": {"name": "agent"}, "created_datetime": "2019-04-13T03:27:56.973873"}
            ],
            "meta": {"next_cursor": None},
        },
        "/api/tickets": {"data": [{"id": 1, "subject": "s"}], "meta": {"next_cursor": None}},
        "/api/messages": {"data": [{"id": 2, "ticket_id": 1, "body_text": "m"}], "meta": {"next_cursor": None}},
        "/api/customers": {"data": [{"id": 3, "note": "n"}], "meta": {"next_cursor": None}},
        "/api/satisfaction-surveys": {"data": [{"id": 4, "body_text": "t"}], "meta": {"next_cursor": None}},
        "/api/integrations": {
            "data": [
                {
                    "id": 31,
                    "type": "http",
                    "name": "CRM",
                    "http": {
                        "url": "https://crm.example/hook",
                        "method": "POST",
                        "headers": {"X-Api-Key": HEADER_SECRET},
                        "triggers": {"ticket-created": True},
                    },
                },
                {"id": 5, "type": "email", "name": "support@brand.example"},
            ],
            "meta": {"next_cursor": None},
        },
    },
}
CONNECTORS: dict[str, Callable[[list[Session]], Any]] = {
    "shopify": ShopifyConnector,
    "shopify_rest": ShopifyConnector,
    "zendesk": ZendeskConnector,
    "gorgias": GorgiasConnector,
}
AUTH = {"shopify": "access_token", "shopify_rest": "access_token", "zendesk": "oauth", "gorgias": "api_key"}
TRUST = ssl.create_default_context()  # never used on the wire (MockTransport); made once, as it costs ~10 ms


def answer(body: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def collected(kind: str, answers: dict[str, Callable[[], httpx.Response]]) -> tuple[VendorSnapshot, list[Payload]]:
    """The snapshot (and payloads) of a connector whose vendor answers `answers` by path."""

    def handle(request: httpx.Request) -> httpx.Response:
        key = request.url.path
        if key.endswith("/graphql.json"):
            operation = re.match(r"\s*query\s+(\w+)", json.loads(request.content)["query"])
            key += "#" + (operation.group(1) if operation else "")
        reply = answers.get(key)
        return reply() if reply else httpx.Response(404, json={"error": "not found"})

    shopify = kind.startswith("shopify")
    vendor = Vendor(
        kind,
        kind.split("_")[0],
        BASE,
        "2026-10" if shopify else None,
        (),
        api="rest" if kind == "shopify_rest" else None,
    )
    credential = Credential(kind, "cred", AUTH[kind], "ENV", "a@b.example", None, None, "vendors.x.credentials[0]")
    auth = httpx.BasicAuth("a@b.example", SECRET) if kind == "gorgias" else httpx.BasicAuth("x", SECRET)
    client = build_client(
        base_url=BASE,
        auth=auth,
        verify=TRUST,
        transport=httpx.MockTransport(handle),
        sleep=lambda seconds: None,
        graphql_path="/admin/api/*/graphql.json" if shopify else None,
    )
    with client:
        snapshot = CONNECTORS[kind]([Session(vendor, credential, client)]).snapshot()
        payloads = list(snapshot.iter_payloads())
    return snapshot, payloads


def valid_answers(kind: str) -> dict[str, Callable[[], httpx.Response]]:
    return {path: functools.partial(answer, copy.deepcopy(body)) for path, body in VALID[kind].items()}


def nodes(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in a JSON value, the root included."""
    yield at
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from nodes(inner, (*at, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from nodes(inner, (*at, i))


def replaced(value: Any, at: tuple[Any, ...], new: Any) -> Any:
    if not at:
        return new
    out = copy.deepcopy(value)
    target = out
    for step in at[:-1]:
        target = target[step]
    target[at[-1]] = new
    return out


HOSTILE = [None, "x", 7, True, [], {}, ["x"], [None], {"x": 1}]
MUTATIONS = [
    (kind, path, at, new)
    for kind, bodies in VALID.items()
    for path, body in bodies.items()
    for at in nodes(body)
    for new in HOSTILE
]


def failures(snapshot: VendorSnapshot) -> list[CollectionError]:
    """What went wrong, without what the vendor's API does not expose at all (tokens, security settings)."""
    return [e for e in snapshot.errors if e.kind != "not_exposed"]


def test_valid_answers_collect_without_errors() -> None:
    for kind in VALID:
        snapshot, payloads = collected(kind, valid_answers(kind))
        assert failures(snapshot) == [], kind
        assert snapshot.users is not None
        assert snapshot.data_flows, kind
        assert payloads, kind
        if kind != "zendesk":  # no API lists their tokens or settings: None, and where a person looks instead
            assert snapshot.tokens is None
            assert snapshot.security_settings is None
            assert {e.what for e in snapshot.errors if e.kind == "not_exposed"} == {"tokens", "security_settings"}


def test_shopify_and_gorgias_read_dates_and_flows_and_never_keep_a_header_secret() -> None:
    for kind in ("shopify", "shopify_rest", "gorgias"):
        snapshot, _ = collected(kind, valid_answers(kind))
        assert snapshot.users is not None
        assert all(not u.login_exposed for u in snapshot.users)  # no last sign-in in these APIs
        assert snapshot.data_flows is not None
        flow = snapshot.data_flows[0]
        if kind == "gorgias":
            assert snapshot.users[0].created_at == dt.datetime(2019, 4, 13, 3, 27, 56, 973873, tzinfo=dt.UTC)
            assert (flow.kind, flow.id, flow.destination) == ("http_integration", "31", "https://crm.example/hook")
            assert flow.secret_headers == ("X-Api-Key",)
            assert flow.topics == ("ticket-created",)
            app = snapshot.data_flows[1]
            assert (app.kind, app.id, app.destination) == ("app", "5", None)
        else:
            assert (flow.kind, flow.id, flow.destination) == (
                "webhook_subscription",
                "7",
                "https://hooks.example/orders",
            )
            assert [c.what for c in snapshot.coverage_limits if c.what == "data_flows"] == ["data_flows"]
        if kind == "shopify":
            assert snapshot.users[0].created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        assert HEADER_SECRET[:12] not in repr(snapshot)


@pytest.mark.parametrize(
    ("url", "shown", "names"),
    [
        (
            "https://h.example/x?email={{ticket.customer.email}}",
            "https://h.example/x?email={{ticket.customer.email}}",
            (),
        ),
        ("https://h.example/x?api_key=abc&id=1", "https://h.example/x?api_key=[REDACTED]&id=1", ("?api_key",)),
        (f"https://h.example/x?t={HEADER_SECRET}", "https://h.example/x?t=[REDACTED]", ("?t",)),
        ("https://user:pw@h.example/x", "https://h.example/x", ("URL user:password@",)),
    ],
)
def test_a_destination_keeps_no_secret_of_its_url(url: str, shown: str, names: tuple[str, ...]) -> None:
    assert safe_destination(url) == (shown, names)


def test_secret_headers_are_named_by_name_or_by_value_never_kept() -> None:
    headers = {
        "Authorization": "Bearer abc",
        "X-Custom": HEADER_SECRET,
        "X-Signature-Token": "",  # empty: nothing configured, nothing exposed
        "Accept": "application/json",
        "X-Ticket": "{{ticket.id}}",
    }
    assert header_secrets(headers, "v: GET /x") == ("Authorization", "X-Custom")
    with pytest.raises(UnexpectedShape, match="header values to be text"):
        header_secrets({"Authorization": {"v": 1}}, "v: GET /x")
    scrubbed = scrub_configured_secrets(json.dumps({"headers": headers, "next_cursor": "eyJwIjozMH0"}))
    assert HEADER_SECRET not in scrubbed
    assert "Bearer abc" not in scrubbed
    assert "eyJwIjozMH0" in scrubbed  # a cursor is what the audit followed, not a credential


@pytest.mark.parametrize("kind", list(VALID))
def test_every_node_of_every_answer_replaced_by_every_hostile_value_never_raises(kind: str) -> None:
    # Given each endpoint's valid answer with one node replaced by a value of another type...
    for _, path, at, new in [m for m in MUTATIONS if m[0] == kind]:
        answers = valid_answers(kind)
        answers[path] = functools.partial(answer, replaced(VALID[kind][path], at, new))
        # ...the connector never raises: it translates the answer or records why it could not.
        snapshot, _ = collected(kind, answers)
        for error in snapshot.errors:
            assert "\n" not in error.message
            assert SECRET[:12] not in error.message
            assert error.message.startswith(kind), error.message


@pytest.mark.parametrize(
    ("kind", "path", "body", "what"),
    [
        ("shopify_rest", f"{V}/users.json", [{"id": 1}], "users"),
        ("shopify_rest", "/admin/oauth/access_scopes.json", {"access_scopes": [{"handle": None}]}, "grants"),
        ("shopify_rest", f"{V}/orders.json", {"orders": "x"}, "payloads"),
        ("shopify", f"{GQL}Scopes", {"data": {"currentAppInstallation": {"accessScopes": [{}]}}}, "grants"),
        ("shopify", f"{GQL}Orders", {"data": {"orders": {"nodes": "x"}}}, "payloads"),
        ("shopify", f"{GQL}Staff", {"data": None}, "users"),
        (
            "shopify",
            f"{GQL}Orders",
            {"data": {"orders": {"nodes": [], "pageInfo": {"hasNextPage": True, "endCursor": None}}}},
            "payloads",
        ),
        ("zendesk", "/api/v2/users.json", {"users": [{"name": "no id"}], "meta": {}}, "users"),
        ("zendesk", "/api/v2/oauth/tokens/current.json", {"token": {}}, "grants"),
        ("zendesk", "/api/v2/security_settings.json", {"other": 1}, "mfa_enforcement"),
        (
            "zendesk",
            "/api/v2/security_settings.json",
            {"security_settings": {"authentication": "x"}},
            "mfa_enforcement",
        ),
        ("zendesk", "/api/v2/users.json", {"users": [], "meta": {"has_more": "yes"}}, "users"),
        ("gorgias", "/api/users", [{"id": 1}], "users"),
        ("gorgias", "/api/users/0", [], "grants"),
        ("gorgias", "/api/messages", {"data": [1]}, "payloads"),
        ("gorgias", "/api/integrations", {"data": [{"id": 1, "type": "http", "http": {}}]}, "data_flows"),
        ("gorgias", "/api/integrations", {"data": [{"id": 1}]}, "data_flows"),
        ("gorgias", "/api/users", {"data": [{"id": 1, "created_datetime": "yesterday"}]}, "users"),
        (
            "shopify",
            f"{GQL}Webhooks",
            {"data": {"webhookSubscriptions": page([{"legacyResourceId": "1"}])}},
            "data_flows",
        ),
        ("shopify_rest", f"{V}/webhooks.json", {"webhooks": [{"address": "https://h.example"}]}, "data_flows"),
    ],
)
def test_a_shape_that_would_lose_information_is_an_error(kind: str, path: str, body: Any, what: str) -> None:
    answers = valid_answers(kind)
    answers[path] = lambda: answer(body)
    snapshot, _ = collected(kind, answers)
    kinds = {e.kind for e in snapshot.errors if e.what == what}
    assert kinds == {"unexpected_shape"}, snapshot.errors


def test_shape_messages_name_vendor_endpoint_expected_and_found() -> None:
    answers = valid_answers("zendesk")
    answers["/api/v2/users.json"] = lambda: answer([{"id": 1}])
    snapshot, _ = collected("zendesk", answers)
    (error,) = [e for e in snapshot.errors if e.what == "users"]
    assert error.message == (
        "zendesk: GET /api/v2/users.json: expected an object with a 'users' list, found a JSON array"
    )


def test_html_with_status_200_is_an_unexpected_shape() -> None:
    answers = valid_answers("gorgias")
    page = b"<html><body>Sign in</body></html>"
    answers["/api/users"] = lambda: httpx.Response(200, content=page, headers={"content-type": "text/html"})
    snapshot, _ = collected("gorgias", answers)
    (error,) = [e for e in snapshot.errors if e.what == "users"]
    assert error.kind == "unexpected_shape"
    assert "200 with an HTML page instead of JSON" in error.message


def test_id_less_payload_records_are_scanned_then_reported() -> None:
    # Given tickets without ids (undocumented) and comment child events without ids (documented)...
    answers = valid_answers("zendesk")
    tickets = {"tickets": [{"subject": "card 4539 1488 0343 6467"}], "end_of_stream": True}
    answers["/api/v2/incremental/tickets/cursor.json"] = lambda: answer(tickets)
    events = {"ticket_events": [{"id": 5, "ticket_id": 3, "child_events": [{"event_type": "Comment", "body": "hi"}]}]}
    answers["/api/v2/incremental/ticket_events.json"] = lambda: answer(events | {"end_of_stream": True})
    snapshot, payloads = collected("zendesk", answers)
    resources = [p.resource for p in payloads]
    # ...every text is still scanned, named with "?"...
    assert "card 4539 1488 0343 6467" in [p.text for p in payloads]
    assert "tickets/?" in resources
    assert "tickets/3/comments/?" in resources
    assert "satisfaction_ratings/1" in resources  # what came after was read too
    # ...and only the undocumented ones are an error.
    messages = [e.message for e in snapshot.errors if e.what == "payloads"]
    assert len(messages) == 1
    assert "incremental/tickets/cursor.json ('id'): expected every record to have its id" in messages[0]
    assert "ticket_events" not in messages[0]


def test_gorgias_surveys_accept_the_bare_array_its_reference_declares() -> None:
    answers = valid_answers("gorgias")
    answers["/api/satisfaction-surveys"] = lambda: answer([{"id": 9, "body_text": "bare"}])
    snapshot, payloads = collected("gorgias", answers)
    assert failures(snapshot) == []
    assert "bare" in [p.text for p in payloads]
    answers["/api/tickets"] = lambda: answer([{"id": 1, "subject": "bare ticket"}])  # not documented bare
    snapshot, _ = collected("gorgias", answers)
    assert [e.kind for e in failures(snapshot)] == ["unexpected_shape"]


def test_gorgias_bare_surveys_as_long_as_the_page_are_read_then_an_error() -> None:
    answers = valid_answers("gorgias")
    full = [{"id": i, "body_text": f"survey {i}"} for i in range(1, 101)]  # limit=100: more may lie behind
    answers["/api/satisfaction-surveys"] = lambda: answer(full)
    snapshot, payloads = collected("gorgias", answers)
    assert "survey 100" in [p.text for p in payloads]  # scanned all the same...
    (error,) = failures(snapshot)  # ...but never read as the whole list
    assert error.what == "payloads"
    assert "satisfaction-surveys" in error.message
    assert "shorter than the page size" in error.message


def test_zendesk_null_two_factor_is_unknown_and_an_absent_enforce_is_not_exposed() -> None:
    answers = valid_answers("zendesk")
    users = VALID["zendesk"]["/api/v2/users.json"] | {
        "users": [
            {"id": 1, "role": "admin", "two_factor_auth_enabled": None},
            {"id": 2, "role": "agent", "two_factor_auth_enabled": None},
            {"id": 3, "role": "agent"},  # absent reads the same: unknown
        ]
    }
    answers["/api/v2/users.json"] = lambda: answer(users)
    # The documented example of security_settings carries no agent.two_factor_enforce.
    documented = {"security_settings": {"authentication": {"agent": {"security_policy_name": "high"}}}}
    answers["/api/v2/security_settings.json"] = lambda: answer(documented)
    snapshot, _ = collected("zendesk", answers)
    assert snapshot.errors == []
    assert snapshot.users is not None
    assert {u.mfa for u in snapshot.users} == {MFAState.UNKNOWN}
    assert snapshot.mfa_enforcement is not None
    assert snapshot.mfa_enforcement.enforced is None
    assert snapshot.mfa_enforcement.source.startswith("not exposed by GET /api/v2/security_settings")


def test_a_next_page_link_to_another_origin_is_refused_before_sending() -> None:
    sent: list[str] = []
    answers = valid_answers("zendesk")
    body = VALID["zendesk"]["/api/v2/users.json"] | {
        "meta": {"has_more": True},
        "links": {"next": "https://collector.example/api/v2/users.json?page=2"},
    }
    answers["/api/v2/users.json"] = lambda: answer(body)

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url.host))
        reply = answers.get(request.url.path)
        return reply() if reply and request.url.host == "vendor.invalid" else httpx.Response(200, json={"users": []})

    vendor = Vendor("zendesk", "zendesk", BASE, None, ())
    credential = Credential("zendesk", "c", "oauth", "ENV", None, None, None, "k")
    with build_client(
        base_url=BASE,
        auth=httpx.BasicAuth("x", SECRET),
        verify=TRUST,
        transport=httpx.MockTransport(record),
    ) as client:
        snapshot = ZendeskConnector([Session(vendor, credential, client)]).snapshot()
    assert "collector.example" not in sent
    (error,) = [e for e in snapshot.errors if e.what == "users"]
    assert "next-page link leads to collector.example:443, not to base_url's origin; refused" in error.message


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {SECRET}"},
        {"X-Shopify-Access-Token": SECRET},
        {"Authorization": httpx.BasicAuth("agent@brand.example", SECRET)._auth_header},
    ],
    ids=["bearer", "shopify-header", "basic"],
)
def test_an_error_body_echoing_the_credential_is_quoted_without_it(headers: dict[str, str]) -> None:
    request = httpx.Request("GET", f"{BASE}/api/users", headers=headers)
    for status in (400, 401, 403, 422, 429, 500):
        echo = {"error": f"credential {SECRET} refused", "description": f"got {headers}"}
        response = httpx.Response(status, json=echo, request=request)
        with pytest.raises(connectors.ConnectorError) as caught:
            raise_for_answer(response, vendor="v", credential="c", secret_env="ENV")  # noqa: S106 - a name
        assert SECRET[:8] not in str(caught.value)
        assert "[REDACTED]" in str(caught.value)


def test_absurdly_nested_json_is_not_json_to_the_connector() -> None:
    request = httpx.Request("GET", f"{BASE}/api/users")
    response = httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, request=request)
    response.headers["content-type"] = "application/json"
    with pytest.raises(UnexpectedShape, match="non-JSON instead of JSON"):
        raise_for_answer(response, vendor="v", credential="c", secret_env="ENV")  # noqa: S106 - a name


def test_helpers_describe_values_by_kind_never_by_content() -> None:
    where = "v: GET /x"
    with pytest.raises(UnexpectedShape, match=r"^v: GET /x: expected an object with a 'users' list, found a string$"):
        _shape.list_in("s3cr3t-value", "users", where)
    with pytest.raises(UnexpectedShape, match="found an object without 'users'"):
        _shape.list_in({"user": []}, "users", where)
    with pytest.raises(UnexpectedShape, match=r"expected 'users' to hold objects, found a number at \[1\]"):
        list(_shape.records({"users": [{}, 5]}, "users", where))
    with pytest.raises(UnexpectedShape, match="'id' to be a number or a string, found a boolean"):
        _shape.record_id({"id": True}, where)
    with pytest.raises(UnexpectedShape, match="'name' to be text, found a JSON array"):
        _shape.field_str({"name": ["x"]}, "name", where)
    with pytest.raises(UnexpectedShape, match="'has_more' to be true or false, found a string"):
        _shape.flag({"has_more": "true"}, "has_more", where)
    assert _shape.record_id({"id": 17}, where) == "17"
    assert _shape.field_str({"n": None}, "n", where) == ""
    assert _shape.field_str({"n": 4}, "n", where) == "4"
    assert _shape.next_page("", where) is None
    assert _shape.field_object({}, "meta", where) == {}


def test_collect_isolates_a_connector_that_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Given two vendors, one whose connector has a bug that raises with the credential in its message...
    def broken(self: Any) -> VendorSnapshot:
        raise RuntimeError(f"bug while reading with {SECRET}\nsecond line")

    monkeypatch.setattr(ZendeskConnector, "snapshot", broken)
    monkeypatch.setattr(ShopifyConnector, "snapshot", lambda self: VendorSnapshot(self.name, "shopify", users=[]))
    profile = tmp_path / "audit.toml"
    profile.write_text(
        'version = 1\nmode = "sandbox"\n'
        '[vendors.zendesk]\ntype = "zendesk"\nbase_url = "https://z.invalid"\n'
        '[[vendors.zendesk.credentials]]\nname = "c"\nauth = "oauth"\nsecret_env = "Z_TOKEN"\n'
        'allowed_scopes = ["read"]\n'
        '[vendors.shop]\ntype = "shopify"\nbase_url = "https://s.invalid"\n'
        '[[vendors.shop.credentials]]\nname = "c"\nauth = "access_token"\nsecret_env = "S_TOKEN"\n'
        'allowed_scopes = ["read_orders"]\n'
    )
    collection = connectors.collect(load_profile(profile), environ={"Z_TOKEN": SECRET, "S_TOKEN": "shpat_other"})
    collection.close()
    # ...the other vendor's snapshot is untouched, and the broken one says why for every check.
    assert collection.snapshots["shop"].users == []
    snapshot = collection.snapshots["zendesk"]
    assert snapshot.users is None
    assert {e.what for e in snapshot.errors} == set(COLLECTED)
    for error in snapshot.errors:
        assert error.kind == "internal"
        assert (
            error.message
            == "the zendesk connector stopped on RuntimeError: bug while reading with [REDACTED] second line"
        )
