"""The NDJSON scan spread over worker processes: the same findings in the same order, and no process left.

Past `parallel_after` bytes `scan_ndjson` hands its chunks to worker processes. These tests force that from
the first chunk, on small chunks, and compare with the scan in one process; they kill a worker mid-scan and
the scanning process itself, and look for what is left running. Workers fork when the scanning process runs one
thread and spawn when it runs more: both ways are tested.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.pan_independent import load
from vendor_audit.pan import scan_ndjson, screen

CHUNK = 8 << 10  # many chunks from a small file


@pytest.fixture(scope="module")
def ndjson() -> bytes:
    """Every line-shaped case of the independent corpus, and each JSON case as one line: about 1,000 lines."""
    lines: list[bytes] = []
    for case in load():
        if case.suffix == ".ndjson":
            lines += [line for line in case.data.splitlines() if line.strip()]
        elif case.suffix == ".json" and b"\n" not in case.data.strip():
            lines.append(case.data.strip())
    return b"\n".join(lines * 3) + b"\n"


Found = tuple[int, str, str, str]  # line, pointer, kind, digits


def serial(data: bytes) -> list[Found]:
    return [(n, p, m.kind, m.digits) for n, p, m in scan_ndjson(io.BytesIO(data), chunk_size=CHUNK, jobs=1)]


def workers(parent: psutil.Process | None = None) -> set[int]:
    """The scan's worker processes: children started by multiprocessing (not its resource tracker)."""
    me = parent or psutil.Process()
    return {
        child.pid
        for child in me.children()
        if "--multiprocessing-fork" in child.cmdline()  # spawned
        or (child.cmdline() == me.cmdline() and "resource_tracker" not in " ".join(child.cmdline()))  # forked
    }


