"""The charts of report.html, drawn by pygal as static SVG (vendor_audit.charts: why pygal, how it is made inert).

Each chart comes as a `Figure`: the SVG, a one-sentence caption, and its numbers as a table, so a screen reader, a
printout or a reviewer who wants the figures reads the same thing the picture shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pygal

from vendor_audit import charts
from vendor_audit.findings import Finding, Severity, Status

__all__ = ["Figure", "coverage", "severity_by_vendor", "sla_histogram", "sla_weekly", "trend"]

SEVERITY_COLOURS = {
    "critical": "#6d1212",
    "high": "#b3261e",
    "medium": "#e8590c",
    "low": "#e0a82e",
    "info": "#8a8a93",
}
STATUS_COLOURS = {
    "fail": "#b3261e",
    "error": "#8a4b00",
    "manual": "#5b4a9e",
    "waived": "#555555",
    "pass": "#1e6b34",
    "not_applicable": "#9a9aa3",
}
WITHIN, MISSED, TARGET = "#2f6fb0", "#c0392b", "#1d1d22"


@dataclass(frozen=True, slots=True)
class Figure:
    """A chart and its text alternative: the caption says what it shows, the table holds every number drawn."""

    uid: str
    svg: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _counts_config(uid: str, title: str, series: Sequence[tuple[str, str]], top: float, **more: Any) -> dict[str, Any]:
    """A chart of counts: whole-number ticks; `series` is (legend label, colour) in drawing order."""
    return charts.config(
        uid=uid,
        title=title,
        width=760,
        height=more.pop("height", 340),
        colors=[colour for _, colour in series],
        legend=[label for label, _ in series],
        y_labels=charts.count_ticks(top),
        **more,
    )


def _rotation(labels: Sequence[str], room: int = 660) -> int:
    """Turn x labels only when side by side they would run into each other (~7 px a character at 11 px)."""
    return 35 if len(labels) * (7 * max(map(len, labels), default=0) + 12) > room else 0


def severity_by_vendor(findings: Sequence[Finding]) -> Figure | None:
    """Failing findings per vendor, stacked by severity (worst at the bottom); None when nothing fails."""
    failing: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        if finding.status is Status.FAIL:
            failing[finding.vendor][finding.severity.value] += 1
    if not failing:
        return None
    vendors = sorted(failing)
    severities = [s.value for s in reversed(Severity) if any(failing[v][s.value] for v in vendors)]
    top = max(sum(c.values()) for c in failing.values())
    chart = pygal.StackedBar(
        **_counts_config(
            "severity",
            "Failing findings by vendor and severity",
            [(s, SEVERITY_COLOURS[s]) for s in severities],
            top,
            x_title="vendor",
            y_title="failing findings (count)",
            x_label_rotation=_rotation(vendors),
        )
    )
    chart.x_labels = vendors
    for severity in severities:
        chart.add(severity, [failing[v][severity] or None for v in vendors])
    total = sum(sum(c.values()) for c in failing.values())
    worst = max(vendors, key=lambda v: (sum(failing[v].values()), v))
    caption = (
        f"{total} failing finding(s) across {len(vendors)} vendor(s); {worst} has the most "
        f"({sum(failing[worst].values())})."
    )
    rows = tuple((v, *(str(failing[v][s]) for s in severities), str(sum(failing[v].values()))) for v in vendors)
    return Figure("severity", charts.render(chart, uid="severity"), caption, ("vendor", *severities, "total"), rows)


_COVERAGE_SERIES = (
    ("checked automatically", "#1e6b34"),
    ("not tested here", "#e0a82e"),
    ("no automated check", "#9a9aa3"),
)


def coverage(frameworks: Sequence[Mapping[str, Any]]) -> Figure | None:
    """Per framework: requirements a check looked at, requirements whose checks did not run, and those no check maps."""
    if not frameworks:
        return None
    counted = []
    for framework in frameworks:
        tally = Counter(str(row["status"]) for row in framework.get("matrix", []))
        skipped, uncovered = tally["not_tested"], tally["not_covered"]
        counted.append((str(framework["name"]), sum(tally.values()) - skipped - uncovered, skipped, uncovered))
    top = max(sum(c[1:]) for c in counted)
    # "SOC 2 Trust Services Criteria 2017 (revised points of focus 2022)": the axis shows what comes before "(",
    # the table below the chart the whole name
    labels = [name.split(" (")[0] for name, *_ in counted]
    chart = pygal.HorizontalStackedBar(
        **_counts_config(
            "coverage",
            "Requirements per framework, by how this run covered them",
            _COVERAGE_SERIES,
            top,
            height=170 + 52 * len(counted),
            x_title="requirements (count)",
            y_title="framework",
            label_room=60 + 7 * max(map(len, labels)),
        )
    )
    chart.x_labels = labels
    columns = list(zip(*(c[1:] for c in counted), strict=True))  # per series, its count in each framework
    for (label, _), values in zip(_COVERAGE_SERIES, columns, strict=True):
        chart.add(label, [value or None for value in values])  # None: no zero-width sliver drawn
    caption = "; ".join(
        f"{name}: {checked} of {checked + s + u} checked automatically, {s} not tested here, {u} need other evidence"
        for name, checked, s, u in counted
    )
    rows = tuple((name, str(a), str(b), str(c), str(a + b + c)) for name, a, b, c in counted)
    headers = ("framework", *(label for label, _ in _COVERAGE_SERIES), "requirements")
    return Figure("coverage", charts.render(chart, uid="coverage"), caption + ".", headers, rows)


_TREND_STATUSES = ("fail", "error", "manual", "waived", "pass")


def trend(earlier: Sequence[Mapping[str, Any]], current: Mapping[str, Any]) -> Figure | None:
    """Findings per status across the earlier runs of the profile and this one; None without an earlier run.

    `earlier` and `current` are {run_id, finished, counts, state}; a partial or interrupted run is marked in its label,
    since its counts cover less than the whole scope.
    """
    runs = [*earlier, current]
    if len(runs) < 2:
        return None

    def label(run: Mapping[str, Any], last: bool) -> str:
        when = str(run.get("finished", ""))[:16].replace("T", " ")
        state = str(run.get("state") or "complete")
        return ("this run " if last else "") + when + ("" if state == "complete" else f" ({state})")

    labels = [label(run, i == len(runs) - 1) for i, run in enumerate(runs)]
    counts = [{s: int((run.get("counts") or {}).get(s, 0)) for s in _TREND_STATUSES} for run in runs]
    statuses = [s for s in _TREND_STATUSES if any(c[s] for c in counts)] or ["pass"]
    top = max(max(c[s] for s in statuses) for c in counts)
    chart = pygal.Line(
        **_counts_config(
            "trend",
            f"Findings per status, last {len(runs)} runs of this profile",
            [(s, STATUS_COLOURS[s]) for s in statuses],
            top,
            x_title="run (finished, UTC)",
            y_title="findings (count)",
            x_label_rotation=_rotation(labels),
            dots_size=3,
            height=380,
        )
    )
    chart.x_labels = labels
    for status in statuses:
        chart.add(status, [c[status] for c in counts])
    first, last = counts[0], counts[-1]
    caption = (
        f"Failing findings went from {first['fail']} to {last['fail']} and passing ones from {first['pass']} to "
        f"{last['pass']} over {len(runs)} runs."
    )
    rows = tuple(
        (str(run.get("run_id", "")), text, str(run.get("state") or "complete"), *(str(c[s]) for s in _TREND_STATUSES))
        for run, text, c in zip(runs, labels, counts, strict=True)
    )
    return Figure(
        "trend", charts.render(chart, uid="trend"), caption, ("run", "finished", "state", *_TREND_STATUSES), rows
    )


def sla_histogram(bins: Sequence[Mapping[str, Any]], target_minutes: float, title: str, uid: str) -> Figure | None:
    """Tickets per first-reply time bin, bins within the target apart from those past it, the target as a line.

    The KPI bins are equal up to twice the target and the last one holds every later reply; it is drawn one bin
    wide and said so in the legend.
    """
    if not bins:
        return None
    width = float(bins[1]["from"]) - float(bins[0]["from"]) if len(bins) > 1 else max(target_minutes, 1.0)
    edges = [
        (float(b["from"]), float(b["to"]) if b.get("to") is not None else float(b["from"]) + width, int(b["count"]))
        for b in bins
    ]
    tail = edges[-1][0] if bins[-1].get("to") is None else None
    top = max(1, *(count for _, _, count in edges))
    ticks = charts.count_ticks(top)
    target = f"target {target_minutes:g} min"
    chart = charts.xy(
        uid=uid,
        title=title,
        x_title="first reply (minutes)" + (f"; the last bin holds every reply from {tail:g} min" if tail else ""),
        y_title="tickets (count)",
        colors=[WITHIN, MISSED, TARGET],
        legend=["within target", "past target", target],
        y_labels=ticks,
    )
    within = [e for e in edges if e[0] < target_minutes]
    missed = [e for e in edges if e[0] >= target_minutes]
    chart.add("within target", charts.step_outline(within), fill=True)
    chart.add("past target", charts.step_outline(missed), fill=True)
    chart.add(target, charts.vertical_line(target_minutes, ticks[-1]), stroke_style=charts.DASHED)
    late = sum(count for _, _, count in missed)
    total = sum(count for _, _, count in edges)
    caption = f"{late} of {total} ticket(s) had their first reply at or after the {target_minutes:g}-minute target."
    rows = tuple(
        (f"{start:g}", "and later" if tail is not None and start == tail else f"{end:g}", str(count))
        for start, end, count in edges
    )
    return Figure(uid, charts.render(chart, uid=uid), caption, ("from (min)", "to (min)", "tickets"), rows)


def sla_weekly(weeks: Sequence[Mapping[str, Any]], target_share: float, title: str, uid: str) -> Figure | None:
    """The share of tickets within target per week, the contract's share as a dashed line; None without a week."""
    points = [(str(w["week"]), int(w["met"]), int(w["measured"])) for w in weeks if int(w["measured"])]
    if not points:
        return None
    target = f"target {100 * target_share:g} %"
    chart = pygal.Line(
        **charts.config(
            uid=uid,
            title=title,
            width=760,
            height=360,
            colors=[WITHIN, TARGET],
            legend=["within target", target],
            x_title="week (starting Monday)",
            y_title="tickets within target (%)",
            range=(0, 100),
            y_labels=[0, 20, 40, 60, 80, 100],
            x_label_rotation=35 if len(points) > 8 else 0,
            dots_size=3,
        )
    )
    chart.x_labels = [week for week, _, _ in points]
    shares = [round(100 * met / measured, 1) for _, met, measured in points]
    chart.add("within target", shares)
    chart.add(
        f"target {100 * target_share:g} %",
        [100 * target_share] * len(points),
        stroke_style=charts.DASHED,
        show_dots=False,
    )
    below = sum(1 for share in shares if share < 100 * target_share - 1e-9)
    caption = f"{below} of {len(points)} week(s) below the {100 * target_share:g} % target."
    rows = tuple(
        (week, str(met), str(measured), f"{share:.1f} %")
        for (week, met, measured), share in zip(points, shares, strict=True)
    )
    return Figure(uid, charts.render(chart, uid=uid), caption, ("week", "within target", "measured", "share"), rows)
