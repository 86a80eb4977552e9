"""Stand-in for the Zendesk Support API v2.

Faithful to (see shared/reference/vendor-apis.md section 2):
https://developer.zendesk.com/api-reference/introduction/security-and-auth/ (Basic email/token, Bearer),
https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/ (tokens/current.json, scopes),
https://developer.zendesk.com/api-reference/introduction/pagination/ (cursor: page[size] <= 100,
meta.has_more, links.next; offset: page/per_page, capped at 100 pages),
https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
(after_cursor, end_of_stream, 10 requests/minute), https://developer.zendesk.com/api-reference/introduction/rate-limits/
(X-Rate-Limit, X-Rate-Limit-Remaining, text/plain 429).

2FA as real accounts answer it: staff carry `two_factor_auth_enabled` true, false or null, and some are null in
both scenarios (zenpy's recorded cassettes, an admin calling: https://github.com/facetoe/zenpy); end users null.
https://developer.zendesk.com/api-reference/ticketing/account-configuration/security_settings/ answers the
documented example's shape, whose `authentication.agent` has no `two_factor_enforce`; the leaky scenario adds
`two_factor_enforce: false` as its planted violation (`ZendeskAPI.two_factor_enforce` sets either at run time).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ._api import Router, basic_credentials, bearer_token, decode_cursor, encode_cursor, int_arg, new_token, url_with
from ._data import (
    DATA_END,
    DATA_SPAN,
    EGRESS_RANGES,
    SATISFACTION_ID_BASE,
    ZENDESK_DORMANT,
    ZENDESK_LEAVER,
    ZENDESK_NEVER_USED,
    ZENDESK_OFF_ROSTER,
    ZENDESK_SHARED,
    ZENDESK_SUSPENDED,
    Staff,
    World,
    iso,
    manifest_entries,
)
from ._http import Request, Response, json_response, text_response
from ._ratelimit import Decision, FixedWindow
from ._standin import ExportFile, StandIn
from ._tls import TLSPolicy
from ._zendesk_metrics import CHAT_POLICY, VIA_LABEL, MetricClock, ticket_channel, ticket_traits

END_USER_ID_BASE = 1000
# The account's subdomain: the sandbox's (on the generated profile's sandbox_accounts), or production's. Zendesk
# subdomains are letters and digits (https://developer.zendesk.com/api-reference/reseller/api_reference/).
SANDBOX_SUBDOMAIN = "sandboxbrand"
PRODUCTION_SUBDOMAIN = "brand"
# Notes need tickets:write. "read": listing OAuth tokens, OAuth clients and API tokens has no resource scope of
# its own (the scopable resources: https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/
# #scopes), so an audit of the account's credentials needs the broad read scope.
CLEAN_SCOPES = ("tickets:read", "tickets:write", "users:read", "security:read", "read")
LEAKY_SCOPES = ("read", "write", "impersonate")


@dataclass(frozen=True, slots=True)
class ZendeskLimits:
    requests_per_minute: int = 700  # Enterprise plan
    incremental_per_minute: int = 10
    window_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class OAuthToken:
    id: int
    user_id: int
    scopes: tuple[str, ...]
    created_at: str
    expires_at: str | None
    client_id: int = 42
    used_at: str | None = None  # None: in use now (a live sandbox credential), else when last used


# The account's OAuth clients (https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_clients/):
# (id, name, identifier). The profile declares its credential by the client's name.
BPO_CLIENT = (42, "bpo-oauth", "bpo_helpdesk")
UNDECLARED_CLIENT = (77, "Analytics Export", "analytics_export")  # leaky: a client the profile does not name

# Leaky OAuth tokens, one lifecycle violation each: (id, kind, user, client, created, expires, used) in days
# relative to now (negative: ago).
_LEAKY_TOKENS = (
    (7001, "token_too_old", 1, BPO_CLIENT[0], -500, 60, -1),
    (7002, "token_expiring", 1, BPO_CLIENT[0], -85, 5, -1),
    (7003, "token_unused", 1, BPO_CLIENT[0], -200, 160, -120),
    (7004, "undeclared_token", 1, UNDECLARED_CLIENT[0], -30, 60, -1),
    (7005, "suspended_user_token", ZENDESK_SUSPENDED, BPO_CLIENT[0], -30, 60, -3),
)
LEAKY_API_TOKEN_ID = 501

# Webhook ids are ULIDs (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/).
WEBHOOK_ORDERS = "01HZX3K7Q8M2N4P6R8T0V2W4Y6"  # both scenarios: https to the brand's receiver
WEBHOOK_PLAIN_HTTP = "01HZX3K7Q8M2N4P6R8T0V2W4Y7"
WEBHOOK_NOT_ALLOWED = "01HZX3K7Q8M2N4P6R8T0V2W4Y8"
WEBHOOK_HEADER_IN_CLEAR = "01HZX3K7Q8M2N4P6R8T0V2W4Y9"
WEBHOOK_TLS_WEAK = "01HZX3K7Q8M2N4P6R8T0V2W4YA"
TARGET_ORDERS = 360_001  # both scenarios
TARGET_PLAIN_HTTP = 360_002
TRIGGER_ORDERS = 1001  # both scenarios: notifies WEBHOOK_ORDERS
TRIGGER_NOT_ALLOWED = 1002  # leaky: notifies WEBHOOK_NOT_ALLOWED
TRIGGER_REQUESTER = 1003  # both: notifies the requester by email, not an outbound flow
AUTOMATION_ESCALATE = 2001  # both: notifies TARGET_ORDERS
APP_INSTALLATION = 5001


@dataclass(frozen=True, slots=True)
class Caller:
    user: Staff
    oauth: OAuthToken | None  # None under API-token auth


@dataclass
class ZendeskAPI:
    world: World
    limits: ZendeskLimits = field(default_factory=ZendeskLimits)
    api_tokens: set[str] = field(default_factory=set)
    oauth_tokens: dict[str, OAuthToken] = field(default_factory=dict)
    added_comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # authentication.agent.two_factor_enforce of security_settings: None leaves it out, as the documented
    # example does; the leaky scenario serves false.
    two_factor_enforce: bool | None = None
    leaky_api_token: str = ""  # leaky: the listed (deprecated) API token's value, which also signs in
    # The account's subdomain, named in every user's `url` (https://{subdomain}.zendesk.com/api/v2/users/{id}.json).
    # A sandbox has its own (https://support.zendesk.com/hc/en-us/articles/6150628316058); None: the world's choice.
    subdomain: str | None = None

    def __post_init__(self) -> None:
        if self.subdomain is None:
            self.subdomain = PRODUCTION_SUBDOMAIN if self.world.production_like else SANDBOX_SUBDOMAIN
        self._comments_added = 0
        if self.world.scenario == "leaky":
            self.two_factor_enforce = False
        self._staff = {s.id: s for s in self.world.zendesk_staff()}
        self._by_email = {s.email: s for s in self._staff.values()}
        self._account = FixedWindow(self.limits.requests_per_minute, self.limits.window_seconds)
        self._incremental = FixedWindow(self.limits.incremental_per_minute, self.limits.window_seconds)
        r = Router()
        r.add("GET", "/api/v2/users/me", self.me)
        r.add("GET", "/api/v2/oauth/tokens/current", self.current_token)
        r.add("GET", "/api/v2/tickets", self.tickets, ("tickets:read",))
        r.add("GET", "/api/v2/tickets/{id}", self.ticket, ("tickets:read",))
        r.add("PUT", "/api/v2/tickets/{id}", self.update_ticket, ("tickets:write",))
        r.add("PUT", "/api/v2/tickets/{id}/comments/{comment_id}/redact", self.redact_comment, ("tickets:write",))
        r.add("GET", "/api/v2/tickets/{id}/comments", self.comments, ("tickets:read",))
        r.add("GET", "/api/v2/users", self.users, ("users:read",))
        r.add("GET", "/api/v2/users/{id}", self.user, ("users:read",))
        r.add("GET", "/api/v2/security_settings", self.security_settings, ("security:read",))
        r.add("GET", "/api/v2/satisfaction_ratings", self.satisfaction_ratings, ("tickets:read",))
        r.add("GET", "/api/v2/incremental/tickets/cursor", self.incremental_tickets, ("tickets:read",))
        r.add("GET", "/api/v2/incremental/ticket_events", self.ticket_events, ("tickets:read",))
        r.add("GET", "/api/v2/incremental/users/cursor", self.incremental_users, ("users:read",))
        # Service levels (issue 16): the SLA clock per ticket, and the per-ticket figures it adds up to.
        r.add("GET", "/api/v2/incremental/ticket_metric_events", self.ticket_metric_events, ("tickets:read",))
        r.add("GET", "/api/v2/ticket_metrics", self.ticket_metrics, ("tickets:read",))
        # Credentials and outbound flows (issue 15). The credential lists have no resource scope: only "read".
        r.add("GET", "/api/v2/oauth/tokens", self.list_oauth_tokens, ("read",))
        r.add("GET", "/api/v2/oauth/clients", self.list_oauth_clients, ("read",))
        r.add("GET", "/api/v2/api_tokens", self.list_api_tokens, ("read",))
        r.add("GET", "/api/v2/webhooks", self.list_webhooks, ("webhooks:read",))
        r.add("GET", "/api/v2/targets", self.list_targets, ("targets:read",))
        r.add("GET", "/api/v2/triggers", self.list_triggers, ("triggers:read",))
        r.add("GET", "/api/v2/automations", self.list_automations, ("automations:read",))
        r.add("GET", "/api/v2/apps/installations", self.list_installations, ("apps:read",))
        self._router = r
        # Admins only: security settings, OAuth tokens ("Allowed for: Admins"), OAuth clients, API tokens,
        # webhooks, app installations; targets, triggers and automations are listed for agents too.
        self._admin_only = {
            self.security_settings,
            self.list_oauth_tokens,
            self.list_oauth_clients,
            self.list_api_tokens,
            self.list_webhooks,
            self.list_installations,
        }
        self.api_token = new_token("", 20)
        self.api_tokens.add(self.api_token)
        scopes = LEAKY_SCOPES if self.world.scenario == "leaky" else CLEAN_SCOPES
        self.primary_token = self.issue_oauth_token(scopes)
        self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.metrics = MetricClock(self.world)
        if self.world.scenario == "leaky":
            for token_id, _, user, client, created, expires, used in _LEAKY_TOKENS:
                self.oauth_tokens[new_token("", 32)] = OAuthToken(
                    id=token_id,
                    user_id=user,
                    scopes=("tickets:read", "users:read"),
                    created_at=iso(self.started + dt.timedelta(days=created)),
                    expires_at=iso(self.started + dt.timedelta(days=expires)),
                    client_id=client,
                    used_at=iso(self.started + dt.timedelta(days=used)),
                )
            self.leaky_api_token = new_token("", 20)
            self.api_tokens.add(self.leaky_api_token)

    def issue_oauth_token(self, scopes: tuple[str, ...] | list[str], user_id: int = 1) -> str:
        token = new_token("", 32)
        now = dt.datetime.now(dt.UTC)
        self.oauth_tokens[token] = OAuthToken(
            id=9000 + len(self.oauth_tokens),
            user_id=user_id,
            scopes=tuple(scopes),
            created_at=iso(now),
            expires_at=iso(now + dt.timedelta(days=90)),
        )
        return token

    # -- plumbing
    @staticmethod
    def error(status: int, error: Any, description: str | None = None) -> Response:
        body: dict[str, Any] = {"error": error}
        if description is not None:
            body["description"] = description
        return json_response(status, body)

    def _authenticate(self, request: Request) -> Caller | Response:
        token = bearer_token(request)
        if token is not None:
            grant = self.oauth_tokens.get(token)
            if grant is None:
                return json_response(
                    401,
                    {
                        "error": "invalid_token",
                        "error_description": "The access token provided is expired, revoked, malformed or invalid "
                        "for other reasons.",
                    },
                )
            return Caller(self._staff[grant.user_id], grant)
        basic = basic_credentials(request)
        if basic is not None:
            login, secret = basic
            email, _, kind = login.partition("/")
            user = self._by_email.get(email)
            if kind == "token" and secret in self.api_tokens and user is not None and user.active:
                return Caller(user, None)
        return self.error(401, "Couldn't authenticate you")

    def handle(self, request: Request) -> Response:
        caller = self._authenticate(request)
        if isinstance(caller, Response):
            return caller
        path = request.path.removesuffix(".json")
        incremental = path.startswith("/api/v2/incremental/")
        decision = (self._incremental if incremental else self._account).take()
        headers = self._rate_headers(decision)
        if not decision.allowed:
            retry = [("Retry-After", str(max(1, math.ceil(decision.retry_after))))]
            if incremental:
                response = self.error(
                    429, "APIRateLimitExceeded", "Number of allowed incremental export API requests per minute exceeded"
                )
            else:
                response = text_response(429, "Number of allowed API requests per minute exceeded")
            response.headers += headers + retry
            return response
        response = self._dispatch(request, path, caller)
        response.headers += headers
        return response

    @staticmethod
    def _rate_headers(decision: Decision) -> list[tuple[str, str]]:
        remaining = str(decision.limit - decision.used)
        return [
            ("X-Rate-Limit", str(decision.limit)),
            ("X-Rate-Limit-Remaining", remaining),
            ("ratelimit-limit", str(decision.limit)),
            ("ratelimit-remaining", remaining),
            ("ratelimit-reset", str(math.ceil(decision.reset_after))),
        ]

    def _dispatch(self, request: Request, path: str, caller: Caller) -> Response:
        matched = self._router.match(request.method, path)
        if matched is None:
            return self.error(404, "RecordNotFound", "Not found")
        if matched is False:
            return self.error(405, "MethodNotAllowed", "Method not allowed")
        assert not isinstance(matched, bool)  # noqa: S101 - narrowing for mypy
        route, params = matched
        if caller.oauth is not None and route.scopes:
            granted = set(caller.oauth.scopes)
            # "read" and "write" are the broad scopes that cover every resource:
            # https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/
            broad = "read" if request.method == "GET" else "write"
            if broad not in granted and not route.scopes & granted:
                return self.error(403, "Forbidden", f"You are missing the following required scopes: {broad}")
        needs_admin = route.handler in self._admin_only
        if (needs_admin and caller.user.role != "admin") or (route.scopes and caller.user.role == "end-user"):
            return self.error(
                403,
                {
                    "title": "Forbidden",
                    "message": "You do not have access to this page. Please contact the account owner of this "
                    "help desk for further help.",
                },
            )
        return route.handler(request, caller, **params)

    def _cursor_page(
        self, request: Request, key: str, indexes: range, render: Callable[[int], dict[str, Any]]
    ) -> Response:
        """Cursor pagination when page[size] or a cursor is given, else offset pagination."""
        size_raw = request.arg("page[size]")
        after, before = request.arg("page[after]"), request.arg("page[before]")
        if size_raw is None and after is None and before is None:
            return self._offset_page(request, key, indexes, render)
        try:
            size = int(size_raw) if size_raw is not None else 100
        except ValueError:
            size = -1
        if not 1 <= size <= 100:
            return self.error(400, "InvalidPaginationParameter", "page[size] must be between 1 and 100")
        position = 0
        for token, direction in ((after, 1), (before, -1)):
            if token is not None:
                state = decode_cursor(token)
                if state is None or not isinstance(state.get("p"), int):
                    return self.error(400, "InvalidPaginationParameter", "Invalid cursor")
                position = state["p"] + 1 if direction == 1 else max(0, state["p"] - size)
        window = indexes[position : position + size]
        items = [render(i) for i in window]
        has_more = position + size < len(indexes)
        after_cursor = encode_cursor({"p": position + len(window) - 1}) if window else None
        before_cursor = encode_cursor({"p": position}) if window else None
        keep = [(k, v) for k, v in request.query if not k.startswith("page[")]
        next_link = (
            url_with(request, [*keep, ("page[after]", after_cursor), ("page[size]", str(size))])
            if has_more and after_cursor
            else None
        )
        prev_link = (
            url_with(request, [*keep, ("page[before]", before_cursor), ("page[size]", str(size))])
            if position > 0 and before_cursor
            else None
        )
        return json_response(
            200,
            {
                key: items,
                "meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor},
                "links": {"next": next_link, "prev": prev_link},
            },
        )

    def _offset_page(
        self, request: Request, key: str, indexes: range, render: Callable[[int], dict[str, Any]]
    ) -> Response:
        page, per_page = int_arg(request, "page", 1), int_arg(request, "per_page", 100)
        if page is None or per_page is None or page < 1 or not 1 <= per_page <= 100:
            return self.error(400, "InvalidPaginationParameter", "Invalid page or per_page")
        if page > 100:
            # Offset pagination stops at 10,000 records since 2024: https://support.zendesk.com/hc/en-us/articles/5591904358938
            return self.error(
                400,
                "InvalidPaginationParameter",
                "Offset pagination is limited to the first 100 pages. Use cursor pagination instead.",
            )
        window = indexes[(page - 1) * per_page : page * per_page]
        keep = [(k, v) for k, v in request.query if k not in {"page", "per_page"}]

        def link(number: int) -> str:
            return url_with(request, [*keep, ("page", str(number)), ("per_page", str(per_page))])

        return json_response(
            200,
            {
                key: [render(i) for i in window],
                "next_page": link(page + 1) if page * per_page < len(indexes) else None,
                "previous_page": link(page - 1) if page > 1 else None,
                "count": len(indexes),
            },
        )

    # -- data
    def ticket_json(self, request: Request, index: int) -> dict[str, Any]:
        world = self.world
        created = world.ticket_time(index)
        rng = world.rng("zendesk-ticket", index)
        requester = END_USER_ID_BASE + 1 + index % world.customer_count
        first_comment = self.comment_json(index, 0)
        subject = world.subject(index)
        status = rng.choice(["new", "open", "pending", "solved", "closed"])
        return {
            "id": index,
            "url": f"{request.scheme_host}/api/v2/tickets/{index}.json",
            "external_id": None,
            "type": rng.choice(["question", "incident", "problem", None]),
            "subject": subject,
            "raw_subject": subject,
            "description": first_comment["body"],
            "priority": rng.choice(["low", "normal", "high", None]),
            "status": status,
            "recipient": "support@brand.example",
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": 5 + index % 11,
            "organization_id": None,
            "group_id": 360_001,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "has_incidents": False,
            "problem_id": None,
            "due_at": None,
            "tags": rng.sample(["wismo", "refund", "address_change", "damaged", "vip"], 2),
            "custom_fields": [{"id": 360_000_111, "value": None}],
            "satisfaction_rating": {"score": "unoffered"},
            "via": {
                "channel": ticket_channel(index),  # the metric events' SLA policies follow it
                "source": {"from": {}, "to": {}, "rel": None},
            },
            "brand_id": 360_000_001,
            "is_public": True,
            "created_at": iso(created),
            "updated_at": iso(created + self.world.step / 2),
        }

    def comment_json(self, ticket: int, k: int) -> dict[str, Any]:
        world = self.world
        comment_id = ticket * 10 + k
        text, from_agent = world.message_text("ticket_comment", ticket, k)
        text = world.planted_text("zendesk", "ticket_comment", comment_id, text)
        author = 5 + ticket % 11 if from_agent else END_USER_ID_BASE + 1 + ticket % world.customer_count
        return {
            "id": comment_id,
            "type": "Comment",
            "author_id": author,
            "body": text,
            "html_body": f'<div class="zd-comment" dir="auto"><p>{_html(text)}</p></div>',
            "plain_body": text,
            "public": True,
            "attachments": [],
            "audit_id": comment_id * 3,
            "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
            "metadata": {"system": {"client": "Mozilla/5.0", "ip_address": "198.51.100.7", "location": "Lisbon"}},
            "created_at": iso(world.ticket_time(ticket) + dt.timedelta(minutes=3 * k)),
        }

    def _users(self) -> list[tuple[str, int]]:
        """(role, id) for every user, staff first."""
        staff = [(s.role, s.id) for s in self._staff.values()]
        return staff + [("end-user", END_USER_ID_BASE + j) for j in range(1, self.world.customer_count + 1)]

    def user_json(self, request: Request, user_id: int) -> dict[str, Any] | None:
        staff = self._staff.get(user_id)
        suspended = False
        if staff is not None:
            name, email, role, active, mfa = staff.name, staff.email, staff.role, staff.active, staff.mfa
            suspended = staff.suspended
            created, last_login = self.world.zendesk_sign_in(user_id, dt.datetime.now(dt.UTC))
            created_at, last_login_at = iso(created), (iso(last_login) if last_login else None)
        elif END_USER_ID_BASE < user_id <= END_USER_ID_BASE + self.world.customer_count:
            first, last, email = self.world.person("customer", user_id - END_USER_ID_BASE)
            name, role, active, mfa = f"{first} {last}", "end-user", True, None
            created_at = iso(DATA_END - DATA_SPAN)
            last_login_at = iso(DATA_END - dt.timedelta(days=user_id % 20))
        else:
            return None
        return {
            "id": user_id,
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/users/{user_id}.json",
            "name": name,
            "email": email,
            "role": role,
            "role_type": None,
            "custom_role_id": None,
            "active": active,
            "suspended": suspended,
            "verified": True,
            # Only shown for staff; null means unknown (vendor-apis.md 2.4).
            "two_factor_auth_enabled": mfa,
            # null: never signed in (https://developer.zendesk.com/api-reference/ticketing/users/users/)
            "last_login_at": last_login_at,
            "created_at": created_at,
            "updated_at": iso(DATA_END),
            "time_zone": "Europe/Lisbon",
            "locale": "en-US",
            "organization_id": None,
            "restricted_agent": role == "agent",
            "ticket_restriction": "groups" if role == "agent" else None,
            "only_private_comments": False,
            "external_id": None,
            "tags": [],
            "user_fields": {},
            "phone": None,
        }

    # -- handlers
    def me(self, request: Request, caller: Caller) -> Response:
        return json_response(200, {"user": self.user_json(request, caller.user.id)})

    def current_token(self, request: Request, caller: Caller) -> Response:
        grant = caller.oauth
        if grant is None:  # API-token auth has no OAuth token to describe
            return self.error(404, "RecordNotFound", "Not found")
        token = bearer_token(request) or ""
        return json_response(
            200,
            {
                "token": {
                    "id": grant.id,
                    "url": f"{request.scheme_host}/api/v2/oauth/tokens/{grant.id}.json",
                    "user_id": grant.user_id,
                    "client_id": 42,
                    "token": token[:10],  # the real API shows a truncated prefix
                    "refresh_token": None,
                    "scopes": list(grant.scopes),
                    "created_at": grant.created_at,
                    "expires_at": grant.expires_at,
                    "refresh_token_expires_at": None,
                    "used_at": iso(dt.datetime.now(dt.UTC)),
                }
            },
        )

    def _ticket_index(self, raw: str) -> int | None:
        return int(raw) if raw.isdigit() and 1 <= int(raw) <= self.world.size else None

    def tickets(self, request: Request, caller: Caller) -> Response:
        return self._cursor_page(
            request, "tickets", range(1, self.world.size + 1), lambda i: self.ticket_json(request, i)
        )

    def ticket(self, request: Request, caller: Caller, id: str) -> Response:
        index = self._ticket_index(id)
        if index is None:
            return self.error(404, "RecordNotFound", "Not found")
        return json_response(200, {"ticket": self.ticket_json(request, index)})

    def update_ticket(self, request: Request, caller: Caller, id: str) -> Response:
        index = self._ticket_index(id)
        if index is None:
            return self.error(404, "RecordNotFound", "Not found")
        try:
            comment = request.json()["ticket"]["comment"]
            body = comment["body"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, "InvalidValue", "Ticket comment body is required")
        added = self.added_comments.setdefault(index, [])
        base = self.comment_json(index, 0)
        self._comments_added += 1
        base.update(
            id=9_000_000 + self._comments_added,
            author_id=caller.user.id,
            body=str(body),
            plain_body=str(body),
            html_body=f"<p>{_html(str(body))}</p>",
            public=bool(comment.get("public", True)),
            created_at=iso(dt.datetime.now(dt.UTC)),
        )
        added.append(base)
        # The update's audit lists what it did; its Comment event is the new comment, with its id
        # (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/).
        event = {key: base[key] for key in ("id", "body", "html_body", "plain_body", "public", "author_id")}
        audit = {
            "id": base["id"] * 3,
            "ticket_id": index,
            "author_id": caller.user.id,
            "created_at": base["created_at"],
            "events": [{**event, "type": "Comment", "attachments": [], "audit_id": base["id"] * 3}],
        }
        return json_response(200, {"ticket": self.ticket_json(request, index), "audit": audit})

    def redact_comment(self, request: Request, caller: Caller, id: str, comment_id: str) -> Response:
        """Redact String in Comment: the text's characters become "▇" in the comment's bodies.

        https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#redact-string-in-comment;
        only the comments this stand-in took in can change (its seeded ones are generated, not stored).
        """
        index = self._ticket_index(id)
        found = next((c for c in self.added_comments.get(index or 0, []) if str(c["id"]) == comment_id), None)
        if index is None or found is None:
            return self.error(404, "RecordNotFound", "Not found")
        try:
            text = request.json()["text"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, "InvalidValue", "text is required")
        if not isinstance(text, str) or not text or text not in found["body"]:
            return self.error(422, "RecordInvalid", "The text to redact was not found in the comment")  # guessed body
        mark = "▇" * len(text)
        found["body"], found["plain_body"] = found["body"].replace(text, mark), found["plain_body"].replace(text, mark)
        found["html_body"] = f"<p>{_html(found['body'])}</p>"
        return json_response(200, {"comment": found})

    def comments(self, request: Request, caller: Caller, id: str) -> Response:
        index = self._ticket_index(id)
        if index is None:
            return self.error(404, "RecordNotFound", "Not found")
        base = self.world.comment_count("ticket_comment", index)
        added = self.added_comments.get(index, [])

        def render(k: int) -> dict[str, Any]:
            return self.comment_json(index, k) if k < base else added[k - base]

        return self._cursor_page(request, "comments", range(base + len(added)), render)

    def users(self, request: Request, caller: Caller) -> Response:
        roles = set(request.args("role[]") + request.args("role"))
        everyone = [uid for role, uid in self._users() if not roles or role in roles]
        page = self._cursor_page(
            request, "users", range(len(everyone)), lambda i: self.user_json(request, everyone[i]) or {}
        )
        return page

    def user(self, request: Request, caller: Caller, id: str) -> Response:
        found = self.user_json(request, int(id)) if id.isdigit() else None
        if found is None:
            return self.error(404, "RecordNotFound", "Not found")
        return json_response(200, {"user": found})

    def security_settings(self, request: Request, caller: Caller) -> Response:
        # The properties of the documented JSON format; the example's authentication.agent carries no
        # two_factor_enforce (vendor-apis.md 2.4: "other sub-fields unverified").
        # https://developer.zendesk.com/api-reference/ticketing/account-configuration/security_settings/
        # Clean: as the sandbox's profile wants (IP restriction on and equal to the declared egress, 15-minute
        # agent sessions, SSO enforced with no Zendesk password sign-in, no account assumption). Leaky: each off.
        leaky = self.world.scenario == "leaky"
        agent: dict[str, Any] = {
            "enforce_sso": not leaky,
            "google_login": False,
            "office_365_login": False,
            "remote_login": not leaky,
            "security_policy_id": 400,
            "security_policy_name": "high",
            "sso_auto_redirect": not leaky,
            "zendesk_login": leaky,
        }
        end_user: dict[str, Any] = {"security_policy_id": 100, "security_policy_name": "low", "zendesk_login": True}
        if self.two_factor_enforce is not None:
            agent["two_factor_enforce"] = self.two_factor_enforce
            end_user["two_factor_enforce"] = False
        return json_response(
            200,
            {
                "security_settings": {
                    "admins_can_set_user_passwords": False,
                    "agent_session_timeout": 240 if leaky else 15,
                    "assumable": leaky,
                    "assumable_account_type": False,
                    # "off", "day", "week", "month", "year" or "always"
                    "assumption_duration": "month" if leaky else "off",
                    "assumption_expiration": iso(self.started + dt.timedelta(days=30)) if leaky else None,
                    "authentication": {"agent": agent, "end_user": end_user},
                    "csp_blocking_enabled": True,
                    "email_agent_when_sensitive_fields_changed": True,
                    "end_user_session_timeout": 480,
                    # ip_ranges: one space-separated string. Leaky: restriction off, and a stale range besides.
                    "ip": {
                        "enable_agent_ip_restrictions": not leaky,
                        "ip_ranges": "198.51.100.0/24" if leaky else " ".join(EGRESS_RANGES),
                        "ip_restriction_enabled": not leaky,
                    },
                    "maximum_session_duration": 720,
                    "maximum_session_duration_enabled": False,
                    "mobile_app_access": True,
                    "mobile_app_session_timeout": 240,
                    "two_factor_last_update": "2026-02-01T09:00:00Z",
                }
            },
        )

    # -- credentials and outbound flows (issue 15)
    def _hooks(self, request: Request) -> str:
        """The brand's webhook receiver (TLS sound in every scenario), or this listener outside a sandbox."""
        return self.world.endpoints.get("hooks", request.scheme_host)

    def oauth_token_json(self, request: Request, grant: OAuthToken, token: str) -> dict[str, Any]:
        """One token as the API lists it: https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/."""
        return {
            "id": grant.id,
            "url": f"{request.scheme_host}/api/v2/oauth/tokens/{grant.id}.json",
            "user_id": grant.user_id,
            "client_id": grant.client_id,
            "token": token[:10],  # the real API shows only the first 10 characters
            "refresh_token": None,
            "scopes": list(grant.scopes),
            "created_at": grant.created_at,
            "expires_at": grant.expires_at,
            "refresh_token_expires_at": None,
            "used_at": grant.used_at or iso(dt.datetime.now(dt.UTC)),
        }

    def list_oauth_tokens(self, request: Request, caller: Caller) -> Response:
        """The current user's tokens; every user's with `all=true` (admins).

        https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/#list-tokens
        """
        everyone = (request.arg("all") or "").lower() == "true"
        listed = [(t, g) for t, g in self.oauth_tokens.items() if everyone or g.user_id == caller.user.id]
        return self._cursor_page(
            request, "tokens", range(len(listed)), lambda i: self.oauth_token_json(request, listed[i][1], listed[i][0])
        )

    def _clients(self) -> list[tuple[int, str, str]]:
        return [BPO_CLIENT, UNDECLARED_CLIENT] if self.world.scenario == "leaky" else [BPO_CLIENT]

    def list_oauth_clients(self, request: Request, caller: Caller) -> Response:
        """The account's clients: https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_clients/."""
        clients = self._clients()

        def render(i: int) -> dict[str, Any]:
            client_id, name, identifier = clients[i]
            return {
                "id": client_id,
                "url": f"{request.scheme_host}/api/v2/oauth/clients/{client_id}.json",
                "name": name,
                "identifier": identifier,
                "company": "BPO Example" if client_id == BPO_CLIENT[0] else "Analytics Partner",
                "description": None,
                "kind": "confidential",
                "redirect_uri": [f"{self._hooks(request)}/oauth/{identifier}/callback"],
                "secret": "a1b2c3d4e",
                "global": False,
                "user_id": 1,
                "created_at": iso(self.started - dt.timedelta(days=300)),
                "updated_at": iso(self.started - dt.timedelta(days=30)),
            }

        return self._cursor_page(request, "clients", range(len(clients)), render)

    def list_api_tokens(self, request: Request, caller: Caller) -> Response:
        """The account's API tokens: id, a masked token, description, dates; no last use.

        https://support.zendesk.com/hc/en-us/articles/4408820361498 (api/v2/api_tokens.json for creation dates).
        Clean lists none (OAuth only); the API token the clean stand-in still accepts for tests is not listed.
        """
        listed = [LEAKY_API_TOKEN_ID] if self.world.scenario == "leaky" else []

        def render(i: int) -> dict[str, Any]:
            created = iso(self.started - dt.timedelta(days=100))
            return {
                "id": listed[i],
                "url": f"{request.scheme_host}/api/v2/api_tokens/{listed[i]}.json",
                "description": "bpo-legacy-integration",
                "token": self.leaky_api_token[:4] + "*" * 8,
                "active": True,
                "created_at": created,
                "updated_at": created,
            }

        return self._cursor_page(request, "api_tokens", range(len(listed)), render)

    def _webhooks(self, request: Request) -> list[dict[str, Any]]:
        """The webhooks: https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/.

        `authentication` comes back without its secret (basic auth shows the username only); `custom_headers`
        come back in clear, values included: the leaky one carries an Authorization header there.
        """
        hooks = self._hooks(request)
        created = iso(self.started - dt.timedelta(days=90))

        def hook(hook_id: str, name: str, endpoint: str, **extra: Any) -> dict[str, Any]:
            return {
                "id": hook_id,
                "name": name,
                "description": None,
                "status": "active",
                "endpoint": endpoint,
                "http_method": "POST",
                "request_format": "json",
                "subscriptions": ["conditional_ticket_events"],
                "created_at": created,
                "created_by": "1",
                "updated_at": created,
                "updated_by": "1",
            } | extra

        found = [
            hook(
                WEBHOOK_ORDERS,
                "Order sync",
                f"{hooks}/hooks/zendesk/orders",
                authentication={"type": "basic_auth", "add_position": "header", "data": {"username": "zendesk"}},
                custom_headers={"X-Brand-Source": "zendesk"},
            )
        ]
        if self.world.scenario == "leaky":
            zendesk = self.world.endpoints.get(NAME, request.scheme_host)  # accepts TLS 1.0 and 1.1 in leaky
            found += [
                hook(WEBHOOK_PLAIN_HTTP, "Legacy CRM", "http://crm.brand.example/zendesk"),
                hook(WEBHOOK_NOT_ALLOWED, "Analytics partner", "https://hooks.analytics-partner.example/zendesk"),
                hook(
                    WEBHOOK_HEADER_IN_CLEAR,
                    "Ticket mirror",
                    f"{hooks}/hooks/zendesk/mirror",
                    custom_headers={"Authorization": "Bearer " + self.webhook_header_secret},
                ),
                hook(WEBHOOK_TLS_WEAK, "Survey tool", f"{zendesk}/hooks/survey"),
            ]
        return found

    @property
    def webhook_header_secret(self) -> str:
        """The third party's key the leaky "Ticket mirror" webhook carries in clear: no output may hold it."""
        return "mirror_" + self.world.rng("zendesk-mirror", 0).randbytes(16).hex()

    def list_webhooks(self, request: Request, caller: Caller) -> Response:
        """Cursor pagination, https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/."""
        found = self._webhooks(request)
        return self._cursor_page(request, "webhooks", range(len(found)), lambda i: found[i])

    def list_targets(self, request: Request, caller: Caller) -> Response:
        """Legacy targets, unpaginated: https://developer.zendesk.com/api-reference/ticketing/targets/targets/."""
        created = iso(self.started - dt.timedelta(days=200))
        common = {"active": True, "method": "post", "content_type": "application/json", "created_at": created}
        targets = [
            common
            | {
                "id": TARGET_ORDERS,
                "url": f"{request.scheme_host}/api/v2/targets/{TARGET_ORDERS}.json",
                "title": "Order sync target",
                "type": "http_target",
                "target_url": f"{self._hooks(request)}/hooks/zendesk/targets",
                "username": "zendesk",
                "password": None,  # never shown
            }
        ]
        if self.world.scenario == "leaky":
            targets.append(
                common
                | {
                    "id": TARGET_PLAIN_HTTP,
                    "url": f"{request.scheme_host}/api/v2/targets/{TARGET_PLAIN_HTTP}.json",
                    "title": "Legacy ticket export",
                    "type": "url_target",
                    "target_url": "http://exports.brand.example/zendesk",
                    "attribute": "ticket",
                    "username": None,
                    "password": None,
                }
            )
        return json_response(200, {"targets": targets, "next_page": None, "previous_page": None, "count": len(targets)})

    def _rule(self, request: Request, kind: str, rule_id: int, title: str, actions: list[Any]) -> dict[str, Any]:
        created = iso(self.started - dt.timedelta(days=120))
        return {
            "id": rule_id,
            "url": f"{request.scheme_host}/api/v2/{kind}/{rule_id}.json",
            "title": title,
            "active": True,
            "position": rule_id % 100,
            "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}], "any": []},
            "actions": actions,
            "description": None,
            "raw_title": title,
            "created_at": created,
            "updated_at": created,
        }

    def list_triggers(self, request: Request, caller: Caller) -> Response:
        """Triggers whose actions notify a webhook (`notification_webhook`: [id, body]) or a person.

        https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/ and
        https://developer.zendesk.com/documentation/ticketing/reference-guides/actions-reference/
        """
        body = '{"ticket": "{{ticket.id}}"}'
        rules = [
            self._rule(
                request,
                "triggers",
                TRIGGER_ORDERS,
                "Notify order sync",
                [{"field": "notification_webhook", "value": [WEBHOOK_ORDERS, body]}],
            ),
            self._rule(
                request,
                "triggers",
                TRIGGER_REQUESTER,
                "Notify requester",
                [{"field": "notification_user", "value": ["requester_id", "Received", "We got your request"]}],
            ),
        ]
        if self.world.scenario == "leaky":
            rules.append(
                self._rule(
                    request,
                    "triggers",
                    TRIGGER_NOT_ALLOWED,
                    "Share with analytics partner",
                    [{"field": "notification_webhook", "value": [WEBHOOK_NOT_ALLOWED, body]}],
                )
            )
        return self._cursor_page(request, "triggers", range(len(rules)), lambda i: rules[i])

    def list_automations(self, request: Request, caller: Caller) -> Response:
        """Automations: https://developer.zendesk.com/api-reference/ticketing/business-rules/automations/."""
        rules = [
            self._rule(
                request,
                "automations",
                AUTOMATION_ESCALATE,
                "Escalate stale tickets",
                [{"field": "notification_target", "value": [str(TARGET_ORDERS), "Ticket {{ticket.id}} is stale"]}],
            )
        ]
        return self._cursor_page(request, "automations", range(len(rules)), lambda i: rules[i])

    def list_installations(self, request: Request, caller: Caller) -> Response:
        """Installed apps, unpaginated: https://developer.zendesk.com/api-reference/ticketing/apps/apps/."""
        created = iso(self.started - dt.timedelta(days=250))
        installation = {
            "id": APP_INSTALLATION,
            "app_id": 3001,
            "product": "support",
            "settings": {"name": "Shopify", "title": "Shopify"},
            "enabled": True,
            "created_at": created,
            "updated_at": created,
        }
        return json_response(200, {"installations": [installation]})

    def rating_json(self, scheme_host: str, j: int) -> dict[str, Any]:
        ticket = 3 * j
        rng = self.world.rng("zendesk-rating", ticket)
        score = rng.choice(["good", "good", "bad", "offered"])
        comment = rng.choice([None, "Quick and friendly, thanks", "Took a week to get an answer"])
        comment = self.world.planted_text("zendesk", "satisfaction_rating", ticket, comment or "") or None
        moment = iso(self.world.ticket_time(ticket) + dt.timedelta(days=1))
        rating_id = SATISFACTION_ID_BASE + ticket
        return {
            "id": rating_id,
            "url": f"{scheme_host}/api/v2/satisfaction_ratings/{rating_id}.json",
            "assignee_id": 5 + ticket % 11,
            "group_id": 360_001,
            "requester_id": END_USER_ID_BASE + 1 + ticket % self.world.customer_count,
            "ticket_id": ticket,
            "score": score,
            "comment": comment if score in {"good", "bad"} else None,
            "reason": None,
            "reason_code": 0,
            "created_at": moment,
            "updated_at": moment,
        }

    def satisfaction_ratings(self, request: Request, caller: Caller) -> Response:
        """The ratings, filtered by the documented `score` values.

        https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/#list-satisfaction-ratings
        """
        wanted = request.arg("score")
        if wanted is not None and wanted not in _RATING_FILTERS:
            return self.error(400, "InvalidValue", f"score must be one of {', '.join(sorted(_RATING_FILTERS))}")
        keep = _RATING_FILTERS.get(wanted or "", _any_rating)
        ratings = [j for j in range(1, self.world.size // 3 + 1) if keep(self.rating_json(request.scheme_host, j))]
        return self._cursor_page(
            request,
            "satisfaction_ratings",
            range(len(ratings)),
            lambda i: self.rating_json(request.scheme_host, ratings[i]),
        )

    def _first_at_or_after(self, start_time: int) -> int:
        """First ticket index whose updated_at is at or after `start_time` (epoch seconds)."""
        origin = (DATA_END - DATA_SPAN).timestamp() + self.world.step.total_seconds() / 2
        return max(1, math.ceil((start_time - origin) / self.world.step.total_seconds()))

    def incremental_users(self, request: Request, caller: Caller) -> Response:
        """Cursor-based incremental user export: every user updated at or after start_time.

        https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-user-export-cursor-based
        """
        everyone = [uid for _, uid in self._users()]
        return self._incremental_cursor(
            request,
            "users",
            range(len(everyone)),
            # Every user was updated at DATA_END: all of them, or none for a later start_time.
            lambda start_time: 0 if start_time <= DATA_END.timestamp() else len(everyone),
            lambda i: self.user_json(request, everyone[i]),
        )

    def incremental_tickets(self, request: Request, caller: Caller) -> Response:
        return self._incremental_cursor(
            request,
            "tickets",
            range(1, self.world.size + 1),
            self._first_at_or_after,
            lambda i: self.ticket_json(request, i),
        )

    def _incremental_cursor(
        self,
        request: Request,
        key: str,
        indexes: range,
        first_at_or_after: Callable[[int], int],
        render: Callable[[int], Any],
    ) -> Response:
        """One page of a cursor-based incremental export (tickets, users): start_time first, then `cursor`.

        https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
        """
        per_page = int_arg(request, "per_page", 1000)
        if per_page is None or not 1 <= per_page <= 1000:
            return self.error(400, "InvalidPaginationParameter", "per_page must be between 1 and 1000")
        cursor = request.arg("cursor")
        if cursor is not None:
            state = decode_cursor(cursor)
            if state is None or not isinstance(state.get("next"), int):
                return self.error(400, "InvalidCursor", "The cursor is invalid")
            start = state["next"]
        else:
            start_time = int_arg(request, "start_time", -1)
            if start_time is None or start_time < 0:
                return self.error(400, "InvalidValue", "start_time is required and must be an epoch time")
            if start_time > dt.datetime.now(dt.UTC).timestamp() - 60:
                return self.error(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute")
            start = first_at_or_after(start_time)
        stop = min(indexes.stop, start + per_page)
        after = encode_cursor({"next": stop})
        before = encode_cursor({"next": max(indexes.start, start - per_page)})
        base = f"{request.scheme_host}/api/v2/incremental/{key}/cursor.json?cursor="
        return json_response(
            200,
            {
                key: [render(i) for i in range(start, stop)],
                "after_url": base + after,
                "after_cursor": after,
                "before_url": base + before,
                "before_cursor": before,
                # After the end the cursor still answers, with nothing and end_of_stream again: clients that
                # ignore end_of_stream loop forever (vendor-apis.md 2.9).
                "end_of_stream": stop >= indexes.stop,
            },
        )

    def ticket_event_json(self, event: int, *, comment_events: bool = False) -> dict[str, Any]:
        """Event 2t-1 creates ticket t, event 2t updates it; with comment_events, each carries its comments.

        https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-event-export
        (`include=comment_events`)
        """
        ticket = (event + 1) // 2
        created = event % 2 == 1
        moment = self.world.ticket_time(ticket) + (dt.timedelta(0) if created else self.world.step / 2)
        # The channel and priority the ticket itself carries (via.channel, priority), labelled as the events are.
        priority, channel = ticket_traits(self.world, ticket)
        via = VIA_LABEL[channel]
        child: dict[str, Any] = (
            {"id": event * 10 + 1, "event_type": "Create", "via": via, "status": "new", "priority": priority}
            if created
            else {
                "id": event * 10 + 1,
                "event_type": "Change",
                "via": via,
                "status": "open",
                "previous_value": "new",
                "field_name": "status",
            }
        )
        return {
            "id": 50_000_000 + event,
            "ticket_id": ticket,
            "timestamp": int(moment.timestamp()),
            "created_at": iso(moment),
            "updater_id": END_USER_ID_BASE + 1 + ticket % self.world.customer_count if created else 5 + ticket % 11,
            "via": via,
            "system": {
                "client": "Mozilla/5.0",
                "ip_address": "198.51.100.7",
                "location": "Lisbon, Portugal",
                "latitude": 38.7,
                "longitude": -9.1,
            },
            "event_type": "Audit",
            "child_events": [child, *self._comment_events(ticket, created)] if comment_events else [child],
        }

    def _comment_events(self, ticket: int, created: bool) -> list[dict[str, Any]]:
        count = self.world.comment_count("ticket_comment", ticket)
        events = []
        for k in range(1) if created else range(1, count):
            comment = self.comment_json(ticket, k)
            events.append(
                {
                    "id": comment["id"],
                    "event_type": "Comment",
                    "type": "Comment",
                    "author_id": comment["author_id"],
                    "body": comment["body"],
                    "html_body": comment["html_body"],
                    "plain_body": comment["plain_body"],
                    "public": comment["public"],
                    "attachments": [],
                    "audit_id": comment["audit_id"],
                    "created_at": comment["created_at"],
                }
            )
        return events

    def ticket_events(self, request: Request, caller: Caller) -> Response:
        start_time = int_arg(request, "start_time", -1)
        if start_time is None or start_time < 0:
            return self.error(400, "InvalidValue", "start_time is required and must be an epoch time")
        per_page = 1000
        first_ticket = max(1, self._first_at_or_after(start_time) - 1)
        first = 2 * first_ticket - 1
        total = 2 * self.world.size
        events: list[dict[str, Any]] = []
        event = first
        with_comments = "comment_events" in (request.arg("include") or "").split(",")
        while event <= total and len(events) < per_page:
            item = self.ticket_event_json(event, comment_events=with_comments)
            if item["timestamp"] >= start_time:
                events.append(item)
            event += 1
        end_time = events[-1]["timestamp"] if events else start_time
        # Time-based pages overlap at end_time, as the real export does: dedupe by id.
        include = f"&include={request.arg('include')}" if request.arg("include") else ""
        next_page = f"{request.scheme_host}/api/v2/incremental/ticket_events.json?start_time={end_time}{include}"
        return json_response(
            200,
            {
                "ticket_events": events,
                "next_page": next_page,
                "count": len(events),
                "end_time": end_time,
                "end_of_stream": len(events) < per_page,
            },
        )

    def ticket_metric_events(self, request: Request, caller: Caller) -> Response:
        """Incremental ticket metric events: chronological, at most 100 a page, time-based paging.

        https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/#list-ticket-metric-events
        """
        start_time = int_arg(request, "start_time", -1)
        if start_time is None or start_time < 0:
            return self.error(400, "InvalidValue", "start_time is required and must be an epoch time")
        per_page = 100
        events: list[dict[str, Any]] = []
        for event in self._metric_events:
            if _epoch(event["time"]) >= start_time:
                events.append(event)
                if len(events) == per_page:
                    break
        end_time = _epoch(events[-1]["time"]) if events else start_time
        # As the real export does, the next page starts at the last page's end_time: events at that second repeat.
        return json_response(
            200,
            {
                "ticket_metric_events": events,
                "next_page": f"{request.scheme_host}/api/v2/incremental/ticket_metric_events.json?start_time={end_time}"
                if len(events) == per_page
                else None,
                "count": len(events),
                "end_time": end_time,
            },
        )

    @cached_property
    def _metric_events(self) -> list[dict[str, Any]]:
        return list(self.metrics.iter_events())

    def ticket_metrics(self, request: Request, caller: Caller) -> Response:
        """Ticket metrics, one per ticket.

        https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/
        """
        return self._cursor_page(
            request,
            "ticket_metrics",
            range(1, self.world.size + 1),
            lambda i: self.metrics.ticket_metrics(self.metrics.life(i), request.scheme_host),
        )


def _epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")


def _any_rating(rating: dict[str, Any]) -> bool:
    return True


def _received(rating: dict[str, Any]) -> bool:
    return rating["score"] in {"good", "bad"}


# The documented `score` filters of GET /api/v2/satisfaction_ratings.
_RATING_FILTERS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "offered": lambda r: r["score"] == "offered",
    "unoffered": lambda r: r["score"] == "unoffered",
    "received": _received,
    "received_with_comment": lambda r: _received(r) and bool(r["comment"]),
    "received_without_comment": lambda r: _received(r) and not r["comment"],
    "good": lambda r: r["score"] == "good",
    "good_with_comment": lambda r: r["score"] == "good" and bool(r["comment"]),
    "good_without_comment": lambda r: r["score"] == "good" and not r["comment"],
    "bad": lambda r: r["score"] == "bad",
    "bad_with_comment": lambda r: r["score"] == "bad" and bool(r["comment"]),
    "bad_without_comment": lambda r: r["score"] == "bad" and not r["comment"],
}

# -- what the sandbox needs of this stand-in --------------------------------------------------------------------

NAME = "zendesk"
ENV_NAME = "VA_ZENDESK_OAUTH_TOKEN"
RATING_COLUMNS = (
    "id",
    "ticket_id",
    "score",
    "comment",
    "reason",
    "requester_id",
    "assignee_id",
    "created_at",
    "updated_at",
)


def _tls(scenario: str) -> TLSPolicy:
    return TLSPolicy(min_version="TLSv1") if scenario == "leaky" else TLSPolicy()  # leaky still accepts 1.0 and 1.1


def _violations(api: ZendeskAPI, scenario: str) -> list[dict[str, Any]]:
    found = manifest_entries(api.world, NAME)
    if scenario != "leaky":
        return found
    extra = sorted(set(api.oauth_tokens[api.primary_token].scopes) - set(CLEAN_SCOPES))
    found.append(
        {"vendor": NAME, "kind": "over_scoped_credential", "resource": "credential/bpo-oauth", "detail": extra}
    )
    for staff in api.world.zendesk_staff():
        if staff.active and staff.mfa is False:
            found.append(
                {"vendor": NAME, "kind": "mfa_disabled", "resource": f"users/{staff.id}", "detail": staff.role}
            )
    found += _access_violations(api)
    found += _service_level_violations(api)
    if api.two_factor_enforce is False:  # absent is "not exposed", not a violation
        found.append(
            {
                "vendor": NAME,
                "kind": "mfa_not_enforced",
                "resource": "account/security_settings",
                "detail": "agent two_factor_enforce is false",
            }
        )
    return found


def _access_violations(api: ZendeskAPI) -> list[dict[str, Any]]:
    """Issue 15's leaky plants, with the kinds and resource shapes the checks name (vendor-relative)."""

    def entry(kind: str, resource: str, detail: str) -> dict[str, Any]:
        return {"vendor": NAME, "kind": kind, "resource": resource, "detail": detail}

    found = [
        entry("dormant_account", f"users/{ZENDESK_DORMANT}", "last signed in 200 days ago"),
        entry("never_used_account", f"users/{ZENDESK_NEVER_USED}", "created 60 days ago, never signed in"),
        entry("shared_account", f"users/{ZENDESK_SHARED}", "Support Team <support@bpo.example>"),
        entry("account_not_on_roster", f"users/{ZENDESK_OFF_ROSTER}", "active agent absent from bpo-roster.csv"),
        entry("leaver_still_active", f"users/{ZENDESK_LEAVER}", "the roster says left 20 days ago"),
        # One contract number for every helpdesk; only Zendesk's active accounts exceed it (named "zendesk").
        entry("agents_over_contract", "roster/contract", "more active Zendesk accounts than contracted_agents"),
    ]
    for token_id, kind, *_ in _LEAKY_TOKENS:
        found.append(entry(kind, f"tokens/oauth_token/{token_id}", kind.replace("_", " ")))
    api_token = f"tokens/api_token/{LEAKY_API_TOKEN_ID}"
    # Zendesk retires API tokens (2026-07-28 .. 2027-04-30):
    # https://developer.zendesk.com/documentation/api-basics/authentication/oauth-migration/
    found.append(entry("deprecated_credential", api_token, "Zendesk API tokens are being retired"))
    found.append(entry("undeclared_token", api_token, "an API token the profile does not declare"))
    security = "security_settings"
    found += [
        entry("ip_restriction_off", f"{security}/ip_restriction", "ip_restriction_enabled is false"),
        entry("ip_ranges_mismatch", f"{security}/ip_restriction", "198.51.100.0/24, not the declared egress"),
        entry("session_timeout_long", f"{security}/session_timeout", "agent_session_timeout is 240 minutes"),
        entry("sso_not_enforced", f"{security}/sso", "authentication.agent.enforce_sso is false"),
        entry("assumption_too_long", f"{security}/assumption", "assumption_duration is a month"),
    ]
    found += [
        entry("flow_plain_http", f"flows/webhook/{WEBHOOK_PLAIN_HTTP}", "http://crm.brand.example/zendesk"),
        entry("flow_not_allowed", f"flows/webhook/{WEBHOOK_NOT_ALLOWED}", "hooks.analytics-partner.example"),
        entry("flow_secret_in_headers", f"flows/webhook/{WEBHOOK_HEADER_IN_CLEAR}", "custom header Authorization"),
        entry("flow_tls_weak", f"flows/webhook/{WEBHOOK_TLS_WEAK}", "the zendesk listener accepts TLS 1.0"),
        entry("flow_plain_http", f"flows/target/{TARGET_PLAIN_HTTP}", "http://exports.brand.example/zendesk"),
        entry("flow_not_allowed", f"flows/trigger/{TRIGGER_NOT_ALLOWED}", "notifies the analytics partner webhook"),
    ]
    return found


# The contract's service levels for this helpdesk ([[sla.targets]]), and the resource the checks name them by.
CHAT_FIRST_REPLY = "sla/first_reply_time/chat/all"
OVERSTATED_ATTAINMENT = 0.95  # leaky: what the vendor's scorecard claims for chat first replies


def _sla_targets(api: ZendeskAPI) -> list[dict[str, Any]]:
    return [
        {
            "metric": "first_reply_time",
            "vendor": NAME,
            "channel": "chat",
            "minutes": CHAT_POLICY[2],
            "share": 0.9,
            "credit": "5 % of the month's chat fee",
        },
        # Resolution has no Zendesk SLA policy here: the target is judged on the recomputed p90.
        {"metric": "full_resolution_time", "vendor": NAME, "minutes": 5760, "share": 0.9},
    ]


def _scorecard(api: ZendeskAPI) -> list[dict[str, Any]]:
    """The vendor's own monthly figures: true in clean, overstated for chat first replies in leaky."""
    met, measured = api.metrics.first_reply_attainment({"chat"})
    true = round(met / measured, 3) if measured else None
    claimed = OVERSTATED_ATTAINMENT if api.world.scenario == "leaky" else true
    return [{"metric": "first_reply_time", "vendor": NAME, "channel": "chat", "within_sla": claimed}]


def _service_level_violations(api: ZendeskAPI) -> list[dict[str, Any]]:
    met, measured = api.metrics.first_reply_attainment({"chat"})
    detail = (
        f"{met} of {measured} chat tickets got a first reply within {CHAT_POLICY[2]} minutes; the contract asks 90 %"
    )
    return [
        {"vendor": NAME, "kind": "sla_missed", "resource": CHAT_FIRST_REPLY, "detail": detail},
        {
            "vendor": NAME,
            "kind": "scorecard_overstated",
            "resource": CHAT_FIRST_REPLY,
            "detail": f"the scorecard reports {OVERSTATED_ATTAINMENT:.0%}; the exports say {met / measured:.0%}",
        },
    ]


def _profile(api: ZendeskAPI, base_url: str) -> str:
    return f"""\
[vendors.{NAME}]
type = "zendesk"
base_url = "{base_url}"
environment = "sandbox"
sandbox_accounts = ["{SANDBOX_SUBDOMAIN}"]

[[vendors.{NAME}.credentials]]
name = "bpo-oauth"
auth = "oauth"
secret_env = "{ENV_NAME}"
allowed_scopes = {json.dumps(list(CLEAN_SCOPES))}
"""


def _exports(api: ZendeskAPI) -> list[ExportFile]:
    size, leaky = api.world.size, api.world.scenario == "leaky"
    return [
        ExportFile(
            vendor=NAME,
            name="zendesk_ticket_events.ndjson",
            format="ndjson",
            schema="zendesk.ticket_event",
            records=lambda: (api.ticket_event_json(e) for e in range(1, 2 * size + 1)),
            total=2 * size,
            breaks=[
                (0.15, "bad_datetime", lambda r: r | {"created_at": "yesterday"}),
                (0.35, "wrong_type", lambda r: r | {"ticket_id": f"T-{r['ticket_id']}"}),
                (0.55, "missing_field", lambda r: {k: v for k, v in r.items() if k != "event_type"}),
                (0.75, "malformed_json", lambda r: json.dumps(r)[:40]),
            ]
            if leaky
            else [],
        ),
        # The SLA clock: clean in both scenarios (the leaky miss is in the data, not in the file's shape).
        ExportFile(
            vendor=NAME,
            name="zendesk_ticket_metric_events.ndjson",
            format="ndjson",
            schema="zendesk.ticket_metric_event",
            records=api.metrics.iter_events,
            total=0,  # no breaks: where a break would land does not matter
        ),
        ExportFile(
            vendor=NAME,
            name="zendesk_satisfaction_ratings.csv",
            format="csv",
            schema="zendesk.satisfaction_rating",
            records=lambda: (api.rating_json("https://sandbox.zendesk.example", j) for j in range(1, size // 3 + 1)),
            total=size // 3,
            columns=RATING_COLUMNS,
            breaks=[
                (0.25, "bad_enum", lambda r: r | {"score": "excellent"}),
                (0.65, "missing_field", lambda r: r | {"ticket_id": ""}),
            ]
            if leaky
            else [],
        ),
    ]


STANDIN: StandIn[ZendeskAPI] = StandIn(
    name=NAME,
    vendor_type="zendesk",
    limits=ZendeskLimits,
    start=ZendeskAPI,
    tls=_tls,
    violations=_violations,
    profile=_profile,
    secrets=lambda api: {ENV_NAME: api.primary_token},
    exports=_exports,
    sla_targets=_sla_targets,
    scorecard=_scorecard,
    sso_required=True,  # security_settings shows authentication.agent.enforce_sso; clean enforces it
)
