"""Run history and drift: unit cases for the rules, then three audits of one sandbox with violations fixed and added."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import StartSandbox
from vendor_audit.findings import AuditRun, Finding, RunState, Severity, Status
from vendor_audit.reports.history import History, HistoryError, render_drift

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def audit_run(
    run_id: str,
    *findings: tuple[str, str, str, Status],
    finished: str = "2026-11-23T10:00:00+00:00",
    state: RunState = RunState.COMPLETE,
) -> AuditRun:
    return AuditRun(
        run_id=run_id,
        started=finished,
        finished=finished,
        profile_name="acme",
        mode="production",
        findings=tuple(
            Finding(
                check_id=check,
                status=status,
                severity=Severity.HIGH,
                vendor=vendor,
                resource=resource,
                message=f"{status.value} {resource}",
                controls=("pci_dss_4.0:3.4.1",),
            )
            for check, vendor, resource, status in findings
        ),
        checks=(),
        fail_on=Severity.LOW,
        exit_code=1,
        state=state,
        state_reason={RunState.PARTIAL: "narrowed with -k 'pans'", RunState.INTERRUPTED: "interrupted by SIGTERM"}.get(
            state, ""
        ),
    )


def keys(entries: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(e["check_id"], e["vendor"], e["resource"]) for e in entries}


def test_fixed_only_when_the_check_looked_again(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(
        audit_run(
            "r1",
            ("pans", "zendesk", "tickets/1", Status.FAIL),
            ("pans", "gorgias", "tickets/2", Status.FAIL),
            ("mfa", "zendesk", "users/7", Status.FAIL),
            ("tls", "zendesk", "endpoint", Status.FAIL),
        )
    )
    history.record(
        audit_run(
            "r2",
            ("pans", "zendesk", "payloads", Status.PASS),  # looked at zendesk: tickets/1 is gone -> fixed
            ("pans", "gorgias", "-", Status.ERROR),  # could not look at gorgias: tickets/2 is not fixed
            ("mfa", "zendesk", "users/7", Status.WAIVED),  # accepted, not fixed
            ("tls", "zendesk", "endpoint", Status.FAIL),
            ("pans", "zendesk", "tickets/9", Status.FAIL),
        )
    )
    drift = history.diff()
    assert drift is not None
    assert (drift.base, drift.run) == ("r1", "r2")
    assert keys(drift.fixed) == {("pans", "zendesk", "tickets/1")}
    assert keys(drift.unverified) == {("pans", "gorgias", "tickets/2"), ("mfa", "zendesk", "users/7")}
    assert keys(drift.new) == {("pans", "zendesk", "tickets/9"), ("pans", "gorgias", "-")}
    assert keys(drift.still_open) == {("tls", "zendesk", "endpoint")}
    assert render_drift(drift)[0] == "drift since r1: 2 new, 1 fixed, 1 still open, 2 not re-checked"


def test_baselines_names_prefixes_and_unknown_runs(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(audit_run("20261101T000000Z-aaaa", ("a", "v", "r", Status.FAIL)), baseline="go-live")
    history.record(audit_run("20261102T000000Z-bbbb", ("a", "v", "r", Status.PASS)))
    history.record(audit_run("20261103T000000Z-cccc", ("a", "v", "r", Status.FAIL)))
    from_go_live = history.diff("go-live")
    assert from_go_live is not None
    assert from_go_live.base_name == "go-live"
    assert keys(from_go_live.still_open) == {("a", "v", "r")}
    previous = history.diff(None, "20261102")  # a unique prefix names a run
    assert previous is not None
    assert keys(previous.fixed) == {("a", "v", "r")}
    assert history.diff(None, "go-live") is None  # the first run has nothing before it
    with pytest.raises(HistoryError, match=r"no run or baseline named 'nope'.*go-live"):
        history.diff("nope")
    assert history.mark_baseline("go-live", "20261102T000000Z-bbbb") == "20261102T000000Z-bbbb"
    assert [r["baseline"] for r in history.runs()] == [None, "go-live", None]  # the name moved


def test_stale_evidence_is_flagged(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(audit_run("r1", ("a", "v", "r", Status.PASS)), max_age_days=30)
    history.record(audit_run("r2", ("a", "v", "r", Status.PASS)), max_age_days=30)
    later = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    fresh = history.diff(now=later + dt.timedelta(days=29))
    stale = history.diff(now=later + dt.timedelta(days=45))
    assert fresh is not None
    assert not fresh.changed
    assert stale is not None
    assert stale.changed
    assert "45 days old" in stale.stale
    assert "limit of 30 days" in stale.stale


# The runs table as vendor-audit wrote it before runs had a state.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, profile TEXT NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
    exit_code INTEGER NOT NULL, max_age_days INTEGER, baseline TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    check_id TEXT NOT NULL, vendor TEXT NOT NULL, resource TEXT NOT NULL,
    status TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run_id);
"""


