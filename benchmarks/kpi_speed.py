"""KPI engine throughput and peak memory over Zendesk ticket metric events (issue 16).

    python3 benchmarks/kpi_speed.py [--events 1000000] [--schedule]

Writes --events ticket metric events shaped like GET /api/v2/incremental/ticket_metric_events (id, ticket_id,
metric, instance_id, type, time; reply_time instances 1-2, resolution_time with reopens, agent_work_time,
requester_wait_time; apply_sla with sla{target, business_hours, policy}; pauses; breaches, some deleted), in time
order as the export sends them, so a ticket's events are spread over the file. Then, each in a child process of its
own so that VmHWM is that run's peak alone:

1. vendor_audit.kpi.compute (streaming, per-ticket state);
2. the naive alternative: every line json.loads-ed into one list in memory, grouped by ticket, then the same
   first-reply, resolution and SLA computation (pandas is not installed here, so no pandas.read_json run).

Prints events/s and peak RSS for both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import REPO

EPOCH = dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()

STREAMING = r"""
import json, sys, time
from pathlib import Path
def high_water():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
from vendor_audit.kpi import KpiSource, Schedule, compute
schedule = Schedule("Europe/Lisbon", tuple((d, 540, 1080) for d in range(5))) if sys.argv[2] == "1" else None
imported = high_water()
started = time.perf_counter()
result = compute([KpiSource("zendesk", "zendesk.ticket_metric_event", Path(sys.argv[1]), "ndjson")], schedule=schedule)
took = time.perf_counter() - started
first = next(r for r in result.rows if r.metric == "first_reply_time" and r.channel is None)
sla = next(r for r in result.rows if r.metric == "within_sla" and r.channel is None)
print(json.dumps({"seconds": took, "imported_kib": imported, "peak_kib": high_water(),
                  "tickets": len(result.per_ticket), "p50": first.p50_minutes, "p90": first.p90_minutes,
                  "within": sla.within_sla, "problems": result.problems}))
"""

# Load everything, then compute: what a script with json (or pandas.read_json(lines=True)) does.
NAIVE = r"""
import datetime as dt, json, sys, time
from collections import defaultdict
def high_water():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
def epoch(text):
    return dt.datetime.fromisoformat(text).timestamp()
imported = high_water()
started = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    records = [json.loads(line) for line in handle]
by_ticket = defaultdict(list)
for record in records:
    by_ticket[record["ticket_id"]].append(record)
def clock(events):
    events = sorted((epoch(e["time"]), {"activate": 0, "pause": 1, "fulfill": 2}[e["type"]]) for e in events)
    total, running, start, last = 0.0, None, None, None
    for moment, code in events:
        if code == 0:
            start = moment if start is None else start
            running = moment if running is None else running
        elif code == 1:
            if running is not None:
                total += moment - running
            running = None
        else:
            last = moment
            if running is not None:
                total += moment - running
                running = moment
    return (total / 60 if start is not None and last is not None else None), last
firsts, met, measured = [], 0, 0
for ticket, events in by_ticket.items():
    reply = [e for e in events if e["metric"] == "reply_time" and e["instance_id"] == 1]
    minutes, fulfilled = clock([e for e in reply if e["type"] in ("activate", "pause", "fulfill")])
    clock([e for e in events if e["metric"] == "resolution_time" and e["type"] in ("activate", "pause", "fulfill")])
    if minutes is not None:
        firsts.append(minutes)
    breaches = [epoch(e["time"]) for e in reply if e["type"] == "breach" and not e.get("deleted")]
    targets = [e["sla"]["target"] for e in reply if e["type"] == "apply_sla"]
    if breaches and (fulfilled is None or min(breaches) <= fulfilled):
        measured += 1
    elif targets and fulfilled is not None:
        measured += 1
        met += minutes <= targets[-1]
