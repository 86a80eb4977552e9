"""The vendors' own announced retirements of credential kinds, as data: (vendor type, token kind) -> schedule.

Kept beside the check rather than in it: the check stays vendor-neutral (tests/test_vendor_neutral.py), and a new
announcement is a new entry here, with its source, not new code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DEPRECATIONS", "Deprecation", "Milestone"]


@dataclass(frozen=True, slots=True)
class Milestone:
    on: dt.date
    what: str


@dataclass(frozen=True, slots=True)
class Deprecation:
    credential: str  # what the vendor retires, as its announcement names it
    milestones: tuple[Milestone, ...]  # in date order; the last is when every such credential stops working
    instead: str  # what to move to
    source: str  # the vendor's announcement

    @property
    def final(self) -> Milestone:
        return self.milestones[-1]


DEPRECATIONS: dict[tuple[str, str], Deprecation] = {
    # Zendesk retires API tokens in favour of OAuth (../shared/reference/vendor-apis.md 2.2).
    ("zendesk", "api_token"): Deprecation(
        credential="Zendesk API tokens",
        milestones=(
            Milestone(
                dt.date(2026, 7, 28),
                "new accounts can no longer create API tokens, and API tokens unused for 30 days or more are "
                "deactivated",
            ),
            Milestone(dt.date(2026, 10, 27), "no account can create new API tokens"),
            Milestone(dt.date(2027, 4, 30), "every API token is deactivated"),
        ),
        instead="an OAuth client (authorization code with PKCE, or client credentials) with the scopes it needs",
        source="https://developer.zendesk.com/documentation/api-basics/authentication/oauth-migration/",
    ),
}
