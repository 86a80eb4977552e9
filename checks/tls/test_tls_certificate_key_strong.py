"""Every certificate in each endpoint's chain has a strong key."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, leaf_present, reachable


@check(
    id="tls_certificate_key_strong",
    title="Every certificate in each endpoint's chain has a strong key",
    severity=Severity.HIGH,
    controls=TLS_CONTROLS,
    remediation="Re-key with RSA 2048 bits or more, or ECDSA P-256 or stronger, and re-issue the certificate.",
)
def test_tls_certificate_key_strong(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit) or not leaf_present(endpoint, audit):
            continue
        weak = [c for c in endpoint.report.chain if not c.key_strong]
        audit.record(
            vendor=endpoint.vendor,
            resource=endpoint.resource,
            passed=not weak,
            evidence={"keys": [{"subject": c.subject, "key": c.key} for c in endpoint.report.chain]},
            message=f"{endpoint.report.address}: "
            + (", ".join(f"{c.key} key on {c.subject}" for c in weak) + "." if weak else "every key is strong."),
        )
