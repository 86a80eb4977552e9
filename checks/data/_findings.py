"""Turns scanner hits into one finding per vendor, resource and kind (shared by the two data checks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vendor_audit.checks import Audit, Hit, PayloadScan, Severity


def record_hits(
    scan: PayloadScan, audit: Audit, kinds: set[str], what: str, how_to_redact: Mapping[str, str] | None = None
) -> None:
    """One finding per vendor, resource and kind; `how_to_redact` (vendor name -> wording) joins the evidence."""
    groups: dict[tuple[str, str, str], list[Hit]] = {}
    for hit in scan.hits:
        if hit.match.kind in kinds:
            groups.setdefault((hit.vendor, hit.resource, hit.match.kind), []).append(hit)
    for (vendor, resource, kind), hits in sorted(groups.items()):
        first = hits[0]
        label = {"pan": "clear-text PAN", "track_data": "magnetic-stripe track data", "cvv": "card verification code"}
        brand = f"{first.match.brand} " if first.match.brand else ""
        evidence: dict[str, Any] = {
            "kind": kind,
            "locations": [h.location for h in hits][:20],
            "matches": [h.match.as_json() for h in hits][:20],
        }
        if how_to_redact and vendor in how_to_redact and not resource.startswith("exports/"):
            evidence["redact"] = how_to_redact[vendor]  # an export file is fixed at its source, not in the vendor
        audit.fail(
            vendor=vendor,
            resource=resource,
            severity=Severity.CRITICAL,
            message=f"{label[kind][0].upper()}{label[kind][1:]} {brand}{first.match.masked} in {first.location}"
            + (f" and {len(hits) - 1} more place(s)" if len(hits) > 1 else "")
            + ".",
            evidence=evidence,
        )
    flagged = {(v, "payloads" if not r.startswith("exports/") else r) for v, r, _ in groups}
    for (vendor, source), count in sorted(scan.scanned.items()):
        if (vendor, source) not in flagged and not (source == "payloads" and scan.errors.get(vendor)):
            audit.passed(vendor=vendor, resource=source, message=f"No {what} in {count} payload(s) or record(s).")
    for vendor, limits in sorted(scan.limits.items()):
        for limit in limits:  # the vendor's list ended as if complete, but the audit saw only part of it
            audit.manual(
                vendor=vendor,
                resource=limit.resource,
                message=f"Not scanned for any {what}: {limit.message}",
                evidence={"coverage_limit": limit.resource},
            )
    for vendor, errors in sorted(scan.errors.items()):
        for error in errors:
            audit.error(
                vendor=vendor,
                resource="payloads",
                message=f"Not every payload could be read, so {what} may hide there: {error.message}",
            )
