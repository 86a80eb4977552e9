"""Shared by the benchmark scripts: a sandbox in a child process, so client and server do not share a GIL."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_SERVER = """
import sys, sandbox
from pathlib import Path
workdir, scenario, size, lifted, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
exports = sys.argv[6] == "1"
if cpu != "-":
    import os
    os.sched_setaffinity(0, {int(cpu)})
limits = dict(
    shopify=sandbox.ShopifyLimits(bucket_size=10**9, leak_per_second=10**9),
    zendesk=sandbox.ZendeskLimits(requests_per_minute=10**9, incremental_per_minute=10**9),
    gorgias=sandbox.GorgiasLimits(api_key_requests=10**9, oauth_requests=10**9),
) if lifted else {}
config = sandbox.SandboxConfig(scenario=scenario, size=size, write_exports=exports, **limits)
sandbox.serve_forever(config, Path(workdir), ready=lambda r: print("READY", flush=True))
"""


@contextlib.contextmanager
def sandbox_process(
    workdir: Path,
    *,
    scenario: str = "clean",
    size: int = 200,
    lifted: bool = False,
    cpu: int | None = None,
    exports: bool = False,
) -> Iterator[Path]:
    """Serve the sandbox from a child process until the block ends; yields the run directory."""
    args = [
        sys.executable,
        "-c",
        _SERVER,
        str(workdir),
        scenario,
        str(size),
        "1" if lifted else "0",
        "-" if cpu is None else str(cpu),
        "1" if exports else "0",
    ]
    server = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "READY":
            raise SystemExit("the sandbox did not start")
        yield workdir
    finally:
        server.terminate()
        server.wait(timeout=10)
