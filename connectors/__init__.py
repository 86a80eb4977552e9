"""Connectors: httpx clients that turn each vendor's API into vendor-neutral snapshots.

    collection = connectors.collect(profile)
    for snapshot in collection.snapshots.values():
        snapshot.grants, snapshot.users, snapshot.mfa_enforcement, snapshot.iter_payloads()

Adding a vendor is one module that declares `VENDOR = VendorSpec(...)` (vendor_audit.vendors): its auth
kinds, budget, connector class, agent workflow and wording. The registry finds the modules of this package;
one that lives elsewhere calls `vendor_audit.vendors.register(spec)`.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from vendor_audit._threads import in_daemon_threads
from vendor_audit.model import CollectionError, VendorSnapshot
from vendor_audit.profile import Profile, ProfileError, Vendor
from vendor_audit.progress import NO_PROGRESS, Progress, phase
from vendor_audit.redact import Redactor
from vendor_audit.vendors import lookup

from ._base import COLLECTED, Session, redacting, stopped_snapshot
from ._deadline import Deadline, DeadlineTransport, http_transport
from ._errors import (
    AuthenticationError,
    ConnectorError,
    DeadlineExceeded,
    PermissionDenied,
    RateLimitedError,
    ReadOnlyViolation,
    TLSFailure,
    TransportFailure,
    VendorAPIError,
)
from ._http import Exchange, Recorder, build_client, trust_context
from ._pacing import Budget, Rate, shared_budget
from ._pagination import parse_link_header
from ._retry import ReadOnlyTransport, RetryTransport, parse_retry_after
from ._sandbox_proof import SandboxGate, SandboxProof, SandboxUnproven, SandboxWriteGuard, is_write
from ._segmentation import probe_segmentation
from ._writes import PendingWrite, UndoStep, Write, WriteLedger, WriteUndo

__all__ = [
    "AuthenticationError",
    "Budget",
    "Collection",
    "Connector",
    "ConnectorError",
    "Deadline",
    "DeadlineExceeded",
    "DeadlineTransport",
    "Exchange",
    "PendingWrite",
    "PermissionDenied",
    "Rate",
    "RateLimitedError",
    "ReadOnlyTransport",
    "ReadOnlyViolation",
    "Recorder",
    "RetryTransport",
    "SandboxGate",
    "SandboxProof",
    "SandboxUnproven",
    "SandboxWriteGuard",
    "TLSFailure",
    "TransportFailure",
    "UndoStep",
    "VendorAPIError",
    "Write",
    "WriteLedger",
    "WriteUndo",
    "build_client",
    "collect",
    "http_transport",
    "is_write",
    "open_connector",
    "parse_link_header",
    "parse_retry_after",
    "probe_segmentation",
    "prove_sandbox",
    "trust_context",
]


class Connector(Protocol):
    """What a vendor module's connector class builds (VendorSpec.connector), typed with this package's Session."""

    name: str
    sessions: list[Session]

    def snapshot(self) -> VendorSnapshot: ...


_GRACE_SECONDS = 2.0  # past the vendor deadline, for a request cut at it to report and the snapshot to close


@dataclass
class Collection:
    snapshots: dict[str, VendorSnapshot]
    connectors: dict[str, Connector]
    recorder: Recorder
    seconds: float = 0.0
    redactor: Redactor = field(default_factory=Redactor)

    def settle_writes(self, seconds: float = 60.0) -> list[dict[str, Any]]:
        """Undo what the run wrote (sandbox mode), within `seconds`; every write listed with its undo's result."""
        deadline = Deadline.after(seconds, "the undo deadline")
        ledgers = {id(s.ledger): s.ledger for c in self.connectors.values() for s in c.sessions if s.ledger}
        listed: list[dict[str, Any]] = []
        for ledger in ledgers.values():
            ledger.undo_all(deadline)
            listed += ledger.as_json()
        return listed

    def close(self) -> None:
        for connector in self.connectors.values():
            for session in connector.sessions:
                session.close()


