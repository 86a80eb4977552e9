"""The stand-in registry: what each vendor stand-in module declares, so the sandbox itself names no vendor.

    # sandbox/zendesk.py
    STANDIN = StandIn(name="zendesk", limits=ZendeskLimits, start=ZendeskAPI, tls=..., secrets=..., ...)

The sandbox's own modules are found on first use (every public module of this package that declares
`STANDIN`); a stand-in that lives elsewhere calls `register_standin`. Found by importlib, never imported by
name, so this package still imports nothing but its own modules.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from ._http import Request, Response
from ._tls import TLSPolicy

Breaker = Callable[[dict[str, Any]], dict[str, Any] | str]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Served(Protocol):
    """The API object a stand-in starts for one sandbox: it answers requests in the vendor's own shapes."""

    def handle(self, request: Request) -> Response: ...

    def error(self, status: int, message: str) -> Response: ...


API = TypeVar("API", bound=Served)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportFile:
    """One raw export file a stand-in's vendor produces, written into the run's exports/ and named in the profile.

    Attributes:
        vendor: the stand-in's name, as the manifest and the profile's [[exports]] say it.
        name: the file name.
        format: "ndjson" or "csv".
        schema: a schema shipped with vendor-audit by name ("zendesk.ticket_event"), or the schema itself, which
            the sandbox writes beside the file and names by path.
        records: the records, produced lazily so any size streams.
        total: how many records `records` yields: where each break lands.
        columns: the CSV header.
        breaks: (fraction of the records, kind, how to break one) for the leaky scenario; listed in the manifest.
    """

    vendor: str
    name: str
    format: str
    schema: str | Mapping[str, Any]
    records: Callable[[], Iterable[dict[str, Any]]]
    total: int
    columns: Sequence[str] | None = None
    breaks: Sequence[tuple[float, str, Breaker]] = ()


def _default_tls(scenario: str) -> TLSPolicy:
    return TLSPolicy()


def _no_violations(api: Any, scenario: str) -> list[dict[str, Any]]:
    return []


def _no_exports(api: Any) -> list[ExportFile]:
    return []


def _no_rows(api: Any) -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True, slots=True, kw_only=True)
class StandIn(Generic[API]):
    """Everything the sandbox needs of one vendor stand-in.

    Attributes:
        name: the endpoint's name (`running.url(name)`), the manifest's vendor and the profile's vendor name.
        vendor_type: the profile's `type` for it (a vendor type the audit's connector registry knows).
        limits: the default rate limits, a dataclass; `SandboxConfig(<name>=...)` replaces them.
        start: (the shared seeded world, the limits) -> the API object that answers for one sandbox.
        tls: the endpoint's TLS policy in a scenario ("clean", "leaky").
        violations: (api, scenario) -> what the stand-in planted, as manifest entries.
        profile: (api, base URL) -> its audit.toml tables ([vendors.<name>] and its credentials).
        secrets: api -> env var name to value, for the credentials its profile tables name.
        exports: api -> the export files its vendor produces.
        sla_targets: api -> the contract's service-level targets for it, each a `[[sla.targets]]` table.
        scorecard: api -> the vendor's own reported figures for the period (rows of the scorecard CSV: metric,
            vendor, channel, priority, value, p50_minutes, p90_minutes, within_sla).
        sso_required: the generated profile requires SSO enforced on it ([security] sso_required): only where
            the vendor's API shows the setting and the clean scenario enforces it.
    """

    name: str
    vendor_type: str
    limits: Callable[[], Any]
    start: Callable[[Any, Any], API]
    profile: Callable[[API, str], str]
    secrets: Callable[[API], Mapping[str, str]]
    tls: Callable[[str], TLSPolicy] = _default_tls
    violations: Callable[[API, str], list[dict[str, Any]]] = _no_violations
    exports: Callable[[API], list[ExportFile]] = _no_exports
    sla_targets: Callable[[API], list[dict[str, Any]]] = _no_rows
    scorecard: Callable[[API], list[dict[str, Any]]] = _no_rows
    sso_required: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"stand-in name {self.name!r} must be lower snake_case (it names a profile vendor)")


_lock = threading.RLock()
_standins: dict[str, StandIn[Any]] = {}
_discovered = False
_PACKAGE = __name__.rpartition(".")[0]  # "vendor_audit.sandbox" installed, "sandbox" from the repository root


def _discover() -> None:
    global _discovered
    with _lock:
        if _discovered:
            return
        _discovered = True  # before importing: a module that asks for the registry while loading sees it partial
        try:
            package = sys.modules[_PACKAGE]
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
                if not info.name.startswith("_"):
                    declared = getattr(importlib.import_module(f"{_PACKAGE}.{info.name}"), "STANDIN", None)
                    if isinstance(declared, StandIn):
                        _add(declared)
        except BaseException:
            _discovered = False
            raise


def _add(standin: StandIn[Any]) -> None:
    current = _standins.get(standin.name)
    if current is not None and current is not standin:
        raise ValueError(f"a stand-in named {standin.name!r} is already registered")
    _standins[standin.name] = standin


def register_standin(standin: StandIn[Any]) -> StandIn[Any]:
    """Serve a stand-in that lives outside this package from every sandbox started after; refuses a taken name."""
    with _lock:
        _discover()
        _add(standin)
    return standin


def unregister_standin(name: str) -> None:
    """Stop serving a registered stand-in in sandboxes started after; unknown names are ignored."""
    with _lock:
        _discover()
        _standins.pop(name, None)


def standins() -> Mapping[str, StandIn[Any]]:
    """Every registered stand-in by name: this package's own first, in name order, then registered ones."""
    _discover()
    with _lock:
        return MappingProxyType(dict(_standins))
