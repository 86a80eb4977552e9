"""Total deadlines: a request's connect, headers and body together; a vendor's whole collection; the run.

httpx's timeouts bound each socket operation, not the exchange: a vendor that sends one byte a second resets
the read timeout with every byte and never ends (https://www.python-httpx.org/advanced/timeouts/). Two layers
close that:

- `DeadlineTransport` (any inner transport) gives each exchange a deadline, the earlier of `now +
  request_seconds` and the vendor's `Deadline`, shortens every httpx timeout to what remains, checks the
  deadline between body chunks and turns a timeout at the deadline into one `DeadlineExceeded` line.
- `http_transport()` (the transport connectors use) hands httpcore a network backend whose every read, write,
  connect and TLS handshake gets a socket timeout no longer than what remains of that deadline, so a trickle
  inside the response headers, which httpcore reads without returning to us, ends on time too. CPython's
  socket and ssl timeouts bound each call's total duration, not the gap between bytes ("Changed in version
  3.5" in https://docs.python.org/3/library/ssl.html#ssl.SSLSocket.do_handshake and socket.sendall), so
  each call ends by the deadline.
"""

from __future__ import annotations

import contextlib
import math
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator

import httpcore
import httpx

from vendor_audit.durations import Deadline, format_seconds

from ._errors import DeadlineExceeded

__all__ = ["Deadline", "DeadlineExceeded", "DeadlineTransport", "format_seconds", "http_transport"]

_MIN_TIMEOUT = 0.001  # a socket timeout of 0 means non-blocking, not "now": never hand one down


# The deadline of the exchange this thread is in, read by the network backend (httpcore's sync connection
# pool reads and writes in the caller's thread; under gevent, threading.local is per greenlet).
_CURRENT = threading.local()


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    until: float | None = getattr(_CURRENT, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise error("the request's deadline passed")
    left = max(left, _MIN_TIMEOUT)
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's sync backend, every operation's timeout cut to what remains of the exchange's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def http_transport(verify: ssl.SSLContext) -> httpx.HTTPTransport:
    """The HTTP transport for connectors: httpx's, over the deadline-aware network backend.

    httpx does not take a network backend (httpx/_transports/default.py builds its httpcore.ConnectionPool
    itself), so the pool is rebuilt with the same settings (httpx's defaults, no retries) and the backend
    httpcore documents for this (https://www.encode.io/httpcore/network-backends/).
    """
    transport = httpx.HTTPTransport(verify=verify, retries=0)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)  # httpx's
    transport._pool = httpcore.ConnectionPool(  # see the docstring
        ssl_context=verify,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        retries=0,
        network_backend=_Backend(),
    )
    return transport


_LATE = 0.05  # a timeout this close to the deadline is the deadline's (clocks and socket timers differ a little)
_TIMEOUT_LIKE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@contextlib.contextmanager
def _bound(until: float) -> Iterator[None]:
    saved: float | None = getattr(_CURRENT, "until", None)
    _CURRENT.until = until if saved is None else min(saved, until)
    try:
        yield
    finally:
        _CURRENT.until = saved


class _BoundedStream(httpx.SyncByteStream):
    """The body, read chunk by chunk under the exchange's deadline."""

    def __init__(self, inner: httpx.SyncByteStream, guard: DeadlineTransport, request: httpx.Request, until: float):
        self._inner = inner
        self._guard = guard
        self._request = request
        self._until = until

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            if time.monotonic() >= self._until:
                raise self._guard.exceeded(self._request, self._until)
            try:
                with _bound(self._until):
                    chunk = next(chunks)
            except StopIteration:
                return
            except _TIMEOUT_LIKE:
                if time.monotonic() >= self._until - _LATE:
                    raise self._guard.exceeded(self._request, self._until) from None
                raise
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(httpx.BaseTransport):
    """Each exchange ends by `request_seconds` after it starts, or by the vendor's deadline if that is earlier.

    It bounds one attempt: RetryTransport wraps it, and bounds pacing, backoff and Retry-After waits by the
    vendor's deadline.
    """

    def __init__(
        self, inner: httpx.BaseTransport, *, request_seconds: float, deadline: Deadline | None = None, name: str = ""
    ) -> None:
        self._inner = inner
        self.request_seconds = request_seconds
        self._deadline = deadline
        self._name = name

    def exceeded(self, request: httpx.Request, until: float) -> DeadlineExceeded:
        where = f"{self._name}: " if self._name else ""
        where += f"{request.method} {request.url.path}"
        if self._deadline is not None and until >= self._deadline.at:
            return DeadlineExceeded(
                f"{where}: not finished when {self._deadline.what} passed; what was collected before it is kept "
                "(raise [deadlines] in the profile, or --deadline, if the vendor is only slow)"
            )
        return DeadlineExceeded(
            f"{where}: no complete answer within {format_seconds(self.request_seconds)}; the vendor answers too "
            "slowly or not at all (raise [deadlines] request_seconds in the profile if it is only slow)"
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        now = time.monotonic()
        until = now + self.request_seconds
        if self._deadline is not None:
            until = min(until, self._deadline.at)
        left = until - now
        if left <= 0:
            raise self.exceeded(request, until)
        # httpx's own timeouts no longer than what remains, for an inner transport that is not http_transport().
        timeouts = dict(request.extensions.get("timeout") or {})
        for key in ("connect", "read", "write", "pool"):
            value = timeouts.get(key)
            timeouts[key] = left if value is None or not math.isfinite(value) else min(value, left)
        request.extensions["timeout"] = timeouts
        try:
            with _bound(until):
                response = self._inner.handle_request(request)
        except _TIMEOUT_LIKE:
            if time.monotonic() >= until - _LATE:
                raise self.exceeded(request, until) from None
            raise
        stream = response.stream
        if isinstance(stream, httpx.SyncByteStream):
            response.stream = _BoundedStream(stream, self, request, until)
        return response

    def close(self) -> None:
        self._inner.close()
