"""Zendesk Support: OAuth scopes or the API token's role, staff 2FA, enforcement, tickets and comments.

Quirks (shared/reference/vendor-apis.md section 2): incremental exports allow 10 requests a minute
and keep answering after the end, so `end_of_stream` must end the loop
(https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/);
time-based pages overlap at `end_time`, so events are de-duplicated by id; `two_factor_auth_enabled`
may be null (unknown).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import httpx

from vendor_audit.model import Grants, MFAEnforcement, MFAState, Payload, User, VendorSnapshot

from ._base import Session, attempt, collect_grants, endpoint_of, guarded
from ._pacing import Budget, Rate
from ._pagination import iter_pages

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


def user_from(raw: dict[str, Any], vendor: str) -> User:
    return User(
        vendor=vendor,
        id=str(raw["id"]),
        name=raw.get("name") or "",
        email=raw.get("email") or "",
        role=ROLES.get(raw.get("role") or "", "agent"),
        vendor_role=raw.get("role") or "",
        active=bool(raw.get("active", True)) and not raw.get("suspended", False),
        mfa=mfa_state(raw.get("two_factor_auth_enabled")),
        source="GET /api/v2/users?role[]=admin&role[]=agent",
    )


def ticket_payloads(ticket: dict[str, Any], vendor: str) -> Iterator[Payload]:
    resource = f"tickets/{ticket['id']}"
    for field in ("subject", "description"):
        if ticket.get(field):
            yield Payload(vendor, resource, field, str(ticket[field]))


def comment_payloads(event: dict[str, Any], vendor: str) -> Iterator[Payload]:
    """Comment child events of one ticket audit (`include=comment_events`)."""
    for child in event.get("child_events") or []:
        if child.get("event_type") == "Comment" and child.get("body"):
            yield Payload(vendor, f"tickets/{event['ticket_id']}/comments/{child['id']}", "body", str(child["body"]))


def rating_payloads(rating: dict[str, Any], vendor: str) -> Iterator[Payload]:
    if rating.get("comment"):
        yield Payload(vendor, f"satisfaction_ratings/{rating['id']}", "comment", str(rating["comment"]))


class ZendeskConnector:
    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.primary = sessions[0]
        self.name = self.primary.vendor.name

    def grants(self, session: Session) -> Grants:
        me, _ = session.get("/api/v2/users/me.json")
        user = me.get("user") or {}
        role, acts_as = user.get("role"), str(user.get("id")) if user.get("id") is not None else None
        if session.credential.auth == "oauth":
            token, _ = session.get("/api/v2/oauth/tokens/current.json")
            scopes = frozenset((token.get("token") or {}).get("scopes") or [])
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
            return self.primary.get(url or path, params=None if url else params)

        def following(body: Any, headers: Any) -> str | None:
            return (body.get("links") or {}).get("next") if (body.get("meta") or {}).get("has_more") else None

        for body in iter_pages(fetch, following):
            yield from body.get(key, [])

    def users(self) -> list[User]:
        params = [("role[]", "admin"), ("role[]", "agent"), ("page[size]", "100")]
        return [user_from(raw, self.name) for raw in self._cursor("/api/v2/users.json", "users", params)]

    def mfa_enforcement(self) -> MFAEnforcement:
        body, _ = self.primary.get("/api/v2/security_settings.json")
        agent = ((body.get("security_settings") or {}).get("authentication") or {}).get("agent") or {}
        enforced = agent.get("two_factor_enforce")
        return MFAEnforcement(
            self.name,
            enforced if isinstance(enforced, bool) else None,
            "agents and admins",
            "GET /api/v2/security_settings",
        )

    def iter_payloads(self) -> Iterator[Payload]:
        def tickets(url: str | None) -> tuple[Any, Any]:
            return self.primary.get(
                url or "/api/v2/incremental/tickets/cursor.json", params=None if url else {"start_time": 0}
            )

        for body in iter_pages(tickets, lambda b, h: None if b.get("end_of_stream") else b.get("after_url")):
            for ticket in body.get("tickets", []):
                yield from ticket_payloads(ticket, self.name)

        def events(url: str | None) -> tuple[Any, Any]:
            return self.primary.get(
                url or "/api/v2/incremental/ticket_events.json",
                params=None if url else {"start_time": 0, "include": "comment_events"},
            )

        seen: set[int] = set()  # time-based pages repeat the events at end_time
        for body in iter_pages(events, lambda b, h: None if b.get("end_of_stream") else b.get("next_page")):
            for event in body.get("ticket_events", []):
                if event["id"] not in seen:
                    seen.add(event["id"])
                    yield from comment_payloads(event, self.name)
        for rating in self._cursor("/api/v2/satisfaction_ratings.json", "satisfaction_ratings", {"page[size]": 100}):
            yield from rating_payloads(rating, self.name)

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = attempt(snapshot, "mfa_enforcement", self.mfa_enforcement)
        snapshot.payload_source = guarded(snapshot, "payloads", self.iter_payloads)
        return snapshot
