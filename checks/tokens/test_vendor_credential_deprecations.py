"""No active token is of a kind its vendor has announced it will retire."""

from __future__ import annotations

import datetime as dt

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import iso, not_collected
from vendor_audit.checks.tokens._deprecations import DEPRECATIONS, Deprecation
from vendor_audit.model import Token, VendorSnapshot
from vendor_audit.profile import Profile

# Within this many days of the final date there is barely time to build, test and roll out a replacement.
URGENT_DAYS = 180


@check(
    id="vendor_credential_deprecations",
    title="No active token is of a kind its vendor has announced it will retire",
    severity=Severity.MEDIUM,
    controls=(
        "pci_dss_4.0:8.6.3",
        "soc2_2017:CC6.1",
        "soc2_2017:CC9.2",
        "iso27001_2022:A.5.17",
        "iso27001_2022:A.5.22",
    ),
    remediation="Move the integration to the credential the vendor recommends (see the finding's `instead` and "
    "`source`), then revoke the retiring token before the vendor's final date.",
)
def test_vendor_credential_deprecations(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    today = dt.date.today()
    for vendor in profile.vendors:
        schedules = {kind: d for (vendor_type, kind), d in DEPRECATIONS.items() if vendor_type == vendor.type}
        if not schedules:
            audit.not_applicable(
                vendor=vendor.name,
                resource="tokens",
                message=f"No retirement of a {vendor.type} credential kind is known to the audit.",
            )
            continue
        snapshot = snapshots[vendor.name]
        if snapshot.tokens is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "tokens"}, "tokens", "the tokens")
            continue
        affected = [t for t in snapshot.tokens if t.active and t.kind in schedules]
        for token in affected:
            _fail(audit, vendor.name, token, schedules[token.kind], today)
        if not affected:
            audit.passed(
                vendor=vendor.name,
                resource="tokens",
                evidence={"retiring_kinds": sorted(schedules)},
                message=f"{vendor.name} holds no active token of a kind being retired "
                f"({', '.join(sorted(schedules))}).",
            )


def _fail(audit: Audit, vendor: str, token: Token, schedule: Deprecation, today: dt.date) -> None:
    at: Where = {"vendor": vendor, "resource": f"tokens/{token.kind}/{token.id}"}
    final = schedule.final
    days_left = (final.on - today).days
    past = [m for m in schedule.milestones if m.on <= today]
    upcoming = [m for m in schedule.milestones if m.on > today]
    when = (
        f"{final.on.isoformat()}, {days_left} days from now"
        if days_left > 0
        else f"{final.on.isoformat()}, {-days_left} days ago"
    )
    audit.fail(
        **at,
        severity=Severity.HIGH if days_left <= URGENT_DAYS else Severity.MEDIUM,
        evidence={
            "kind": "deprecated_credential",
            "token": token.name,
            "used_at": iso(token.used_at),
            "final_date": final.on.isoformat(),
            "days_left": days_left,
            "milestones": [{"date": m.on.isoformat(), "what": m.what} for m in schedule.milestones],
            "in_effect": [m.on.isoformat() for m in past],
            "instead": schedule.instead,
            "source": schedule.source,
        },
        message=f"{token.kind} {token.id} ({token.name}) is one of the {schedule.credential} being retired: "
        f"{final.what} by {when}"
        + (f"; next: {upcoming[0].what} on {upcoming[0].on.isoformat()}" if upcoming[:-1] else "")
        + f" ({schedule.source}).",
    )
