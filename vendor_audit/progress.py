"""Progress events: what long work reports, for a consumer to show (vendor_audit.console renders them).

    with progress.phase(reporter, "zendesk collection"):    # start ... end, even when the work raises
        progress.tally(pages=1, records=100)                 # from the connectors' page loop, in that thread
    reporter.start("TLS probes", total=4, unit="endpoints")  # a total gives the consumer an estimate
    reporter.advance("TLS probes", endpoints=1)

The engine and the connectors report; they never render. A phase is named by its label (a vendor's name and
what is being done), counts are named numbers (pages, records, files, endpoints, seconds); a phase with a total
counts its `unit` towards it. `NO_PROGRESS` is the default: the pytest plugin and library callers see nothing.

The connectors' collection loop runs in the vendor's own thread, deep under each connector's methods: rather than
a reporter passed down every call, `phase` makes the phase current for the thread that runs it (a context
variable) and `tally` adds to whichever phase is current there, or to none.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol

__all__ = ["NO_PROGRESS", "Progress", "phase", "tally", "timed"]


class Progress(Protocol):
    """Where long work reports; every method returns at once and never raises into the work."""

    def start(self, phase: str, *, total: float | None = None, unit: str = "") -> None:
        """A phase begins; `total`, when known, is how many of `unit` it will count."""

    def advance(self, phase: str, **counts: float) -> None:
        """Add to the phase's counts (e.g. pages=1, records=100)."""

    def end(self, phase: str, *, ok: bool = True) -> None:
        """The phase is over: finished (`ok`) or stopped by an error, a deadline or an interrupt."""


class _Silent:
    def start(self, phase: str, *, total: float | None = None, unit: str = "") -> None:
        return None

    def advance(self, phase: str, **counts: float) -> None:
        return None

    def end(self, phase: str, *, ok: bool = True) -> None:
        return None


NO_PROGRESS: Progress = _Silent()

_CURRENT: ContextVar[tuple[Progress, str] | None] = ContextVar("vendor_audit_progress_phase", default=None)


@contextlib.contextmanager
def phase(progress: Progress, name: str, *, total: float | None = None, unit: str = "") -> Iterator[None]:
    """Report `name` from start to end around the block; `tally` in this thread adds to it meanwhile."""
    progress.start(name, total=total, unit=unit)
    token = _CURRENT.set((progress, name))
    ok = False
    try:
        yield
        ok = True
    finally:
        _CURRENT.reset(token)
        progress.end(name, ok=ok)


def tally(**counts: float) -> None:
    """Add counts to the phase current in this thread; nothing when there is none (a test, the plugin, a library)."""
    current = _CURRENT.get()
    if current is not None:
        current[0].advance(current[1], **counts)


@contextlib.contextmanager
def timed(progress: Progress, name: str, seconds: float, *, every: float = 1.0) -> Iterator[None]:
    """A phase that counts its seconds towards `seconds` planned, from its own thread: the work only waits.

    For work that gives no sign of its own until it ends (the load test's locust processes).
    """
    stop = threading.Event()

    def beat() -> None:
        counted = 0.0
        started = time.monotonic()
        while not stop.wait(every):
            elapsed = time.monotonic() - started
            progress.advance(name, s=elapsed - counted)
            counted = elapsed

    ticker = threading.Thread(target=beat, name=f"progress {name}", daemon=True)
    with phase(progress, name, total=seconds, unit="s"):
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join(every + 1.0)
