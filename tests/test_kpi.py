"""The KPI engine on hand-computed cases (issue 16), and the `vendor-audit kpi` command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vendor_audit import cli, kpi
from vendor_audit.kpi import KpiRow, KpiSource, Schedule, compute, guess_kind, percentile

REPO = Path(__file__).resolve().parents[1]


def write_ndjson(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def event(ticket: int, metric: str, kind: str, time: str, instance: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": hash((ticket, metric, kind, time)) % 10**9,
        "ticket_id": ticket,
        "metric": metric,
        "instance_id": instance,
        "type": kind,
        "time": f"2026-03-{time}Z",
    } | extra


def rows_by(result: kpi.KpiResult, metric: str, vendor: str = "zendesk") -> KpiRow:
    [row] = [
        r for r in result.rows if r.metric == metric and r.vendor == vendor and r.channel is None and r.priority is None
    ]
    return row


# Ticket 1: pauses (10 min active, paused 20 min, 20 min active = 30 min), SLA 60 met; resolved at 2 h.
# Ticket 2: reopened: solved after 1 h, reopened an hour later, solved 2 h after that = 240 min to final solve.
# Ticket 3: a breach without a reply. Ticket 4: still open. Ticket 5: breach, then the reply: missed.
EVENTS = [
    event(1, "reply_time", "activate", "02T10:00:00"),
    event(1, "reply_time", "apply_sla", "02T10:00:00", sla={"target": 60, "business_hours": False}),
    event(1, "reply_time", "pause", "02T10:10:00"),
    event(1, "reply_time", "activate", "02T10:30:00"),
    event(1, "reply_time", "fulfill", "02T10:50:00"),
    event(1, "resolution_time", "activate", "02T10:00:00"),
    event(1, "agent_work_time", "activate", "02T10:00:00"),
    event(1, "resolution_time", "fulfill", "02T12:00:00"),
    event(2, "reply_time", "activate", "02T09:00:00"),
    event(2, "reply_time", "fulfill", "02T09:20:00"),
    event(2, "reply_time", "activate", "02T11:00:00", instance=2),
    event(2, "reply_time", "fulfill", "02T11:05:00", instance=2),
    event(2, "resolution_time", "activate", "02T09:00:00"),
    event(2, "resolution_time", "fulfill", "02T10:00:00"),
    event(2, "resolution_time", "activate", "02T11:00:00"),
    event(2, "resolution_time", "fulfill", "02T13:00:00"),
    event(3, "reply_time", "activate", "02T09:00:00"),
    event(3, "reply_time", "apply_sla", "02T09:00:00", sla={"target": 60, "business_hours": False}),
    event(3, "reply_time", "breach", "02T10:00:00"),
    event(3, "resolution_time", "activate", "02T09:00:00"),
    event(4, "reply_time", "activate", "03T09:00:00"),
    event(4, "resolution_time", "activate", "03T09:00:00"),
    event(5, "reply_time", "activate", "03T09:00:00"),
    event(5, "reply_time", "apply_sla", "03T09:00:00", sla={"target": 30, "business_hours": False}),
    event(5, "reply_time", "breach", "03T09:30:00"),
    event(5, "reply_time", "breach", "03T09:10:00", deleted=True),  # withdrawn: not the miss
    event(5, "reply_time", "fulfill", "03T09:40:00"),
]


def zendesk(tmp_path: Path, records: list[dict[str, Any]] = EVENTS, name: str = "events.ndjson") -> KpiSource:
    return KpiSource("zendesk", "zendesk.ticket_metric_event", write_ndjson(tmp_path / name, records), "ndjson")


def test_percentile_interpolates_linearly_between_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([7], 0.9) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_pauses_reopens_breaches_and_open_tickets(tmp_path: Path) -> None:
    result = compute([zendesk(tmp_path)])
    tickets = {tid: t for (_, tid), t in result.per_ticket.items()}
    assert tickets["1"].first_reply_minutes == 30  # 10 + 20, the 20-minute pause left out
    assert tickets["1"].full_resolution_minutes == 120
    assert tickets["1"].within_sla is True
    assert tickets["2"].first_reply_minutes == 20  # instance 1 only
    assert tickets["2"].full_resolution_minutes == 240  # to the final solve
    assert tickets["2"].reopened is True
    assert tickets["3"].first_reply_minutes is None
    assert (tickets["3"].breached, tickets["3"].within_sla) == (True, False)
    assert tickets["4"].first_reply_minutes is None
    assert tickets["4"].full_resolution_minutes is None
    assert tickets["4"].within_sla is None
    assert (tickets["5"].first_reply_minutes, tickets["5"].within_sla) == (40, False)
    first = rows_by(result, "first_reply_time")
    assert (first.count, first.p50_minutes) == (3, 30)
    assert first.p90_minutes == pytest.approx(38)  # [20, 30, 40]: rank 1.8
    full = rows_by(result, "full_resolution_time")
    assert (full.count, full.p50_minutes) == (2, 180)
    sla = rows_by(result, "within_sla")
    assert (sla.count, sla.sla_target_minutes) == (3, 60)  # ticket 1 met, 3 and 5 breached; 60 is the most common
    assert sla.within_sla == pytest.approx(1 / 3)
    assert result.pending[("zendesk", "first_reply_time")] == 2  # tickets 3 (breached) and 4: no reply yet
    assert result.pending[("zendesk", "full_resolution_time")] == 3
    assert rows_by(result, "reopen_rate").value == 0.5  # of the solved tickets 1 and 2
    assert result.problems == []
    assert (first.period_start, first.period_end) == ("2026-03-02", "2026-03-03")


def test_events_out_of_ticket_order_give_the_same_figures(tmp_path: Path) -> None:
    shuffled = EVENTS[::-1]
    shuffled = shuffled[1::2] + shuffled[0::2]
    ordered = compute([zendesk(tmp_path)])
    mixed = compute([zendesk(tmp_path, shuffled, "mixed.ndjson")])
    assert mixed.rows == ordered.rows
    assert mixed.per_ticket == ordered.per_ticket


def test_since_and_until_keep_tickets_by_creation_date(tmp_path: Path) -> None:
    result = compute([zendesk(tmp_path)], since=dt.date(2026, 3, 3), until=dt.date(2026, 3, 3))
    assert sorted(tid for _, tid in result.per_ticket) == ["4", "5"]
    assert rows_by(result, "first_reply_time").period_start == "2026-03-03"


def test_business_hours_across_a_weekend(tmp_path: Path) -> None:
    # Friday 2026-03-06 16:00 UTC to Monday 2026-03-09 10:00 UTC, Lisbon is UTC in March: 60 + 60 business minutes.
    records = [
        event(9, "reply_time", "activate", "06T16:00:00"),
        event(9, "reply_time", "fulfill", "09T10:00:00"),
    ]
    schedule = Schedule("Europe/Lisbon", tuple((day, 9 * 60, 17 * 60) for day in range(5)))
    result = compute([zendesk(tmp_path, records)], schedule=schedule)
    [ticket] = result.per_ticket.values()
    assert ticket.first_reply_minutes == 66 * 60
    assert ticket.first_reply_business_minutes == 120
    assert rows_by(result, "first_reply_time").p50_minutes == 120  # with a schedule, rows are business minutes
    # New York is UTC-5 then: 16:00 UTC Friday is 11:00 there (6 h to close), Monday 10:00 UTC is before opening.
    ny = Schedule("America/New_York", schedule.intervals)
    assert ny.business_minutes(1772812800.0, 1773050400.0) == 6 * 60


def test_csat_counts_good_over_good_and_bad(tmp_path: Path) -> None:
    path = tmp_path / "zendesk_satisfaction_ratings.csv"
    path.write_text(
        "id,ticket_id,score,created_at\n"
        "1,1,good,2026-03-02T10:00:00Z\n2,2,bad,2026-03-02T10:00:00Z\n"
        "3,3,offered,2026-03-02T10:00:00Z\n4,4,good,2026-03-02T10:00:00Z\n5,5,unoffered,2026-03-02T10:00:00Z\n",
        encoding="utf-8",
    )
    result = compute([KpiSource("zendesk", "zendesk.satisfaction_rating", path, "csv")])
    row = rows_by(result, "csat")
    assert row.count == 3
    assert row.value == pytest.approx(2 / 3)


def test_ticket_metrics_give_one_touch_and_reopens_and_agree_with_the_events(tmp_path: Path) -> None:
    metrics: list[dict[str, Any]] = [
        {"ticket_id": 1, "replies": 1, "reopens": 0, "solved_at": "2026-03-02T12:00:00Z",
         "reply_time_in_minutes": {"calendar": 30, "business": 30},
         "full_resolution_time_in_minutes": {"calendar": 120, "business": 120}},
        {"ticket_id": 2, "replies": 2, "reopens": 1, "solved_at": "2026-03-02T13:00:00Z",
         "reply_time_in_minutes": {"calendar": 20, "business": 20},
         "full_resolution_time_in_minutes": {"calendar": 240, "business": 240}},
    ]  # fmt: skip
    path = write_ndjson(tmp_path / "metrics.ndjson", metrics)
    source = KpiSource("zendesk", "zendesk.ticket_metrics", path, "ndjson")
    result = compute([zendesk(tmp_path), source])
    assert rows_by(result, "one_touch").value == 0.5
    assert rows_by(result, "reopen_rate").value == 0.5
    for record in metrics:  # the recomputation from events agrees with Zendesk's own per-ticket figures
        ticket = result.per_ticket[("zendesk", str(record["ticket_id"]))]
        assert ticket.first_reply_minutes == record["reply_time_in_minutes"]["calendar"]
        assert ticket.full_resolution_minutes == record["full_resolution_time_in_minutes"]["calendar"]


def test_ticket_events_give_channel_priority_and_reopens(tmp_path: Path) -> None:
    ticket_events = [
        {"id": 1, "ticket_id": 1, "timestamp": 1772445600, "created_at": "2026-03-02T10:00:00Z", "via": "Web form",
         "event_type": "Audit", "child_events": [{"id": 11, "event_type": "Create", "via": "Web form",
                                                   "status": "new", "priority": "high"}]},
        {"id": 2, "ticket_id": 1, "timestamp": 1772460000, "created_at": "2026-03-02T14:00:00Z", "via": "Web form",
         "event_type": "Audit", "child_events": [{"id": 21, "event_type": "Change", "field_name": "status",
                                                   "status": "open", "previous_value": "solved"}]},
    ]  # fmt: skip
    path = write_ndjson(tmp_path / "te.ndjson", ticket_events)
    result = compute([zendesk(tmp_path), KpiSource("zendesk", "zendesk.ticket_event", path, "ndjson")])
    assert result.per_ticket[("zendesk", "1")].reopened is True
    by_channel = [r for r in result.rows if r.metric == "first_reply_time" and r.channel == "Web form"]
    assert [(r.priority, r.count, r.p50_minutes) for r in by_channel] == [(None, 1, 30), ("high", 1, 30)]


def test_gorgias_first_reply_resolution_and_csat(tmp_path: Path) -> None:
    tickets = [
        {"id": 7, "status": "closed", "channel": "chat", "priority": "normal", "spam": False,
         "created_datetime": "2026-03-02T10:00:00", "closed_datetime": "2026-03-02T11:00:00"},
        {"id": 8, "status": "open", "channel": "email", "created_datetime": "2026-03-02T10:00:00"},
        {"id": 9, "status": "closed", "channel": "email", "spam": True, "created_datetime": "2026-03-02T10:00:00",
         "closed_datetime": "2026-03-02T10:01:00"},
    ]  # fmt: skip
    messages = [
        {"ticket_id": 7, "from_agent": False, "public": True, "created_datetime": "2026-03-02T10:00:00"},
        {"ticket_id": 7, "from_agent": True, "public": True, "rule_id": 3, "created_datetime": "2026-03-02T10:01:00"},
        {"ticket_id": 7, "from_agent": True, "public": False, "created_datetime": "2026-03-02T10:05:00"},
        {"ticket_id": 7, "from_agent": True, "public": True, "created_datetime": "2026-03-02T10:20:00"},
    ]
    surveys = {"data": [{"id": 1, "ticket_id": 7, "score": 5}, {"id": 2, "ticket_id": 8, "score": 3},
                        {"id": 3, "ticket_id": 9, "score": None}]}  # fmt: skip
    (tmp_path / "s.json").write_text(json.dumps(surveys), encoding="utf-8")
    result = compute(
        [
            KpiSource("gorgias", "gorgias.message", write_ndjson(tmp_path / "m.ndjson", messages), "ndjson"),
            KpiSource("gorgias", "gorgias.ticket", write_ndjson(tmp_path / "t.ndjson", tickets), "ndjson"),
            KpiSource("gorgias", "gorgias.satisfaction_survey", tmp_path / "s.json", "json"),
        ]
    )
    assert rows_by(result, "first_reply_time", "gorgias").p50_minutes == 20  # not the rule's, not the note
    assert rows_by(result, "full_resolution_time", "gorgias").p50_minutes == 60
    assert rows_by(result, "csat", "gorgias").value == 0.5
    assert rows_by(result, "one_touch", "gorgias").value == 1.0  # spam ticket 9 left out
    assert ("gorgias", "9") not in result.per_ticket


def test_an_unreadable_file_is_a_problem_and_the_rest_still_counts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(json.dumps(EVENTS[0]) + "\n{not json\n" + json.dumps({"metric": "reply_time"}) + "\n")
    missing = KpiSource("zendesk", "zendesk.ticket_metrics", tmp_path / "none.ndjson", "ndjson")
    result = compute([zendesk(tmp_path), KpiSource("zendesk", "zendesk.ticket_metric_event", bad, "ndjson"), missing])
    assert len(result.problems) == 3
    assert "not valid JSON (first at line 2)" in result.problems[0]
    assert "line 3" in result.problems[1]
    assert result.problems[2].endswith("none.ndjson: no such file")
    assert rows_by(result, "first_reply_time").count == 3


def test_kinds_are_guessed_from_file_names_and_the_cli_knows_them() -> None:
    assert guess_kind(Path("zendesk_ticket_metric_events.ndjson")) == "zendesk.ticket_metric_event"
    assert guess_kind(Path("x/zendesk_ticket_metrics.csv")) == "zendesk.ticket_metrics"
    assert guess_kind(Path("gorgias-satisfaction-surveys.json")) == "gorgias.satisfaction_survey"
    assert guess_kind(Path("tickets.ndjson")) is None
    assert cli.KPI_KINDS == kpi.KINDS


def test_cli_json_and_a_bad_file(tmp_path: Path) -> None:
    good = write_ndjson(tmp_path / "zendesk_ticket_metric_events.ndjson", EVENTS)
    bad = tmp_path / "zendesk_satisfaction_ratings.ndjson"
    bad.write_text('{"ticket_id": 1, "score": "good"}\n{"truncated": \n', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "vendor_audit", "kpi", str(good), str(bad), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert "zendesk_satisfaction_ratings.ndjson: 1 record(s) not valid JSON" in run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert set(rows[0]) == {*KpiRow.__slots__, "clock"}  # the minutes are calendar minutes unless --business-hours
    first = next(r for r in rows if r["metric"] == "first_reply_time" and r["channel"] is None)
    assert (first["count"], first["p50_minutes"]) == (3, 30)
    assert any(r["metric"] == "csat" and r["value"] == 1.0 for r in rows)


def test_cli_table_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_ndjson(tmp_path / "zendesk_ticket_metric_events.ndjson", EVENTS)
    assert cli.main(["kpi", str(good)]) == 0
    out = capsys.readouterr().out
    assert "first_reply_time" in out
    assert "zendesk: tickets created 2026-03-02 to 2026-03-03" in out
    assert cli.main(["kpi", str(tmp_path / "unknown.ndjson")]) == 2
    assert "pass --kind" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["kpi", str(good), "--since", "March"])
    assert stopped.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_business_hours_give_business_minutes_too(tmp_path: Path) -> None:
    """A reply on Monday to a ticket of Friday evening: 63 hours on the calendar, 4 minutes of business hours."""
    events = tmp_path / "zendesk_ticket_metric_events.ndjson"
    friday_evening, monday = "2026-11-27T17:58:00Z", "2026-11-30T09:02:00Z"  # a weekend between
    rows = [
        {"id": 1, "ticket_id": 7, "metric": "reply_time", "instance_id": 1, "type": "activate", "time": friday_evening},
        {"id": 2, "ticket_id": 7, "metric": "reply_time", "instance_id": 1, "type": "fulfill", "time": monday},
    ]
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vendor_audit",
            "kpi",
            "--json",
            "--business-hours",
            "mon-fri 09:00-18:00 UTC",
            str(events),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first = {
        row["clock"]: row
        for row in map(json.loads, result.stdout.splitlines())
        if row["metric"] == "first_reply_time" and row["channel"] is None and row["priority"] is None
    }
    assert first["calendar"]["p50_minutes"] == pytest.approx(3 * 24 * 60 - 8 * 60 - 56)  # 63 h 04 min
    assert first["business"]["p50_minutes"] == pytest.approx(4)  # 17:58-18:00 Friday, 09:00-09:02 Monday
    bad = subprocess.run(
        [sys.executable, "-m", "vendor_audit", "kpi", "--business-hours", "weekdays 9-5", str(events)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
