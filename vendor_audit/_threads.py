"""Concurrency that never outlives an interrupt: daemon threads and a wait that Ctrl-C and SIGTERM reach."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["in_daemon_threads"]

T = TypeVar("T")
K = TypeVar("K")


def in_daemon_threads(
    tasks: Mapping[K, Callable[[], T]], name: str, *, deadline: float | None = None
) -> dict[K, T | BaseException]:
    """Run each task in its own daemon thread; every result or exception, keyed as the tasks are.

    Daemon threads and a polling wait, not a ThreadPoolExecutor: a Ctrl-C or SIGTERM reaches the main thread
    within a fraction of a second, and a vendor that stalls cannot hold the process open at exit (an
    executor's workers are joined at interpreter exit).

    `deadline` (time.monotonic()): a task still running then is left to its daemon thread and its outcome is
    a TimeoutError; when it has already passed, no task starts.
    """
    results: dict[K, T | BaseException] = {}
    lock = threading.Lock()

    def work(key: K, task: Callable[[], T]) -> None:
        try:
            value: T | BaseException = task()
        except BaseException as exc:  # handed to the caller, which decides what it means
            value = exc
        with lock:
            results[key] = value

    threads = [
        threading.Thread(target=work, args=(key, task), name=f"{name}-{index}", daemon=True)
        for index, (key, task) in enumerate(tasks.items())
    ]
    if deadline is not None and time.monotonic() >= deadline:
        return {key: TimeoutError("the deadline passed before it started") for key in tasks}
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            if deadline is not None and time.monotonic() >= deadline:
                break
            thread.join(0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic())))
    with lock:
        return {key: results.get(key, TimeoutError("still running when the deadline passed")) for key in tasks}
