"""A small HTTP/1.1 server on asyncio streams and h11, one listener per endpoint.

Why not an ASGI server: the stand-ins must misbehave below HTTP on demand (drop a connection with
no answer, stall, speak TLS 1.0 on one port and only TLS 1.3 on another), which ASGI hides. h11 is
already in the tree through httpx (httpcore), so this costs no dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import math
import random
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11

_MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes
    scheme_host: str  # "https://127.0.0.1:8443", for absolute links the API returns

    def arg(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None."""
        for key, value in self.query:
            if key == name:
                return value
        return None

    def args(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode(), list(headers or []))


def text_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode(), list(headers or []), content_type="text/plain; charset=utf-8")


Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class Latency:
    """Added latency drawn from a log-normal distribution given by its median and 99th percentile."""

    median_ms: float
    p99_ms: float

    def draw(self, rng: random.Random) -> float:
        """One delay in seconds."""
        if self.p99_ms <= self.median_ms:
            return self.median_ms / 1000
        sigma = math.log(self.p99_ms / self.median_ms) / 2.3263478740408408  # z of the 99th percentile
        return rng.lognormvariate(math.log(self.median_ms), sigma) / 1000


@dataclass(frozen=True, slots=True)
class Faults:
    """Misbehaviour injected before the vendor logic sees a request.

    Attributes:
        latency: extra delay on every request, drawn per request.
        error_rate: share of requests answered with a 503 in the vendor's error shape.
        html_rate: share answered with a 502 HTML page, as a proxy in front of the API would.
        drop_rate: share whose connection is closed with no answer at all.
        stall_rate: share held for `stall_seconds` before being answered normally.
        stall_seconds: how long a stalled request is held.
        pause_every: period of endpoint-wide freezes (a garbage-collection pause, a failover), 0 for none.
        pause_seconds: length of each freeze.
        rewrite: called with each request and the stand-in's answer, returns the answer to send
            instead: a vendor answering in a shape its docs do not promise (a bare array, records
            without ids, HTML with a 200), or one a proxy in front of it produced.
        trickle_bytes_per_second: when above 0, the answer (status line, headers and body) leaves at
            this rate, a byte at a time when slow: every read gets a byte before its timeout, so only a
            total deadline ends the exchange.
        trickle_after_bytes: bytes of the answer sent at once before the trickle starts (past the
            headers, to trickle only the body).
        paths: glob patterns of paths the faults apply to; empty means every path.
    """

    latency: Latency | None = None
    error_rate: float = 0.0
    html_rate: float = 0.0
    drop_rate: float = 0.0
    stall_rate: float = 0.0
    stall_seconds: float = 5.0
    pause_every: float = 0.0  # every so many seconds the whole endpoint freezes...
    pause_seconds: float = 0.0  # ...for this long: every request arriving meanwhile waits for the end
    rewrite: Callable[[Request, Response], Response] | None = None
    trickle_bytes_per_second: float = 0.0
    trickle_after_bytes: int = 0
    paths: tuple[str, ...] = ()

    def applies_to(self, path: str) -> bool:
        return not self.paths or any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)


