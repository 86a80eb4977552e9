"""Every endpoint refuses SSLv3, TLS 1.0 and TLS 1.1."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, Where, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, reachable


@check(
    id="tls_legacy_protocols_refused",
    title="Every endpoint refuses SSLv3, TLS 1.0 and TLS 1.1",
    severity=Severity.HIGH,
    controls=TLS_CONTROLS,
    remediation="Set the endpoint's minimum protocol to TLS 1.2 (nginx: ssl_protocols TLSv1.2 TLSv1.3; a CDN: its "
    "minimum TLS version setting).",
)
def test_tls_legacy_protocols_refused(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit):
            continue
        at: Where = {"vendor": endpoint.vendor, "resource": endpoint.resource}
        results = [endpoint.report.protocols[name] for name in ("SSLv3", "TLSv1.0", "TLSv1.1")]
        evidence = {r.protocol: {"outcome": r.outcome, "detail": r.detail} for r in results}
        accepted = [r.protocol for r in results if r.outcome == "accepted"]
        unsure = [r.protocol for r in results if r.outcome == "inconclusive"]
        if accepted:
            audit.fail(**at, evidence=evidence, message=f"{endpoint.report.address} accepts {' and '.join(accepted)}.")
        elif unsure:
            audit.error(
                **at,
                evidence=evidence,
                message=f"Could not tell whether {endpoint.report.address} accepts {' and '.join(unsure)}.",
            )
        else:
            audit.passed(**at, evidence=evidence, message=f"{endpoint.report.address} refuses SSLv3, TLS 1.0 and 1.1.")
