"""Total deadlines over real sockets: a trickle in the headers or the body, a stall, pacing that cannot finish."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator

import httpx
import pytest

from tests.conftest import StartSandbox, trust
from vendor_audit import sandbox
from vendor_audit._threads import in_daemon_threads
from vendor_audit.connectors import (
    Budget,
    Deadline,
    DeadlineExceeded,
    DeadlineTransport,
    Rate,
    RetryTransport,
    build_client,
)

ME = "/api/v2/users/me.json"


def zendesk(
    running: sandbox.RunningSandbox, *, request_seconds: float, deadline: Deadline | None = None
) -> httpx.Client:
    token = running.zendesk.primary_token
    return build_client(
        base_url=running.url("zendesk"),
        auth=_Bearer(token),
        verify=trust(running),
        budget=Budget([Rate(per_second=1000, burst=1000)]),
        request_seconds=request_seconds,
        deadline=deadline,
        name="zendesk",
    )


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def big_body(request: sandbox.Request, response: sandbox.Response) -> sandbox.Response:
    return sandbox.Response(200, b'{"user": {"id": 1, "pad": "' + b"x" * 4000 + b'"}}')


@pytest.mark.parametrize(
    ("after", "rewrite"),
    [(0, None), (200, big_body)],
    ids=["headers trickle", "body trickle"],
)
def test_a_vendor_sending_a_byte_a_second_ends_by_the_request_deadline(
    fresh: StartSandbox, after: int, rewrite: object
) -> None:
    # Given a vendor that answers one byte a second: in its headers, or past them in its body
    running = fresh(scenario="clean")
    running.set_faults(
        "zendesk",
        sandbox.Faults(trickle_bytes_per_second=1, trickle_after_bytes=after, rewrite=rewrite, paths=(ME,)),  # type: ignore[arg-type]
    )
    started = time.monotonic()
    # When the audit asks it, with a 1.5 s request deadline
    with zendesk(running, request_seconds=1.5) as client, pytest.raises(DeadlineExceeded) as raised:
        client.get(ME)
    took = time.monotonic() - started
    # Then the request ends by the deadline (not after 5 retries, not after a read timeout per byte)
    assert 1.4 <= took < 3.0, took
    assert str(raised.value).startswith(f"zendesk: GET {ME}: no complete answer within 1.5 s;")
    assert raised.value.kind == "deadline"
    assert "\n" not in str(raised.value)


def test_a_stall_ends_by_the_request_deadline_and_is_not_retried(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(stall_rate=1.0, stall_seconds=30, paths=(ME,)))
    started = time.monotonic()
    with zendesk(running, request_seconds=1.0) as client, pytest.raises(DeadlineExceeded):
        client.get(ME)
    assert time.monotonic() - started < 2.5
    assert running.listeners["zendesk"].requests_served == 1


def test_the_vendor_deadline_cuts_a_request_and_every_later_one(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(stall_rate=1.0, stall_seconds=30, paths=(ME,)))
    vendor = Deadline.after(1.0, "the vendor deadline")
    with zendesk(running, request_seconds=30, deadline=vendor) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match=r"not finished when the vendor deadline \(1 s\) passed"):
            client.get(ME)
        assert time.monotonic() - started < 2.0
        served = running.listeners["zendesk"].requests_served
        with pytest.raises(DeadlineExceeded, match="vendor deadline"):
            client.get("/api/v2/users.json")
        assert running.listeners["zendesk"].requests_served == served  # refused before it left


def test_any_inner_transport_is_bounded_between_chunks() -> None:
    # An inner transport that is not http_transport() (the load tests wrap their own) still ends on time.
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.1)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Stream(trickle()))

    transport = DeadlineTransport(httpx.MockTransport(handler), request_seconds=0.5)
    started = time.monotonic()
    with httpx.Client(transport=transport) as client, pytest.raises(DeadlineExceeded, match=r"within 0\.5 s"):
        client.get("https://vendor.invalid/x")
    assert time.monotonic() - started < 1.0


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


def test_pacing_raises_instead_of_sleeping_past_the_deadline() -> None:
    slept: list[float] = []
    budget = Budget([Rate(per_second=0.001, burst=1)], sleep=slept.append)
    deadline = Deadline.after(60, "the vendor deadline")
    budget.acquire("/x", deadline)  # a rested bucket lets the first one go
    with pytest.raises(DeadlineExceeded, match=r"would hold this request 16.7 min, past the vendor deadline \(60 s\)"):
        budget.acquire("/x", deadline, label="zendesk: GET /x")
    assert slept == []
    budget.acquire("/x")  # without a deadline it would wait, as before (the refused one took no slot)
    assert slept == [pytest.approx(1000, rel=0.01)]


def test_threads_still_running_at_the_deadline_come_back_as_timeouts() -> None:
    started = time.monotonic()
    outcomes = in_daemon_threads(
        {"quick": lambda: 1, "stuck": lambda: time.sleep(30)}, "test", deadline=time.monotonic() + 0.3
    )
    assert time.monotonic() - started < 1.0
    assert outcomes["quick"] == 1
    assert isinstance(outcomes["stuck"], TimeoutError)
    late = in_daemon_threads({"never": lambda: 1}, "test", deadline=time.monotonic() - 1)
    assert isinstance(late["never"], TimeoutError)


def test_a_retry_after_beyond_the_vendor_deadline_is_not_slept() -> None:
    slept: list[float] = []
    replies = iter([httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(200, json={})])
    deadline = Deadline.after(5, "the vendor deadline")
    transport = RetryTransport(httpx.MockTransport(lambda r: next(replies)), sleep=slept.append, deadline=deadline)
    with httpx.Client(transport=transport) as client, pytest.raises(DeadlineExceeded, match="after the vendor dead"):
        client.get("https://vendor.invalid/api/v2/users.json")
    assert slept == []
