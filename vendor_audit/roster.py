"""The BPO's roster (or an identity provider's export): who should hold a helpdesk account, and since when.

A CSV file with a header row, or a JSON array of objects, with these columns:

    email       required: the person's sign-in address, compared case-insensitively with the accounts'
    name        optional
    status      optional: "active" or "left" (blank: active unless end_date has passed)
    start_date  optional ISO date (2025-03-01): the first day of work
    end_date    optional ISO date: the last day of work
    vendor      optional: the vendor name (or type) of the profile this row is for; blank: every vendor

The file is read bounded (`vendor_audit.boundedio`), as the audit reads every file it did not write; every
problem is one `RosterError` naming the file and the line or column.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vendor_audit.boundedio import (
    InputError,
    Limits,
    csv_field_limit,
    csv_problem,
    open_text,
    parse_json,
    read_document,
)

__all__ = ["COLUMNS", "RosterEntry", "RosterError", "Turnover", "annual_turnover", "read_roster"]

COLUMNS = ("email", "name", "status", "start_date", "end_date", "vendor")
_STATUSES = ("active", "left")
# A roster is a list of people, not an export of events: a few MiB at most, parsed whole.
_LIMITS = Limits(record_bytes=1 << 20, document_bytes=64 << 20, idle_seconds=5)


class RosterError(ValueError):
    """The roster cannot be read, or not as a roster: one line naming the file and what to change."""


@dataclass(frozen=True, slots=True)
class RosterEntry:
    email: str  # lower-cased
    name: str
    status: str  # "active" or "left", as the file says (blank reads as "active")
    start_date: dt.date | None
    end_date: dt.date | None
    vendor: str | None
    where: str  # "line 4" (CSV) or "item 3" (JSON), for messages

    def left(self, today: dt.date) -> bool:
        """Whether the person has left by `today`: marked so, or past the last day of work."""
        return self.status == "left" or (self.end_date is not None and self.end_date < today)

    def applies_to(self, vendor: str, vendor_type: str) -> bool:
        return self.vendor is None or self.vendor.lower() in (vendor.lower(), vendor_type.lower())


@dataclass(frozen=True, slots=True)
class Turnover:
    """Annual turnover: leavers in the last 365 days / average headcount over those days."""

    leavers: int  # people whose end_date falls in the window
    average_headcount: float  # the mean over the window's days of the people employed that day
    undated_leavers: int  # marked "left" without an end_date: they cannot be placed in the window

    @property
    def rate(self) -> float | None:
        return self.leavers / self.average_headcount if self.average_headcount > 0 else None


def read_roster(path: Path, limits: Limits = _LIMITS) -> list[RosterEntry]:
    """Every person on the roster at `path` (CSV with a header row, or a JSON array of objects).

    Raises:
        RosterError: the file is missing or unreadable, has no `email` column, or a row holds a value that is
            not what its column takes (a status other than active/left, a date that is not ISO).
    """
    try:
        rows = _json_rows(path, limits) if path.suffix.lower() == ".json" else _csv_rows(path, limits)
        return [_entry(where, row) for where, row in rows]
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file; export the BPO's roster there, or fix [access] roster") from None
    except IsADirectoryError:
        raise RosterError(f"{path} is a directory; name the roster file in it in [access] roster") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    except InputError as exc:
        raise RosterError(f"{path}: {exc}") from None
    except _RowError as exc:
        raise RosterError(f"{path}: {exc}") from None


class _RowError(ValueError):
    pass


def _csv_rows(path: Path, limits: Limits) -> list[tuple[str, Mapping[str, Any]]]:
    rows: list[tuple[str, Mapping[str, Any]]] = []
    with open_text(path, limits, newline="", sniff=True) as handle, csv_field_limit(limits.record_bytes):
        reader = csv.DictReader(handle)
        try:
            header = [(name or "").strip().lower() for name in reader.fieldnames or []]
            if "email" not in header:
                raise _RowError(_no_email("its first line", header))
            reader.fieldnames = header  # column names compared as people write them: " Email" is email
            for row in reader:
                if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                    rows.append((f"line {reader.line_num}", row))
        except csv.Error as exc:
            raise InputError(csv_problem(exc, reader.line_num, limits)) from None
    return rows


def _json_rows(path: Path, limits: Limits) -> list[tuple[str, Mapping[str, Any]]]:
    try:
        data = parse_json(read_document(path, limits))
    except InputError:
        raise
    except ValueError as exc:
        raise _RowError(f"not valid JSON ({exc}); a JSON roster is an array of objects with an email key") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise _RowError('not a JSON array of objects; a JSON roster is [{"email": ..., "status": ...}, ...]')
    rows: list[tuple[str, Mapping[str, Any]]] = [
        (f"item {i}", {str(k).strip().lower(): v for k, v in item.items()}) for i, item in enumerate(data)
    ]
    if rows and not any("email" in row for _, row in rows):
        raise _RowError(_no_email("any object", sorted({k for _, row in rows for k in row})))
    return rows


def _no_email(where: str, found: Iterable[str]) -> str:
    columns = ", ".join(c for c in found if c) or "none"
    return f"no 'email' column in {where} (found: {columns}); add an email column: {', '.join(COLUMNS)}"


def _entry(where: str, row: Mapping[str, Any]) -> RosterEntry:
    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None else str(value).strip()

    email = text("email").lower()
    if not email:
        raise _RowError(f"{where}: the email column is empty; every person on the roster needs one")
    status = text("status").lower() or "active"
    if status not in _STATUSES:
        raise _RowError(f"{where}: status {text('status')!r}; expected active or left")
    return RosterEntry(
        email=email,
        name=text("name"),
        status=status,
        start_date=_date(where, "start_date", text("start_date")),
        end_date=_date(where, "end_date", text("end_date")),
        vendor=text("vendor") or None,
        where=where,
    )


def _date(where: str, column: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:  # an identity provider's export writes timestamps: 2025-03-01T09:00:00Z
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise _RowError(f"{where}: {column} {value!r} is not an ISO date; write it as 2025-03-01") from None


def annual_turnover(entries: Iterable[RosterEntry], today: dt.date) -> Turnover | None:
    """Turnover over the 365 days before `today`: leavers in that window / average headcount over it.

    A leaver is a person whose end_date falls in the window. The headcount of a day counts the people whose
    start_date (when given) is on or before it and whose end_date (when given) is on or after it; the average is
    the mean over the window's 365 days. People marked "left" without an end_date cannot be placed in time:
    they count in neither and are returned as `undated_leavers`. None when the roster gives no date at all, so
    nothing can be said about a year.
    """
    people = list(entries)
    if not any(p.start_date or p.end_date for p in people):
        return None
    first = today - dt.timedelta(days=364)  # the window: first .. today, 365 days
    dated = [p for p in people if not (p.status == "left" and p.end_date is None)]
    leavers = sum(1 for p in dated if p.end_date is not None and first <= p.end_date <= today)
    # Each person adds the days of the window they were employed: sum over people = sum over days.
    employed_days = 0
    for p in dated:
        start = max(first, p.start_date or first)
        end = min(today, p.end_date or today)
        employed_days += max(0, (end - start).days + 1)
    return Turnover(
        leavers=leavers,
        average_headcount=employed_days / 365,
        undated_leavers=len(people) - len(dated),
    )
