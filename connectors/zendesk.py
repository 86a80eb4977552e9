"""Zendesk Support: OAuth scopes or the API token's role, staff 2FA, enforcement, tickets and comments.

Quirks (shared/reference/vendor-apis.md section 2): incremental exports allow 10 requests a minute
and keep answering after the end, so `end_of_stream` must end the loop
(https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/);
time-based pages overlap at `end_time`, so events are de-duplicated by id; `two_factor_auth_enabled`
may be null (unknown), as real accounts answer it for admins and agents alike; `security_settings` may lack
`authentication.agent.two_factor_enforce`, as its documented example does (not exposed).

Credentials and flows (issue 15): the OAuth token list shows every user's tokens only with `all=true`, and only
to admins with the broad `read` scope (no resource scope covers it); the API token list has no last use; webhook
`authentication` comes back without its secret while `custom_headers` come back in clear.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from vendor_audit.model import (
    DataFlow,
    Grants,
    MFAEnforcement,
    MFAState,
    Payload,
    SecuritySettings,
    Token,
    User,
    VendorSnapshot,
)
from vendor_audit.profile import Vendor
from vendor_audit.vendors import VendorSpec, WorkflowStep

from ._base import ROUND_TICKETS, Session, attempt, collect_grants, endpoint_of, guarded, step
from ._errors import ConnectorError, PermissionDenied
from ._flows import secret_headers
from ._outbound import parse_time, printable_name, safe_destination
from ._pacing import Budget, Rate
from ._pagination import iter_pages
from ._sandbox_proof import SandboxProof, ask, declared_account
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
    objects,
    optional_id,
    record_id,
    records,
    unexpected,
)
from ._writes import PendingWrite, UndoStep, WriteUndo

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


def timestamp(record: dict[str, Any], key: str, where: str) -> dt.datetime | None:
    """An ISO 8601 time ("2009-07-20T22:55:29Z", UTC); absent, null or "" is None, anything else a shape error."""
    return parse_time(record.get(key), where, key)


def optional_bool(record: dict[str, Any], key: str, where: str) -> bool | None:
    """A documented boolean; absent or null is None (not exposed), another type a shape error."""
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise unexpected(where, f"'{key}' to be true or false", describe(value))


def optional_number(record: dict[str, Any], key: str, where: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise unexpected(where, f"'{key}' to be a number", describe(value))


def user_from(raw: dict[str, Any], vendor: str, where: str = "GET /api/v2/users.json") -> User:
    # https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format: `active` false is a
    # deleted user, `suspended` one who may not sign in; `last_login_at` null is one who never signed in.
    role = field_str(raw, "role", where)
    suspended = optional_bool(raw, "suspended", where) is True
    return User(
        vendor=vendor,
        id=record_id(raw, where),
        name=field_str(raw, "name", where),
        email=field_str(raw, "email", where),
        role=ROLES.get(role, "agent"),
        vendor_role=role,
        # A suspended user cannot work either: inactive for the MFA and roster checks, as before issue 15.
        active=optional_bool(raw, "active", where) is not False and not suspended,
        mfa=mfa_state(raw.get("two_factor_auth_enabled")),
        source="GET /api/v2/users?role[]=admin&role[]=agent",
        created_at=timestamp(raw, "created_at", where),
        last_login_at=timestamp(raw, "last_login_at", where),
        login_exposed=True,
        suspended=suspended,
    )


def scope_names(token: dict[str, Any], where: str) -> frozenset[str]:
    listed = expect_list(token.get("scopes"), where, "'scopes' to be a list")
    if not all(isinstance(s, str) for s in listed):
        raise unexpected(where, "'scopes' to hold scope names", "another kind of value among them")
    return frozenset(listed)


# assumption_duration's documented values, in hours ("always": no limit, None):
# https://developer.zendesk.com/api-reference/ticketing/account-configuration/security_settings/#json-format
ASSUMPTION_HOURS: dict[str, float | None] = {
    "day": 24.0,
    "week": 24.0 * 7,
    "month": 24.0 * 30,
    "year": 24.0 * 365,
    "always": None,
}
SECURITY_HINT = "Zendesk: Admin Center > Account > Security > Advanced (IP restrictions, session expiration)"


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
        self._security: dict[str, Any] | ConnectorError | None = None

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
            scopes = scope_names(token, where)
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

    def _security_settings(self) -> dict[str, Any]:
        """The security_settings object, read once for both MFA enforcement and the account's settings."""
        if self._security is None:
            try:
                body, _ = self.primary.get("/api/v2/security_settings.json")
            except ConnectorError as exc:
                self._security = exc
                raise
            where = f"{self.name}: GET /api/v2/security_settings.json"
            envelope = expect_object(body, where, "an object with a 'security_settings' object")
            self._security = expect_object(envelope.get("security_settings"), where, "a 'security_settings' object")
        if isinstance(self._security, ConnectorError):
            raise self._security
        return self._security

    def mfa_enforcement(self) -> MFAEnforcement:
        where = f"{self.name}: GET /api/v2/security_settings.json"
        # The sub-fields below security_settings are unverified (vendor-apis.md 2.4): absent ones read as
        # "not exposed" (a manual finding); present ones of the wrong type are a shape error.
        settings = self._security_settings()
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

    def security_settings(self) -> SecuritySettings:
        """The account's security settings; a property the answer lacks stays None (not exposed).

        https://developer.zendesk.com/api-reference/ticketing/account-configuration/security_settings/#json-format
        """
        where = f"{self.name}: GET /api/v2/security_settings.json"
        settings = self._security_settings()
        ip = field_object(settings, "ip", where)
        agent = field_object(field_object(settings, "authentication", where), "agent", where)
        ranges = ip.get("ip_ranges")  # documented as one string of space-separated ranges
        if isinstance(ranges, list) and all(isinstance(r, str) for r in ranges):
            ranges = " ".join(ranges)
        if ranges is not None and not isinstance(ranges, str):
            raise unexpected(where, "'ip_ranges' to be text", describe(ranges))
        duration = settings.get("assumption_duration")
        if duration is not None and not isinstance(duration, str):
            raise unexpected(where, "'assumption_duration' to be text", describe(duration))
        assumable = optional_bool(settings, "assumable", where)
        if assumable is None and duration is not None:
            assumable = duration != "off"
        return SecuritySettings(
            vendor=self.name,
            source="GET /api/v2/security_settings",
            exposed=True,
            ip_restriction_enabled=optional_bool(ip, "ip_restriction_enabled", where),
            ip_ranges=tuple(r for r in re.split(r"[\s,]+", ranges) if r) if ranges is not None else None,
            agent_session_timeout_minutes=optional_number(settings, "agent_session_timeout", where),
            sso_enforced=optional_bool(agent, "enforce_sso", where),
            remote_login=optional_bool(agent, "remote_login", where),
            password_login_allowed=optional_bool(agent, "zendesk_login", where),
            assumption_allowed=assumable,
            # An unknown duration word stays None: not a number the API gave.
            assumption_duration_hours=ASSUMPTION_HOURS.get(duration) if assumable and duration else None,
        )

    def _client_names(self) -> dict[str, str]:
        """OAuth client id -> name; {} when the clients cannot be read (tokens are then named by client id)."""
        try:
            return {client_id: name for client_id, name, _ in self._clients()}
        except PermissionDenied:
            return {}

    def _clients(self) -> list[tuple[str, str, dict[str, Any]]]:
        # https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_clients/#list-clients (admins)
        where = f"{self.name}: GET /api/v2/oauth/clients.json"
        found = []
        for raw in self._cursor("/api/v2/oauth/clients.json", "clients", {"page[size]": 100}):
            client_id = record_id(raw, where)
            found.append((client_id, field_str(raw, "name", where) or f"OAuth client {client_id}", raw))
        return found

    def tokens(self) -> list[Token]:
        """Every OAuth token of every user (`all=true`) and every API token the account holds; never a secret.

        OAuth: https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/#list-tokens (id,
        user_id, client_id, scopes, created_at, expires_at, used_at; `token` is a 10-character prefix: not kept).
        """
        names = self._client_names()
        where = f"{self.name}: GET /api/v2/oauth/tokens.json"
        found: list[Token] = []
        params = [("all", "true"), ("page[size]", "100")]
        for raw in self._cursor("/api/v2/oauth/tokens.json", "tokens", params):
            client = optional_id(raw, where, "client_id")
            found.append(
                Token(
                    vendor=self.name,
                    id=record_id(raw, where),
                    kind="oauth_token",
                    name=names.get(client or "", f"OAuth client {client}" if client else "unknown OAuth client"),
                    owner_id=optional_id(raw, where, "user_id"),
                    created_at=timestamp(raw, "created_at", where),
                    expires_at=timestamp(raw, "expires_at", where),
                    used_at=timestamp(raw, "used_at", where),
                    scopes=scope_names(raw, where),
                    source="GET /api/v2/oauth/tokens?all=true",
                )
            )
        # API tokens: id, description, created_at and (in answers seen) `active`; no last use and no expiry, so
        # dates_exposed is False and used_at None means "not exposed", never "unused". Listed at
        # https://support.zendesk.com/hc/en-us/articles/4408820361498 (api/v2/api_tokens.json).
        where = f"{self.name}: GET /api/v2/api_tokens.json"
        for raw in self._cursor("/api/v2/api_tokens.json", "api_tokens", {"page[size]": 100}):
            token_id = record_id(raw, where)
            found.append(
                Token(
                    vendor=self.name,
                    id=token_id,
                    kind="api_token",
                    name=field_str(raw, "description", where) or f"API token {token_id}",
                    owner_id=None,  # account-wide: acts as whichever user's email signs in with it
                    created_at=timestamp(raw, "created_at", where),
                    expires_at=None,
                    used_at=None,
                    scopes=None,  # no scopes: the signing-in user's role decides
                    source="GET /api/v2/api_tokens",
                    dates_exposed=False,
                    active=optional_bool(raw, "active", where) is not False,
                )
            )
        return found

    def data_flows(self) -> list[DataFlow]:
        """Where ticket data leaves Zendesk: webhooks, targets, and the rules, apps and OAuth clients that use them.

        Triggers and automations count where they notify a webhook or a target; OAuth clients (third parties
        granted access) by their redirect URIs.
        """
        webhooks = self._webhooks()
        targets = self._targets()
        flows = [*webhooks.values(), *targets.values()]
        for kind, path in (("trigger", "/api/v2/triggers.json"), ("automation", "/api/v2/automations.json")):
            flows += self._rules(kind, path, webhooks, targets)
        where = f"{self.name}: GET /api/v2/apps/installations.json"
        # https://developer.zendesk.com/api-reference/ticketing/apps/apps/#list-app-installations: where an app
        # sends data is its own business (destination None)
        for raw in self._cursor("/api/v2/apps/installations.json", "installations", {"page[size]": 100}):
            app = record_id(raw, where)
            app_settings = field_object(raw, "settings", where)
            name = field_str(app_settings, "title", where) or field_str(app_settings, "name", where)
            active = optional_bool(raw, "enabled", where) is not False
            source = "GET /api/v2/apps/installations"
            flows.append(DataFlow(self.name, "app", app, name or f"app {app}", None, active, source))
        where = f"{self.name}: GET /api/v2/oauth/clients.json"
        for client_id, name, raw in self._clients():
            redirect = raw.get("redirect_uri")  # documented as an array of URIs
            uris = expect_list(redirect, where, "'redirect_uri' to be a list") if redirect is not None else []
            if not all(isinstance(u, str) for u in uris):
                raise unexpected(where, "'redirect_uri' to hold URIs", "another kind of value among them")
            source = "GET /api/v2/oauth/clients"
            for uri in uris or [""]:  # a client with no redirect URI is still a third party with access
                shown, in_url = safe_destination(uri)
                flows.append(DataFlow(self.name, "oauth_client", client_id, name, shown or None, True, source, in_url))
        return flows

    def _webhooks(self) -> dict[str, DataFlow]:
        """The webhooks: https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/#json-format."""
        where = f"{self.name}: GET /api/v2/webhooks"
        found: dict[str, DataFlow] = {}
        for raw in self._cursor("/api/v2/webhooks", "webhooks", {"page[size]": 100}):
            hook = record_id(raw, where)
            custom = field_object(raw, "custom_headers", where)  # "non-credential info", shown in clear
            headers: list[tuple[str, str | None]] = [(k, v if isinstance(v, str) else None) for k, v in custom.items()]
            # `authentication` (https://developer.zendesk.com/documentation/webhooks/webhook-security-and-
            # authentication/): its secret is not shown; a value the answer does carry is a secret in clear.
            auth = field_object(raw, "authentication", where)
            data = field_object(auth, "data", where)
            kind = field_str(auth, "type", where)
            if kind == "api_key":
                headers.append((field_str(data, "name", where) or "api_key", field_str(data, "value", where)))
            elif kind in {"basic_auth", "bearer_token"}:
                shown = field_str(data, "password", where) or field_str(data, "token", where)
                headers.append(("Authorization", shown or None))
            subscriptions = field_list(raw, "subscriptions", where)
            # A key in the endpoint's query or user:password@ is a secret in clear too: cut, and named.
            destination, in_url = safe_destination(field_str(raw, "endpoint", where))
            found[hook] = DataFlow(
                vendor=self.name,
                kind="webhook",
                id=hook,
                name=field_str(raw, "name", where),
                destination=destination or None,
                active=field_str(raw, "status", where) != "inactive",
                source="GET /api/v2/webhooks",
                secret_headers=tuple(printable_name(n) for n in secret_headers(headers)) + in_url,
                topics=tuple(str(s) for s in subscriptions if isinstance(s, str)),
            )
        return found

    def _targets(self) -> dict[str, DataFlow]:
        """Legacy targets, unpaginated: https://developer.zendesk.com/api-reference/ticketing/targets/targets/."""
        where = f"{self.name}: GET /api/v2/targets.json"
        found: dict[str, DataFlow] = {}
        for raw in self._cursor("/api/v2/targets.json", "targets", {"page[size]": 100}):
            target = record_id(raw, where)
            email = field_str(raw, "email", where)
            destination, in_url = safe_destination(field_str(raw, "target_url", where))
            found[target] = DataFlow(
                vendor=self.name,
                kind="target",
                id=target,
                name=field_str(raw, "title", where),
                # An e-mail target sends to a mailbox, not a URL.
                destination=destination or (f"mailto:{email}" if email else None),
                active=optional_bool(raw, "active", where) is not False,
                source="GET /api/v2/targets",
                # The password is never shown; one the answer carries is a secret in clear.
                secret_headers=secret_headers([("Authorization", field_str(raw, "password", where) or None)]) + in_url,
                topics=(field_str(raw, "type", where),) if raw.get("type") else (),
            )
        return found

    def _rules(
        self, kind: str, path: str, webhooks: dict[str, DataFlow], targets: dict[str, DataFlow]
    ) -> list[DataFlow]:
        """Triggers or automations whose actions notify a webhook or a target: the flow goes where that does.

        Actions: https://developer.zendesk.com/documentation/ticketing/reference-guides/actions-reference/
        (`notification_webhook`: [webhook id, body]; `notification_target`: [target id, message]). E-mail
        notifications to users (`notification_user`) go to people, not systems: not flows here.
        """
        where = f"{self.name}: GET {path}"
        flows: list[DataFlow] = []
        for raw in self._cursor(path, kind + "s", {"page[size]": 100}):
            rule = record_id(raw, where)
            for action in objects(field_list(raw, "actions", where), where, "'actions'"):
                field = field_str(action, "field", where)
                linked = webhooks if field == "notification_webhook" else targets
                if field not in {"notification_webhook", "notification_target"}:
                    continue
                value = action.get("value")
                first = value[0] if isinstance(value, list) and value else value
                if not isinstance(first, str | int) or isinstance(first, bool):
                    raise unexpected(where, f"the {field} action to name a {field.split('_')[1]}", describe(first))
                via = linked.get(str(first))
                flows.append(
                    DataFlow(
                        vendor=self.name,
                        kind=kind,
                        id=rule,
                        name=field_str(raw, "title", where),
                        destination=via.destination if via else None,  # one the lists did not show: unknown
                        active=optional_bool(raw, "active", where) is not False,
                        source=f"GET {path.removesuffix('.json')}",
                        secret_headers=via.secret_headers if via else (),
                        topics=(f"{field} {first}",),
                    )
                )
        return flows

    def snapshot(self) -> VendorSnapshot:
        snapshot = VendorSnapshot(self.name, TYPE, endpoints=[endpoint_of(self.primary.vendor)])
        collect_grants(snapshot, self.sessions, self.grants)
        snapshot.users = attempt(snapshot, "users", self.users)
        snapshot.mfa_enforcement = attempt(snapshot, "mfa_enforcement", self.mfa_enforcement)
        snapshot.tokens = attempt(snapshot, "tokens", self.tokens)
        snapshot.security_settings = attempt(snapshot, "security_settings", self.security_settings)
        snapshot.data_flows = attempt(snapshot, "data_flows", self.data_flows)
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
            out.append(step(session, name, "PUT", f"/api/v2/tickets/{i}.json", json=note, writes=True))
    return out