def test_an_old_history_file_is_migrated_and_its_runs_count_as_complete(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_SCHEMA)
        old.execute(
            "INSERT INTO runs VALUES ('r1', 'acme', ?, ?, 1, 30, 'go-live')", ("2026-11-22T10:00:00+00:00",) * 2
        )
        old.executemany(
            "INSERT INTO findings VALUES ('r1', ?, ?, ?, ?, 'high', 'old')",
            [("pans", "zendesk", "tickets/1", "fail"), ("tls", "zendesk", "endpoint", "fail")],
        )
    old.close()
    history = History(path)
    history.record(
        audit_run("r2", ("pans", "zendesk", "payloads", Status.PASS), ("tls", "zendesk", "endpoint", Status.FAIL))
    )
    assert [(r["run_id"], r["state"], r["baseline"]) for r in history.runs()] == [
        ("r1", "complete", "go-live"),
        ("r2", "complete", None),
    ]
    drift = history.diff()  # the old run is the default base: it counts as complete
    assert drift is not None
    assert (drift.base, drift.base_name) == ("r1", "go-live")
    assert (keys(drift.fixed), keys(drift.still_open)) == (
        {("pans", "zendesk", "tickets/1")},
        {("tls", "zendesk", "endpoint")},
    )
    with closing(sqlite3.connect(path)) as db:
        columns = {row[1]: row for row in db.execute("PRAGMA table_info(runs)")}
    assert columns["state"][2:5] == ("TEXT", 1, "'complete'")  # type, NOT NULL, default
    assert History(path).diff("go-live") is not None  # opening a migrated file again changes nothing


