"""Rate limits follow each vendor's algorithm, headers and 429 bodies, at the real numbers by default."""

from __future__ import annotations

import time

import httpx

from tests.conftest import StartSandbox, gorgias_client, shopify_client, zendesk_client
from vendor_audit.sandbox import ZendeskLimits


def burst(client: httpx.Client, path: str, count: int) -> list[httpx.Response]:
    return [client.get(path) for _ in range(count)]


def test_shopify_leaky_bucket_of_40_answers_429_with_retry_after(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    with shopify_client(running) as client:
        started = time.monotonic()
        responses = burst(client, "/admin/api/2026-10/shop.json", 60)
        elapsed = time.monotonic() - started
    limited = [r for r in responses if r.status_code == 429]
    allowed = len(responses) - len(limited)
    # 40 fit in the bucket, plus what leaked at 2/s during the burst.
    assert 40 <= allowed <= 40 + 2 * elapsed + 1
    assert limited
    assert limited[0].json()["errors"].startswith("Exceeded 2 calls per second")
    assert float(limited[0].headers["Retry-After"]) >= 2.0
    assert limited[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert responses[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"


def test_shopify_bucket_drains_at_two_per_second(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    with shopify_client(running) as client:
        burst(client, "/admin/api/2026-10/shop.json", 40)
        time.sleep(1.0)  # two requests' worth drains
        after = burst(client, "/admin/api/2026-10/shop.json", 3)
    assert [r.status_code for r in after] == [200, 200, 429]


def test_gorgias_bucket_of_40_per_20_seconds(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    with gorgias_client(running) as client:
        responses = burst(client, "/api/account", 50)
    statuses = [r.status_code for r in responses]
    assert statuses[:40] == [200] * 40
    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert int(limited[0].headers["Retry-after"]) >= 1
    assert limited[0].headers["X-Gorgias-Account-Api-Call-Limit"] == "40/40"
    assert responses[9].headers["X-Gorgias-Account-Api-Call-Limit"] == "10/40"


def test_zendesk_per_minute_limit_answers_text_429(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", zendesk=ZendeskLimits(requests_per_minute=5))
    with zendesk_client(running) as client:
        responses = burst(client, "/api/v2/users/me.json", 7)
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 2
    assert responses[0].headers["X-Rate-Limit"] == "5"
    assert responses[0].headers["X-Rate-Limit-Remaining"] == "4"
    assert responses[5].headers["content-type"].startswith("text/plain")
    assert responses[5].text == "Number of allowed API requests per minute exceeded"
    assert 1 <= int(responses[5].headers["Retry-After"]) <= 60


def test_zendesk_incremental_export_has_its_own_10_per_minute(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")  # the real numbers: 700/min for the account, 10/min for exports
    with zendesk_client(running) as client:
        responses = burst(client, "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=1", 11)
        other = client.get("/api/v2/users/me.json")
    assert [r.status_code for r in responses] == [200] * 10 + [429]
    assert responses[10].json()["error"] == "APIRateLimitExceeded"
    assert other.status_code == 200


def test_zendesk_window_resets(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", zendesk=ZendeskLimits(requests_per_minute=2, window_seconds=0.5))
    with zendesk_client(running) as client:
        first = burst(client, "/api/v2/users/me.json", 3)
        time.sleep(0.6)  # past the 0.5 s window
        second = burst(client, "/api/v2/users/me.json", 1)
    assert [r.status_code for r in first] == [200, 200, 429]
    assert second[0].status_code == 200
