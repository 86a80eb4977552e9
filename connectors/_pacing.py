"""Client-side pacing: one budget per vendor account, shared by every thread that uses it.

A generic cell-rate algorithm (GCRA, the leaky bucket as a meter): each request is due one emission
interval after the previous one, with a burst allowance. The vendor's usage headers pull our view
of the bucket up to theirs, so several processes on one account stay within it too.
"""

from __future__ import annotations

import fnmatch
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vendor_audit.durations import format_seconds

from ._deadline import Deadline
from ._errors import DeadlineExceeded
from ._graphql import CostMeter


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int  # requests that may go back to back from a rested bucket
    paths: str = "*"  # the budget applies to these request paths


class _Meter:
    def __init__(self, rate: Rate, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.interval = 1.0 / rate.per_second
        self.tolerance = (rate.burst - 1) * self.interval
        self._clock = clock
        self.tat = clock()  # theoretical arrival time of the next request
        self.held_until = -float("inf")  # a Retry-After the vendor gave: nothing leaves before it

    def reserve(self, limit: float = math.inf) -> float:
        """Seconds until the next request may leave, the slot taken; none taken when that is beyond `limit`."""
        now = self._clock()
        tat = max(self.tat, now)
        wait = max(0.0, tat - now - self.tolerance)
        if wait <= limit:
            self.tat = tat + self.interval
        return wait

    def level(self, used: int) -> None:
        """The vendor says `used` slots of its bucket are taken: no earlier than that."""
        self.tat = max(self.tat, self._clock() + used * self.interval - self.tolerance)

    def hold(self, seconds: float) -> None:
        now = self._clock()
        self.tat = max(self.tat, now + seconds + self.tolerance)
        self.held_until = max(self.held_until, now + seconds)


class Budget:
    """Rates for one vendor account; the first rate whose path glob matches a request applies."""

    def __init__(
        self,
        rates: list[Rate],
        *,
        usage_header: str | None = None,
        remaining_header: str | None = None,
        reset_header: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._meters = [_Meter(rate, clock) for rate in rates]
        self._clock = clock
        self._usage_header = usage_header
        self._remaining_header = remaining_header
        self._reset_header = reset_header
        self._lock = threading.Lock()
        self._sleep = sleep
        self.waited = 0.0
        self.cost = CostMeter(clock=clock)  # the account's GraphQL query-cost bucket, as the vendor last said

    def share(self, parts: int) -> Budget:
        """A budget for one of `parts` processes that share this account: each gets its slice of every rate."""
        rates = [Rate(m.rate.per_second / parts, max(1, m.rate.burst // parts), m.rate.paths) for m in self._meters]
        return Budget(
            rates,
            usage_header=self._usage_header,
            remaining_header=self._remaining_header,
            reset_header=self._reset_header,
            sleep=self._sleep,
        )

    def _meter(self, path: str) -> _Meter:
        for meter in self._meters:
            if fnmatch.fnmatchcase(path, meter.rate.paths):
                return meter
        return self._meters[-1]

    def acquire(self, path: str, deadline: Deadline | None = None, *, label: str = "") -> None:
        """Wait until a request to `path` (`label` in messages: "zendesk: GET /api/v2/users.json") may leave.

        Raises:
            DeadlineExceeded: the wait would end after `deadline`; nothing is slept, so a pace that cannot
                finish says so at once instead of sleeping into the deadline.
        """
        meter = self._meter(path)
        limit = deadline.remaining() if deadline is not None else math.inf
        with self._lock:
            wait = meter.reserve(limit)
        while wait > 0:
            if deadline is not None and wait > deadline.remaining():
                raise DeadlineExceeded(
                    f"{label or path}: the pace ({meter.rate.per_second:g} requests/s) would hold this request "
                    f"{format_seconds(wait)}, past {deadline.what}; raise requests_per_second or the deadline"
                )
            self.waited += wait
            self._sleep(wait)
            # A Retry-After that arrived while this caller slept binds it too.
            with self._lock:
                wait = meter.held_until - self._clock()

    def observe(self, path: str, headers: Mapping[str, str]) -> None:
        """Align with the vendor's usage headers.

        Leaky buckets say `used/limit` (Shopify, Gorgias); per-minute windows say what remains and
        when the window resets (Zendesk), and nothing more goes out once nothing remains.
        """
        if self._usage_header is not None:
            used, _, _limit = (headers.get(self._usage_header) or "").partition("/")
            if used.strip().isdigit():
                with self._lock:
                    self._meter(path).level(int(used))
        if self._remaining_header is not None and headers.get(self._remaining_header, "").strip() == "0":
            reset = headers.get(self._reset_header or "", "").strip()
            try:
                seconds = float(reset)
            except ValueError:
                seconds = 60.0  # a per-minute window, reset time unknown: wait one out
            with self._lock:
                self._meter(path).hold(max(0.0, seconds))

    def hold(self, path: str, seconds: float) -> None:
        """The vendor said Retry-After: nothing more on this meter before then."""
        with self._lock:
            self._meter(path).hold(seconds)


_BUDGETS: dict[tuple[str, ...], Budget] = {}
_BUDGETS_LOCK = threading.Lock()


def shared_budget(key: tuple[str, ...], make: Callable[[], Budget]) -> Budget:
    """The one budget for this vendor account (key: vendor type, base URL, credential), made once."""
    with _BUDGETS_LOCK:
        if key not in _BUDGETS:
            _BUDGETS[key] = make()
        return _BUDGETS[key]
