"""The vendor account enforces MFA for its staff."""

from __future__ import annotations

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import Profile
from vendor_audit.vendors import lookup


@check(
    id="mfa_enforced_for_account",
    title="The vendor account enforces MFA for its staff",
    severity=Severity.HIGH,
    controls=("pci_dss_4.0:8.4.2", "pci_dss_4.0:8.5", "soc2_2017:CC6.1", "iso27001_2022:A.8.5"),
    remediation="Turn on the account's two-factor requirement for agents and admins, where each finding's "
    "evidence says the vendor keeps it.",
)
def test_mfa_enforced_for_account(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        at: Where = {"vendor": vendor.name, "resource": "account/security_settings"}
        setting = lookup(vendor.type).mfa_setting_hint
        enforcement = snapshot.mfa_enforcement
        if enforcement is None:
            why = snapshot.why_not("mfa_enforcement")
            audit.error(
                **at, evidence={"setting": setting}, message=f"Could not read {vendor.name}'s MFA enforcement: {why}"
            )
        elif enforcement.enforced is None:
            audit.manual(
                **at,
                evidence={"source": enforcement.source, "setting": setting},
                message=f"{vendor.name} enforcement is {enforcement.source}; attach a screenshot of the "
                f"setting ({setting}) or the vendor's attestation.",
            )
        else:
            audit.record(
                **at,
                passed=enforcement.enforced,
                evidence={"source": enforcement.source, "setting": setting},
                message=f"{vendor.name} {'enforces' if enforcement.enforced else 'does not enforce'} MFA "
                f"for {enforcement.scope}.",
            )
