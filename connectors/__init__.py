"""Connectors: httpx clients that turn each vendor's API into vendor-neutral snapshots.

    collection = connectors.collect(profile)
    for snapshot in collection.snapshots.values():
        snapshot.grants, snapshot.users, snapshot.mfa_enforcement, snapshot.iter_payloads()

Adding a vendor is one module with `TYPE`, `make_auth`, `make_budget` and a connector class.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

import httpx

from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import Profile, ProfileError, Vendor
from vendor_audit.redact import Redactor

from . import gorgias, shopify, zendesk
from ._base import Session
from ._errors import (
    AuthenticationError,
    ConnectorError,
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

__all__ = [
    "AuthenticationError",
    "Budget",
    "Collection",
    "Connector",
    "ConnectorError",
    "Exchange",
    "PermissionDenied",
    "Rate",
    "RateLimitedError",
    "ReadOnlyTransport",
    "ReadOnlyViolation",
    "Recorder",
    "RetryTransport",
    "TLSFailure",
    "TransportFailure",
    "VendorAPIError",
    "build_client",
    "collect",
    "open_connector",
    "parse_link_header",
    "parse_retry_after",
    "trust_context",
]

MODULES: dict[str, ModuleType] = {m.TYPE: m for m in (shopify, zendesk, gorgias)}


class Connector(Protocol):
    name: str
    sessions: list[Session]

    def snapshot(self) -> VendorSnapshot: ...


_CLASSES: dict[str, Callable[[list[Session]], Connector]] = {
    "shopify": shopify.ShopifyConnector,
    "zendesk": zendesk.ZendeskConnector,
    "gorgias": gorgias.GorgiasConnector,
}


@dataclass
class Collection:
    snapshots: dict[str, VendorSnapshot]
    connectors: dict[str, Connector]
    recorder: Recorder
    seconds: float = 0.0
    redactor: Redactor = field(default_factory=Redactor)

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
) -> Connector:
    """The connector for one vendor of the profile, one session per credential.

    Each credential is paced by its account's shared budget, unless `budget` is given (benchmarks
    and tests against a stand-in whose limits were lifted). `transport` builds the innermost
    transport from the trust context: the load tests wrap it to log every request that leaves.
    """
    module = MODULES[vendor.type]
    verify = trust_context(profile.ca_file)
    sessions = []
    for credential in vendor.credentials:
        secret = profile.secret(credential, environ)
        make = module.make_budget
        if vendor.requests_per_second is not None:
            rate = Rate(vendor.requests_per_second, vendor.burst or max(1, int(vendor.requests_per_second)))
            make = lambda rate=rate: Budget([rate])  # noqa: E731 - the profile's plan-specific pace
        key = (vendor.type, vendor.base_url, credential.name, str(vendor.requests_per_second))
        account_budget = budget or shared_budget(key, make)
        client = build_client(
            base_url=vendor.base_url,
            auth=module.make_auth(credential.auth, secret, credential.email),
            verify=verify,
            read_only=profile.read_only,
            budget=account_budget,
            recorder=recorder,
            sleep=sleep,
            transport=transport(verify) if transport is not None else None,
        )
        sessions.append(Session(vendor, credential, client))
    return _CLASSES[vendor.type](sessions)


def collect(profile: Profile, *, environ: Mapping[str, str] | None = None, record_limit: int = 500) -> Collection:
    """Snapshots of every vendor, collected concurrently; payloads stay lazy streams.

    Raises:
        ProfileError: a credential's env var is missing (the audit cannot run).
    """
    secrets = [profile.secret(c, environ) for v in profile.vendors for c in v.credentials]
    redactor = Redactor(secrets)
    recorder = Recorder(redactor, limit=record_limit)
    connectors = {v.name: open_connector(profile, v, recorder=recorder, environ=environ) for v in profile.vendors}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, len(connectors)), thread_name_prefix="collect") as pool:
        futures = {name: pool.submit(c.snapshot) for name, c in connectors.items()}
        snapshots = {name: future.result() for name, future in futures.items()}
    return Collection(snapshots, connectors, recorder, time.perf_counter() - started, redactor)


# Re-exported for callers that validate before collecting.
__all__ += ["ProfileError"]
