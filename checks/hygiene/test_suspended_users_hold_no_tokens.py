"""No suspended or deactivated staff account still holds an active token."""

from __future__ import annotations

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import STAFF_ROLES, iso, not_collected
from vendor_audit.model import Token, VendorSnapshot
from vendor_audit.profile import Profile


@check(
    id="suspended_users_hold_no_tokens",
    title="No suspended or deactivated staff account still holds an active token",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:8.2.5",
        "pci_dss_4.0:8.6.3",
        "soc2_2017:CC6.2",
        "soc2_2017:CC6.3",
        "iso27001_2022:A.5.18",
        "iso27001_2022:A.5.15",
    ),
    remediation="Revoke the token (suspending a user does not always revoke what it authorised), and make "
    "token revocation part of the BPO's leaver process.",
)
def test_suspended_users_hold_no_tokens(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.users is None or snapshot.tokens is None:
            what, noun = ("users", "staff accounts") if snapshot.users is None else ("tokens", "the account's tokens")
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": what}, what, noun)
            continue
        users = {u.id: u for u in snapshot.users}
        gone = {
            u.id: u for u in snapshot.users if (u.suspended or not u.active) and u.role in STAFF_ROLES
        }  # the record remains, the person should not reach anything through it
        tokens = [t for t in snapshot.tokens if t.active]
        orphans: list[Token] = []
        failed = 0
        for token in tokens:
            if token.owner_id is None:  # acts for the account, not a user (or the owner is not exposed)
                continue
            owner = gone.get(token.owner_id)
            if owner is None:
                if token.owner_id not in users:
                    orphans.append(token)
                continue
            failed += 1
            at: Where = {"vendor": vendor.name, "resource": f"tokens/{token.kind}/{token.id}"}
            state = "suspended" if owner.suspended else "deactivated"
            audit.fail(
                **at,
                severity=Severity.CRITICAL if owner.role in ("admin", "owner") else Severity.HIGH,
                evidence={
                    "kind": "suspended_user_token",
                    "token": token.name,
                    "owner": owner.id,
                    "owner_role": owner.vendor_role,
                    "owner_state": state,
                    "used_at": iso(token.used_at),
                    "source": token.source,
                },
                message=f"{token.kind} {token.id} ({token.name}) still works for {state} {owner.role} {owner.id}.",
            )
        if orphans:
            audit.manual(
                vendor=vendor.name,
                resource="tokens",
                evidence={
                    "tokens": [f"{t.kind}/{t.id}" for t in orphans],
                    "owners": sorted({str(t.owner_id) for t in orphans}),
                },
                message=f"{len(orphans)} active token(s) of {vendor.name} belong to users the user list does not "
                "show (deleted, or not staff); check in the vendor's admin whom they act as and revoke those of "
                "people who left.",
            )
        if not failed:
            audit.passed(
                vendor=vendor.name,
                resource="tokens",
                evidence={"tokens": len(tokens), "suspended_or_deactivated_staff": sorted(gone)},
                message=f"None of {vendor.name}'s {len(tokens)} active token(s) belongs to a suspended or "
                "deactivated staff account.",
            )
