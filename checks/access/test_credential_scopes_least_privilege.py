"""Vendor credentials hold only the scopes the profile allows."""

from __future__ import annotations

import re

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import Profile
from vendor_audit.vendors import lookup

# What an extra scope reaches decides how bad it is: impersonation and admin-wide access first, then
# writes to orders, customers and payments, then any other write, then extra reads.
_CRITICAL = re.compile(r"^(impersonate|write|admin|write:all)$")
_HIGH = re.compile(r"(write|:write).*(order|customer|payment|ticket|user)|(order|customer|payment|ticket|user).*write")


def severity_of(scope: str) -> Severity:
    if _CRITICAL.match(scope):
        return Severity.CRITICAL
    if _HIGH.search(scope):
        return Severity.HIGH
    if "write" in scope:
        return Severity.MEDIUM
    return Severity.LOW


@check(
    id="credential_scopes_least_privilege",
    title="Vendor credentials hold only the scopes the profile allows",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:7.2.2",
        "pci_dss_4.0:7.2.5",
        "soc2_2017:CC6.3",
        "iso27001_2022:A.8.2",
        "iso27001_2022:A.5.15",
    ),
    remediation="Re-issue the credential with only the scopes audit.toml lists for it, and revoke the old one.",
)
def test_credential_scopes_least_privilege(
    snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit
) -> None:
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        grants = {g.credential: g for g in snapshot.grants}
        for credential in vendor.credentials:
            at: Where = {"vendor": vendor.name, "resource": f"credential/{credential.name}"}
            found = grants.get(credential.name)
            if found is None:
                why = snapshot.why_not("grants")
                audit.error(**at, message=f"Could not read the grants of {credential.name}: {why}")
                continue
            if found.scopes is None:
                if credential.allowed_scopes:
                    audit.manual(
                        **at,
                        message=f"{vendor.type} does not reveal the scopes of {credential.name} "
                        f"({found.source}); compare them with the vendor's app settings by hand.",
                    )
                else:
                    audit.not_applicable(**at, message=f"{credential.name} carries a role, not scopes.")
                continue
            allowed = credential.allowed_scopes or frozenset()
            extra = sorted(found.scopes - allowed - lookup(vendor.type).implied_scopes(allowed))
            if not extra:
                audit.passed(
                    **at,
                    message=f"{credential.name} holds exactly the allowed scopes.",
                    evidence={"granted": sorted(found.scopes), "source": found.source},
                )
                continue
            worst = max((severity_of(s) for s in extra), key=lambda s: s.rank)
            audit.fail(
                **at,
                severity=worst,
                message=f"{credential.name} holds {len(extra)} scope(s) beyond what is allowed: {', '.join(extra)}.",
                evidence={
                    "extra": extra,
                    "granted": sorted(found.scopes),
                    "allowed": sorted(allowed),
                    "source": found.source,
                },
            )
