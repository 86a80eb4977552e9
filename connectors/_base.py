"""What every vendor connector shares: one session per credential, JSON fetching, safe collection."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from vendor_audit.model import CollectionError, Endpoint, Grants, VendorSnapshot
from vendor_audit.profile import Credential, Vendor

from ._errors import ConnectorError, map_transport_errors, raise_for_answer

T = TypeVar("T")


@dataclass
class Session:
    """One credential's client, with the names its errors must mention."""

    vendor: Vendor
    credential: Credential
    client: httpx.Client

    def get(self, url: str, params: Any = None) -> tuple[Any, httpx.Headers]:
        """Parsed JSON and headers of a GET, or the ConnectorError that says why not."""
        request = self.client.build_request("GET", url, params=params)
        with map_transport_errors(request):
            response = self.client.send(request)
        body = raise_for_answer(
            response, vendor=self.vendor.name, credential=self.credential.name, secret_env=self.credential.secret_env
        )
        return body, response.headers

    def send(self, method: str, url: str, json: Any) -> Any:
        request = self.client.build_request(method, url, json=json)
        with map_transport_errors(request):
            response = self.client.send(request)
        return raise_for_answer(
            response, vendor=self.vendor.name, credential=self.credential.name, secret_env=self.credential.secret_env
        )

    def close(self) -> None:
        self.client.close()


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
