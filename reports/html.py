"""The HTML report: one self-contained file (no script, no external resource) a reviewer can open offline.

Its Content-Security-Policy forbids every load but inline style and data: images, so the report can
neither leak what it shows nor depend on anything outside the bundle.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from vendor_audit.findings import AuditRun, Finding, LoadAttachment, Severity, Status

__all__ = ["render_html"]

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_SEVERITIES = [s.value for s in reversed(Severity)]
_VERDICT = {0: "pass", 1: "fail", 2: "incomplete: the audit could not look everywhere"}
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
_CSS = """
:root { --fail:#b3261e; --error:#8a4b00; --manual:#5b4a9e; --waived:#555; --pass:#1e6b34; --line:#d9d9de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d22; }
header { background: #1d1d22; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
main { padding: 8px 32px 40px; max-width: 1280px; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta td:first-child { width: 220px; color: #555; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
.s-fail { background: var(--fail); } .s-error { background: var(--error); } .s-manual { background: var(--manual); }
.s-waived { background: var(--waived); } .s-pass { background: var(--pass); } .s-not_applicable { background: #888; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 12px; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--fail); padding: 8px 14px; margin: 10px 0; }
.finding.st-error { border-left-color: var(--error); } .finding.st-manual { border-left-color: var(--manual); }
.finding h3 { margin: 0 0 4px; font-size: 15px; }
.controls code { display: inline-block; background: #f3f3f6; padding: 0 4px; margin: 2px 4px 2px 0; }
pre { background: #f7f7f9; padding: 8px; overflow-x: auto; font-size: 12px; }
.alert { background: #fdecea; border: 1px solid var(--fail); padding: 8px 14px; }
.scope { background: #fff4d6; border: 2px solid var(--error); padding: 10px 14px; margin: 12px 0; font-weight: 600; }
.cov-fail, .cov-error { color: var(--fail); font-weight: 600; } .cov-pass { color: var(--pass); }
.cov-not_covered, .cov-not_tested { color: #777; } .cov-manual { color: var(--manual); }
.fingerprint { font-family: ui-monospace, monospace; }
footer { color: #666; font-size: 12px; padding: 0 32px 24px; }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{_e(c)}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(status: str) -> str:
    label = {"not_applicable": "n/a"}.get(status, status)
    return f'<span class="badge s-{_e(status)}">{_e(label)}</span>'


def _valid_until(run: AuditRun) -> str:
    days = run.evidence_max_age_days
    if not days or not run.finished:
        return "no freshness limit set in the profile ([evidence] max_age_days)"
    until = dt.datetime.fromisoformat(run.finished) + dt.timedelta(days=int(days))
    return f"{until.date().isoformat()} ({days} days after collection, the profile's freshness limit)"


def _header(run: AuditRun) -> str:
    key = run.signing_key
    signing = (
        f'<span class="fingerprint">{_e(key)}</span> (Ed25519; check with '
        f"<code>vendor-audit verify RUN_DIR --public-key KEY.pub</code>)"
        if key
        else "unsigned (sign with <code>vendor-audit sign RUN_DIR --key KEY</code>)"
    )
    rows = [
        ("Profile", _e(run.profile_name or "-")),
        ("Mode", _e(run.mode or "-")),
        ("Run", _e(run.run_id)),
        ("Scope", _e(run.state.value + (f": {run.state_reason}" if run.state_reason else ""))),
        ("Started / finished", f"{_e(run.started)} / {_e(run.finished)}"),
        (
            "Result",
            f"{_badge(['pass', 'fail', 'error'][run.exit_code])} exit code {run.exit_code}: "
            f"{_e(_VERDICT.get(run.exit_code, ''))} (fails on {_e(run.fail_on.value)} and above)",
        ),
        ("Evidence valid until", _e(_valid_until(run))),
        ("Signing key fingerprint", signing),
    ]
    table = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    problems = ""
    if run.problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in run.problems)
        problems = f'<div class="alert"><strong>The audit could not run everywhere:</strong><ul>{items}</ul></div>'
    return f'<table class="meta">{table}</table>{problems}'


def _summary(run: AuditRun) -> str:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in run.findings:
        column = finding.severity.value if finding.status is Status.FAIL else finding.status.value
        counts[finding.vendor][column] += 1
    columns = [*_SEVERITIES, "error", "manual", "waived", "pass", "not_applicable"]
    rows = [[_e(v), *(counts[v][c] for c in columns)] for v in sorted(counts)]
    rows.append(["<strong>all vendors</strong>", *(sum(counts[v][c] for v in counts) for c in columns)])
    headers = ["vendor", *(f"fail {s}" for s in _SEVERITIES), "error", "manual", "waived", "pass", "n/a"]
    return _table(headers, rows, numeric=range(1, len(headers)))


def _drift(run: AuditRun) -> str:
    drift = run.drift
    if not drift:
        return "<p>No earlier run of this profile is recorded: this run is the first in the history.</p>"
    parts = [
        f"<p>Compared with run <code>{_e(drift['base'])}</code>"
        + (f" (baseline {_e(drift['base_name'])})" if drift.get("base_name") else "")
        + f": {len(drift['new'])} new, {len(drift['fixed'])} fixed, {len(drift['still_open'])} still open"
        + (f", {len(drift['unverified'])} not re-checked" if drift.get("unverified") else "")
        + ".</p>"
    ]
    for label, key in (("New", "new"), ("Fixed", "fixed"), ("Not re-checked (could not look)", "unverified")):
        entries = drift.get(key) or []
        if entries:
            rows = [
                [_e(d["status"]), _e(d["severity"]), _e(d["vendor"]), _e(d["check_id"]), _e(d["resource"])]
                for d in entries
            ]
            parts.append(f"<h3>{label}</h3>" + _table(["status", "severity", "vendor", "check", "resource"], rows))
    if drift.get("stale"):
        parts.append(f'<div class="alert">{_e(drift["stale"])}</div>')
    return "".join(parts)


def _finding(finding: Finding) -> str:
    controls = "".join(f"<code>{_e(c)}</code>" for c in finding.controls)
    evidence = ""
    if finding.evidence:
        text = json.dumps(dict(finding.evidence), indent=2, ensure_ascii=False, sort_keys=True)
        evidence = f"<details><summary>Evidence</summary><pre>{_e(text)}</pre></details>"
    remediation = f"<p><strong>Remediation:</strong> {_e(finding.remediation)}</p>" if finding.remediation else ""
    return (
        f'<article class="finding st-{_e(finding.status.value)}">'
        f'<h3>{_badge(finding.status.value)} <span class="sev">{_e(finding.severity.value)}</span> '
        f"{_e(finding.check_id)}: {_e(finding.vendor)} <code>{_e(finding.resource)}</code></h3>"
        f"<p>{_e(finding.message)}</p>{remediation}"
        f'<p class="controls"><strong>Controls:</strong> {controls}</p>{evidence}</article>'
    )


def _waivers(run: AuditRun, waived: list[Finding]) -> str:
    parts = []
    if waived:
        rows = [
            [
                _e(f.check_id),
                f"{_e(f.vendor)} <code>{_e(f.resource)}</code>",
                _e(f.severity.value),
                _e(f.message),
                _e((f.waiver or {}).get("reason", "")),
                _e((f.waiver or {}).get("owner", "")),
                _e((f.waiver or {}).get("expires", "")),
            ]
            for f in waived
        ]
        parts.append(_table(["check", "resource", "severity", "finding", "reason", "owner", "expires"], rows))
    else:
        parts.append("<p>No finding is waived.</p>")
    expired = run.expired_waivers
    if expired:
        rows = [[_e(w.check), _e(w.resource), _e(w.owner), _e(w.expires)] for w in expired]
        parts.append("<h3>Expired waivers (no longer applied: their findings count again)</h3>")
        parts.append(_table(["check", "resource pattern", "owner", "expired"], rows))
    return "".join(parts)


def _coverage(run: AuditRun) -> str:
    parts = []
    for framework in run.coverage:
        matrix = framework.get("matrix", [])
        tally = Counter(row["status"] for row in matrix)
        summary = ", ".join(f"{n} {_COVERAGE_LABEL.get(s, s)}" for s, n in sorted(tally.items()))
        rows = [
            [
                _e(row["id"]),
                _e(row.get("title", "")),
                f'<span class="cov-{_e(row["status"])}">{_e(_COVERAGE_LABEL.get(row["status"], row["status"]))}</span>',
                _e(", ".join(row["checks"]) or "-"),
            ]
            for row in matrix
        ]
        parts.append(
            f"<h3>{_e(framework['name'])}</h3><p>{framework['requirements']} requirements: {_e(summary)}.</p>"
            f"<details><summary>Requirement by requirement</summary>"
            + _table(["requirement", "title", "this run", "checks"], rows)
            + "</details>"
        )
    return "".join(parts) or "<p>No framework catalog was loaded.</p>"


def _not_tested(run: AuditRun) -> str:
    lines = []
    for framework in run.coverage:
        matrix = framework.get("matrix", [])
        skipped = [r["id"] for r in matrix if r["status"] == "not_tested"]
        uncovered = [r["id"] for r in matrix if r["status"] == "not_covered"]
        if skipped:
            lines.append(
                f"<li>{_e(framework['name'])}: checks exist but did not run here for {_e(', '.join(skipped))}</li>"
            )
        lines.append(
            f"<li>{_e(framework['name'])}: {len(uncovered)} requirements have no automated check and need other "
            "evidence (policies, contracts, interviews, the vendor's own attestation)</li>"
        )
    return f"<ul>{''.join(lines)}</ul>"


def _certificates(run: AuditRun) -> str:
    certificates = run.certificates
    if not certificates:
        return "<p>No certificate was collected in this run.</p>"
    rows = [
        [
            _e(c.get("vendor", "")),
            _e(c.get("endpoint", "")),
            _e(c.get("subject", "")),
            _e(c.get("issuer", "")),
            _e(c.get("key", "")),
            _e(c.get("signature_hash", "")),
            _e(c.get("not_before", "")),
            _e(c.get("not_after", "")),
            c.get("days_left", ""),
            "yes" if c.get("self_signed") else "no",
        ]
        for c in certificates
    ]
    headers = [
        "vendor",
        "endpoint",
        "subject",
        "issuer",
        "key",
        "signature",
        "valid from",
        "valid until",
        "days left",
        "self-signed",
    ]
    return _table(headers, rows, numeric=[8])


def _data_flows(run: AuditRun) -> str:
    flows = run.data_flows
    if not flows:
        return "<p>No outbound data flow was found (or none could be read: see the findings).</p>"
    rows = [
        [
            _e(f.get("vendor", "")),
            _e(f.get("kind", "")),
            _e(f.get("name", "")),
            f"<code>{_e(f.get('destination', ''))}</code>" if f.get("destination") else "(not exposed)",
            "yes" if f.get("active") else "no",
            _e(", ".join(str(t) for t in f.get("topics") or [])),
            _e(", ".join(str(h) for h in f.get("secret_headers") or [])) or "none",
        ]
        for f in flows
    ]
    intro = (
        f"<p>{len(flows)} place(s) where the vendors send customer data to other systems: the list of third "
        "parties data is shared with that PCI DSS 12.8.1 asks for. Each is judged by <code>outbound_flows_safe</code>."
        "</p>"
    )
    return intro + _table(["vendor", "kind", "name", "destination", "active", "sends", "secret in headers"], rows)


def _service_levels(run: AuditRun) -> str:
    from vendor_audit.reports import _svg_charts

    rows = run.service_levels
    if not rows:
        return "<p>No service level was recomputed (no [sla] target, or no export the KPIs read: see the findings).</p>"
    out = []
    for target in (r for r in rows if r.get("metric") == "sla_target"):
        scope = " ".join(str(target.get(k)) for k in ("channel", "priority") if target.get(k)) or "all"
        metric = str(target.get("target_metric", "")).replace("_", " ")
        minutes, share = float(target.get("target_minutes") or 0), float(target.get("target_share") or 0)
        got = float(target.get("within_sla") or 0)
        title = f"{target.get('vendor')}: {metric} within {minutes:g} min for {100 * share:.0f} % of {scope} tickets"
        out.append(f"<h3>{_e(title)}: {100 * got:.1f} % of {_e(target.get('count'))}</h3>")
        bins = target.get("histogram")
        weeks = target.get("weekly")
        if isinstance(bins, list) and metric == "first reply time":
            out.append(_svg_charts.histogram([b for b in bins if isinstance(b, dict)], minutes, title))
        if isinstance(weeks, list):
            out.append(_svg_charts.weekly([w for w in weeks if isinstance(w, dict)], share, title + ", by week"))
    headers = ["vendor", "metric", "channel", "priority", "count", "p50 min", "p90 min", "target min", "value"]

    def number(value: Any, share: bool = False) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return ""
        return f"{100 * value:.1f} %" if share else f"{value:.1f}"

    table = [
        [
            _e(r.get("vendor", "")),
            _e(r.get("metric", "")),
            _e(r.get("channel") or "all"),
            _e(r.get("priority") or "all"),
            _e(r.get("count", "")),
            number(r.get("p50_minutes")),
            number(r.get("p90_minutes")),
            number(r.get("sla_target_minutes")),
            number(r.get("value"), share=True),
        ]
        for r in rows
        if r.get("metric") != "sla_target"
    ]
    intro = (
        "<p>Recomputed from the raw exports, not from the vendor's scorecard: Zendesk's own SLA events (apply_sla, "
        "breach, fulfill) decide first-reply attainment; judged by <code>sla_targets_met</code> and "
        "<code>vendor_scorecard_matches_exports</code>.</p>"
    )
    return (
        intro
        + "".join(out)
        + "<details><summary>Every recomputed figure</summary>"
        + _table(headers, table, numeric=[4, 5, 6, 7, 8])
        + "</details>"
    )


def _load(load: LoadAttachment) -> str:
    document = load.document
    endpoints = document.get("endpoints", {})
    rows = [
        [
            _e(name),
            s.get("count", 0),
            s.get("p50", ""),
            s.get("p95", ""),
            s.get("p99", ""),
            s.get("max", ""),
            f"{(s.get('error_rate') or 0) * 100:.2f} %",
        ]
        for name, s in sorted(endpoints.items(), key=lambda item: (item[0] == "total", item[0]))
    ]
    validity = "valid" if document.get("valid") else "INVALID: " + "; ".join(document.get("invalid_reasons", []))
    chart = ""
    if load.chart_svg:
        encoded = base64.b64encode(load.chart_svg.encode()).decode()
        alt = "latency over time (p50, p95, p99) and histogram"
        chart = f'<p><img alt="{alt}" src="data:image/svg+xml;base64,{encoded}"></p>'
    plan = document.get("plan", {})
    return (
        f"<p>Load run <code>{_e(load.run_id)}</code>: {_e(plan.get('rate', '?'))} requests/s for "
        f"{_e(plan.get('duration', '?'))} s; {_e(validity)}. Latency in ms, counted from each request's scheduled "
        "time (corrected for coordinated omission).</p>"
        + _table(["endpoint", "requests", "p50", "p95", "p99", "max", "errors"], rows, numeric=range(1, 7))
        + chart
    )


def render_html(run: AuditRun) -> str:
    from vendor_audit.reports import sorted_findings, state_notice

    ordered = sorted_findings(run.findings)
    action = [f for f in ordered if f.status in (Status.FAIL, Status.ERROR, Status.MANUAL)]
    waived = [f for f in ordered if f.status is Status.WAIVED]
    passed = [f for f in ordered if f.status in (Status.PASS, Status.NOT_APPLICABLE)]
    passed_rows = [
        [_badge(f.status.value), _e(f.check_id), _e(f.vendor), f"<code>{_e(f.resource)}</code>", _e(f.message)]
        for f in passed
    ]
    sections = [
        ("summary", "Summary by severity and vendor", _summary(run)),
        ("drift", "Changes since the previous run", _drift(run)),
        (
            "findings",
            f"Findings that need action ({len(action)})",
            "".join(_finding(f) for f in action) or "<p>None.</p>",
        ),
        ("waived", f"Waived findings ({len(waived)})", _waivers(run, waived)),
        ("coverage", "Coverage by framework", _coverage(run)),
        ("not-tested", "What this audit did not test", _not_tested(run)),
        ("certificates", "Certificate inventory (PCI DSS 4.2.1.1)", _certificates(run)),
        ("data-flows", "Outbound data flows (PCI DSS 12.8.1)", _data_flows(run)),
        ("service-levels", "Service levels against the contract", _service_levels(run)),
    ]
    if run.load:
        sections.append(("load", "Load test against the SLOs", _load(run.load)))
    sections.append(
        (
            "passed",
            f"Passing findings ({len(passed)})",
            "<details><summary>Show all</summary>"
            + _table(["status", "check", "vendor", "resource", "message"], passed_rows)
            + "</details>",
        )
    )
    notice = state_notice(run)
    banner = f'<div class="scope" id="scope" role="alert">{_e(notice)}</div>' if notice else ""
    body = "".join(f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>' for key, title, content in sections)
    files = ", ".join(f"<code>{_e(f.path)}</code>" for f in run.evidence_files)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>vendor-audit: {_e(run.profile_name)} {_e(run.run_id)}</title><style>{_CSS}</style></head>"
        f"<body><header><h1>Vendor integration audit: {_e(run.profile_name or 'no profile')}</h1>"
        f"<div>run {_e(run.run_id)} · {_e(run.finished)}</div></header><main>{banner}{_header(run)}{body}</main>"
        f"<footer>Written by vendor-audit. Evidence files: {files or 'none'}; every file of the run directory is "
        "listed with its SHA-256 in manifest.json, signed in manifest.sig.</footer></body></html>\n"
    )
