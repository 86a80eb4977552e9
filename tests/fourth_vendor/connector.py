"""Freshdesk, a fourth vendor kept outside the package: its whole connector in this one module.

Freshdesk API v2 (https://developers.freshdesk.com/api/): Basic auth with the API key as the user name and
"X" as the password (#authentication); agents carry `role_ids` and their contact's `last_login_at` (#agents),
whose names come from GET /api/v2/roles (#roles); lists are bare JSON arrays paged by `page`/`per_page`
(at most 100) with a `link` header to the next page (#pagination); the ticket list holds only the last 30
days unless `updated_since` is given (#list_all_tickets); a ticket's replies and notes are at
GET /api/v2/tickets/{id}/conversations (#list_all_ticket_notes). Nothing in the API tells an agent's 2FA,
the account's 2FA policy or an API key's scopes: a key acts with its agent's roles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from vendor_audit.connectors import Budget, Rate
from vendor_audit.connectors._base import (
    ROUND_TICKETS,
    Session,
    attempt,
    collect_grants,
    endpoint_of,
    guarded,
    step,
)
from vendor_audit.connectors._pagination import iter_pages, next_link
from vendor_audit.model import CollectionError, Grants, MFAEnforcement, MFAState, Payload, User, VendorSnapshot
from vendor_audit.vendors import VendorSpec, WorkflowStep

TYPE = "freshdesk"
# Every ticket changed since then: without updated_since the list stops 30 days back (#list_all_tickets).
SINCE = "2000-01-01T00:00:00Z"
ADMIN_ROLES = {"Account Administrator", "Administrator"}


def make_auth(auth: str, secret: str, email: str | None) -> httpx.Auth:
    return httpx.BasicAuth(secret, "X")  # the password is ignored; "X" is what the docs write


def make_budget() -> Budget:
    # Per-minute limits by plan (#ratelimit); 200/min is the Growth plan's, kept a little under.
    return Budget([Rate(per_second=200 / 60 * 0.9, burst=10)], remaining_header="x-ratelimit-remaining")


class FreshdeskConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name
        self._roles: dict[int, str] | None = None

    def _pages(self, path: str, params: dict[str, Any], session: Session | None = None) -> Iterator[dict[str, Any]]:
        session = session or self.primary

        def fetch(url: str | None) -> tuple[Any, Any]:
            return session.get(url or path, params=None if url else params)

        for body in iter_pages(fetch, lambda body, headers: next_link(headers)):
            yield from body if isinstance(body, list) else []

    def role_names(self, role_ids: list[int]) -> list[str]:
        if self._roles is None:
            self._roles = {r["id"]: r["name"] for r in self._pages("/api/v2/roles", {"per_page": 100})}
        return sorted(self._roles.get(i, f"role {i}") for i in role_ids)

    def grants(self, session: Session) -> Grants:
        me, _ = session.get("/api/v2/agents/me")
        names = self.role_names(me.get("role_ids") or [])
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            None,  # an API key has no scopes: it acts with its agent's roles
            ",".join(names) or None,
            str(me["id"]),
            "GET /api/v2/agents/me, GET /api/v2/roles",
        )

    def users(self) -> list[User]:
        users = []
        for raw in self._pages("/api/v2/agents", {"per_page": 100}):
            contact = raw.get("contact") or {}
            names = self.role_names(raw.get("role_ids") or [])
            users.append(
                User(
                    vendor=self.name,
                    id=str(raw["id"]),
                    name=contact.get("name") or "",
                    email=contact.get("email") or "",
                    role="admin" if ADMIN_ROLES & set(names) else "agent",
                    vendor_role=",".join(names),
                    active=bool(contact.get("active", True)),
                    mfa=MFAState.NOT_EXPOSED,
                    source="GET /api/v2/agents",
                )
            )
        return users

    def iter_payloads(self) -> Iterator[Payload]:
        params = {"updated_since": SINCE, "per_page": 100, "include": "description"}
        for ticket in self._pages("/api/v2/tickets", params):
            resource = f"tickets/{ticket['id']}"
            for field in ("subject", "description_text"):
                if ticket.get(field):
                    yield Payload(self.name, resource, field, str(ticket[field]))
            for note in self._pages(f"/api/v2/tickets/{ticket['id']}/conversations", {"per_page": 100}):
                if note.get("body_text"):
                    yield Payload(self.name, f"{resource}/conversations/{note['id']}", "body_text", note["body_text"])

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = MFAEnforcement(self.name, None, "agents", "not exposed by the Freshdesk API")
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        # What this connector does not read says where a person finds it: the checks make each a manual finding.
        for what, where in (
            ("tokens", "Freshdesk: Profile settings > API key, per agent"),
            ("security_settings", "Freshdesk: Admin > Security"),
            ("data_flows", "Freshdesk: Admin > Automations and Admin > Apps"),
        ):
            snapshot.errors.append(CollectionError(self.name, what, "not_exposed", where))
        return snapshot


def workflow(connector: FreshdeskConnector, writes: bool) -> list[WorkflowStep]:
    """One agent's round: the queue, a ticket and its conversation."""
    session, name = connector.primary, "freshdesk GET /api/v2/tickets"
    out: list[WorkflowStep] = []
    for i in ROUND_TICKETS:
        out += [
            step(session, f"{name} (queue)", "GET", "/api/v2/tickets", params={"per_page": 25}),
            step(session, f"{name}/{{id}}", "GET", f"/api/v2/tickets/{i}"),
            step(session, f"{name}/{{id}}/conversations", "GET", f"/api/v2/tickets/{i}/conversations"),
        ]
    return out


VENDOR = VendorSpec(
    type=TYPE,
    auth_kinds={"api_key": False},  # the key alone signs in; no email
    make_auth=make_auth,
    make_budget=make_budget,
    connector=FreshdeskConnector,
    workflow=workflow,
    mfa_setting_hint="Freshdesk: Admin > Account > Security, two-factor authentication for agents",
    pan_redaction_hint="Freshdesk: delete the conversation, or redact it (Admin > Redact data)",
    evidence_headers=("x-ratelimit-total", "x-ratelimit-remaining"),
)
