"""No endpoint certificate expires within the warning window."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, leaf_present, reachable
from vendor_audit.profile import Profile


@check(
    id="tls_certificate_not_expiring",
    title="No endpoint certificate expires within the warning window",
    severity=Severity.MEDIUM,
    controls=(*TLS_CONTROLS, "pci_dss_4.0:4.2.1.1"),
    remediation="Renew the certificate now and automate renewal (ACME) so it never comes this close again.",
)
def test_tls_certificate_not_expiring(tls_reports: list[ProbedEndpoint], profile: Profile, audit: Audit) -> None:
    window = profile.expiry_warning_days
    for endpoint in tls_reports:
        if not reachable(endpoint, audit) or not leaf_present(endpoint, audit):
            continue
        leaf = endpoint.report.chain[0]
        days = leaf.days_left
        audit.record(
            vendor=endpoint.vendor,
            resource=endpoint.resource,
            passed=days > window,
            severity=Severity.HIGH if days <= 0 else None,
            evidence={"not_after": leaf.not_after, "days_left": round(days, 1), "window_days": window},
            message=f"{endpoint.report.address} certificate "
            + (f"expired {-days:.0f} days ago." if days <= 0 else f"expires in {days:.0f} days ({leaf.not_after})."),
        )
