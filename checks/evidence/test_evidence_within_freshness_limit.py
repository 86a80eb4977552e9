"""Evidence read from files is no older than the profile's freshness limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from vendor_audit.checks import Audit, Severity, check
from vendor_audit.profile import Profile


@check(
    id="evidence_within_freshness_limit",
    title="Evidence read from files is no older than the profile's freshness limit",
    severity=Severity.MEDIUM,
    controls=("pci_dss_4.0:12.8.4", "soc2_2017:CC4.1", "iso27001_2022:A.5.22"),
    remediation="Export the file again from its source (IdP, helpdesk export job) and rerun the audit; schedule the "
    "export before the recurring audit so the two stay in step.",
    per_vendor=False,
)
def test_evidence_within_freshness_limit(profile: Profile, audit: Audit) -> None:
    files: list[tuple[str, Path]] = [(spec.vendor or "exports", spec.path) for spec in profile.exports]
    if profile.idp_export is not None:
        files.append(("idp", profile.idp_export))
    if not files:
        audit.not_applicable(message="The profile reads no evidence from files; API evidence is collected live.")
    limit = profile.evidence_max_age_days
    now = dt.datetime.now(dt.UTC)
    for vendor, path in files:
        resource = f"file/{path.name}"
        try:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except OSError as exc:
            audit.error(vendor=vendor, resource=resource, message=f"cannot read {path}: {exc.strerror}")
            continue
        age_days = (now - modified).total_seconds() / 86400
        evidence = {"modified": modified.isoformat(timespec="seconds"), "age_days": round(age_days, 1), "limit": limit}
        if age_days > limit:
            audit.fail(
                vendor=vendor,
                resource=resource,
                evidence=evidence,
                message=f"{path.name} was last written {age_days:.0f} days ago, beyond the {limit}-day limit.",
            )
        else:
            audit.passed(
                vendor=vendor,
                resource=resource,
                evidence=evidence,
                message=f"{path.name} is {age_days:.1f} days old (limit {limit}).",
            )
