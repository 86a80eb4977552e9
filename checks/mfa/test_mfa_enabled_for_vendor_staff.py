"""Every active vendor admin and agent signs in with MFA."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.model import MFAState, User, VendorSnapshot
from vendor_audit.profile import Profile
from vendor_audit.vendors import lookup


def idp_factors(path: Path) -> dict[str, bool]:
    """Email -> has a second factor, from an identity-provider export (CSV or JSON list of users)."""
    rows: list[dict[str, object]]
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data if isinstance(data, list) else data.get("users", [])
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    factors: dict[str, bool] = {}
    for row in rows:
        email = str(row.get("email") or row.get("login") or "").lower()
        value = row.get("mfa") if "mfa" in row else row.get("factors")
        enabled = bool(value) and str(value).strip().lower() not in {"0", "false", "no", "none", "[]"}
        if email:
            factors[email] = enabled
    return factors


@check(
    id="mfa_enabled_for_vendor_staff",
    title="Every active vendor admin and agent signs in with MFA",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:8.4.1",
        "pci_dss_4.0:8.4.2",
        "pci_dss_4.0:8.4.3",
        "soc2_2017:CC6.1",
        "soc2_2017:CC6.6",
        "iso27001_2022:A.8.5",
    ),
    remediation="Enrol the user in two-factor authentication (or SSO with MFA) and enforce it for the account.",
)
def test_mfa_enabled_for_vendor_staff(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    idp = idp_factors(profile.idp_export) if profile.idp_export and profile.idp_export.exists() else None
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.users is None:
            why = snapshot.why_not("users")
            audit.error(vendor=vendor.name, resource="users", message=f"Could not list {vendor.name} staff: {why}")
            continue
        staff = [u for u in snapshot.users if u.active and u.role in profile.mfa_required_roles]
        unexposed: list[User] = []
        for user in staff:
            at: Where = {"vendor": vendor.name, "resource": f"users/{user.id}"}
            state = user.mfa
            source = user.source
            if state in (MFAState.NOT_EXPOSED, MFAState.UNKNOWN) and idp is not None and user.email.lower() in idp:
                state = MFAState.ENABLED if idp[user.email.lower()] else MFAState.DISABLED
                source = f"identity-provider export {profile.idp_export}"
            evidence = {"role": user.vendor_role, "source": source}
            if state is MFAState.ENABLED:
                audit.passed(**at, evidence=evidence, message=f"{user.role} {user.id} has MFA.")
            elif state is MFAState.DISABLED:
                audit.fail(
                    **at,
                    evidence=evidence,
                    severity=Severity.CRITICAL if user.role == "admin" else Severity.HIGH,
                    message=f"Active {user.role} {user.id} ({user.vendor_role}) signs in without MFA.",
                )
            else:
                unexposed.append(user)
        if unexposed:
            # Unknown is never a pass nor a fail: a person closes it, and the finding says where to look.
            states = {u.mfa for u in unexposed}
            kinds = (
                "not exposed by the API"
                if states == {MFAState.NOT_EXPOSED}
                else "left empty by the API"
                if states == {MFAState.UNKNOWN}
                else "not exposed or left empty by the API"
            )
            spec = lookup(vendor.type)
            report = (
                f"the vendor's 2FA report ({spec.mfa_report_hint})"
                if spec.mfa_report_hint
                else f"the vendor's own record of it (the setting: {spec.mfa_setting_hint})"
            )
            audit.manual(
                vendor=vendor.name,
                resource="users",
                evidence={"users": [u.id for u in unexposed], "where": spec.mfa_report_hint or spec.mfa_setting_hint},
                message=f"MFA state of {len(unexposed)} {vendor.name} admin(s)/agent(s) is {kinds}; close it with "
                f"an identity-provider export (mfa.idp_export) or {report}.",
            )
