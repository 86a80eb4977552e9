"""`vendor-audit load`: runs locust (one process, or a master and N workers) and turns its results into gates."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from vendor_audit.findings import Severity

# Found, not imported: locust imports the locustfile itself, in its own process.
_SPEC = importlib.util.find_spec("vendor_audit.loadtests.agent_workflows")
LOCUSTFILE = Path(_SPEC.origin if _SPEC and _SPEC.origin else "agent_workflows.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _locust(extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--loglevel", "WARNING", *extra]


class Stopped(Exception):
    """SIGTERM or SIGINT reached `vendor-audit load`: its locust processes are ended and the run is published."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class _Signals:
    """SIGTERM and SIGINT become `Stopped` in the main thread, once: a second signal must not cut the cleanup short.

    While a child is being started the signal waits (`deferred`), so every child that exists is in the list
    of children to end.
    """

    def __init__(self) -> None:
        self.received: str | None = None
        self._deferring = False

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signal.Signals(signum).name
            if not self._deferring:
                raise Stopped(self.received)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
            yield
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self.received is not None:
            raise Stopped(self.received)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has the kernel send SIGTERM to the child when this process dies, even by SIGKILL.

    Linux only (elsewhere the locustfile's watchdog notices the new parent). The death signal is tied to the
    thread that forks, so run_locust forks from the thread that waits for the children.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before the fork: the child only calls it
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        # Whatever this process inherited or set, the child starts able to receive SIGTERM and SIGINT.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl: no signal will come
            os._exit(1)

    return preexec


def _end(processes: list[subprocess.Popen[bytes]], grace: float = 5.0) -> None:
    """SIGTERM every child still running (locust writes what it measured), then SIGKILL what outlives `grace`."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()


def run_locust(plan: dict[str, Any], run_dir: Path) -> int:
    """Run the locustfile with `plan`; return locust's exit code (its HTML report lands in run_dir).

    However this ends (the schedule done, an exception, `Stopped` from a signal), no locust process outlives
    it: the children are ended here, and the kernel (or the locustfile's watchdog) ends them if this process
    is killed outright.

    Raises:
        Stopped: SIGTERM or SIGINT arrived, once every child has ended.
    """
    env = {**os.environ, "VA_LOAD_PLAN": json.dumps(plan), "VA_LOAD_PARENT": str(os.getpid())}
    workers = int(plan["workers"])
    limit = f"{int(plan['duration'] + 20)}s"
    common = [
        "-u",
        str(max(1, workers)),
        "-r",
        str(max(1, workers)),
        "-t",
        limit,
        "--stop-timeout",
        "15",
        "--only-summary",
        "--html",
        str(run_dir / "locust.html"),
    ]
    preexec = _die_with_parent()
    processes: list[subprocess.Popen[bytes]] = []
    signals = _Signals()

    def start(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        with signals.deferred():
            # Its own process group: a terminal's Ctrl-C or `timeout` reaches this process only, which then ends
            # the children once (locust fails on a second SIGTERM). No stdin: locust would put a terminal in
            # cbreak mode, and leave it so if killed.
            process = subprocess.Popen(
                command, env=env, preexec_fn=preexec, process_group=0, stdin=subprocess.DEVNULL, **options
            )
            processes.append(process)
        return process

    with signals.installed():
        try:
            if workers <= 0:
                return start(_locust(common)).wait(timeout=plan["duration"] + 120)
            return _distributed(start, common, workers, plan)
        except subprocess.TimeoutExpired:
            return -1  # locust overran its own -t limit by minutes: ended below, reported as without results
        finally:
            with signals.deferred():  # a signal now waits until every child has ended
                _end(processes)


def _distributed(
    start: Callable[..., subprocess.Popen[bytes]], common: list[str], workers: int, plan: dict[str, Any]
) -> int:
    port = _free_port()
    master = start(
        _locust(
            [
                *common,
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--expect-workers",
                str(workers),
                "--expect-workers-max-wait",
                "60",
            ]
        )
    )
    for _ in range(workers):
        start(
            _locust(["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return master.wait(timeout=plan["duration"] + 120)


# Every sample is kept in memory and in load-raw.json: a schedule far beyond this is a typo, not a test.
MAX_SCHEDULED = 10_000_000


def schedule_problem(rate: float, duration: float, warmup: float, workers: int, max_in_flight: int) -> str | None:
    """Why these load arguments cannot make a run that measures something, or None (the CLI checks each first)."""
    numbers = {"--rate": rate, "--duration": duration, "--warmup": warmup}
    for flag, value in numbers.items():
        if not math.isfinite(value) or value < 0 or (value == 0 and flag != "--warmup"):
            return f"{flag} {value}: give a finite number, > 0 (--warmup may be 0)"
    if not 0 <= workers <= 64 or max_in_flight < 1:
        return f"--workers {workers} / --max-in-flight {max_in_flight}: give 0-64 workers and at least 1 in flight"
    if rate * duration < 1:
        return (
            f"--rate {rate:g} for --duration {duration:g} s schedules no request to measure; "
            f"give at least {1 / rate:.3g} s or a higher rate"
        )
    if rate * (duration + warmup) > MAX_SCHEDULED:
        return (
            f"--rate {rate:g} for {duration + warmup:g} s schedules {rate * (duration + warmup):,.0f} requests; "
            f"at most {MAX_SCHEDULED:,} per run"
        )
    return None


def run_load(args: argparse.Namespace) -> int:
    """The load test, published through the audit engine: history, coverage and fail-on as for an audit."""
    from vendor_audit.console import progress_on_stderr
    from vendor_audit.engine import AuditOptions, AuditSession, CannotRun
    from vendor_audit.findings import LoadAttachment
    from vendor_audit.loadtests import gates
    from vendor_audit.loadtests.stats import Sample, conformance, summarize, svg_chart, validity
    from vendor_audit.progress import timed
    from vendor_audit.reports import render_table

    warmup = args.warmup if args.warmup is not None else min(10.0, args.duration * 0.1)
    problem = schedule_problem(args.rate, args.duration, warmup, args.workers, args.max_in_flight)
    if problem is not None:  # before anything starts: no sandbox, no run directory, no locust
        print(f"vendor-audit load: {problem}", file=sys.stderr)
        return 2
    session = AuditSession(
        AuditOptions(
            profile=Path(args.profile) if args.profile else None,
            scenario="clean",  # the vendors' real rate limits, nothing planted
            fail_on=Severity(getattr(args, "fail_on", "low")),
            report_dir=args.report_dir,
            history_profile_suffix=" (load)",  # a load run is no drift base for an audit of the same profile
            output_formats=getattr(args, "output_formats", None),
        )
    )
    run_dir = session.run_dir
    if not args.profile:
        print("No profile given: load-testing the bundled sandbox (clean scenario, the vendors' real limits).")
    try:
        profile = session.start()
        names = [vendor.name for vendor in profile.vendors]
        if args.vendor is not None and args.vendor not in names:
            raise CannotRun(
                f"--vendor {args.vendor[:60]!r}: {args.profile or 'the bundled sandbox'} has no such vendor; "
                f"its vendors: {', '.join(names) or 'none'}"
            )
        # Sandbox mode writes (internal notes): first the vendors' own answer that their accounts are sandboxes.
        # A vendor that does not prove it would have every write refused: nothing starts, nothing is written.
        refused = session.sandbox_refusals([args.vendor] if args.vendor else names)
        if refused:
            raise CannotRun("; ".join(refused))
        run_dir.mkdir(parents=True, exist_ok=True)
        plan = {
            "profile": str(profile.path.resolve()),
            "rate": args.rate,
            "duration": warmup + args.duration,
            "warmup": warmup,
            "workers": args.workers,
            "vendor": args.vendor,
            "run_dir": str(run_dir.resolve()),
            "max_in_flight": args.max_in_flight,
            "writes": True,
        }
        print(
            f"load: {args.rate:g} requests/s for {args.duration:g} s after {warmup:g} s of warm-up, "
            f"{args.workers or 1} generator process(es); run dir {run_dir}",
            flush=True,
        )
        stopped = None
        try:
            # Seconds elapsed of those planned, on stderr (vendor_audit.console): locust says nothing until it ends.
            quiet = bool(getattr(args, "quiet", False))
            with progress_on_stderr(quiet=quiet, redact=session.for_terminal) as progress:
                with timed(progress, "load test", warmup + args.duration):
                    locust_code = run_locust(plan, run_dir)
        except Stopped as exc:  # the children are gone; what they measured until then is still published
            stopped, locust_code = exc.signal_name, -1
            session.interrupt(exc.signal_name)
            print(f"vendor-audit load: {exc.signal_name}: stopped the load test", file=sys.stderr, flush=True)
        raw_path = run_dir / "load-raw.json"
        try:
            raw = json.loads(raw_path.read_text())
            samples = [Sample.from_row(row) for row in raw["samples"]]
            dropped, cpu, sends = int(raw["dropped"]), [float(c) for c in raw["cpu"]], list(raw["sends"])
            # Every write the schedule made, and its undo: the run's writes.json, whatever the verdict.
            session.writes += [w for w in raw.get("writes", []) if isinstance(w, dict)]
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            why = "without results" if isinstance(exc, FileNotFoundError) else "with unreadable results"
            message = f"locust ended ({locust_code}) {why}" + ("" if stopped else "; see its output above")
            if not stopped:
                session.problems.append(message)
            run = session.publish(extra_checks=gates.SPECS)
            print(f"vendor-audit load: {message}; the run is in {run_dir}", file=sys.stderr)
            return max(run.exit_code, 2)
        measured = [s for s in samples if s.planned >= warmup]
        summaries = summarize(measured, args.duration)
        interval_ms = 1000 / args.rate
        valid = validity(measured, dropped, cpu, interval_ms * max(1, args.workers))
        conform = conformance(sends)
        # Stopped early, the requests never due are no conformance failure; the run is published as interrupted.
        scheduled = len(samples) + dropped if stopped else round(args.rate * (warmup + args.duration))
        findings = gates.evaluate(summaries, profile.slo, valid, conform, scheduled, len(samples) + dropped)
        document = {
            "plan": plan | {"duration": args.duration},
            "valid": valid.valid,
            "invalid_reasons": valid.reasons,
            "schedule_lag_p99_ms": round(valid.lag_p99_ms, 3),
            "machine_cpu_p90": valid.machine_cpu_p90,
            "dropped": valid.dropped,
            "endpoints": {name: summary.as_json() for name, summary in summaries.items()},
            "conformance": conform,
            "locust_exit_code": locust_code,
            "writes": Counter(str(w.get("result")) for w in session.writes),  # undone, not_undone, nothing_to_undo
        }
        (run_dir / "load.json").write_text(json.dumps(document, indent=2) + "\n")
        chart = svg_chart(
            measured, f"load {args.rate:g}/s", slo_p95_ms=profile.slo.p95_ms, slo_p99_ms=profile.slo.p99_ms
        )
        (run_dir / "latency.svg").write_text(chart)
        run = session.publish(
            extra_findings=findings,
            extra_checks=gates.SPECS,
            load=LoadAttachment(run_id=session.run_id, document=document, chart_svg=chart),
        )
        if stopped:
            print(f"vendor-audit load: interrupted by {stopped}; what was learned is in {run_dir}", file=sys.stderr)
        if session.writes:
            left = [w for w in session.writes if w.get("result") == "not_undone"]
            print(
                f"writes: {len(session.writes)} sent in sandbox mode, {len(left)} not undone (writes.json)",
                file=sys.stderr if left else sys.stdout,
            )
    except CannotRun as exc:
        print(f"vendor-audit: {exc}", file=sys.stderr)
        return 2
    finally:
        session.close()
    print(
        f"{'endpoint':<52} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'err':>5} {'429':>4}"
    )
    for name, summary in summaries.items():
        print(
            f"{name[:52]:<52} {summary.count:>6} {summary.p50:>8.2f} {summary.p95:>8.2f} {summary.p99:>8.2f} "
            f"{summary.max:>8.1f} {summary.errors:>5} {summary.retries_429 + summary.throttled:>4}"
        )
    print(render_table(run, shutil.get_terminal_size().columns, terminal=sys.stdout.isatty(), redact=session.redact))
    print(f"reports: {run_dir}/report.html, load.json, latency.svg, locust.html, findings.json")
    return run.exit_code
