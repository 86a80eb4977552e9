"""Every active staff account belongs to a current person on the BPO's roster, within the contracted seats."""

from __future__ import annotations

import datetime as dt

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import PRIVILEGED_ROLES, active_staff, not_collected
from vendor_audit.model import User, VendorSnapshot
from vendor_audit.profile import Profile, Vendor
from vendor_audit.roster import RosterEntry, RosterError, annual_turnover, read_roster

# The seats a helpdesk contract counts: people who answer or administer tickets. Observers (light agents) and
# the account owner are left out, as vendors usually leave them out of the seat count.
SEAT_ROLES = frozenset({"agent", "admin"})


def _latest(entries: list[RosterEntry]) -> dict[str, RosterEntry]:
    """Email -> the person's latest row: someone who left and came back has two, and the newer one counts."""
    rows: dict[str, RosterEntry] = {}
    for entry in sorted(entries, key=lambda e: (e.start_date or dt.date.min, e.status == "active")):
        rows[entry.email] = entry
    return rows


@check(
    id="helpdesk_accounts_match_roster",
    title="Every active staff account belongs to a current person on the BPO's roster, within the contracted seats",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:8.2.4",
        "pci_dss_4.0:8.2.5",
        "pci_dss_4.0:7.2.4",
        "pci_dss_4.0:12.8.1",
        "soc2_2017:CC6.2",
        "soc2_2017:CC6.3",
        "iso27001_2022:A.5.16",
        "iso27001_2022:A.5.18",
    ),
    remediation="Suspend accounts of people who left or are not on the roster (and their tokens), then ask the BPO "
    "to send joiners and leavers the day they happen; above the contract, agree the seats or remove accounts.",
)
def test_helpdesk_accounts_match_roster(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    today = dt.date.today()
    policy = profile.access
    if policy.roster is None:
        for vendor in profile.vendors:
            audit.manual(
                vendor=vendor.name,
                resource="roster",
                message="No roster to reconcile the accounts with: name the BPO's roster or identity-provider export "
                'in audit.toml ([access] roster = "bpo-roster.csv", columns email, name, status, start_date, '
                "end_date).",
            )
        return
    try:
        roster = read_roster(policy.roster)
    except RosterError as exc:
        for vendor in profile.vendors:
            audit.error(vendor=vendor.name, resource="roster", message=f"Cannot reconcile with the roster: {exc}.")
        return
    # A roster whose every row names its helpdesk (the `vendor` column) says nothing of the others: the brand's own
    # shop staff are not the BPO's people. A row without a vendor covers them all.
    covered = {e.vendor.lower() for e in roster if e.vendor}
    scoped = bool(roster) and all(e.vendor for e in roster)
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if scoped and not covered & {vendor.name.lower(), vendor.type.lower()}:
            audit.not_applicable(
                vendor=vendor.name,
                resource="roster",
                message=f"The roster {policy.roster.name} covers {', '.join(sorted(covered))}, not {vendor.name}.",
            )
            continue
        entries = [e for e in roster if e.applies_to(vendor.name, vendor.type)]
        _turnover(audit, vendor, entries, policy.max_turnover, today, policy.roster.name)
        if snapshot.users is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "users"}, "users", "staff accounts")
            continue
        staff = active_staff(snapshot.users)
        people = _latest(entries)
        matched = 0
        for user in staff:
            at: Where = {"vendor": vendor.name, "resource": f"users/{user.id}"}
            entry = people.get(user.email.lower())
            evidence = {"role": user.vendor_role, "roster": policy.roster.name, "source": user.source}
            if entry is None:
                audit.fail(
                    **at,
                    severity=_severity(user),
                    evidence={**evidence, "kind": "account_not_on_roster"},
                    message=f"Active {user.role} {user.id} is not on the roster {policy.roster.name}.",
                )
            elif entry.left(today):
                audit.fail(
                    **at,
                    severity=Severity.HIGH,
                    evidence={
                        **evidence,
                        "kind": "leaver_still_active",
                        "status": entry.status,
                        "end_date": entry.end_date.isoformat() if entry.end_date else None,
                        "roster_row": entry.where,
                    },
                    message=f"{user.role} {user.id} is still active though the roster says the person left"
                    + (f" on {entry.end_date.isoformat()}." if entry.end_date else "."),
                )
            else:
                matched += 1
        if matched == len(staff):
            audit.passed(
                vendor=vendor.name,
                resource="roster",
                evidence={"staff": len(staff), "roster_rows": len(entries)},
                message=f"All {len(staff)} active staff account(s) of {vendor.name} match current roster entries.",
            )
        _contract(audit, vendor, staff, policy.contracted(vendor.name))


def _severity(user: User) -> Severity:
    return Severity.HIGH if user.role in PRIVILEGED_ROLES else Severity.MEDIUM


def _contract(audit: Audit, vendor: Vendor, staff: list[User], allowed: int | None) -> None:
    if allowed is None:  # the profile names no contract for this vendor: nothing to compare with
        return
    seats = [u for u in staff if u.role in SEAT_ROLES]
    at: Where = {"vendor": vendor.name, "resource": "roster/contract"}
    evidence = {"active_seats": len(seats), "contracted": allowed, "counted_roles": sorted(SEAT_ROLES)}
    if len(seats) > allowed:
        audit.fail(
            **at,
            severity=Severity.MEDIUM,
            evidence={**evidence, "kind": "agents_over_contract"},
            message=f"{vendor.name} has {len(seats)} active agent/admin accounts; the contract allows {allowed}.",
        )
    else:
        audit.passed(
            **at, evidence=evidence, message=f"{vendor.name} has {len(seats)} of {allowed} contracted agent seats."
        )


def _turnover(
    audit: Audit, vendor: Vendor, entries: list[RosterEntry], limit: float, today: dt.date, roster: str
) -> None:
    at: Where = {"vendor": vendor.name, "resource": "roster/turnover"}
    turnover = annual_turnover(entries, today)
    rate = turnover.rate if turnover else None
    if turnover is None or rate is None:
        audit.manual(
            **at,
            message=f"The roster {roster} gives no start or end dates for {vendor.name}'s people, so the annual "
            "turnover cannot be computed; add start_date and end_date columns, or ask the BPO for the figure.",
        )
        return
    evidence = {
        "turnover": round(rate, 3),
        "limit": limit,
        "leavers_last_365_days": turnover.leavers,
        "average_headcount": round(turnover.average_headcount, 2),
        "undated_leavers": turnover.undated_leavers,
        "formula": "leavers in the last 365 days / average daily headcount over those days",
    }
    if rate > limit:
        audit.fail(
            **at,
            severity=Severity.MEDIUM,
            evidence={**evidence, "kind": "high_turnover"},
            message=f"Annual turnover of the people on {vendor.name} is {rate:.0%}, above the {limit:.0%} limit: "
            "joiners and leavers this frequent make stale accounts likely.",
        )
    else:
        audit.passed(**at, evidence=evidence, message=f"Annual turnover is {rate:.0%} (limit {limit:.0%}).")
