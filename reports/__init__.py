"""Report writers: pure functions from one AuditRun to text; `write_reports` puts them in a run directory.

findings.json            render_findings_json   schemas/findings.v1.schema.json
junit.xml                render_junit           one test case per check (junit-10.xsd)
findings.csv             render_csv             one row per finding
report.html              render_html            self-contained, for the reviewer
assessment-results.json  render_oscal           NIST OSCAL 1.2.3 assessment results
results.sarif            render_sarif           SARIF 2.1.0, for GitHub code scanning
findings.ocsf.json       render_ocsf            OCSF 1.5.0 Compliance Finding events, for security data lakes
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from vendor_audit.catalogs import oscal_dir
from vendor_audit.findings import AuditRun, EvidenceFile, Finding, RunState, Status
from vendor_audit.redact import Redactor, for_terminal, redact_json

__all__ = [
    "FINDINGS_SCHEMA",
    "REPORT_FILES",
    "REPORT_FORMATS",
    "parse_formats",
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
        "trend": [dict(t) for t in run.trend],
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
    from vendor_audit.reports.ocsf import render_ocsf
    from vendor_audit.reports.oscal import render_oscal
    from vendor_audit.reports.sarif import render_sarif
    from vendor_audit.reports.tabular import render_csv

    return {
        "findings.json": render_findings_json,
        "junit.xml": render_junit,
        "findings.csv": render_csv,
        "report.html": render_html,
        "assessment-results.json": render_oscal,
        "results.sarif": render_sarif,
        "findings.ocsf.json": render_ocsf,
    }


# --output-formats: each format's name and its file. findings.json is written whatever is chosen: it is the run's
# record, which the history, `diff` and `verify` read.
REPORT_FORMATS = {
    "json": "findings.json",
    "junit": "junit.xml",
    "csv": "findings.csv",
    "html": "report.html",
    "oscal": "assessment-results.json",
    "sarif": "results.sarif",
    "ocsf": "findings.ocsf.json",
}
REPORT_FILES = tuple(REPORT_FORMATS.values())  # every report file name: the rest of a run directory is evidence


def parse_formats(text: str) -> tuple[str, ...]:
    """`sarif,html` as the formats it names, in REPORT_FORMATS order; ValueError naming the valid ones otherwise."""
    named = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in named if name not in REPORT_FORMATS]
    if unknown or not named:
        given = ", ".join(repr(name[:40]) for name in unknown) if unknown else "nothing"
        raise ValueError(f"--output-formats: {given} is not a format; choose from {','.join(REPORT_FORMATS)}")
    return tuple(name for name in REPORT_FORMATS if name in named)


_MEDIA = {".json": "application/json", ".svg": "image/svg+xml", ".html": "text/html", ".xml": "application/xml"}


def write_reports(
    run: AuditRun,
    run_dir: Path,
    redact: Redactor | None = None,
    formats: Collection[str] | None = None,
    *,
    best_effort: bool = False,
) -> AuditRun:
    """Write the reports of `run` into `run_dir`; return the run as the reports saw it.

    `formats` names the REPORT_FORMATS to write (default: all); findings.json is always written.

    All or nothing: every report is rendered before any is written, so a writer that fails leaves no other report
    telling a verdict the run will not keep (the engine then records the failure, exit 2, and writes again with
    `best_effort`: each report that can be rendered is, and one that cannot is removed rather than left stale).

    The files already there (evidence.json, the attached load run) are evidence: their SHA-256 digests go
    into the reports.

    `redact`, the run's redactor, is the last line of defence: every string of the run passes it before
    rendering (`redact_run`), and each rendered document after: JSON, SARIF and HTML for the secrets only (their
    numbers, such as OCSF's millisecond times, and the latency chart's coordinates are data), CSV and JUnit XML
    for everything.
    """
    from vendor_audit.reports.bundle import file_digests

    run_dir.mkdir(parents=True, exist_ok=True)
    evidence = tuple(
        EvidenceFile(path, digest, _MEDIA.get(Path(path).suffix, "application/octet-stream"))
        for path, digest in file_digests(run_dir).items()
        if path not in REPORT_FILES and not path.startswith("oscal/")  # the catalogs copied with the OSCAL report
    )
    run = dataclasses.replace(run, evidence_files=evidence)
    if redact is not None:
        run = redact_run(run, redact)
    chosen = {REPORT_FORMATS[f] for f in formats} if formats is not None else set(REPORT_FILES)
    rendered: dict[str, str | None] = {}
    for name, render in _writers().items():
        if name != "findings.json" and name not in chosen:
            continue
        try:
            text = render(run)
            if redact is not None:
                text = redact.secrets(text) if name.endswith((".json", ".sarif", ".html")) else redact(text)
        except Exception:
            if not best_effort:
                raise
            rendered[name] = None
        else:
            rendered[name] = text
    for name, output in rendered.items():
        try:
            if output is None:
                (run_dir / name).unlink(missing_ok=True)
            else:
                (run_dir / name).write_text(output, encoding="utf-8")
        except OSError:
            if not best_effort:
                raise
    if "assessment-results.json" in chosen:
        _copy_catalogs(run_dir)
    return run


def _copy_catalogs(run_dir: Path) -> None:
    """The OSCAL catalogs the assessment results name, beside them: a GRC tool given the run resolves every id."""
    from vendor_audit.reports.oscal_catalogs import RUN_DIR_CATALOGS, shipped_catalogs

    target = run_dir / RUN_DIR_CATALOGS
    target.mkdir(exist_ok=True)
    for catalog in shipped_catalogs().values():
        source = oscal_dir() / Path(catalog.href).name
        if source.is_file():
            shutil.copyfile(source, run_dir / catalog.href)


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
        trend=tuple(strings(dict(t)) for t in run.trend),
        load=load,
    )


def render_table(run: AuditRun, width: int = 160, *, terminal: bool = False, redact: Redactor | None = None) -> str:
    """The terminal summary: every finding that is not a pass, counts, fix lines, coverage, waivers, exit code.

    `terminal`: fitted to `width` columns (rich's table; a message wraps at whole words, so a masked number and
    the resource it was found in stay whole, never cut); otherwise one line per finding, every field whole,
    for grep and CI logs. Every field passes `redact` (the run's; by default card numbers and control
    characters) before it is laid out: a line break cannot split what the redactor must see whole.
    """

    def shown_as(text: str) -> str:
        return for_terminal(text, redact)

    shown = [f for f in sorted_findings(run.findings) if f.status is not Status.PASS]
    statuses = {Status.NOT_APPLICABLE: "n/a"}
    rows = [
        [shown_as(v) for v in (f.severity.value, statuses.get(f.status, f.status.value), f.vendor)]
        + [shown_as(f.check_id), shown_as(f.resource), shown_as(f.message)]
        for f in shown
    ]
    prose = [shown_as(line) for line in _summary_lines(run, shown)]
    notice = shown_as(state_notice(run))
    if not terminal or len(rows) > _MOST_FITTED_ROWS:
        lines = [notice, ""] if notice else []
        if terminal:
            lines.append(f"{len(rows)} findings, one line each (fitting them to the terminal would take seconds):")
        lines += _aligned(_TABLE_COLUMNS, rows) if rows else ["no finding other than pass"]
        return "\n".join([*lines, "", *prose])
    return _fitted(notice, rows, prose, max(width, 20))


# rich lays a table out at about 0.4 ms a row: 20,000 findings would hold the terminal for 8 s. Past this many, the
# table is written as for a pipe (every field whole, one line a finding), which the terminal wraps itself.
_MOST_FITTED_ROWS = 1000
_TABLE_COLUMNS = ("SEVERITY", "STATUS", "VENDOR", "CHECK", "RESOURCE", "MESSAGE")
_NARROWEST_MESSAGE = 40  # below this the message goes under its check and resource, in one column
_NARROWEST_STACK = 30  # below this that column goes under severity, status and vendor too


def _summary_lines(run: AuditRun, shown: list[Finding]) -> list[str]:
    counts = run.counts()
    lines = ["  ".join(f"{k}: {v}" for k, v in counts.items() if v) or "no findings"]
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
    return lines


def _aligned(header: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    """Columns two spaces apart, every cell whole: plain text for a pipe (20,000 rows in well under a second)."""
    from rich.cells import cell_len

    widths = [max(cell_len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (list(header), *rows)
    ]


def _fitted(notice: str, rows: list[list[str]], prose: list[str], width: int) -> str:
    """The table laid out by rich at `width`; prose lines wrapped with a hanging indent.

    Six columns when the message keeps room enough; otherwise check, resource and message stacked in one column
    beside severity, status and vendor, a blank line between findings.
    """
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, markup=False, emoji=False, highlight=False)
    fixed = [max([cell_len(name)] + [cell_len(row[i]) for row in rows]) for i, name in enumerate(_TABLE_COLUMNS[:5])]
    gaps = 2 * len(_TABLE_COLUMNS)
    if sum(fixed) + gaps + _NARROWEST_MESSAGE <= width:
        layout = [("SEVERITY", [0]), ("STATUS", [1]), ("VENDOR", [2]), ("CHECK", [3]), ("RESOURCE", [4])]
        layout.append(("MESSAGE", [5]))
    elif width - sum(fixed[:3]) - 6 >= max(_NARROWEST_STACK, fixed[3], fixed[4]):  # check and resource stay whole
        layout = [("SEVERITY", [0]), ("STATUS", [1]), ("VENDOR", [2]), ("CHECK / RESOURCE / MESSAGE", [3, 4, 5])]
    else:  # a very narrow terminal: everything under everything
        layout = [("FINDING", [0, 1, 2, 3, 4, 5])]
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
        leading=0 if len(layout) == 6 else 1,
    )
    for name, fields in layout:
        last = fields[-1] == 5  # the message (alone or under its check and resource) wraps; the rest stays whole
        table.add_column(name, no_wrap=not last, overflow="fold")
    for row in rows:
        if len(layout) == 1:
            cells = [" ".join(row[:3]), *row[3:]]
            table.add_row(Text("\n".join(cells)))
        else:
            table.add_row(*(Text("\n".join(row[i] for i in fields)) for _, fields in layout))
    out: list[str] = []
    for text in [notice] if notice else []:
        out += [*_wrapped(console, text, width), ""]
    if rows:
        console.print(table)
        out += [line.rstrip() for line in buffer.getvalue().splitlines()]
        while out and not out[-1]:
            out.pop()
    else:
        out.append("no finding other than pass")
    out.append("")
    for text in prose:
        out += _wrapped(console, text, width)
    return "\n".join(out)


def _wrapped(console: Any, text: str, width: int) -> list[str]:
    """`text` wrapped at whole words to `width` columns, continuation lines indented by two."""
    from rich.text import Text

    lines = Text(text).wrap(console, max(width - 2, 10), overflow="fold")
    return [line.plain.rstrip() if i == 0 else "  " + line.plain.rstrip() for i, line in enumerate(lines)]
