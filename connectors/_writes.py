"""The write ledger: every write a sandbox-mode client sent, and how it was undone.

A write the audit makes in a sandbox (the load test's internal notes, a synthetic card number) must leave no
trace: each one that leaves the process is listed here (method, vendor, path with its ids, when, the status
answered), and `undo_all` undoes it where the vendor's API allows, recording the undo's own status. How a write is
undone is the vendor's knowledge (`VendorSpec.undo_write`, a `WriteUndo`): a Zendesk note redacted, a Gorgias
message deleted, a Shopify order note restored to what it was before. What could not be undone is listed as such,
never dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from vendor_audit.durations import Deadline
from vendor_audit.redact import Redactor

from ._errors import ConnectorError

__all__ = ["UNDO_EXTENSION", "PendingWrite", "UndoStep", "Write", "WriteLedger", "WriteUndo"]

# Marks an undo request: it passes the sandbox guard as a write (the proof stands) but is recorded on the write it
# undoes, not as a write of its own.
UNDO_EXTENSION = "vendor_audit_undo"
UNDONE, NOT_UNDONE, NOTHING_TO_UNDO = "undone", "not_undone", "nothing_to_undo"


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A write about to leave: its method, path (no query) and JSON body (None when it is not JSON)."""

    method: str
    path: str
    body: Any


@dataclass(frozen=True, slots=True)
class UndoStep:
    """The request that undoes a write, and what it does in words ("redact the internal note").

    `failed` reads the undo's answer for a failure its status hides (GraphQL `userErrors` on a 200): why, or None.
    """

    method: str
    path: str
    json: Any
    what: str
    failed: Callable[[Any], str | None] | None = None


@dataclass(frozen=True, slots=True)
class WriteUndo:
    """A vendor's knowledge of undoing its writes.

    Attributes:
        plan: (the write, its answer's JSON, what `before` read) -> the undo, why there is none, or None when the
            answer says nothing was written (a GraphQL error on a 200).
        before: reads what the write will change, before it is sent (an order's note, to restore it); None when
            the answer alone says how to undo (the id of the note it created).
    """

    plan: Callable[[PendingWrite, Any, Any], UndoStep | str | None]
    before: Callable[[Any, PendingWrite], Any] | None = None  # (a Session, the write)


