"""No endpoint accepts a NULL, anonymous, EXPORT, RC4 or DES/3DES cipher suite."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, Where, check
from vendor_audit.checks.tls._common import TLS_CONTROLS, reachable

WEAK = ("NULL", "anonymous", "EXPORT", "RC4", "DES/3DES")
ADVISORY = ("CBC", "no forward secrecy")


@check(
    id="tls_weak_cipher_suites_refused",
    title="No endpoint accepts a NULL, anonymous, EXPORT, RC4 or DES/3DES cipher suite",
    severity=Severity.HIGH,
    controls=TLS_CONTROLS,
    remediation="Limit the endpoint to ECDHE suites with AES-GCM or ChaCha20-Poly1305 (Mozilla intermediate: "
    "https://ssl-config.mozilla.org/).",
)
def test_tls_weak_cipher_suites_refused(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit):
            continue
        at: Where = {"vendor": endpoint.vendor, "resource": endpoint.resource}
        categories = endpoint.report.categories
        if not categories:
            audit.not_applicable(**at, message=f"{endpoint.report.address} speaks only TLS 1.3: no legacy suites.")
            continue
        evidence = {name: {"outcome": r.outcome, "suite": r.cipher} for name, r in categories.items()}
        accepted = [name for name in WEAK if categories[name].outcome == "accepted"]
        unsure = [name for name in WEAK if categories[name].outcome == "inconclusive"]
        advisories = [name for name in ADVISORY if categories[name].outcome == "accepted"]
        note = f" Advisory: accepts {' and '.join(advisories)} suites." if advisories else ""
        if accepted:
            audit.fail(
                **at,
                evidence=evidence,
                message=f"{endpoint.report.address} accepts {', '.join(accepted)} suites.{note}",
            )
        elif unsure:
            audit.error(
                **at,
                evidence=evidence,
                message=f"Could not tell whether {endpoint.report.address} accepts {', '.join(unsure)} suites.",
            )
        else:
            audit.passed(**at, evidence=evidence, message=f"{endpoint.report.address} refuses every weak suite.{note}")
