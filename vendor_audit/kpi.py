"""Service-level KPIs recomputed from the vendors' raw exports: first reply, resolution, SLA, CSAT, one-touch, reopens.

Vendors report on their own scorecards (issue 16); this module recomputes the figures from what the helpdesk itself
recorded, streaming over the exports through `boundedio` (one record at a time; a JSON document is read whole within
`Limits.document_bytes`).

Sources and rules (reference/exports-kpis.md sections 1.1, 1.2, 2):

- Zendesk ticket metric events (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/
  and https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/#ticket-metric-event-types-reference):
  first reply is `reply_time` instance 1, full resolution is `resolution_time` up to its last `fulfill`. A clock
  runs from an `activate` and stops at a `pause` until the next `activate`; a `fulfill` does not stop it, so a
  reopened ticket's resolution counts from creation to its final solve, as Zendesk's full_resolution_time does.
  Zendesk's own SLA events are the truth where present: a `breach` (not `deleted`) at or before the reply, or with
  no reply, is a miss whatever we compute; otherwise the reply time is compared with the last `apply_sla` target.
- Zendesk ticket_metrics (one per ticket): `replies` (one-touch), `reopens`, `solved_at`; their reply and resolution
  minutes are used only for tickets no metric event speaks of.
- Zendesk ticket events: creation, channel (`via`), priority, and status changes solved -> open (reopens).
- Zendesk satisfaction ratings: good / (good + bad); offered and unoffered are not answers.
- Gorgias tickets, messages, satisfaction surveys: first reply is the first public agent message that no rule sent
  (automation is not a reply); resolution is created_datetime -> closed_datetime (Gorgias counts snoozed as closed);
  CSAT is score 4 or 5 of 5 over scored surveys. Gorgias timestamps without an offset are read as UTC.

Memory: the exports stream; what stays is per ticket, because a ticket's events may be anywhere in the file (exports
are ordered by time, not ticket): a few scalars plus 16 bytes per reply/resolution clock event (activate, pause,
fulfill), then its TicketKpi and its minutes in the percentile arrays, ~1.1 KiB a ticket in all. Other metrics'
events (agent_work_time, ...) keep nothing. 1M metric events over 82k tickets: 113 MiB peak RSS, 88 MiB above the
interpreter (benchmarks/kpi_speed.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vendor_audit.boundedio import InputError, Limits, parse_json, read_document
from vendor_audit.exports import iter_records

if TYPE_CHECKING:
    from vendor_audit.profile import ExportSpec

__all__ = [
    "DEFAULT_LIMITS",
    "KINDS",
    "METRICS",
    "KpiResult",
    "KpiRow",
    "KpiSource",
    "Schedule",
    "TicketKpi",
    "compute",
    "guess_kind",
    "percentile",
    "sources_from_exports",
]

KINDS = (
    "zendesk.ticket_metric_event",
    "zendesk.ticket_metrics",
    "zendesk.satisfaction_rating",
    "zendesk.ticket_event",
    "gorgias.ticket",
    "gorgias.message",
    "gorgias.satisfaction_survey",
)
METRICS = ("first_reply_time", "full_resolution_time", "within_sla", "csat", "one_touch", "reopen_rate")
DEFAULT_LIMITS = Limits()

# The list keys of the vendors' API pages, so a saved page ({"ticket_metric_events": [...], "next_page": ...})
# reads as its records; "data" is Gorgias's envelope.
_ENVELOPES = {
    "zendesk.ticket_metric_event": "ticket_metric_events",
    "zendesk.ticket_metrics": "ticket_metrics",
    "zendesk.satisfaction_rating": "satisfaction_ratings",
    "zendesk.ticket_event": "ticket_events",
    "gorgias.ticket": "data",
    "gorgias.message": "data",
    "gorgias.satisfaction_survey": "data",
}


# Where each metric comes from, for a check's manual message: what to export so the audit can recompute it.
METRIC_SOURCES = {
    "first_reply_time": "Zendesk ticket metric events (incremental/ticket_metric_events) or ticket_metrics, or "
    "Gorgias tickets and messages",
    "full_resolution_time": "Zendesk ticket metric events or ticket_metrics, or Gorgias tickets",
    "csat": "Zendesk satisfaction ratings or Gorgias satisfaction surveys",
    "one_touch": "Zendesk ticket_metrics (replies) or Gorgias messages",
}


@dataclass(frozen=True, slots=True)
class KpiSource:
    vendor: str  # the profile's vendor name, e.g. "zendesk"
    kind: str  # one of KINDS
    path: Path
    format: str  # "ndjson", "json", "csv"


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One metric for one vendor, over all channels and priorities (None) or one of each.

    Durations are calendar minutes, or business minutes when `compute` was given a schedule. `within_sla` rows carry
    the share in both `within_sla` and `value`, and as target the one most of their tickets had.
    """

    metric: str
    vendor: str
    channel: str | None
    priority: str | None
    count: int
    p50_minutes: float | None
    p90_minutes: float | None
    sla_target_minutes: float | None
    within_sla: float | None
    value: float | None
    period_start: str | None
    period_end: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "vendor": self.vendor,
            "channel": self.channel,
            "priority": self.priority,
            "count": self.count,
            "p50_minutes": self.p50_minutes,
            "p90_minutes": self.p90_minutes,
            "sla_target_minutes": self.sla_target_minutes,
            "within_sla": self.within_sla,
            "value": self.value,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }


class TicketKpi(NamedTuple):
    """What was recomputed for one ticket (a tuple: 100k of them stay small). Times are epoch seconds, UTC."""

    created: float | None
    channel: str | None
    priority: str | None
    first_reply_minutes: float | None  # calendar
    first_reply_business_minutes: float | None  # None without a schedule
    full_resolution_minutes: float | None
    full_resolution_business_minutes: float | None
    sla_target_minutes: float | None
    breached: bool | None  # a Zendesk breach event counted (None: no SLA applied nor breached)
    within_sla: bool | None  # None: left out (no SLA, or its target still running)
    fulfilled_at: float | None  # the first reply's fulfill
    csat_good: bool | None
    replies: int | None
    reopened: bool | None
    solved: bool | None


@dataclass
class KpiResult:
    rows: list[KpiRow]
    problems: list[str]  # a file that could not be read whole, one line each: the caller reports them
    per_ticket: dict[tuple[str, str], TicketKpi] = field(default_factory=dict)
    # (vendor, metric) -> tickets in the period whose clock is still running (no reply yet, not solved, SLA target
    # not yet due): left out of that metric, which is not a problem of the files.
    pending: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Business hours: weekly intervals in an IANA time zone (no holidays), for business minutes.

    `intervals` are (weekday 0=Monday, start minute of the day, end minute of the day), end up to 1440, read as
    wall-clock time on each date, so DST shifts move them as Zendesk's schedules do.
    """

    timezone: str
    intervals: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}; give an IANA name such as Europe/Lisbon") from None
        for day, start, end in self.intervals:
            if not (0 <= day <= 6 and 0 <= start < end <= 1440):
                raise ValueError(
                    f"business-hours interval {(day, start, end)}: give (weekday 0-6, start minute, end minute) "
                    "with 0 <= start < end <= 1440"
                )

    def business_minutes(self, start: float, end: float) -> float:
        """Minutes of the schedule's intervals between two epoch times."""
        if end <= start:
            return 0.0
        zone, by_day = _compiled(self)
        day = dt.datetime.fromtimestamp(start, zone).date() - dt.timedelta(days=1)
        last = dt.datetime.fromtimestamp(end, zone).date()
        total = 0.0
        while day <= last:
            spans = by_day[day.weekday()]
            if spans:
                midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
                for first, stop in spans:
                    # Aware datetime + timedelta is wall-clock arithmetic: 09:00 stays 09:00 across a DST change.
                    low = (midnight + dt.timedelta(minutes=first)).timestamp()
                    high = (midnight + dt.timedelta(minutes=stop)).timestamp()
                    overlap = min(high, end) - max(low, start)
                    if overlap > 0:
                        total += overlap
            day += dt.timedelta(days=1)
        return total / 60.0


@functools.lru_cache(maxsize=64)
def _compiled(schedule: Schedule) -> tuple[ZoneInfo, tuple[tuple[tuple[int, int], ...], ...]]:
    by_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for day, start, end in schedule.intervals:
        by_day[day].append((start, end))
    return ZoneInfo(schedule.timezone), tuple(tuple(sorted(spans)) for spans in by_day)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between closest ranks: numpy's default ("linear", type 7).

    Rank h = (n - 1) * q over the sorted values; the result is x[floor h] + (h - floor h) * (x[floor h + 1] -
    x[floor h]). [1, 2, 3, 4]: p50 = 2.5, p90 = 3.7.

    Raises:
        ValueError: no values, or q outside 0..1.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside 0..1")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def guess_kind(path: Path) -> str | None:
    """The kind a file's name says: its name without extension is the kind with "_" for ".", singular or plural.

    zendesk_ticket_metric_events.ndjson -> zendesk.ticket_metric_event; gorgias-messages.json -> gorgias.message.
    """
    stem = path.name.split(".", 1)[0].lower().replace("-", "_")
    for kind in KINDS:
        flat = kind.replace(".", "_")
        if stem in {flat, flat + "s", flat.removesuffix("s")}:
            return kind
    return None


def sources_from_exports(exports: Iterable[ExportSpec]) -> list[KpiSource]:
    """The profile's exports whose schema is a KPI kind; the others (audit logs, ...) are not KPI sources."""
    return [
        KpiSource(spec.vendor or spec.schema.split(".", 1)[0], spec.schema, spec.path, spec.format)
        for spec in exports
        if spec.schema in KINDS
    ]


# Clock event codes, ordered so that at one instant an activate comes before a pause or a fulfill.
_ACTIVATE, _PAUSE, _FULFILL = 0.0, 1.0, 2.0
_CLOCK_CODES = {"activate": _ACTIVATE, "pause": _PAUSE, "fulfill": _FULFILL}
_REOPENED_FROM = {"solved", "closed"}
_OPEN_AGAIN = {"new", "open", "pending", "hold"}


class _Ticket:
    """Per-ticket state while the files stream: a few scalars and two arrays of (time, code) pairs."""

    __slots__ = (
        "agent_messages",
        "breach",
        "channel",
        "closed",
        "created",
        "csat",
        "csat_at",
        "first_agent",
        "metrics_reply",
        "metrics_resolution",
        "priority",
        "priority_at",
        "reopened",
        "replies",
        "reply",
        "resolution",
        "seen",
        "sla_at",
        "sla_business",
        "sla_target",
        "solved",
        "spam",
    )

    def __init__(self) -> None:
        self.created: float | None = None  # from a source that says when the ticket was made
        self.seen: float | None = None  # the earliest time of any record about it: creation when nothing says
        self.channel: str | None = None
        self.priority: str | None = None
        self.priority_at = -math.inf
        self.reply: array[float] | None = None  # reply_time instance 1: time, code, time, code ...
        self.resolution: array[float] | None = None
        self.sla_target: float | None = None
        self.sla_business = False
        self.sla_at = -math.inf
        self.breach: float | None = None
        self.csat: bool | None = None
        self.csat_at = -math.inf
        self.replies: int | None = None
        self.reopened: bool | None = None
        self.solved: bool | None = None
        self.closed: float | None = None  # Gorgias closed_datetime
        self.first_agent: float | None = None  # Gorgias: the first agent message
        self.agent_messages = 0
        self.metrics_reply: tuple[float | None, float | None] | None = None  # ticket_metrics (calendar, business)
        self.metrics_resolution: tuple[float | None, float | None] | None = None
        self.spam = False

    def saw(self, moment: float) -> None:
        if self.seen is None or moment < self.seen:
            self.seen = moment

    def made(self, moment: float) -> None:
        if self.created is None or moment < self.created:
            self.created = moment


