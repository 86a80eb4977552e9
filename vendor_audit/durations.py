"""Deadlines in monotonic time, and durations as people say them, for messages about deadlines and pacing."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Deadline", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """30 s, 15 min, 2.5 h, 3 days: three significant digits at most, the unit that reads best."""
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


class Deadline:
    """A point in monotonic time and the words that name it in messages ("the vendor deadline (15 min)")."""

    def __init__(self, at: float, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.at = at
        self.what = what
        self.clock = clock

    @classmethod
    def after(
        cls, seconds: float, what: str, *, within: Deadline | None = None, clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        """The deadline `seconds` from now, or `within` when that one comes first."""
        mine = cls(clock() + seconds, f"{what} ({format_seconds(seconds)})", clock)
        return within if within is not None and within.at <= mine.at else mine

    def remaining(self) -> float:
        return self.at - self.clock()

    def passed(self) -> bool:
        return self.remaining() <= 0
