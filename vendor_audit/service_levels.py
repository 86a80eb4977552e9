"""Service levels against the contract: attainment per `[[sla.targets]]` from the recomputed KPIs.

`vendor_audit.kpi` recomputes per ticket and per group; this module holds a contract's target against those
tickets (the share that met the target's minutes) and shapes what the report charts: the distribution of first
reply times against the target, and the attainment by week. Pure functions over a `KpiResult`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vendor_audit.kpi import KpiResult, TicketKpi
from vendor_audit.profile import SLATarget

__all__ = ["Attainment", "attainment", "in_scope", "left_out_records", "service_level_rows"]

# kpi's problem line for records it could not use: "<path>: 3 record(s) not valid JSON (first at line 7), ...".
_LEFT_OUT = re.compile(r": (\d+) record\(s\) ")
HISTOGRAM_BINS = 12


@dataclass(frozen=True, slots=True)
class Attainment:
    met: int
    measured: int
    left_out: int  # tickets in scope whose clock had not ended (no reply and no breach yet; not resolved)
    from_breaches: bool  # Zendesk's own SLA events (apply_sla target equal to the contract's) decided some tickets

    @property
    def share(self) -> float:
        return self.met / self.measured

    def bounds(self, unknown: int) -> tuple[float, float]:
        """The share if `unknown` more tickets had all missed, or all met (records the KPIs could not read)."""
        total = self.measured + unknown
        return self.met / total, (self.met + unknown) / total


def _same(value: str | None, wanted: str | None) -> bool:
    # Zendesk's ticket events label channels as its UI does ("Chat"); the contract writes "chat".
    return wanted is None or (value is not None and value.casefold() == wanted.casefold())


def in_scope(ticket: TicketKpi, target: SLATarget) -> bool:
    return _same(ticket.channel, target.channel) and _same(ticket.priority, target.priority)


def _verdict(ticket: TicketKpi, target: SLATarget) -> bool | None:
    """Whether one ticket met the target: True, False, or None when it is left out (its clock still runs)."""
    if target.metric == "full_resolution_time":
        minutes = ticket.full_resolution_minutes
        return None if minutes is None else minutes <= target.minutes
    # First reply: where Zendesk measured the same target, its breach events are the truth (issue 16).
    if ticket.within_sla is not None and ticket.sla_target_minutes == target.minutes:
        return ticket.within_sla
    if ticket.first_reply_minutes is not None:
        return ticket.first_reply_minutes <= target.minutes
    if ticket.breached and ticket.sla_target_minutes is not None and ticket.sla_target_minutes <= target.minutes:
        return False  # breached a target no longer than the contract's, with no reply at all
    return None


def attainment(result: KpiResult, target: SLATarget, vendor: str) -> Attainment | None:
    """The target's attainment on `vendor`'s tickets; None when no ticket in scope has the figure."""
    met = measured = left_out = 0
    from_breaches = False
    for (name, _), ticket in result.per_ticket.items():
        if name != vendor or not in_scope(ticket, target):
            continue
        verdict = _verdict(ticket, target)
        if verdict is None:
            left_out += 1
            continue
        measured += 1
        met += verdict
        from_breaches |= target.metric == "first_reply_time" and ticket.sla_target_minutes == target.minutes
    if not measured:
        return None
    return Attainment(met, measured, left_out, from_breaches)


def left_out_records(problems: Iterable[str], paths: Iterable[str]) -> tuple[int, list[str]]:
    """Of the KPI problems about `paths`: the records counted as left out, and the lines that are no such count.

    A file that was read whole but for some records moves a share by at most those records; a file that could not
    be read (missing, over a bound, cut short) moves it by an unknown amount.
    """
    wanted = tuple(paths)
    count, unbounded = 0, []
    for line in problems:
        if not line.startswith(wanted):
            continue
        found = _LEFT_OUT.search(line)
        if found:
            count += int(found.group(1))
        else:
            unbounded.append(line)
    return count, unbounded


def _week(moment: float) -> str:
    day = dt.datetime.fromtimestamp(moment, dt.UTC).date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()  # the Monday the week starts


def _histogram(values: Sequence[float], target: float) -> list[dict[str, Any]]:
    """Counts of first-reply times in equal bins up to twice the target (the last bin holds everything later)."""
    top = max(2 * target, 1.0)
    width = top / HISTOGRAM_BINS
    counts = [0] * (HISTOGRAM_BINS + 1)
    for value in values:
        counts[min(HISTOGRAM_BINS, math.floor(value / width))] += 1
    return [
        {"from": round(i * width, 3), "to": round((i + 1) * width, 3) if i < HISTOGRAM_BINS else None, "count": n}
        for i, n in enumerate(counts)
    ]


def service_level_rows(result: KpiResult, targets: Sequence[SLATarget]) -> list[dict[str, Any]]:
    """Every recomputed KPI row as JSON; each first-reply target adds a row with its histogram and weekly attainment."""
    rows: list[dict[str, Any]] = [row.as_json() for row in result.rows]
    vendors = sorted({vendor for vendor, _ in result.per_ticket})
    for target in targets:
        for vendor in vendors if target.vendor is None else [target.vendor]:
            reached = attainment(result, target, vendor)
            if reached is None:
                continue
            tickets = [t for (v, _), t in result.per_ticket.items() if v == vendor and in_scope(t, target)]
            weekly: dict[str, Counter[str]] = {}
            for ticket in tickets:
                verdict = _verdict(ticket, target)
                if verdict is not None and ticket.created is not None:
                    week = weekly.setdefault(_week(ticket.created), Counter())
                    week["measured"] += 1
                    week["met"] += verdict
            values = [
                t.first_reply_minutes if target.metric == "first_reply_time" else t.full_resolution_minutes
                for t in tickets
            ]
            rows.append(
                {
                    "metric": "sla_target",
                    "vendor": vendor,
                    "channel": target.channel,
                    "priority": target.priority,
                    "target_metric": target.metric,
                    "target_minutes": target.minutes,
                    "target_share": target.share,
                    "count": reached.measured,
                    "within_sla": reached.share,
                    "histogram": _histogram([v for v in values if v is not None], target.minutes),
                    "weekly": [
                        {"week": week, "met": c["met"], "measured": c["measured"]} for week, c in sorted(weekly.items())
                    ],
                }
            )
    return rows
