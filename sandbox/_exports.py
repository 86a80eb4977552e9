"""The vendors' raw event export files (NDJSON and CSV), written streaming into the run directory.

Each stand-in declares its files (`ExportFile`); the leaky scenario breaks a few records on purpose, each
listed in the manifest with its line, so a validator can be held to finding exactly those.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._data import World
from ._standin import ExportFile


def schema_reference(export: ExportFile, directory: Path) -> str:
    """What the profile's `schema` says for the file: a shipped schema's name, or the path of the one written."""
    if isinstance(export.schema, str):
        return export.schema
    return str((directory / f"{Path(export.name).stem}.schema.json").resolve())


def write_export(world: World, export: ExportFile, directory: Path) -> list[dict[str, Any]]:
    """Write one export file (and its schema, when the stand-in brings its own); return what it broke or carried."""
    directory.mkdir(parents=True, exist_ok=True)
    if not isinstance(export.schema, str):
        Path(schema_reference(export, directory)).write_text(json.dumps(export.schema, indent=1) + "\n")
    breaks = {1 + int(fraction * export.total): (kind, breaker) for fraction, kind, breaker in export.breaks}
    header_lines = 1 if export.columns else 0
    # Planted texts that reach an export through the API data (a satisfaction comment) are listed too.
    planted = {p.text: p for p in world.plants}
    found: list[dict[str, Any]] = []
    with (directory / export.name).open("w", encoding="utf-8", newline="") as out:
        writer = (
            csv.DictWriter(out, list(export.columns), extrasaction="ignore", lineterminator="\n")
            if export.columns
            else None
        )
        if writer:
            writer.writeheader()
        for number, record in enumerate(export.records(), start=1):
            row: dict[str, Any] | str = record
            carried = [planted[v] for v in _strings(record) if v in planted]
            for plant in carried:
                if plant.store != "export":  # the export plant itself is already in the manifest
                    found.append(
                        {
                            "vendor": export.vendor,
                            "kind": "track_data" if plant.disguise == "track2" else "pan",
                            "resource": f"exports/{export.name}",
                            "location": f"line {number + header_lines}",
                            "pan": plant.pan,
                            "brand": plant.brand,
                            "disguise": plant.disguise,
                        }
                    )
            if number in breaks and not carried:
                kind, breaker = breaks[number]
                row = breaker(record)
                found.append(
                    {
                        "vendor": export.vendor,
                        "kind": "export_schema",
                        "resource": f"exports/{export.name}",
                        "location": f"line {number + header_lines}",
                        "detail": kind,
                    }
                )
            if writer is not None and isinstance(row, dict):
                writer.writerow(row)
            else:
                out.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return found


def _strings(record: dict[str, Any]) -> Iterator[str]:
    for value in record.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _strings(value)
