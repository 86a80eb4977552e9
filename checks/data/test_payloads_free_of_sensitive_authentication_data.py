"""No track data or card verification code appears in any payload or export."""

from __future__ import annotations

from vendor_audit.checks import Audit, PayloadScan, Severity, check
from vendor_audit.checks.data._findings import record_hits


@check(
    id="payloads_free_of_sensitive_authentication_data",
    title="No track data or card verification code appears in any payload or export",
    severity=Severity.CRITICAL,
    controls=(
        "pci_dss_4.0:3.3.1",
        "pci_dss_4.0:3.3.1.1",
        "pci_dss_4.0:3.3.1.2",
        "soc2_2017:CC6.7",
        "iso27001_2022:A.8.12",
    ),
    remediation="Delete the message or comment (sensitive authentication data may not be kept at all after "
    "authorization, even redacted), and train agents never to ask for the security code in a ticket.",
)
def test_payloads_free_of_sensitive_authentication_data(payload_scan: PayloadScan, audit: Audit) -> None:
    record_hits(payload_scan, audit, {"track_data", "cvv"}, "track data or card verification code")
