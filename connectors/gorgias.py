"""Gorgias REST: the API key's role, users without 2FA state, tickets, every message, customer notes.

Quirks (shared/reference/vendor-apis.md section 3): API keys carry their user's role, read from
`GET /api/users/0`; OAuth scopes come back only in the token response, so they cannot be read here;
cursors are opaque and short-lived; 40 requests per 20 s per key
(https://developers.gorgias.com/reference/limitations); satisfaction surveys come as a bare array or in the
`data` envelope (both read, a full bare page is not taken for the whole list). Payload timestamps (naive,
`+00:00` or `+0000`) are not parsed here, the export schemas accept all three; a user's `created_datetime` is.

Access, credentials, settings and flows (issue 15): the User object has `created_datetime`, `active` and
`deactivated_datetime` but no last sign-in (https://developers.gorgias.com/reference/users), so
`login_exposed` stays False and the dormancy checks say `manual`. No endpoint lists the account's API keys or
OAuth grants, nor its security settings: both are `not_exposed`, naming where a person looks. Outbound flows
are the integrations (https://developers.gorgias.com/reference/integrations): an `http` integration carries
`http.url`, `http.method`, `http.headers` and `http.triggers`; every other type (email, shopify, chat...) is one of
Gorgias's own managed connections, which the API describes by type and name only, listed as an `app` flow
whose destination the vendor does not say.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx

from vendor_audit.model import (
    CollectionError,
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
from ._outbound import header_secrets, parse_time, safe_destination
from ._pacing import Budget, Rate
from ._pagination import iter_pages
from ._sandbox_proof import SandboxProof, ask, declared_account
from ._shape import (
    MissingIds,
    expect_object,
    field_object,
    field_str,
    next_page,
    objects,
    optional_id,
    record_id,
    records,
    unexpected,
)
from ._writes import PendingWrite, UndoStep, WriteUndo
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


def user_from(raw: dict[str, Any], vendor: str, where: str = "GET /api/users") -> User:
    """A Gorgias user (https://developers.gorgias.com/reference/users): no 2FA, no last sign-in."""
    vendor_role = field_str(field_object(raw, "role", where), "name", where)
    return User(
        vendor=vendor,
        id=record_id(raw, where),
        name=field_str(raw, "name", where),
        email=field_str(raw, "email", where),
        role=ROLES.get(vendor_role, "agent"),
        vendor_role=vendor_role,
        # `active` false or a `deactivated_datetime`: deactivated, though the user is still listed.
        active=bool(raw.get("active", True)) and not raw.get("deactivated_datetime"),
        mfa=MFAState.NOT_EXPOSED,
        source="GET /api/users",
        created_at=parse_time(raw.get("created_datetime"), where, "created_datetime"),
        login_exposed=False,  # the User object has no last sign-in field: dormancy is checked by hand
    )


# Where a person finds what the API does not list (vendor-apis.md 3.2 and 3.4).
TOKENS_NOT_EXPOSED = (
    "the Gorgias API lists no API keys or OAuth grants; a person checks Settings > REST API (each user's API key, "
    "https://developers.gorgias.com/docs/access-tokens-api-keys) and the apps installed on the account "
    "(Settings > Apps / App Store, the OAuth apps and what they were granted)"
)
SECURITY_NOT_EXPOSED = (
    "the Gorgias API exposes no account security settings; a person checks Settings > Access management "
    "(Require 2FA for all users, Google / Microsoft sign-in; "
    "https://docs.gorgias.com/en-US/manage-account-access-in-gorgias-214445)"
)


def flow_from(raw: dict[str, Any], vendor: str, where: str) -> DataFlow:
    """One integration as a data flow (https://developers.gorgias.com/reference/integrations).

    `http` integrations send ticket data to `http.url` on the `http.triggers` that are true, with the configured
    `http.headers`; the names of those holding a secret are kept, never their values. Other types are Gorgias's
    managed connections (email, shopify, facebook...): the API gives their type and name, not where they send.
    """
    kind = field_str(raw, "type", where)
    if not kind:
        raise unexpected(where, "every integration to have a 'type'", "one without")
    name = field_str(raw, "name", where)[:200]
    active = not raw.get("deactivated_datetime")
    if kind != "http":
        return DataFlow(
            vendor,
            "app",
            record_id(raw, where),
            name or kind,
            None,
            active,
            f"GET /api/integrations ({kind})",
            topics=(kind,),
        )
    http = field_object(raw, "http", where)
    url = field_str(http, "url", where)
    if not url:  # an HTTP integration that names no URL would leave the inventory without its destination
        raise unexpected(where, "an http integration to have 'http.url'", "one without")
    destination, in_url = safe_destination(url)
    headers = header_secrets(field_object(http, "headers", where), where)
    triggers = field_object(http, "triggers", where)
    method = field_str(http, "method", where).upper() or "GET"
    return DataFlow(
        vendor,
        "http_integration",
        record_id(raw, where),
        name or f"{method} integration",
        destination,
        active,
        f"GET /api/integrations (http, {method})",
        secret_headers=tuple(sorted({*headers, *in_url})),
        topics=tuple(sorted(str(t)[:100] for t, on in triggers.items() if on is True)),
    )


def message_payloads(message: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    resource = f"tickets/{ids(message, where, key='ticket_id')}/messages/{ids(message, where)}"
    # stripped_text and body_html repeat body_text; scanning one keeps a PAN to one finding.
    text = (
        field_str(message, "body_text", where)
        or field_str(message, "stripped_text", where)
        or field_str(message, "body_html", where)
    )
    if text:
        yield Payload(vendor, resource, "body_text", text)


class GorgiasConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name

    def grants(self, session: Session) -> Grants:
        me, _ = session.get("/api/users/0")
        where = f"{self.name}: GET /api/users/0"
        me = expect_object(me, where, "the current user object")
        role = field_str(field_object(me, "role", where), "name", where) or None
        source = "GET /api/users/0"
        if session.credential.auth == "oauth":
            source += " (OAuth scopes are only in the token response, not readable through the API)"
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            None,
            role,
            optional_id(me, where),
            source,
        )

    def _list(self, path: str, params: dict[str, Any], *, bare: bool = False) -> Iterator[dict[str, Any]]:
        """The records of a cursor-paged list: {"data": [...], "meta": {"next_cursor": ...}}.

        Args:
            path: the list endpoint.
            params: its query parameters (the cursor is added page by page); `limit` is the page size.
            bare: also accept a bare JSON array, a single page, where the vendor documents one. A bare array
                as long as the page size may have more behind it, with no cursor to reach them: its records
                are read, then the list is an error (the audit cannot know it saw them all), never complete.
        """
        where = f"{self.name}: GET {path}"

        def fetch(cursor: str | None) -> tuple[Any, Any]:
            return self.primary.get(path, params=params | ({"cursor": cursor} if cursor else {}))

        def following(body: Any, headers: Any) -> str | None:
            # https://developers.gorgias.com/reference/pagination-1: next_cursor null ends the list
            if bare and isinstance(body, list):
                if len(body) >= int(params.get("limit", 30)):
                    raise unexpected(
                        where, "a bare array shorter than the page size (it has no cursor to the rest)", "a full page"
                    )
                return None
            meta = field_object(expect_object(body, where), "meta", where)
            return next_page(meta.get("next_cursor"), where, "a cursor")

        for body in iter_pages(fetch, following):
            if bare and isinstance(body, list):
                tally(records=len(body))  # the run's progress (vendor_audit.progress); records() counts the rest
                yield from objects(body, where)
            else:
                yield from records(body, "data", where)

    def users(self) -> list[User]:
        where = f"{self.name}: GET /api/users"
        return [user_from(raw, self.name, where) for raw in self._list("/api/users", {"limit": 100})]

    def data_flows(self) -> list[DataFlow]:
        where = f"{self.name}: GET /api/integrations"
        return [flow_from(raw, self.name, where) for raw in self._list("/api/integrations", {"limit": 100})]

    def iter_payloads(self) -> Iterator[Payload]:
        ids = MissingIds()
        where = f"{self.name}: GET /api/tickets"
        for ticket in self._list("/api/tickets", {"limit": 100, "order_by": "created_datetime:asc"}):
            if subject := field_str(ticket, "subject", where):
                yield Payload(self.name, f"tickets/{ids(ticket, where)}", "subject", subject)
        where = f"{self.name}: GET /api/messages"
        for message in self._list("/api/messages", {"limit": 100}):
            yield from message_payloads(message, self.name, ids, where)
        where = f"{self.name}: GET /api/customers"
        for customer in self._list("/api/customers", {"limit": 100}):
            if note := field_str(customer, "note", where):
                yield Payload(self.name, f"customers/{ids(customer, where)}", "note", note)
        where = f"{self.name}: GET /api/satisfaction-surveys"
        # Gorgias's reference (https://developers.gorgias.com/reference/satisfaction-surveys, and its OpenAPI
        # schema) declares a bare array; Airbyte's source-gorgias manifest and mocks read a `data` envelope
        # (airbytehq/airbyte, airbyte-integrations/connectors/source-gorgias/manifest.yaml): accept both.
        # The other lists stay envelope-only: the one vendor document declaring any of them bare (tickets, users,
        # messages) is the 2016 Swagger of the offset API removed since (gorgias/gorgias-api-docs data/openapi.json;
        # vendor-apis.md 3.6), whose 50-record pages a bare array could not be told complete by.
        for survey in self._list("/api/satisfaction-surveys", {"limit": 100}, bare=True):
            if text := field_str(survey, "body_text", where):
                yield Payload(self.name, f"satisfaction-surveys/{ids(survey, where)}", "body_text", text)
        ids.raise_if_any()

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = MFAEnforcement(self.name, None, "all users", "not exposed by the Gorgias API")
        # Not exposed at all: None with a `not_exposed` error naming where to look, so the checks say `manual`.
        for what, where_to_look in (("tokens", TOKENS_NOT_EXPOSED), ("security_settings", SECURITY_NOT_EXPOSED)):
            snapshot.errors.append(CollectionError(self.name, what, "not_exposed", f"{self.name}: {where_to_look}"))
        snapshot.data_flows = attempt(snapshot, "data_flows", self.data_flows)
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot


def workflow(connector: GorgiasConnector, writes: bool) -> list[WorkflowStep]:
    """One agent's round: the queue, a ticket and its messages."""
    session = connector.primary
    out: list[WorkflowStep] = []
    for i in ROUND_TICKETS:
        out += [
            step(session, "gorgias GET /api/tickets (queue)", "GET", "/api/tickets", params={"limit": 25}),
            step(session, "gorgias GET /api/tickets/{id}", "GET", f"/api/tickets/{i}"),
            step(session, "gorgias GET /api/messages?ticket_id=", "GET", "/api/messages", params={"ticket_id": i}),
        ]
    return out


def prove_sandbox(session: Session, vendor: Vendor) -> SandboxProof:
    """Gorgias has no sandbox flag: the account's domain, as it names itself, must be a declared sandbox.

    The Account object holds `domain`, `created_datetime`, `deactivated_datetime`, `settings` and `status`, nothing
    that says sandbox (https://developers.gorgias.com/reference/the-account-object); the developer portal's sandbox
    is an ordinary account handed out on registration (https://developers.gorgias.com/docs/1-register-on-developer-portal).
    """
    where = f"{vendor.name}: GET /api/account"

    def read() -> str:
        body, _ = session.get("/api/account")
        return field_str(expect_object(body, where, "the account object"), "domain", where)

    return ask(
        vendor, "GET /api/account (its domain)", read, lambda domain: declared_account(vendor, domain, "gorgias.com")
    )


_NEW_MESSAGE = re.compile(r"^/api/tickets/(\d+)/messages/?$")


def plan_undo(write: PendingWrite, answer: Any, before: Any) -> UndoStep | str:
    """A message the audit added to a ticket is deleted: DELETE /api/tickets/{ticket_id}/messages/{id}.

    Messages live at /api/tickets/{ticket_id}/messages/{id}, where Update a message is PUT
    (https://developers.gorgias.com/reference/the-ticketmessage-object); the delete's own reference page was not
    retrieved (shared/reference/vendor-apis.md 3.5): an account that refuses it leaves the write listed as not undone.
    """
    found = _NEW_MESSAGE.match(write.path)
    message = answer.get("id") if isinstance(answer, dict) else None
    if write.method != "POST" or found is None:
        return f"Gorgias: no undo is known for {write.method} {write.path} (only a message the audit added)"
    if not isinstance(message, int) or isinstance(message, bool):
        return "Gorgias: the answer named no message id to delete"
    return UndoStep("DELETE", f"/api/tickets/{found[1]}/messages/{message}", None, "delete the message")


VENDOR = VendorSpec(
    type=TYPE,
    # https://developers.gorgias.com/docs/access-tokens-api-keys: an API key is Basic {email}:{key}
    auth_kinds={"api_key": True, "oauth": False},
    make_auth=make_auth,
    make_budget=make_budget,
    connector=GorgiasConnector,
    workflow=workflow,
    # https://docs.gorgias.com/en-US/manage-account-access-in-gorgias-214445
    mfa_setting_hint="Gorgias: Settings > Access management, Require 2FA for all users",
    pan_redaction_hint="Gorgias: delete the message, or edit the customer note",
    evidence_headers=(USAGE_HEADER,),
    sandbox_proof=prove_sandbox,
    declared_sandboxes=True,
    undo_write=WriteUndo(plan=plan_undo),
)
