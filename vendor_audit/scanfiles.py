"""`vendor-audit scan`: the audit's PAN scanner over files, one finding per JSON object."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vendor_audit.boundedio import (
    DEPTH_HINT,
    InputError,
    Limits,
    csv_field_limit,
    csv_problem,
    open_binary,
    open_text,
    parse_json,
    read_document,
)
from vendor_audit.pan import scan_ndjson, scan_record, scan_text
from vendor_audit.redact import mask_pans

__all__ = ["scan_path"]

DEFAULT_LIMITS = Limits()


def _finding(path: Path, where: dict[str, Any], match: Any) -> dict[str, Any]:
    if "pointer" in where:  # a JSON key or CSV header can hold a card number too: the pointer shows it masked
        where = {**where, "pointer": mask_pans(where["pointer"])}
    return {"path": str(path), **where, "kind": match.kind, "brand": match.brand, "masked": match.masked}


def scan_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[dict[str, Any]]:
    """Findings in one file: NDJSON and JSON by record and JSON pointer, CSV by line and column, text by line.

    Raises:
        InputError: a line or CSV field over `limits.record_bytes`, a JSON document over
            `limits.document_bytes`, JSON nested deeper than the scanner follows, a pipe that sends nothing.
        OSError: the file cannot be opened.
    """
    try:
        yield from _scan(path, limits)
    except RecursionError:  # the scanner walks records recursively, as deep as the parser let them be
        raise InputError(f"nested deeper than the scanner follows ({DEPTH_HINT}); flatten the records") from None


def _scan(path: Path, limits: Limits) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in {".ndjson", ".jsonl"}:
        with open_binary(path, limits) as handle:
            for number, pointer, match in scan_ndjson(handle):
                yield _finding(path, {"line": number, "pointer": pointer}, match)
    elif suffix == ".json":
        data = read_document(path, limits)
        try:
            record = parse_json(data)
        except InputError:
            raise
        except ValueError:  # not JSON after all: its text is scanned
            record = data.decode("utf-8", errors="replace")
        for pointer, match in scan_record(record):
            yield _finding(path, {"pointer": pointer}, match)
    elif suffix == ".csv":
        with open_text(path, limits, newline="") as handle, csv_field_limit(limits.record_bytes):
            reader = csv.reader(handle)
            header: list[str] = []
            try:
                for row in reader:
                    if not header:
                        header = row
                        continue
                    for pointer, match in scan_record(dict(zip(header, row, strict=False))):
                        yield _finding(path, {"line": reader.line_num, "pointer": pointer}, match)
            except csv.Error as exc:
                raise InputError(csv_problem(exc, reader.line_num, limits)) from None
    else:
        with open_text(path, limits) as lines:
            for number, line in enumerate(lines, start=1):
                for match in scan_text(line):
                    yield _finding(path, {"line": number, "column": match.start + 1}, match)
