"""How fast the sandbox starts, and how many requests/s one stand-in serves on one core.

    python3 benchmarks/sandbox_throughput.py [--seconds 10] [--connections 32]

The stand-ins run in a child process pinned to CPU 0 with rate limits lifted; the load comes from
CPU 1: wrk when installed (Debian package `wrk`), else Python processes with keep-alive httpx clients.
Every request is a real HTTPS request with auth, routing and a JSON body computed from the seed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import ssl
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from _common import sandbox_process

from vendor_audit import sandbox


def measure_start(repeats: int = 7) -> tuple[float, float]:
    """Median seconds from serve() to listening with files written, for the default size and for 10k."""
    results = []
    for size in (200, 10_000):
        times = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as workdir:
                started = time.perf_counter()
                with sandbox.serve(scenario="leaky", size=size, workdir=Path(workdir)):
                    times.append(time.perf_counter() - started)
        results.append(statistics.median(times))
    return results[0], results[1]


def _python_load(url: str, headers: dict[str, str], ca: str, seconds: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    os.sched_setaffinity(0, {1})
    done = 0
    deadline = time.monotonic() + seconds
    with httpx.Client(verify=ssl.create_default_context(cafile=ca), headers=headers) as client:
        while time.monotonic() < deadline:
            client.get(url).raise_for_status()
            done += 1
    out.put(done)


def drive(url: str, headers: dict[str, str], ca: str, seconds: float, connections: int) -> tuple[str, float]:
    wrk = shutil.which("wrk")
    if wrk:
        args = ["taskset", "-c", "1", wrk, "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
        found = re.search(r"Requests/sec:\s+([\d.]+)", output)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if non_2xx:
            raise SystemExit(f"wrk saw {non_2xx.group(1)} error answers:\n{output}")
        assert found, output
        return f"wrk, 1 thread, {connections} connections", float(found.group(1))
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=_python_load, args=(url, headers, ca, seconds, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    total = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    return "4 httpx keep-alive clients (install wrk for a faster load generator)", total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    start_small, start_10k = measure_start()
    print(f"start, leaky scenario, 200 tickets (files written):    {start_small * 1000:7.1f} ms (median of 7)")
    print(f"start, leaky scenario, 10,000 tickets (exports written): {start_10k * 1000:7.1f} ms (median of 7)")

    with tempfile.TemporaryDirectory() as workdir, sandbox_process(Path(workdir), lifted=True, cpu=0):
        manifest = json.loads((Path(workdir) / "manifest.json").read_text())
        secrets = dict(line.split("=", 1) for line in (Path(workdir) / "sandbox.env").read_text().splitlines())
        ca = str(Path(workdir) / "ca.pem")
        cases = {
            "zendesk GET /api/v2/tickets/{id}.json": (
                manifest["endpoints"]["zendesk"] + "/api/v2/tickets/42.json",
                {"Authorization": f"Bearer {secrets['VA_ZENDESK_OAUTH_TOKEN']}"},
            ),
            "shopify GET orders.json?limit=50 (a full page)": (
                manifest["endpoints"]["shopify"] + "/admin/api/2026-10/orders.json?status=any&limit=50",
                {"X-Shopify-Access-Token": secrets["VA_SHOPIFY_TOKEN"]},
            ),
        }
        for label, (url, headers) in cases.items():
            how, rate = drive(url, headers, ca, args.seconds, args.connections)
            print(f"{label:<48} {rate:9.0f} requests/s on one server core ({how})")


if __name__ == "__main__":
    main()
