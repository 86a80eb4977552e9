"""Shopify Admin REST: grants from access_scopes.json, staff without 2FA state, order and customer notes.

Quirks (shared/reference/vendor-apis.md section 1): pagination is by `Link` + `page_info`, after which
only `limit` and `fields` may be sent; staff 2FA is not exposed by any Admin API; the REST bucket
holds 40 requests and leaks 2/s (https://shopify.dev/docs/api/admin-rest/usage/rate-limits).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import httpx

from vendor_audit.model import Grants, MFAEnforcement, MFAState, Payload, User, VendorSnapshot
from vendor_audit.vendors import VendorSpec, WorkflowStep

from ._base import ROUND_TICKETS, Session, attempt, collect_grants, endpoint_of, guarded, step
from ._pacing import Budget, Rate
from ._pagination import iter_pages, next_link
from ._shape import MissingIds, expect_object, field_list, field_str, record_id, records, unexpected

TYPE = "shopify"
DEFAULT_VERSION = "2026-10"
USAGE_HEADER = "x-shopify-shop-api-call-limit"


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
    # Standard plan: 40 in the bucket, 2/s leak; keep a few slots for other apps on the same store.
    return Budget([Rate(per_second=2.0, burst=36)], usage_header=USAGE_HEADER)


def users_from(body: Any, vendor: str, version: str = DEFAULT_VERSION) -> list[User]:
    """Staff from GET /users.json (Plus only); there is no 2FA field to read."""
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
                mfa=MFAState.NOT_EXPOSED,
                source="GET /admin/api/{version}/users.json",
            )
        )
    return users


def order_payloads(order: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    resource = f"orders/{ids(order, where)}"
    if note := field_str(order, "note", where):
        yield Payload(vendor, resource, "note", note)
    for i, attribute in enumerate(field_list(order, "note_attributes", where)):
        value = field_str(expect_object(attribute, where, "'note_attributes' to hold objects"), "value", where)
        if value:
            yield Payload(vendor, resource, f"note_attributes[{i}].value", value)


def customer_payloads(customer: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    if note := field_str(customer, "note", where):
        yield Payload(vendor, f"customers/{ids(customer, where)}", "note", note)


class ShopifyConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name
        self.version = self.primary.vendor.api_version or DEFAULT_VERSION

    def _rest(self, resource: str) -> str:
        return f"/admin/api/{self.version}/{resource}.json"

    def grants(self, session: Session) -> Grants:
        body, _ = session.get("/admin/oauth/access_scopes.json")
        where = f"{self.name}: GET /admin/oauth/access_scopes.json"
        # A scope whose handle cannot be read would vanish from the least-privilege check: a shape error.
        handles = [field_str(s, "handle", where) for s in records(body, "access_scopes", where)]
        if "" in handles:
            raise unexpected(where, "every access scope to have a 'handle'", "one without")
        scopes = frozenset(handles)
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            scopes,
            None,
            None,
            "GET /admin/oauth/access_scopes.json",
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
        where = self._where("orders")
        for order in self._list(
            "orders", "orders", {"status": "any", "limit": 250, "fields": "id,note,note_attributes"}
        ):
            yield from order_payloads(order, self.name, ids, where)
        where = self._where("customers")
        for customer in self._list("customers", "customers", {"limit": 250, "fields": "id,note"}):
            yield from customer_payloads(customer, self.name, ids, where)
        ids.raise_if_any()

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(
            snapshot, "users", lambda: users_from(self.primary.get(self._rest("users"))[0], self.name, self.version)
        )
        snapshot.mfa_enforcement = MFAEnforcement(self.name, None, "staff", "not exposed by the Shopify Admin API")
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot


def workflow(connector: ShopifyConnector, writes: bool) -> list[WorkflowStep]:
    """One agent's round: look up the customer's orders and the customer, once per ticket of the round."""
    session, rest = connector.primary, connector._rest
    out: list[WorkflowStep] = []
    for _ in ROUND_TICKETS:
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
)
