"""Concurrency that never outlives an interrupt: daemon threads and a wait that Ctrl-C and SIGTERM reach."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["in_daemon_threads"]

T = TypeVar("T")
K = TypeVar("K")


def in_daemon_threads(tasks: Mapping[K, Callable[[], T]], name: str) -> dict[K, T | BaseException]:
    """Run each task in its own daemon thread; every result or exception, keyed as the tasks are.

    Daemon threads and a polling wait, not a ThreadPoolExecutor: a Ctrl-C or SIGTERM reaches the main thread
    within a fraction of a second, and a vendor that stalls cannot hold the process open at exit (an
    executor's workers are joined at interpreter exit).
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
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.1)
    return {key: results[key] for key in tasks}
