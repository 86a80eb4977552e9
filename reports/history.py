"""Run history in SQLite and drift between runs: what is new, fixed and still open.

    db = History(report_dir / HISTORY_FILE)
    db.record(run, max_age_days=30)                 # every run, at its end
    drift = db.diff(base="go-live", run=None)         # a baseline name or run id; default: previous run, latest

A finding is identified by (check, vendor, resource). A problem that is absent from the later run counts
as fixed only when that check looked at that vendor without error there; otherwise it is "not
re-checked" (unknown is not fixed). An interrupted later run proves nothing by absence: a check it
stopped in the middle of may not have reached the resource.

Each run keeps its state (findings.RunState). The default base of a comparison is the previous *complete*
run; a partial run (narrowed with -k / -m) is a base only when named (a baseline or a run id); an
interrupted run is never a base and never a baseline. History files written before the state existed are
migrated on open: their runs count as complete.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendor_audit.findings import AuditRun, RunState, Status

__all__ = ["HISTORY_FILE", "Drift", "History", "HistoryError", "render_drift"]

HISTORY_FILE = "history.sqlite"
PROBLEMS = ("fail", "error")
_RANK = {"error": 0, "fail": 1, "waived": 2, "manual": 3, "not_applicable": 4, "pass": 5}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, profile TEXT NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
    exit_code INTEGER NOT NULL, max_age_days INTEGER, baseline TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'complete'
);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    check_id TEXT NOT NULL, vendor TEXT NOT NULL, resource TEXT NOT NULL,
    status TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run_id);
"""


class HistoryError(ValueError):
    """A run or baseline that is not in the history, or one that cannot serve; the message says why."""


def _never_a_base(run_id: str, use: str) -> str:
    return (
        f"run {run_id} was interrupted: it did not look everywhere, so it is never {use}; "
        "pick a complete run (vendor-audit diff --list shows each run's state)"
    )


