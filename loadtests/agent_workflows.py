"""The go-live locustfile: agent workflows on an open arrival-rate schedule, through vendor-audit's connectors.

Run by `vendor-audit load` (which writes the plan to VA_LOAD_PLAN); also runs under plain
`locust -f loadtests/agent_workflows.py` with that variable set, locally or as --master/--worker.

Why not a plain HttpUser: locust is a closed model, so a stalling vendor looks healthy (coordinated
omission, reference/loadtesting.md 7.2). Here one user per process runs a pacer: request i is due at
start + i / rate; it is sent then (or counted late or dropped), and its latency counts from when it
was due. Requests go through the same connectors as the audit (auth, TLS, Retry-After, pacing on a
budget each process holds 1/N of), and every request that leaves is logged for the rate-limit
conformance check.

Writes (an internal note on a ticket) go only where the vendor's answer proves a sandbox (connectors/
_sandbox_proof.py: refused before they are sent otherwise), each listed with the undo its answer allows; when the
schedule ends they are undone (redacted, deleted or restored, as the vendor allows) within `undo_seconds`, and
every one reaches load-raw.json with its undo's result, undone or not.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import gevent.monkey
import gevent.pool
import httpx
import psutil
from locust import User, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner
from locust.user.task import LOCUST_STATE_STOPPING

from vendor_audit import connectors
from vendor_audit.durations import Deadline
from vendor_audit.loadtests.stats import Sample, answer_problem
from vendor_audit.profile import Profile, load_profile
from vendor_audit.vendors import WorkflowStep, lookup

# httpcore imports trio on first use when it is installed, and trio needs select.epoll, which gevent's
# patching (done by locust before this file runs) removed: keep trio out of this process.
sys.modules.setdefault("trio", None)  # type: ignore[arg-type]

PLAN: dict[str, Any] = json.loads(os.environ.get("VA_LOAD_PLAN", "{}"))
# The undos of a run's writes, after its schedule, unless the plan says (`undo_seconds`): within the 20 s that
# `vendor-audit load` gives locust past the schedule (-t), so locust's own stop never cuts them short.
UNDO_SECONDS = 10.0
UNDOS_IN_FLIGHT = 20


# Set when locust's shutdown starts; read by the watchdog's OS thread (a plain flag: gevent patches Event).
SHUTDOWN = {"started": False}


def _watch_parent(expected: str | None = os.environ.get("VA_LOAD_PARENT")) -> None:
    """End this process when `vendor-audit load` (the pid in VA_LOAD_PARENT) is gone, however it went.

    The parent also has the kernel signal its death on Linux (PR_SET_PDEATHSIG); this covers the other
    systems and a signal that was missed. A real OS thread, not a greenlet: it must run even while the
    event loop is stuck, and then it ends the process outright once SIGTERM has had its chance.
    """
    if not expected or not expected.isdigit():
        return  # plain `locust -f`: the user's shell is no parent to watch
    parent = int(expected)
    start_thread = gevent.monkey.get_original("_thread", "start_new_thread")
    nap = gevent.monkey.get_original("time", "sleep")

    def watch() -> None:
        while os.getppid() == parent:
            nap(0.5)
        nap(1.0)  # the kernel's death signal, if any, has started the shutdown by now
        if not SHUTDOWN["started"]:  # a second SIGTERM would make locust's shutdown fail half-way
            os.kill(os.getpid(), signal.SIGTERM)  # locust's own shutdown: what was measured is written
        nap(10)
        os._exit(3)

    start_thread(watch, ())


_watch_parent()


class Collector:
    """What this process measured; workers hand their share to the master with each report."""

    def __init__(self) -> None:
        self.samples: list[list[Any]] = []
        self.sends: list[dict[str, Any]] = []
        self.cpu: list[float] = []
        self.writes: list[dict[str, Any]] = []  # every write sent, with its undo (connectors.WriteLedger.as_json)
        self.dropped = 0
        self._reported = {"samples": 0, "sends": 0, "cpu": 0, "writes": 0}
        self._lock = threading.Lock()

    def take_new(self) -> dict[str, Any]:
        with self._lock:
            new = {
                "samples": self.samples[self._reported["samples"] :],
                "sends": self.sends[self._reported["sends"] :],
                "cpu": self.cpu[self._reported["cpu"] :],
                "writes": self.writes[self._reported["writes"] :],
                "dropped": self.dropped,
            }
            self._reported = {
                "samples": len(self.samples),
                "sends": len(self.sends),
                "cpu": len(self.cpu),
                "writes": len(self.writes),
            }
            self.dropped = 0
            return new

    def add_writes(self, writes: list[dict[str, Any]]) -> None:
        with self._lock:
            self.writes += writes

    def merge(self, part: dict[str, Any] | None) -> None:
        if part:
            with self._lock:
                self.samples += part["samples"]
                self.sends += part["sends"]
                self.cpu += part["cpu"]
                self.writes += part.get("writes", [])
                self.dropped += part["dropped"]


COLLECTOR = Collector()


@events.report_to_master.add_listener
def _hand_over(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["vendor_audit"] = COLLECTOR.take_new()


@events.worker_report.add_listener
def _take_in(client_id: str, data: dict[str, Any], **_: Any) -> None:
    COLLECTOR.merge(data.get("vendor_audit"))


# A worker whose schedule is done says so with the rest of what it measured; the master quits once every worker has,
# rather than idling until its -t limit (the schedule plus 20 s). A worker that never says so still ends by that limit.
SCHEDULE_DONE = "vendor_audit_schedule_done"
_DONE_WORKERS: set[str] = set()


@events.init.add_listener
def _listen_for_done_workers(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(SCHEDULE_DONE, _worker_done, concurrent=True)


def _worker_done(environment: Environment, msg: Message, **_: Any) -> None:
    COLLECTOR.merge(msg.data)
    _DONE_WORKERS.add(msg.node_id)
    if len(_DONE_WORKERS) >= int(PLAN.get("workers", 1)) and environment.runner is not None:
        environment.runner.quit()


@events.quitting.add_listener
def _write_results(environment: Environment, **_: Any) -> None:
    SHUTDOWN["started"] = True
    # One orderly shutdown: a SIGTERM that comes once it has begun (the kernel's parent-death signal and the
    # watchdog's can both come) would run locust's shutdown again, half-way through the first, and it fails then
    # ("Tried to stop User in an unexpected state", or SystemExit raised inside the interpreter's own exit).
    with contextlib.suppress(ValueError):  # not the main thread: nothing to do, locust's handler is the main's
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Hooks fire in every process; only the master (or a local run) holds everything by now.
    if isinstance(environment.runner, WorkerRunner) or not PLAN:
        return
    result = {"plan": PLAN, **COLLECTOR.take_new()}
    result["samples"] = COLLECTOR.samples
    result["sends"] = COLLECTOR.sends
    result["cpu"] = COLLECTOR.cpu
    result["writes"] = COLLECTOR.writes
    Path(PLAN["run_dir"], "load-raw.json").write_text(json.dumps(result))


class LoggingTransport(httpx.BaseTransport):
    """Innermost transport: logs every request that leaves (for conformance) and counts 429s per caller."""

    def __init__(self, inner: httpx.BaseTransport, account: str, started: float) -> None:
        self._inner = inner
        self._account = account
        self._started = started
        self.throttled_by_greenlet: dict[int, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic() - self._started
        response = self._inner.handle_request(request)
        answered = time.monotonic() - self._started
        retry_after = connectors.parse_retry_after(response.headers.get("retry-after"))
        COLLECTOR.sends.append(
            {
                "account": self._account,
                "sent": round(sent, 6),
                "answered": round(answered, 6),
                "status": response.status_code,
                "retry_after": retry_after,
            }
        )
        if response.status_code == 429:
            key = id(gevent.getcurrent())
            self.throttled_by_greenlet[key] = self.throttled_by_greenlet.get(key, 0) + 1
        return response

    def close(self) -> None:
        self._inner.close()


def _interleave(per_vendor: list[list[tuple[str, WorkflowStep]]]) -> list[tuple[str, WorkflowStep]]:
    return [step for round_ in itertools.zip_longest(*per_vendor) for step in round_ if step is not None]


class AgentUser(User):
    """One per process: paces `rate / workers` requests per second for `duration` seconds."""

    @task
    def run_schedule(self) -> None:
        plan = PLAN
        profile: Profile = load_profile(plan["profile"])
        share = int(plan.get("workers", 1)) or 1
        started = time.monotonic()
        opened: list[Any] = []  # every session of every connector, closed when the schedule ends
        transports: dict[str, LoggingTransport] = {}
        plans: list[list[tuple[str, WorkflowStep]]] = []
        for vendor in profile.vendors:
            if plan.get("vendor") and vendor.name != plan["vendor"]:
                continue
            spec = lookup(vendor.type)
            budget = (
                connectors.Budget([connectors.Rate(vendor.requests_per_second, vendor.burst or 1)])
                if vendor.requests_per_second
                else spec.make_budget()
            ).share(share)

            def wrap(verify: Any, name: str = vendor.name) -> httpx.BaseTransport:
                transports[name] = LoggingTransport(httpx.HTTPTransport(verify=verify, retries=0), name, started)
                return transports[name]

            connector = connectors.open_connector(profile, vendor, budget=budget, transport=wrap)
            opened += connector.sessions
            writes = not profile.read_only and bool(plan.get("writes", True))
            # One agent's round is the vendor's own workflow, declared beside its connector and sent through it.
            plans.append([(vendor.name, step) for step in spec.workflow(connector, writes)])
        schedule = itertools.cycle(_interleave(plans))
        rate = float(plan["rate"]) / share
        duration = float(plan["duration"])
        pool = gevent.pool.Pool(int(plan.get("max_in_flight", 1000)))
        sampler = gevent.spawn(self._sample_cpu, duration)
        index = 0
        stopping = False
        try:
            while True:
                # locust asks a user to stop by this state (SIGTERM, the -t limit, the master's stop).
                stopping = self._state == LOCUST_STATE_STOPPING
                planned = index / rate
                if stopping or planned >= duration:
                    break
                wait = planned - (time.monotonic() - started)
                if wait > 0:
                    gevent.sleep(min(wait, 0.25))  # short naps, so a stop is seen at once even at 0.01 requests/s
                    continue
                # Behind schedule this loop would never yield, and locust's SIGTERM handler, its reports to the
                # master and the requests in flight would starve.
                gevent.sleep(0)
                index += 1
                lag = time.monotonic() - started - planned
                vendor_name, step = next(schedule)
                if pool.full():
                    COLLECTOR.dropped += 1
                    continue
                pool.spawn(self._one, transports[vendor_name], step, started, planned, lag)
            if stopping:
                pool.kill(timeout=2)  # what is in flight when asked to stop is not waited for
            else:
                pool.join(timeout=max(30.0, duration))
        finally:
            sampler.kill()
            # Asked to stop (SIGTERM, the parent gone), the user undoes nothing: requests sent while locust stops its
            # users race that stop (locust: "Tried to stop User in an unexpected state"). Its writes are listed, each
            # as not undone, for a person to clean up.
            self._undo_writes(opened, 0.0 if stopping else float(plan.get("undo_seconds", UNDO_SECONDS)))
            for session in opened:
                session.close()
        runner = self.environment.runner
        if not stopping and isinstance(runner, WorkerRunner):
            runner.send_message(SCHEDULE_DONE, COLLECTOR.take_new())
        elif not stopping and runner is not None:
            runner.quit()  # a local run ends when its schedule does
        raise StopUser

    @staticmethod
    def _undo_writes(sessions: list[Any], seconds: float) -> None:
        """Undo what the schedule wrote, within `seconds`; every write reaches the results, undone or not."""
        what = "the load run's undo deadline" if seconds > 0 else "the stop of the load run"
        deadline = Deadline.after(seconds, what)
        ledgers = {id(s.ledger): s.ledger for s in sessions if s.ledger is not None}
        # Side by side, as the schedule's requests were: the vendor's budget still paces them.
        pool = gevent.pool.Pool(UNDOS_IN_FLIGHT)
        for ledger in ledgers.values():
            try:
                ledger.undo_all(deadline, run=pool.map if seconds > 0 else None)
            finally:
                COLLECTOR.add_writes(ledger.as_json())

    def _one(self, transport: LoggingTransport, step: WorkflowStep, started: float, planned: float, lag: float) -> None:
        name, method = step.name, step.method
        sent = time.monotonic()
        status, length, problem = 0, 0, ""
        try:
            response = step.send()
            status, length = response.status_code, len(response.content)
            # Checked here, for every vendor alike: a fast 200 login page must not pass the latency gates.
            problem = answer_problem(status, response.headers.get("content-type"), response.content)
        except (httpx.HTTPError, connectors.ConnectorError) as exc:
            problem = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:160] if str(exc) else 'no detail'}"
        done = time.monotonic()
        corrected = (done - started - planned) * 1000
        retries = transport.throttled_by_greenlet.pop(id(gevent.getcurrent()), 0)
        COLLECTOR.samples.append(
            Sample(name, planned, lag * 1000, corrected, (done - sent) * 1000, status, retries, problem).as_row()
        )
        failure: Exception | None = (
            RuntimeError(problem) if problem else RuntimeError(f"HTTP {status}") if status >= 400 else None
        )
        events.request.fire(
            request_type=method,
            name=name,
            response_time=corrected,
            response_length=length,
            exception=failure,
            context={},
        )

    @staticmethod
    def _sample_cpu(duration: float, every: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        psutil.cpu_percent(interval=None)
        end = clock() + duration + 5
        while clock() < end:
            gevent.sleep(every)
            COLLECTOR.cpu.append(psutil.cpu_percent(interval=None))