def open_connector(
    profile: Profile,
    vendor: Vendor,
    *,
    recorder: Recorder | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budget: Budget | None = None,
    transport: Callable[[ssl.SSLContext], httpx.BaseTransport] | None = None,
    deadline: Deadline | None = None,
) -> Connector:
    """The connector for one vendor of the profile, one session per credential.

    Each credential is paced by its account's shared budget, unless `budget` is given (benchmarks
    and tests against a stand-in whose limits were lifted). `transport` builds the innermost
    transport from the trust context: the load tests wrap it to log every request that leaves
    (wrap `http_transport(verify)` to keep the request deadline inside response headers too).
    Every request ends by the profile's request deadline, and by `deadline` (the vendor's) when given.
    """
    spec = lookup(vendor.type)
    verify = trust_context(profile.ca_file)
    sessions: list[Session] = []
    # Sandbox mode: one proof and one ledger for the vendor's clients, the proof asked before the first write of any.
    gate, ledger = None, None
    if not profile.read_only:
        gate = SandboxGate(vendor, spec.sandbox_proof)
        redactor = Redactor([profile.secret(c, environ) for c in vendor.credentials])
        ledger = WriteLedger(vendor.name, spec.undo_write, redactor)
    for credential in vendor.credentials:
        secret = profile.secret(credential, environ)
        make: Callable[[], Budget] = spec.make_budget
        if vendor.requests_per_second is not None:
            rate = Rate(vendor.requests_per_second, vendor.burst or max(1, int(vendor.requests_per_second)))
            make = functools.partial(Budget, [rate])  # the profile's plan-specific pace
        key = (vendor.type, vendor.base_url, credential.name, str(vendor.requests_per_second))
        account_budget = budget or shared_budget(key, make)
        client = build_client(
            base_url=vendor.base_url,
            auth=spec.make_auth(credential.auth, secret, credential.email),
            verify=verify,
            read_only=profile.read_only,
            budget=account_budget,
            recorder=recorder,
            sleep=sleep,
            transport=transport(verify) if transport is not None else None,
            request_seconds=profile.deadlines.request_seconds,
            deadline=deadline,
            graphql_path=spec.graphql_path,
            name=vendor.name,
            sandbox_gate=gate,
            ledger=ledger,
            credential=credential.name,
        )
        sessions.append(Session(vendor, credential, client, ledger, gate))
        if ledger is not None:
            ledger.bind(sessions[-1])
    if gate is not None:
        gate.bind(sessions[0])
    return spec.connector(sessions)


def prove_sandbox(connector: Connector) -> SandboxProof | None:
    """The vendor's sandbox proof for this connector's writes (asked once, then cached); None in production mode."""
    gate = connector.sessions[0].gate
    return None if gate is None else gate.proof()


def collect(
    profile: Profile,
    *,
    environ: Mapping[str, str] | None = None,
    record_limit: int = 500,
    deadline: Deadline | None = None,
    progress: Progress = NO_PROGRESS,
) -> Collection:
    """Snapshots of every vendor, collected concurrently; payloads stay lazy streams.

    Each vendor's collection, its payload stream included, ends by its vendor deadline (the profile's
    [deadlines] vendor_seconds from now, or `deadline`, the run's, when that comes first): what it did not
    finish by then is a CollectionError of kind "deadline".

    Each vendor's collection is a phase of `progress` ("<vendor> collection"), its pages and records counted as
    they are read (the payload streams count later, in the scan's phases).

    Raises:
        ProfileError: a credential's env var is missing (the audit cannot run).
    """
    secrets = [profile.secret(c, environ) for v in profile.vendors for c in v.credentials]
    redactor = Redactor(secrets)
    recorder = Recorder(redactor, limit=record_limit)
    started = time.perf_counter()
    connectors: dict[str, Connector] = {}
    deadlines = {
        v.name: Deadline.after(profile.deadlines.vendor_seconds, "the vendor deadline", within=deadline)
        for v in profile.vendors
    }

    # One vendor's failure, a bug or a hostile answer the connector did not foresee, is that vendor's
    # snapshot: nothing known and why, for every check; it never stops another vendor or the collection.
    def snapshot_of(vendor: Vendor) -> VendorSnapshot:
        try:
            with phase(progress, f"{vendor.name} collection"):
                connector = open_connector(
                    profile, vendor, recorder=recorder, environ=environ, deadline=deadlines[vendor.name]
                )
                connectors[vendor.name] = connector
                found = connector.snapshot()
        except Exception as exc:
            found = stopped_snapshot(vendor, exc, redactor)
        return redacting(found, redactor)

    # Daemon threads, not an executor: a Ctrl-C reaches the caller at once, and a stalled vendor cannot hold the
    # process open at exit. snapshot_of never raises, so every outcome is a snapshot.
    # Requests end by the vendor deadline on their own; a thread past it (stuck outside a request) is left behind.
    latest = max((d.at for d in deadlines.values()), default=None)
    outcomes = in_daemon_threads(
        {v.name: functools.partial(snapshot_of, v) for v in profile.vendors},
        "collect",
        deadline=None if latest is None else latest + _GRACE_SECONDS,
    )
    snapshots = {}
    for vendor in profile.vendors:
        name, outcome = vendor.name, outcomes[vendor.name]
        if isinstance(outcome, TimeoutError):
            message = f"{name}: the collection had not ended when {deadlines[name].what} passed"
            errors = [CollectionError(name, what, "deadline", message) for what in COLLECTED]
            snapshots[name] = VendorSnapshot(name, vendor.type, errors=errors)
            continue
        if isinstance(outcome, BaseException):  # KeyboardInterrupt or SystemExit in a worker: the caller's to see
            raise outcome
        snapshots[name] = outcome
    return Collection(snapshots, connectors, recorder, time.perf_counter() - started, redactor)


# Re-exported for callers that validate before collecting.
__all__ += ["ProfileError"]