def _migrate(db: sqlite3.Connection) -> None:
    """Add what later versions record to a history file written by an earlier one."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "state" not in columns:
        try:
            db.execute("ALTER TABLE runs ADD COLUMN state TEXT NOT NULL DEFAULT 'complete'")
        except sqlite3.OperationalError as exc:  # another process migrated it first
            if "duplicate column" not in str(exc):
                raise


Key = tuple[str, str, str]


@dataclass
class Drift:
    base: str
    run: str
    base_name: str | None
    new: list[dict[str, str]] = field(default_factory=list)
    fixed: list[dict[str, str]] = field(default_factory=list)
    still_open: list[dict[str, str]] = field(default_factory=list)
    unverified: list[dict[str, str]] = field(default_factory=list)
    stale: str = ""  # set when the later run's evidence is older than its profile's freshness limit

    @property
    def changed(self) -> bool:
        return bool(self.new or self.fixed or self.unverified or self.stale)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Drift:
        return cls(
            **{k: raw[k] for k in ("base", "run", "base_name", "new", "fixed", "still_open", "unverified", "stale")}
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "base_name": self.base_name,
            "run": self.run,
            "new": self.new,
            "fixed": self.fixed,
            "still_open": self.still_open,
            "unverified": self.unverified,
            "stale": self.stale,
        }


class History:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=5)) as connection:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.executescript(_SCHEMA)
            _migrate(connection)
            with connection:  # one transaction
                yield connection

    def record(self, run: AuditRun, max_age_days: int | None = None, baseline: str | None = None) -> None:
        """Record `run` with its state; `baseline` names it (the name moves from the run that had it).

        An interrupted run is recorded too, but it never takes a baseline name: asked to, the run is kept
        without the name (the name stays where it was) and HistoryError says why.
        """
        refused = bool(baseline) and run.state is RunState.INTERRUPTED
        name = None if refused else baseline
        with self._connect() as db:
            if name:
                db.execute("UPDATE runs SET baseline = NULL WHERE baseline = ?", (name,))  # the name moves on
            db.execute(
                "INSERT OR REPLACE INTO runs "
                "(run_id, profile, started, finished, exit_code, max_age_days, baseline, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.run_id,
                    run.profile_name,
                    run.started,
                    run.finished,
                    run.exit_code,
                    max_age_days,
                    name,
                    run.state.value,
                ),
            )
            db.execute("DELETE FROM findings WHERE run_id = ?", (run.run_id,))
            db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run.run_id, f.check_id, f.vendor, f.resource, f.status.value, f.severity.value, f.message)
                    for f in run.findings
                ],
            )
        if refused:
            raise HistoryError(_never_a_base(run.run_id, f"a baseline: not named {baseline!r}"))

    def mark_baseline(self, name: str, run: str | None = None) -> str:
        """Name `run` (default: the latest) `name`; a partial run may be named, an interrupted one not."""
        with self._connect() as db:
            run_id = self._resolve(db, run) if run else self._latest(db)
            if self._state(db, run_id) == RunState.INTERRUPTED:
                raise HistoryError(_never_a_base(run_id, "a baseline"))
            db.execute("UPDATE runs SET baseline = NULL WHERE baseline = ?", (name,))
            db.execute("UPDATE runs SET baseline = ? WHERE run_id = ?", (name, run_id))
            return run_id

    def runs(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT run_id, profile, finished, exit_code, baseline, state FROM runs ORDER BY started, run_id"
            ).fetchall()
        names = ("run_id", "profile", "finished", "exit_code", "baseline", "state")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def trend(self, run: str, limit: int = 30) -> list[dict[str, Any]]:
        """The last `limit` runs of `run`'s profile recorded before it, oldest first, for a trend chart.

        Each is run_id, finished, state and counts per status (every status, zeros included, as findings.json's
        `counts`). Partial and interrupted runs are listed with their state: a chart shows them, marked.
        """
        with self._connect() as db:
            run_id = self._resolve(db, run)
            earlier = db.execute(
                "SELECT b.run_id, b.finished, b.state FROM runs b JOIN runs r ON r.run_id = ? "
                "WHERE b.profile = r.profile AND (b.started, b.run_id) < (r.started, r.run_id) "
                "ORDER BY b.started DESC, b.run_id DESC LIMIT ?",
                (run_id, limit),
            ).fetchall()
            ids = [row[0] for row in earlier]
            if not ids:
                return []
            tallies: dict[str, dict[str, int]] = {i: {s.value: 0 for s in Status} for i in ids}
            for found, status, count in db.execute(
                f"SELECT run_id, status, count(*) FROM findings WHERE run_id IN ({', '.join('?' * len(ids))}) "  # noqa: S608 - placeholders only
                "GROUP BY run_id, status",
                ids,
            ):
                tallies[found][status] = int(count)
        return [
            {"run_id": i, "finished": finished, "counts": tallies[i], "state": state}
            for i, finished, state in reversed(earlier)
        ]

    @staticmethod
    def _state(db: sqlite3.Connection, run_id: str) -> str:
        return str(db.execute("SELECT state FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0])

    def _latest(self, db: sqlite3.Connection) -> str:
        row = db.execute("SELECT run_id FROM runs ORDER BY started DESC, run_id DESC LIMIT 1").fetchone()
        if row is None:
            raise HistoryError(f"{self.path}: no run recorded yet; run `vendor-audit run` first")
        return str(row[0])

    def _resolve(self, db: sqlite3.Connection, name: str) -> str:
        row = db.execute("SELECT run_id FROM runs WHERE baseline = ? OR run_id = ?", (name, name)).fetchone()
        if row is None:
            matches = db.execute("SELECT run_id FROM runs WHERE run_id LIKE ? || '%'", (name,)).fetchall()
            if len(matches) == 1:
                return str(matches[0][0])
            known = [r[0] for r in db.execute("SELECT coalesce(baseline, run_id) FROM runs ORDER BY started")]
            raise HistoryError(
                f"{self.path}: no run or baseline named {name!r}"
                + (f" ({len(matches)} runs start with it)" if matches else "")
                + f"; known: {', '.join(known[-10:]) or 'none'}"
            )
        return str(row[0])

    def previous(self, run: str) -> str | None:
        """The complete run of the same profile just before `run`, if any (partial and interrupted runs are skipped)."""
        with self._connect() as db:
            run_id = self._resolve(db, run)
            row = db.execute(
                "SELECT b.run_id FROM runs b JOIN runs r ON r.run_id = ? WHERE b.profile = r.profile "
                "AND b.state = 'complete' AND (b.started, b.run_id) < (r.started, r.run_id) "
                "ORDER BY b.started DESC, b.run_id DESC LIMIT 1",
                (run_id,),
            ).fetchone()
        return str(row[0]) if row else None

    def diff(self, base: str | None = None, run: str | None = None, now: dt.datetime | None = None) -> Drift | None:
        """Drift from `base` (default: the complete run before `run`) to `run` (default: the latest); None: no base.

        A named base may be a partial run, never an interrupted one (HistoryError).
        """
        with self._connect() as db:
            run_id = self._resolve(db, run) if run else self._latest(db)
        base_id = base if base else self.previous(run_id)
        if base_id is None:
            return None
        with self._connect() as db:
            base_id = self._resolve(db, base_id)
            if self._state(db, base_id) == RunState.INTERRUPTED:
                raise HistoryError(_never_a_base(base_id, "a drift base"))
            interrupted = self._state(db, run_id) == RunState.INTERRUPTED
            base_name = db.execute("SELECT baseline FROM runs WHERE run_id = ?", (base_id,)).fetchone()[0]
            finished, max_age = db.execute(
                "SELECT finished, max_age_days FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            before, after = self._findings(db, base_id), self._findings(db, run_id)
        # an interrupted run may have stopped a check halfway: what it did not report, it may not have reached
        looked = set() if interrupted else {(c, v) for (c, v, _), f in after.items() if f["status"] != "error"}
        drift = Drift(base=base_id, run=run_id, base_name=base_name)
        for key, finding in sorted(after.items()):
            if finding["status"] in PROBLEMS:
                earlier = before.get(key)
                (drift.still_open if earlier and earlier["status"] in PROBLEMS else drift.new).append(finding)
        for key, finding in sorted(before.items()):
            if finding["status"] not in PROBLEMS or (key in after and after[key]["status"] in PROBLEMS):
                continue
            later = after.get(key)
            if later is not None and later["status"] in ("pass", "not_applicable"):
                drift.fixed.append(later)
            elif later is None and key[:2] in looked:
                drift.fixed.append(finding | {"status": "pass", "message": "no longer found"})
            else:  # waived, manual, or the check could not look there this time
                drift.unverified.append(later or finding | {"message": "not re-checked in this run"})
        if max_age:
            age = (now or dt.datetime.now(dt.UTC)) - dt.datetime.fromisoformat(finished)
            if age > dt.timedelta(days=max_age):
                drift.stale = (
                    f"evidence of run {run_id} is {age.days} days old, beyond the profile's freshness limit of "
                    f"{max_age} days: run the audit again"
                )
        return drift

    @staticmethod
    def _findings(db: sqlite3.Connection, run_id: str) -> dict[Key, dict[str, str]]:
        worst: dict[Key, dict[str, str]] = {}
        for check, vendor, resource, status, severity, message in db.execute(
            "SELECT check_id, vendor, resource, status, severity, message FROM findings WHERE run_id = ?", (run_id,)
        ):
            key = (check, vendor, resource)
            if key not in worst or _RANK.get(status, 9) < _RANK.get(worst[key]["status"], 9):
                worst[key] = {
                    "check_id": check,
                    "vendor": vendor,
                    "resource": resource,
                    "status": status,
                    "severity": severity,
                    "message": message,
                }
        return worst


def render_drift(drift: Drift | None, limit: int = 50) -> list[str]:
    """Terminal lines: a headline, then each new, fixed and not re-checked finding (still open ones are counted)."""
    if drift is None:
        return ["drift: first recorded run of this profile, nothing to compare with"]
    name = f" (baseline {drift.base_name})" if drift.base_name else ""
    lines = [
        f"drift since {drift.base}{name}: {len(drift.new)} new, {len(drift.fixed)} fixed, "
        f"{len(drift.still_open)} still open"
        + (f", {len(drift.unverified)} not re-checked" if drift.unverified else "")
    ]
    shown = 0
    for label, entries in (("new", drift.new), ("fixed", drift.fixed), ("unverified", drift.unverified)):
        for entry in entries:
            if shown == limit:
                lines.append(f"  ... and more: vendor-audit diff {drift.base} {drift.run}")
                break
            lines.append(
                f"  {label:<10} {entry['status']:<7} {entry['severity']:<8} {entry['vendor']} {entry['check_id']} "
                f"{entry['resource']}"
            )
            shown += 1
    if drift.stale:
        lines.append(f"  stale: {drift.stale}")
    return lines
