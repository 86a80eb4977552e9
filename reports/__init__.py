"""Report writers: pure functions from one AuditRun to text; `write_reports` puts them in a run directory.

findings.json            render_findings_json   schemas/findings.v1.schema.json
junit.xml                render_junit           one test case per check (junit-10.xsd)
findings.csv             render_csv             one row per finding
report.html              render_html            self-contained, for the reviewer
assessment-results.json  render_oscal           NIST OSCAL 1.2.3 assessment results
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vendor_audit.findings import AuditRun, EvidenceFile, Finding, RunState, Status
from vendor_audit.redact import Redactor, redact_json

__all__ = [
    "FINDINGS_SCHEMA",
    "REPORT_FILES",
    "redact_run",
    "render_findings_json",
    "render_table",
    "sorted_findings",
    "state_notice",
    "write_reports",
]

FINDINGS_SCHEMA = "findings.v1"
_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.MANUAL: 2, Status.WAIVED: 3, Status.NOT_APPLICABLE: 4, Status.PASS: 5}


def render_findings_json(run: AuditRun) -> str:
    """The findings report (schemas/findings.v1.schema.json)."""
    document: dict[str, Any] = {
        "schema": FINDINGS_SCHEMA,
        "run_id": run.run_id,
        "started": run.started,
        "finished": run.finished,
        "profile": run.profile_name,
        "mode": run.mode,
        "fail_on": run.fail_on.value,
        "exit_code": run.exit_code,
        "problems": list(run.problems),
        "state": run.state.value,
        "state_reason": run.state_reason,
        "counts": run.counts(),
        "checks": [
            {
                "id": c.id,
                "title": c.title,
                "severity": c.severity.value,
                "controls": list(c.controls),
                "remediation": c.remediation,
            }
            for c in run.checks
        ],
        "findings": [f.as_json() for f in sorted_findings(run.findings)],
        "coverage": [dict(c) for c in run.coverage],
        "certificates": [dict(c) for c in run.certificates],
        "data_flows": [dict(f) for f in run.data_flows],
        "service_levels": [dict(r) for r in run.service_levels],
        "expired_waivers": [dataclasses.asdict(w) for w in run.expired_waivers],
        "vendors": [dataclasses.asdict(v) for v in run.vendors],
        "signing_key": run.signing_key,
        "evidence_max_age_days": run.evidence_max_age_days,
        "evidence_files": [dataclasses.asdict(f) for f in run.evidence_files],
        "drift": dict(run.drift) if run.drift is not None else None,
        "load": {"run_id": run.load.run_id, "document": dict(run.load.document)} if run.load else None,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def state_notice(run: AuditRun) -> str:
    """One plain sentence when the run did not look at its whole scope ("" for a complete run).

    Every report says it where a reader looks first, so a partial or interrupted run is never read as a full audit.
    """
    if run.state is RunState.INTERRUPTED:
        reason = run.state_reason or "stopped before it finished"
        return (
            f"INTERRUPTED: {reason} — this run did not look everywhere: what it found is real, what it did not "
            "report is unknown, not compliant; not a drift base"
        )
    if run.state is RunState.PARTIAL:
        reason = run.state_reason or "narrowed to part of its checks"
        return (
            f"PARTIAL: {reason} — only the checks in scope ran, the others did not look; not a drift base "
            "unless named as a baseline"
        )
    return ""


def sorted_findings(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """Worst first: failures, errors, manual, waived, n/a, passes; then by severity, vendor, check, resource."""
    return sorted(findings, key=lambda f: (_ORDER[f.status], -f.severity.rank, f.vendor, f.check_id, f.resource))


def _writers() -> dict[str, Callable[[AuditRun], str]]:
    from vendor_audit.reports.html import render_html
    from vendor_audit.reports.junit import render_junit
    from vendor_audit.reports.oscal import render_oscal
    from vendor_audit.reports.tabular import render_csv

    return {
        "findings.json": render_findings_json,
        "junit.xml": render_junit,
        "findings.csv": render_csv,
        "report.html": render_html,
        "assessment-results.json": render_oscal,
    }


REPORT_FILES = ("findings.json", "junit.xml", "findings.csv", "report.html", "assessment-results.json")
_MEDIA = {".json": "application/json", ".svg": "image/svg+xml", ".html": "text/html", ".xml": "application/xml"}


def write_reports(run: AuditRun, run_dir: Path, redact: Redactor | None = None) -> AuditRun:
    """Write every report of `run` into `run_dir`; return the run as the reports saw it.

    The files already there (evidence.json, the attached load run) are evidence: their SHA-256 digests go
    into the reports.

    `redact`, the run's redactor, is the last line of defence: every string of the run passes it before
    rendering (`redact_run`), and each rendered document after: JSON and HTML for the secrets only (their
    numbers and the latency chart's coordinates are data), CSV and JUnit XML for everything.
    """
    from vendor_audit.reports.bundle import file_digests

    run_dir.mkdir(parents=True, exist_ok=True)
    evidence = tuple(
        EvidenceFile(path, digest, _MEDIA.get(Path(path).suffix, "application/octet-stream"))
        for path, digest in file_digests(run_dir).items()
        if path not in REPORT_FILES
    )
    run = dataclasses.replace(run, evidence_files=evidence)
    if redact is not None:
        run = redact_run(run, redact)
    for name, render in _writers().items():
        text = render(run)
        if redact is not None:
            text = redact.secrets(text) if name.endswith((".json", ".html")) else redact(text)
        (run_dir / name).write_text(text, encoding="utf-8")
    return run


def redact_run(run: AuditRun, redact: Redactor) -> AuditRun:
    """The run with every string it carries through `redact`: what vendors, profiles and errors put in it.

    Check specs come from the code and stay as they are; the latency chart keeps its numbers (secrets only).
    """

    def strings(value: Any) -> Any:
        return redact_json(value, redact)

    findings = tuple(
        dataclasses.replace(
            f,
            vendor=redact(f.vendor),
            resource=redact(f.resource),
            message=redact(f.message),
            evidence=strings(dict(f.evidence)),
            remediation=redact(f.remediation),
            waiver=strings(dict(f.waiver)) if f.waiver is not None else None,
            uid="",  # recomputed over the redacted fields when the run is rebuilt
        )
        for f in run.findings
    )
    load = run.load
    if load is not None:
        load = dataclasses.replace(
            load,
            run_id=redact(load.run_id),
            document=strings(dict(load.document)),
            chart_svg=redact.secrets(load.chart_svg),
        )
    return dataclasses.replace(
        run,
        run_id=redact(run.run_id),
        profile_name=redact(run.profile_name),
        mode=redact(run.mode),
        findings=findings,
        problems=tuple(redact(p) for p in run.problems),
        state_reason=redact(run.state_reason),
        vendors=tuple(dataclasses.replace(v, name=redact(v.name), base_url=redact(v.base_url)) for v in run.vendors),
        sandbox=strings(dict(run.sandbox)) if run.sandbox is not None else None,
        certificates=tuple(strings(dict(c)) for c in run.certificates),
        data_flows=tuple(strings(dict(f)) for f in run.data_flows),
        service_levels=tuple(strings(dict(r)) for r in run.service_levels),
        expired_waivers=tuple(
            dataclasses.replace(w, resource=redact(w.resource), owner=redact(w.owner)) for w in run.expired_waivers
        ),
        evidence_files=tuple(dataclasses.replace(e, path=redact(e.path)) for e in run.evidence_files),
        drift=strings(dict(run.drift)) if run.drift is not None else None,
        load=load,
    )


def render_table(run: AuditRun, width: int = 160) -> str:
    """The terminal summary: every finding that is not a pass, counts, coverage, exit code."""
    lines = []
    notice = state_notice(run)
    if notice:
        lines += [notice, ""]
    shown = [f for f in sorted_findings(run.findings) if f.status is not Status.PASS]
    columns = ("SEVERITY", "STATUS", "VENDOR", "CHECK", "RESOURCE", "MESSAGE")
    statuses = {Status.NOT_APPLICABLE: "n/a"}
    rows = [
        (f.severity.value, statuses.get(f.status, f.status.value), f.vendor, f.check_id, f.resource, f.message)
        for f in shown
    ]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns[:-1])]
    widths = [min(w, cap) for w, cap in zip(widths, (8, 6, 10, 44, 40), strict=True)]
    room = max(30, width - sum(widths) - 2 * len(widths))

    def row(values: tuple[str, ...]) -> str:
        cells = [v[:w].ljust(w) for v, w in zip(values[:-1], widths, strict=True)]
        return "  ".join([*cells, textwrap.shorten(values[-1], room, placeholder="...")])

    if rows:
        lines.append(row(columns))
        lines += [row(r) for r in rows]
    else:
        lines.append("no finding other than pass")
    counts = run.counts()
    lines.append("")
    lines.append("  ".join(f"{k}: {v}" for k, v in counts.items() if v) or "no findings")
    for remediation in sorted({(f.check_id, f.remediation) for f in shown if f.status is Status.FAIL}):
        lines.append(f"fix {remediation[0]}: {remediation[1]}")
    for coverage in run.coverage:
        matrix = coverage.get("matrix", [])
        tested = sum(1 for row in matrix if row["status"] not in ("not_tested", "not_covered"))
        skipped = sum(1 for row in matrix if row["status"] == "not_tested")
        lines.append(
            f"coverage {coverage['name']}: {tested} of {coverage['requirements']} requirements checked automatically"
            + (f", {skipped} not tested in this run" if skipped else "")
            + f"; {len(coverage['not_covered'])} need other evidence"
        )
    for waiver in run.expired_waivers:
        lines.append(
            f"expired waiver: {waiver.check} {waiver.resource} (owner {waiver.owner}, "
            f"expired {waiver.expires}): no longer applied"
        )
    for problem in run.problems:
        lines.append(f"could not run: {problem}")
    verdict = {
        0: "pass",
        1: f"fail (findings at or above {run.fail_on.value})",
        2: "incomplete (the audit could not look everywhere)",
    }
    scope = {RunState.PARTIAL: " (partial run)", RunState.INTERRUPTED: " (interrupted run)"}.get(run.state, "")
    lines.append(f"result: {verdict.get(run.exit_code, run.exit_code)}{scope} -> exit code {run.exit_code}")
    return "\n".join(lines)