@pytest.fixture(params=["fork", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    method = str(request.param)
    monkeypatch.setattr(screen, "_start_method", lambda: method)
    return method


@pytest.fixture(scope="module")
def alone(ndjson: bytes) -> list[Found]:
    return serial(ndjson)


def test_workers_find_what_one_process_finds_in_the_same_order(
    ndjson: bytes, alone: list[Found], start_method: str
) -> None:
    assert len({(n, d) for n, _, kind, d in alone if kind == "pan"}) > 300  # the corpus's PANs, three times
    spread = [
        (n, p, m.kind, m.digits)
        for n, p, m in scan_ndjson(io.BytesIO(ndjson), chunk_size=CHUNK, jobs=2, parallel_after=0)
    ]
    assert spread == alone


_PREADS: list[Path] = []  # where the forked workers record their reads (they inherit the patched os.pread)


def _recording_pread(fd: int, length: int, offset: int) -> bytes:
    with _PREADS[0].open("a") as record:
        record.write(f"{offset}\n")
    return _PREAD(fd, length, offset)


_PREAD = os.pread


@pytest.mark.parametrize("opened", ["open", "boundedio"])
def test_workers_reading_the_file_themselves_find_what_one_process_finds(
    ndjson: bytes, alone: list[Found], tmp_path: Path, opened: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked workers pread their chunks from a regular file (screen._regular_file), from where the stream is."""
    from vendor_audit.boundedio import Limits, open_binary

    monkeypatch.setattr(screen, "_start_method", lambda: "fork")
    _PREADS[:] = [tmp_path / "preads.txt"]
    monkeypatch.setattr(os, "pread", _recording_pread)
    path = tmp_path / "export.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + ndjson)  # read from offset 3, as scanfiles does past a BOM
    with open_binary(path, Limits()) if opened == "boundedio" else path.open("rb") as handle:
        handle.read(3)
        assert screen._regular_file(handle) == (handle.fileno(), 3)
        spread = [
            (n, p, m.kind, m.digits) for n, p, m in scan_ndjson(handle, chunk_size=CHUNK, jobs=2, parallel_after=0)
        ]
    assert spread == alone
    offsets = sorted(int(line) for line in _PREADS[0].read_text().split())
    assert len(offsets) > len(ndjson) // CHUNK // 2  # most chunks, each read by a worker
    assert offsets[0] >= 3


def test_a_file_that_is_not_what_this_process_read_is_scanned_as_this_process_read_it(
    ndjson: bytes, alone: list[Found], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that preads other bytes than the parent read (the file rewritten meanwhile) gives its chunk back."""
    monkeypatch.setattr(screen, "_start_method", lambda: "fork")
    rewritten = tmp_path / "rewritten.ndjson"
    rewritten.write_bytes(b"\n" * len(ndjson))
    path = tmp_path / "export.ndjson"
    path.write_bytes(ndjson)
    with path.open("rb") as handle, rewritten.open("rb") as other:
        monkeypatch.setattr(screen, "_regular_file", lambda _: (other.fileno(), 0))
        spread = [
            (n, p, m.kind, m.digits) for n, p, m in scan_ndjson(handle, chunk_size=CHUNK, jobs=2, parallel_after=0)
        ]
    assert spread == alone


def test_a_scan_past_the_threshold_goes_parallel_and_leaves_no_process(ndjson: bytes, alone: list[Found]) -> None:
    seen: list[set[int]] = []
    found: list[Found] = []
    for item in scan_ndjson(io.BytesIO(ndjson), chunk_size=CHUNK, jobs=2, parallel_after=4 * CHUNK):
        if len(found) % 50 == 0 or len(found) == len(alone) - 1:
            seen.append(workers())
        found.append((item[0], item[1], item[2].kind, item[2].digits))
    assert found == alone
    assert not seen[0]  # the first chunks are scanned here
    assert len(seen[-1]) == 2
    assert_gone(set().union(*seen), within=10)


def test_a_consumer_that_stops_early_leaves_no_process(ndjson: bytes) -> None:
    scan = scan_ndjson(io.BytesIO(ndjson), chunk_size=CHUNK, jobs=2, parallel_after=0)
    next(scan)
    running = workers()
    assert len(running) == 2
    scan.close()
    assert_gone(running, within=10)


def test_a_worker_killed_mid_scan_costs_time_not_findings(ndjson: bytes, alone: list[Found], start_method: str) -> None:
    scan = scan_ndjson(io.BytesIO(ndjson), chunk_size=CHUNK, jobs=2, parallel_after=0)
    found = [next(scan)]
    psutil.Process(min(workers())).kill()
    found += scan
    assert [(n, p, m.kind, m.digits) for n, p, m in found] == alone


SCANNER = """
import sys
from vendor_audit.pan import scan_ndjson, screen
if __name__ == "__main__":  # multiprocessing's workers import the main module
    screen._start_method = lambda: sys.argv[2]
    with open(sys.argv[1], "rb") as handle:
        for _ in scan_ndjson(handle, chunk_size=1 << 12, jobs=2, parallel_after=0):
            pass
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_sigkill_of_the_scanning_process_ends_its_workers(ndjson: bytes, tmp_path: Path, method: str) -> None:
    big = tmp_path / "big.ndjson"
    big.write_bytes(ndjson * 40)  # a scan of some seconds
    script = tmp_path / "scanner.py"  # a file, not -c: workers start from the parent's main module
    script.write_text(SCANNER)
    process = subprocess.Popen([sys.executable, str(script), str(big), method])
    try:
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 30
        running: set[int] = set()
        while len(running) < 2 and time.monotonic() < deadline:
            running = workers(parent)
            time.sleep(0.05)
        assert len(running) == 2, "the scan never went parallel"
        assert process.poll() is None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert_gone(running, within=15)
    finally:
        if process.poll() is None:
            process.kill()


def assert_gone(pids: set[int], within: float) -> None:
    deadline = time.monotonic() + within
    alive = pids
    while time.monotonic() < deadline:
        alive = {pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"}
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"still running {within} s later: {sorted(alive)}")
