"""Stand-in for the Gorgias REST API.

Faithful to (see shared/reference/vendor-apis.md section 3):
https://developers.gorgias.com/docs/access-tokens-api-keys (Basic {email}:{api_key}, OAuth Bearer),
https://developers.gorgias.com/reference/pagination-1 (data/meta.next_cursor envelope, limit <= 100),
https://developers.gorgias.com/reference/limitations (40 requests / 20 s per API key, 80 for OAuth apps,
X-Gorgias-Account-Api-Call-Limit, Retry-after), https://developers.gorgias.com/reference/errors
({"error": {"msg": ...}}). Users carry a role and no 2FA field: the real API does not expose it.

Timestamps come in the forms Gorgias answers, mixed deterministically per moment (`_data.gorgias_time`): the
reference examples' naive `2019-11-16T15:59:41.966927`, and live data's `+00:00` and `+0000` (Airbyte's
source-gorgias). `GET /api/satisfaction-surveys` answers a bare JSON array by default, as Gorgias's schema
declares it (https://developers.gorgias.com/reference/satisfaction-surveys), or the `data`/`meta` envelope
Airbyte's manifest and mocks read (`GorgiasAPI.surveys_shape = "envelope"`); the other lists answer the envelope
of https://developers.gorgias.com/reference/pagination-1.

`GET /api/integrations` (https://developers.gorgias.com/reference/integrations, the same cursor envelope) lists
the account's Shopify store and support mailbox, managed by Gorgias, and one custom `http` integration: in the
clean scenario it calls a sandbox listener on 127.0.0.1 over https (this stand-in's own, unless `flow_origin`
names another) with no secret in its headers; in the leaky one it calls a plain http:// URL with an
`X-Api-Key: sk_live_...` header in clear, as the integration object shows headers (`http.headers`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ._api import Router, basic_credentials, bearer_token, decode_cursor, encode_cursor, new_token
from ._data import DATA_END, DATA_SPAN, Staff, World, gorgias_time, manifest_entries
from ._http import Request, Response, json_response
from ._ratelimit import LeakyBucket
from ._standin import ExportFile, StandIn
from ._tls import TLSPolicy

CLEAN_OAUTH_SCOPES = (
    "tickets:read",
    "customers:read",
    "users:read",
    "events:read",
    "account:read",
    "integrations:read",
)
SURVEY_ID_BASE = 800_000
# The account's domain (https://{domain}.gorgias.com): the sandbox's, on the generated profile's sandbox_accounts,
# or production's.
SANDBOX_DOMAIN = "sandbox-brand"
PRODUCTION_DOMAIN = "brand"
SURVEY_SHAPES = ("bare", "envelope")
HTTP_INTEGRATION_ID = 31
# A live-looking third-party key in the leaky integration's headers (the connector must never keep it).
LEAKY_INTEGRATION_KEY = "sk_live_51NbpoSandboxA1b2C3d4E5f6G7h8I9j0KlMn"


@dataclass(frozen=True, slots=True)
class GorgiasLimits:
    api_key_requests: int = 40
    oauth_requests: int = 80
    window_seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class Credential:
    user_id: int
    scopes: tuple[str, ...] | None  # None for an API key: it carries its user's role instead
    kind: str  # "api_key" or "oauth"


@dataclass
class GorgiasAPI:
    world: World
    limits: GorgiasLimits = field(default_factory=GorgiasLimits)
    api_keys: dict[tuple[str, str], Credential] = field(default_factory=dict)
    oauth_tokens: dict[str, Credential] = field(default_factory=dict)
    added_messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # "bare": the JSON array Gorgias's schema declares for GET /api/satisfaction-surveys; "envelope": the
    # {"data": [...], "meta": {...}} page Airbyte's source-gorgias reads there (airbytehq/airbyte manifest.yaml).
    surveys_shape: str = "bare"
    # Where the custom HTTP integration sends ("https://127.0.0.1:port"); None: the origin the request came in on.
    flow_origin: str | None = None
    # The Account object's `domain` (https://developers.gorgias.com/reference/the-account-object); None: the world's
    # choice of the sandbox's or production's.
    domain: str | None = None

    def __post_init__(self) -> None:
        if self.domain is None:
            self.domain = PRODUCTION_DOMAIN if self.world.production_like else SANDBOX_DOMAIN
        if self.surveys_shape not in SURVEY_SHAPES:
            raise ValueError(f"surveys_shape must be one of {SURVEY_SHAPES}")
        self._staff = {s.id: s for s in self.world.gorgias_staff()}
        self._offsets: list[int] = []
        self._buckets: dict[str, LeakyBucket] = {}
        r = Router()
        r.add("GET", "/api/account", self.account, ("account:read",))
        r.add("GET", "/api/users", self.users, ("users:read",))
        r.add("GET", "/api/users/{id}", self.user, ("users:read",))
        r.add("GET", "/api/tickets", self.tickets, ("tickets:read",))
        r.add("GET", "/api/tickets/{id}", self.ticket, ("tickets:read",))
        r.add("GET", "/api/tickets/{id}/messages", self.ticket_messages, ("tickets:read",))
        r.add("POST", "/api/tickets/{id}/messages", self.create_message, ("tickets:write",))
        r.add("DELETE", "/api/tickets/{id}/messages/{message_id}", self.delete_message, ("tickets:write",))
        r.add("GET", "/api/messages", self.messages, ("tickets:read",))
        r.add("GET", "/api/customers", self.customers, ("customers:read",))
        r.add("GET", "/api/customers/{id}", self.customer, ("customers:read",))
        r.add("GET", "/api/events", self.events, ("events:read",))
        r.add("GET", "/api/satisfaction-surveys", self.surveys, ("tickets:read",))
        r.add("GET", "/api/integrations", self.integrations, ("integrations:read",))
        self._router = r
        self.api_key = new_token("", 32)
        self.api_key_email = self._staff[1].email
        self.api_keys[(self.api_key_email, self.api_key)] = Credential(1, None, "api_key")

    def issue_oauth_token(self, scopes: tuple[str, ...] | list[str], user_id: int = 1) -> str:
        token = new_token("", 32)
        self.oauth_tokens[token] = Credential(user_id, tuple(scopes), "oauth")
        return token

    # -- plumbing
    @staticmethod
    def error(status: int, message: str, data: dict[str, Any] | None = None) -> Response:
        body: dict[str, Any] = {"msg": message}
        if data is not None:
            body["data"] = data
        return json_response(status, {"error": body})

    def _authenticate(self, request: Request) -> tuple[str, Credential] | None:
        token = bearer_token(request)
        if token is not None:
            grant = self.oauth_tokens.get(token)
            return (token, grant) if grant else None
        basic = basic_credentials(request)
        if basic is not None and basic in self.api_keys:
            return basic[1], self.api_keys[basic]
        return None

    def handle(self, request: Request) -> Response:
        found = self._authenticate(request)
        if found is None:
            return self.error(401, "Unauthorized.")
        key, credential = found
        capacity = self.limits.oauth_requests if credential.kind == "oauth" else self.limits.api_key_requests
        bucket = self._buckets.setdefault(key, LeakyBucket(capacity, capacity / self.limits.window_seconds))
        decision = bucket.take()
        limit_header = ("X-Gorgias-Account-Api-Call-Limit", f"{decision.used}/{decision.limit}")
        if not decision.allowed:
            response = self.error(429, "Too many requests.")
            response.headers += [limit_header, ("Retry-after", str(max(1, math.ceil(decision.retry_after))))]
            return response
        response = self._dispatch(request, credential)
        response.headers.append(limit_header)
        return response

    def _dispatch(self, request: Request, credential: Credential) -> Response:
        path = request.path.rstrip("/") or "/"
        matched = self._router.match(request.method, path)
        if matched is None:
            return self.error(404, "Resource not found.")
        if matched is False:
            return self.error(405, "Method not allowed.")
        assert not isinstance(matched, bool)  # noqa: S101 - narrowing for mypy
        route, params = matched
        user = self._staff[credential.user_id]
        if credential.scopes is not None and route.scopes and not route.scopes & set(credential.scopes):
            return self.error(403, "Insufficient scopes.", {"required_scopes": sorted(route.scopes)})
        # The UI permission table does not apply to the API, but read-only roles cannot write.
        if request.method != "GET" and user.role in {"observer-agent", "lite-agent"}:
            return self.error(403, "You do not have permission to perform this action.")
        return route.handler(request, user, **params)

    def _list(
        self,
        request: Request,
        indexes: range,
        render: Callable[[int], dict[str, Any]],
        *,
        default_order: str = "created_datetime:desc",
        bare: bool = False,
    ) -> Response:
        limit_raw = request.arg("limit") or "30"
        limit = int(limit_raw) if limit_raw.isdigit() else -1
        if not 1 <= limit <= 100:
            return self.error(400, "Invalid query parameters.", {"limit": ["Must be between 1 and 100."]})
        order = request.arg("order_by") or default_order
        if order.split(":")[-1] not in {"asc", "desc"}:
            return self.error(400, "Invalid query parameters.", {"order_by": ["Invalid value."]})
        ordered = indexes if order.endswith(":asc") else indexes[::-1]
        position = 0
        cursor = request.arg("cursor")
        if cursor:
            state = decode_cursor(cursor)
            if state is None or not isinstance(state.get("p"), int) or state.get("o") != order:
                return self.error(400, "Invalid cursor.", {"cursor": ["Invalid value."]})
            position = state["p"]
        window = ordered[position : position + limit]
        next_cursor = encode_cursor({"p": position + limit, "o": order}) if position + limit < len(ordered) else None
        prev_cursor = encode_cursor({"p": max(0, position - limit), "o": order}) if position > 0 else None
        if bare:  # the same window, without the envelope (and so without a cursor to the next one)
            return json_response(200, [render(i) for i in window])
        query = urlencode(request.query)
        return json_response(
            200,
            {
                "data": [render(i) for i in window],
                "object": "list",
                "uri": request.path + (f"?{query}" if query else ""),
                "meta": {"prev_cursor": prev_cursor, "next_cursor": next_cursor},
            },
        )

    # -- data
    def user_json(self, staff: Staff) -> dict[str, Any]:
        first, _, last = staff.name.partition(" ")
        return {
            "id": staff.id,
            "active": staff.active,
            "bio": None,
            "client_id": None,
            "country": "PT",
            "created_datetime": gorgias_time(DATA_END - DATA_SPAN),
            "deactivated_datetime": None,
            "email": staff.email,
            "external_id": None,
            "firstname": first,
            "lastname": last,
            "name": staff.name,
            "language": "en",
            "meta": {},
            "role": {"name": staff.role},
            "timezone": "Europe/Lisbon",
            "updated_datetime": gorgias_time(DATA_END),
        }

    def customer_json(self, index: int) -> dict[str, Any]:
        world = self.world
        first, last, email = world.person("customer", index)
        rng = world.rng("gorgias-customer", index)
        note = world.planted_text("gorgias", "customer", index, rng.choice(["", "Prefers chat", "Returning buyer"]))
        created = gorgias_time(world.ticket_time(index) - dt.timedelta(days=30))
        return {
            "id": index,
            "email": email,
            "external_id": None,
            "firstname": first,
            "lastname": last,
            "name": f"{first} {last}",
            "language": "en",
            "timezone": "UTC",
            "note": note or None,
            "channels": [{"type": "email", "address": email}],
            "data": {},
            "integrations": {
                "12": {
                    "__integration_type__": "shopify",
                    "customer": {"id": 7_012_000_000_000 + index, "orders_count": 1 + index % 4},
                }
            },
            "created_datetime": created,
            "updated_datetime": created,
        }

    def ticket_json(self, index: int, *, with_messages: bool = False) -> dict[str, Any]:
        world = self.world
        rng = world.rng("gorgias-ticket", index)
        created = world.ticket_time(index)
        customer = 1 + index % world.customer_count
        first, last, email = world.person("customer", customer)
        agent = self._staff[4 + index % 10]
        closed = index % 2 == 0
        count = world.comment_count("message", index) + len(self.added_messages.get(index, []))
        ticket: dict[str, Any] = {
            "id": index,
            "uri": f"/api/tickets/{index}/",
            "external_id": None,
            "status": "closed" if closed else "open",
            "priority": "normal",
            "channel": rng.choice(["email", "chat", "contact_form", "sms"]),
            "via": "api" if index % 7 == 0 else "helpdesk",
            "from_agent": False,
            "spam": False,
            "language": "en",
            "subject": world.subject(index),
            "customer": {"id": customer, "email": email, "name": f"{first} {last}"},
            "assignee_user": {"id": agent.id, "name": agent.name},
            "assignee_user_id": agent.id,
            "assignee_team": None,
            "tags": [{"id": 1 + index % 3, "name": rng.choice(["wismo", "refund", "exchange"])}],
            "custom_fields": {},
            "meta": {},
            "messages_count": count,
            "created_datetime": gorgias_time(created),
            "opened_datetime": gorgias_time(created),
            "last_received_message_datetime": gorgias_time(created + dt.timedelta(minutes=3)),
            "last_message_datetime": gorgias_time(created + dt.timedelta(minutes=3 * count)),
            "updated_datetime": gorgias_time(created + world.step / 2),
            "closed_datetime": gorgias_time(created + world.step / 2) if closed else None,
            "snooze_datetime": None,
            "trashed_datetime": None,
        }
        if with_messages:
            ticket["messages"] = [self.message_json(index, k) for k in range(count)]
        return ticket

    def message_json(self, ticket: int, k: int) -> dict[str, Any]:
        world = self.world
        base = world.comment_count("message", ticket)
        if k >= base:
            return self.added_messages[ticket][k - base]
        message_id = ticket * 10 + k
        text, from_agent = world.message_text("message", ticket, k)
        text = world.planted_text("gorgias", "message", message_id, text)
        customer = 1 + ticket % world.customer_count
        _, _, email = world.person("customer", customer)
        agent = self._staff[4 + ticket % 10]
        sender = {"id": agent.id, "email": agent.email} if from_agent else {"id": customer, "email": email}
        moment = gorgias_time(world.ticket_time(ticket) + dt.timedelta(minutes=3 * k))
        channel = "chat" if ticket % 2 else "email"
        return {
            "id": message_id,
            "uri": f"/api/tickets/{ticket}/messages/{message_id}/",
            "message_id": f"<{message_id}@mail.gorgias.example>" if channel == "email" else None,
            "ticket_id": ticket,
            "external_id": None,
            "public": True,
            "channel": channel,
            "via": "helpdesk" if from_agent else channel,
            "source": {"type": channel, "from": {"name": sender["email"], "address": sender["email"]}, "to": []},
            "sender": sender,
            "receiver": {"id": customer if from_agent else agent.id},
            "integration_id": None,
            "rule_id": None,
            "from_agent": from_agent,
            "subject": world.subject(ticket),
            "body_text": text,
            "body_html": f"<div>{text}</div>",
            "stripped_text": text,
            "attachments": [],
            "created_datetime": moment,
            "sent_datetime": moment,
            "failed_datetime": None,
            "last_sending_error": None,
        }

    def event_json(self, event: int) -> dict[str, Any]:
        ticket = (event + 1) // 2
        created = event % 2 == 1
        moment = self.world.ticket_time(ticket) + (dt.timedelta(0) if created else self.world.step / 2)
        return {
            "id": 70_000_000 + event,
            "context": f"00000000-0000-4000-8000-{event:012d}",
            "created_datetime": gorgias_time(moment),
            "data": {"status": "open"} if created else {"status": {"old": "open", "new": "closed"}},
            "object_id": ticket,
            "object_type": "Ticket",
            "type": "ticket-created" if created else "ticket-updated",
            "user_id": None if created else 4 + ticket % 10,
        }

    def survey_json(self, j: int) -> dict[str, Any]:
        ticket = 3 * j
        rng = self.world.rng("gorgias-survey", ticket)
        sent = self.world.ticket_time(ticket) + dt.timedelta(days=1)
        scored = rng.random() < 0.7
        return {
            "id": SURVEY_ID_BASE + ticket,
            "ticket_id": ticket,
            "customer_id": 1 + ticket % self.world.customer_count,
            "score": 1 + rng.randrange(5) if scored else None,
            "body_text": rng.choice([None, "Great help", "Slow reply"]) if scored else None,
            "meta": {},
            "created_datetime": gorgias_time(sent - dt.timedelta(hours=1)),
            "sent_datetime": gorgias_time(sent),
            "scored_datetime": gorgias_time(sent + dt.timedelta(hours=2)) if scored else None,
            "should_send_datetime": gorgias_time(sent),
            "uri": f"/api/satisfaction-surveys/{SURVEY_ID_BASE + ticket}/",
        }

    def integration_json(self, index: int, origin: str) -> dict[str, Any]:
        """The account's integrations (https://developers.gorgias.com/reference/integrations), oldest first."""
        created = gorgias_time(DATA_END - DATA_SPAN + dt.timedelta(days=3 * index))
        common = {
            "created_datetime": created,
            "updated_datetime": created,
            "deactivated_datetime": None,
            "description": None,
            "user": {"id": 2},
            "application_id": None,
        }
        if index == 0:  # the store whose orders the customer records embed ("integrations": {"12": ...})
            return common | {
                "id": 12,
                "name": "sandbox-brand",
                "type": "shopify",
                "managed": True,
                "uri": "/api/integrations/12/",
                "meta": {"shop_name": "sandbox-brand"},
            }
        if index == 1:
            return common | {
                "id": 5,
                "name": "support@brand.example",
                "type": "email",
                "managed": True,
                "uri": "/api/integrations/5/",
                "meta": {"address": "support@brand.example"},
            }
        leaky = self.world.scenario == "leaky"
        base = self.flow_origin or origin
        headers = {"Accept": "application/json"}
        if leaky:  # plain http, and the receiving system's key in clear
            base = "http://" + base.split("://", 1)[-1]
            headers["X-Api-Key"] = LEAKY_INTEGRATION_KEY
        return common | {
            "id": HTTP_INTEGRATION_ID,
            "name": "Order lookup (CRM)",
            "type": "http",
            "managed": False,
            "uri": f"/api/integrations/{HTTP_INTEGRATION_ID}/",
            "http": {
                "id": 987,
                "url": f"{base}/hooks/gorgias/customer?email={{{{ticket.customer.email}}}}",
                "method": "POST",
                "headers": headers,
                "form": {"ticket_id": "{{ticket.id}}"},
                "request_content_type": "application/json",
                "response_content_type": "application/json",
                "triggers": {
                    "ticket-created": True,
                    "ticket-updated": False,
                    "ticket-message-created": True,
                },
            },
        }

    # -- handlers
    def account(self, request: Request, user: Staff) -> Response:
        return json_response(
            200,
            {
                "domain": self.domain,
                "created_datetime": gorgias_time(DATA_END - DATA_SPAN),
                "status": {"status": "active"},
                "settings": [{"type": "business-hours", "data": {"timezone": "Europe/Lisbon"}}],
            },
        )

    def users(self, request: Request, user: Staff) -> Response:
        staff = list(self._staff.values())
        roles = set(request.args("roles") + request.args("role"))
        staff = [s for s in staff if not roles or s.role in roles]
        return self._list(
            request, range(len(staff)), lambda i: self.user_json(staff[i]), default_order="created_datetime:asc"
        )

    def user(self, request: Request, user: Staff, id: str) -> Response:
        if id == "0":  # the current user
            return json_response(200, self.user_json(user))
        staff = self._staff.get(int(id)) if id.isdigit() else None
        return json_response(200, self.user_json(staff)) if staff else self.error(404, "Resource not found.")

    def _ticket_index(self, raw: str) -> int | None:
        return int(raw) if raw.isdigit() and 1 <= int(raw) <= self.world.size else None

    def tickets(self, request: Request, user: Staff) -> Response:
        return self._list(request, range(1, self.world.size + 1), self.ticket_json)

    def ticket(self, request: Request, user: Staff, id: str) -> Response:
        index = self._ticket_index(id)
        if index is None:
            return self.error(404, "Resource not found.")
        return json_response(200, self.ticket_json(index, with_messages=True))

    def _messages_of(self, request: Request, index: int) -> Response:
        count = self.world.comment_count("message", index) + len(self.added_messages.get(index, []))
        return self._list(
            request, range(count), lambda k: self.message_json(index, k), default_order="created_datetime:asc"
        )

    def ticket_messages(self, request: Request, user: Staff, id: str) -> Response:
        index = self._ticket_index(id)
        return self.error(404, "Resource not found.") if index is None else self._messages_of(request, index)

    def _message_offsets(self) -> list[int]:
        """offsets[t-1] is the position of ticket t's first message in the list of every message."""
        if len(self._offsets) != self.world.size:
            counts = (self.world.comment_count("message", t) for t in range(1, self.world.size + 1))
            self._offsets = [0, *itertools.accumulate(counts)][:-1]
        return self._offsets

    def _nth_message(self, position: int) -> dict[str, Any]:
        offsets = self._message_offsets()
        ticket = bisect.bisect_right(offsets, position)
        return self.message_json(ticket, position - offsets[ticket - 1])

    def messages(self, request: Request, user: Staff) -> Response:
        ticket_id = request.arg("ticket_id")
        if ticket_id is None:  # every message of every ticket, oldest first
            offsets = self._message_offsets()
            total = offsets[-1] + self.world.comment_count("message", self.world.size)
            return self._list(request, range(total), self._nth_message, default_order="created_datetime:asc")
        index = self._ticket_index(ticket_id)
        return self.error(404, "Resource not found.") if index is None else self._messages_of(request, index)

    def create_message(self, request: Request, user: Staff, id: str) -> Response:
        index = self._ticket_index(id)
        if index is None:
            return self.error(404, "Resource not found.")
        try:
            payload = request.json()
            body = str(payload["body_text"])
        except (ValueError, KeyError, TypeError):
            return self.error(400, "Failed to create message", {"body_text": ["Missing data for required field."]})
        added = self.added_messages.setdefault(index, [])
        message = self.message_json(index, 0) | {
            "id": 9_000_000 + index * 100 + len(added),
            "body_text": body,
            "body_html": f"<div>{body}</div>",
            "stripped_text": body,
            "public": bool(payload.get("public", False)),
            "from_agent": True,
            "sender": {"id": user.id, "email": user.email},
            "channel": payload.get("channel", "internal-note"),
            "created_datetime": gorgias_time(dt.datetime.now(dt.UTC)),
        }
        added.append(message)
        return json_response(201, message)

    def delete_message(self, request: Request, user: Staff, id: str, message_id: str) -> Response:
        """Only a message this stand-in took in can go (its seeded ones are generated, not stored): 204, no body."""
        index = self._ticket_index(id)
        added = self.added_messages.get(index or 0, [])
        kept = [m for m in added if str(m["id"]) != message_id]
        if index is None or len(kept) == len(added):
            return self.error(404, "Resource not found.")
        self.added_messages[index] = kept
        return Response(204, b"", content_type="application/json")

    def customers(self, request: Request, user: Staff) -> Response:
        return self._list(request, range(1, self.world.customer_count + 1), self.customer_json)

    def customer(self, request: Request, user: Staff, id: str) -> Response:
        index = int(id) if id.isdigit() else 0
        if not 1 <= index <= self.world.customer_count:
            return self.error(404, "Resource not found.")
        return json_response(200, self.customer_json(index))

    def events(self, request: Request, user: Staff) -> Response:
        return self._list(request, range(1, 2 * self.world.size + 1), self.event_json)

    def integrations(self, request: Request, user: Staff) -> Response:
        return self._list(
            request,
            range(3),
            lambda i: self.integration_json(i, request.scheme_host),
            default_order="created_datetime:asc",
        )

    def surveys(self, request: Request, user: Staff) -> Response:
        bare = self.surveys_shape == "bare"
        return self._list(request, range(1, self.world.size // 3 + 1), self.survey_json, bare=bare)


# -- what the sandbox needs of this stand-in --------------------------------------------------------------------

NAME = "gorgias"
ENV_NAME = "VA_GORGIAS_API_KEY"
SURVEY_COLUMNS = (
    "id",
    "ticket_id",
    "customer_id",
    "score",
    "body_text",
    "created_datetime",
    "sent_datetime",
    "scored_datetime",
)


def _tls(scenario: str) -> TLSPolicy:
    return TLSPolicy(not_after_days=5) if scenario == "leaky" else TLSPolicy()  # expires within the warning window


def _violations(api: GorgiasAPI, scenario: str) -> list[dict[str, Any]]:
    found = manifest_entries(api.world, NAME)
    if scenario == "leaky":
        found.append(
            {
                "vendor": NAME,
                "kind": "over_scoped_credential",
                "resource": "credential/bpo-api-key",
                "detail": "acts as an admin user",
            }
        )
        resource = f"flows/http_integration/{HTTP_INTEGRATION_ID}"
        found.append(
            {"vendor": NAME, "kind": "flow_plain_http", "resource": resource, "detail": "sends to an http:// URL"}
        )
        found.append(
            {
                "vendor": NAME,
                "kind": "flow_secret_in_headers",
                "resource": resource,
                "detail": "X-Api-Key header in clear",
            }
        )
    return found


def _profile(api: GorgiasAPI, base_url: str) -> str:
    return f"""\
[vendors.{NAME}]
type = "gorgias"
base_url = "{base_url}"
environment = "sandbox"
sandbox_accounts = ["{SANDBOX_DOMAIN}"]

[[vendors.{NAME}.credentials]]
name = "bpo-api-key"
auth = "api_key"
email = "{api.api_key_email}"
secret_env = "{ENV_NAME}"
allowed_roles = ["observer-agent"]
"""


def _exports(api: GorgiasAPI) -> list[ExportFile]:
    size, leaky = api.world.size, api.world.scenario == "leaky"
    pan_plant = next((p for p in api.world.plants if p.store == "export"), None)

    def events() -> Iterator[dict[str, Any]]:
        for event in range(1, 2 * size + 1):
            record = api.event_json(event)
            if pan_plant is not None and event == pan_plant.record_id:
                record["data"] = record["data"] | {"note": pan_plant.text}
            yield record

    return [
        ExportFile(
            vendor=NAME,
            name="gorgias_events.ndjson",
            format="ndjson",
            schema="gorgias.event",
            records=events,
            total=2 * size,
            breaks=[
                (0.2, "bad_datetime", lambda r: r | {"created_datetime": "2026-13-45T25:61:00"}),
                (0.6, "wrong_type", lambda r: r | {"object_id": "abc"}),
            ]
            if leaky
            else [],
        ),
        ExportFile(
            vendor=NAME,
            name="gorgias_satisfaction_surveys.csv",
            format="csv",
            schema="gorgias.satisfaction_survey",
            records=lambda: (api.survey_json(j) for j in range(1, size // 3 + 1)),
            total=size // 3,
            columns=SURVEY_COLUMNS,
            breaks=[(0.45, "out_of_range", lambda r: r | {"score": 7})] if leaky else [],
        ),
    ]


STANDIN: StandIn[GorgiasAPI] = StandIn(
    name=NAME,
    vendor_type="gorgias",
    limits=GorgiasLimits,
    start=GorgiasAPI,
    tls=_tls,
    violations=_violations,
    profile=_profile,
    secrets=lambda api: {ENV_NAME: api.api_key},
    exports=_exports,
)
