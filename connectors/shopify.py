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

from ._base import Session, attempt, collect_grants, endpoint_of, guarded
from ._pacing import Budget, Rate
from ._pagination import iter_pages, next_link

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


def users_from(body: Any, vendor: str) -> list[User]:
    """Staff from GET /users.json (Plus only); there is no 2FA field to read."""
    users = []
    for raw in body.get("users", []):
        admin = bool(raw.get("account_owner")) or "full" in (raw.get("permissions") or [])
        users.append(
            User(
                vendor=vendor,
                id=str(raw["id"]),
                name=f"{raw.get('first_name') or ''} {raw.get('last_name') or ''}".strip(),
                email=raw.get("email") or "",
                role="admin" if admin else "agent",
                vendor_role="account_owner" if raw.get("account_owner") else ",".join(raw.get("permissions") or []),
                active=True,  # the REST User has no active flag; locked staff cannot log in at all
                mfa=MFAState.NOT_EXPOSED,
                source="GET /admin/api/{version}/users.json",
            )
        )
    return users


def order_payloads(order: dict[str, Any], vendor: str) -> Iterator[Payload]:
    resource = f"orders/{order['id']}"
    if order.get("note"):
        yield Payload(vendor, resource, "note", str(order["note"]))
    for i, attribute in enumerate(order.get("note_attributes") or []):
        if attribute.get("value") not in (None, ""):
            yield Payload(vendor, resource, f"note_attributes[{i}].value", str(attribute["value"]))


def customer_payloads(customer: dict[str, Any], vendor: str) -> Iterator[Payload]:
    if customer.get("note"):
        yield Payload(vendor, f"customers/{customer['id']}", "note", str(customer["note"]))


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
        scopes = frozenset(s["handle"] for s in body.get("access_scopes", []))
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            scopes,
            None,
            None,
            "GET /admin/oauth/access_scopes.json",
        )

    def _list(self, resource: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        def fetch(url: str | None) -> tuple[Any, Any]:
            return self.primary.get(url or self._rest(resource), params=None if url else params)

        for body in iter_pages(fetch, lambda body, headers: next_link(headers)):
            yield from body.get(key, [])

    def iter_payloads(self) -> Iterator[Payload]:
        for order in self._list(
            "orders", "orders", {"status": "any", "limit": 250, "fields": "id,note,note_attributes"}
        ):
            yield from order_payloads(order, self.name)
        for customer in self._list("customers", "customers", {"limit": 250, "fields": "id,note"}):
            yield from customer_payloads(customer, self.name)

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(
            snapshot, "users", lambda: users_from(self.primary.get(self._rest("users"))[0], self.name)
        )
        snapshot.mfa_enforcement = MFAEnforcement(
            self.name, None, "staff", "not exposed by the Shopify Admin API (Organization settings > Security)"
        )
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot
