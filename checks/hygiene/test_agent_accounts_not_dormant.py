"""Every active staff account has signed in within the dormancy limit, and every new one has been used."""

from __future__ import annotations

import datetime as dt

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import PRIVILEGED_ROLES, active_staff, days_since, iso, not_collected
from vendor_audit.model import User, VendorSnapshot
from vendor_audit.profile import Profile


def _severity(user: User) -> Severity:
    # A dormant admin is the account a phished or departed person's credentials reach the whole helpdesk with.
    return Severity.HIGH if user.role in PRIVILEGED_ROLES else Severity.MEDIUM


@check(
    id="agent_accounts_not_dormant",
    title="Every active staff account has signed in within the dormancy limit, and every new one has been used",
    severity=Severity.MEDIUM,
    controls=(
        "pci_dss_4.0:8.2.6",
        "pci_dss_4.0:7.2.4",
        "soc2_2017:CC6.2",
        "soc2_2017:CC6.3",
        "iso27001_2022:A.5.18",
        "iso27001_2022:A.5.16",
    ),
    remediation="Suspend or delete the account (ask the BPO whether the person still needs it), and review staff "
    "accounts at least every 90 days.",
)
def test_agent_accounts_not_dormant(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    now = dt.datetime.now(dt.UTC)
    dormant_days = profile.access.dormant_days
    never_used_days = profile.access.never_used_days
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.users is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "users"}, "users", "staff accounts")
            continue
        staff = active_staff(snapshot.users)
        if not staff:
            audit.not_applicable(vendor=vendor.name, resource="users", message=f"{vendor.name} has no active staff.")
            continue
        unexposed: list[User] = []
        for user in staff:
            at: Where = {"vendor": vendor.name, "resource": f"users/{user.id}"}
            evidence = {
                "role": user.vendor_role,
                "created_at": iso(user.created_at),
                "last_login_at": iso(user.last_login_at),
                "source": user.source,
            }
            if not user.login_exposed:
                unexposed.append(user)
            elif user.last_login_at is not None:
                idle = days_since(user.last_login_at, now)
                if idle > dormant_days:
                    audit.fail(
                        **at,
                        severity=_severity(user),
                        evidence={**evidence, "kind": "dormant_account", "idle_days": int(idle), "limit": dormant_days},
                        message=f"Active {user.role} {user.id} has not signed in for {int(idle)} days "
                        f"(limit {dormant_days}).",
                    )
                else:
                    audit.passed(
                        **at, evidence=evidence, message=f"{user.role} {user.id} signed in {int(idle)} days ago."
                    )
            elif user.created_at is None:
                # Never signed in, but since when? Without a creation date the grace period cannot be judged.
                audit.manual(
                    **at,
                    evidence=evidence,
                    message=f"{user.role} {user.id} has never signed in and {vendor.name} does not say when it was "
                    "created; ask the BPO whether the account is still needed.",
                )
            elif (age := days_since(user.created_at, now)) > never_used_days:
                audit.fail(
                    **at,
                    severity=_severity(user),
                    evidence={**evidence, "kind": "never_used_account", "age_days": int(age), "limit": never_used_days},
                    message=f"Active {user.role} {user.id} was created {int(age)} days ago and has never signed in "
                    f"(limit {never_used_days}).",
                )
            else:
                audit.passed(
                    **at,
                    evidence=evidence,
                    message=f"{user.role} {user.id} is {int(age)} days old and not yet used (grace "
                    f"{never_used_days} days).",
                )
        if unexposed:
            # Unknown is never a pass: the vendor's own sign-in report (or the IdP's) closes it.
            audit.manual(
                vendor=vendor.name,
                resource="users",
                evidence={"users": [u.id for u in unexposed], "source": unexposed[0].source},
                message=f"{vendor.name}'s API does not expose the last sign-in of {len(unexposed)} staff account(s); "
                f"compare them with the vendor's staff or login report, or the identity provider's sign-in log, "
                f"against the {dormant_days}-day limit.",
            )
