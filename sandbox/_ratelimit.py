"""The two rate-limit algorithms the vendors use, with an injectable clock."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    used: int  # requests counted against the limit after this one
    limit: int
    retry_after: float  # seconds until a request would be allowed; 0 when allowed
    reset_after: float = 0.0  # seconds until the window starts afresh (fixed windows)


class LeakyBucket:
    """Shopify's and Gorgias's model: each request adds one; the bucket drains at a steady rate.

    https://shopify.dev/docs/api/admin-rest/usage/rate-limits
    https://developers.gorgias.com/reference/limitations
    """

    def __init__(self, capacity: int, leak_per_second: float, clock: Clock = time.monotonic) -> None:
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self._clock = clock
        self._level = 0.0
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> Decision:
        with self._lock:
            now = self._clock()
            self._level = max(0.0, self._level - (now - self._at) * self.leak_per_second)
            self._at = now
            if self._level + 1 <= self.capacity:
                self._level += 1
                return Decision(True, math.ceil(self._level), self.capacity, 0.0)
            wait = (self._level + 1 - self.capacity) / self.leak_per_second
            return Decision(False, self.capacity, self.capacity, wait)


class FixedWindow:
    """Zendesk's model: a number of requests per minute for the account.

    https://developer.zendesk.com/api-reference/introduction/rate-limits/
    """

    def __init__(self, limit: int, window_seconds: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._window_start = clock()
        self._count = 0
        self._lock = threading.Lock()

    def take(self) -> Decision:
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self.window_seconds:
                elapsed_windows = (now - self._window_start) // self.window_seconds
                self._window_start += elapsed_windows * self.window_seconds
                self._count = 0
            reset = self._window_start + self.window_seconds - now
            if self._count < self.limit:
                self._count += 1
                return Decision(True, self._count, self.limit, 0.0, reset)
            return Decision(False, self._count, self.limit, reset, reset)


@dataclass(frozen=True, slots=True)
class CostDecision:
    allowed: bool
    currently_available: float  # points left after this query was charged (or before it, when refused)
    maximum_available: float
    restore_rate: float


class CostBucket:
    """Shopify GraphQL's model: a query is charged its requested cost up front, refunded to its actual cost after.

    The bucket restores `restore_rate` points a second up to `maximum_available`.
    https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
    """

    def __init__(self, maximum_available: float, restore_rate: float, clock: Clock = time.monotonic) -> None:
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = maximum_available
        self._at = clock()
        self._lock = threading.Lock()

    def _restore(self) -> None:
        now = self._clock()
        self._available = min(self.maximum_available, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, requested: float) -> CostDecision:
        with self._lock:
            self._restore()
            allowed = requested <= self._available
            if allowed:
                self._available -= requested
            return CostDecision(allowed, self._available, self.maximum_available, self.restore_rate)

    def refund(self, points: float) -> CostDecision:
        with self._lock:
            self._restore()
            self._available = min(self.maximum_available, self._available + max(0.0, points))
            return CostDecision(True, self._available, self.maximum_available, self.restore_rate)
