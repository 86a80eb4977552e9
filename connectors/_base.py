"""What every vendor connector shares: one session per credential, JSON fetching, safe collection."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from vendor_audit.model import CollectionError, Endpoint, Grants, Payload, VendorSnapshot
from vendor_audit.profile import Credential, Vendor
from vendor_audit.progress import tally
from vendor_audit.vendors import WorkflowStep

from ._errors import ConnectorError, UnexpectedShape, map_transport_errors, raise_for_answer
from ._sandbox_proof import SandboxGate
from ._writes import WriteLedger

T = TypeVar("T")


@dataclass
class Session:
    """One credential's client, with the names its errors must mention.

    Sandbox mode: `gate` holds the vendor's proof that the target is a sandbox, `ledger` the writes its clients
    sent; both shared by the vendor's sessions (None in production mode, where no write leaves).
    """

    vendor: Vendor
    credential: Credential
    client: httpx.Client
    ledger: WriteLedger | None = None
    gate: SandboxGate | None = None

    def get(self, url: str, params: Any = None) -> tuple[Any, httpx.Headers]:
        """Parsed JSON and headers of a GET, or the ConnectorError that says why not."""
        body, headers = self._exchange(self.client.build_request("GET", url, params=params))
        tally(pages=1)  # to the collection or payload scan running in this thread (vendor_audit.progress)
        return body, headers

    def follow(self, url: str) -> tuple[Any, httpx.Headers]:
        """GET a next-page link the vendor gave, which must stay on base_url's origin.

        The session sends its credential with every request, so a link elsewhere (a hostile or
        compromised vendor, a proxy rewriting bodies) is refused, never followed.
        """
        target, base = self.client.build_request("GET", url).url, self.client.base_url
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            raise UnexpectedShape(
                f"{self.vendor.name}: a next-page link leads to {target.host[:100]}:{target.port or 443}, not to "
                "base_url's origin; refused, so the credential is not sent there"
            )
        return self.get(url)

    def query(self, url: str, query: str, variables: dict[str, Any]) -> Any:
        """POST a GraphQL query: the parsed JSON answer, whatever its `errors` (the connector reads those).

        Marked idempotent: a query only reads, so the retry layer may send it again (it never retries a POST).
        """
        request = self.client.build_request(
            "POST", url, json={"query": query, "variables": variables}, extensions={"vendor_audit_idempotent": True}
        )
        body, _ = self._exchange(request)
        tally(pages=1)
        return body

    def send(self, method: str, url: str, json: Any) -> Any:
        body, _ = self._exchange(self.client.build_request(method, url, json=json))
        return body

    def _exchange(self, request: httpx.Request) -> tuple[Any, httpx.Headers]:
        """The parsed JSON and headers of the answer to `request`, or the ConnectorError that says why not."""
        with map_transport_errors(request):
            response = self.client.send(request)
        try:
            body = raise_for_answer(
                response,
                vendor=self.vendor.name,
                credential=self.credential.name,
                secret_env=self.credential.secret_env,
            )
        finally:
            # httpx's Response and the BoundSyncStream it reads from refer to each other (httpx/_client.py), so an
            # answer's bytes would wait for the cyclic garbage collector, which a long stream of pages outpaces:
            # peak memory grew with the number of pages (tests/connectors/test_streaming.py). Its body is read.
            response.stream = httpx.ByteStream(b"")
        return body, response.headers

    def answer(self, method: str, url: str, *, params: Any = None, json: Any = None) -> httpx.Response:
        """The vendor's answer whatever its status: the load test counts 4xx and 5xx instead of raising them."""
        return self.client.request(method, url, params=params, json=json)

    def close(self) -> None:
        self.client.close()


# One agent's round touches this many tickets (and their customers' orders) before it starts over.
ROUND_TICKETS = range(1, 41)


def step(
    session: Session, name: str, method: str, url: str, *, params: Any = None, json: Any = None, writes: bool = False
) -> WorkflowStep:
    """One workflow request through `session`; `name` templates its ids so one endpoint aggregates.

    `writes`: the request changes vendor data (sent only where the sandbox proof stands, undone after the run).
    """
    send = functools.partial(session.answer, method, url, params=params, json=json)
    return WorkflowStep(name, method, send, writes)


def endpoint_of(vendor: Vendor) -> Endpoint:
    parts = urlsplit(vendor.base_url)
    return Endpoint(vendor.name, parts.hostname or "", parts.port or 443)


def attempt(snapshot: VendorSnapshot, what: str, step: Callable[[], T]) -> T | None:
    """Run one collection step; a ConnectorError becomes a CollectionError, so checks say `error`."""
    try:
        return step()
    except ConnectorError as exc:
        snapshot.errors.append(CollectionError(snapshot.vendor, what, exc.kind, str(exc)))
        return None


def guarded(snapshot: VendorSnapshot, what: str, stream: Callable[[], Iterator[T]]) -> Callable[[], Iterator[T]]:
    """A payload stream that records a ConnectorError and stops, instead of raising into the checks."""

    def run() -> Iterator[T]:
        try:
            yield from stream()
        except ConnectorError as exc:
            snapshot.errors.append(CollectionError(snapshot.vendor, what, exc.kind, str(exc)))

    return run


def collect_grants(snapshot: VendorSnapshot, sessions: list[Session], read: Callable[[Session], Grants]) -> None:
    """Each credential's grants into the snapshot; one that cannot be read becomes a CollectionError."""
    for session in sessions:
        found = attempt(snapshot, "grants", functools.partial(read, session))
        if found is not None:
            snapshot.grants.append(found)


# every `what` a CollectionError names
COLLECTED = ("grants", "users", "mfa_enforcement", "payloads", "tokens", "security_settings", "data_flows")


def stopped_snapshot(vendor: Vendor, exc: Exception, redact: Callable[[str], str]) -> VendorSnapshot:
    """The snapshot of a vendor whose connector raised: nothing known, and why (one redacted line), for every check."""
    text = redact(" ".join(str(exc).split()))[:300]
    cause = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    message = f"the {vendor.type} connector stopped on {cause}"
    errors = [CollectionError(vendor.name, what, "internal", message) for what in COLLECTED]
    return VendorSnapshot(vendor.name, vendor.type, errors=errors)


def redacting(snapshot: VendorSnapshot, redact: Callable[[str], str]) -> VendorSnapshot:
    """The snapshot with its error messages redacted, now and once its payload stream ends or breaks.

    Connector messages quote the vendor's own error text, and a hostile vendor may echo the credential.
    """

    def scrub() -> None:
        snapshot.errors[:] = [dataclasses.replace(e, message=redact(e.message)) for e in snapshot.errors]

    scrub()
    stream = snapshot.payload_source
    if stream is not None:

        def run() -> Iterator[Payload]:
            try:
                yield from stream()
            finally:
                scrub()

        snapshot.payload_source = run
    return snapshot
