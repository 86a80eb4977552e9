"""Retry-After is honoured, backoff is bounded and jittered, pacing keeps 429s rare, budgets are shared."""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import StartSandbox, shopify_client, trust
from vendor_audit import connectors, sandbox, vendors
from vendor_audit.connectors import Budget, Rate, RetryTransport, parse_retry_after


class RecordingSleep:
    """Sleeps for real (the sandbox's clock is real) and remembers how long."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


def test_shopify_429_retry_after_is_honoured_at_the_real_limit(fresh: StartSandbox) -> None:
    # Given the real bucket (40, leaking 2/s) and a client with no pacing of its own
    running = fresh(scenario="clean")
    sleep = RecordingSleep()
    transport = RetryTransport(httpx.HTTPTransport(verify=trust(running)), sleep=sleep)
    sent_at: list[float] = []
    headers = {"X-Shopify-Access-Token": running.shopify.primary_token}
    with httpx.Client(
        base_url=running.url("shopify"),
        transport=transport,
        headers=headers,
        event_hooks={"request": [lambda r: sent_at.append(time.monotonic())]},
    ) as client:
        # When it bursts past the bucket
        statuses = [client.get("/admin/api/2026-10/shop.json").status_code for _ in range(44)]
    # Then every request ends in a 200, each 429 was waited out for at least Retry-After (2.0 s)
    assert statuses == [200] * 44
    assert sleep.calls
    assert all(s >= 2.0 for s in sleep.calls)
    assert transport.retries == len(sleep.calls) <= 4


def test_pacing_at_the_real_shopify_rate_avoids_429(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    budget = vendors.lookup("shopify").make_budget()
    transport = RetryTransport(httpx.HTTPTransport(verify=trust(running)), budget=budget)
    headers = {"X-Shopify-Access-Token": running.shopify.primary_token}
    started = time.monotonic()
    with httpx.Client(base_url=running.url("shopify"), transport=transport, headers=headers) as client:
        statuses = [client.get("/admin/api/2026-10/shop.json").status_code for _ in range(40)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 40
    assert transport.retries == 0  # no 429 was ever answered
    assert 1.5 <= elapsed <= 4.5  # 36 at once, then 2 per second


def test_one_budget_shared_by_threads_keeps_the_account_in_bounds(fresh: StartSandbox) -> None:
    # A faster bucket (10, leaking 20/s) so the test is quick; the mechanism is the one the real rate uses.
    running = fresh(scenario="clean", shopify=sandbox.ShopifyLimits(bucket_size=10, leak_per_second=20))
    budget = Budget([Rate(per_second=20, burst=8)], usage_header="x-shopify-shop-api-call-limit")
    transports: list[RetryTransport] = []
    statuses: list[int] = []

    def worker() -> None:
        transport = RetryTransport(httpx.HTTPTransport(verify=trust(running)), budget=budget)
        transports.append(transport)
        with httpx.Client(
            base_url=running.url("shopify"),
            transport=transport,
            headers={"X-Shopify-Access-Token": running.shopify.primary_token},
        ) as client:
            statuses.extend(client.get("/admin/api/2026-10/shop.json").status_code for _ in range(25))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert statuses == [200] * 75
    assert sum(t.retries for t in transports) <= 1  # 429s stay rare
    assert elapsed >= (75 - 8) / 20 * 0.9  # no faster than the budget


def test_zendesk_window_is_respected_through_remaining_headers(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", zendesk=sandbox.ZendeskLimits(incremental_per_minute=3, window_seconds=1.0))
    budget = Budget(
        [Rate(per_second=100, burst=100)], remaining_header="x-rate-limit-remaining", reset_header="ratelimit-reset"
    )
    transport = RetryTransport(httpx.HTTPTransport(verify=trust(running)), budget=budget)
    headers = {"Authorization": f"Bearer {running.zendesk.primary_token}"}
    with httpx.Client(base_url=running.url("zendesk"), transport=transport, headers=headers) as client:
        started = time.monotonic()
        statuses = [
            client.get("/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=1").status_code for _ in range(7)
        ]
        elapsed = time.monotonic() - started
    assert statuses == [200] * 7
    assert transport.retries == 0
    assert elapsed >= 1.0  # waited for the window to reset instead of hitting 429


def test_retry_after_http_date_is_honoured() -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30), usegmt=True)
    replies = iter([httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, json={})])
    slept: list[float] = []
    transport = RetryTransport(httpx.MockTransport(lambda r: next(replies)), sleep=slept.append)
    with httpx.Client(transport=transport) as client:
        assert client.get("https://vendor.invalid/").status_code == 200
    assert len(slept) == 1
    assert 28 <= slept[0] <= 32


def test_writes_are_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503)

    transport = RetryTransport(httpx.MockTransport(handler), sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        assert client.post("https://vendor.invalid/", json={}).status_code == 503
        # nor a PUT: Zendesk's ticket update appends its comment each time it is sent
        assert client.put("https://vendor.invalid/api/v2/tickets/3.json", json={}).status_code == 503
        assert client.delete("https://vendor.invalid/api/messages/1").status_code == 503
    assert calls == ["POST", "PUT", "DELETE"]


def test_retry_after_beyond_the_cap_is_not_slept() -> None:
    slept: list[float] = []
    transport = RetryTransport(
        httpx.MockTransport(lambda r: httpx.Response(429, headers={"Retry-After": "3600"})), sleep=slept.append
    )
    with httpx.Client(transport=transport) as client:
        assert client.get("https://vendor.invalid/").status_code == 429
    assert slept == []


def test_backoff_is_bounded_and_jittered() -> None:
    slept: list[float] = []
    transport = RetryTransport(
        httpx.MockTransport(lambda r: httpx.Response(500)),
        sleep=slept.append,
        max_attempts=8,
        backoff_base=0.5,
        backoff_cap=4.0,
    )
    with httpx.Client(transport=transport) as client:
        client.get("https://vendor.invalid/")
    assert len(slept) == 7
    assert all(0 <= s <= 4.0 for s in slept)
    assert len(set(slept)) > 1


@given(st.text(max_size=60))
def test_parse_retry_after_never_raises(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_parse_retry_after_reads_seconds(value: float) -> None:
    assert parse_retry_after(repr(value)) == pytest.approx(value)


urls = st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/]{0,20}\?page_info=[A-Za-z0-9_-]{1,30}", fullmatch=True)


@given(urls, urls)
def test_link_header_round_trip(next_url: str, previous_url: str) -> None:
    header = f'<{previous_url}>; rel="previous", <{next_url}>; rel="next"'
    assert connectors.parse_link_header(header) == {"previous": previous_url, "next": next_url}


@given(st.text(max_size=200))
def test_link_header_parser_never_raises(value: str) -> None:
    assert isinstance(connectors.parse_link_header(value), dict)


def test_link_header_accepts_unquoted_and_multiple_rels() -> None:
    assert connectors.parse_link_header('<https://a/2>; rel=next, <https://a/9>; rel="last prev"') == {
        "next": "https://a/2",
        "last": "https://a/9",
        "prev": "https://a/9",
    }


def test_shopify_client_sees_the_usage_header(fresh: StartSandbox) -> None:
    with shopify_client(fresh(scenario="clean", standins=["shopify"])) as client:  # the real 40-request bucket
        assert "/40" in client.get("/admin/api/2026-10/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"]
