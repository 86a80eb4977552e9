"""The vendor meets the contract's service levels, recomputed from the raw exports."""

from __future__ import annotations

from typing import Any

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks.sla._common import pct, row_of, unread
from vendor_audit.kpi import METRIC_SOURCES as SOURCES
from vendor_audit.kpi import KpiResult
from vendor_audit.profile import Profile, SLATarget
from vendor_audit.service_levels import attainment


@check(
    id="sla_targets_met",
    title="The vendor meets the contract's service levels, recomputed from the raw exports",
    severity=Severity.HIGH,
    controls=("soc2_2017:CC9.2", "iso27001_2022:A.5.22", "pci_dss_4.0:12.8.4"),
    remediation="Raise the miss with the vendor under the contract (claim the credit it names), ask for its "
    "remediation plan, and re-run the audit on next month's exports.",
)
def test_sla_targets_met(kpi: KpiResult, profile: Profile, audit: Audit) -> None:
    sla = profile.sla
    for vendor in profile.vendors:
        name = vendor.name
        targets = [t for t in sla.targets if t.vendor in (None, name)]
        floors = [(m, f) for m, f in (("csat", sla.csat_floor), ("one_touch", sla.fcr_floor)) if f is not None]
        if not targets and not floors:
            audit.not_applicable(vendor=name, message=f"The profile's [sla] names no service level for {name}.")
            continue
        left, unbounded = unread(kpi, profile, name)
        for target in targets:
            if unbounded:
                _cannot_read(audit, name, target.resource, unbounded)
            else:
                _target(audit, kpi, target, name, left)
        for metric, floor in floors:
            resource = f"sla/{metric}/all/all"
            if unbounded:
                _cannot_read(audit, name, resource, unbounded)
            else:
                _floor(audit, kpi, name, metric, floor, left)


def _cannot_read(audit: Audit, vendor: str, resource: str, problems: list[str]) -> None:
    audit.error(
        vendor=vendor,
        resource=resource,
        message=f"An export of {vendor} could not be read whole, so its service levels cannot be recomputed: "
        f"{problems[0]}.",
        evidence={"problems": problems[:10]},
    )


def _target(audit: Audit, kpi: KpiResult, target: SLATarget, vendor: str, left: int) -> None:
    at: Where = {"vendor": vendor, "resource": target.resource}
    scope = " ".join(filter(None, [target.channel, target.priority and f"{target.priority}-priority"])) or "all"
    wanted = (
        f"{target.metric.replace('_', ' ')} within {target.minutes:g} min for {pct(target.share)} of {scope} tickets"
    )
    reached = attainment(kpi, target, vendor)
    if reached is None:
        audit.manual(
            **at,
            message=f"No export of {vendor} gives the {target.metric.replace('_', ' ')} of {scope} tickets, so the "
            f"target ({wanted}) cannot be recomputed: export {SOURCES[target.metric]} and name them in [[exports]].",
        )
        return
    low, high = reached.bounds(left)
    evidence: dict[str, Any] = {
        "kind": "sla_missed",
        "metric": target.metric,
        "target_minutes": target.minutes,
        "target_share": target.share,
        "met": reached.met,
        "measured": reached.measured,
        "attainment": round(reached.share, 4),
        "still_running": reached.left_out,
        "records_left_out": left,
        "vendor_sla_events": reached.from_breaches,  # decided by the helpdesk's own breach events
    }
    got = f"{reached.met} of {reached.measured} tickets ({pct(reached.share)})"
    if low >= target.share:
        audit.passed(**at, message=f"{vendor} met {wanted}: {got}.", evidence=evidence)
    elif high < target.share:
        credit = f" The contract's credit for this miss is owed: {target.credit}." if target.credit is not None else ""
        if target.credit is not None:
            evidence["credit"] = target.credit
        audit.fail(
            **at,
            message=f"{vendor} missed {wanted}: {got}, {pct(target.share - reached.share)} short.{credit}",
            evidence=evidence,
            severity=Severity.HIGH,
        )
    else:
        audit.error(
            **at,
            message=f"{left} record(s) of {vendor}'s exports could not be read, and they could decide {wanted} "
            f"({got} of those read): fix the export and re-run.",
            evidence=evidence,
        )


def _floor(audit: Audit, kpi: KpiResult, vendor: str, metric: str, floor: float, left: int) -> None:
    label = {"csat": "CSAT", "one_touch": "first contact resolution (one-touch)"}[metric]
    at: Where = {"vendor": vendor, "resource": f"sla/{metric}/all/all"}
    row = row_of(kpi, vendor, metric, None, None)
    if row is None or row.value is None or not row.count:
        audit.manual(
            **at,
            message=f"No export of {vendor} gives its {label}, so the floor of {pct(floor)} cannot be recomputed: "
            f"export {SOURCES[metric]} and name them in [[exports]].",
        )
        return
    hits = row.value * row.count
    low, high = hits / (row.count + left), (hits + left) / (row.count + left)
    evidence = {
        "kind": "sla_missed",
        "metric": metric,
        "floor": floor,
        "value": round(row.value, 4),
        "count": row.count,
    }
    said = f"{vendor}'s {label} is {pct(row.value)} over {row.count} tickets; the contract's floor is {pct(floor)}"
    if low >= floor:
        audit.passed(**at, message=f"{said}.", evidence=evidence)
    elif high < floor:
        audit.fail(**at, message=f"{said}: below it.", evidence=evidence, severity=Severity.HIGH)
    else:
        audit.error(**at, message=f"{said}, but {left} unread record(s) could change the verdict.", evidence=evidence)
