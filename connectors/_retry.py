"""Retries that respect the vendor: Retry-After first, bounded jittered backoff otherwise.

Only idempotent requests are retried (RFC 9110 section 9.2.2), so a retried write can never post
twice; a connection refused before anything was sent is the one exception, for every method.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import time
from collections.abc import Callable

import httpx

from vendor_audit.durations import format_seconds

from ._deadline import Deadline
from ._errors import DeadlineExceeded
from ._pacing import Budget

# Only reads are tried again after an answer that may have followed a change. PUT is idempotent in HTTP, not at the
# vendors: Zendesk's ticket update appends the comment it carries each time it is sent
# (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket), so a PUT retried after a
# 503 or a read timeout would add a second internal note that nothing lists or undoes. A write is tried again only
# when it never reached the vendor (a connect error).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: Callable[[], dt.datetime] | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delay-seconds (also "2.0", as Shopify sends) or an HTTP-date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        current = now() if now else dt.datetime.now(dt.UTC)
        return max(0.0, (when - current).total_seconds())
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


class RetryTransport(httpx.BaseTransport):
    """Wraps a transport; paces every attempt through the budget and retries what is safe to retry."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        max_retry_after: float = 120.0,
        rng: random.Random | None = None,
        deadline: Deadline | None = None,
        name: str = "",
    ) -> None:
        self._inner = inner
        self._deadline = deadline  # the vendor's: pacing, backoff and Retry-After never sleep past it
        self._name = name
        self._budget = budget
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.retries = 0

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)] (AWS architecture blog, 2015)."""
        return self._rng.uniform(0, min(self._backoff_cap, self._backoff_base * 2**attempt))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A GraphQL query is a POST that only reads: its caller marks it so (connectors._graphql).
        idempotent = request.method in IDEMPOTENT or bool(request.extensions.get("vendor_audit_idempotent"))
        attempt = 0
        label = f"{self._name}: " if self._name else ""
        label += f"{request.method} {request.url.path}"
        while True:
            if self._budget is not None:
                self._budget.acquire(request.url.path, self._deadline, label=label)
            try:
                response = self._inner.handle_request(request)
            except httpx.ConnectError:
                # Nothing reached the vendor: safe to try again whatever the method.
                if attempt + 1 >= min(3, self._max_attempts):
                    raise
                self._pause(self._backoff(attempt), label)
                attempt += 1
                continue
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.TimeoutException):
                if not idempotent or attempt + 1 >= self._max_attempts:
                    raise
                self._pause(self._backoff(attempt), label)
                attempt += 1
                continue
            wait = None
            if response.status_code in RETRYABLE_STATUS:
                wait = parse_retry_after(response.headers.get("retry-after"))
            if self._budget is not None:
                self._budget.observe(request.url.path, response.headers)
                if wait is not None and wait <= self._max_retry_after:
                    # The vendor's Retry-After binds every request of the account, whether or not this one is
                    # retried (a write, or the last attempt, is handed back, but the others must still wait).
                    self._budget.hold(request.url.path, wait)
            if response.status_code not in RETRYABLE_STATUS or not idempotent or attempt + 1 >= self._max_attempts:
                return response
            if wait is not None and wait > self._max_retry_after:
                return response  # the caller turns this into RateLimitedError: we will not sleep that long
            if wait is None:
                wait = self._backoff(attempt)
            else:
                # Never before Retry-After; a little after, so many clients do not return at once.
                wait += self._rng.uniform(0, min(1.0, 0.1 * wait + 0.05))
            response.read()
            response.close()
            self._pause(wait, label)
            attempt += 1

    def _pause(self, seconds: float, label: str) -> None:
        if self._deadline is not None and seconds > self._deadline.remaining():
            raise DeadlineExceeded(
                f"{label}: a retry in {format_seconds(seconds)} would come after {self._deadline.what}; the vendor "
                "kept failing, so the collection stops here"
            )
        self.retries += 1
        if seconds > 0:
            self._sleep(seconds)

    def close(self) -> None:
        self._inner.close()


class ReadOnlyTransport(httpx.BaseTransport):
    """Production mode: anything but GET, and a POST of GraphQL queries, is refused before it leaves the process.

    GET only, not RFC 9110's whole "safe" set: no connector needs HEAD or OPTIONS. A POST to the vendor's
    GraphQL endpoint (`is_graphql`) passes when its document, parsed, holds queries only: a mutation, a
    subscription, a body that does not parse and a POST anywhere else are refused.
    """

    SAFE = frozenset({"GET"})

    def __init__(self, inner: httpx.BaseTransport, is_graphql: Callable[[str], bool] | None = None) -> None:
        self._inner = inner
        self._is_graphql = is_graphql

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and self._is_graphql is not None and self._is_graphql(request.url.path):
            from ._errors import ReadOnlyViolation

            # Some GraphQL servers execute ?query= on a GET, mutations included: the audit posts its queries.
            raise ReadOnlyViolation(
                f"production mode refused GET {request.url.copy_with(query=None)} before sending it: GraphQL goes "
                "by POST, where the guard parses the document"
            )
        if request.method not in self.SAFE:
            from ._errors import ReadOnlyViolation
            from ._graphql import why_not_read_only

            where = f"{request.method} {request.url.copy_with(query=None)}"
            if request.method == "POST" and self._is_graphql is not None and self._is_graphql(request.url.path):
                why = why_not_read_only(request.read())
                if why is None:
                    return self._inner.handle_request(request)
                raise ReadOnlyViolation(
                    f"production mode refused {where} before sending it: {why}; audits never change vendor data "
                    'outside mode = "sandbox"'
                )
            raise ReadOnlyViolation(
                f"production mode refused {where} before sending it: "
                'audits never change vendor data outside mode = "sandbox"'
            )
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
