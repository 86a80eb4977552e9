"""Every endpoint's certificate chains to a trusted root, matches its host and is in date."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, Where, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, reachable


@check(
    id="tls_certificate_trusted",
    title="Every endpoint's certificate chains to a trusted root, matches its host and is in date",
    severity=Severity.HIGH,
    controls=(*TLS_CONTROLS, "pci_dss_4.0:4.2.1.1"),
    remediation="Serve a certificate from a trusted CA for the endpoint's host name, with its intermediates, and "
    "renew it before it expires; for a private CA, give its bundle as ca_file.",
)
def test_tls_certificate_trusted(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit):
            continue
        report = endpoint.report
        at: Where = {"vendor": endpoint.vendor, "resource": endpoint.resource}
        evidence = {"detail": report.trust_detail, "chain": [c.as_json() for c in report.chain]}
        if report.trusted is None:
            audit.error(**at, evidence=evidence, message=f"Could not verify {report.address}: {report.trust_detail}.")
        else:
            audit.record(
                **at,
                passed=report.trusted,
                evidence=evidence,
                message=f"{report.address} certificate: {report.trust_detail}.",
            )
