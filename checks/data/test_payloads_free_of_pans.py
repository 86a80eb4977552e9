"""No clear-text card number appears in any ticket, chat, order, note or export."""

from __future__ import annotations

from vendor_audit.checks import Audit, PayloadScan, Severity, check
from vendor_audit.checks.data._findings import record_hits
from vendor_audit.profile import Profile
from vendor_audit.vendors import lookup


@check(
    id="payloads_free_of_pans",
    title="No clear-text card number appears in any ticket, chat, order, note or export",
    severity=Severity.CRITICAL,
    controls=(
        "pci_dss_4.0:3.4.1",
        "pci_dss_4.0:3.5.1",
        "pci_dss_4.0:3.2.1",
        "pci_dss_4.0:4.2.2",
        "soc2_2017:CC6.7",
        "soc2_2017:C1.1",
        "iso27001_2022:A.8.11",
        "iso27001_2022:A.8.12",
    ),
    remediation="Redact the card number in the vendor (each finding's evidence says how there), turn on the "
    "helpdesk's automatic card redaction, and route card payments to a PCI-compliant payment page.",
)
def test_payloads_free_of_pans(payload_scan: PayloadScan, profile: Profile, audit: Audit) -> None:
    redact = {vendor.name: lookup(vendor.type).pan_redaction_hint for vendor in profile.vendors}
    record_hits(payload_scan, audit, {"pan"}, "card number", how_to_redact=redact)
