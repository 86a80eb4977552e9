"""The vendor-neutral shape connectors produce and checks read.

Every vendor is translated into these types, so a check is written once for all vendors. "Not
exposed by this API" is a value (`MFAState.NOT_EXPOSED`, `scopes=None`), never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "CollectionError",
    "CoverageLimit",
    "Endpoint",
    "Grants",
    "MFAEnforcement",
    "MFAState",
    "Payload",
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

    def why_not(self, what: str) -> str:
        """What stopped the connector from learning `what` (grants, users, ...), for an `error` finding."""
        return "; ".join(e.message for e in self.errors if e.what == what) or "no answer"

    def iter_payloads(self) -> Iterator[Payload]:
        if self.payload_source is not None:
            yield from self.payload_source()
