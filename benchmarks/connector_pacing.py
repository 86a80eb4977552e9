"""Pages/s the connectors get from each stand-in at its real rate limit, and memory while streaming 100k tickets.

    python3 benchmarks/connector_pacing.py [--seconds 40] [--tickets 100000]

Part 1 runs the sandbox with the vendors' real limits (Shopify 40-request bucket leaking 2/s,
Zendesk 700/min, Gorgias 40 per 20 s) and pages through one list per vendor, all three at once, as
the audit does. The share is steady-state pages/s (after the bucket's burst) over the vendor's
theoretical rate; 429s are counted: pacing should keep them at zero.

Part 2 lifts the limits (pacing is not what it measures) and streams every Zendesk payload of a
100k-ticket sandbox (tickets, comments through the incremental event export, ratings), reporting
the client's peak RSS growth next to the same stream over 10k tickets: flat memory means equal.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import sandbox_process

from vendor_audit import connectors
from vendor_audit.profile import load_profile

# (vendor, list path, params, theoretical requests/s, burst the bucket allows)
LISTS: list[tuple[str, str, dict[str, Any], float, int]] = [
    ("shopify", "/admin/api/2026-10/orders.json", {"status": "any", "limit": 50}, 2.0, 40),
    ("zendesk", "/api/v2/tickets.json", {"page[size]": 25}, 700 / 60, 20),
    ("gorgias", "/api/tickets", {"limit": 30}, 2.0, 40),
]


def page_for(run_dir: Path, vendor: str, path: str, params: dict[str, Any], seconds: float) -> dict[str, Any]:
    profile = load_profile(run_dir / "audit.toml")
    target = next(v for v in profile.vendors if v.name == vendor)
    connector = connectors.open_connector(profile, target)
    session = connector.sessions[0]
    transport = session.client._transport
    times: list[float] = []
    started = time.monotonic()
    url: str | None = None
    cursor: str | None = None
    while time.monotonic() - started < seconds:
        if vendor == "shopify":
            body, headers = session.get(url or path, params=None if url else params)
            url = connectors.parse_link_header(headers.get("link", "")).get("next") or None
        elif vendor == "zendesk":
            body, headers = session.get(url or path, params=None if url else params)
            url = body["links"]["next"] if body["meta"]["has_more"] else None
        else:
            body, headers = session.get(path, params=params | ({"cursor": cursor} if cursor else {}))
            cursor = body["meta"]["next_cursor"]
        times.append(time.monotonic() - started)  # at the end of a list, url/cursor is None: it starts again
    session.close()
    return {"times": times, "retries": getattr(transport, "retries", 0)}


def part_one(seconds: float) -> None:
    print(f"Part 1: paging at the real rate limits for {seconds:.0f} s, three vendors at once")
    with tempfile.TemporaryDirectory() as workdir, sandbox_process(Path(workdir), size=20_000) as run_dir:
        results: dict[str, dict[str, Any]] = {}
        threads = [
            threading.Thread(
                target=lambda v=vendor, p=path, q=params: results.__setitem__(v, page_for(run_dir, v, p, q, seconds))
            )
            for vendor, path, params, _, _ in LISTS
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for vendor, _, _, theoretical, burst in LISTS:
        times = results[vendor]["times"]
        steady = times[burst:] if len(times) > burst + 2 else times
        rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
        overall = len(times) / times[-1] if times else 0.0
        print(
            f"  {vendor:<8} {len(times):5d} pages, steady {rate:6.2f} pages/s = {rate / theoretical:6.1%} of "
            f"{theoretical:.2f}/s theoretical; overall {overall:6.2f} pages/s incl. burst; "
            f"429 retries: {results[vendor]['retries']}"
        )


def stream_peak_rss(tickets: int) -> tuple[int, float, float]:
    """(payloads, seconds, peak RSS growth in MiB) streaming every Zendesk payload of a `tickets`-ticket sandbox."""
    with tempfile.TemporaryDirectory() as workdir, sandbox_process(Path(workdir), size=tickets, lifted=True) as run_dir:
        profile = load_profile(run_dir / "audit.toml")
        vendor = next(v for v in profile.vendors if v.type == "zendesk")
        unpaced = connectors.Budget([connectors.Rate(per_second=10**6, burst=10**6)])
        connector = connectors.open_connector(profile, vendor, budget=unpaced)
        snapshot = connector.snapshot()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        count = sum(1 for _ in snapshot.iter_payloads())
        took = time.perf_counter() - started
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        for session in connector.sessions:
            session.close()
        assert not snapshot.errors, snapshot.errors
    return count, took, grown


def part_two(tickets: int) -> None:
    print("Part 2: streaming every Zendesk payload (limits lifted), peak RSS growth of this process")
    small = max(1_000, tickets // 10)
    for size in (small, tickets):
        count, took, grown = stream_peak_rss(size)
        print(
            f"  {size:7d} tickets: {count:8d} payloads in {took:6.1f} s ({count / took:8.0f}/s), "
            f"peak RSS +{grown:6.1f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    part_one(args.seconds)
    part_two(args.tickets)


if __name__ == "__main__":
    main()