def _get(record: dict[str, Any], dotted: str) -> Any:
    """record["sla"]["target"] for "sla.target", or a CSV's flat "sla.target" column."""
    if dotted in record:
        return record[dotted]
    node: Any = record
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _epoch(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 string (no offset: UTC) or an epoch number; None when neither."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and value:
        if value.isdigit():  # a CSV cell of an epoch time (Zendesk ticket events' `timestamp`)
            return float(value)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:  # Gorgias documents naive timestamps (reference 1.2): UTC
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.timestamp()
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # Zendesk's via object: {"channel": "email", "source": {...}}
        value = value.get("channel")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class _Unusable(Exception):
    """A record without the fields its kind needs (a ticket id, a time)."""


class _Reader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.tickets: dict[str, dict[str, _Ticket]] = {}
        self.kinds: dict[str, set[str]] = {}
        self.problems: list[str] = []

    def ticket(self, vendor: str, value: Any) -> _Ticket:
        ticket_id = _id(value)
        if ticket_id is None:
            raise _Unusable
        tickets = self.tickets.setdefault(vendor, {})
        found = tickets.get(ticket_id)
        if found is None:
            found = tickets[ticket_id] = _Ticket()
        return found

    def read(self, source: KpiSource) -> None:
        handler = _HANDLERS.get(source.kind)
        if handler is None:
            self.problems.append(f"{source.path}: unknown KPI kind {source.kind!r}; known: {', '.join(KINDS)}")
            return
        self.kinds.setdefault(source.vendor, set()).add(source.kind)
        malformed: list[str] = []
        unusable: list[str] = []
        try:
            for location, record in self._records(source):
                if isinstance(record, ValueError):
                    malformed.append(location)
                    continue
                try:
                    if not isinstance(record, dict):
                        raise _Unusable
                    handler(self, source.vendor, record)
                except _Unusable:
                    unusable.append(location)
        except FileNotFoundError:
            self.problems.append(f"{source.path}: no such file")
        except OSError as exc:
            self.problems.append(f"{source.path}: cannot read it ({exc.strerror or exc.__class__.__name__})")
        except (InputError, ValueError) as exc:  # over a bound, an idle pipe, not an array of records, unknown format
            self.problems.append(f"{source.path}: {exc}; what came before is counted")
        # Records left out would move the figures silently: the file was not read whole.
        for what, where in (("not valid JSON", malformed), (f"without what a {source.kind} needs", unusable)):
            if where:
                self.problems.append(
                    f"{source.path}: {len(where)} record(s) {what} (first at {where[0]}), left out of the KPIs"
                )

    def _records(self, source: KpiSource) -> Iterator[tuple[str, Any]]:
        if source.format != "json":
            yield from iter_records(source.path, source.format, None, self.limits)
            return
        try:
            data = parse_json(read_document(source.path, self.limits))
        except InputError:
            raise
        except ValueError as exc:
            yield "file", ValueError(f"not valid JSON: {exc}")
            return
        key = _ENVELOPES[source.kind]
        if isinstance(data, dict) and isinstance(data.get(key), list):
            data = data[key]
        elif isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise InputError(f"not an array of records (nor an object whose {key!r} is one)")
        for index, item in enumerate(data):
            yield f"item {index}", item


def _metric_event(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    moment = _epoch(record.get("time"))
    if moment is None:
        raise _Unusable
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    ticket.saw(moment)
    metric, kind = record.get("metric"), record.get("type")
    if metric == "reply_time":
        if str(record.get("instance_id")) != "1":  # 2+ are next replies, not the first
            return
        code = _CLOCK_CODES.get(kind) if isinstance(kind, str) else None
        if code is not None:
            if code == _ACTIVATE:
                ticket.made(moment)  # reply_time instance 1 activates when the ticket is created
            if ticket.reply is None:
                ticket.reply = array("d")
            ticket.reply.extend((moment, code))
        elif kind == "apply_sla":
            target = _number(_get(record, "sla.target"))
            if target is not None and moment >= ticket.sla_at:  # a policy change re-applies: the last one holds
                ticket.sla_target, ticket.sla_at = target, moment
                ticket.sla_business = _truthy(_get(record, "sla.business_hours"))
        elif kind == "breach" and not _truthy(record.get("deleted")):
            # A deleted breach was withdrawn (the metric was fulfilled in time): it is no miss.
            ticket.breach = moment if ticket.breach is None else min(ticket.breach, moment)
    elif metric == "resolution_time":
        code = _CLOCK_CODES.get(kind) if isinstance(kind, str) else None
        if code is not None:
            if code == _ACTIVATE:
                ticket.made(moment)
            if ticket.resolution is None:
                ticket.resolution = array("d")
            ticket.resolution.extend((moment, code))
    # agent_work_time, requester_wait_time, pausable_update_time, ...: not a KPI here, nothing kept


def _ticket_metrics(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    created = _epoch(record.get("created_at"))
    if created is not None:
        ticket.made(created)
        ticket.saw(created)
    replies = _number(record.get("replies"))
    if replies is not None:
        ticket.replies = int(replies)
    reopens = _number(record.get("reopens"))
    if reopens is not None:
        ticket.reopened = bool(ticket.reopened) or reopens > 0
    if _epoch(record.get("solved_at")) is not None:
        ticket.solved = True
    elif ticket.solved is None and record.get("solved_at") is None and "solved_at" in record:
        ticket.solved = False
    ticket.metrics_reply = (
        _number(_get(record, "reply_time_in_minutes.calendar")),
        _number(_get(record, "reply_time_in_minutes.business")),
    )
    ticket.metrics_resolution = (
        _number(_get(record, "full_resolution_time_in_minutes.calendar")),
        _number(_get(record, "full_resolution_time_in_minutes.business")),
    )


def _satisfaction_rating(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    moment = _epoch(record.get("updated_at")) or _epoch(record.get("created_at")) or 0.0
    if moment:
        ticket.saw(moment)
    score = record.get("score")
    good = score in {"good", "good_with_comment"}
    if (good or score in {"bad", "bad_with_comment"}) and moment >= ticket.csat_at:
        ticket.csat, ticket.csat_at = good, moment  # one rating per ticket; a re-rating replaces it


def _ticket_event(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    moment = _epoch(record.get("timestamp")) or _epoch(record.get("created_at"))
    if moment is None:
        raise _Unusable
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    ticket.saw(moment)
    if ticket.reopened is None:
        ticket.reopened = False  # its status changes are in this export: a reopen would show
    children = record.get("child_events")
    for child in children if isinstance(children, list) else [record]:
        if not isinstance(child, dict):
            continue
        event = child.get("event_type")
        if event == "Create":
            ticket.made(moment)
            ticket.channel = _text(child.get("via")) or _text(record.get("via")) or ticket.channel
            _set_priority(ticket, child.get("priority"), moment)
            if child.get("status") == "solved":
                ticket.solved = True
        elif event == "Change":
            name = child.get("field_name")
            if name == "status":
                status, before = child.get("status") or child.get("value"), child.get("previous_value")
                if status in {"solved", "closed"}:
                    ticket.solved = True
                if before in _REOPENED_FROM and status in _OPEN_AGAIN:
                    ticket.reopened = True
            elif name == "priority":
                _set_priority(ticket, child.get("priority") or child.get("value"), moment)


def _set_priority(ticket: _Ticket, value: Any, moment: float) -> None:
    priority = _text(value)
    if priority is not None and moment >= ticket.priority_at:  # the latest priority is the ticket's
        ticket.priority, ticket.priority_at = priority, moment


def _gorgias_ticket(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    created = _epoch(record.get("created_datetime"))
    if created is None:
        raise _Unusable
    ticket = reader.ticket(vendor, record.get("id"))
    ticket.made(created)
    ticket.saw(created)
    ticket.channel = _text(record.get("channel")) or ticket.channel
    ticket.priority = _text(record.get("priority")) or ticket.priority
    ticket.spam = _truthy(record.get("spam"))
    closed = _epoch(record.get("closed_datetime"))
    ticket.closed = closed
    ticket.solved = closed is not None or record.get("status") == "closed"


def _gorgias_message(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    moment = _epoch(record.get("sent_datetime")) or _epoch(record.get("created_datetime"))
    if moment is None:
        raise _Unusable
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    ticket.saw(moment)
    # A reply is public, from an agent, and not sent by a rule (automation): reference/exports-kpis.md 1.2.
    if not _truthy(record.get("from_agent")) or record.get("public") is False or record.get("public") == "false":
        return
    if record.get("rule_id") not in (None, ""):
        return
    ticket.agent_messages += 1
    if ticket.first_agent is None or moment < ticket.first_agent:
        ticket.first_agent = moment


def _gorgias_survey(reader: _Reader, vendor: str, record: dict[str, Any]) -> None:
    ticket = reader.ticket(vendor, record.get("ticket_id"))
    score = _number(record.get("score"))
    moment = _epoch(record.get("scored_datetime")) or _epoch(record.get("created_datetime")) or 0.0
    if moment:
        ticket.saw(moment)
    if score is not None and moment >= ticket.csat_at:  # null until scored: not an answer
        ticket.csat, ticket.csat_at = score >= 4, moment


_HANDLERS = {
    "zendesk.ticket_metric_event": _metric_event,
    "zendesk.ticket_metrics": _ticket_metrics,
    "zendesk.satisfaction_rating": _satisfaction_rating,
    "zendesk.ticket_event": _ticket_event,
    "gorgias.ticket": _gorgias_ticket,
    "gorgias.message": _gorgias_message,
    "gorgias.satisfaction_survey": _gorgias_survey,
}


class _Clock(NamedTuple):
    minutes: float | None  # None: never started or never fulfilled
    business: float | None
    fulfilled_at: float | None  # the last fulfill
    fulfills: int


def _run_clock(marks: array[float] | None, schedule: Schedule | None) -> _Clock:
    """A Zendesk metric's time: from its first activate to its last fulfill, less the pauses (pause -> activate)."""
    if marks is None:
        return _Clock(None, None, None, 0)
    events = sorted(zip(marks[0::2], marks[1::2], strict=True))  # out of file order: the times decide
    started: float | None = None
    running: float | None = None
    last_fulfill: float | None = None
    fulfills = 0
    segments: list[tuple[float, float]] = []
    for moment, code in events:
        if code == _ACTIVATE:
            started = moment if started is None else started
            running = moment if running is None else running
        elif code == _PAUSE:
            if running is not None:
                segments.append((running, moment))
            running = None
        else:
            fulfills += 1
            last_fulfill = moment
            if running is not None:  # a fulfill ends nothing: a reopen's activate finds the clock still running
                segments.append((running, moment))
                running = moment
    if started is None or last_fulfill is None or last_fulfill < started:
        return _Clock(None, None, last_fulfill, fulfills)
    clipped = [(a, min(b, last_fulfill)) for a, b in segments if a < last_fulfill]
    minutes = sum(b - a for a, b in clipped) / 60.0
    business = None
    if schedule is not None:
        merged: list[list[float]] = []
        for a, b in clipped:  # a fulfill splits a span in two: one business-hours walk for both
            if merged and merged[-1][1] == a:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        business = sum(schedule.business_minutes(a, b) for a, b in merged)
    return _Clock(minutes, business, last_fulfill, fulfills)


def _evaluate(vendor: str, ticket: _Ticket, schedule: Schedule | None, kinds: set[str]) -> TicketKpi:
    reply = _run_clock(ticket.reply, schedule)
    resolution = _run_clock(ticket.resolution, schedule)
    first, first_b = reply.minutes, reply.business
    full, full_b = resolution.minutes, resolution.business
    solved, reopened, replies = ticket.solved, ticket.reopened, ticket.replies
    if ticket.reply is None and ticket.metrics_reply is not None:  # no event speaks of it: the ticket's metrics do
        first, first_b = ticket.metrics_reply
        first_b = first_b if schedule is not None else None
    if ticket.resolution is None and ticket.metrics_resolution is not None:
        full, full_b = ticket.metrics_resolution
        full_b = full_b if schedule is not None else None
    if resolution.fulfills:
        solved = True
        reopened = bool(reopened) or resolution.fulfills > 1  # solved again after a reopen
    if "gorgias.ticket" in kinds or "gorgias.message" in kinds:  # Gorgias has no clocks: its timestamps are all
        start = ticket.created
        if start is not None and ticket.first_agent is not None and ticket.first_agent >= start:
            first = (ticket.first_agent - start) / 60.0
            first_b = schedule.business_minutes(start, ticket.first_agent) if schedule else None
        if start is not None and ticket.closed is not None and ticket.closed >= start:
            full = (ticket.closed - start) / 60.0
            full_b = schedule.business_minutes(start, ticket.closed) if schedule else None
        if "gorgias.message" in kinds:
            replies = ticket.agent_messages
    breached: bool | None = None
    within: bool | None = None
    if ticket.breach is not None and (reply.fulfilled_at is None or ticket.breach <= reply.fulfilled_at):
        breached, within = True, False  # Zendesk's breach is the truth (issue 16)
    elif ticket.sla_target is not None:
        breached = False
        if reply.fulfilled_at is not None:
            measured = first_b if ticket.sla_business else first
            if measured is None:  # a business-hours target without the schedule: no breach event, so Zendesk met it
                within = True
            else:
                within = measured <= ticket.sla_target
    return TicketKpi(
        created=ticket.created if ticket.created is not None else ticket.seen,
        channel=ticket.channel,
        priority=ticket.priority,
        first_reply_minutes=first,
        first_reply_business_minutes=first_b,
        full_resolution_minutes=full,
        full_resolution_business_minutes=full_b,
        sla_target_minutes=ticket.sla_target,
        breached=breached,
        within_sla=within,
        fulfilled_at=reply.fulfilled_at,
        csat_good=ticket.csat,
        replies=replies,
        reopened=reopened,
        solved=solved,
    )


class _Group:
    __slots__ = ("csat", "first", "full", "last", "one_touch", "reopen", "sla", "start", "targets")

    def __init__(self) -> None:
        self.first: array[float] = array("d")
        self.full: array[float] = array("d")
        self.sla = [0, 0]  # met, measured
        self.targets: Counter[float] = Counter()
        self.csat = [0, 0]
        self.one_touch = [0, 0]
        self.reopen = [0, 0]
        self.start: float | None = None
        self.last: float | None = None

    def add(self, kpi: TicketKpi, business: bool) -> None:
        if kpi.created is not None:
            self.start = kpi.created if self.start is None else min(self.start, kpi.created)
            self.last = kpi.created if self.last is None else max(self.last, kpi.created)
        first = kpi.first_reply_business_minutes if business else kpi.first_reply_minutes
        full = kpi.full_resolution_business_minutes if business else kpi.full_resolution_minutes
        if first is not None:
            self.first.append(first)
        if full is not None:
            self.full.append(full)
        if kpi.within_sla is not None:
            self.sla[0] += kpi.within_sla
            self.sla[1] += 1
            if kpi.sla_target_minutes is not None:
                self.targets[kpi.sla_target_minutes] += 1
        if kpi.csat_good is not None:
            self.csat[0] += kpi.csat_good
            self.csat[1] += 1
        if kpi.solved and kpi.replies is not None:
            self.one_touch[0] += kpi.replies == 1
            self.one_touch[1] += 1
        if kpi.solved and kpi.reopened is not None:
            self.reopen[0] += kpi.reopened
            self.reopen[1] += 1


def _day(moment: float | None) -> str | None:
    return None if moment is None else dt.datetime.fromtimestamp(moment, dt.UTC).date().isoformat()


def _rows(
    vendor: str, key: tuple[str | None, str | None], group: _Group, period: tuple[str | None, ...]
) -> list[KpiRow]:
    channel, priority = key
    start = period[0] or _day(group.start)
    end = period[1] or _day(group.last)
    rows = []

    def row(metric: str, count: int, **values: float | None) -> None:
        fields: dict[str, float | None] = dict.fromkeys(
            ("p50_minutes", "p90_minutes", "sla_target_minutes", "within_sla", "value")
        )
        fields.update(values)
        rows.append(KpiRow(metric, vendor, channel, priority, count, period_start=start, period_end=end, **fields))

    for metric, values in (("first_reply_time", group.first), ("full_resolution_time", group.full)):
        if values:
            row(metric, len(values), p50_minutes=percentile(values, 0.5), p90_minutes=percentile(values, 0.9))
    met, measured = group.sla
    if measured:
        target = group.targets.most_common(1)[0][0] if group.targets else None
        row("within_sla", measured, sla_target_minutes=target, within_sla=met / measured, value=met / measured)
    for metric, (hits, total) in (("csat", group.csat), ("one_touch", group.one_touch), ("reopen_rate", group.reopen)):
        if total:
            row(metric, total, value=hits / total)
    return rows


def compute(
    sources: Iterable[KpiSource],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    schedule: Schedule | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> KpiResult:
    """Recompute the KPIs of every vendor the sources name, per vendor and per channel and priority where known.

    `since` and `until` (inclusive) filter tickets by their creation date in UTC (ticket events' Create, ticket
    metrics' created_at, Gorgias created_datetime, the first activate of the reply or resolution clock; the earliest
    record about a ticket when nothing says); a rating counts with its ticket. With a schedule, durations are
    business minutes. A file that cannot be read whole is a problem line and what it held up to there still counts.
    """
    reader = _Reader(limits)
    for source in sources:
        reader.read(source)
    low = None if since is None else dt.datetime.combine(since, dt.time(), dt.UTC).timestamp()
    high = None if until is None else dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    period = (since.isoformat() if since else None, until.isoformat() if until else None)
    result = KpiResult(rows=[], problems=reader.problems)
    for vendor in sorted(reader.tickets):
        groups: dict[tuple[str | None, str | None], _Group] = {(None, None): _Group()}
        pending: Counter[str] = Counter()
        kinds = reader.kinds.get(vendor, set())
        for ticket_id, ticket in reader.tickets[vendor].items():
            kpi = _evaluate(vendor, ticket, schedule, kinds)
            if (low is not None or high is not None) and (
                kpi.created is None
                or (low is not None and kpi.created < low)
                or (high is not None and kpi.created >= high)
            ):
                continue
            if ticket.spam:
                continue  # Gorgias spam is no customer contact
            result.per_ticket[(vendor, ticket_id)] = kpi
            _count_pending(ticket, kpi, pending)
            keys: list[tuple[str | None, str | None]] = [(None, None)]
            if kpi.channel is not None:
                keys.append((kpi.channel, None))
            if kpi.priority is not None:
                keys.append((None, kpi.priority))
            if kpi.channel is not None and kpi.priority is not None:
                keys.append((kpi.channel, kpi.priority))
            for key in keys:
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group()
                group.add(kpi, schedule is not None)
        ordered = sorted(groups, key=lambda k: (k[0] is not None, k[1] is not None, k[0] or "", k[1] or ""))
        rows = [row for key in ordered for row in _rows(vendor, key, groups[key], period)]
        result.rows += sorted(rows, key=lambda r: METRICS.index(r.metric))  # stable: groups stay in order per metric
        result.pending.update({(vendor, metric): n for metric, n in pending.items()})
    return result


def _count_pending(ticket: _Ticket, kpi: TicketKpi, pending: Counter[str]) -> None:
    if kpi.first_reply_minutes is None and (ticket.reply is not None or ticket.created is not None):
        pending["first_reply_time"] += 1
    if kpi.full_resolution_minutes is None and (ticket.resolution is not None or ticket.created is not None):
        pending["full_resolution_time"] += 1
    if ticket.sla_target is not None and kpi.within_sla is None:
        pending["within_sla"] += 1
