"""Export validation speed: vendor-audit's validator against plain python-jsonschema, side by side.

    python3 benchmarks/validator_speed.py [--records 200000]

Writes --records NDJSON event records (1 % invalid, 8 kinds of defect in rotation, three of them
found only with format checking), validates the file with python-jsonschema (one reused
Draft202012Validator, format checking on, json.loads per line: the usual way) and with
vendor-audit's validator, and prints records/s, the ratio, peak memory and whether both found
exactly the same invalid lines.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - puts the repository on sys.path
import jsonschema

from vendor_audit.exports import FORMATS, validate_export

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["event_id", "ticket_id", "event_type", "channel", "created_at", "agent", "customer", "tags"],
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "ticket_id": {"type": "integer", "minimum": 1},
        "event_type": {"enum": ["created", "assigned", "replied", "solved", "reopened", "rated"]},
        "channel": {"enum": ["email", "chat", "web", "voice", "sms"]},
        "created_at": {"$ref": "#/$defs/ts"},
        "first_reply_at": {"anyOf": [{"$ref": "#/$defs/ts"}, {"type": "null"}]},
        "solved_at": {"anyOf": [{"$ref": "#/$defs/ts"}, {"type": "null"}]},
        "agent": {"type": ["string", "null"], "pattern": "^agent-[0-9]{1,6}$"},
        "wait_seconds": {"type": ["integer", "null"], "minimum": 0},
        "csat": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "tags": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z_]{2,20}$"},
            "uniqueItems": True,
            "maxItems": 20,
        },
        "customer": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "country"],
            "properties": {
                "id": {"type": "integer"},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "shopify_customer_id": {"type": ["integer", "null"]},
            },
        },
        "public": {"type": "boolean"},
        "export_date": {"type": "string", "format": "date"},
    },
    "$defs": {"ts": {"type": "string", "format": "date-time"}},
}
Defect = Callable[[dict[str, Any]], dict[str, Any]]
DEFECTS: list[tuple[str, Defect | None]] = [
    ("channel", lambda r: r | {"channel": "pigeon"}),
    ("csat", lambda r: r | {"csat": 6}),
    ("missing", lambda r: {k: v for k, v in r.items() if k != "created_at"}),
    ("no_offset", lambda r: r | {"created_at": r["created_at"].replace("Z", "")}),  # format only
    ("feb30", lambda r: r | {"solved_at": "2026-02-30T10:00:00Z"}),  # format only
    ("uuid", lambda r: r | {"event_id": "not-a-uuid"}),  # format only
    ("extra", lambda r: r | {"agent_name": "Ana"}),
    ("truncated", None),
]


def write_records(path: Path, count: int) -> set[int]:
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    bad_lines: set[int] = set()
    with path.open("w") as out:
        for line in range(1, count + 1):
            record = {
                "event_id": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
                f"8{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}",
                "ticket_id": rng.randrange(1, 10**6),
                "event_type": rng.choice(["created", "assigned", "replied", "solved", "reopened", "rated"]),
                "channel": rng.choice(["email", "chat", "web", "voice", "sms"]),
                "created_at": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                f"T10:{rng.randrange(60):02d}:00Z",
                "first_reply_at": None,
                "solved_at": "2026-03-01T12:00:00Z",
                "agent": f"agent-{rng.randrange(1000)}",
                "wait_seconds": rng.randrange(0, 5000),
                "csat": rng.choice([None, 1, 2, 3, 4, 5]),
                "tags": rng.sample(["wismo", "refund", "vip", "damaged", "address_change"], 2),
                "customer": {
                    "id": rng.randrange(10**6),
                    "country": rng.choice(["PT", "DE", "US"]),
                    "shopify_customer_id": None,
                },
                "public": True,
                "export_date": "2026-11-01",
            }
            text = json.dumps(record)
            if line % 100 == 0:
                _, breaker = DEFECTS[(line // 100) % len(DEFECTS)]
                text = json.dumps(breaker(record)) if breaker else text[:60]
                bad_lines.add(line)
            out.write(text + "\n")
    return bad_lines


def plain_jsonschema(path: Path) -> set[int]:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMATS)
    bad: set[int] = set()
    with path.open() as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except ValueError:
                bad.add(number)
                continue
            if any(True for _ in validator.iter_errors(record)):
                bad.add(number)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "events.ndjson"
        schema_path = Path(tmp) / "event.schema.json"
        schema_path.write_text(json.dumps(SCHEMA))
        planted = write_records(data, args.records)
        print(f"{args.records:,} records, {data.stat().st_size / 2**20:.1f} MiB, {len(planted):,} invalid")

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        report = validate_export(data, "ndjson", str(schema_path), cap=100)
        ours_s = time.perf_counter() - started
        ours_bad = {int(loc.split()[1]) for loc in report.invalid_locations}
        rss_ours = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024

        started = time.perf_counter()
        plain_bad = plain_jsonschema(data)
        plain_s = time.perf_counter() - started

        print(
            f"python-jsonschema (reused validator, formats on): {args.records / plain_s:9,.0f} records/s "
            f"({plain_s:6.1f} s), {len(plain_bad):,} invalid"
        )
        print(
            f"vendor-audit validator:                           {args.records / ours_s:9,.0f} records/s "
            f"({ours_s:6.1f} s), {len(ours_bad):,} invalid, peak RSS growth {rss_ours:.1f} MiB"
        )
        print(
            f"ratio: {plain_s / ours_s:.1f}x; same invalid records as python-jsonschema: {ours_bad == plain_bad}; "
            f"all planted found: {ours_bad == planted}"
        )
        print(f"errors by kind: {dict(report.counts)}")
        print(f"first error: {report.errors[0].location} {report.errors[0].message}")


if __name__ == "__main__":
    main()
