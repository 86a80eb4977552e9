"""What the account, credential, settings and flow checks share: the staff roles, and data that was not collected.

A snapshot field left None was not collected. When the connector said why with a `not_exposed` CollectionError,
the vendor's API has no such thing and a person checks it where the message says: a `manual` finding. Any other
reason (a 403, a timeout) is an `error`: the audit could not look, which is never a pass.
"""

from __future__ import annotations

import datetime as dt

from vendor_audit.checks import Audit, Where
from vendor_audit.model import User, VendorSnapshot

# The people who work in the helpdesk or the shop's admin; end-users are customers and bots are integrations.
STAFF_ROLES = frozenset({"admin", "agent", "observer", "owner"})
# Roles whose account reaches the whole account's configuration: their findings weigh more.
PRIVILEGED_ROLES = frozenset({"admin", "owner"})


def not_collected(audit: Audit, snapshot: VendorSnapshot, at: Where, what: str, noun: str) -> None:
    """Record why `what` (a VendorSnapshot field) is missing: manual where the API does not expose it, else error."""
    hidden = [e.message for e in snapshot.errors if e.what == what and e.kind == "not_exposed"]
    if hidden:
        where = "; ".join(hidden).rstrip(".")
        audit.manual(
            **at,
            evidence={"where": where},
            message=f"{at['vendor']}'s API does not expose {noun}; check them by hand: {where}.",
        )
    else:
        audit.error(**at, message=f"Could not read {noun} of {at['vendor']}: {snapshot.why_not(what)}")


def active_staff(users: list[User]) -> list[User]:
    """Staff accounts that can sign in today: active, not suspended, a staff role."""
    return [u for u in users if u.active and not u.suspended and u.role in STAFF_ROLES]


def days_since(moment: dt.datetime, now: dt.datetime) -> float:
    return (now - moment).total_seconds() / 86400


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
