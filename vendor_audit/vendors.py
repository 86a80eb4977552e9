"""The vendor registry: what each vendor's connector module declares once, read by the core by vendor type.

    # connectors/zendesk.py
    VENDOR = VendorSpec(type="zendesk", auth_kinds={"oauth": False, "api_token": True}, make_auth=..., ...)

    vendors.lookup("zendesk").mfa_setting_hint     # "Zendesk: Admin Center > Account > Security > ..."
    vendors.registered()                          # {"gorgias": ..., "shopify": ..., "zendesk": ...}

The core names no vendor and imports no connector statically: on first use, `registered()` discovers the
built-in connector modules (every public module of `vendor_audit.connectors` that declares `VENDOR`), as a
plugin system would. A vendor that lives elsewhere (a plugin, a test) calls `register(spec)`; a second spec for
a type already registered is refused.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from vendor_audit.model import VendorSnapshot

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BUILTIN_PACKAGE",
    "ENTRY_POINT_GROUP",
    "Answer",
    "Connector",
    "UnknownVendor",
    "VendorSpec",
    "WorkflowStep",
    "auth_kinds",
    "lookup",
    "register",
    "registered",
    "unregister",
]

BUILTIN_PACKAGE = "vendor_audit.connectors"
ENTRY_POINT_GROUP = "vendor_audit.vendors"  # [project.entry-points."vendor_audit.vendors"] freshdesk = "pkg.mod"
_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


class Connector(Protocol):
    """What the core needs of a connector: its vendor's name, its sessions (closed after the run), a snapshot."""

    name: str
    sessions: list[Any]

    def snapshot(self) -> VendorSnapshot: ...


