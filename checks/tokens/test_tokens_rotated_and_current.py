"""Every active token is younger than the rotation limit, not about to expire, and in use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import days_since, iso, not_collected
from vendor_audit.model import Token, VendorSnapshot
from vendor_audit.profile import Profile, TokenPolicy


@check(
    id="tokens_rotated_and_current",
    title="Every active token is younger than the rotation limit, not about to expire, and in use",
    severity=Severity.MEDIUM,
    controls=(
        "pci_dss_4.0:8.6.3",
        "pci_dss_4.0:8.3.9",
        "soc2_2017:CC6.1",
        "iso27001_2022:A.5.17",
        "iso27001_2022:A.5.18",
    ),
    remediation="Rotate tokens older than the limit (issue a new one, move the integration to it, revoke the old), "
    "renew those about to expire, and revoke tokens nothing uses.",
)
def test_tokens_rotated_and_current(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    now = dt.datetime.now(dt.UTC)
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.tokens is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "tokens"}, "tokens", "the tokens")
            continue
        tokens = [t for t in snapshot.tokens if t.active]
        if not tokens:
            audit.passed(
                vendor=vendor.name,
                resource="tokens",
                evidence={"listed": len(snapshot.tokens)},
                message=f"{vendor.name} holds no active token.",
            )
        for token in tokens:
            _judge(audit, vendor.name, token, profile.tokens, now)


def _judge(audit: Audit, vendor: str, token: Token, policy: TokenPolicy, now: dt.datetime) -> None:
    at: Where = {"vendor": vendor, "resource": f"tokens/{token.kind}/{token.id}"}
    evidence: dict[str, Any] = {
        "token": token.name,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "used_at": iso(token.used_at),
        "source": token.source,
    }
    label = f"{token.kind} {token.id} ({token.name})"
    if not token.dates_exposed:
        audit.manual(
            **at,
            evidence=evidence,
            message=f"{vendor}'s API does not say when {label} was created, last used or expires; read them in the "
            f"vendor's admin ({token.source}) against the {policy.rotation_days}-day rotation limit.",
        )
        return
    failed = False
    unknown: list[str] = []
    if token.created_at is None:
        unknown.append("its creation date (so its age)")
    else:
        age = days_since(token.created_at, now)
        if age > policy.rotation_days:
            failed = True
            audit.fail(
                **at,
                # Twice the limit: a credential that has outlived every rotation window, likely copied around.
                severity=Severity.HIGH if age > 2 * policy.rotation_days else Severity.MEDIUM,
                evidence={**evidence, "kind": "token_too_old", "age_days": int(age), "limit": policy.rotation_days},
                message=f"{label} is {int(age)} days old, beyond the {policy.rotation_days}-day rotation limit.",
            )
    if token.expires_at is not None:
        left = -days_since(token.expires_at, now)
        if left <= policy.expiry_warning_days:
            failed = True
            audit.fail(
                **at,
                # Expiry is an outage risk, not an exposure: the integration stops when it lapses.
                severity=Severity.LOW,
                evidence={
                    **evidence,
                    "kind": "token_expiring",
                    "days_left": round(left, 1),
                    "warning_days": policy.expiry_warning_days,
                },
                message=f"{label} expired {int(-left)} days ago but is still listed as active."
                if left < 0
                else f"{label} expires in {left:.0f} days (warning at {policy.expiry_warning_days}).",
            )
    last = token.used_at or token.created_at  # never used: idle since it was made
    if last is None:
        unknown.append("when it was last used")
    else:
        idle = days_since(last, now)
        if idle > policy.unused_days:
            failed = True
            never = token.used_at is None
            audit.fail(
                **at,
                severity=Severity.MEDIUM,
                evidence={**evidence, "kind": "token_unused", "idle_days": int(idle), "limit": policy.unused_days},
                message=f"{label} has never been used in the {int(idle)} days since it was created."
                if never
                else f"{label} has not been used for {int(idle)} days (limit {policy.unused_days}).",
            )
    if unknown:
        audit.manual(
            **at,
            evidence=evidence,
            message=f"{vendor}'s API does not give {' or '.join(unknown)} for {label}; read it in the vendor's admin "
            f"({token.source}).",
        )
    elif not failed:
        expiry = f"expires {token.expires_at.date().isoformat()}" if token.expires_at is not None else "never expires"
        audit.passed(
            **at,
            evidence=evidence,
            message=f"{label} is within the {policy.rotation_days}-day rotation limit, in use, and {expiry}.",
        )