firsts.sort()
took = time.perf_counter() - started
print(json.dumps({"seconds": took, "imported_kib": imported, "peak_kib": high_water(), "tickets": len(by_ticket),
                  "p50": firsts[len(firsts) // 2], "within": met / measured}))
"""


def ticket_events(ticket: int, rng: random.Random) -> list[dict[str, Any]]:
    """One ticket's metric events, as Zendesk records them for an email or chat ticket with an SLA policy."""
    created = EPOCH + ticket * 37.0 + rng.random()
    target = rng.choice((60, 240, 480))
    business = rng.random() < 0.3
    sla = {"target": target, "business_hours": business, "policy": {"id": 360001 + target, "title": f"{target} min"}}
    out: list[tuple[float, str, int, str, dict[str, Any]]] = []

    def add(moment: float, metric: str, instance: int, kind: str, **extra: Any) -> None:
        out.append((moment, metric, instance, kind, extra))

    add(created, "reply_time", 1, "activate")
    add(created, "reply_time", 1, "apply_sla", sla=sla)
    add(created, "resolution_time", 1, "activate")
    add(created, "agent_work_time", 1, "activate")
    add(created, "requester_wait_time", 1, "activate")
    reply = created + rng.expovariate(1 / (target * 60 * 0.7))
    if rng.random() < 0.2:  # on hold a while before the first reply
        paused = created + (reply - created) * 0.3
        add(paused, "reply_time", 1, "pause")
        add(paused, "agent_work_time", 1, "pause")
        reply += 1800
        add(paused + 1800, "reply_time", 1, "activate")
        add(paused + 1800, "agent_work_time", 1, "activate")
    if reply - created > target * 60:
        add(created + target * 60, "reply_time", 1, "breach")
    elif rng.random() < 0.3:
        add(created + target * 60, "reply_time", 1, "breach", deleted=True)
    if rng.random() < 0.95:
        add(reply, "reply_time", 1, "fulfill")
        add(reply, "reply_time", 2, "activate")
        add(reply + 3600, "reply_time", 2, "fulfill")
        solved = reply + rng.expovariate(1 / 86_400)
        add(solved, "resolution_time", 1, "fulfill")
        add(solved, "agent_work_time", 1, "fulfill")
        add(solved, "requester_wait_time", 1, "fulfill")
        if rng.random() < 0.1:  # reopened, solved again
            add(solved + 7200, "resolution_time", 1, "activate")
            add(solved + 14_400, "resolution_time", 1, "fulfill")
    return [
        {"ticket_id": ticket, "metric": metric, "instance_id": instance, "type": kind, "time": moment} | extra
        for moment, metric, instance, kind, extra in out
    ]


def write_events(path: Path, count: int, seed: int = 16) -> int:
    rng = random.Random(seed)  # noqa: S311  # test data, reproducible by seed
    events: list[dict[str, Any]] = []
    ticket = 0
    while len(events) < count:
        ticket += 1
        events += ticket_events(ticket, rng)
    events.sort(key=lambda e: e["time"])  # the export is chronological, not by ticket
    with path.open("w", encoding="utf-8") as handle:
        for number, item in enumerate(events, start=1):
            moment = dt.datetime.fromtimestamp(item["time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            handle.write(json.dumps({"id": 9_000_000_000 + number, **item, "time": moment}) + "\n")
    return len(events)


def child(script: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, capture_output=True, text=True, check=True)
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--schedule", action="store_true", help="also time business minutes (Mon-Fri 9-18)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zendesk_ticket_metric_events.ndjson"
        count = write_events(path, args.events)
        size = path.stat().st_size / 2**20
        print(f"{count:,} ticket metric events, {size:.0f} MiB NDJSON")
        runs = [("vendor-audit kpi (streaming)", STREAMING, "0")]
        if args.schedule:
            runs.append(("vendor-audit kpi, business hours", STREAMING, "1"))
        # pandas is no dependency of vendor-audit (and not installed here): the load-everything baseline is json.
        why = "pandas installed but not used" if importlib.util.find_spec("pandas") else "pandas not installed"
        runs.append((f"naive: json.loads every line into one list, then compute ({why})", NAIVE, ""))
        for label, script, flag in runs:
            run = child(script, str(path), flag)
            peak, imported = run["peak_kib"] / 1024, run["imported_kib"] / 1024
            print(
                f"{label}: {count / run['seconds']:,.0f} events/s ({run['seconds']:.2f} s), peak RSS {peak:.0f} MiB "
                f"({imported:.0f} MiB after import), {run['tickets']:,} tickets, first reply p50 "
                f"{run['p50']:.1f} min, within SLA {run['within']:.1%}"
            )
            if run.get("problems"):
                print(f"  problems: {run['problems']}")


if __name__ == "__main__":
    main()
