"""Gorgias REST: the API key's role, users without 2FA state, tickets, every message, customer notes.

Quirks (shared/reference/vendor-apis.md section 3): API keys carry their user's role, read from
`GET /api/users/0`; OAuth scopes come back only in the token response, so they cannot be read here;
cursors are opaque and short-lived; 40 requests per 20 s per key
(https://developers.gorgias.com/reference/limitations).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from vendor_audit.model import Grants, MFAEnforcement, MFAState, Payload, User, VendorSnapshot

from ._base import Session, attempt, collect_grants, endpoint_of, guarded
from ._pacing import Budget, Rate
from ._pagination import iter_pages
from .zendesk import BearerAuth

TYPE = "gorgias"
USAGE_HEADER = "x-gorgias-account-api-call-limit"
ROLES = {
    "admin": "admin",
    "agent": "agent",
    "lite-agent": "agent",
    "basic-agent": "agent",
    "internal-agent": "agent",
    "observer-agent": "observer",
    "bot": "bot",
}


def make_auth(auth: str, secret: str, email: str | None) -> httpx.Auth:
    if auth == "api_key":
        return httpx.BasicAuth(email or "", secret)
    return BearerAuth(secret)


def make_budget() -> Budget:
    return Budget([Rate(per_second=2.0, burst=36)], usage_header=USAGE_HEADER)


def user_from(raw: dict[str, Any], vendor: str) -> User:
    vendor_role = ((raw.get("role") or {}).get("name")) or ""
    return User(
        vendor=vendor,
        id=str(raw["id"]),
        name=raw.get("name") or "",
        email=raw.get("email") or "",
        role=ROLES.get(vendor_role, "agent"),
        vendor_role=vendor_role,
        active=bool(raw.get("active", True)) and not raw.get("deactivated_datetime"),
        mfa=MFAState.NOT_EXPOSED,
        source="GET /api/users",
    )


def message_payloads(message: dict[str, Any], vendor: str) -> Iterator[Payload]:
    resource = f"tickets/{message['ticket_id']}/messages/{message['id']}"
    # stripped_text and body_html repeat body_text; scanning one keeps a PAN to one finding.
    text = message.get("body_text") or message.get("stripped_text") or message.get("body_html")
    if text:
        yield Payload(vendor, resource, "body_text", str(text))


class GorgiasConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name

    def grants(self, session: Session) -> Grants:
        me, _ = session.get("/api/users/0")
        role = ((me.get("role") or {}).get("name")) or None
        source = "GET /api/users/0"
        if session.credential.auth == "oauth":
            source += " (OAuth scopes are only in the token response, not readable through the API)"
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            None,
            role,
            str(me.get("id")) if me.get("id") is not None else None,
            source,
        )

    def _list(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        def fetch(cursor: str | None) -> tuple[Any, Any]:
            return self.primary.get(path, params=params | ({"cursor": cursor} if cursor else {}))

        for body in iter_pages(fetch, lambda body, headers: (body.get("meta") or {}).get("next_cursor")):
            yield from body.get("data", [])

    def users(self) -> list[User]:
        return [user_from(raw, self.name) for raw in self._list("/api/users", {"limit": 100})]

    def iter_payloads(self) -> Iterator[Payload]:
        for ticket in self._list("/api/tickets", {"limit": 100, "order_by": "created_datetime:asc"}):
            if ticket.get("subject"):
                yield Payload(self.name, f"tickets/{ticket['id']}", "subject", str(ticket["subject"]))
        for message in self._list("/api/messages", {"limit": 100}):
            yield from message_payloads(message, self.name)
        for customer in self._list("/api/customers", {"limit": 100}):
            if customer.get("note"):
                yield Payload(self.name, f"customers/{customer['id']}", "note", str(customer["note"]))
        for survey in self._list("/api/satisfaction-surveys", {"limit": 100}):
            if survey.get("body_text"):
                yield Payload(self.name, f"satisfaction-surveys/{survey['id']}", "body_text", str(survey["body_text"]))

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = MFAEnforcement(
            self.name, None, "all users", "not exposed by the Gorgias API (Settings > Access management)"
        )
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot
