"""Zendesk's SLA and metric clock per ticket: ticket metric events and the ticket_metrics they add up to.

Shapes as documented (shared/reference/exports-kpis.md 1.1):
https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metric_events/ (metric, instance_id, type,
time; apply_sla carries sla{target, business_hours, policy}; update_status carries status{calendar, business})
and https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/ (one object per ticket, values
null until both their events have happened: support.zendesk.com/hc/en-us/articles/4408834848154).

Each ticket's life is drawn once (`TicketLife`) and both feeds are rendered from it, so they agree by
construction: first replies within or past the SLA, breaches with no reply at all (the ticket is still open),
pending spells that pause the agent-work and requester-wait clocks, reopened tickets that are solved twice.
Whether a chat ticket misses its first-reply target is set by its rank among chat tickets, so the attainment
is what the scenario says (clean 95 %, leaky 80 %), not whatever the seed gives.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._data import DATA_END, World, iso

# The vendor's SLA policies, as Zendesk's apply_sla events name them: (id, title, first-reply target in minutes).
CHAT_POLICY = (360_010, "Chat: first reply within 1 hour", 60)
OTHER_POLICY = (360_011, "Email, web and API: first reply within 24 hours", 1440)
# The ticket events label channels as Zendesk's UI does.
VIA_LABEL = {"email": "Mail", "web": "Web form", "api": "API", "chat": "Chat"}
EVENT_ID_BASE = 80_000_000
METRICS_ID_BASE = 90_000_000
# The business schedule the metrics' `business` values are counted in: Monday to Friday, 09:00-17:00 UTC.
BUSINESS_HOURS = (9, 17)


@dataclass(frozen=True, slots=True)
class TicketLife:
    ticket: int
    channel: str
    priority: str | None
    created: dt.datetime
    target: int  # the first-reply SLA target, minutes
    policy: tuple[int, str, int]
    first_reply: dt.datetime | None  # None: never replied (breached, still open)
    pending: tuple[dt.datetime, dt.datetime] | None  # a pending spell after the first reply
    solved: tuple[dt.datetime, ...]  # first solve, and the second one after a reopen
    reopened: dt.datetime | None
    next_reply: dt.datetime | None  # the reply after the reopen (reply_time instance 2)

    @property
    def breach(self) -> dt.datetime | None:
        due = self.created + dt.timedelta(minutes=self.target)
        return due if self.first_reply is None or self.first_reply > due else None


def ticket_channel(ticket: int) -> str:
    """The ticket's channel (ticket_json's `via.channel`): every fourth ticket a chat, the others spread by a hash.

    Arithmetic, not drawn: the scorecard and the manifest count chats at start, and a 100,000-ticket world must
    still start in a blink (tests/sandbox/test_manifest.py).
    """
    if ticket % 4 == 3:
        return "chat"
    return ("email", "web", "api")[((ticket * 2_654_435_761) >> 7) % 3]


def ticket_traits(world: World, ticket: int) -> tuple[str | None, str]:
    """(priority, channel) as ZendeskAPI.ticket_json gives them (priority from its random stream, in order)."""
    rng = world.rng("zendesk-ticket", ticket)
    rng.choice(["new", "open", "pending", "solved", "closed"])  # status
    rng.choice(["question", "incident", "problem", None])  # type
    return rng.choice(["low", "normal", "high", None]), ticket_channel(ticket)


def business_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Minutes of [start, end) inside BUSINESS_HOURS on weekdays."""
    total = 0.0
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        if day.weekday() < 5:
            opens, closes = day.replace(hour=BUSINESS_HOURS[0]), day.replace(hour=BUSINESS_HOURS[1])
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += dt.timedelta(days=1)
    return round(total)


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return round((end - start).total_seconds() / 60)


