"""Every active staff account belongs to one person, not a team or a role."""

from __future__ import annotations

import re

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import PRIVILEGED_ROLES, active_staff, not_collected
from vendor_audit.model import User, VendorSnapshot
from vendor_audit.profile import Profile

_WORDS = re.compile(r"[a-z]+")


def generic_words(user: User, names: frozenset[str]) -> list[str]:
    """What makes the account generic: its email's local part, or its name, made only of generic words.

    "support@", "support.team@", "cs-agent2@" and the name "Support Team" are generic; "john.admin@" or the
    name "Tim Service" are not (a person's name is among the words). "+tags" and digits are ignored.
    """
    local = user.email.partition("@")[0].partition("+")[0].lower()
    found = []
    for label, text in (("email", local), ("name", user.name.lower())):
        words = _WORDS.findall(text)
        if words and all(w in names for w in words):
            found.append(f"{label} {text!r}")
    return found


@check(
    id="no_shared_agent_accounts",
    title="Every active staff account belongs to one person, not a team or a role",
    severity=Severity.MEDIUM,
    controls=(
        "pci_dss_4.0:8.2.1",
        "pci_dss_4.0:8.2.2",
        "soc2_2017:CC6.1",
        "soc2_2017:CC6.2",
        "iso27001_2022:A.5.16",
    ),
    remediation="Give each person their own account and suspend the shared one; if a role mailbox must sign in, "
    "document the exception, name its owner and rotate its password when a holder leaves.",
)
def test_no_shared_agent_accounts(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    names = frozenset(profile.access.shared_account_names)
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.users is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "users"}, "users", "staff accounts")
            continue
        staff = active_staff(snapshot.users)
        shared = 0
        for user in staff:
            why = generic_words(user, names)
            if not why:
                continue
            shared += 1
            at: Where = {"vendor": vendor.name, "resource": f"users/{user.id}"}
            audit.fail(
                **at,
                # A shared admin leaves no one accountable for configuration changes.
                severity=Severity.HIGH if user.role in PRIVILEGED_ROLES else Severity.MEDIUM,
                evidence={"kind": "shared_account", "role": user.vendor_role, "matched": why, "source": user.source},
                message=f"Active {user.role} {user.id} looks shared or generic ({' and '.join(why)}).",
            )
        if not shared:
            audit.passed(
                vendor=vendor.name,
                resource="users",
                evidence={"staff": len(staff), "generic_words": sorted(names)},
                message=f"None of {vendor.name}'s {len(staff)} active staff account(s) is named like a team or role.",
            )
