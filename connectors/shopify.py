"""Shopify Admin API: GraphQL by default, REST (legacy since 2024-10) for older custom apps (`api = "rest"`).

GraphQL (https://shopify.dev/docs/api/admin-graphql): grants from `currentAppInstallation.accessScopes`,
staff from `staffMembers` (Plus and Advanced only; no 2FA field), order and customer notes through cursor
connections; errors are 200s with `errors[].extensions.code` (connectors/_graphql.py paces by query cost and
retries THROTTLED; ACCESS_DENIED becomes PermissionDenied here). REST (vendor-apis.md section 1): pagination
by `Link` + `page_info`, after which only `limit` and `fields` may be sent; the bucket holds 40 requests and
leaks 2/s (https://shopify.dev/docs/api/admin-rest/usage/rate-limits); User carries the undocumented
`"tfa_enabled?"` in Shopify's own generated examples, read where present. Either way, a token without
read_all_orders sees only the last 60 days of orders (https://shopify.dev/docs/api/usage/access-scopes): a
coverage limit on the card scan, stated as such.

Access, credentials, settings and flows (issue 15): StaffMember has no last sign-in field, only
`privateData.createdAt` (https://shopify.dev/docs/api/admin-graphql/latest/objects/StaffMember); the REST User
has neither, so `login_exposed` stays False and the dormancy checks say `manual`. An app cannot list the store's
access tokens (it holds only its own), and no Admin API exposes the store's security settings: both are
`not_exposed`, naming where a person looks. Outbound flows are the app's webhook subscriptions: GraphQL
`webhookSubscriptions` with `uri`, the field that replaced `endpoint`/`callbackUrl` in 2025-10
(https://shopify.dev/changelog/consolidate-webhook-graphql-surfaces), and REST `GET /webhooks.json`
(`id, address, topic, format`: https://shopify.dev/docs/api/admin-rest/latest/resources/webhook), named by the
numeric id in both modes. Shopify returns only the calling app's shop-scoped subscriptions: other apps' ones,
app-specific (shopify.app.toml) ones and those made in the admin stay unseen, a coverage limit stated as such.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from typing import Any

import httpx
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, value_from_ast_untyped

from vendor_audit.model import (
    CollectionError,
    CoverageLimit,
    DataFlow,
    Grants,
    MFAEnforcement,
    MFAState,
    Payload,
    User,
    VendorSnapshot,
)
from vendor_audit.profile import Vendor
from vendor_audit.progress import tally
from vendor_audit.vendors import VendorSpec, WorkflowStep

from ._base import ROUND_TICKETS, Session, attempt, collect_grants, endpoint_of, guarded, step
from ._errors import PermissionDenied, RateLimitedError, VendorAPIError
from ._outbound import parse_time, safe_destination
from ._pacing import Budget, Rate
from ._pagination import iter_pages, next_link
from ._sandbox_proof import SandboxProof, ask
from ._shape import (
    MissingIds,
    describe,
    expect_list,
    expect_object,
    field_list,
    field_object,
    field_str,
    flag,
    objects,
    record_id,
    records,
    unexpected,
)
from ._writes import PendingWrite, UndoStep, WriteUndo

TYPE = "shopify"
DEFAULT_VERSION = "2026-10"
USAGE_HEADER = "x-shopify-shop-api-call-limit"
GRAPHQL_PATH = "/admin/api/*/graphql.json"
PAGE = 250  # the most a connection or a REST page holds
ORDERS_WINDOW_DAYS = 60  # what a token without read_all_orders sees of orders


class TokenAuth(httpx.Auth):
    """X-Shopify-Access-Token on every request (https://shopify.dev/docs/api/admin-rest#authentication)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Shopify-Access-Token"] = self._token
        yield request


def make_auth(auth: str, secret: str, email: str | None) -> httpx.Auth:
    return TokenAuth(secret)


def make_budget() -> Budget:
    # GraphQL is paced by query cost (connectors/_graphql.py); this rate only spaces its requests. REST, Standard
    # plan: 40 in the bucket, 2/s leak; keep a few slots for other apps on the same store.
    return Budget(
        [Rate(per_second=20.0, burst=40, paths=GRAPHQL_PATH), Rate(per_second=2.0, burst=36)], usage_header=USAGE_HEADER
    )


def tfa_state(raw: dict[str, Any], where: str) -> MFAState:
    """REST User's undocumented `"tfa_enabled?"` (Shopify's generated 2025-01 examples): absent is not exposed."""
    if "tfa_enabled?" not in raw or raw["tfa_enabled?"] is None:
        return MFAState.NOT_EXPOSED
    value = raw["tfa_enabled?"]
    if not isinstance(value, bool):
        raise unexpected(where, "'tfa_enabled?' to be true or false", describe(value))
    return MFAState.ENABLED if value else MFAState.DISABLED


def users_from(body: Any, vendor: str, version: str = DEFAULT_VERSION) -> list[User]:
    """Staff from REST GET /users.json (Plus only)."""
    where = f"{vendor}: GET /admin/api/{version}/users.json"
    users = []
    for raw in records(body, "users", where):
        permissions = [str(p) for p in field_list(raw, "permissions", where)]
        admin = bool(raw.get("account_owner")) or "full" in permissions
        users.append(
            User(
                vendor=vendor,
                id=record_id(raw, where),
                name=f"{field_str(raw, 'first_name', where)} {field_str(raw, 'last_name', where)}".strip(),
                email=field_str(raw, "email", where),
                role="admin" if admin else "agent",
                vendor_role="account_owner" if raw.get("account_owner") else ",".join(permissions),
                active=True,  # the REST User has no active flag; locked staff cannot log in at all
                mfa=tfa_state(raw, where),
                source="GET /admin/api/{version}/users.json",
            )
        )
    return users


def staff_from(node: dict[str, Any], vendor: str, where: str) -> User:
    """A GraphQL StaffMember (https://shopify.dev/docs/api/admin-graphql/latest/objects/StaffMember): no 2FA field."""
    owner = flag(node, "isShopOwner", where)
    active = node.get("active")
    if not isinstance(active, bool):
        raise unexpected(where, "'active' to be true or false", describe(active))
    return User(
        vendor=vendor,
        id=record_id(node, where),
        name=field_str(node, "name", where),
        email=field_str(node, "email", where),
        role="admin" if owner else "agent",
        vendor_role="shop_owner" if owner else field_str(node, "accountType", where).lower(),
        active=active,
        mfa=MFAState.NOT_EXPOSED,
        source="GraphQL staffMembers",
        # StaffMemberPrivateData.createdAt (https://shopify.dev/docs/api/admin-graphql/latest/objects/StaffMemberPrivateData)
        created_at=parse_time(field_object(node, "privateData", where).get("createdAt"), where, "createdAt"),
        login_exposed=False,  # StaffMember has no last sign-in field
    )


# Where a person finds what the Admin API does not expose.
TOKENS_NOT_EXPOSED = (
    "the Shopify Admin API does not list the store's access tokens (an app holds only its own, without dates); "
    "a person checks Settings > Apps and sales channels > Develop apps (each custom app's Admin API access token "
    "and scopes, https://help.shopify.com/en/manual/apps/app-types/custom-apps) and the installed apps list"
)
SECURITY_NOT_EXPOSED = (
    "the Shopify Admin API exposes no account security settings; a person checks Settings > Users > Security, and "
    "on Shopify Plus Organization settings > Users > Security (two-step authentication requirement, SAML SSO; "
    "https://help.shopify.com/en/manual/organization-settings/users/security)"
)
WEBHOOKS_UNSEEN = (
    "Shopify returns only the webhook subscriptions the audit's own app made through the API: other apps' "
    "subscriptions, app-specific ones declared in shopify.app.toml and those made in Settings > Notifications > "
    "Webhooks are not listed (https://shopify.dev/docs/api/admin-rest/latest/resources/webhook, "
    "https://shopify.dev/docs/api/admin-graphql/latest/queries/webhookSubscriptions); review those in the admin "
    "and in each app's settings"
)


def webhook_flow(vendor: str, raw_id: str, topic: str, url: str, source: str, where: str) -> DataFlow:
    """A webhook subscription as a data flow: where it sends, and the topic (which data) it sends."""
    if not url:  # a subscription that names no destination would leave the inventory incomplete
        raise unexpected(where, "every webhook subscription to name its destination", "one without")
    destination, in_url = safe_destination(url)
    return DataFlow(
        vendor,
        "webhook_subscription",
        raw_id,
        topic or "webhook",
        destination,
        True,  # Shopify has no paused state: a subscription that keeps failing is removed, not disabled
        source,
        secret_headers=in_url,
        topics=(topic,) if topic else (),
    )


def order_payloads(
    order: dict[str, Any], vendor: str, ids: MissingIds, where: str, *, graphql: bool = False
) -> Iterator[Payload]:
    """An order's note and note attributes (GraphQL's customAttributes), named by the id REST shows either way."""
    resource = f"orders/{ids(order, where, key='legacyResourceId' if graphql else 'id')}"
    attributes = "customAttributes" if graphql else "note_attributes"
    if note := field_str(order, "note", where):
        yield Payload(vendor, resource, "note", note)
    for i, attribute in enumerate(field_list(order, attributes, where)):
        value = field_str(expect_object(attribute, where, f"'{attributes}' to hold objects"), "value", where)
        if value:
            yield Payload(vendor, resource, f"note_attributes[{i}].value", value)


def customer_payloads(customer: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    if note := field_str(customer, "note", where):
        yield Payload(vendor, f"customers/{ids(customer, where)}", "note", note)


def graphql_errors(body: dict[str, Any], vendor: str, credential: str, where: str) -> None:
    """Raise the ConnectorError a 200 with `errors` stands for (https://shopify.dev/docs/api/admin-graphql#status_and_error_codes)."""
    errors = body.get("errors")
    if errors is None:
        return
    if isinstance(errors, dict | str):  # REST-style {"errors": ...} on a 200: not GraphQL's list
        raise VendorAPIError(f"{where}: {str(errors)[:200]}")
    items = list(objects(expect_list(errors, where, "'errors' to be a list"), where, "'errors'"))
    codes = [field_str(field_object(e, "extensions", where), "code", where) for e in items]
    said = "; ".join(field_str(e, "message", where)[:200] for e in items)[:400] or "no error text"
    if "ACCESS_DENIED" in codes:
        raise PermissionDenied(
            f"{vendor} refused credential '{credential}' ({where}: ACCESS_DENIED {said}); grant the scope it names, "
            "or accept that this part of the audit cannot be checked"
        )
    if "THROTTLED" in codes:
        raise RateLimitedError(f"{vendor} kept answering THROTTLED at {where} ({said}); retry later")
    raise VendorAPIError(
        f"{vendor} answered errors at {where}: {', '.join(c for c in codes if c) or 'no code'}: {said}"
    )


ORDERS_QUERY = """query Orders($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    nodes { legacyResourceId note customAttributes { key value } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CUSTOMERS_QUERY = """query Customers($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    nodes { legacyResourceId note }
    pageInfo { hasNextPage endCursor }
  }
}"""
STAFF_QUERY = """query Staff($first: Int!, $after: String) {
  staffMembers(first: $first, after: $after) {
    nodes { id name email active isShopOwner accountType privateData { createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SCOPES_QUERY = "query Scopes { currentAppInstallation { accessScopes { handle } } }"
# `uri` (from 2025-10) holds every endpoint kind: https://..., pubsub://project:topic, an EventBridge ARN.
WEBHOOKS_QUERY = """query Webhooks($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { legacyResourceId topic uri }
    pageInfo { hasNextPage endCursor }
  }
}"""


class ShopifyConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name
        self.version = self.primary.vendor.api_version or DEFAULT_VERSION
        self.api = self.primary.vendor.api or "graphql"

    def _rest(self, resource: str) -> str:
        return f"/admin/api/{self.version}/{resource}.json"

    @property
    def graphql_url(self) -> str:
        return f"/admin/api/{self.version}/graphql.json"

    def graphql(self, session: Session, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of one GraphQL query; a 200 with `errors` raises what it stands for."""
        where = f"{self.name}: POST {self.graphql_url}"
        body = expect_object(session.query(self.graphql_url, query, variables or {}), where, "a GraphQL response")
        graphql_errors(body, self.name, session.credential.name, where)
        return expect_object(body.get("data"), where, "'data' to be an object")

    def _connection(self, field_name: str, query: str) -> Iterator[tuple[dict[str, Any], str]]:
        """(node, where) of every node of a connection, page by page (https://shopify.dev/docs/api/usage/pagination-graphql)."""
        where = f"{self.name}: GraphQL {field_name}"
        after: str | None = None
        seen: set[str] = set()
        while True:
            data = self.graphql(self.primary, query, {"first": PAGE, "after": after})
            found = field_object(data, field_name, where)
            nodes = expect_list(found.get("nodes"), where, "'nodes' to be a list")
            tally(records=len(nodes))  # the run's progress (vendor_audit.progress)
            for node in objects(nodes, where, "'nodes'"):
                yield node, where
            info = field_object(found, "pageInfo", where)
            if not flag(info, "hasNextPage", where):
                return
            cursor = field_str(info, "endCursor", where)
            if not cursor or cursor in seen:  # a repeated cursor would loop forever
                raise unexpected(where, "a new 'endCursor' while 'hasNextPage' is true", "none or a repeated one")
            seen.add(cursor)
            after = cursor

    def grants(self, session: Session) -> Grants:
        if self.api == "graphql":
            where = f"{self.name}: GraphQL currentAppInstallation.accessScopes"
            installation = field_object(self.graphql(session, SCOPES_QUERY), "currentAppInstallation", where)
            found = objects(expect_list(installation.get("accessScopes"), where, "'accessScopes' to be a list"), where)
            source = "GraphQL currentAppInstallation { accessScopes }"
        else:
            body, _ = session.get("/admin/oauth/access_scopes.json")
            where = f"{self.name}: GET /admin/oauth/access_scopes.json"
            found = records(body, "access_scopes", where)
            source = "GET /admin/oauth/access_scopes.json"
        # A scope whose handle cannot be read would vanish from the least-privilege check: a shape error.
        handles = [field_str(s, "handle", where) for s in found]
        if "" in handles:
            raise unexpected(where, "every access scope to have a 'handle'", "one without")
        return Grants(
            self.name, session.credential.name, session.credential.auth, frozenset(handles), None, None, source
        )

    def _where(self, resource: str) -> str:
        return f"{self.name}: GET {self._rest(resource)}"

    def _list(self, resource: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        def fetch(url: str | None) -> tuple[Any, Any]:
            return self.primary.follow(url) if url else self.primary.get(self._rest(resource), params=params)

        for body in iter_pages(fetch, lambda body, headers: next_link(headers)):
            yield from records(body, key, self._where(resource))

    def iter_payloads(self) -> Iterator[Payload]:
        ids = MissingIds()
        if self.api == "graphql":
            for node, where in self._connection("orders", ORDERS_QUERY):
                yield from order_payloads(node, self.name, ids, where, graphql=True)
            for node, where in self._connection("customers", CUSTOMERS_QUERY):
                if note := field_str(node, "note", where):
                    yield Payload(self.name, f"customers/{ids(node, where, key='legacyResourceId')}", "note", note)
            ids.raise_if_any()
            return
        where = self._where("orders")
        for order in self._list(
            "orders", "orders", {"status": "any", "limit": PAGE, "fields": "id,note,note_attributes"}
        ):
            yield from order_payloads(order, self.name, ids, where)
        where = self._where("customers")
        for customer in self._list("customers", "customers", {"limit": PAGE, "fields": "id,note"}):
            yield from customer_payloads(customer, self.name, ids, where)
        ids.raise_if_any()

    def users(self) -> list[User]:
        if self.api == "graphql":
            return [staff_from(node, self.name, where) for node, where in self._connection("staffMembers", STAFF_QUERY)]
        return users_from(self.primary.get(self._rest("users"))[0], self.name, self.version)

    def data_flows(self) -> list[DataFlow]:
        if self.api == "graphql":
            source = "GraphQL webhookSubscriptions"
            return [
                webhook_flow(
                    self.name,
                    record_id(node, where, key="legacyResourceId"),  # the REST id: the same resource either way
                    field_str(node, "topic", where),
                    field_str(node, "uri", where),
                    source,
                    where,
                )
                for node, where in self._connection("webhookSubscriptions", WEBHOOKS_QUERY)
            ]
        where, source = self._where("webhooks"), "GET /admin/api/{version}/webhooks.json"
        return [
            webhook_flow(
                self.name,
                record_id(raw, where),
                field_str(raw, "topic", where),
                field_str(raw, "address", where),
                source,
                where,
            )
            for raw in self._list("webhooks", "webhooks", {"limit": PAGE})
        ]

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = MFAEnforcement(self.name, None, "staff", "not exposed by the Shopify Admin API")
        # Not exposed at all: None with a `not_exposed` error naming where to look, so the checks say `manual`.
        for what, where_to_look in (("tokens", TOKENS_NOT_EXPOSED), ("security_settings", SECURITY_NOT_EXPOSED)):
            snapshot.errors.append(CollectionError(self.name, what, "not_exposed", f"{self.name}: {where_to_look}"))
        snapshot.data_flows = attempt(snapshot, "data_flows", self.data_flows)
        if snapshot.data_flows is not None:
            snapshot.coverage_limits.append(
                CoverageLimit(self.name, "data_flows", "webhook subscriptions of other apps", WEBHOOKS_UNSEEN)
            )
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        primary = next((g for g in snapshot.grants if g.credential == self.primary.credential.name), None)
        if primary is None or primary.scopes is None:  # the grants could not be read: the window is unknown
            snapshot.coverage_limits.append(
                CoverageLimit(
                    self.name,
                    "payloads",
                    f"orders older than {ORDERS_WINDOW_DAYS} days",
                    f"the grants of credential '{self.primary.credential.name}' could not be read, so whether it "
                    f"holds read_all_orders (without it Shopify returns only the last {ORDERS_WINDOW_DAYS} days of "
                    "orders) is unknown; fix the grants error, or scan an order export",
                )
            )
        elif "read_all_orders" not in primary.scopes:
            snapshot.coverage_limits.append(
                CoverageLimit(
                    self.name,
                    "payloads",
                    f"orders older than {ORDERS_WINDOW_DAYS} days",
                    f"credential '{self.primary.credential.name}' lacks read_all_orders, so Shopify returned only "
                    f"the last {ORDERS_WINDOW_DAYS} days of orders (https://shopify.dev/docs/api/usage/access-scopes)"
                    "; request read_all_orders for the audit's app, or scan an order export",
                )
            )
        return snapshot


CUSTOMER_ORDERS_QUERY = "query Lookup($first: Int!) { orders(first: $first) { nodes { id name note } } }"
CUSTOMER_QUERY = "query Customer($first: Int!) { customers(first: $first) { nodes { id email note } } }"


def workflow(connector: ShopifyConnector, writes: bool) -> list[WorkflowStep]:
    """One agent's round: look up the customer's orders and the customer, once per ticket of the round."""
    session, rest = connector.primary, connector._rest
    out: list[WorkflowStep] = []
    for _ in ROUND_TICKETS:
        if connector.api == "graphql":
            out += [
                step(
                    session,
                    "shopify GraphQL orders (customer's orders)",
                    "POST",
                    connector.graphql_url,
                    json={"query": CUSTOMER_ORDERS_QUERY, "variables": {"first": 5}},
                ),
                step(
                    session,
                    "shopify GraphQL customers",
                    "POST",
                    connector.graphql_url,
                    json={"query": CUSTOMER_QUERY, "variables": {"first": 5}},
                ),
            ]
            continue
        out += [
            step(
                session,
                "shopify GET /orders.json (customer's orders)",
                "GET",
                rest("orders"),
                params={"status": "any", "limit": 5},
            ),
            step(session, "shopify GET /customers.json", "GET", rest("customers"), params={"limit": 5}),
        ]
    return out


# https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopPlan: partnerDevelopment is "whether the shop is a
# partner development shop for testing purposes". displayName is deprecated for publicDisplayName, which versions
# before 2025-07 lack: displayName is asked, as every supported version answers it.
SANDBOX_QUERY = "query SandboxProof { shop { plan { partnerDevelopment displayName } } }"


def prove_sandbox(session: Session, vendor: Vendor) -> SandboxProof:
    """A development store (partner or Dev Dashboard test store) is a sandbox; any other plan is not."""
    url = f"/admin/api/{vendor.api_version or DEFAULT_VERSION}/graphql.json"
    where = f"{vendor.name}: GraphQL shop.plan"

    def read() -> dict[str, Any]:
        body = expect_object(session.query(url, SANDBOX_QUERY, {}), where, "a GraphQL response")
        graphql_errors(body, vendor.name, session.credential.name, where)
        shop = field_object(expect_object(body.get("data"), where, "'data' to be an object"), "shop", where)
        return field_object(shop, "plan", where)

    def judge(plan: dict[str, Any]) -> tuple[bool, str, str | None]:
        development, name = plan.get("partnerDevelopment"), str(plan.get("displayName"))[:60]
        shown = f"partnerDevelopment {json.dumps(development)[:20]} (plan {name!r})"
        if development is True:
            return True, f"{shown}: a development store", None
        return False, f"{shown}: not a development store", None

    return ask(vendor, f"POST {url} shop {{ plan {{ partnerDevelopment displayName }} }}", read, judge)


ORDER_NOTE_QUERY = "query OrderNote($id: ID!) { order(id: $id) { note } }"
RESTORE_NOTE = (
    "mutation RestoreNote($input: OrderInput!) { orderUpdate(input: $input) { order { id } userErrors { message } } }"
)
_REST_ORDER = re.compile(r"^/admin/api/[^/]+/orders/(\d+)\.json$")


def _order_update_input(write: PendingWrite) -> dict[str, Any] | None:
    """The `input` of a GraphQL request that is one orderUpdate changing the note alone, else None."""
    body = write.body if isinstance(write.body, dict) else {}
    try:
        document = parse(str(body.get("query", "")))
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fields = [f for o in operations for f in o.selection_set.selections if isinstance(f, FieldNode)]
    if len(fields) != 1 or fields[0].name.value != "orderUpdate":
        return None
    variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
    found = next((a.value for a in fields[0].arguments or () if a.name.value == "input"), None)
    value = None if found is None else value_from_ast_untyped(found, variables)
    if not isinstance(value, dict) or not {"id", "note"} >= set(value) or "id" not in value:
        return None
    return value


def _rest_order_note(write: PendingWrite) -> dict[str, Any] | None:
    """The `order` of a REST order update that changes the note alone, else None."""
    order = write.body.get("order") if isinstance(write.body, dict) else None
    if write.method != "PUT" or not _REST_ORDER.match(write.path) or not isinstance(order, dict):
        return None
    return order if {"id", "note"} >= set(order) and "note" in order else None


def _note_before(session: Session, write: PendingWrite) -> Any:
    """An order's note before the write changes it (None: it had none)."""
    if (found := _order_update_input(write)) is not None:
        where = f"{session.vendor.name}: GraphQL order.note"
        body = expect_object(session.query(write.path, ORDER_NOTE_QUERY, {"id": found["id"]}), where)
        order = expect_object(body.get("data"), where, "'data' to be an object").get("order")
        return expect_object(order, where, "the order").get("note")
    if _rest_order_note(write) is not None:
        where = f"{session.vendor.name}: GET {write.path}"
        body, _ = session.get(write.path)
        return field_object(expect_object(body, where), "order", where).get("note")
    return None


def _graphql_failed(answer: Any) -> str | None:
    """Why a GraphQL undo failed though answered 200: `errors`, or the mutation's `userErrors`."""
    if not isinstance(answer, dict) or answer.get("errors"):
        return "the restore was answered with GraphQL errors"
    payload = (answer.get("data") or {}).get("orderUpdate") or {}
    return "the restore was refused: " + str(payload["userErrors"])[:200] if payload.get("userErrors") else None


def plan_undo(write: PendingWrite, answer: Any, before: Any) -> UndoStep | str | None:
    """An order note is restored to what it was; Shopify's other writes have no undo here."""
    previous = before if isinstance(before, str) else ""  # an order without a note: the restore clears it
    if (found := _order_update_input(write)) is not None:
        if _graphql_failed(answer) is not None:  # ACCESS_DENIED or userErrors: the order was not changed
            return None
        restore = {"query": RESTORE_NOTE, "variables": {"input": {"id": found["id"], "note": previous}}}
        return UndoStep("POST", write.path, restore, "restore the order's note", _graphql_failed)
    if (order := _rest_order_note(write)) is not None:
        return UndoStep("PUT", write.path, {"order": {**order, "note": previous}}, "restore the order's note")
    return f"Shopify: no undo is known for {write.method} {write.path} (only an order's note is restored)"


UNDO = WriteUndo(plan=plan_undo, before=_note_before)


def implied_scopes(allowed: frozenset[str]) -> frozenset[str]:
    """write_X implies read_X, and access_scopes.json may list both (https://shopify.dev/docs/api/usage/access-scopes)."""
    return frozenset(s.replace("write_", "read_", 1) for s in allowed if s.startswith("write_"))


VENDOR = VendorSpec(
    type=TYPE,
    auth_kinds={"access_token": False},  # custom and public apps alike send X-Shopify-Access-Token
    make_auth=make_auth,
    make_budget=make_budget,
    connector=ShopifyConnector,
    workflow=workflow,
    # Plus organizations only (https://help.shopify.com/en/manual/organization-settings/users/security)
    mfa_setting_hint="Shopify Plus: Organization settings > Users > Security, require two-step authentication",
    pan_redaction_hint="Shopify: edit the order or customer note",
    evidence_headers=(USAGE_HEADER, "x-shopify-api-version"),
    versioned=True,
    implied_scopes=implied_scopes,
    # REST is legacy since 2024-10 and new public apps must use GraphQL since 2025-04
    # (https://shopify.dev/docs/api/admin-rest): GraphQL first.
    apis=("graphql", "rest"),
    graphql_path=GRAPHQL_PATH,
    sandbox_proof=prove_sandbox,
    undo_write=UNDO,
)