class Answer(Protocol):
    """What the load test measures of one answer (an httpx.Response)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...  # the load test counts a 2xx that is not JSON as an error


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    """One request of an agent's round, sent through the vendor's connector (same auth, pacing and retries).

    Attributes:
        name: the statistics key; ids are templated ("zendesk GET /api/v2/tickets/{id}") so one endpoint
            aggregates over every ticket.
        method: the HTTP method, for locust's request event.
        send: makes the request; answers with any status rather than raising for 4xx/5xx, so errors count.
        writes: the request changes vendor data (an internal note): sent only where a sandbox is proven, and
            undone at the end of the load run.
    """

    name: str
    method: str
    send: Callable[[], Answer]
    writes: bool = False


def _nothing_implied(allowed: frozenset[str]) -> frozenset[str]:
    return frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorSpec:
    """Everything vendor-specific the core, the checks and the load tests need, declared by the connector module.

    Attributes:
        type: the profile's `vendors.<name>.type`.
        auth_kinds: each `auth` a profile credential may use, and whether it needs `email` (the user it acts as).
        make_auth: (auth kind, secret, email) -> the httpx.Auth that signs each request.
        make_budget: the account's default client-side pacing (a connectors.Budget).
        connector: builds the connector from one session per credential.
        workflow: (connector, writes allowed) -> one agent's round of requests, for the locustfile.
        mfa_setting_hint: where an admin turns on the account's two-factor requirement.
        mfa_report_hint: where a person reads each staff member's two-factor state when the API leaves it out
            ("" when the vendor has no such report: the check then names the setting).
        pan_redaction_hint: how an agent removes a card number that reached this vendor.
        evidence_headers: response headers worth keeping in the evidence (rate-limit usage, API version).
        versioned: whether the profile may pin `api_version`.
        implied_scopes: scopes the vendor lists beside an allowed one without granting more (read beside write).
        apis: the vendor's APIs a profile may choose with `api`, the default first (Shopify: graphql, rest).
        graphql_path: a glob of the vendor's GraphQL endpoint path: queries there are paced by cost and pass
            production mode's read-only guard, mutations do not.
        sandbox_proof: (session, vendor) -> a connectors.SandboxProof: asks the vendor whether the account is a
            sandbox, before the first write of a run in sandbox mode. None: writes are refused in sandbox mode.
        declared_sandboxes: the proof reads the profile's `sandbox_accounts` (the vendor's API has no sandbox flag).
        undo_write: a connectors.WriteUndo: how a write the audit made is undone (a note redacted, a message
            deleted, a value restored). None: every write is listed as not undone.
    """

    type: str
    auth_kinds: Mapping[str, bool]
    make_auth: Callable[[str, str, str | None], httpx.Auth]
    make_budget: Callable[[], Any]
    connector: Callable[[list[Any]], Connector]
    workflow: Callable[[Any, bool], Sequence[WorkflowStep]]
    mfa_setting_hint: str
    pan_redaction_hint: str
    mfa_report_hint: str = ""
    evidence_headers: tuple[str, ...] = ()
    versioned: bool = False
    implied_scopes: Callable[[frozenset[str]], frozenset[str]] = _nothing_implied
    apis: tuple[str, ...] = ()
    graphql_path: str | None = None
    sandbox_proof: Callable[[Any, Any], Any] | None = None
    declared_sandboxes: bool = False
    undo_write: Any = None

    def __post_init__(self) -> None:
        if not _TYPE.match(self.type):
            raise ValueError(f"vendor type {self.type!r} must be lower snake_case")
        if not self.auth_kinds:
            raise ValueError(f"vendor type {self.type!r} declares no auth kind")
        if any(h != h.lower() for h in self.evidence_headers):
            raise ValueError(f"vendor type {self.type!r}: evidence_headers are matched lower-case; write them so")


class UnknownVendor(LookupError):
    """A vendor type nobody registered; the message lists the registered ones."""


_lock = threading.RLock()
_specs: dict[str, VendorSpec] = {}
_discovered = False


def _discover() -> None:
    """Register the built-in connector modules once; a module without `VENDOR` (plumbing) is skipped."""
    global _discovered
    with _lock:
        if _discovered:
            return
        _discovered = True  # before importing: a module that asks for the registry while loading sees it partial
        try:
            package = importlib.import_module(BUILTIN_PACKAGE)
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
                if info.name.startswith("_"):
                    continue
                module = importlib.import_module(f"{BUILTIN_PACKAGE}.{info.name}")
                spec = getattr(module, "VENDOR", None)
                if isinstance(spec, VendorSpec):
                    _add(spec)
            # An installed package adds a vendor by naming its connector module in this entry-point group.
            for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                spec = getattr(entry.load(), "VENDOR", None)
                if isinstance(spec, VendorSpec):
                    _add(spec)
        except BaseException:
            _discovered = False
            raise


def _add(spec: VendorSpec) -> None:
    current = _specs.get(spec.type)
    if current is not None and current is not spec:
        raise ValueError(f"vendor type {spec.type!r} is registered twice: by {_origin(current)} and by {_origin(spec)}")
    _specs[spec.type] = spec


def _origin(spec: VendorSpec) -> str:
    return getattr(spec.connector, "__module__", None) or repr(spec.connector)


def register(spec: VendorSpec) -> VendorSpec:
    """Add a vendor that is not built in; refuses a type already registered. Returns the spec.

    Raises:
        ValueError: another spec already holds this type.
    """
    with _lock:
        _discover()
        _add(spec)
    return spec


def unregister(vendor_type: str) -> None:
    """Forget a registered vendor (a test's, a plugin's); unknown types are ignored."""
    with _lock:
        _discover()
        _specs.pop(vendor_type, None)


def registered() -> Mapping[str, VendorSpec]:
    """Every registered vendor by type: the built-in connectors first, in name order, then registered ones."""
    _discover()
    with _lock:
        return MappingProxyType(dict(_specs))


def lookup(vendor_type: str) -> VendorSpec:
    """The spec of one vendor type.

    Raises:
        UnknownVendor: no connector declares it; the message lists the registered types.
    """
    found = registered().get(vendor_type)
    if found is None:
        raise UnknownVendor(
            f"no connector for vendor type {vendor_type!r}; registered: {', '.join(sorted(registered())) or 'none'}"
        )
    return found


def auth_kinds() -> frozenset[str]:
    """Every auth kind some registered vendor accepts (the profile schema's `auth` enum)."""
    return frozenset(kind for spec in registered().values() for kind in spec.auth_kinds)
