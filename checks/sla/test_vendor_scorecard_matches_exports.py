"""The vendor's own scorecard agrees with the figures recomputed from the raw exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks.sla._common import pct, row_of, unread
from vendor_audit.kpi import KpiResult
from vendor_audit.profile import Profile

SCORECARD_BYTES = 16 << 20  # a month's scorecard is a few rows
SHARES = ("within_sla", "value")
MINUTES = ("p50_minutes", "p90_minutes")


class ScorecardError(Exception):
    """The scorecard file cannot be read as rows of figures."""


def read_scorecard(path: Path) -> list[dict[str, Any]]:
    """Rows of metric, vendor, channel, priority and the figures (CSV, or JSON: an array or {"rows": [...]})."""
    try:
        if path.stat().st_size > SCORECARD_BYTES:
            raise ScorecardError(f"{path} is larger than {SCORECARD_BYTES >> 20} MiB; a scorecard is a few rows")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScorecardError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScorecardError(f"cannot read {path} ({exc.__class__.__name__})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ScorecardError(f"{path} is not valid JSON ({exc.__class__.__name__})") from None
        rows = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ScorecardError(f'{path} holds no list of rows (a JSON array, or {{"rows": [...]}})')
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    for number, row in enumerate(rows, start=1):
        if not row.get("metric") or not row.get("vendor"):
            raise ScorecardError(f"{path} row {number} names no metric or no vendor")
    return [{k.strip(): v for k, v in row.items() if k} for row in rows]


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        return None
    return number / 100 if isinstance(value, str) and value.strip().endswith("%") else number


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


@check(
    id="vendor_scorecard_matches_exports",
    title="The vendor's own scorecard agrees with the figures recomputed from the raw exports",
    severity=Severity.HIGH,
    controls=("soc2_2017:CC9.2", "iso27001_2022:A.5.22", "pci_dss_4.0:12.8.4"),
    remediation="Ask the vendor how it computed each figure that differs (population, clock, exclusions); until it "
    "explains, judge the contract on the recomputed figures and have the raw exports delivered every period.",
)
def test_vendor_scorecard_matches_exports(kpi: KpiResult, profile: Profile, audit: Audit) -> None:
    path = profile.sla.scorecard
    if path is None:
        for vendor in profile.vendors:
            audit.manual(
                vendor=vendor.name,
                resource="sla/scorecard",
                message="The profile names no vendor scorecard ([sla] scorecard), so the vendor's reported figures "
                "were not compared with the exports: ask the vendor for its monthly scorecard and name the file.",
            )
        return
    try:
        rows = read_scorecard(path)
    except ScorecardError as exc:
        for vendor in profile.vendors:
            audit.error(vendor=vendor.name, resource="sla/scorecard", message=f"The vendor scorecard: {exc}.")
        return
    names = {v.name for v in profile.vendors}
    for name in sorted(names - {str(r["vendor"]) for r in rows}):
        audit.not_applicable(vendor=name, message=f"The vendor scorecard reports no figure for {name}.")
    for row in rows:
        reported_by = str(row["vendor"])
        if reported_by not in names:
            audit.error(
                vendor="-",
                resource="sla/scorecard",
                message=f"The vendor scorecard names vendor {reported_by!r}, which the profile does not: fix the file.",
            )
            continue
        _compare(audit, kpi, profile, row, reported_by)


def _compare(audit: Audit, kpi: KpiResult, profile: Profile, row: dict[str, Any], vendor: str) -> None:
    metric, channel, priority = str(row["metric"]), _text(row.get("channel")), _text(row.get("priority"))
    at: Where = {"vendor": vendor, "resource": f"sla/{metric}/{channel or 'all'}/{priority or 'all'}"}
    left, unbounded = unread(kpi, profile, vendor)
    if unbounded:
        audit.error(
            **at,
            message=f"An export of {vendor} could not be read whole, so the scorecard cannot be checked: "
            f"{unbounded[0]}.",
        )
        return
    tolerance = profile.sla.tolerance
    compared: dict[str, Any] = {}
    differ: list[str] = []
    for field in (*SHARES, *MINUTES):
        reported = _number(row.get(field))
        if reported is None:
            continue
        # The engine gives attainment its own row (metric "within_sla"); the scorecard puts it beside its metric.
        source = row_of(kpi, vendor, "within_sla" if field == "within_sla" else metric, channel, priority)
        recomputed = getattr(source, field, None) if source is not None else None
        if recomputed is None or source is None:
            compared[field] = {"reported": reported, "recomputed": None}
            continue
        if field in SHARES:
            # Records the KPIs could not read could move the share by this much: not held against the vendor.
            slack = tolerance + left / (source.count + left)
            off = abs(reported - recomputed) > slack
            shown = f"{field.replace('_', ' ')} {pct(reported)} reported, {pct(recomputed)} recomputed"
        else:
            slack = max(1.0, tolerance * recomputed)
            off = abs(reported - recomputed) > slack
            shown = f"{field.replace('_', ' ')} {reported:g} min reported, {recomputed:.1f} min recomputed"
        compared[field] = {"reported": reported, "recomputed": round(recomputed, 4), "allowed": round(slack, 4)}
        if off:
            differ.append(shown)
    evidence = {"kind": "scorecard_overstated", "compared": compared, "tolerance": tolerance, "records_left_out": left}
    checked = [f for f, c in compared.items() if c["recomputed"] is not None]
    what = f"{metric.replace('_', ' ')} ({channel or 'all channels'}, {priority or 'all priorities'})"
    if differ:
        audit.fail(
            **at,
            message=f"{vendor}'s scorecard for {what} differs from its raw exports beyond the tolerance: "
            f"{'; '.join(differ)}. The vendor's figures cannot be trusted.",
            evidence=evidence,
            severity=Severity.HIGH,
        )
    elif checked:
        audit.passed(
            **at,
            message=f"{vendor}'s scorecard for {what} agrees with its raw exports ({', '.join(checked)}).",
            evidence=evidence,
        )
    else:
        audit.manual(
            **at,
            message=f"No export of {vendor} gives {what} as the scorecard reports it, so the figure cannot be "
            "checked: ask for the raw export it was computed from.",
            evidence=evidence,
        )
