"""`vendor-audit load`: runs locust (one process, or a master and N workers) and turns its results into gates."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
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


def run_locust(plan: dict[str, Any], run_dir: Path) -> int:
    """Run the locustfile with `plan`; return locust's exit code (its HTML report lands in run_dir)."""
    env = {**os.environ, "VA_LOAD_PLAN": json.dumps(plan)}
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
    if workers <= 0:
        return subprocess.run(_locust(common), env=env, check=False).returncode
    port = _free_port()
    master = subprocess.Popen(
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
        ),
        env=env,
    )
    helpers = [
        subprocess.Popen(
            _locust(["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        return master.wait(timeout=plan["duration"] + 120)
    finally:
        for process in [master, *helpers]:
            if process.poll() is None:
                process.terminate()
        for process in helpers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)


def run_load(args: argparse.Namespace) -> int:
    """The load test, published through the audit engine: history, coverage and fail-on as for an audit."""
    from vendor_audit.engine import AuditOptions, AuditSession, CannotRun
    from vendor_audit.findings import LoadAttachment
    from vendor_audit.loadtests import gates
    from vendor_audit.loadtests.stats import Sample, conformance, summarize, svg_chart, validity
    from vendor_audit.reports import render_table

    warmup = args.warmup if args.warmup is not None else min(10.0, args.duration * 0.1)
    session = AuditSession(
        AuditOptions(
            profile=Path(args.profile) if args.profile else None,
            scenario="clean",  # the vendors' real rate limits, nothing planted
            fail_on=Severity(getattr(args, "fail_on", "low")),
            report_dir=args.report_dir,
            history_profile_suffix=" (load)",  # a load run is no drift base for an audit of the same profile
        )
    )
    run_dir = session.run_dir
    if not args.profile:
        print("No profile given: load-testing the bundled sandbox (clean scenario, the vendors' real limits).")
    try:
        profile = session.start()
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
        try:
            locust_code = run_locust(plan, run_dir)
        except KeyboardInterrupt:
            session.interrupt("SIGINT")
            run = session.publish(extra_checks=gates.SPECS)
            print(f"vendor-audit load: interrupted; what was learned is in {run_dir}", file=sys.stderr)
            return run.exit_code
        raw_path = run_dir / "load-raw.json"
        if not raw_path.exists():
            session.problems.append(f"locust ended ({locust_code}) without results; see its output above")
            session.publish(extra_checks=gates.SPECS)
            print(
                f"vendor-audit load: locust ended ({locust_code}) without results; see its output above",
                file=sys.stderr,
            )
            return 2
        raw = json.loads(raw_path.read_text())
        samples = [Sample.from_row(row) for row in raw["samples"]]
        measured = [s for s in samples if s.planned >= warmup]
        summaries = summarize(measured, args.duration)
        interval_ms = 1000 / args.rate
        valid = validity(measured, int(raw["dropped"]), raw["cpu"], interval_ms * max(1, args.workers))
        conform = conformance(raw["sends"])
        scheduled = round(args.rate * (warmup + args.duration))
        findings = gates.evaluate(summaries, profile.slo, valid, conform, scheduled, len(samples) + int(raw["dropped"]))
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
        }
        (run_dir / "load.json").write_text(json.dumps(document, indent=2) + "\n")
        chart = svg_chart(measured, f"load {args.rate:g}/s")
        (run_dir / "latency.svg").write_text(chart)
        run = session.publish(
            extra_findings=findings,
            extra_checks=gates.SPECS,
            load=LoadAttachment(run_id=session.run_id, document=document, chart_svg=chart),
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
    print(render_table(run))
    print(f"reports: {run_dir}/report.html, load.json, latency.svg, locust.html, findings.json")
    return run.exit_code
