"""GraphQL over the vendor clients: which requests are only queries, cost pacing, and the 200s that are errors.

Shopify's GraphQL Admin API (https://shopify.dev/docs/api/admin-graphql) answers errors with 200 and
`errors[].extensions.code` (ACCESS_DENIED, THROTTLED, MAX_COST_EXCEEDED), and limits by calculated query cost:
every answer carries `extensions.cost.throttleStatus` ({maximumAvailable, currentlyAvailable, restoreRate}),
and a query is refused when its requested cost exceeds what is available
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from vendor_audit.durations import format_seconds

from ._deadline import Deadline
from ._errors import DeadlineExceeded

IDEMPOTENT_EXTENSION = "vendor_audit_idempotent"  # a POST that only reads: RetryTransport may retry it
MAX_THROTTLED_RETRIES = 6
MAX_PACE_SECONDS = 60.0  # one wait for the bucket; Shopify's slowest documented restore refills 1000 points in 10 s


def why_not_read_only(content: bytes) -> str | None:
    """None when a GraphQL request body holds queries only; otherwise why it is not read-only.

    The document is parsed (graphql-core, the reference implementation), never searched for "mutation": a
    query may name a field "mutation", and a mutation may be written `mutation{...}` or hide behind a comment.
    """
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return "its body is not a JSON GraphQL request"
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "its body is not one GraphQL request with a query string"
    try:
        document = parse(payload["query"])
    except GraphQLError:
        return "its GraphQL document does not parse"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        return "its GraphQL document holds no operation"
    for operation in operations:
        if operation.operation is not OperationType.QUERY:
            return f"it holds a GraphQL {operation.operation.value}"
    return None


@dataclass
class CostMeter:
    """What the vendor last said of the account's query-cost bucket, restored by the clock since."""

    clock: Callable[[], float] = time.monotonic
    available: float | None = None  # unknown until the first answer
    maximum: float = 0.0
    restore_rate: float = 0.0
    at: float = 0.0
    costs: dict[str, int] = field(default_factory=dict)  # a query's last requested cost, by its text's digest
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now_available(self) -> float | None:
        if self.available is None:
            return None
        return min(self.maximum, self.available + (self.clock() - self.at) * self.restore_rate)

    def wait_for(self, cost: int) -> float:
        """Seconds until `cost` points are available (0 when they are, or when nothing is known yet).

        At most MAX_PACE_SECONDS: a restore rate a vendor reports absurdly low (or a hostile one) must not park the
        audit for hours; a query sent too early is answered THROTTLED and waited out again, a few times at most.
        """
        with self.lock:
            available = self.now_available()
            if available is None or cost <= available or self.restore_rate < 1:
                return 0.0
            return min(MAX_PACE_SECONDS, (min(cost, self.maximum) - available) / self.restore_rate)

    def observe(self, cost: dict[str, Any], query_key: str) -> None:
        status = cost.get("throttleStatus")
        with self.lock:
            requested = cost.get("requestedQueryCost")
            if isinstance(requested, int | float) and _points(requested):
                self.costs[query_key] = int(requested)
            if isinstance(status, dict):  # some store types omit it (MONEI/Shopify-api-node PR#366)
                values = [status.get(k) for k in ("currentlyAvailable", "maximumAvailable", "restoreRate")]
                if all(_points(v) for v in values):
                    self.available, self.maximum, self.restore_rate = (float(v) for v in values)  # type: ignore[arg-type]
                    self.at = self.clock()


def _points(value: Any) -> bool:
    """A cost figure as Shopify sends them: a finite number of points, not a boolean, at most a bucket's worth."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1e7


def query_key(content: bytes) -> str:
    """A query's identity for its cost: the query text, not its variables (the cursor changes page by page)."""
    try:
        payload = json.loads(content)
        text = payload.get("query", "") if isinstance(payload, dict) else ""
    except (ValueError, UnicodeDecodeError):
        text = ""
    return hashlib.sha256(str(text).encode()).hexdigest()[:16]


def throttled(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict) and e["extensions"].get("code") == "THROTTLED"
        for e in errors
    )


class CostPacedTransport(httpx.BaseTransport):
    """Paces GraphQL requests by query cost and retries THROTTLED answers once the bucket has restored.

    Before a query leaves it waits until the points its last run requested are back (throttleStatus); a
    THROTTLED answer (a 200, or a 429 as one community report has it) waits for the same and tries again,
    a few times at most and never past the vendor's deadline. Other requests pass untouched.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        meter: CostMeter,
        is_graphql: Callable[[str], bool],
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        name: str = "",
    ) -> None:
        self._inner = inner
        self._meter = meter
        self._is_graphql = is_graphql
        self._sleep = sleep
        self._deadline = deadline
        self._name = name
        self.waited = 0.0

    def _pause(self, seconds: float, label: str) -> None:
        if seconds <= 0:
            return
        if self._deadline is not None and seconds > self._deadline.remaining():
            raise DeadlineExceeded(
                f"{label}: the query-cost bucket restores in {format_seconds(seconds)}, past {self._deadline.what}"
            )
        self.waited += seconds
        self._sleep(seconds)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not self._is_graphql(request.url.path):
            return self._inner.handle_request(request)
        content = request.read()
        key = query_key(content)
        label = f"{self._name}: POST {request.url.path}" if self._name else f"POST {request.url.path}"
        for attempt in range(MAX_THROTTLED_RETRIES + 1):
            self._pause(self._meter.wait_for(self._meter.costs.get(key, 0)), label)
            response = self._inner.handle_request(request)
            response.read()
            try:
                body = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                return response
            extensions = body.get("extensions") if isinstance(body, dict) else None
            cost = extensions.get("cost") if isinstance(extensions, dict) else None
            if isinstance(cost, dict):
                self._meter.observe(cost, key)
            if not (throttled(body) and response.status_code in (200, 429)) or attempt == MAX_THROTTLED_RETRIES:
                return response
            requested = self._meter.costs.get(key, 0)
            # Unknown restore state: a second, then more, as the vendor's docs advise backing off.
            self._pause(self._meter.wait_for(requested) or min(8.0, 2.0**attempt), label)
        return response  # not reached: the loop returns on its last attempt

    def close(self) -> None:
        self._inner.close()
