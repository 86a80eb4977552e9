"""What every TLS check does first: an endpoint that could not be reached is an error, never a pass."""

from __future__ import annotations

from vendor_audit.checks import Audit, ProbedEndpoint

TLS_CONTROLS = ("pci_dss_4.0:4.2.1", "soc2_2017:CC6.7", "iso27001_2022:A.8.24")


def reachable(endpoint: ProbedEndpoint, audit: Audit) -> bool:
    if endpoint.report.error:
        audit.error(vendor=endpoint.vendor, resource=endpoint.resource, message=f"{endpoint.report.error}.")
        return False
    return True


def leaf_present(endpoint: ProbedEndpoint, audit: Audit) -> bool:
    if not endpoint.report.chain:
        audit.error(
            vendor=endpoint.vendor,
            resource=endpoint.resource,
            message=f"No certificate could be read from {endpoint.report.address}.",
        )
        return False
    return True
