"""The HTML report: one self-contained file (no script, no external resource) a reviewer can open offline.

Written by Jinja2 from templates/report.html.j2 with autoescaping on, so every string of the run is escaped
where it lands and nothing is hand-joined markup; this module only shapes the run into what the page shows. The
charts are pygal's static SVG (reports/_svg_charts.py; vendor_audit/charts.py says why pygal), inline, each with
a caption and a table of its numbers. Its Content-Security-Policy forbids every load but inline style and data:
images, so the report can neither leak what it shows nor depend on anything outside the bundle.

One card per check that needs action lists its resources in a table, with the check's remediation and controls
once: ten card numbers found by one check are one card of ten rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from vendor_audit.findings import AuditRun, CheckSpec, Finding, LoadAttachment, Severity, Status
from vendor_audit.reports import _svg_charts

__all__ = ["CONTENT_SECURITY_POLICY", "render_html"]

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_VERDICT = {0: "pass", 1: "fail", 2: "incomplete: the audit could not look everywhere"}
_STATUS_ORDER = ("fail", "error", "manual", "waived", "pass", "not_applicable")
_STATUS_LABEL = {"not_applicable": "n/a"}
_ACTION = (Status.FAIL, Status.ERROR, Status.MANUAL)
_COVERAGE_LABEL = {
    "pass": "automated: pass",
    "fail": "automated: FAIL",
    "error": "automated: could not look",
    "manual": "needs manual evidence",
    "waived": "automated: fail, waived",
    "not_applicable": "automated: not applicable",
    "not_tested": "not tested in this run",
    "not_covered": "no automated check",
}


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a name the template misspells fails the render, never shows as blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2")


# Markup made once per status: a report of 20,000 findings shows a badge in every row (benchmarks/report_speed.py).
_BADGES = {
    status: markupsafe.Markup('<span class="badge s-{}">{}</span>').format(status, _STATUS_LABEL.get(status, status))
    for status in _STATUS_ORDER
}


@dataclass(frozen=True, slots=True)
class CheckCard:
    """One check that needs action and every resource it found so, worst first."""

    id: str
    title: str
    severity: str
    status: str  # the worst status among its rows
    tally: str  # "10 fail, 1 error"
    vendors: tuple[str, ...]
    remediations: tuple[str, ...]
    controls: tuple[str, ...]
    rows: tuple[tuple[str, str, str, str, str], ...]  # vendor, resource, status, message, evidence JSON ("" if none)


def _tally(statuses: Iterable[str]) -> str:
    counts = Counter(statuses)
    return ", ".join(f"{counts[s]} {_STATUS_LABEL.get(s, s)}" for s in _STATUS_ORDER if counts[s])


def _evidence(finding: Finding) -> str:
    if not finding.evidence:
        return ""
    return json.dumps(dict(finding.evidence), indent=2, ensure_ascii=False, sort_keys=True)


def _cards(action: Sequence[Finding], specs: Mapping[str, CheckSpec]) -> list[CheckCard]:
    grouped: dict[str, list[Finding]] = {}
    for finding in action:  # worst first already: the first finding of a check places its card
        grouped.setdefault(finding.check_id, []).append(finding)
    cards = []
    for check_id, findings in grouped.items():
        spec = specs.get(check_id)
        remediations = tuple(dict.fromkeys(f.remediation for f in findings if f.remediation))
        controls = spec.controls if spec else tuple(dict.fromkeys(c for f in findings for c in f.controls))
        cards.append(
            CheckCard(
                id=check_id,
                title=spec.title if spec else "",
                severity=(spec.severity if spec else findings[0].severity).value,
                status=findings[0].status.value,
                tally=_tally(f.status.value for f in findings),
                vendors=tuple(sorted({f.vendor for f in findings})),
                remediations=remediations or ((spec.remediation,) if spec else ()),
                controls=controls,
                rows=tuple((f.vendor, f.resource, f.status.value, f.message, _evidence(f)) for f in findings),
            )
        )
    return cards


def _counts(run: AuditRun) -> list[tuple[str, int, str]]:
    """(status, count, detail) for each status the run has; a failure's detail is its severities."""
    counts = run.counts()
    failing = Counter(f.severity.value for f in run.findings if f.status is Status.FAIL)
    severities = ", ".join(f"{failing[s.value]} {s.value}" for s in reversed(Severity) if failing[s.value])
    return [(s, counts[s], severities if s == "fail" else "") for s in _STATUS_ORDER if counts.get(s)]


def _vendors(run: AuditRun) -> list[tuple[str, str, str, str]]:
    """Every vendor of the profile and any other name findings carry ("-" for the run itself), with its tally."""
    statuses: dict[str, list[str]] = defaultdict(list)
    for finding in run.findings:
        statuses[finding.vendor].append(finding.status.value)
    rows = [(v.name, v.type, v.base_url, _tally(statuses.get(v.name, ())) or "no finding") for v in run.vendors]
    named = {v.name for v in run.vendors}
    rows += [(name, "", "", _tally(statuses[name])) for name in sorted(statuses) if name not in named]
    return rows


def _valid_until(run: AuditRun) -> str:
    days = run.evidence_max_age_days
    if not days or not run.finished:
        return "no freshness limit set in the profile ([evidence] max_age_days)"
    until = dt.datetime.fromisoformat(run.finished) + dt.timedelta(days=int(days))
    return f"{until.date().isoformat()} ({days} days after collection, the profile's freshness limit)"


