"""Writes only where a sandbox is proven: `mode = "sandbox"` is a label until the vendor's own answer backs it.

A profile that says sandbox but points at a production helpdesk would write into real tickets at the load test's
rate. So in sandbox mode every client carries `SandboxWriteGuard`, the outermost transport: a write (any method
but GET, HEAD and OPTIONS, or a GraphQL document that is not only queries) waits for the vendor's proof, asked once
per vendor per run (`SandboxGate`, cached), and is refused before it is sent, as one line naming the vendor, what
was asked and what answered, when the answer proves no sandbox. Reads pass untouched. Each write that leaves is
listed in the vendor's `WriteLedger` (connectors/_writes.py) with the undo its answer allows.

What proves a sandbox is the vendor's knowledge (`VendorSpec.sandbox_proof`): Shopify's shop plan says whether the
store is a development store; Zendesk and Gorgias have no such flag, so their account's own name, as the vendor
answers it, must be on the profile's `sandbox_accounts` (`declared_account`). A vendor that declares no proof gets
no write in sandbox mode.

    ConnectorError
     └── SandboxUnproven     sandbox mode refused a write: the vendor's answer proves no sandbox
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from vendor_audit.profile import Vendor

from ._errors import ConnectorError
from ._graphql import why_not_read_only
from ._writes import UNDO_EXTENSION, WriteLedger

__all__ = [
    "SandboxGate",
    "SandboxProof",
    "SandboxUnproven",
    "SandboxWriteGuard",
    "ask",
    "declared_account",
    "is_write",
]

T = TypeVar("T")
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class SandboxUnproven(ConnectorError):
    """Sandbox mode refused a write before it left the process: the vendor's answer proves no sandbox."""

    kind = "sandbox_unproven"


@dataclass(frozen=True, slots=True)
class SandboxProof:
    """What the vendor answered when asked whether its account is a sandbox.

    Attributes:
        vendor: the vendor entry's name.
        proven: the answer proves a sandbox.
        asked: the request, in words ("GET /api/account").
        answered: what came back that decided it, one line ("domain 'acme', not on sandbox_accounts").
        account: the account's name as the vendor gave it, when it gave one.
    """

    vendor: str
    proven: bool
    asked: str
    answered: str
    account: str | None = None

    def refusal(self, what: str) -> str:
        """The one line a refused write raises: the vendor, the write, what was asked and what answered."""
        return (
            f"{self.vendor}: sandbox mode refused {what} before sending it: asked {self.asked}, answered "
            f"{self.answered}; no write goes to an account that is not proven a sandbox"
        )


def ask(
    vendor: Vendor, asked: str, read: Callable[[], T], judge: Callable[[T], tuple[bool, str, str | None]]
) -> SandboxProof:
    """Ask the vendor (`read`) and judge its answer; a failed or unreadable answer proves nothing."""
    try:
        proven, answered, account = judge(read())
    except Exception as exc:  # a refusal, or an answer no judge can read (a hostile url): either way, no proof
        return SandboxProof(vendor.name, False, asked, f"no proof ({' '.join(str(exc).split())[:200]})")
    return SandboxProof(vendor.name, proven, asked, answered, account)


def declared_account(vendor: Vendor, answered: str | None, vendor_domain: str) -> tuple[bool, str, str | None]:
    """Whether the account named in the vendor's answer is one the profile declares a sandbox.

    The account is its subdomain: `answered`, as the vendor named itself. When base_url is on the vendor's own
    domain (https://acme-sandbox.zendesk.com), its subdomain must be that same account, so a base_url and an
    answer that disagree (a proxy, a typo) prove nothing.
    """
    if not answered:
        return False, "no account name", None
    account = answered.lower()
    host = (urlsplit(vendor.base_url).hostname or "").lower()
    suffix = "." + vendor_domain
    in_url = host[: -len(suffix)] if host.endswith(suffix) and "." not in host[: -len(suffix)] else None
    if in_url is not None and in_url != account:
        return False, f"account {account!r}, but base_url names {in_url!r}", account
    if not vendor.sandbox_accounts:
        return (
            False,
            f"account {account!r}; the profile declares no sandbox_accounts for {vendor.name} (its API has no "
            "sandbox flag)",
            account,
        )
    listed = ", ".join(repr(a) for a in vendor.sandbox_accounts)
    if account not in vendor.sandbox_accounts:
        return False, f"account {account!r}, not on sandbox_accounts [{listed}]", account
    return True, f"account {account!r}, on sandbox_accounts", account


