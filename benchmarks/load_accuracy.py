"""Load generator accuracy and capacity: vendor-audit's open model against plain locust and wrk, one run.

    python3 benchmarks/load_accuracy.py [--seconds 15]

1. Accuracy. The Zendesk stand-in adds log-normal latency (median 20 ms, p99 60 ms) and freezes for
   300 ms every 5 s (a server-wide pause). The truth is what an agent arriving at a uniformly random
   moment waits: simulated from the injected model. At 100 requests/s:
   - `vendor-audit load` (open model, latency from the planned time);
   - plain locust: FastHttpUser, 10 users x constant_throughput(10) (closed model, the usual setup).
   Both print p99 and its error against the truth.
2. Capacity. The stand-in (limits lifted, no faults) runs pinned to CPU 0; the generator to CPU 1.
   `vendor-audit load` is stepped up until it can no longer keep its schedule (the run is marked
   invalid, or under 95 % of the planned requests complete); wrk (closed, 1 thread, 32 connections)
   on the same endpoint gives the native ceiling.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, sandbox_process

from vendor_audit.loadtests.stats import percentile

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
PLAIN_LOCUSTFILE = """
import os, ssl
from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

TOKEN = os.environ["VA_TOKEN"]

class Agent(FastHttpUser):
    wait_time = constant_throughput(10)
    insecure = True

    @task
    def ticket(self):
        self.client.get("/api/v2/tickets/7.json", headers={"Authorization": "Bearer " + TOKEN})
"""
SERVER_WITH_FAULTS = """
import sys, sandbox
from pathlib import Path
config = sandbox.SandboxConfig(scenario="clean", write_exports=False,
                               zendesk=sandbox.ZendeskLimits(requests_per_minute=10**9))
def ready(running):
    running.set_faults("zendesk", sandbox.Faults(latency=sandbox.Latency(20, 60), pause_every=5.0, pause_seconds=0.3))
    print("READY", flush=True)
sandbox.serve_forever(config, Path(sys.argv[1]), ready=ready)
"""


def truth_p99(n: int = 400_000) -> float:
    """p99 wait of an agent arriving at a random moment: pause remainder (if inside one) plus log-normal service."""
    rng = random.Random(5)  # noqa: S311 - a simulation
    sigma = math.log(60 / 20) / 2.3263478740408408
    waits = []
    for _ in range(n):
        phase = rng.uniform(0, 5.0)
        pause = (0.3 - phase) * 1000 if phase < 0.3 else 0.0
        waits.append(pause + rng.lognormvariate(math.log(20), sigma))
    return percentile(sorted(waits), 99)


def ours(profile: Path, rate: float, seconds: float, out: Path, extra: list[str]) -> dict[str, object]:
    subprocess.run(
        [
            *CLI,
            "load",
            str(profile),
            "--rate",
            str(rate),
            "--duration",
            str(seconds),
            "--warmup",
            "2",
            "--report-dir",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    (run_dir,) = list(out.iterdir())
    loaded: dict[str, object] = json.loads((run_dir / "load.json").read_text())
    return loaded


def plain_locust(url: str, token: str, seconds: float, tmp: Path) -> float:
    locustfile = tmp / "plain.py"
    locustfile.write_text(PLAIN_LOCUSTFILE)
    prefix = tmp / "plain"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "-u",
            "10",
            "-r",
            "10",
            "-t",
            f"{int(seconds + 2)}s",
            "-H",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "VA_TOKEN": token},
    )
    rows = (prefix.with_name("plain_stats.csv")).read_text().splitlines()
    header = rows[0].split(",")
    total = next(r.split(",") for r in rows[1:] if ",Aggregated," in r)
    return float(total[header.index("99%")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    truth = truth_p99()
    print(f"1. accuracy at 100 requests/s, injected truth p99 {truth:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER_WITH_FAULTS, str(tmp / "sb")], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "READY"
            profile = (
                (tmp / "sb" / "audit.toml")
                .read_text()
                .replace('type = "zendesk"\n', 'type = "zendesk"\nrequests_per_second = 100000\n')
            )
            (tmp / "sb" / "fast.toml").write_text(profile)
            result = ours(tmp / "sb" / "fast.toml", 100, args.seconds, tmp / "ours", ["--vendor", "zendesk"])
            endpoints = result["endpoints"]
            assert isinstance(endpoints, dict)
            measured = float(endpoints["total"]["p99"])
            print(
                f"   vendor-audit load (open):     p99 {measured:7.1f} ms, error {abs(measured - truth) / truth:6.1%}"
                f" (valid: {result['valid']})"
            )
            manifest = json.loads((tmp / "sb" / "manifest.json").read_text())
            token = dict(line.split("=", 1) for line in (tmp / "sb" / "sandbox.env").read_text().splitlines())
            closed = plain_locust(manifest["endpoints"]["zendesk"], token["VA_ZENDESK_OAUTH_TOKEN"], args.seconds, tmp)
            print(f"   plain locust (closed):        p99 {closed:7.1f} ms, error {abs(closed - truth) / truth:6.1%}")
        finally:
            server.terminate()
            server.wait(timeout=10)

        print("2. capacity: stand-in pinned to CPU 0, generator to CPU 1")
        with sandbox_process(tmp / "cap", lifted=True, cpu=0) as run_dir:
            profile = (
                (run_dir / "audit.toml")
                .read_text()
                .replace('type = "zendesk"\n', 'type = "zendesk"\nrequests_per_second = 100000\n')
            )
            (run_dir / "fast.toml").write_text(profile)
            best = 0.0
            for rate in (100, 200, 300, 400, 600, 800):
                result = ours(
                    run_dir / "fast.toml", rate, min(args.seconds, 8), tmp / f"cap{rate}", ["--vendor", "zendesk"]
                )
                endpoints = result["endpoints"]
                assert isinstance(endpoints, dict)
                total = endpoints.get("total") or {"count": 0}  # nothing measured: the generator fell over
                done = int(total["count"]) / (rate * min(args.seconds, 8))
                ok = bool(result["valid"]) and done >= 0.95
                print(
                    f"   {rate:5d}/s planned: completed {done:6.1%}, schedule lag p99 "
                    f"{result['schedule_lag_p99_ms']} ms, valid {result['valid']} -> {'kept' if ok else 'lost'}"
                )
                if not ok:
                    break
                best = rate
            manifest = json.loads((run_dir / "manifest.json").read_text())
            secrets = dict(line.split("=", 1) for line in (run_dir / "sandbox.env").read_text().splitlines())
            wrk = shutil.which("wrk")
            native = "wrk not installed"
            if wrk:
                output = subprocess.run(
                    [
                        "taskset",
                        "-c",
                        "1",
                        wrk,
                        "-t1",
                        "-c32",
                        "-d8s",
                        "-H",
                        f"Authorization: Bearer {secrets['VA_ZENDESK_OAUTH_TOKEN']}",
                        manifest["endpoints"]["zendesk"] + "/api/v2/tickets/7.json",
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
                found = re.search(r"Requests/sec:\s+([\d.]+)", output)
                native = f"{float(found.group(1)):.0f} requests/s (closed, saturating)" if found else output[-200:]
            print(
                f"   vendor-audit load keeps correct timing up to {best:.0f} requests/s on one generator process; "
                f"wrk on the same stand-in: {native}"
            )


if __name__ == "__main__":
    main()
