"""Wall time and peak memory of a full audit: the default sandbox, and a 100k-ticket one.

    python3 benchmarks/audit_wall_time.py [--tickets 100000]

1. `vendor-audit run` with no profile: starts the bundled sandbox (200 tickets, leaky), audits it
   at the vendors' real rate limits, stops it. This is the README's main job.
2. A leaky sandbox of --tickets tickets per helpdesk (and as many orders) in a child process, with
   the stand-ins' limits lifted and the profile's requests_per_second raised to match, so the figure
   is the audit's own cost. At the real limits the same audit is bound by the vendors' budgets: the
   script prints that floor from the number of pages each vendor must serve.
Peak memory is the audit process's maximum RSS (the sandbox runs in another process).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, sandbox_process

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def audit(args: list[str], report_dir: Path) -> tuple[int, float, float, dict[str, int]]:
    """(exit code, seconds, peak RSS MiB, finding counts) of one `vendor-audit run` in a child process."""
    started = time.perf_counter()
    result = subprocess.run(
        [*CLI, "run", *args, "--report-dir", str(report_dir)], capture_output=True, text=True, check=False, cwd=REPO
    )
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    runs = sorted(report_dir.iterdir())
    counts = json.loads((runs[-1] / "findings.json").read_text())["counts"] if runs else {}
    if result.returncode not in (0, 1):
        print(result.stdout[-3000:], result.stderr[-2000:])
    return result.returncode, took, peak, counts


def real_limit_floor(tickets: int) -> str:
    """Seconds the vendors' real budgets need for the pages of a `tickets`-ticket audit (vendors in parallel)."""
    messages = tickets * 3  # 2-4 per ticket
    pages = {
        "shopify (2/s)": (tickets / 250 + max(10, tickets // 2) / 250, 2.0),
        "zendesk incremental (10/min)": (tickets / 1000 + 2 * tickets / 1000, 10 / 60),
        "gorgias (2/s)": (tickets / 100 + messages / 100 + max(10, tickets // 2) / 100 + tickets / 300, 2.0),
    }
    floors = {name: count / rate for name, (count, rate) in pages.items()}
    worst = max(floors, key=lambda k: floors[k])
    return ", ".join(f"{k} {v / 60:.0f} min" for k, v in floors.items()) + f"; the audit waits for {worst}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code, took, peak, counts = audit([], Path(tmp) / "default")
        print(
            f"default sandbox (200 tickets, real limits): {took:6.1f} s wall, peak RSS {peak:6.1f} MiB, "
            f"exit {code}, findings {counts}"
        )
        with sandbox_process(
            Path(tmp) / "big", scenario="leaky", size=args.tickets, lifted=True, exports=True
        ) as run_dir:
            profile = (run_dir / "audit.toml").read_text()
            fast = profile.replace('type = "shopify"\n', 'type = "shopify"\nrequests_per_second = 100000\n')
            fast = fast.replace('type = "zendesk"\n', 'type = "zendesk"\nrequests_per_second = 100000\n')
            fast = fast.replace('type = "gorgias"\n', 'type = "gorgias"\nrequests_per_second = 100000\n')
            (run_dir / "fast.toml").write_text(fast)
            code, took, peak, counts = audit([str(run_dir / "fast.toml")], Path(tmp) / "big-runs")
        print(
            f"{args.tickets:,} tickets (limits lifted):        {took:6.1f} s wall, peak RSS {peak:6.1f} MiB, "
            f"exit {code}, findings {counts}"
        )
        print(f"at the real limits the same audit needs at least: {real_limit_floor(args.tickets)}")


if __name__ == "__main__":
    main()