NO_FAULTS = Faults()

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class Listener:
    """One HTTPS endpoint: a TLS context, a handler and the faults currently injected."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        context: ssl.SSLContext,
        *,
        error_response: Callable[[int, str], Response],
        seed: int = 0,
        hsts: bool = True,
    ) -> None:
        self.name = name
        self.handler = handler
        self.context = context
        self.faults = NO_FAULTS
        self._extra_headers = [("strict-transport-security", "max-age=31536000; includeSubDomains")] if hsts else []
        self._error_response = error_response
        self._rng = random.Random(seed)  # noqa: S311 - reproducible fault injection, not secrets
        self._server: asyncio.Server | None = None
        self.port = 0
        self.requests_served = 0
        self._connections: set[asyncio.Task[None]] = set()
        self._started = 0.0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(
            self._serve_connection, host, port, ssl=self.context, ssl_handshake_timeout=10, limit=_MAX_BODY
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._started = asyncio.get_running_loop().time()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Python 3.11's Server.close() leaves open keep-alive connections be: end them here.
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=2)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - always inside a task here
        self._connections.add(task)
        try:
            await self._converse(reader, writer)
        except asyncio.CancelledError:
            writer.transport.abort()
        finally:
            self._connections.discard(task)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        sockname = writer.get_extra_info("sockname")
        fallback_host = f"{sockname[0]}:{sockname[1]}" if sockname else "127.0.0.1"
        try:
            while True:
                request = await self._read_request(conn, reader, fallback_host)
                if request is None:
                    break
                response = await self._respond(request)
                if response is None:  # fault: drop the connection with no answer
                    writer.transport.abort()
                    return
                response.headers += self._extra_headers
                data = self._encode(conn, response)
                faults = self.faults
                if faults.trickle_bytes_per_second > 0 and faults.applies_to(request.path):
                    await _trickle(writer, data, faults.trickle_bytes_per_second, faults.trickle_after_bytes)
                else:
                    writer.write(data)
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    break
                conn.start_next_cycle()
        except (ConnectionError, ssl.SSLError, h11.ProtocolError, asyncio.IncompleteReadError, TimeoutError):
            writer.transport.abort()
            return
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), timeout=2)

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader, fallback_host: str
    ) -> Request | None:
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)  # b"" tells h11 the peer closed
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > _MAX_BODY:
                    raise h11.LocalProtocolError("body too large")
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                return _to_request(head, bytes(body), fallback_host)
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None

    async def _respond(self, request: Request) -> Response | None:
        self.requests_served += 1
        faults = self.faults
        if faults is not NO_FAULTS and faults.applies_to(request.path):
            roll = self._rng.random()
            if roll < faults.drop_rate:
                return None
            roll -= faults.drop_rate
            if roll < faults.html_rate:
                return Response(502, _HTML_502, content_type="text/html")
            roll -= faults.html_rate
            if roll < faults.error_rate:
                return self._error_response(503, "Service temporarily unavailable")
            delay = faults.latency.draw(self._rng) if faults.latency else 0.0
            if self._rng.random() < faults.stall_rate:
                delay += faults.stall_seconds
            if faults.pause_every > 0:
                phase = (asyncio.get_running_loop().time() - self._started) % faults.pause_every
                if phase < faults.pause_seconds:
                    delay += faults.pause_seconds - phase
            if delay:
                await asyncio.sleep(delay)
        try:
            response = self.handler(request)
            if faults.rewrite is not None and faults.applies_to(request.path):
                response = faults.rewrite(request, response)
            return response
        except Exception:  # a bug in a stand-in answers 500 like a real server; it must not kill the listener
            return self._error_response(500, "Internal Server Error")

    @staticmethod
    def _encode(conn: h11.Connection, response: Response) -> bytes:
        headers = [
            ("content-type", response.content_type),
            ("content-length", str(len(response.body))),
            *response.headers,
        ]
        return (
            conn.send(h11.Response(status_code=response.status, headers=headers))
            + (conn.send(h11.Data(data=response.body)) or b"")
            + (conn.send(h11.EndOfMessage()) or b"")
        )


async def _trickle(writer: asyncio.StreamWriter, data: bytes, rate: float, after: int) -> None:
    """Send `after` bytes at once, then the rest at `rate` bytes a second (one byte a write when slower than 20/s)."""
    writer.write(data[:after])
    await writer.drain()
    step = max(1, int(rate / 20))
    for start in range(after, len(data), step):
        await asyncio.sleep(step / rate)
        writer.write(data[start : start + step])
        await writer.drain()


def _to_request(head: h11.Request, body: bytes, fallback_host: str) -> Request:
    target = head.target.decode("latin-1")
    parts = urlsplit(target)
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in head.headers}
    return Request(
        method=head.method.decode("ascii"),
        target=target,
        path=parts.path,
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=body,
        scheme_host=f"https://{headers.get('host', fallback_host)}",
    )