def prove_sandbox(session: Session, vendor: Vendor) -> SandboxProof:
    """Zendesk's API has no sandbox flag: the account's subdomain, as it names itself, must be a declared sandbox.

    A sandbox is a separate instance with its own subdomain (https://support.zendesk.com/hc/en-us/articles/
    6150628316058); neither account settings nor any other documented endpoint says an account is one
    (https://developer.zendesk.com/api-reference/ticketing/account-configuration/account_settings/). Every resource
    names its account in its `url` property, https://{subdomain}.zendesk.com/api/v2/...
    (https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format): the signed-in user's is read.
    """
    where = f"{vendor.name}: GET /api/v2/users/me.json"

    def read() -> tuple[str | None, str]:
        me, _ = session.get("/api/v2/users/me.json")
        user = expect_object(expect_object(me, where, "an object with a 'user'").get("user"), where, "a 'user' object")
        url = field_str(user, "url", where)
        host = (urlsplit(url).hostname or "").lower()
        return (host.removesuffix(".zendesk.com") if host.endswith(".zendesk.com") else None), url

    def judge(found: tuple[str | None, str]) -> tuple[bool, str, str | None]:
        account, url = found
        if account is None or "." in account:
            return False, f"a user url ({url[:80]!r}) that names no <subdomain>.zendesk.com account", None
        return declared_account(vendor, account, "zendesk.com")

    return ask(vendor, "GET /api/v2/users/me.json (the account its url names)", read, judge)


