"""CSV: one row per finding, for spreadsheets and GRC imports. Columns are fixed (CSV_COLUMNS)."""

from __future__ import annotations

import csv
import io
import json

from vendor_audit.findings import AuditRun

__all__ = ["CSV_COLUMNS", "render_csv"]

CSV_COLUMNS = (
    "run_id",
    "finding_uid",
    "check_id",
    "status",
    "severity",
    "vendor",
    "resource",
    "message",
    "controls",
    "remediation",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
    "evidence",
)
_FORMULA = ("=", "+", "@", "\t", "\r")


def _cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula (OWASP "CSV injection") is kept as text; a lone "-" is no formula.
    formula = value.startswith(_FORMULA) or (value.startswith("-") and len(value) > 1)
    return "'" + value if formula else value


def render_csv(run: AuditRun) -> str:
    from vendor_audit.reports import sorted_findings

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_COLUMNS)
    for finding in sorted_findings(run.findings):
        waiver = finding.waiver or {}
        row = (
            run.run_id,
            finding.uid,
            finding.check_id,
            finding.status.value,
            finding.severity.value,
            finding.vendor,
            finding.resource,
            finding.message,
            ";".join(finding.controls),
            finding.remediation,
            waiver.get("reason", ""),
            waiver.get("owner", ""),
            waiver.get("expires", ""),
            json.dumps(dict(finding.evidence), sort_keys=True, ensure_ascii=False) if finding.evidence else "",
        )
        writer.writerow([_cell(str(v)) for v in row])
    return out.getvalue()