class MetricClock:
    """Every ticket's life in one world, and the two feeds drawn from it."""

    def __init__(self, world: World) -> None:
        self.world = world
        # The export is taken half a ticket-step after the last ticket was created (its updated_at).
        self.export_end = DATA_END + world.step / 2

    def misses_first_reply(self, ticket: int, channel: str) -> bool:
        """Whether the ticket's first reply misses its SLA: leaky misses every fifth chat, clean every twentieth."""
        if channel == "chat":
            return (ticket // 4) % (5 if self.world.scenario == "leaky" else 20) == 0
        return ticket % 25 == 0

    def life(self, ticket: int) -> TicketLife:
        priority, channel = ticket_traits(self.world, ticket)
        rng = self.world.rng("zendesk-metrics", ticket)
        created = self.world.ticket_time(ticket)
        policy = CHAT_POLICY if channel == "chat" else OTHER_POLICY
        target = policy[2]
        minutes = dt.timedelta(minutes=1)
        first_reply: dt.datetime | None
        if not self.misses_first_reply(ticket, channel):
            first_reply = created + minutes * rng.randint(1, target - 2)
        elif ticket % 3 == 0:  # a breach and no reply at all: the ticket stays open
            first_reply = None
        else:
            first_reply = created + minutes * (target + rng.randint(5, 120 if channel == "chat" else 600))
        if first_reply is None:
            return TicketLife(ticket, channel, priority, created, target, policy, None, None, (), None, None)
        pending = None
        moment = first_reply
        if rng.random() < 0.3:
            start = moment + minutes * rng.randint(5, 60)
            pending = (start, start + minutes * rng.randint(120, 600))
            moment = pending[1]
        solved = [moment + minutes * rng.randint(30, 900)]
        reopened = next_reply = None
        if rng.random() < 0.15:
            reopened = solved[0] + minutes * rng.randint(60, 1440)
            next_reply = reopened + minutes * rng.randint(10, 240)
            solved.append(next_reply + minutes * rng.randint(10, 240))
        return TicketLife(
            ticket,
            channel,
            priority,
            created,
            target,
            policy,
            first_reply,
            pending,
            tuple(solved),
            reopened,
            next_reply,
        )

    # -- ticket metric events

    def ticket_events(self, life: TicketLife) -> list[dict[str, Any]]:
        """The ticket's metric events up to the export's end, in time order."""
        raw: list[tuple[dt.datetime, str, int, str, dict[str, Any]]] = []

        def add(moment: dt.datetime, metric: str, instance: int, kind: str, **extra: Any) -> None:
            raw.append((moment, metric, instance, kind, extra))

        created = life.created
        policy_id, title, target = life.policy
        add(created, "reply_time", 1, "activate")
        add(
            created,
            "reply_time",
            1,
            "apply_sla",
            sla={"target": target, "business_hours": False, "policy": {"id": policy_id, "title": title}},
        )
        for metric in ("agent_work_time", "requester_wait_time", "resolution_time"):
            add(created, metric, 1, "activate")
        if life.breach is not None:
            add(life.breach, "reply_time", 1, "breach")
        if life.first_reply is not None:
            add(life.first_reply, "reply_time", 1, "fulfill")
            add(life.first_reply, "reply_time", 1, "update_status", status=self._status(created, life.first_reply))
        if life.pending is not None:
            for metric in ("agent_work_time", "requester_wait_time"):
                add(life.pending[0], metric, 1, "pause")
                add(life.pending[1], metric, 1, "activate")
        for n, solved in enumerate(life.solved):
            if n == 1 and life.reopened is not None and life.next_reply is not None:
                for metric in ("agent_work_time", "requester_wait_time", "resolution_time"):
                    add(life.reopened, metric, 1, "activate")
                add(life.reopened, "reply_time", 2, "activate")
                add(life.next_reply, "reply_time", 2, "fulfill")
                add(
                    life.next_reply,
                    "reply_time",
                    2,
                    "update_status",
                    status=self._status(life.reopened, life.next_reply),
                )
            for metric in ("agent_work_time", "requester_wait_time", "resolution_time"):
                add(solved, metric, 1, "fulfill")
            add(solved, "resolution_time", 1, "update_status", status=self._status(created, solved))
        raw.sort(key=lambda r: r[0])  # stable: activate before apply_sla at the same moment, as Zendesk lists them
        events = []
        for seq, (moment, metric, instance, kind, extra) in enumerate(raw):
            if moment > self.export_end:
                break
            events.append(
                {
                    "id": EVENT_ID_BASE + life.ticket * 100 + seq,
                    "ticket_id": life.ticket,
                    "metric": metric,
                    "instance_id": instance,
                    "type": kind,
                    "time": iso(moment),
                    **extra,
                }
            )
        return events

    @staticmethod
    def _status(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
        return {"calendar": _minutes(start, end), "business": business_minutes(start, end)}

    def iter_events(self) -> Iterator[dict[str, Any]]:
        """Every ticket's metric events in time order across tickets, as the incremental export streams them.

        A ticket's events all come at or after its creation, so a heap of the open tickets' events is enough:
        memory grows with the tickets open at once, not with the export.
        """
        heap: list[tuple[str, int, dict[str, Any]]] = []
        size = self.world.size
        for ticket in range(1, size + 1):
            for event in self.ticket_events(self.life(ticket)):
                heapq.heappush(heap, (event["time"], event["id"], event))
            horizon = iso(self.world.ticket_time(ticket + 1)) if ticket < size else None
            while heap and (horizon is None or heap[0][0] < horizon):
                yield heapq.heappop(heap)[2]

    # -- ticket_metrics

    def ticket_metrics(self, life: TicketLife, scheme_host: str) -> dict[str, Any]:
        """The ticket's ticket_metrics object as of the export's end: null where an event has not happened yet."""
        created = life.created
        end = self.export_end

        def seen(moment: dt.datetime | None) -> dt.datetime | None:
            return moment if moment is not None and moment <= end else None

        reply = seen(life.first_reply)
        solves = [s for s in life.solved if s <= end]
        pending = life.pending if life.pending and life.pending[1] <= end else None
        on_hold = {"calendar": 0, "business": 0}
        waited = self._status(*pending) if pending else on_hold
        reopens = 1 if seen(life.reopened) else 0
        replies = (1 if reply else 0) + (1 if seen(life.next_reply) else 0)
        metric_id = METRICS_ID_BASE + life.ticket

        def span(moment: dt.datetime | None) -> dict[str, int | None]:
            if moment is None:
                return {"calendar": None, "business": None}
            return {**self._status(created, moment)}

        full = span(solves[-1] if solves else None)
        return {
            "id": metric_id,
            "url": f"{scheme_host}/api/v2/ticket_metrics/{metric_id}.json",
            "ticket_id": life.ticket,
            "created_at": iso(created),
            "updated_at": iso(max([created, *(m for m in (reply, *solves) if m)])),
            "group_stations": 1,
            "assignee_stations": 1,
            "reopens": reopens,
            "replies": replies,
            "assignee_updated_at": iso(reply) if reply else None,
            "requester_updated_at": iso(created),
            "status_updated_at": iso(solves[-1] if solves else created),
            "initially_assigned_at": iso(created),
            "assigned_at": iso(created),
            "solved_at": iso(solves[-1]) if solves else None,
            "latest_comment_added_at": iso(max(m for m in (created, reply, seen(life.next_reply)) if m)),
            "reply_time_in_minutes": span(reply),
            "first_resolution_time_in_minutes": span(solves[0] if solves else None),
            "full_resolution_time_in_minutes": full,
            "agent_wait_time_in_minutes": waited,
            "requester_wait_time_in_minutes": self._requester_wait(life, solves, pending),
            "on_hold_time_in_minutes": on_hold,
        }

    def _requester_wait(
        self, life: TicketLife, solves: list[dt.datetime], pending: tuple[dt.datetime, dt.datetime] | None
    ) -> dict[str, int | None]:
        if not solves:
            return {"calendar": None, "business": None}
        spans = [(life.created, solves[0])]
        if len(solves) > 1 and life.reopened is not None:
            spans.append((life.reopened, solves[1]))
        calendar = sum(_minutes(a, b) for a, b in spans)
        business = sum(business_minutes(a, b) for a, b in spans)
        if pending is not None:  # requester wait pauses while the ticket is pending
            calendar -= _minutes(*pending)
            business -= business_minutes(*pending)
        return {"calendar": calendar, "business": business}

    # -- what the vendor's own scorecard would say if it told the truth

    def first_reply_attainment(self, channels: set[str]) -> tuple[int, int]:
        """(met, measured) over tickets of `channels` whose first-reply SLA ended (fulfilled or breached) by the end.

        A ticket created a target's length before the end has ended either way (a met reply comes before the
        target, a miss breaches at it), so only the last few tickets need their life drawn.
        """
        met = measured = 0
        for ticket in range(1, self.world.size + 1):
            channel = ticket_channel(ticket)
            if channel not in channels:
                continue
            target = (CHAT_POLICY if channel == "chat" else OTHER_POLICY)[2]
            if self.world.ticket_time(ticket) + dt.timedelta(minutes=target) <= self.export_end:
                measured += 1
                met += not self.misses_first_reply(ticket, channel)
                continue
            life = self.life(ticket)
            if life.breach is not None and life.breach <= self.export_end:
                measured += 1
            elif life.first_reply is not None and life.first_reply <= self.export_end:
                measured += 1
                met += 1
        return met, measured