_TICKET_UPDATE = re.compile(r"^/api/v2/tickets/(\d+)(?:\.json)?$")


def plan_undo(write: PendingWrite, answer: Any, before: Any) -> UndoStep | str:
    """A comment added by a ticket update is redacted: Zendesk deletes no comment, it redacts its text.

    The update's answer carries its audit, whose Comment event is the new comment
    (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/); Redact String in Comment,
    PUT /api/v2/tickets/{ticket_id}/comments/{comment_id}/redact, replaces the given text with a redaction mark
    (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#redact-string-in-comment; its
    agent-workspace successor, PUT /api/v2/comment_redactions/{ticket_comment_id}, needs the comment's html_body
    marked up instead).
    """
    found = _TICKET_UPDATE.match(write.path)
    ticket = write.body.get("ticket") if isinstance(write.body, dict) else None
    ticket = ticket if isinstance(ticket, dict) else {}
    comment = ticket.get("comment")
    if write.method != "PUT" or found is None or not isinstance(comment, dict) or set(ticket) != {"comment"}:
        return f"Zendesk: no undo is known for {write.method} {write.path} (only a comment a ticket update adds)"
    body = comment.get("body") or comment.get("html_body")
    audit = answer.get("audit") if isinstance(answer, dict) else None
    events = audit.get("events") if isinstance(audit, dict) else None
    added = [e for e in events or () if isinstance(e, dict) and e.get("type") == "Comment" and e.get("id")]
    if not isinstance(body, str) or not body or len(added) != 1:
        return "Zendesk: the update's answer named no one new comment to redact"
    path = f"/api/v2/tickets/{found[1]}/comments/{added[0]['id']}/redact.json"
    return UndoStep("PUT", path, {"text": body}, "redact the comment's text")


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
    sandbox_proof=prove_sandbox,
    declared_sandboxes=True,
    undo_write=WriteUndo(plan=plan_undo),
)
