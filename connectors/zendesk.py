"""Zendesk Support: OAuth scopes or the API token's role, staff 2FA, enforcement, tickets and comments.

Quirks (shared/reference/vendor-apis.md section 2): incremental exports allow 10 requests a minute
and keep answering after the end, so `end_of_stream` must end the loop
(https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/);
time-based pages overlap at `end_time`, so events are de-duplicated by id; `two_factor_auth_enabled`
may be null (unknown), as real accounts answer it for admins and agents alike; `security_settings` may lack
`authentication.agent.two_factor_enforce`, as its documented example does (not exposed).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import httpx

from vendor_audit.model import Grants, MFAEnforcement, MFAState, Payload, User, VendorSnapshot
from vendor_audit.vendors import VendorSpec, WorkflowStep

from ._base import ROUND_TICKETS, Session, attempt, collect_grants, endpoint_of, guarded, step
from ._pacing import Budget, Rate
from ._pagination import iter_pages
from ._shape import (
    MISSING_ID,
    MissingIds,
    describe,
    expect_list,
    expect_object,
    field_list,
    field_object,
    field_str,
    flag,
    next_page,
    optional_id,
    record_id,
    records,
    unexpected,
)

TYPE = "zendesk"
ROLES = {"admin": "admin", "agent": "agent", "end-user": "end-user"}


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def make_auth(auth: str, secret: str, email: str | None) -> httpx.Auth:
    if auth == "api_token":
        # https://developer.zendesk.com/api-reference/introduction/security-and-auth/#api-token
        return httpx.BasicAuth(f"{email}/token", secret)
    return BearerAuth(secret)


def make_budget() -> Budget:
    # Per-minute windows: the account (700 on Enterprise) and incremental exports (10). Paced a little
    # under the limit, and held until the window resets once X-Rate-Limit-Remaining reaches 0.
    return Budget(
        [Rate(per_second=10 / 60, burst=10, paths="/api/v2/incremental/*"), Rate(per_second=700 / 60 * 0.95, burst=20)],
        remaining_header="x-rate-limit-remaining",
        reset_header="ratelimit-reset",
    )


def mfa_state(value: Any) -> MFAState:
    if value is True:
        return MFAState.ENABLED
    if value is False:
        return MFAState.DISABLED
    return MFAState.UNKNOWN


def user_from(raw: dict[str, Any], vendor: str, where: str = "GET /api/v2/users.json") -> User:
    role = field_str(raw, "role", where)
    return User(
        vendor=vendor,
        id=record_id(raw, where),
        name=field_str(raw, "name", where),
        email=field_str(raw, "email", where),
        role=ROLES.get(role, "agent"),
        vendor_role=role,
        active=bool(raw.get("active", True)) and not raw.get("suspended", False),
        mfa=mfa_state(raw.get("two_factor_auth_enabled")),
        source="GET /api/v2/users?role[]=admin&role[]=agent",
    )


def ticket_payloads(ticket: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    resource = f"tickets/{ids(ticket, where)}"
    for field in ("subject", "description"):
        if text := field_str(ticket, field, where):
            yield Payload(vendor, resource, field, text)


def comment_payloads(event: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    """Comment child events of one ticket audit (`include=comment_events`)."""
    ticket = ids(event, where, key="ticket_id")
    for child in field_list(event, "child_events", where):
        child = expect_object(child, where, "'child_events' to hold objects")
        if field_str(child, "event_type", where) == "Comment" and (body := field_str(child, "body", where)):
            # Child events may come without an id: the documented example of the incremental ticket event
            # export shows them so (https://developer.zendesk.com/api-reference/ticketing/ticket-management/
            # incremental_exports/#incremental-ticket-event-export). Their text is scanned all the same.
            comment = ids(child, where, documented=True)
            yield Payload(vendor, f"tickets/{ticket}/comments/{comment}", "body", body)


def rating_payloads(rating: dict[str, Any], vendor: str, ids: MissingIds, where: str) -> Iterator[Payload]:
    if comment := field_str(rating, "comment", where):
        yield Payload(vendor, f"satisfaction_ratings/{ids(rating, where)}", "comment", comment)


class ZendeskConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name

    def grants(self, session: Session) -> Grants:
        me, _ = session.get("/api/v2/users/me.json")
        where = f"{self.name}: GET /api/v2/users/me.json"
        user = expect_object(expect_object(me, where, "an object with a 'user'").get("user"), where, "a 'user' object")
        role, acts_as = field_str(user, "role", where) or None, optional_id(user, where)
        if session.credential.auth == "oauth":
            token, _ = session.get("/api/v2/oauth/tokens/current.json")
            where = f"{self.name}: GET /api/v2/oauth/tokens/current.json"
            token = expect_object(expect_object(token, where).get("token"), where, "a 'token' object")
            # Scopes that cannot be read must not read as "no scopes": least privilege would pass.
            listed = expect_list(token.get("scopes"), where, "'scopes' to be a list")
            if not all(isinstance(s, str) for s in listed):
                raise unexpected(where, "'scopes' to hold scope names", "another kind of value among them")
            scopes = frozenset(listed)
            source = "GET /api/v2/oauth/tokens/current.json, GET /api/v2/users/me.json"
            return Grants(self.name, session.credential.name, "oauth", scopes, role, acts_as, source)
        # API tokens have no scopes: they carry the role of the user they act as.
        return Grants(
            self.name,
            session.credential.name,
            session.credential.auth,
            None,
            role,
            acts_as,
            "GET /api/v2/users/me.json",
        )

    def _cursor(self, path: str, key: str, params: Any) -> Iterator[dict[str, Any]]:
        def fetch(url: str | None) -> tuple[Any, Any]:
            return self.primary.follow(url) if url else self.primary.get(path, params=params)

        where = f"{self.name}: GET {path}"

        def following(body: Any, headers: Any) -> str | None:
            # https://developer.zendesk.com/api-reference/introduction/pagination/: links.next while meta.has_more
            body = expect_object(body, where)
            if not flag(field_object(body, "meta", where), "has_more", where):
                return None
            return next_page(field_object(body, "links", where).get("next"), where)

        for body in iter_pages(fetch, following):
            yield from records(body, key, where)

    def users(self) -> list[User]:
        params = [("role[]", "admin"), ("role[]", "agent"), ("page[size]", "100")]
        where = f"{self.name}: GET /api/v2/users.json"
        return [user_from(raw, self.name, where) for raw in self._cursor("/api/v2/users.json", "users", params)]

    def mfa_enforcement(self) -> MFAEnforcement:
        body, _ = self.primary.get("/api/v2/security_settings.json")
        where = f"{self.name}: GET /api/v2/security_settings.json"
        # The sub-fields below security_settings are unverified (vendor-apis.md 2.4): absent ones read as
        # "not exposed" (a manual finding); present ones of the wrong type are a shape error.
        settings = expect_object(body, where, "an object with a 'security_settings' object").get("security_settings")
        settings = expect_object(settings, where, "a 'security_settings' object")
        agent = field_object(field_object(settings, "authentication", where), "agent", where)
        enforced = agent.get("two_factor_enforce")
        if enforced is not None and not isinstance(enforced, bool):
            raise unexpected(where, "'two_factor_enforce' to be true or false", describe(enforced))
        # The documented example has no agent.two_factor_enforce at all
        # (https://developer.zendesk.com/api-reference/ticketing/account-configuration/security_settings/).
        source = (
            "GET /api/v2/security_settings"
            if enforced is not None
            else "not exposed by GET /api/v2/security_settings (no authentication.agent.two_factor_enforce)"
        )
        return MFAEnforcement(self.name, enforced, "agents and admins", source)

    def iter_payloads(self) -> Iterator[Payload]:
        def tickets(url: str | None) -> tuple[Any, Any]:
            if url:
                return self.primary.follow(url)
            return self.primary.get("/api/v2/incremental/tickets/cursor.json", params={"start_time": 0})

        ids = MissingIds()
        where = f"{self.name}: GET /api/v2/incremental/tickets/cursor.json"

        def after(body: Any, headers: Any) -> str | None:
            # end_of_stream ends it: after_url keeps answering (vendor-apis.md 2.9)
            body = expect_object(body, where)
            return None if flag(body, "end_of_stream", where) else next_page(body.get("after_url"), where)

        for body in iter_pages(tickets, after):
            for ticket in records(body, "tickets", where):
                yield from ticket_payloads(ticket, self.name, ids, where)

        def events(url: str | None) -> tuple[Any, Any]:
            if url:
                return self.primary.follow(url)
            params = {"start_time": 0, "include": "comment_events"}
            return self.primary.get("/api/v2/incremental/ticket_events.json", params=params)

        events_where = f"{self.name}: GET /api/v2/incremental/ticket_events.json"

        def following(body: Any, headers: Any) -> str | None:
            body = expect_object(body, events_where)
            return None if flag(body, "end_of_stream", events_where) else next_page(body.get("next_page"), events_where)

        seen: set[str] = set()  # time-based pages repeat the events at end_time
        for body in iter_pages(events, following):
            for event in records(body, "ticket_events", events_where):
                event_id = ids(event, events_where)
                if event_id == MISSING_ID or event_id not in seen:  # an event without an id cannot repeat one
                    seen.add(event_id)
                    yield from comment_payloads(event, self.name, ids, events_where)
        where = f"{self.name}: GET /api/v2/satisfaction_ratings.json"
        for rating in self._cursor("/api/v2/satisfaction_ratings.json", "satisfaction_ratings", {"page[size]": 100}):
            yield from rating_payloads(rating, self.name, ids, where)
        ids.raise_if_any()

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = attempt(snapshot, "mfa_enforcement", self.mfa_enforcement)
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot


def workflow(connector: ZendeskConnector, writes: bool) -> list[WorkflowStep]:
    """One agent's round: the queue, a ticket, its comments and, where writes are allowed, an internal note."""
    session = connector.primary
    queue = {"page[size]": 25}
    out: list[WorkflowStep] = []
    for i in ROUND_TICKETS:
        out += [
            step(session, "zendesk GET /api/v2/tickets (queue)", "GET", "/api/v2/tickets.json", params=queue),
            step(session, "zendesk GET /api/v2/tickets/{id}", "GET", f"/api/v2/tickets/{i}.json"),
            step(session, "zendesk GET /api/v2/tickets/{id}/comments", "GET", f"/api/v2/tickets/{i}/comments.json"),
        ]
        if writes:
            note = {"ticket": {"comment": {"body": "vendor-audit load test note", "public": False}}}
            name = "zendesk PUT /api/v2/tickets/{id} (internal note)"
            out.append(step(session, name, "PUT", f"/api/v2/tickets/{i}.json", json=note))
    return out


VENDOR = VendorSpec(
    type=TYPE,
    # https://developer.zendesk.com/api-reference/introduction/security-and-auth/: an API token signs in as
    # {email}/token, so it needs the user's email; an OAuth token carries its user.
    auth_kinds={"oauth": False, "api_token": True},
    make_auth=make_auth,
    make_budget=make_budget,
    connector=ZendeskConnector,
    workflow=workflow,
    # https://support.zendesk.com/hc/en-us/articles/4408826974874 (managing two-factor authentication): both
    # the requirement and the 2FA status report (a CSV of admins and agents) are at Admin Center > Account >
    # Security > Advanced.
    mfa_setting_hint="Zendesk: Admin Center > Account > Security > Advanced, require two-factor authentication",
    mfa_report_hint="Zendesk: Admin Center > Account > Security > Advanced, 2FA status report (CSV of admins "
    "and agents)",
    # PUT /api/v2/tickets/{id}/comments/{comment_id}/redact (shared/reference/vendor-apis.md 2.5)
    pan_redaction_hint="Zendesk: redact the comment (Redact in the ticket, or the comment redaction API)",
    evidence_headers=("x-rate-limit", "x-rate-limit-remaining"),
)
