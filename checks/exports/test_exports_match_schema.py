"""Every event export matches its agreed JSON Schema, record by record."""

from __future__ import annotations

from typing import Any

from vendor_audit.checks import Audit, Severity, check
from vendor_audit.profile import ExportSpec, Profile

LISTED = 50  # failing records listed one by one; the rest are counted


@check(
    id="exports_match_schema",
    title="Every event export matches its agreed JSON Schema, record by record",
    severity=Severity.MEDIUM,
    controls=("soc2_2017:PI1.2", "soc2_2017:CC7.2", "iso27001_2022:A.5.22", "iso27001_2022:A.8.16"),
    remediation="Have the vendor fix the export job so every record carries the agreed fields and types; "
    "re-export the affected period.",
    per_vendor=False,
)
def test_exports_match_schema(export_reports: list[tuple[ExportSpec, Any]], profile: Profile, audit: Audit) -> None:
    if not export_reports:
        audit.not_applicable(message="The profile lists no exports.")
    for spec, report in export_reports:
        vendor = spec.vendor or "exports"
        resource = f"exports/{spec.path.name}"
        if isinstance(report, str):
            audit.error(vendor=vendor, resource=resource, message=report)
            continue
        if report.valid:
            audit.passed(
                vendor=vendor,
                resource=resource,
                evidence={"records": report.records},
                message=f"All {report.records} records match {spec.schema}.",
            )
            continue
        by_location: dict[str, list[str]] = {}
        for error in report.errors:
            by_location.setdefault(error.location, []).append(error.message)
        for location in report.invalid_locations[:LISTED]:
            messages = by_location.get(location, ["(error details beyond the listed ones)"])
            audit.fail(
                vendor=vendor,
                resource=resource,
                evidence={"location": location, "errors": messages[:5]},
                message=f"{location} does not match {spec.schema}: {messages[0]}",
            )
        if report.invalid > LISTED:
            audit.fail(
                vendor=vendor,
                resource=resource,
                evidence={"invalid": report.invalid, "counts": dict(report.counts)},
                message=f"{report.invalid - LISTED} more invalid record(s) of {report.records} not listed.",
            )
