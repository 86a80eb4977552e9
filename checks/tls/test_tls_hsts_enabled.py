"""Every HTTPS endpoint sends Strict-Transport-Security."""

from __future__ import annotations

import re

from vendor_audit.checks import Audit, ProbedEndpoint, Severity, Where, check
from vendor_audit.checks.tls._common import reachable

MIN_AGE = 180 * 86400  # SSL Labs and testssl.sh warn below 180 days (reference/tls.md section 9)


@check(
    id="tls_hsts_enabled",
    title="Every HTTPS endpoint sends Strict-Transport-Security",
    severity=Severity.LOW,
    controls=("pci_dss_4.0:4.2.1", "soc2_2017:CC6.7", "iso27001_2022:A.8.24"),
    remediation="Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS answer.",
)
def test_tls_hsts_enabled(tls_reports: list[ProbedEndpoint], audit: Audit) -> None:
    for endpoint in tls_reports:
        if not reachable(endpoint, audit):
            continue
        at: Where = {"vendor": endpoint.vendor, "resource": endpoint.resource}
        report = endpoint.report
        if not report.hsts_checked:
            audit.error(**at, message=f"No HTTP answer from {report.address} to read HSTS from.")
            continue
        found = re.search(r"max-age\s*=\s*\"?(\d+)", report.hsts or "", re.IGNORECASE)
        age = int(found.group(1)) if found else 0
        audit.record(
            **at,
            passed=age >= MIN_AGE,
            evidence={"header": report.hsts},
            message=f"{report.address} "
            + (f"sends HSTS for {age // 86400} days." if report.hsts else "sends no Strict-Transport-Security header."),
        )
