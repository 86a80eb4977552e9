"""Every endpoint offers TLS 1.2 with a strong suite, or TLS 1.3."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, Where, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, reachable


@check(
    id="tls_modern_protocol_offered",
    title="Every endpoint offers TLS 1.2 with a strong suite, or TLS 1.3",
    severity=Severity.HIGH,
    controls=TLS_CONTROLS,
    remediation="Enable TLS 1.3 and, for TLS 1.2, ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 suites.",
)
def test_tls_modern_protocol_offered(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit):
            continue
        report = endpoint.report
        at: Where = {"vendor": endpoint.vendor, "resource": endpoint.resource}
        tls13 = report.protocols["TLSv1.3"].outcome == "accepted"
        strong12 = report.strong_tls12 is not None and report.strong_tls12.outcome == "accepted"
        evidence = {
            "tls1.3": tls13,
            "tls1.2_strong_suite": strong12,
            "tls1.2_cipher": report.strong_tls12.cipher if report.strong_tls12 else None,
        }
        if tls13 or strong12:
            offered = ", ".join(
                n for n, ok in (("TLS 1.3", tls13), ("TLS 1.2 with AEAD and forward secrecy", strong12)) if ok
            )
            audit.passed(**at, evidence=evidence, message=f"{report.address} offers {offered}.")
        elif report.protocols["TLSv1.3"].outcome == "inconclusive":
            audit.error(**at, evidence=evidence, message=f"Could not tell which protocols {report.address} offers.")
        else:
            audit.fail(
                **at,
                evidence=evidence,
                message=f"{report.address} offers neither TLS 1.3 nor TLS 1.2 with a strong suite.",
            )