def _coverage(run: AuditRun) -> list[dict[str, Any]]:
    frameworks = []
    for framework in run.coverage:
        matrix = framework.get("matrix", [])
        tally = Counter(str(row["status"]) for row in matrix)
        frameworks.append(
            {
                "name": framework["name"],
                "requirements": framework["requirements"],
                "summary": ", ".join(f"{n} {_COVERAGE_LABEL.get(s, s)}" for s, n in sorted(tally.items())),
                "rows": [
                    (
                        row["id"],
                        row.get("title", ""),
                        row["status"],
                        _COVERAGE_LABEL.get(row["status"], row["status"]),
                        ", ".join(row["checks"]) or "-",
                    )
                    for row in matrix
                ],
                "not_tested": [r["id"] for r in matrix if r["status"] == "not_tested"],
                "not_covered": sum(1 for r in matrix if r["status"] == "not_covered"),
            }
        )
    return frameworks


def _number(value: Any, share: bool = False) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    return f"{100 * value:.1f} %" if share else f"{value:.1f}"


def _service_levels(run: AuditRun) -> dict[str, Any]:
    targets = []
    for index, target in enumerate(r for r in run.service_levels if r.get("metric") == "sla_target"):
        scope = " ".join(str(target.get(k)) for k in ("channel", "priority") if target.get(k)) or "all"
        metric = str(target.get("target_metric", "")).replace("_", " ")
        minutes, share = float(target.get("target_minutes") or 0), float(target.get("target_share") or 0)
        title = f"{target.get('vendor')}: {metric} within {minutes:g} min for {100 * share:.0f} % of {scope} tickets"
        bins, weeks = target.get("histogram"), target.get("weekly")
        figures = []
        if isinstance(bins, list) and metric == "first reply time":
            histogram = [b for b in bins if isinstance(b, dict)]
            figures.append(_svg_charts.sla_histogram(histogram, minutes, title, f"sla-{index}-histogram"))
        if isinstance(weeks, list):
            weekly = [w for w in weeks if isinstance(w, dict)]
            figures.append(_svg_charts.sla_weekly(weekly, share, title + ", by week", f"sla-{index}-weekly"))
        targets.append(
            {
                "title": title,
                "attained": f"{100 * float(target.get('within_sla') or 0):.1f} %",
                "count": target.get("count"),
                "figures": [f for f in figures if f is not None],
            }
        )
    rows = [
        (
            r.get("vendor", ""),
            r.get("metric", ""),
            r.get("channel") or "all",
            r.get("priority") or "all",
            r.get("count", ""),
            _number(r.get("p50_minutes")),
            _number(r.get("p90_minutes")),
            _number(r.get("sla_target_minutes")),
            _number(r.get("value"), share=True),
        )
        for r in run.service_levels
        if r.get("metric") != "sla_target"
    ]
    return {"targets": targets, "rows": rows, "any": bool(run.service_levels)}


def _load(load: LoadAttachment | None) -> dict[str, Any] | None:
    if load is None:
        return None
    document = load.document
    endpoints = document.get("endpoints", {})
    rows = [
        (
            name,
            s.get("count", 0),
            s.get("p50", ""),
            s.get("p95", ""),
            s.get("p99", ""),
            s.get("max", ""),
            f"{(s.get('error_rate') or 0) * 100:.2f} %",
        )
        for name, s in sorted(endpoints.items(), key=lambda item: (item[0] == "total", item[0]))
    ]
    validity = "valid" if document.get("valid") else "INVALID: " + "; ".join(document.get("invalid_reasons", []))
    plan = document.get("plan", {})
    # The load run's chart is its own file (latency.svg), embedded as an image: inert whatever it holds.
    chart = "data:image/svg+xml;base64," + base64.b64encode(load.chart_svg.encode()).decode() if load.chart_svg else ""
    return {
        "run_id": load.run_id,
        "rate": plan.get("rate", "?"),
        "duration": plan.get("duration", "?"),
        "validity": validity,
        "rows": rows,
        "chart": chart,
    }


def render_html(run: AuditRun) -> str:
    from vendor_audit.reports import sorted_findings, state_notice

    ordered = sorted_findings(run.findings)
    specs = {spec.id: spec for spec in run.checks}
    action = [f for f in ordered if f.status in _ACTION]
    waived = [f for f in ordered if f.status is Status.WAIVED]
    passed = [
        (f.status.value, f.check_id, f.vendor, f.resource, f.message)
        for f in ordered
        if f.status in (Status.PASS, Status.NOT_APPLICABLE)
    ]
    current = {"run_id": run.run_id, "finished": run.finished, "counts": run.counts(), "state": run.state.value}
    coverage = _coverage(run)
    return _template().render(
        csp=CONTENT_SECURITY_POLICY,
        badges=_BADGES,
        run=run,
        notice=state_notice(run),
        verdict={
            "status": ("pass", "fail", "error")[run.exit_code] if run.exit_code in (0, 1, 2) else "error",
            "text": _VERDICT.get(run.exit_code, ""),
        },
        counts=_counts(run),
        valid_until=_valid_until(run),
        signing_key=run.signing_key or None,
        severity_chart=_svg_charts.severity_by_vendor(run.findings),
        vendors=_vendors(run),
        trend_chart=_svg_charts.trend(run.trend, current),
        earlier_runs=len(run.trend),
        drift=run.drift,
        cards=_cards(action, specs),
        action_count=len(action),
        waived=[(f, f.waiver or {}) for f in waived],
        coverage=coverage,
        coverage_chart=_svg_charts.coverage(run.coverage),
        service_levels=_service_levels(run),
        load=_load(run.load),
        passed=passed,
    )
