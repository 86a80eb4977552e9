"""Report writers: pure functions from one AuditRun to text. No pytest, no connectors, no I/O."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from vendor_audit.findings import AuditRun, Finding, Status

__all__ = ["FINDINGS_SCHEMA", "render_findings_json", "render_table"]

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
        "findings": [f.as_json() for f in _sorted(run.findings)],
        "coverage": run.extra.get("coverage", []),
        "certificates": run.extra.get("certificates", []),
        "expired_waivers": run.extra.get("expired_waivers", []),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sorted(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_ORDER[f.status], -f.severity.rank, f.vendor, f.check_id, f.resource))


def render_table(run: AuditRun, width: int = 160) -> str:
    """The terminal summary: every finding that is not a pass, counts, coverage, exit code."""
    lines = []
    shown = [f for f in _sorted(run.findings) if f.status is not Status.PASS]
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
    for coverage in run.extra.get("coverage", []):
        covered = len(coverage["covered"])
        lines.append(
            f"coverage {coverage['name']}: {covered} of {coverage['requirements']} requirements checked automatically; "
            f"{len(coverage['not_covered'])} need other evidence"
        )
    for waiver in run.extra.get("expired_waivers", []):
        lines.append(
            f"expired waiver: {waiver['check']} {waiver['resource']} (owner {waiver['owner']}, "
            f"expired {waiver['expires']}): no longer applied"
        )
    for problem in run.problems:
        lines.append(f"could not run: {problem}")
    verdict = {
        0: "pass",
        1: f"fail (findings at or above {run.fail_on.value})",
        2: "incomplete (the audit could not look everywhere)",
    }
    lines.append(f"result: {verdict.get(run.exit_code, run.exit_code)} -> exit code {run.exit_code}")
    return "\n".join(lines)
