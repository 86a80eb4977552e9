"""The export validator finds exactly the broken records, streaming, with clear per-record errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vendor_audit import exports, sandbox

FILES = [
    ("zendesk_ticket_events.ndjson", "ndjson", "zendesk.ticket_event"),
    ("zendesk_satisfaction_ratings.csv", "csv", "zendesk.satisfaction_rating"),
    ("gorgias_events.ndjson", "ndjson", "gorgias.event"),
    ("gorgias_satisfaction_surveys.csv", "csv", "gorgias.satisfaction_survey"),
]


@pytest.mark.parametrize(("name", "fmt", "schema"), FILES)
def test_finds_exactly_the_planted_records(leaky: sandbox.RunningSandbox, name: str, fmt: str, schema: str) -> None:
    report = exports.validate_export(leaky.run_dir / "exports" / name, fmt, schema)
    planted = sorted(
        v["location"]
        for v in leaky.manifest["violations"]
        if v["kind"] == "export_schema" and v["resource"] == f"exports/{name}"
    )
    assert sorted(report.invalid_locations) == planted
    assert report.records > 50


@pytest.mark.parametrize(("name", "fmt", "schema"), FILES)
def test_clean_exports_are_valid(clean: sandbox.RunningSandbox, name: str, fmt: str, schema: str) -> None:
    assert exports.validate_export(clean.run_dir / "exports" / name, fmt, schema).valid


def test_errors_name_line_pointer_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    good = json.dumps(
        {
            "id": 1,
            "ticket_id": 2,
            "timestamp": 3,
            "created_at": "2026-01-01T00:00:00Z",
            "event_type": "Audit",
            "child_events": [],
        }
    )
    path.write_text("\n".join([good, good.replace("2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z"), "{oops", ""]))
    report = exports.validate_export(path, "ndjson", "zendesk.ticket_event")
    assert report.invalid_locations == ["line 2", "line 3"]
    assert report.errors[0].pointer == "/created_at"
    assert report.errors[0].message == "/created_at: '2026-02-30T00:00:00Z' is not a valid date-time"
    assert report.counts == {"format": 1, "parse": 1}


def test_a_schema_with_an_unchecked_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    exports.validator_for.cache_clear()
    schema = {"type": "object", "properties": {"x": {"type": "string", "format": "iri"}}}
    monkeypatch.setattr("vendor_audit.exports.load_schema", lambda name: schema)
    with pytest.raises(ValueError, match=r"format\(s\) \['iri'\] that nothing checks"):
        exports.validator_for("custom")
    exports.validator_for.cache_clear()


def test_json_array_exports_are_validated_per_item(tmp_path: Path) -> None:
    path = tmp_path / "surveys.json"
    items = [
        {"id": 1, "ticket_id": 2, "customer_id": 3, "created_datetime": "2026-01-01T10:00:00.123456"},
        {"id": 2, "ticket_id": 2, "customer_id": 3, "created_datetime": "2026-01-01T10:00:00", "score": 0},
    ]
    path.write_text(json.dumps({"data": items}))
    report = exports.validate_export(path, "json", "gorgias.satisfaction_survey")
    assert report.records == 2
    assert report.invalid_locations == ["item 1"]
    assert report.errors[0].message == "/score: 0 is less than the minimum of 1"


# The reference's examples are naive (https://developers.gorgias.com/reference/satisfaction-surveys).
GORGIAS_FORMS = [
    "2019-11-16T15:59:41.966927",
    "2026-08-10T00:00:00.000000+0000",  # live data, as Airbyte's source-gorgias mocks answer it
    "2024-02-14T21:30:50.201204+00:00",  # live data, as Airbyte's source-gorgias manifest parses it
]


@pytest.mark.parametrize("stamp", GORGIAS_FORMS)
def test_gorgias_exports_accept_every_live_timestamp_form(tmp_path: Path, stamp: str) -> None:
    events = tmp_path / "events.ndjson"
    event = {"id": 1, "created_datetime": stamp, "object_id": 2, "object_type": "Ticket", "type": "ticket-created"}
    events.write_text(json.dumps(event) + "\n")
    surveys = tmp_path / "surveys.json"
    survey = {"id": 1, "ticket_id": 2, "customer_id": 3, "created_datetime": stamp, "sent_datetime": stamp}
    surveys.write_text(json.dumps([survey]))
    assert exports.validate_export(events, "ndjson", "gorgias.event").valid
    assert exports.validate_export(surveys, "json", "gorgias.satisfaction_survey").valid


@pytest.mark.parametrize("stamp", ["2026-08-10T00:00:00+000", "2026-08-10T00:00:00+00:0", "2026-08-10 00:00:00"])
def test_gorgias_exports_still_refuse_malformed_timestamps(tmp_path: Path, stamp: str) -> None:
    events = tmp_path / "events.ndjson"
    event = {"id": 1, "created_datetime": stamp, "object_id": 2, "object_type": "Ticket", "type": "ticket-created"}
    events.write_text(json.dumps(event) + "\n")
    assert exports.validate_export(events, "ndjson", "gorgias.event").invalid_locations == ["line 1"]
