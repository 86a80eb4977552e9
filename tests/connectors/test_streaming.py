"""Payload streams hold one page at a time: memory does not grow with the number of tickets."""

from __future__ import annotations

import gc
import tracemalloc

import httpx

from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.profile import load_profile

FAST = {
    "zendesk": sandbox.ZendeskLimits(requests_per_minute=10**6, incremental_per_minute=10**6),
}


def peak_while_streaming(running: sandbox.RunningSandbox) -> tuple[int, int]:
    profile = load_profile(running.profile_path)
    vendor = next(v for v in profile.vendors if v.type == "zendesk")
    unpaced = connectors.Budget([connectors.Rate(per_second=10**6, burst=10**6)])
    connector = connectors.open_connector(profile, vendor, environ=running.secrets, budget=unpaced)
    tracemalloc.start()
    try:
        count = sum(1 for _ in connector.snapshot().iter_payloads())
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        for session in connector.sessions:
            session.close()


def test_memory_stays_flat_from_1k_to_4k_tickets(fresh: StartSandbox) -> None:
    small_count, small_peak = peak_while_streaming(fresh(scenario="clean", size=1_000, **FAST))
    large_count, large_peak = peak_while_streaming(fresh(scenario="clean", size=4_000, **FAST))
    assert large_count > 3.5 * small_count
    assert large_peak < 1.5 * small_peak  # four times the tickets, not four times the memory


def test_every_answer_is_freed_once_read_not_left_to_the_cycle_collector(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", size=300, **FAST)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds goes to gc.garbage, not away
    try:
        count, _ = peak_while_streaming(running)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, httpx.Response)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert count > 300
    assert left == []  # httpx's Response and its stream refer to each other: the session breaks that once read
