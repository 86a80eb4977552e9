"""A Freshdesk stand-in kept outside the package: once registered, every sandbox serves it over real HTTPS.

What the connector reads, as https://developers.freshdesk.com/api/ documents it: Basic auth with the API key
as the user name and any password, else 401 `{"code": "invalid_credentials", ...}` (#authentication); bare
JSON arrays paged by `page`/`per_page` with a `link` header to the next page (#pagination); the ticket list
holding only the last 30 days unless `updated_since` is given (#list_all_tickets); conversations per ticket
(#list_all_ticket_notes); X-Ratelimit-Total and X-Ratelimit-Remaining on every answer (#ratelimit). The
leaky scenario plants one clear card number in a ticket conversation, and breaks one record of the export.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from vendor_audit import sandbox

NAME = "freshdesk"
ENV_NAME = "VA_FRESHDESK_API_KEY"
TICKETS = 30
PLANTED = (7, 1)  # (ticket, conversation) that holds the card number in the leaky scenario
ROLES = {1: "Account Administrator", 2: "Administrator", 3: "Supervisor", 4: "Agent"}
AGENTS = [
    (1, "Integration", "integration@brand.example", 4),  # the API key's agent
    (2, "Admin Two", "admin2@bpo.example", 1),
    *((i, f"Agent {i}", f"agent{i}@bpo.example", 4) for i in range(3, 9)),
]
EXPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Freshdesk ticket export record",
    "type": "object",
    "required": ["id", "status", "created_at", "updated_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "subject": {"type": "string"},
        "status": {"enum": [2, 3, 4, 5]},  # open, pending, resolved, closed
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


@dataclass(frozen=True, slots=True)
class FreshdeskLimits:
    requests_per_minute: int = 200  # the Growth plan's (#ratelimit): told in the headers, not enforced here


def luhn_complete(partial: str) -> str:
    total = 0
    for i, char in enumerate(reversed(partial)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return partial + str((10 - total % 10) % 10)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FreshdeskAPI:
    world: sandbox.World
    limits: FreshdeskLimits = field(default_factory=FreshdeskLimits)

    def __post_init__(self) -> None:
        self.api_key = sandbox.new_token("", 20)
        rng = self.world.rng("freshdesk-pan", 0)
        self.pan = luhn_complete("4" + "".join(str(rng.randrange(10)) for _ in range(14)))
        router = sandbox.Router()
        router.add("GET", "/api/v2/agents/me", self.me)
        router.add("GET", "/api/v2/agents", self.agents)
        router.add("GET", "/api/v2/roles", self.roles)
        router.add("GET", "/api/v2/tickets", self.tickets)
        router.add("GET", "/api/v2/tickets/{id}", self.ticket)
        router.add("GET", "/api/v2/tickets/{id}/conversations", self.conversations)
        self._router = router

    @property
    def leaky(self) -> bool:
        return self.world.scenario == "leaky"

    @staticmethod
    def error(status: int, message: str) -> sandbox.Response:
        return sandbox.json_response(status, {"code": "error", "message": message})

    def handle(self, request: sandbox.Request) -> sandbox.Response:
        credentials = sandbox.basic_credentials(request)
        if credentials is None or credentials[0] != self.api_key:
            message = "You have to be logged in to perform this action."
            return sandbox.json_response(401, {"code": "invalid_credentials", "message": message})
        matched = self._router.match(request.method, request.path)
        if not isinstance(matched, tuple):
            return self.error(404 if matched is None else 405, "Not found" if matched is None else "Not allowed")
        route, params = matched
        response = route.handler(request, **params)
        limit = self.limits.requests_per_minute
        response.headers += [("X-Ratelimit-Total", str(limit)), ("X-Ratelimit-Remaining", str(limit - 1))]
        return response

    def _page(self, request: sandbox.Request, items: list[dict[str, Any]]) -> sandbox.Response:
        try:
            page, per_page = int(request.arg("page") or 1), int(request.arg("per_page") or 30)
        except ValueError:
            page = per_page = 0
        if page < 1 or not 1 <= per_page <= 100:
            return sandbox.json_response(400, {"description": "Validation failed", "errors": [{"field": "per_page"}]})
        headers = []
        if page * per_page < len(items):
            query = [(k, v) for k, v in request.query if k != "page"] + [("page", str(page + 1))]
            headers.append(("Link", f'<{request.scheme_host}{request.path}?{urlencode(query)}>; rel="next"'))
        return sandbox.json_response(200, items[(page - 1) * per_page : page * per_page], headers)

    # -- records
    def agent_json(self, agent: tuple[int, str, str, int]) -> dict[str, Any]:
        agent_id, name, email, role = agent
        seen = stamp(self.world.ticket_time(TICKETS))
        return {
            "id": agent_id,
            "available": True,
            "occasional": False,
            "ticket_scope": 1,
            "role_ids": [role],
            "group_ids": [],
            "type": "support_agent",
            "created_at": stamp(self.world.ticket_time(1)),
            "updated_at": seen,
            "last_active_at": seen,
            "contact": {"active": True, "email": email, "name": name, "language": "en", "last_login_at": seen},
        }

    def ticket_json(self, ticket: int, *, description: bool) -> dict[str, Any]:
        created = self.world.ticket_time(ticket)
        record: dict[str, Any] = {
            "id": ticket,
            "subject": self.world.subject(ticket),
            "status": 2 if ticket % 3 else 5,
            "priority": 1,
            "source": 1,
            "requester_id": 1000 + ticket,
            "responder_id": 3 + ticket % 6,
            "created_at": stamp(created),
            "updated_at": stamp(created + dt.timedelta(hours=1)),
        }
        if description:
            record["description_text"] = self.world.message_text(NAME, ticket, 0)[0]
        return record

    def conversation_json(self, ticket: int, k: int) -> dict[str, Any]:
        text, from_agent = self.world.message_text(NAME, ticket, k)
        if self.leaky and (ticket, k) == PLANTED:
            text = f"Customer wrote back: my card is {' '.join(self.pan[i : i + 4] for i in range(0, 16, 4))}."
        moment = stamp(self.world.ticket_time(ticket) + dt.timedelta(minutes=10 * k))
        return {
            "id": ticket * 100 + k,
            "body": f"<div>{text}</div>",
            "body_text": text,
            "incoming": not from_agent,
            "private": False,
            "user_id": 3 + ticket % 6 if from_agent else 1000 + ticket,
            "ticket_id": ticket,
            "created_at": moment,
            "updated_at": moment,
        }

    # -- handlers
    def me(self, request: sandbox.Request) -> sandbox.Response:
        return sandbox.json_response(200, self.agent_json(AGENTS[0]))

    def agents(self, request: sandbox.Request) -> sandbox.Response:
        return self._page(request, [self.agent_json(a) for a in AGENTS])

    def roles(self, request: sandbox.Request) -> sandbox.Response:
        return sandbox.json_response(200, [{"id": i, "name": n, "default": True} for i, n in ROLES.items()])

    def tickets(self, request: sandbox.Request) -> sandbox.Response:
        since_raw = request.arg("updated_since")
        try:
            since = (
                dt.datetime.fromisoformat(since_raw.replace("Z", "+00:00"))
                if since_raw
                else dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
            )
        except ValueError:
            return sandbox.json_response(
                400, {"description": "Validation failed", "errors": [{"field": "updated_since"}]}
            )
        described = "description" in (request.arg("include") or "").split(",")
        found = [self.ticket_json(t, description=described) for t in range(1, TICKETS + 1)]
        return self._page(request, [t for t in found if dt.datetime.fromisoformat(t["updated_at"]) >= since])

    def _ticket_number(self, raw: str) -> int | None:
        return int(raw) if raw.isdigit() and 1 <= int(raw) <= TICKETS else None

    def ticket(self, request: sandbox.Request, id: str) -> sandbox.Response:
        number = self._ticket_number(id)
        return (
            self.error(404, "Not found")
            if number is None
            else sandbox.json_response(200, self.ticket_json(number, description=True))
        )

    def conversations(self, request: sandbox.Request, id: str) -> sandbox.Response:
        number = self._ticket_number(id)
        if number is None:
            return self.error(404, "Not found")
        count = self.world.comment_count(NAME, number)
        return self._page(request, [self.conversation_json(number, k) for k in range(1, count)])


def _violations(api: FreshdeskAPI, scenario: str) -> list[dict[str, Any]]:
    if scenario != "leaky":
        return []
    ticket, k = PLANTED
    return [
        {
            "vendor": NAME,
            "kind": "pan",
            "resource": f"tickets/{ticket}/conversations/{ticket * 100 + k}",
            "location": "body_text",
            "pan": api.pan,
            "brand": "visa",
            "disguise": "spaced",
        }
    ]


def _profile(api: FreshdeskAPI, base_url: str) -> str:
    return f"""\
[vendors.{NAME}]
type = "freshdesk"
base_url = "{base_url}"

[[vendors.{NAME}.credentials]]
name = "bpo-api-key"
auth = "api_key"
secret_env = "{ENV_NAME}"
allowed_roles = ["Agent"]
"""


def _exports(api: FreshdeskAPI) -> list[sandbox.ExportFile]:
    def records() -> list[dict[str, Any]]:
        return [api.ticket_json(t, description=False) for t in range(1, TICKETS + 1)]

    return [
        sandbox.ExportFile(
            vendor=NAME,
            name="freshdesk_tickets.ndjson",
            format="ndjson",
            schema=EXPORT_SCHEMA,
            records=records,
            total=TICKETS,
            breaks=[(0.5, "bad_datetime", lambda r: r | {"updated_at": "last tuesday"})] if api.leaky else [],
        )
    ]


STANDIN: sandbox.StandIn[FreshdeskAPI] = sandbox.StandIn(
    name=NAME,
    vendor_type="freshdesk",
    limits=FreshdeskLimits,
    start=FreshdeskAPI,
    violations=_violations,
    profile=_profile,
    secrets=lambda api: {ENV_NAME: api.api_key},
    exports=_exports,
)
