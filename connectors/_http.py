"""One client builder for every vendor: TLS, timeouts, pacing, retries, read-only mode, evidence."""

from __future__ import annotations

import fnmatch
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from vendor_audit.profile import Vendor
from vendor_audit.redact import Redactor
from vendor_audit.vendors import registered

from ._deadline import Deadline, DeadlineTransport, http_transport
from ._errors import ConnectorError, OriginRefused
from ._graphql import CostMeter, CostPacedTransport
from ._outbound import scrub_configured_secrets
from ._pacing import Budget
from ._retry import ReadOnlyTransport, RetryTransport
from ._sandbox_proof import SandboxGate, SandboxWriteGuard
from ._writes import WriteLedger

__all__ = ["Exchange", "Recorder", "build_client", "trust_context"]

log = logging.getLogger("vendor_audit.connectors")
_COMMON_EVIDENCE_HEADERS = ("content-type", "retry-after", "x-request-id")


def evidence_headers() -> frozenset[str]:
    """Response headers kept as evidence: the common ones and what each registered vendor declares."""
    return frozenset(_COMMON_EVIDENCE_HEADERS).union(*(s.evidence_headers for s in registered().values()))


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the audit relied on, fit for the evidence bundle: no secret, PANs masked."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    elapsed_ms: float
    body_excerpt: str


@dataclass
class Recorder:
    """Keeps the first `limit` exchanges and counts the rest, so 100k pages cost no memory."""

    redact: Redactor
    limit: int = 500
    keep_headers: frozenset[str] = field(default_factory=evidence_headers)
    exchanges: list[Exchange] = field(default_factory=list)
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response, started: float) -> None:
        with self._lock:
            self.total += 1
            if len(self.exchanges) >= self.limit:
                return
        request = response.request
        url = request.url
        # Query values may carry cursors and ids, never credentials; mask PANs all the same.
        shown_url = self.redact(str(url))
        try:
            # Cut to 400 once redacted: nothing crossing the cut is half-masked. A key a webhook or an integration
            # is configured with (X-Api-Key, Authorization) is no credential of the run's: scrubbed by its name.
            excerpt = scrub_configured_secrets(response.text[:600])
        except (httpx.ResponseNotRead, UnicodeDecodeError):
            excerpt = ""
        exchange = Exchange(
            method=request.method,
            url=shown_url,
            status=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() in self.keep_headers},
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
            body_excerpt=self.redact(excerpt)[:400],
        )
        with self._lock:
            self.exchanges.append(exchange)

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "method": e.method,
                "url": e.url,
                "status": e.status,
                "headers": e.headers,
                "elapsed_ms": e.elapsed_ms,
                "body_excerpt": e.body_excerpt,
            }
            for e in self.exchanges
        ]


def trust_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system trust store plus the profile's CA bundle; TLS 1.2 at the least."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def build_client(
    *,
    base_url: str,
    auth: httpx.Auth,
    verify: ssl.SSLContext,
    read_only: bool = True,
    budget: Budget | None = None,
    recorder: Recorder | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 15.0,
    transport: httpx.BaseTransport | None = None,
    request_seconds: float = 30.0,
    deadline: Deadline | None = None,
    name: str = "",
    graphql_path: str | None = None,
    sandbox_gate: SandboxGate | None = None,
    ledger: WriteLedger | None = None,
    credential: str = "",
) -> httpx.Client:
    """An httpx client for one vendor credential.

    Args:
        base_url: the vendor's https:// base URL; plain http:// is refused in every mode.
        auth: the vendor's auth flow (header token, Basic, Bearer).
        verify: the trust store, from `trust_context`.
        read_only: production mode: non-GET requests are refused before they leave the process.
        budget: the account's shared pacing budget.
        recorder: keeps redacted exchanges for the evidence bundle.
        sleep: injectable for tests of retries and pacing.
        timeout: seconds for each connect, read and write.
        transport: the innermost transport; tests pass httpx.MockTransport for edge cases.
        request_seconds: the total deadline of one exchange: connect, headers and body together.
        deadline: the vendor's deadline; no exchange, pacing wait or retry goes past it.
        name: the vendor's name, for deadline messages.
        graphql_path: a glob of the vendor's GraphQL endpoint path: its queries are paced by cost, and in
            production mode they pass while its mutations are refused.
        sandbox_gate: sandbox mode: the vendor's proof that the target is a sandbox, asked before the first write;
            without one every write is refused (connectors/_sandbox_proof.py).
        ledger: sandbox mode: where the writes that leave are listed, with their undo (connectors/_writes.py).
        credential: the name of the credential this client signs with: its writes are undone with it.
    """
    if not base_url.startswith("https://"):
        raise ConnectorError(f"refusing {base_url}: vendor APIs are reached over https:// only")
    inner = transport or http_transport(verify)
    bounded = DeadlineTransport(inner, request_seconds=request_seconds, deadline=deadline, name=name)
    stack: httpx.BaseTransport = RetryTransport(bounded, budget=budget, sleep=sleep, deadline=deadline, name=name)
    is_graphql = None
    if graphql_path is not None:
        pattern = graphql_path

        def is_graphql(path: str) -> bool:
            return fnmatch.fnmatchcase(path, pattern)

        meter = budget.cost if budget is not None else CostMeter()
        stack = CostPacedTransport(stack, meter=meter, is_graphql=is_graphql, sleep=sleep, deadline=deadline, name=name)
    if read_only:
        stack = ReadOnlyTransport(stack, is_graphql)
    else:
        # Sandbox mode writes only where the vendor's answer proves a sandbox: a client nobody gave a proof refuses.
        gate = sandbox_gate or SandboxGate.refusing(
            Vendor(name or "vendor", "", base_url, None, ()), "this client was built without a sandbox proof"
        )
        stack = SandboxWriteGuard(stack, gate, ledger or WriteLedger(name or "vendor"), is_graphql, credential)

    origin = httpx.URL(base_url)

    def on_request(request: httpx.Request) -> None:
        # The client signs every request with the credential: one to another origin (an absolute link a vendor
        # sent, anywhere in the code) is refused here, the one place every request passes, before it is sent.
        if (request.url.scheme, request.url.host, request.url.port) != (origin.scheme, origin.host, origin.port):
            port = f":{request.url.port}" if request.url.port else ""
            raise OriginRefused(
                f"{name or 'vendor'}: refused to send the credential to {request.url.scheme}://"
                f"{request.url.host[:100]}{port}, which is not base_url's origin"
            )
        request.extensions["vendor_audit_started"] = time.perf_counter()
        # Only method and path reach the log: headers hold the credentials.
        log.debug("%s %s", request.method, request.url.copy_with(query=None))

    def on_response(response: httpx.Response) -> None:
        started = response.request.extensions.get("vendor_audit_started", time.perf_counter())
        response.read()
        log.debug(
            "%s %s -> %s", response.request.method, response.request.url.copy_with(query=None), response.status_code
        )
        if recorder is not None:
            recorder.record(response, started)

    return httpx.Client(
        base_url=base_url,
        auth=auth,
        transport=stack,
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": "vendor-audit/0.1 (+security review)", "Accept": "application/json"},
        event_hooks={"request": [on_request], "response": [on_response]},
    )
