"""`vendor-audit scan`: the audit's PAN scanner over files, one finding per JSON object."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vendor_audit.pan import scan_ndjson, scan_record, scan_text

__all__ = ["scan_path"]


def _finding(path: Path, where: dict[str, Any], match: Any) -> dict[str, Any]:
    return {"path": str(path), **where, "kind": match.kind, "brand": match.brand, "masked": match.masked}


def scan_path(path: Path) -> Iterator[dict[str, Any]]:
    """Findings in one file: NDJSON and JSON by record and JSON pointer, CSV by line and column, text by line."""
    suffix = path.suffix.lower()
    if suffix in {".ndjson", ".jsonl"}:
        with path.open("rb") as handle:
            for number, pointer, match in scan_ndjson(handle):
                yield _finding(path, {"line": number, "pointer": pointer}, match)
    elif suffix == ".json":
        try:
            record = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except ValueError:
            record = path.read_text(encoding="utf-8", errors="replace")
        for pointer, match in scan_record(record):
            yield _finding(path, {"pointer": pointer}, match)
    elif suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            header: list[str] = []
            for row in reader:
                if not header:
                    header = row
                    continue
                for pointer, match in scan_record(dict(zip(header, row, strict=False))):
                    yield _finding(path, {"line": reader.line_num, "pointer": pointer}, match)
    else:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                for match in scan_text(line):
                    yield _finding(path, {"line": number, "column": match.start + 1}, match)
