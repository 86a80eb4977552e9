"""`vendor-audit load` leaves no locust process behind, however it ends: SIGTERM, SIGINT, SIGKILL, `timeout`.

Every process here is one this test started (or a child of one): each is found by PID from its parent and
ended by PID if a test fails, never by name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import StartSandbox
from vendor_audit import sandbox

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
LONG = ["--vendor", "zendesk", "--rate", "5", "--duration", "60", "--warmup", "0"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process-tree checks use Linux signals")


@pytest.fixture
def started() -> Iterator[list[psutil.Process]]:
    """Processes this test started and their descendants; whatever is left at the end is killed by PID."""
    processes: list[psutil.Process] = []
    yield processes
    for process in processes:
        try:
            for child in process.children(recursive=True):
                child.kill()
            process.kill()
        except psutil.NoSuchProcess:
            pass


def locust_children(parent: psutil.Process, count: int = 1, timeout: float = 20.0) -> list[psutil.Process]:
    """The parent's locust descendants, once `count` of them run their locustfile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = [p for p in parent.children(recursive=True) if "locust" in " ".join(p.cmdline())]
        except psutil.NoSuchProcess:
            found = []
        if len(found) >= count:
            time.sleep(1.0)  # past its imports: the locustfile, its handlers and its watchdog are in place
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {count} locust process(es) under {parent.pid} within {timeout} s")


def assert_all_gone(processes: list[psutil.Process], within: float = 8.0) -> None:
    _, alive = psutil.wait_procs(processes, timeout=within)
    assert not alive, [(p.pid, p.status()) for p in alive]


def start_load(
    running: sandbox.RunningSandbox, report_dir: Path, started: list[psutil.Process], *extra: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [*CLI, "load", str(running.profile_path), "--report-dir", str(report_dir), *LONG, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(psutil.Process(process.pid))
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_every_locust_process_and_publishes_an_interrupted_run(
    fresh: StartSandbox, tmp_path: Path, started: list[psutil.Process], signum: signal.Signals
) -> None:
    running = fresh(scenario="clean")
    load = start_load(running, tmp_path / "runs", started)
    children = locust_children(started[0])
    time.sleep(1.0)  # a few requests measured
    sent = time.monotonic()
    load.send_signal(signum)
    _, stderr = load.communicate(timeout=20)
    assert time.monotonic() - sent < 10
    assert load.returncode == 2, stderr[-2000:]
    assert_all_gone(children, within=1.0)  # already gone when the parent ends
    assert "Traceback" not in stderr
    assert f"interrupted by {signum.name}" in stderr
    (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    findings = json.loads((run_dir / "findings.json").read_text())
    assert findings["state"] == "interrupted"
    assert findings["exit_code"] == 2
    load_json = json.loads((run_dir / "load.json").read_text())
    assert load_json["endpoints"]["total"]["count"] > 0  # what was measured before the signal is kept


@pytest.mark.parametrize("workers", [0, 2], ids=["local", "distributed"])
def test_sigkill_of_the_parent_ends_every_locust_process(
    fresh: StartSandbox, tmp_path: Path, started: list[psutil.Process], workers: int
) -> None:
    running = fresh(scenario="clean")
    load = start_load(running, tmp_path / "runs", started, "--workers", str(workers))
    children = locust_children(started[0], count=1 + workers)
    load.kill()  # no handler runs: the kernel's parent-death signal (and the watchdog) must do it
    _, stderr = load.communicate(timeout=15)  # the children hold the pipe open until they end
    assert_all_gone(children)
    assert "Traceback" not in stderr, stderr[-3000:]  # one orderly shutdown each, not two racing ones


def test_timeout_leaves_no_locust_process(fresh: StartSandbox, tmp_path: Path, started: list[psutil.Process]) -> None:
    running = fresh(scenario="clean")
    command = ["timeout", "6", *CLI, "load", str(running.profile_path), "--report-dir", str(tmp_path / "runs"), *LONG]
    wrapper = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started.append(psutil.Process(wrapper.pid))
    children = locust_children(started[0])
    _, stderr = wrapper.communicate(timeout=25)
    assert wrapper.returncode == 124  # timeout's own status: it had to send SIGTERM
    assert_all_gone(children, within=2.0)
    assert "Traceback" not in stderr


def test_the_watchdog_alone_ends_locust_when_its_parent_dies(
    fresh: StartSandbox, tmp_path: Path, started: list[psutil.Process]
) -> None:
    # Without the kernel's parent-death signal (other systems, or a missed one), the locustfile's own watchdog.
    running = fresh(scenario="clean")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    plan = {
        "profile": str(running.profile_path),
        "rate": 5,
        "duration": 60,
        "warmup": 0,
        "workers": 0,
        "vendor": "zendesk",
        "run_dir": str(run_dir),
        "max_in_flight": 10,
        "writes": False,
    }
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from vendor_audit import loadrun\n"
        "loadrun._die_with_parent = lambda: None\n"
        "loadrun.run_locust(json.loads(sys.argv[1]), Path(sys.argv[2]))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, json.dumps(plan), str(run_dir)], env=os.environ.copy())
    started.append(psutil.Process(parent.pid))
    (child,) = locust_children(started[0])
    parent.kill()
    parent.wait(timeout=10)
    assert_all_gone([child], within=6.0)
    assert (run_dir / "load-raw.json").exists()  # it ended by SIGTERM, through locust's own shutdown
