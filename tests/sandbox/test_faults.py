"""Faults injected per endpoint reach the client over the wire, as configured."""

from __future__ import annotations

import json
import statistics
import time

import httpx
import pytest

from tests.conftest import StartSandbox, shopify_client, zendesk_client
from vendor_audit import sandbox


def test_dropped_connections_give_no_answer(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(drop_rate=1.0))
    with zendesk_client(running) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/api/v2/users/me.json")


def test_html_error_page_instead_of_json(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("shopify", sandbox.Faults(html_rate=1.0))
    with shopify_client(running) as client:
        response = client.get("/admin/api/2026-10/shop.json")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.text.startswith("<html>")


def test_error_share_is_applied_per_request(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(error_rate=0.3))
    with zendesk_client(running) as client:
        statuses = [client.get("/api/v2/tickets/1.json").status_code for _ in range(200)]
    errors = statuses.count(503)
    assert set(statuses) == {200, 503}
    assert 30 <= errors <= 90  # 60 expected; seeded, so stable
    with zendesk_client(running) as client:
        running.set_faults("zendesk", sandbox.Faults(error_rate=1.0))
        body = client.get("/api/v2/tickets/1.json").json()
    assert body == {"error": "Service temporarily unavailable"}  # the vendor's own error shape


def test_latency_follows_the_configured_distribution(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(latency=sandbox.Latency(median_ms=20, p99_ms=60)))
    durations = []
    with zendesk_client(running) as client:
        client.get("/api/v2/users/me.json")  # connection set up outside the sample
        for _ in range(60):
            started = time.perf_counter()
            client.get("/api/v2/users/me.json")
            durations.append((time.perf_counter() - started) * 1000)
    median = statistics.median(durations)
    assert 15 <= median <= 35
    assert statistics.pstdev(durations) > 2  # a distribution, not a constant
    assert max(durations) < 250


def test_stalls_hold_a_share_of_requests(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("shopify", sandbox.Faults(stall_rate=1.0, stall_seconds=0.4, paths=("*/shop.json",)))
    with shopify_client(running) as client:
        started = time.perf_counter()
        stalled = client.get("/admin/api/2026-10/shop.json")
        stalled_for = time.perf_counter() - started
        started = time.perf_counter()
        other = client.get("/admin/api/2026-10/orders.json?limit=1")
        other_took = time.perf_counter() - started
    assert stalled.status_code == other.status_code == 200
    assert stalled_for >= 0.4
    assert other_took < 0.3  # faults limited to the path glob


def test_clearing_faults(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(html_rate=1.0))
    running.set_faults("zendesk", sandbox.Faults())
    with zendesk_client(running) as client:
        assert client.get("/api/v2/users/me.json").status_code == 200


def test_endpoint_wide_pauses_hold_every_request_until_they_end(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(pause_every=0.5, pause_seconds=0.25))
    durations = []
    with zendesk_client(running) as client:
        for _ in range(20):
            started = time.perf_counter()
            client.get("/api/v2/users/me.json")
            durations.append(time.perf_counter() - started)
            time.sleep(0.05)
    held = [d for d in durations if d > 0.02]
    assert held  # some arrivals fell in a pause
    assert max(durations) <= 0.3
    assert len(held) < len(durations)  # and some did not


def test_rewrite_answers_in_another_shape_on_the_paths_given(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")

    def bare(request: sandbox.Request, response: sandbox.Response) -> sandbox.Response:
        users = json.loads(response.body)["users"]
        return sandbox.Response(200, json.dumps(users).encode(), response.headers)

    running.set_faults("zendesk", sandbox.Faults(rewrite=bare, paths=("/api/v2/users.json",)))
    with zendesk_client(running) as client:
        rewritten = client.get("/api/v2/users.json").json()
        other = client.get("/api/v2/users/me.json").json()
    assert isinstance(rewritten, list)
    assert rewritten
    assert "user" in other  # other paths answer as before
