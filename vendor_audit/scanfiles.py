"""The PAN scanner over files: `vendor-audit scan`, and the audit's export scan, by one reader per format."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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
    sniff_encoding,
)
from vendor_audit.pan import Joiner, Match, fold, scan_ndjson, scan_record, scan_text
from vendor_audit.redact import mask_pans

__all__ = ["FORMATS", "format_of", "scan_file", "scan_path"]

DEFAULT_LIMITS = Limits()
FORMATS = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv"}
_TEXT_BLOCK = 1 << 18  # characters of a text file scanned as one, so a number broken over lines is read whole
_OVERLAP = 3  # lines a block shares with the next: a number broken over lines is read whole at the seam too

Where = dict[str, Any]


def format_of(path: Path) -> str:
    """ndjson, json, csv, or text (anything else is read as lines of text)."""
    return FORMATS.get(path.suffix.lower(), "text")


def _finding(path: Path, where: Where, match: Match) -> dict[str, Any]:
    if "pointer" in where:  # a JSON key or CSV header can hold a card number too: the pointer shows it masked
        where = {**where, "pointer": mask_pans(where["pointer"])}
    return {"path": str(path), **where, "kind": match.kind, "brand": match.brand, "masked": match.masked}


def scan_path(path: Path, limits: Limits = DEFAULT_LIMITS, jobs: int | None = None) -> Iterator[dict[str, Any]]:
    """Findings in one file, as `vendor-audit scan` writes them (one JSON object each)."""
    for where, match in scan_file(path, format_of(path), limits, jobs):
        yield _finding(path, where, match)


def scan_file(
    path: Path, fmt: str, limits: Limits = DEFAULT_LIMITS, jobs: int | None = None
) -> Iterator[tuple[Where, Match]]:
    """(where, match) in one file: NDJSON by line and pointer, JSON by pointer, CSV and text by line.

    CSV findings carry the column's pointer, text findings the column. UTF-16 and UTF-32 (by BOM or NUL
    pattern) and UTF-8 BOMs are read as text. A long NDJSON file is scanned by `jobs` worker processes
    (default: one per CPU; `pan.scan_ndjson`), the same findings in the same order.

    Raises:
        InputError: a line or CSV field over `limits.record_bytes`, a JSON document over
            `limits.document_bytes`, JSON nested deeper than the scanner follows, a pipe that sends nothing.
        OSError: the file cannot be opened.
    """
    try:
        if fmt == "ndjson":
            yield from _scan_ndjson(path, limits, jobs)
        elif fmt == "json":
            yield from _scan_json(path, limits)
        elif fmt == "csv":
            yield from _scan_csv(path, limits)
        else:
            yield from _scan_text(path, limits)
    except RecursionError:  # the scanner walks records recursively, as deep as the parser let them be
        raise InputError(f"nested deeper than the scanner follows ({DEPTH_HINT}); flatten the records") from None


class _Utf8(io.RawIOBase):
    """A text stream as UTF-8 bytes: a UTF-16 NDJSON file goes through the same fast path as UTF-8."""

    def __init__(self, text: io.TextIOBase) -> None:
        super().__init__()
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while len(self._pending) < len(view):
            piece = self._text.read(1 << 16)
            if not piece:
                break
            self._pending += piece.encode("utf-8")
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _scan_ndjson(path: Path, limits: Limits, jobs: int | None) -> Iterator[tuple[Where, Match]]:
    with open_binary(path, limits) as handle:
        encoding = sniff_encoding(handle.peek(64)[:64])  # type: ignore[attr-defined]
        if encoding == "utf-8-sig":
            handle.read(3)
        stream: BinaryIO = handle
        if encoding not in ("utf-8", "utf-8-sig"):
            text = io.TextIOWrapper(handle, encoding=encoding, errors="replace")
            stream = io.BufferedReader(_Utf8(text), buffer_size=1 << 20)
        for number, pointer, match in scan_ndjson(stream, jobs=jobs):
            yield {"line": number, "pointer": pointer}, match


def _scan_json(path: Path, limits: Limits) -> Iterator[tuple[Where, Match]]:
    data = read_document(path, limits)
    encoding = sniff_encoding(data[:64])
    if encoding != "utf-8":
        data = data.decode(encoding, errors="replace").encode("utf-8")
    try:
        record = parse_json(data)
    except InputError:
        raise
    except ValueError:  # not JSON after all: its text is scanned
        record = data.decode("utf-8", errors="replace")
    for pointer, match in scan_record(record):
        yield {"pointer": pointer}, match


def _looks_like_header(row: list[str]) -> bool:
    """A header names columns: no cell of it is a number or holds a long run of digits."""
    return bool(row) and all(sum(c.isdigit() for c in cell) < 4 for cell in row)


def _scan_csv(path: Path, limits: Limits) -> Iterator[tuple[Where, Match]]:
    with open_text(path, limits, newline="", sniff=True) as handle, csv_field_limit(limits.record_bytes):
        reader = csv.reader(handle)
        header: list[str] | None = None
        # The same column of consecutive rows, as the same field of consecutive messages: a chat export
        # with one message a row splits a number over rows.
        across: dict[int, Joiner] = {}
        try:
            for row in reader:
                line = reader.line_num
                if header is None and line == 1 and _looks_like_header(row):
                    header = row
                    for column, cell in enumerate(row):  # a header cell can hold a number too
                        for match in scan_text(cell):
                            yield {"line": line, "pointer": f"/{column}"}, match
                    continue
                names = header or []
                record: dict[str, str] | list[str] = (
                    dict(zip(names, row, strict=False)) if header and len(set(header)) == len(header) else row
                )
                for pointer, match in scan_record(record):
                    yield {"line": line, "pointer": pointer}, match
                for column, cell in enumerate(row):
                    name = names[column] if column < len(names) else None
                    joiner = across.setdefault(column, Joiner())
                    for where, match in joiner.feed(cell, f"{line}", name):
                        yield {"line": int(where), "pointer": f"/{name if name else column}"}, match
        except csv.Error as exc:
            raise InputError(csv_problem(exc, reader.line_num, limits)) from None
        for column, joiner in across.items():
            name = header[column] if header and column < len(header) else None
            for where, match in joiner.flush():
                yield {"line": int(where), "pointer": f"/{name if name else column}"}, match


def _scan_text(path: Path, limits: Limits) -> Iterator[tuple[Where, Match]]:
    """Lines of text scanned in blocks, so a number broken over two lines is found.

    A block's last lines open the next block too; what was found there is not reported twice.
    """
    with open_text(path, limits, sniff=True) as lines:
        block: list[str] = []
        size = 0
        first_line = 1
        reported: set[tuple[int, str]] = set()
        for line in lines:
            block.append(line)
            size += len(line)
            if size >= _TEXT_BLOCK:
                yield from _scan_block(block, first_line, reported)
                keep = min(_OVERLAP, len(block) - 1)
                first_line += len(block) - keep
                block = block[len(block) - keep :]
                size = sum(map(len, block))
        if block:
            yield from _scan_block(block, first_line, reported)


def _scan_block(block: list[str], first_line: int, reported: set[tuple[int, str]]) -> Iterator[tuple[Where, Match]]:
    text = "".join(block)
    starts = [0]  # where each line starts in the text as the scanner folds it (full-width digits, ligatures)
    for line in block:
        starts.append(starts[-1] + len(fold(line, keep_gaps=True)))
    found = []
    for match in scan_text(text):
        index = bisect_right(starts, match.start) - 1
        key = (first_line + index, match.digits)
        if key in reported:
            continue
        found.append(key)
        yield {"line": first_line + index, "column": match.start - starts[index] + 1}, match
    reported.clear()
    reported.update(found)
