"""The Zendesk stand-in's SLA clock: metric events as the API pages them, ticket_metrics that agree, the scorecard."""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from typing import Any

from tests.conftest import StartSandbox, zendesk_client
from vendor_audit import sandbox
from vendor_audit.kpi import KpiSource, compute
from vendor_audit.sandbox.zendesk import ZendeskLimits


def served(running: sandbox.RunningSandbox) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    events: dict[int, dict[str, Any]] = {}
    metrics: dict[int, dict[str, Any]] = {}
    with zendesk_client(running) as client:
        url: str | None = "/api/v2/incremental/ticket_metric_events.json?start_time=0"
        while url:
            page = client.get(url).json()
            assert page["count"] == len(page["ticket_metric_events"]) <= 100
            events.update({e["id"]: e for e in page["ticket_metric_events"]})  # pages overlap at end_time
            url = page["next_page"]
        url = "/api/v2/ticket_metrics.json?page[size]=100"
        while url:
            page = client.get(url).json()
            metrics.update({m["ticket_id"]: m for m in page["ticket_metrics"]})
            url = page["links"]["next"]
    return sorted(events.values(), key=lambda e: (e["time"], e["id"])), metrics


def test_events_page_chronologically_and_match_the_export(fresh: StartSandbox) -> None:
    running = fresh(scenario="leaky", write_exports=True, zendesk=ZendeskLimits(incremental_per_minute=1000))
    events, metrics = served(running)
    lines = (running.run_dir / "exports" / "zendesk_ticket_metric_events.ndjson").read_text().splitlines()
    exported = [json.loads(line) for line in lines]
    assert sorted(e["id"] for e in exported) == [e["id"] for e in sorted(events, key=lambda e: e["id"])]
    assert [e["time"] for e in exported] == sorted(e["time"] for e in exported)
    # Realistic clocks: pauses, breaches (some with no reply at all), reopened tickets, tickets still open.
    kinds = Counter(e["type"] for e in events)
    assert {"activate", "pause", "fulfill", "apply_sla", "breach", "update_status"} <= set(kinds)
    replied = {e["ticket_id"] for e in events if e["metric"] == "reply_time" and e["type"] == "fulfill"}
    breached = {e["ticket_id"] for e in events if e["type"] == "breach"}
    assert breached - replied
    assert breached & replied
    assert any(e["metric"] == "reply_time" and e["instance_id"] == 2 for e in events)
    assert any(m["reopens"] for m in metrics.values())
    assert any(m["solved_at"] is None for m in metrics.values())
    assert len(metrics) == running.config.size
    # Out of ticket order: a later ticket's event comes before an earlier ticket's last one.
    assert any(a["ticket_id"] > b["ticket_id"] for a, b in itertools.pairwise(exported))


def test_the_recomputation_agrees_with_the_ticket_metrics_served(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", write_exports=True, zendesk=ZendeskLimits(incremental_per_minute=1000))
    _, metrics = served(running)
    exports = running.run_dir / "exports"
    result = compute(
        [
            KpiSource(
                "zendesk", "zendesk.ticket_metric_event", exports / "zendesk_ticket_metric_events.ndjson", "ndjson"
            ),
            KpiSource("zendesk", "zendesk.ticket_event", exports / "zendesk_ticket_events.ndjson", "ndjson"),
        ]
    )
    assert result.problems == []
    for ticket_id, served_metrics in metrics.items():
        kpi = result.per_ticket[("zendesk", str(ticket_id))]
        assert kpi.first_reply_minutes == served_metrics["reply_time_in_minutes"]["calendar"], ticket_id
        assert kpi.full_resolution_minutes == served_metrics["full_resolution_time_in_minutes"]["calendar"], ticket_id


def test_the_scorecard_tells_the_truth_in_clean_and_overstates_chat_in_leaky(
    clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox
) -> None:
    def chat(running: sandbox.RunningSandbox) -> float:
        rows = list(csv.DictReader((running.run_dir / sandbox.SCORECARD_FILE).read_text().splitlines()))
        return float(next(r for r in rows if r["channel"] == "chat")["within_sla"])

    met, measured = clean.zendesk.metrics.first_reply_attainment({"chat"})
    assert chat(clean) == round(met / measured, 3) >= 0.9
    met, measured = leaky.zendesk.metrics.first_reply_attainment({"chat"})
    assert met / measured < 0.85
    assert chat(leaky) == 0.95
    kinds = {v["kind"]: v for v in leaky.manifest["violations"] if v["vendor"] == "zendesk"}
    assert (
        kinds["sla_missed"]["resource"] == kinds["scorecard_overstated"]["resource"] == "sla/first_reply_time/chat/all"
    )
    assert not {"sla_missed", "scorecard_overstated"} & {v["kind"] for v in clean.manifest["violations"]}