@dataclass
class Write:
    """One write that left the process, and its undo (sent with the credential that wrote)."""

    vendor: str
    credential: str
    method: str
    path: str
    at: str
    status: int
    undo: UndoStep | None
    result: str  # UNDONE, NOT_UNDONE or NOTHING_TO_UNDO
    note: str = ""
    undo_status: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "credential": self.credential,
            "method": self.method,
            "path": self.path,
            "at": self.at,
            "status": self.status,
            "undo": None
            if self.undo is None
            else {
                "method": self.undo.method,
                "path": self.undo.path,
                "what": self.undo.what,
                "status": self.undo_status,
            },
            "result": self.result,
            "note": self.note,
        }


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class WriteLedger:
    """The writes of one vendor's clients in a run; shared by its sessions, safe across threads and greenlets.

    Args:
        vendor: the vendor entry's name.
        undo: the vendor's `WriteUndo`, or None (every write is then listed as not undone).
        redact: the run's redactor; paths and notes pass it before they are kept.
    """

    vendor: str
    undo: WriteUndo | None = None
    redact: Callable[[str], str] = field(default_factory=Redactor)
    writes: list[Write] = field(default_factory=list)
    _sessions: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def bind(self, session: Any) -> None:
        """A session of the vendor's: what its credential writes is read before, and undone, through it."""
        self._sessions.setdefault(session.credential.name, session)

    def before(self, request: httpx.Request, credential: str) -> Any:
        """What the vendor's `before` hook reads ahead of this write; a failure is kept to explain the missing undo."""
        session = self._sessions.get(credential)
        if self.undo is None or self.undo.before is None or session is None:
            return None
        try:
            return self.undo.before(session, self._pending(request))
        except ConnectorError as exc:
            return _Unread(" ".join(str(exc).split())[:200])

    @staticmethod
    def _pending(request: httpx.Request) -> PendingWrite:
        return PendingWrite(request.method, request.url.path, _json_or_none(request.read()))

    def _sent(self, request: httpx.Request, credential: str, status: int) -> Write:
        """The write as sent, not undone yet."""
        return Write(
            vendor=self.vendor,
            credential=credential,
            method=request.method,
            path=self.redact(request.url.path),
            at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            status=status,
            undo=None,
            result=NOT_UNDONE,
        )

    def record_unanswered(self, request: httpx.Request, credential: str, exc: BaseException) -> None:
        """List a write that left without an answer: it may have been applied, and nothing says how to undo it."""
        write = self._sent(request, credential, 0)
        write.note = f"no answer ({exc.__class__.__name__}): whether it was applied is unknown; check by hand"
        with self._lock:
            self.writes.append(write)

    def record(self, request: httpx.Request, response: httpx.Response, before: Any, credential: str) -> None:
        """List a write that was answered, with the undo its answer allows."""
        write = self._sent(request, credential, response.status_code)
        if not response.is_success:
            write.result, write.note = NOTHING_TO_UNDO, f"the vendor answered {response.status_code}: nothing written"
        elif isinstance(before, _Unread):
            write.note = f"what it changed could not be read first ({before.why}), so it cannot be restored"
        elif self.undo is None:
            write.note = f"{self.vendor}'s connector knows no undo for its writes"
        else:
            try:
                planned = self.undo.plan(self._pending(request), _json_or_none(response.content), before)
            except Exception as exc:  # an answer in a shape the undo does not know: listed as not undone, with why
                planned = f"the answer could not be read for an undo ({exc.__class__.__name__}): check by hand"
            if planned is None:
                write.result, write.note = NOTHING_TO_UNDO, "the vendor's answer says nothing was written"
            elif isinstance(planned, str):
                write.note = planned
            else:
                write.undo = planned
        write.note = self.redact(write.note)
        with self._lock:
            self.writes.append(write)

    def pending(self) -> list[Write]:
        """The writes an undo is planned for and not yet tried, in the order made."""
        with self._lock:
            return [w for w in self.writes if w.undo is not None and w.result == NOT_UNDONE and not w.note]

    def undo_all(
        self,
        deadline: Deadline | None = None,
        run: Callable[[Callable[[Write], None], list[Write]], object] | None = None,
    ) -> None:
        """Undo every pending write until the deadline; those not undone say why.

        Args:
            deadline: no undo is sent after it.
            run: how the undos are run, e.g. a gevent pool's `map`; by default one after the other.
        """

        def one(write: Write) -> None:
            self.undo_one(write, deadline)

        pending = self.pending()
        if run is None:
            for write in pending:
                one(write)
        else:
            run(one, pending)

    def undo_one(self, write: Write, deadline: Deadline | None = None) -> None:
        """Send one write's undo with the credential that wrote, and keep its result."""
        step = write.undo
        if step is None:
            return
        if deadline is not None and deadline.passed():
            write.note = f"{deadline.what} passed before its undo was sent"
            return
        session = self._sessions.get(write.credential)
        if session is None:
            write.note = f"no session of credential {write.credential!r} to send the undo with"
            return
        try:
            answer = session.client.request(step.method, step.path, json=step.json, extensions={UNDO_EXTENSION: True})
            write.undo_status = answer.status_code
            why = step.failed(_json_or_none(answer.content)) if step.failed and answer.is_success else None
        except Exception as exc:  # one undo that fails in any way is listed as not undone; the others still go
            write.note = self.redact(f"the undo was not answered: {exc.__class__.__name__}: {exc}")[:300]
            return
        if answer.is_success and why is None:
            write.result = UNDONE
        else:
            write.note = self.redact(why or f"the undo was answered {answer.status_code}")[:300]

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [w.as_json() for w in self.writes]


@dataclass(frozen=True, slots=True)
class _Unread:
    why: str
