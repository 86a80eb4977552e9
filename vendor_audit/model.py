"""The vendor-neutral shape connectors produce and checks read.

Every vendor is translated into these types, so a check is written once for all vendors. "Not
exposed by this API" is a value (`MFAState.NOT_EXPOSED`, `scopes=None`), never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "CollectionError",
    "CoverageLimit",
    "DataFlow",
    "Endpoint",
    "Grants",
    "MFAEnforcement",
    "MFAState",
    "Payload",
    "SecuritySettings",
    "Token",
    "User",
    "VendorSnapshot",
]


class MFAState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    NOT_EXPOSED = "not_exposed"  # the vendor's API does not say (Shopify staff, Gorgias users)
    UNKNOWN = "unknown"  # the API has the field but left it empty for this user


@dataclass(frozen=True, slots=True)
class Grants:
    """What one credential may do, and how that was learned.

    Attributes:
        scopes: the granted scopes where the API reveals them; None where it does not.
        role: the role of the user the credential acts as, where it acts as one.
        acts_as: that user's id or email.
        source: the request that told us, e.g. "GET /admin/oauth/access_scopes.json".
    """

    vendor: str
    credential: str
    auth: str
    scopes: frozenset[str] | None
    role: str | None
    acts_as: str | None
    source: str


@dataclass(frozen=True, slots=True)
class User:
    vendor: str
    id: str
    name: str
    email: str
    role: str  # neutral: admin, agent, observer, bot, owner, end-user
    vendor_role: str  # as the vendor names it
    active: bool
    mfa: MFAState
    source: str
    # Account hygiene (issue 15). None: the vendor's API does not say (a `manual` finding, never a pass).
    created_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None  # None with `login_exposed`: never signed in
    login_exposed: bool = False  # whether the API exposes the last sign-in at all
    suspended: bool = False  # suspended, deactivated or locked, though the record remains


@dataclass(frozen=True, slots=True)
class Token:
    """A credential the account holds: an OAuth token, an API token or key, an app's access token.

    Read from the vendor's own list of them (Zendesk: GET /api/v2/oauth/tokens and /api/v2/api_tokens); the
    secret itself is never kept, only what identifies it (an id, the vendor's truncated prefix).
    """

    vendor: str
    id: str
    kind: str  # oauth_token, api_token, api_key, app_token
    name: str  # what the vendor calls it: the OAuth client's name, the API token's description
    owner_id: str | None  # the user it acts as; None: the account's, or not exposed
    created_at: dt.datetime | None
    expires_at: dt.datetime | None  # None: never expires (or not exposed: see `dates_exposed`)
    used_at: dt.datetime | None  # None: never used (or not exposed)
    scopes: frozenset[str] | None
    source: str
    dates_exposed: bool = True
    active: bool = True


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """The account's security settings as the vendor's API exposes them; a None field is not exposed."""

    vendor: str
    source: str  # the endpoint, or where in the admin a person finds them when `exposed` is False
    exposed: bool
    ip_restriction_enabled: bool | None = None
    ip_ranges: tuple[str, ...] | None = None  # CIDR or single addresses, as the vendor lists them
    agent_session_timeout_minutes: float | None = None
    sso_enforced: bool | None = None  # agents must sign in through SSO
    remote_login: bool | None = None  # remote (JWT/SAML) authentication on
    password_login_allowed: bool | None = None  # the vendor's own password sign-in still works beside SSO
    assumption_allowed: bool | None = None  # admins may assume (impersonate) other users
    assumption_duration_hours: float | None = None  # how long; None with assumption_allowed: no limit exposed


@dataclass(frozen=True, slots=True)
class DataFlow:
    """One place customer data leaves the vendor for another system: a webhook, an HTTP target, an app.

    `destination` is the URL (or host) it sends to; `secret_headers` names the headers that carry a secret in
    clear in the vendor's configuration (their values are never kept).
    """

    vendor: str
    kind: str  # webhook, target, trigger, automation, app, oauth_client, http_integration, webhook_subscription
    id: str
    name: str
    destination: str | None  # None: the vendor does not say where (an installed app)
    active: bool
    source: str
    secret_headers: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # what it sends: events, topics, the trigger's conditions


@dataclass(frozen=True, slots=True)
class MFAEnforcement:
    vendor: str
    enforced: bool | None  # None: not exposed by this API
    scope: str  # whom it covers, e.g. "agents and admins"
    source: str


@dataclass(frozen=True, slots=True)
class Payload:
    """One text field an agent or a customer could write into."""

    vendor: str
    resource: str  # stable id as the vendor shows it: tickets/16/comments/161
    field: str  # body, note, note_attributes[1].value, ...
    text: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    vendor: str
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class CollectionError:
    """Something a connector could not learn; checks that needed it report `error`, never `pass`."""

    vendor: str
    what: str  # grants, users, mfa_enforcement, payloads
    kind: str  # authentication, permission, rate_limited, vendor_api, transport, tls
    message: str


@dataclass(frozen=True, slots=True)
class CoverageLimit:
    """Part of a vendor's data the audit could not read and the vendor does not count as an error.

    Shopify returns only the last 60 days of orders to a token without read_all_orders: the list ends as if
    complete. Checks over that data say what they did not see (a `manual` finding), never pass it silently.
    """

    vendor: str
    what: str  # the collection it limits: payloads
    resource: str  # what was not read, as a finding's resource: "orders older than 60 days"
    message: str  # why, and what to do


@dataclass
class VendorSnapshot:
    """What one vendor's connector collected; payloads stream on demand."""

    vendor: str
    type: str
    grants: list[Grants] = field(default_factory=list)
    users: list[User] | None = None  # None: could not be listed (see errors)
    mfa_enforcement: MFAEnforcement | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)
    payload_source: Callable[[], Iterator[Payload]] | None = None
    coverage_limits: list[CoverageLimit] = field(default_factory=list)
    # None: not collected (see errors for "tokens", "security_settings", "data_flows"); [] is "none found".
    tokens: list[Token] | None = None
    security_settings: SecuritySettings | None = None
    data_flows: list[DataFlow] | None = None

    def why_not(self, what: str) -> str:
        """What stopped the connector from learning `what` (grants, users, ...), for an `error` finding."""
        return "; ".join(e.message for e in self.errors if e.what == what) or "no answer"

    def iter_payloads(self) -> Iterator[Payload]:
        if self.payload_source is not None:
            yield from self.payload_source()
