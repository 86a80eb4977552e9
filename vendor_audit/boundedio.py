"""Reading the files vendors hand over, bounded: line, field and document size; pipes and devices.

`scan`, `validate` and the audit's export checks read files nobody vetted. A line without an end (/dev/zero,
a truncated or hostile export) would otherwise be read into memory whole, a FIFO with no writer would block
`open()` for ever, and a JSON document parsed whole costs ten times its size in memory. Every reader here
counts what it lets through and stops with an `InputError` of one line: what is wrong, where, and what to do.

Regular files are read as they are. A pipe or device (a FIFO, /dev/zero, `<(zcat export.gz)`) is read only
when named explicitly, opened without blocking and waited for at most `idle_seconds` at a time; a directory
walk skips them (`regular_files`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import select
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, cast

import orjson

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "DEPTH_HINT",
    "InputError",
    "Limits",
    "MiB",
    "csv_field_limit",
    "csv_problem",
    "open_binary",
    "open_text",
    "parse_json",
    "read_document",
    "regular_files",
    "size",
    "sniff_encoding",
]

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a file the readers let through; the CLI's --max-record-bytes and friends set these."""

    record_bytes: int = 16 * MiB  # a line of NDJSON, CSV or text; a CSV field
    document_bytes: int = 256 * MiB  # a JSON document, parsed whole (its records are in memory together)
    idle_seconds: float = 30.0  # a pipe or device named explicitly may send nothing for this long


class InputError(ValueError):
    """A file that cannot be read within the limits, or not in the shape it claims; one line, without the path."""


def size(count: int) -> str:
    """Bytes as people say them: 16 MiB, 128 KiB, 1000 bytes."""
    for unit, name in ((1 << 30, "GiB"), (MiB, "MiB"), (1 << 10, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} bytes"


def regular_files(directory: Path) -> Iterator[tuple[Path, bool]]:
    """(path, is regular) for everything under `directory`, sorted, symlinked directories not followed."""
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                regular = stat.S_ISREG(path.stat().st_mode)
            except OSError:
                regular = False  # a dangling link: nothing to read
            yield path, regular


class _Guard(io.RawIOBase):
    """The raw bytes of one file, counted: no line longer than `line_limit`, no more than `total_limit` in all."""

    def __init__(self, path: Path, limits: Limits, *, line_limit: int | None, total_limit: int | None) -> None:
        super().__init__()
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, for ever if none comes.
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            mode = os.fstat(self._fd).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(21, "Is a directory", str(path))
        except BaseException:
            os.close(self._fd)
            raise
        self._regular = stat.S_ISREG(mode)
        if self._regular:
            os.set_blocking(self._fd, True)
        self._limits = limits
        self._line_limit = line_limit
        self._total_limit = total_limit
        self._total = 0
        self._run = 0  # bytes since the last newline
        self._newlines = 0
        self.problem: InputError | None = None  # a line over the limit: raised once what came before is read

    # What it lets through is the file's own bytes, only ever cut short: the PAN screen's workers may read their
    # chunks from the file itself (pan.screen._regular_file).
    reads_file_as_is = True

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def tell(self) -> int:
        return os.lseek(self._fd, 0, os.SEEK_CUR) if self._regular else self._total

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self.problem is not None:  # cut at an over-long line: the reader sees the end of the file
            return 0
        view = memoryview(buffer).cast("B")
        data = os.read(self._fd, len(view)) if self._regular else self._read_stream(len(view))
        self._total += len(data)
        if self._total_limit is not None and self._total > self._total_limit:
            raise InputError(
                f"larger than {size(self._total_limit)}, the most read as one document; raise --max-document-bytes, "
                "or export line-delimited records (NDJSON) instead"
            )
        if self._line_limit is not None:
            data = data[: self._lines_within(data, self._line_limit)]
        view[: len(data)] = data
        return len(data)

    def _lines_within(self, data: bytes, limit: int) -> int:
        """How much of `data` to let through: all of it, or up to where a line grows past `limit`."""
        if self._run + len(data) <= limit:  # no line in here can be too long: C-speed bookkeeping only
            newlines = data.count(b"\n")
            self._newlines += newlines
            self._run = len(data) - data.rfind(b"\n") - 1 if newlines else self._run + len(data)
            return len(data)
        start = 0
        while True:
            end = data.find(b"\n", start)
            if self._run + ((len(data) if end == -1 else end) - start) > limit:
                self.problem = InputError(
                    f"line {self._newlines + 1} is longer than {size(limit)}; raise --max-record-bytes if records "
                    "are this long, or check that the file is line-delimited text"
                )
                # What came before is read and reported; of a line begun in an earlier read, nothing more.
                return start if self._run == 0 else 0
            if end == -1:
                self._run += len(data) - start
                return len(data)
            self._newlines += 1
            self._run = 0
            start = end + 1

    def _read_stream(self, count: int) -> bytes:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLPRI)
        while True:
            # Linux reports nothing, not even POLLHUP, for a FIFO that never had a writer: the idle bound ends it.
            if not poller.poll(self._limits.idle_seconds * 1000):
                raise InputError(
                    f"nothing to read for {self._limits.idle_seconds:g} s (a pipe or device: is anything writing "
                    "to it?); raise --idle-seconds to wait longer"
                )
            try:
                return os.read(self._fd, count)
            except BlockingIOError:
                continue

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class _Lines(io.BufferedReader):
    """Ends where a line grows past the limit; leaving the `with` block then raises that line's InputError."""

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        guard = cast(_Guard, self.raw)
        super().__exit__(kind, value, trace)
        if kind is None and guard.problem is not None:
            raise guard.problem