def test_previous_skips_partial_and_interrupted_runs(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(audit_run("r1", ("pans", "zendesk", "tickets/1", Status.FAIL), finished="2026-11-01T10:00:00+00:00"))
    history.record(
        audit_run(
            "r2",
            ("pans", "zendesk", "tickets/1", Status.FAIL),
            finished="2026-11-02T10:00:00+00:00",
            state=RunState.PARTIAL,
        )
    )
    history.record(audit_run("r3", finished="2026-11-03T10:00:00+00:00", state=RunState.INTERRUPTED))
    history.record(audit_run("r4", ("pans", "zendesk", "tickets/1", Status.FAIL), finished="2026-11-04T10:00:00+00:00"))
    assert [r["state"] for r in history.runs()] == ["complete", "partial", "interrupted", "complete"]
    assert history.previous("r4") == "r1"
    assert history.previous("r3") == "r1"  # an interrupted run is compared with the last complete one
    assert history.previous("r1") is None
    drift = history.diff()
    assert drift is not None
    assert drift.base == "r1"
    named = history.diff("r2", "r4")  # a partial run is a base when asked for by name
    assert named is not None
    assert named.base == "r2"
    with pytest.raises(HistoryError, match=r"run r3 was interrupted.*never a drift base"):
        history.diff("r3", "r4")


def test_an_interrupted_run_is_recorded_but_never_a_baseline(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(
        audit_run("r1", ("a", "v", "r", Status.FAIL), finished="2026-11-01T10:00:00+00:00"), baseline="go-live"
    )
    stopped = audit_run(
        "r2", ("a", "v", "r", Status.PASS), finished="2026-11-02T10:00:00+00:00", state=RunState.INTERRUPTED
    )
    with pytest.raises(HistoryError, match=r"run r2 was interrupted.*never a baseline: not named 'go-live'"):
        history.record(stopped, baseline="go-live")
    assert [(r["run_id"], r["state"], r["baseline"]) for r in history.runs()] == [
        ("r1", "complete", "go-live"),  # the name stayed where it was
        ("r2", "interrupted", None),  # what the run learned is kept
    ]
    with pytest.raises(HistoryError, match="never a baseline"):
        history.mark_baseline("q4", "r2")
    with pytest.raises(HistoryError, match="never a baseline"):
        history.mark_baseline("q4")  # the latest run is the interrupted one
    partial = audit_run(
        "r3", ("a", "v", "r", Status.FAIL), finished="2026-11-03T10:00:00+00:00", state=RunState.PARTIAL
    )
    history.record(partial, baseline="narrowed")  # a partial run may be named when asked for
    assert history.mark_baseline("q4", "r3") == "r3"
    assert [r["baseline"] for r in history.runs()] == ["go-live", None, "q4"]


def test_a_partial_or_interrupted_later_run_claims_nothing_fixed_it_did_not_look_at(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    history.record(
        audit_run(
            "r1",
            ("pans", "zendesk", "tickets/1", Status.FAIL),
            ("pans", "zendesk", "tickets/2", Status.FAIL),
            ("tls", "zendesk", "endpoint", Status.FAIL),
            finished="2026-11-01T10:00:00+00:00",
        )
    )
    # narrowed with -k pans: the tls check did not run, so its failure is not re-checked, not fixed
    history.record(
        audit_run(
            "r2",
            ("pans", "zendesk", "payloads", Status.PASS),
            finished="2026-11-02T10:00:00+00:00",
            state=RunState.PARTIAL,
        )
    )
    partial = history.diff()
    assert partial is not None
    assert (partial.base, partial.run) == ("r1", "r2")
    assert keys(partial.fixed) == {("pans", "zendesk", "tickets/1"), ("pans", "zendesk", "tickets/2")}
    assert keys(partial.unverified) == {("tls", "zendesk", "endpoint")}
    # stopped by SIGTERM while scanning: a resource it did not report may be one it never reached
    history.record(
        audit_run(
            "r3",
            ("pans", "zendesk", "tickets/1", Status.PASS),
            finished="2026-11-03T10:00:00+00:00",
            state=RunState.INTERRUPTED,
        )
    )
    interrupted = history.diff()
    assert interrupted is not None
    assert (interrupted.base, interrupted.run) == ("r1", "r3")  # the partial r2 is not the default base
    assert keys(interrupted.fixed) == {("pans", "zendesk", "tickets/1")}  # looked at it and it passed
    assert keys(interrupted.unverified) == {("pans", "zendesk", "tickets/2"), ("tls", "zendesk", "endpoint")}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=240, check=False, cwd=cwd)


def edit_line(path: Path, number: int, change: Any) -> None:
    lines = path.read_text().split("\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_text("\n".join(lines))


def drift_of(report_dir: Path) -> dict[str, Any]:
    latest = sorted(p for p in report_dir.iterdir() if p.is_dir())[-1]
    drift: dict[str, Any] = json.loads((latest / "findings.json").read_text())["drift"]
    return drift


def test_drift_across_three_sandbox_runs(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="leaky", write_exports=True)
    profile, reports = str(running.profile_path), tmp_path / "runs"
    exports = running.run_dir / "exports"
    gorgias_pan = ("payloads_free_of_pans", "gorgias", "exports/gorgias_events.ndjson")
    zendesk_pan = ("payloads_free_of_pans", "zendesk", "exports/zendesk_ticket_events.ndjson")
    gorgias_schema = ("exports_match_schema", "gorgias", "exports/gorgias_events.ndjson")
    stale_survey = ("evidence_within_freshness_limit", "gorgias", "file/gorgias_satisfaction_surveys.csv")

    first = cli("run", profile, "--report-dir", str(reports), "--baseline", "go-live")
    assert first.returncode == 1, first.stdout[-2000:] + first.stderr
    assert "drift: first recorded run of this profile" in first.stdout

    # The vendor re-exports: the card number in the Gorgias events is masked now; an agent pasted a new one
    # into a Zendesk event.
    edit_line(exports / "gorgias_events.ndjson", 184, lambda line: line.replace("4034528639415613", "403452******5613"))
    edit_line(
        exports / "zendesk_ticket_events.ndjson",
        10,
        lambda line: line.replace('"Lisbon, Portugal"', '"Lisbon, Portugal, card 4111 1111 1111 1111"'),
    )
    second = cli("run", profile, "--report-dir", str(reports))
    assert second.returncode == 1
    drift = drift_of(reports)
    assert (keys(drift["new"]), keys(drift["fixed"])) == ({zendesk_pan}, {gorgias_pan})
    assert "drift since " in second.stdout
    assert "1 new, 1 fixed" in second.stdout
    assert "4111 1111 1111 1111" not in second.stdout + second.stderr

    # The Gorgias schema breaks are fixed; the survey export was not refreshed for 40 days.
    for broken in (81, 241):
        good = (exports / "gorgias_events.ndjson").read_text().split("\n")[broken - 2]
        edit_line(exports / "gorgias_events.ndjson", broken, lambda _, good=good: good)
    old = time.time() - 40 * 86400
    os.utime(exports / "gorgias_satisfaction_surveys.csv", (old, old))
    third = cli("run", profile, "--report-dir", str(reports))
    assert third.returncode == 1
    drift = drift_of(reports)
    assert (keys(drift["new"]), keys(drift["fixed"])) == ({stale_survey}, {gorgias_schema})
    assert zendesk_pan in keys(drift["still_open"])

    since_go_live = cli("diff", "go-live", "--report-dir", str(reports), "--json")
    assert since_go_live.returncode == 1  # new problems since the baseline
    document = json.loads(since_go_live.stdout)
    assert document["base_name"] == "go-live"
    assert keys(document["new"]) == {zendesk_pan, stale_survey}
    assert keys(document["fixed"]) == {gorgias_pan, gorgias_schema}
    text = cli("diff", "go-live", "--report-dir", str(reports))
    assert "2 new, 2 fixed" in text.stdout

    # cron: nothing changed since the third run, so a quiet run prints nothing, and keeps its exit code
    quiet = cli("run", profile, "--report-dir", str(reports), "--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (1, "", ""), quiet.stderr
    listed = cli("diff", "--list", "--report-dir", str(reports))
    assert listed.stdout.count("\n") == 4
    assert "baseline go-live" in listed.stdout
    named = cli("baseline", "q4-review", "--report-dir", str(reports))
    assert named.returncode == 0
    assert named.stdout.startswith("baseline q4-review = run ")
    unknown = cli("diff", "nope", "--report-dir", str(reports))
    assert unknown.returncode == 2
    assert "no run or baseline named 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_quiet_run_prints_only_the_changes(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="leaky", write_exports=True)
    reports = tmp_path / "runs"
    first = cli("run", str(running.profile_path), "--report-dir", str(reports), "--quiet", "-k", "hsts or pans")
    assert first.returncode == 1
    assert first.stderr == ""
    assert "drift: first recorded run" in first.stdout
    assert "SEVERITY" not in first.stdout
    edit_line(
        running.run_dir / "exports" / "zendesk_ticket_events.ndjson",
        10,
        lambda line: line.replace('"Lisbon, Portugal"', '"Lisbon, Portugal, card 4111 1111 1111 1111"'),
    )
    # A narrowed run is no drift base unless asked for: the second names the first.
    first_id = first.stdout.split()[1]
    second = cli(
        "run",
        str(running.profile_path),
        "--report-dir",
        str(reports),
        "--quiet",
        "-k",
        "hsts or pans",
        "--compare-to",
        first_id,
    )
    lines = second.stdout.splitlines()
    assert lines[1].endswith("1 new, 0 fixed, " + lines[1].split("fixed, ")[1])
    assert [line.split()[:2] for line in lines if line.startswith("  ")] == [["new", "fail"]]
    assert "no history" in cli("diff", "--report-dir", str(tmp_path / "elsewhere")).stderr


def test_a_damaged_history_is_reported_not_a_traceback(tmp_path: Path) -> None:
    reports = tmp_path / "runs"
    reports.mkdir()
    (reports / "history.sqlite").write_bytes(b"this is not a database" * 100)
    result = cli("run", "-k", "hsts", "--report-dir", str(reports))
    assert result.returncode == 2
    assert "history " in result.stdout
    assert "file is not a database" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    assert (run_dir / "report.html").exists()  # what was learned is still written out
    damaged = cli("diff", "--report-dir", str(reports))
    assert damaged.returncode == 2
    assert "file is not a database" in damaged.stderr
    assert "Traceback" not in damaged.stderr
