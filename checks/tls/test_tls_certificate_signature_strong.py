"""No certificate in any endpoint's chain is signed with SHA-1 or MD5."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, leaf_present, reachable

WEAK = {"sha1", "md5", "md2", "unknown"}


@check(
    id="tls_certificate_signature_strong",
    title="No certificate in any endpoint's chain is signed with SHA-1 or MD5",
    severity=Severity.HIGH,
    controls=TLS_CONTROLS,
    remediation="Re-issue the certificate signed with SHA-256 or stronger.",
)
def test_tls_certificate_signature_strong(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit) or not leaf_present(endpoint, audit):
            continue
        # The root's self-signature is never checked by clients, so it does not count.
        chain = [c for c in endpoint.report.chain if not c.self_signed] or endpoint.report.chain[:1]
        weak = [c for c in chain if (c.signature_hash or "").lower() in WEAK]
        audit.record(
            vendor=endpoint.vendor,
            resource=endpoint.resource,
            passed=not weak,
            evidence={"signatures": [{"subject": c.subject, "hash": c.signature_hash} for c in chain]},
            message=f"{endpoint.report.address}: "
            + (
                ", ".join(f"{c.subject} signed with {c.signature_hash}" for c in weak) + "."
                if weak
                else "every signature uses a strong hash."
            ),
        )
