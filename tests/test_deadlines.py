"""`vendor-audit run` ends by its deadlines, over real sockets, and says which one and where; pacing that cannot
finish is refused before anything is sent.

Each case runs the CLI in a subprocess against the stand-ins on 127.0.0.1 with deadlines of seconds, so a
hang shows up as a test timeout and the measured time shows which deadline ended the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import StartSandbox
from vendor_audit import sandbox


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    report_dir: Path

    @property
    def report(self) -> dict[str, Any]:
        (path,) = self.report_dir.glob("*/findings.json")
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return found

    def errors(self, vendor: str) -> list[str]:
        return [f["message"] for f in self.report["findings"] if f["status"] == "error" and f["vendor"] == vendor]


def profile(running: sandbox.RunningSandbox, vendors: tuple[str, ...], deadlines: str, extra: str = "") -> Path:
    """A profile of only `vendors` of the sandbox (no exports), with the [deadlines] given."""
    tables = "\n".join(running.served[name].profile(running.apis[name], running.url(name)) for name in vendors)
    path = running.run_dir / "deadlines.toml"
    path.write_text(
        f'version = 1\nname = "deadlines"\nmode = "sandbox"\nca_file = "ca.pem"\nenv_file = "sandbox.env"\n\n'
        f"{tables}\n{extra}\n[deadlines]\n{deadlines}\n",
        encoding="utf-8",
    )
    return path


def run(path: Path, report_dir: Path, *args: str) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VA_")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "vendor_audit.cli", "run", str(path), "--report-dir", str(report_dir), *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env=env,
        cwd=report_dir.parent,
    )
    return Outcome(result.returncode, result.stdout, result.stderr, time.monotonic() - started, report_dir)


def test_a_vendor_sending_a_byte_a_second_ends_the_run_by_the_request_deadline(
    fresh: StartSandbox, tmp_path: Path
) -> None:
    # Given a Zendesk that answers every request one byte a second, beside a Shopify that behaves
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(trickle_bytes_per_second=1))
    path = profile(running, ("shopify", "zendesk"), "request_seconds = 1\nvendor_seconds = 60\nrun_seconds = 120")
    # When the audit runs
    outcome = run(path, tmp_path / "reports")
    said = outcome.stdout[-3000:] + outcome.stderr[-2000:]
    # Then it ends in seconds (about one request deadline per collection step), exit 2, no traceback
    assert outcome.code == 2, said
    assert outcome.seconds < 40, outcome.seconds
    assert "Traceback" not in outcome.stdout + outcome.stderr
    errors = outcome.errors("zendesk")
    assert any("zendesk: GET /api/v2/users/me.json: no complete answer within 1 s" in m for m in errors), errors
    assert any("/api/v2/incremental/tickets/cursor.json: no complete answer" in m for m in errors), errors
    assert not outcome.errors("shopify")  # what the other vendor answered is kept


def test_the_vendor_deadline_ends_a_slow_vendor_and_keeps_what_it_learned(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="clean")
    # Every Zendesk answer takes 0.4 s: the grants arrive, the rest of the collection does not fit in 1 s.
    running.set_faults("zendesk", sandbox.Faults(latency=sandbox.Latency(median_ms=400, p99_ms=400)))
    path = profile(running, ("zendesk",), "request_seconds = 10\nvendor_seconds = 1\nrun_seconds = 120")
    outcome = run(path, tmp_path / "reports")
    assert outcome.code == 2, outcome.stdout[-3000:]
    assert outcome.seconds < 30, outcome.seconds
    errors = outcome.errors("zendesk")
    assert any("not finished when the vendor deadline (1 s) passed" in m for m in errors), errors
    scopes = [f for f in outcome.report["findings"] if f["check_id"] == "credential_scopes_least_privilege"]
    assert [f["status"] for f in scopes] == ["pass"]  # learned before the deadline, so kept


def test_the_run_deadline_publishes_what_was_learned(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(latency=sandbox.Latency(median_ms=400, p99_ms=400)))
    path = profile(running, ("zendesk",), "request_seconds = 10\nvendor_seconds = 600\nrun_seconds = 600")
    outcome = run(path, tmp_path / "reports", "--deadline", "1.5")
    assert outcome.code == 2, outcome.stdout[-3000:]
    assert outcome.seconds < 30, outcome.seconds
    report = outcome.report
    assert any("the run deadline (1.5 s) passed" in p for p in report["problems"]), report["problems"]
    errors = outcome.errors("zendesk")
    assert any("the run deadline (1.5 s)" in m for m in errors), errors
    assert {f["check_id"] for f in report["findings"]} >= {"tls_hsts_enabled", "payloads_free_of_pans"}


def test_a_pace_that_cannot_finish_is_refused_before_anything_is_sent(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="clean")
    path = profile(running, ("zendesk",), "vendor_seconds = 900")
    text = path.read_text().replace('type = "zendesk"\n', 'type = "zendesk"\nrequests_per_second = 0.0001\n', 1)
    path.write_text(text)
    served = running.listeners["zendesk"].requests_served
    outcome = run(path, tmp_path / "reports")
    assert outcome.code == 2
    assert outcome.seconds < 15
    (line,) = outcome.stderr.strip().splitlines()
    assert "vendors.zendesk.requests_per_second: at 0.0001 requests/s the collection needs about 19.4 h" in line
    assert "the vendor deadline is 15 min: raise requests_per_second or the deadline" in line
    assert running.listeners["zendesk"].requests_served == served


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_bad_deadline_flag_is_one_line(tmp_path: Path, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vendor_audit.cli", "run", "--deadline", value],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "--deadline" in result.stderr
    assert "Traceback" not in result.stderr
