"""Pure functions over load samples: percentiles, validity, rate-limit conformance, the latency chart.

No locust import here: the CLI, the gates and the tests read results with these, and only the
locustfile runs under gevent.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Sample",
    "Summary",
    "Validity",
    "answer_problem",
    "conformance",
    "percentile",
    "summarize",
    "svg_chart",
    "validity",
]


@dataclass(frozen=True, slots=True)
class Sample:
    """One scheduled request. Times in seconds from the run's start; latencies in milliseconds."""

    name: str
    planned: float  # when it was due
    sent_lag_ms: float  # how late the pacer sent it
    corrected_ms: float  # completion - planned: what a user arriving on schedule waited
    service_ms: float  # completion - actual send
    status: int  # final HTTP status, 0 for a transport error
    retries_429: int = 0
    problem: str = ""  # why the answer does not count as served (not JSON, failed to send); "" when it does

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 400 or bool(self.problem)

    def as_row(self) -> list[Any]:
        return [
            self.name,
            round(self.planned, 6),
            round(self.sent_lag_ms, 3),
            round(self.corrected_ms, 3),
            round(self.service_ms, 3),
            self.status,
            self.retries_429,
            self.problem,
        ]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Sample:
        problem = str(row[7]) if len(row) > 7 else ""  # rows written before answers were checked have 7 fields
        return cls(
            str(row[0]), float(row[1]), float(row[2]), float(row[3]), float(row[4]), int(row[5]), int(row[6]), problem
        )


NOT_JSON = "not JSON"


def answer_problem(status: int, content_type: str | None, body: bytes) -> str:
    """Why an answer to a workflow step is no served answer, or "" when it is one.

    Every step reads or writes the vendor's JSON API, so a 2xx must be JSON that parses: an SSO login
    page, a proxy's HTML or a captive portal answered with 200 is an error however fast it came. A
    redirect is one too (the client never follows it). 4xx and 5xx are errors by their status alone.
    """
    if status >= 400 or status == 0:
        return ""
    if status >= 300 or status < 200:
        return f"HTTP {status}: no answer from the API itself"
    if status == 204 and not body:
        return ""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = "".join(c if c.isprintable() else "?" for c in media[:60]) or "none"
        return f"{NOT_JSON}: content-type {shown}"
    try:
        json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        return f"{NOT_JSON}: the body does not parse"
    return ""


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; values sorted."""
    if not values:
        return math.nan
    if len(values) == 1:
        return values[0]
    rank = (len(values) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


@dataclass
class Summary:
    name: str
    count: int
    errors: int
    throttled: int  # answers that stayed 429 after retries
    retries_429: int  # 429s absorbed by waiting out Retry-After
    not_json: int  # 2xx answers that were not the JSON the API promises (counted in errors)
    p50: float
    p95: float
    p99: float
    max: float
    service_p50: float
    service_p99: float
    rate: float  # completed requests per second over the measured window

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else math.nan

    def as_json(self) -> dict[str, Any]:
        return {
            k: (round(v, 3) if isinstance(v, float) and not math.isnan(v) else v) for k, v in self.__dict__.items()
        } | {"error_rate": round(self.error_rate, 5) if self.count else None}


def summarize(samples: Iterable[Sample], window: float) -> dict[str, Summary]:
    """Per request name and "total": corrected and service percentiles, errors, 429s, rate."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.name].append(sample)
        groups["total"].append(sample)
    out = {}
    for name, group in sorted(groups.items()):
        corrected = sorted(s.corrected_ms for s in group)
        service = sorted(s.service_ms for s in group)
        out[name] = Summary(
            name=name,
            count=len(group),
            errors=sum(1 for s in group if s.failed),
            throttled=sum(1 for s in group if s.status == 429),
            retries_429=sum(s.retries_429 for s in group),
            not_json=sum(1 for s in group if s.problem.startswith(NOT_JSON)),
            p50=percentile(corrected, 50),
            p95=percentile(corrected, 95),
            p99=percentile(corrected, 99),
            max=corrected[-1],
            service_p50=percentile(service, 50),
            service_p99=percentile(service, 99),
            rate=len(group) / window if window > 0 else math.nan,
        )
    return out


@dataclass
class Validity:
    valid: bool
    reasons: list[str] = field(default_factory=list)
    lag_p99_ms: float = 0.0
    dropped: int = 0
    machine_cpu_p90: float = 0.0


def validity(
    samples: Sequence[Sample], dropped: int, machine_cpu: Sequence[float], interval_ms: float, cpu_limit: float = 90.0
) -> Validity:
    """Whether the run measured the vendor: a saturated generator's latencies are not the vendor's.

    Invalid when nothing was measured, or nothing reached the vendor (every request failed to send:
    refused, unreachable, TLS): no figure of such a run describes the vendor. Invalid also when sends
    left late (schedule lag p99 over max(10 ms, half the interval)), when sends were dropped for want
    of free slots, or when the whole machine was busier than `cpu_limit` percent for a tenth of the
    run (a starved generator shows low CPU of its own; reference/loadtesting.md 1.4).
    """
    lags = sorted(s.sent_lag_ms for s in samples)
    lag_p99 = percentile(lags, 99) if lags else 0.0
    cpu = sorted(machine_cpu)
    cpu_p90 = percentile(cpu, 90) if cpu else 0.0
    reasons = []
    if not samples:
        reasons.append("no request was measured, so there is nothing to judge; run longer or at a higher --rate")
    elif all(s.status == 0 for s in samples):
        common, _ = Counter(s.problem or "no answer" for s in samples).most_common(1)[0]
        reasons.append(f"no request reached the vendor: all {len(samples)} failed to send ({common[:200]})")
    if lag_p99 > max(10.0, interval_ms / 2):
        reasons.append(f"the generator sent late: schedule lag p99 {lag_p99:.1f} ms")
    if dropped:
        reasons.append(f"{dropped} scheduled request(s) dropped: no free slot to send them")
    if cpu_p90 > cpu_limit:
        reasons.append(f"the machine was saturated: CPU p90 {cpu_p90:.0f} %")
    return Validity(not reasons, reasons, lag_p99, dropped, cpu_p90)


def conformance(
    sends: Iterable[Mapping[str, Any]], tolerance_ms: float = 5.0, reaction_ms: float = 10.0
) -> dict[str, Any]:
    """Rate-limit conformance from the log of every request that left (account, sent, status, retry_after).

    Checks that no request to an account left before a Retry-After it had been given had elapsed. A
    429 binds what is sent `reaction_ms` after it was answered: requests already past the client's
    pacing when it arrived were in flight.
    """
    by_account: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for send in sends:
        by_account[str(send["account"])].append(send)
    early = 0
    throttled = 0
    total = 0
    longest_wait = 0.0
    for log in by_account.values():
        # A 429 binds only requests sent after it was answered; those already in flight could not know.
        answers = sorted(
            (float(s["answered"]), float(s["answered"]) + float(s.get("retry_after") or 0))
            for s in log
            if int(s["status"]) == 429
        )
        blocked_until = -math.inf
        next_answer = 0
        for send in sorted(log, key=lambda s: float(s["sent"])):
            sent = float(send["sent"])
            while next_answer < len(answers) and answers[next_answer][0] + reaction_ms / 1000 <= sent:
                blocked_until = max(blocked_until, answers[next_answer][1])
                next_answer += 1
            total += 1
            if sent * 1000 < blocked_until * 1000 - tolerance_ms:
                early += 1
            if int(send["status"]) == 429:
                throttled += 1
                longest_wait = max(longest_wait, float(send.get("retry_after") or 0))
    return {
        "requests_sent": total,
        "throttled_429": throttled,
        "share_429": round(throttled / total, 5) if total else 0.0,
        "sent_before_retry_after": early,
        "longest_retry_after_s": longest_wait,
    }


def svg_chart(
    samples: Sequence[Sample],
    title: str,
    width: int = 760,
    height: int = 340,
    *,
    slo_p95_ms: float | None = None,
    slo_p99_ms: float | None = None,
) -> str:
    """One static SVG of two pygal charts, one above the other, each `width` x `height`.

    Above: p50, p95 and p99 of the corrected latency in each second of the run (x: seconds since the start, warm-up
    left out), the SLOs as dashed lines. Below: a histogram of every corrected latency in 30 equal bins up to the
    p99.9 (the last bin holds the tail), the SLOs as dashed lines at their value. Legends sit under each plot, so no
    label is drawn over another.
    """
    from vendor_audit import charts  # here: the locustfile's gevent processes import this module for Sample only

    slos = [
        (f"SLO p{q} {ms:g} ms", ms, colour)
        for q, ms, colour in ((95, slo_p95_ms, "#7a3d00"), (99, slo_p99_ms, "#5c0f0f"))
        if ms
    ]
    if not samples:
        empty = charts.xy(
            uid="load-empty",
            title=f"{title}: no request was measured",
            x_title="time since the run started (s)",
            y_title="latency (ms)",
            colors=["#1d1d22"],
            legend=[],
            height=160,
            no_data_text="no samples",
        )
        return charts.render(empty, uid="load-empty")
    seconds: dict[int, list[float]] = defaultdict(list)
    for sample in samples:
        seconds[int(sample.planned)].append(sample.corrected_ms)
    keys = sorted(seconds)
    lines = {q: [(float(k), percentile(sorted(seconds[k]), q)) for k in keys] for q in (50, 95, 99)}
    colours = {50: "#2b8a3e", 95: "#e67700", 99: "#c92a2a"}
    over_time = charts.xy(
        uid="load-time",
        title=f"{title}: corrected latency per second",
        x_title="time since the run started (s)",
        y_title="latency (ms)",
        colors=[*colours.values(), *(colour for _, _, colour in slos)],
        legend=[*(f"p{q}" for q in lines), *(label for label, _, _ in slos)],
        width=width,
        height=height,
        show_dots=len(keys) <= 60,
        dots_size=2,
        include_x_axis=True,  # y from 0: a latency's size is read against nothing
    )
    for q, points in lines.items():
        over_time.add(f"p{q}", points)
    start, end = float(keys[0]), float(max(keys[-1], keys[0] + 1))
    for label, ms, _ in slos:
        over_time.add(label, [(start, ms), (end, ms)], stroke_style=charts.DASHED, show_dots=False)
    values = sorted(s.corrected_ms for s in samples)
    bins = 30
    high = percentile(values, 99.9) or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(value / high * bins))] += 1
    step = high / bins
    ticks = charts.count_ticks(max(counts))
    histogram = charts.xy(
        uid="load-histogram",
        title=f"{title}: corrected latency of {len(values)} requests",
        x_title=f"latency (ms); the last bin holds every request from {high - step:.0f} ms",
        y_title="requests (count)",
        colors=["#1971c2", *(colour for _, _, colour in slos)],
        legend=["requests", *(label for label, _, _ in slos)],
        width=width,
        height=height,
        y_labels=ticks,
    )
    histogram.add(
        "requests", charts.step_outline((i * step, (i + 1) * step, c) for i, c in enumerate(counts)), fill=True
    )
    for label, ms, _ in slos:
        histogram.add(label, charts.vertical_line(ms, ticks[-1]), stroke_style=charts.DASHED)
    top = charts.render(over_time, uid="load-time")
    bottom = charts.render(histogram, uid="load-histogram", attributes={"y": str(height)})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{2 * height}" '
        f'viewBox="0 0 {width} {2 * height}"><title>{_escape(title)}: latency over time and histogram</title>'
        f"{top}{bottom}</svg>\n"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
