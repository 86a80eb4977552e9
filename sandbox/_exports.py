"""The vendors' raw event export files (NDJSON and CSV), written streaming into the run directory.

The leaky scenario breaks a few records on purpose, each listed in the manifest with its line, so a
validator can be held to finding exactly those.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._data import World
from .gorgias import GorgiasAPI
from .zendesk import ZendeskAPI

# (file, 0-based fraction of the records where it lands, kind, how to break the record)
Breaker = Callable[[dict[str, Any]], dict[str, Any] | str]
_BREAKS: dict[str, list[tuple[float, str, Breaker]]] = {
    "zendesk_ticket_events.ndjson": [
        (0.15, "bad_datetime", lambda r: r | {"created_at": "yesterday"}),
        (0.35, "wrong_type", lambda r: r | {"ticket_id": f"T-{r['ticket_id']}"}),
        (0.55, "missing_field", lambda r: {k: v for k, v in r.items() if k != "event_type"}),
        (0.75, "malformed_json", lambda r: json.dumps(r)[:40]),
    ],
    "zendesk_satisfaction_ratings.csv": [
        (0.25, "bad_enum", lambda r: r | {"score": "excellent"}),
        (0.65, "missing_field", lambda r: r | {"ticket_id": ""}),
    ],
    "gorgias_events.ndjson": [
        (0.2, "bad_datetime", lambda r: r | {"created_datetime": "2026-13-45T25:61:00"}),
        (0.6, "wrong_type", lambda r: r | {"object_id": "abc"}),
    ],
    "gorgias_satisfaction_surveys.csv": [
        (0.45, "out_of_range", lambda r: r | {"score": 7}),
    ],
}
RATING_COLUMNS = [
    "id",
    "ticket_id",
    "score",
    "comment",
    "reason",
    "requester_id",
    "assignee_id",
    "created_at",
    "updated_at",
]
SURVEY_COLUMNS = [
    "id",
    "ticket_id",
    "customer_id",
    "score",
    "body_text",
    "created_datetime",
    "sent_datetime",
    "scored_datetime",
]


def write_exports(world: World, zendesk: ZendeskAPI, gorgias: GorgiasAPI, directory: Path) -> list[dict[str, Any]]:
    """Write every export file; return the manifest entries of what the leaky scenario broke."""
    directory.mkdir(parents=True, exist_ok=True)
    size = world.size
    pan_plant = next((p for p in world.plants if p.store == "export"), None)

    def gorgias_events() -> Iterator[dict[str, Any]]:
        for event in range(1, 2 * size + 1):
            record = gorgias.event_json(event)
            if pan_plant is not None and event == pan_plant.record_id:
                record["data"] = record["data"] | {"note": pan_plant.text}
            yield record

    sources: dict[str, tuple[Iterator[dict[str, Any]], list[str] | None]] = {
        "zendesk_ticket_events.ndjson": ((zendesk.ticket_event_json(e) for e in range(1, 2 * size + 1)), None),
        "zendesk_satisfaction_ratings.csv": (
            (zendesk.rating_json("https://sandbox.zendesk.example", j) for j in range(1, size // 3 + 1)),
            RATING_COLUMNS,
        ),
        "gorgias_events.ndjson": (gorgias_events(), None),
        "gorgias_satisfaction_surveys.csv": ((gorgias.survey_json(j) for j in range(1, size // 3 + 1)), SURVEY_COLUMNS),
    }
    broken: list[dict[str, Any]] = []
    # Planted texts that reach an export through the API data (a satisfaction comment) are listed too.
    planted = {p.text: p for p in world.plants}
    for name, (records, columns) in sources.items():
        total = 2 * size if name.endswith(".ndjson") else size // 3
        breaks = {}
        if world.scenario == "leaky":
            for fraction, kind, breaker in _BREAKS[name]:
                breaks[1 + int(fraction * total)] = (kind, breaker)
        header_lines = 1 if columns else 0
        with (directory / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n") if columns else None
            if writer:
                writer.writeheader()
            for number, record in enumerate(records, start=1):
                row: dict[str, Any] | str = record
                carried = [planted[v] for v in _strings(record) if v in planted]
                for plant in carried:
                    if plant.store != "export":  # the export plant itself is already in the manifest
                        broken.append(
                            {
                                "vendor": name.split("_")[0],
                                "kind": "track_data" if plant.disguise == "track2" else "pan",
                                "resource": f"exports/{name}",
                                "location": f"line {number + header_lines}",
                                "pan": plant.pan,
                                "brand": plant.brand,
                                "disguise": plant.disguise,
                            }
                        )
                if number in breaks and not carried:
                    kind, breaker = breaks[number]
                    row = breaker(record)
                    broken.append(
                        {
                            "vendor": name.split("_")[0],
                            "kind": "export_schema",
                            "resource": f"exports/{name}",
                            "location": f"line {number + header_lines}",
                            "detail": kind,
                        }
                    )
                if writer is not None and isinstance(row, dict):
                    writer.writerow(row)
                else:
                    out.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return broken


def _strings(record: dict[str, Any]) -> Iterator[str]:
    for value in record.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _strings(value)