class _Text(io.TextIOWrapper):
    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        guard = cast(_Guard, cast(io.BufferedReader, self.buffer).raw)
        super().__exit__(kind, value, trace)
        if kind is None and guard.problem is not None:
            raise guard.problem


def open_binary(path: Path, limits: Limits) -> BinaryIO:
    """The file for reading in binary, lines up to `limits.record_bytes`, to use in a `with` block.

    At a longer line the file seems to end: every line before it is read (and its findings reported), and
    leaving the `with` block raises the InputError that names the line.
    """
    guard = _Guard(path, limits, line_limit=limits.record_bytes, total_limit=None)
    return cast(BinaryIO, _Lines(guard, buffer_size=1 << 20))


def open_text(path: Path, limits: Limits, *, newline: str | None = None, sniff: bool = False) -> TextIO:
    """The file as UTF-8 text (undecodable bytes replaced), bounded as `open_binary`.

    With `sniff`, the encoding is the file's own: UTF-8 (its BOM dropped), or UTF-16 and UTF-32 by BOM or
    by the NUL bytes of mostly ASCII text (Windows tools and Excel's "Unicode text" write UTF-16).
    """
    guard = _Guard(path, limits, line_limit=limits.record_bytes, total_limit=None)
    buffered = io.BufferedReader(guard, buffer_size=1 << 20)
    encoding = sniff_encoding(buffered.peek(64)[:64]) if sniff else "utf-8"
    return _Text(buffered, encoding=encoding, errors="replace", newline=newline)


def sniff_encoding(head: bytes) -> str:
    """The text encoding the first bytes of a file show: a BOM, or NULs at every other byte; else UTF-8."""
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if head.startswith(bom):
            return encoding
    pairs = len(head) // 2
    if pairs >= 2:
        even = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
        odd = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
        if odd >= 0.75 * pairs and even == 0:
            return "utf-16-le"
        if even >= 0.75 * pairs and odd == 0:
            return "utf-16-be"
    return "utf-8"


def read_document(path: Path, limits: Limits) -> bytes:
    """The whole file, at most `limits.document_bytes`."""
    guard = _Guard(path, limits, line_limit=None, total_limit=limits.document_bytes)
    with io.BufferedReader(guard, buffer_size=1 << 20) as handle:
        return handle.read()


def parse_json(data: bytes) -> Any:
    """One JSON value: orjson first (C speed), json for what orjson refuses (integers beyond 64 bits).

    Raises:
        InputError: nested deeper than either parser follows (orjson stops at 1024 levels, json at the
            interpreter's recursion limit): one line instead of a RecursionError.
        ValueError: not JSON (json.JSONDecodeError, with line and column).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data.decode("utf-8", errors="replace"))
    except RecursionError:
        raise InputError(f"nested deeper than the JSON parser follows ({DEPTH_HINT}); flatten the records") from None


DEPTH_HINT = "about 1000 levels"


@contextlib.contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field limit raised to `limit` while one file is read.

    It is 128 KiB by default and process-wide (https://docs.python.org/3/library/csv.html#csv.field_size_limit).
    """
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def csv_problem(exc: csv.Error, line: int, limits: Limits) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"line {line}: a field is longer than {size(limits.record_bytes)}; raise --max-record-bytes if fields "
            "are this long, or check that the file is CSV"
        )
    return f"line {line}: not readable as CSV ({exc}); check that the file is CSV"
