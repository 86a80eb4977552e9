"""Credentials that act as a user carry only the roles the profile allows."""

from __future__ import annotations

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import Profile

_RANK = {"admin": Severity.CRITICAL, "owner": Severity.CRITICAL}


@check(
    id="credential_role_least_privilege",
    title="Credentials that act as a user carry only the roles the profile allows",
    severity=Severity.HIGH,
    controls=("pci_dss_4.0:7.2.5", "pci_dss_4.0:7.2.2", "soc2_2017:CC6.3", "iso27001_2022:A.8.2"),
    remediation="Issue the credential under a user with the least role that works (for example an observer "
    "or light agent), or switch to an OAuth app with explicit scopes.",
)
def test_credential_role_least_privilege(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        grants = {g.credential: g for g in snapshot.grants}
        for credential in vendor.credentials:
            at: Where = {"vendor": vendor.name, "resource": f"credential/{credential.name}"}
            found = grants.get(credential.name)
            if found is None:
                audit.error(
                    **at, message=f"Could not learn what {credential.name} acts as: {snapshot.why_not('grants')}"
                )
                continue
            if found.role is None:
                audit.not_applicable(**at, message=f"{credential.name} does not act as a user.")
                continue
            evidence = {"role": found.role, "acts_as": found.acts_as, "source": found.source}
            if credential.allowed_roles is not None:
                allowed = found.role in credential.allowed_roles
                audit.record(
                    **at,
                    passed=allowed,
                    evidence=evidence | {"allowed": sorted(credential.allowed_roles)},
                    severity=None if allowed else _RANK.get(found.role, Severity.HIGH),
                    message=f"{credential.name} acts as user {found.acts_as} with role {found.role}"
                    + ("." if allowed else f", not one of {', '.join(sorted(credential.allowed_roles))}."),
                )
            elif found.scopes is not None:
                audit.passed(
                    **at,
                    evidence=evidence,
                    message=f"{credential.name} acts as a {found.role} but is bounded by its scopes.",
                )
            else:
                audit.manual(
                    **at,
                    evidence=evidence,
                    message=f"{credential.name} acts as a {found.role} and has no scopes; list the roles "
                    "it may carry in allowed_roles.",
                )