class SandboxGate:
    """The proof for one vendor's clients, asked once (the first write asks; the others wait for its answer).

    Args:
        vendor: the profile's vendor entry.
        prove: the vendor's `sandbox_proof`, or None when it declares none.
    """

    def __init__(self, vendor: Vendor, prove: Callable[[Any, Vendor], SandboxProof] | None) -> None:
        self._vendor = vendor
        self._prove = prove
        self._session: Any = None
        self._proof: SandboxProof | None = None
        self._lock = threading.Lock()

    @classmethod
    def refusing(cls, vendor: Vendor, why: str) -> SandboxGate:
        """A gate whose proof is already known to fail: a client built without a way to prove its target."""
        gate = cls(vendor, None)
        gate._proof = SandboxProof(vendor.name, False, "nothing", why)
        return gate

    def bind(self, session: Any) -> None:
        """The session the proof is asked with (the vendor's first): its client's auth, pacing and deadlines."""
        if self._session is None:
            self._session = session

    def proof(self) -> SandboxProof:
        with self._lock:
            if self._proof is None:
                self._proof = self._ask()
            return self._proof

    def _ask(self) -> SandboxProof:
        name = self._vendor.name
        if self._prove is None:
            return SandboxProof(name, False, "nothing", f"the {self._vendor.type} connector declares no sandbox proof")
        if self._session is None:
            return SandboxProof(name, False, "nothing", "no session to ask with")
        return self._prove(self._session, self._vendor)


def _graphql_query_of(request: httpx.Request) -> bytes:
    """A GraphQL GET's `?query=` as the JSON body a POST would carry, for the same parser."""
    return json.dumps({"query": request.url.params.get("query", "")}).encode()


def is_write(request: httpx.Request, is_graphql: Callable[[str], bool] | None) -> bool:
    """Whether a request may change vendor data: any method but GET, HEAD and OPTIONS, and GraphQL mutations.

    A POST to the GraphQL endpoint whose document parses to queries only reads; so does a GraphQL GET without a
    mutation in its `query` parameter (some servers execute one there).
    """
    graphql = is_graphql is not None and is_graphql(request.url.path)
    if request.method in READS:
        return graphql and "query" in request.url.params and why_not_read_only(_graphql_query_of(request)) is not None
    if request.method == "POST" and graphql:
        return why_not_read_only(request.read()) is not None
    return True


class SandboxWriteGuard(httpx.BaseTransport):
    """Sandbox mode's outermost transport: a write goes only once the gate's proof stands, and is listed."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        gate: SandboxGate,
        ledger: WriteLedger,
        is_graphql: Callable[[str], bool] | None = None,
        credential: str = "",
    ) -> None:
        self._inner = inner
        self._gate = gate
        self._ledger = ledger
        self._is_graphql = is_graphql
        self._credential = credential  # whose client this is: its writes are undone with it

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not is_write(request, self._is_graphql):
            return self._inner.handle_request(request)
        proof = self._gate.proof()
        if not proof.proven:
            raise SandboxUnproven(proof.refusal(f"{request.method} {request.url.copy_with(query=None)}"))
        if request.extensions.get(UNDO_EXTENSION):  # recorded on the write it undoes
            return self._inner.handle_request(request)
        before = self._ledger.before(request, self._credential)
        try:
            response = self._inner.handle_request(request)
            response.read()
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise  # nothing reached the vendor
        except BaseException as exc:  # sent, maybe applied (even when a greenlet is killed or ^C): listed, then on
            self._ledger.record_unanswered(request, self._credential, exc)
            raise
        self._ledger.record(request, response, before, self._credential)
        return response

    def close(self) -> None:
        self._inner.close()
