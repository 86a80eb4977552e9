"""Every pagination style walks to the end, exactly as the real APIs page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import StartSandbox, gorgias_client, shopify_client, zendesk_client
from vendor_audit import sandbox

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def test_shopify_link_header_walks_every_order(clean: sandbox.RunningSandbox) -> None:
    ids: list[int] = []
    pages = 0
    with shopify_client(clean) as client:
        url: str | None = "/admin/api/2026-10/orders.json?status=any&limit=30"
        while url:
            response = client.get(url)
            assert response.status_code == 200
            ids += [o["id"] for o in response.json()["orders"]]
            links = {rel: href for href, rel in LINK.findall(response.headers.get("link", ""))}
            if pages:
                assert "previous" in links
            url = links.get("next")
            pages += 1
    assert pages == 7  # 200 orders at 30 a page
    assert len(ids) == len(set(ids)) == clean.config.size
    assert ids == sorted(ids)


def test_shopify_lists_open_orders_unless_told_otherwise(clean: sandbox.RunningSandbox) -> None:
    with shopify_client(clean) as client:
        statuses = {
            o["closed_at"] is None and o["cancelled_at"] is None
            for o in client.get("/admin/api/2026-10/orders.json?limit=250").json()["orders"]
        }
        count_open = client.get("/admin/api/2026-10/orders/count.json").json()["count"]
        count_any = client.get("/admin/api/2026-10/orders/count.json?status=any").json()["count"]
    assert statuses == {True}
    assert 0 < count_open < count_any == clean.config.size


def test_shopify_page_info_refuses_other_filters_and_bad_cursors(clean: sandbox.RunningSandbox) -> None:
    with shopify_client(clean) as client:
        first = client.get("/admin/api/2026-10/orders.json?status=any&limit=5")
        next_url = LINK.findall(first.headers["link"])[0][0]
        page_info = parse_qs(urlsplit(next_url).query)["page_info"][0]
        with_filter = client.get(f"/admin/api/2026-10/orders.json?page_info={page_info}&status=any")
        bad = client.get("/admin/api/2026-10/orders.json?page_info=garbage")
        capped = client.get("/admin/api/2026-10/orders.json?status=any&limit=1000")
    assert with_filter.status_code == 400
    assert with_filter.json()["errors"].startswith("status cannot be passed when page_info is present.")
    assert bad.status_code == 400
    assert bad.json() == {"errors": {"page_info": "Invalid value."}}
    assert len(capped.json()["orders"]) == 200  # every order fits under the cap of 250


def test_zendesk_cursor_pagination_walks_every_ticket(clean: sandbox.RunningSandbox) -> None:
    ids: list[int] = []
    with zendesk_client(clean) as client:
        url: str | None = "/api/v2/tickets.json?page[size]=64"
        while url:
            body = client.get(url).json()
            ids += [t["id"] for t in body["tickets"]]
            assert body["meta"]["has_more"] == (body["links"]["next"] is not None)
            url = body["links"]["next"]
    assert ids == list(range(1, clean.config.size + 1))


def test_zendesk_page_size_and_offset_limits(clean: sandbox.RunningSandbox) -> None:
    with zendesk_client(clean) as client:
        too_big = client.get("/api/v2/tickets.json?page[size]=101")
        offset = client.get("/api/v2/tickets.json?page=2&per_page=50").json()
        past_cap = client.get("/api/v2/tickets.json?page=101&per_page=1")
    assert too_big.status_code == 400
    assert too_big.json()["error"] == "InvalidPaginationParameter"
    assert [t["id"] for t in offset["tickets"]] == list(range(51, 101))
    assert offset["count"] == clean.config.size
    assert "page=3" in offset["next_page"]
    assert past_cap.status_code == 400  # offset paging stops at 100 pages


def test_zendesk_incremental_export_ends_with_end_of_stream(clean: sandbox.RunningSandbox) -> None:
    ids: list[int] = []
    with zendesk_client(clean) as client:
        body = client.get("/api/v2/incremental/tickets/cursor.json", params={"start_time": 0, "per_page": 80}).json()
        while True:
            ids += [t["id"] for t in body["tickets"]]
            if body["end_of_stream"]:
                break
            body = client.get(body["after_url"]).json()
        # Following the cursor after the end answers again with nothing and end_of_stream (the loop trap).
        after_end = client.get(body["after_url"]).json()
        too_recent = client.get(
            "/api/v2/incremental/tickets/cursor.json", params={"start_time": int(dt.datetime.now(dt.UTC).timestamp())}
        )
    assert ids == list(range(1, clean.config.size + 1))
    assert after_end["tickets"] == []
    assert after_end["end_of_stream"] is True
    assert too_recent.status_code == 400


def test_zendesk_ticket_events_pages_overlap_at_end_time(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", size=700)  # 1,400 events: two pages of up to 1,000
    seen: dict[int, int] = {}
    with zendesk_client(running) as client:
        url = "/api/v2/incremental/ticket_events.json?start_time=0"
        pages = 0
        while True:
            body = client.get(url).json()
            pages += 1
            for event in body["ticket_events"]:
                seen[event["id"]] = seen.get(event["id"], 0) + 1
            if body["end_of_stream"]:
                break
            url = body["next_page"]
    assert pages == 2
    assert len(seen) == 1400
    assert sorted(n for n in seen.values() if n > 1) == [2]  # the boundary event comes twice


def test_gorgias_cursor_walks_every_ticket_and_message(clean: sandbox.RunningSandbox) -> None:
    ids: list[int] = []
    with gorgias_client(clean) as client:
        params: dict[str, str | int] = {"limit": 100, "order_by": "created_datetime:asc"}
        while True:
            body = client.get("/api/tickets", params=params).json()
            assert body["object"] == "list"
            ids += [t["id"] for t in body["data"]]
            if body["meta"]["next_cursor"] is None:
                break
            params["cursor"] = body["meta"]["next_cursor"]
        messages = client.get("/api/messages", params={"ticket_id": 5}).json()["data"]
        too_big = client.get("/api/tickets", params={"limit": 101})
    assert ids == list(range(1, clean.config.size + 1))
    assert messages
    assert {m["ticket_id"] for m in messages} == {5}
    assert too_big.status_code == 400


@pytest.mark.parametrize("order", ["created_datetime:desc", "updated_datetime:asc"])
def test_gorgias_cursor_is_bound_to_its_ordering(clean: sandbox.RunningSandbox, order: str) -> None:
    with gorgias_client(clean) as client:
        cursor = client.get("/api/tickets", params={"order_by": order}).json()["meta"]["next_cursor"]
        other = "created_datetime:asc" if order != "created_datetime:asc" else "created_datetime:desc"
        response = client.get("/api/tickets", params={"order_by": other, "cursor": cursor})
    assert response.status_code == 400
