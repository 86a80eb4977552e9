"""Local HTTPS stand-ins for the vendors' APIs: Shopify Admin, Zendesk Support, Gorgias, and any registered.

The audit reaches them over real sockets and real TLS, exactly as it reaches a vendor. This package
imports nothing of vendor-audit's own, so it stays an honest stand-in.

    with sandbox.serve(scenario="leaky", workdir=tmp) as running:
        running.profile_path   # audit.toml pointing at the stand-ins, the CA bundle and the env file
        running.manifest       # every planted violation
        running.url("zendesk"), running.zendesk.primary_token   # each stand-in by name

Each stand-in is one module declaring `STANDIN = StandIn(...)` (its API, TLS policy per scenario, planted
violations, profile tables, secrets, exports); this module names none of them. One that lives elsewhere
calls `register_standin`; `SandboxConfig(standins=(...))` chooses which a sandbox serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._api import Router, basic_credentials, bearer_token, new_token
from ._data import CONTRACTED_AGENTS, EGRESS_RANGES, World
from ._exports import schema_reference, write_export
from ._http import Faults, Latency, Listener, Request, Response, json_response, text_response
from ._standin import ExportFile, Served, StandIn, register_standin, standins, unregister_standin
from ._tls import LocalCA, TLSPolicy, server_context

__all__ = [
    "EXPORTS_ENDPOINT",
    "HOOKS_ENDPOINT",
    "ROSTER_FILE",
    "SCENARIOS",
    "SCORECARD_FILE",
    "ExportFile",
    "Faults",
    "Latency",
    "Request",
    "Response",
    "Router",
    "RunningSandbox",
    "SandboxConfig",
    "Served",
    "StandIn",
    "TLSPolicy",
    "World",
    "basic_credentials",
    "bearer_token",
    "json_response",
    "new_token",
    "register_standin",
    "serve",
    "serve_forever",
    "standins",
    "text_response",
    "unregister_standin",
]

SCENARIOS = ("clean", "leaky")
# The brand's own export drop: served over HTTPS so it has a TLS policy of its own to audit.
EXPORTS_ENDPOINT = "exports"
# The brand's own webhook receiver: where the stand-ins' outbound flows (webhooks, targets, OAuth redirects) point.
# Its TLS passes in every scenario, so a flow the leaky scenario does not plant passes the TLS floor too.
HOOKS_ENDPOINT = "hooks"
# The BPO's roster the generated profile names ([access] roster), written beside audit.toml.
ROSTER_FILE = "bpo-roster.csv"
# The vendors' own scorecard for the period ([sla] scorecard), written beside audit.toml.
SCORECARD_FILE = "vendor-scorecard.csv"
SCORECARD_COLUMNS = ("metric", "vendor", "channel", "priority", "value", "p50_minutes", "p90_minutes", "within_sla")


def __getattr__(name: str) -> Any:
    """Each stand-in's limits class by its own name (`sandbox.ZendeskLimits`), from the stand-in registry."""
    if not name.startswith("__"):
        for standin in standins().values():
            if getattr(standin.limits, "__name__", None) == name:
                return standin.limits
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_policies(scenario: str, served: Iterable[StandIn[Any]]) -> dict[str, TLSPolicy]:
    policies = {standin.name: standin.tls(scenario) for standin in served}
    policies[EXPORTS_ENDPOINT] = (
        TLSPolicy(key_type="rsa", key_size=1024, signature_hash="sha1", hsts=False)
        if scenario == "leaky"
        else TLSPolicy()
    )
    policies[HOOKS_ENDPOINT] = TLSPolicy()
    return policies


@dataclass(frozen=True, init=False)
class SandboxConfig:
    """What a sandbox serves and how.

    Attributes:
        scenario: "clean" or "leaky" (planted violations, listed in the manifest).
        size: tickets per helpdesk and orders in the shop.
        seed: the data seed; the same seed serves the same data.
        tls: overrides of the scenario's TLS policies, by endpoint name.
        write_exports: write the vendors' export files (exports/).
        standins: the stand-ins served, by name (default: every registered one).
        limits: rate limits by stand-in name; also given as keywords: `SandboxConfig(zendesk=ZendeskLimits(...))`.
        production_like: the stand-ins answer as production accounts do (a paid shop plan, the production
            subdomain and domain) rather than as the sandboxes the generated profile declares.
    """

    scenario: str
    size: int
    seed: int
    tls: Mapping[str, TLSPolicy]
    write_exports: bool
    standins: tuple[str, ...]
    limits: Mapping[str, Any]
    production_like: bool

    def __init__(
        self,
        scenario: str = "leaky",
        size: int = 200,
        seed: int = 7,
        *,
        tls: Mapping[str, TLSPolicy] | None = None,
        write_exports: bool = True,
        standins: Iterable[str] | None = None,
        limits: Mapping[str, Any] | None = None,
        production_like: bool = False,
        **per_standin: Any,
    ) -> None:
        known = _registered()
        chosen = tuple(standins) if standins is not None else tuple(known)
        values = {
            "scenario": scenario,
            "size": size,
            "seed": seed,
            "tls": dict(tls or {}),
            "write_exports": write_exports,
            "standins": chosen,
            "limits": dict(limits or {}) | per_standin,
            "production_like": production_like,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
        if size < 20:
            raise ValueError("size must be at least 20")
        unknown = sorted({*chosen, *self.limits} - set(known))
        if unknown:
            raise ValueError(f"unknown stand-in(s) {unknown}; registered: {sorted(known)}")
        if EXPORTS_ENDPOINT in chosen:
            raise ValueError(f"{EXPORTS_ENDPOINT!r} is the brand's export endpoint, not a stand-in's name")
        if HOOKS_ENDPOINT in chosen:
            raise ValueError(f"{HOOKS_ENDPOINT!r} is the brand's webhook receiver, not a stand-in's name")
        endpoints = [*chosen, EXPORTS_ENDPOINT, HOOKS_ENDPOINT]
        unknown = sorted(set(self.tls) - set(endpoints))
        if unknown:
            raise ValueError(f"unknown endpoint(s) {unknown}; endpoints are {endpoints}")

    def limits_for(self, name: str) -> Any:
        """The rate limits the stand-in `name` serves with: the configured ones, else its defaults."""
        return self.limits[name] if name in self.limits else _registered()[name].limits()

    def __getattr__(self, name: str) -> Any:
        # Compatibility: `config.zendesk` is the Zendesk stand-in's limits.
        if not name.startswith("_") and name in _registered():
            return self.limits_for(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _registered() -> Mapping[str, StandIn[Any]]:
    return standins()


@dataclass
class RunningSandbox:
    """A started sandbox: where it listens, its credentials and what it planted.

    Each served stand-in's API object is an attribute by its name: `running.zendesk.primary_token`.
    """

    config: SandboxConfig
    run_dir: Path
    world: World
    served: dict[str, StandIn[Any]]
    apis: dict[str, Any]
    listeners: dict[str, Listener]
    policies: dict[str, TLSPolicy]
    manifest: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        apis = self.__dict__.get("apis") or {}
        if name in apis:
            return apis[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def vendors(self) -> tuple[str, ...]:
        """The stand-ins served, by name (the profile's vendor names)."""
        return tuple(self.apis)

    @property
    def ca_path(self) -> Path:
        return self.run_dir / "ca.pem"

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / "manifest.json"

    @property
    def profile_path(self) -> Path:
        return self.run_dir / "audit.toml"

    @property
    def env_path(self) -> Path:
        return self.run_dir / "sandbox.env"

    @property
    def roster_path(self) -> Path:
        return self.run_dir / ROSTER_FILE

    def url(self, name: str) -> str:
        return f"https://127.0.0.1:{self.listeners[name].port}"

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.url(name) for name in self.listeners}

    @property
    def secrets(self) -> dict[str, str]:
        """Env var name to value, for the credentials the generated profile uses."""
        found: dict[str, str] = {}
        for name, standin in self.served.items():
            found.update(standin.secrets(self.apis[name]))
        return found

    def exports(self) -> list[ExportFile]:
        """Every export file the served stand-ins' vendors produce."""
        return [export for name, standin in self.served.items() for export in standin.exports(self.apis[name])]

    def set_faults(self, name: str, faults: Faults) -> None:
        """Inject faults into one endpoint from now on (Faults() clears them)."""
        self.listeners[name].faults = faults


def _exports_handler(directory: Path) -> Callable[[Request], Response]:
    def handle(request: Request) -> Response:
        name = request.path.removeprefix("/exports/")
        target = directory / name
        if request.path == "/":
            return json_response(200, {"exports": sorted(p.name for p in directory.glob("*"))})
        if "/" in name or not target.is_file():
            return json_response(404, {"error": "not found"})
        kind = "text/csv" if name.endswith(".csv") else "application/x-ndjson"
        return Response(200, target.read_bytes(), content_type=kind)

    return handle


def _hooks_handler(request: Request) -> Response:
    """The brand's webhook receiver: takes whatever a flow delivers, as a real receiver answers 200."""
    return json_response(200, {"received": True})


def _build(config: SandboxConfig, run_dir: Path) -> RunningSandbox:
    run_dir.mkdir(parents=True, exist_ok=True)
    world = World(seed=config.seed, size=config.size, scenario=config.scenario, production_like=config.production_like)
    known = _registered()
    served = {name: known[name] for name in config.standins}
    apis = {name: standin.start(world, config.limits_for(name)) for name, standin in served.items()}
    policies = default_policies(config.scenario, served.values()) | dict(config.tls)
    ca = LocalCA(run_dir)

    def listener(
        name: str, handler: Callable[[Request], Response], error: Callable[[int, str], Response], seed: int
    ) -> Listener:
        policy = policies[name]
        context = server_context(policy, ca.issue(name, policy))
        return Listener(name, handler, context, error_response=error, hsts=policy.hsts, seed=seed)

    listeners = {
        name: listener(name, api.handle, api.error, config.seed + index)
        for index, (name, api) in enumerate(apis.items())
    }
    listeners[EXPORTS_ENDPOINT] = listener(
        EXPORTS_ENDPOINT,
        _exports_handler(run_dir / "exports"),
        lambda status, message: json_response(status, {"error": message}),
        0,
    )
    listeners[HOOKS_ENDPOINT] = listener(
        HOOKS_ENDPOINT, _hooks_handler, lambda status, message: json_response(status, {"error": message}), 0
    )
    return RunningSandbox(config, run_dir, world, served, apis, listeners, policies)


def _tls_violations(policies: dict[str, TLSPolicy], served: Iterable[str]) -> list[dict[str, Any]]:
    vendors = set(served)
    found: list[dict[str, Any]] = []
    for name, policy in policies.items():
        vendor = name if name in vendors else "brand"
        resource = f"endpoint/{name}"
        if policy.min_version in {"TLSv1", "TLSv1.1"}:
            found.append(
                {
                    "vendor": vendor,
                    "kind": "tls_legacy_protocol",
                    "resource": resource,
                    "detail": f"accepts {policy.min_version} and up",
                }
            )
        if policy.not_after_days <= 0:
            found.append({"vendor": vendor, "kind": "certificate_expired", "resource": resource})
        elif policy.not_after_days <= 30:
            found.append(
                {
                    "vendor": vendor,
                    "kind": "certificate_expiring",
                    "resource": resource,
                    "detail": f"expires in {policy.not_after_days} days",
                }
            )
        if (policy.key_type == "rsa" and policy.key_size < 2048) or (policy.key_type == "ec" and policy.key_size < 256):
            found.append(
                {
                    "vendor": vendor,
                    "kind": "weak_key",
                    "resource": resource,
                    "detail": f"{policy.key_type.upper()}-{policy.key_size}",
                }
            )
        if policy.signature_hash == "sha1":
            found.append({"vendor": vendor, "kind": "weak_signature", "resource": resource, "detail": "SHA-1"})
        if not policy.hsts:
            found.append({"vendor": vendor, "kind": "hsts_missing", "resource": resource})
    return found


def _write_files(running: RunningSandbox) -> None:
    run_dir = running.run_dir
    broken = (
        [entry for export in running.exports() for entry in write_export(running.world, export, run_dir / "exports")]
        if running.config.write_exports
        else []
    )
    planted = [
        entry
        for name, standin in running.served.items()
        for entry in standin.violations(running.apis[name], running.config.scenario)
    ]
    running.manifest = {
        "scenario": running.config.scenario,
        "seed": running.config.seed,
        "size": running.config.size,
        "endpoints": running.urls,
        "ca_file": "ca.pem",
        "profile": "audit.toml",
        "violations": [*planted, *_tls_violations(running.policies, running.served), *broken],
    }
    running.manifest_path.write_text(json.dumps(running.manifest, indent=2, ensure_ascii=False) + "\n")
    env_lines = "".join(f"{name}={value}\n" for name, value in running.secrets.items())
    # Created 0600 from the start: the file holds live (sandbox) secrets.
    fd = os.open(running.env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(env_lines)
    running.roster_path.write_text(render_roster(running.world))
    (run_dir / SCORECARD_FILE).write_text(render_scorecard(running))
    running.profile_path.write_text(render_profile(running))


def render_roster(world: World, today: dt.date | None = None) -> str:
    """The BPO's roster as CSV (email,name,status,start_date,end_date,vendor), dates relative to today."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "status", "start_date", "end_date", "vendor"])
    for row in world.roster(today or dt.datetime.now(dt.UTC).date()):
        end = row.end_date.isoformat() if row.end_date else ""
        writer.writerow([row.email, row.name, row.status, row.start_date.isoformat(), end, row.vendor])
    return out.getvalue()


def render_scorecard(running: RunningSandbox) -> str:
    """Every served vendor's reported figures as one CSV (empty cells where a figure is not reported)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, SCORECARD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for name, standin in running.served.items():
        for row in standin.scorecard(running.apis[name]):
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in SCORECARD_COLUMNS})
    return out.getvalue()


def _sla_section(running: RunningSandbox) -> str:
    targets = [t for name, s in running.served.items() for t in s.sla_targets(running.apis[name])]
    lines = ["[sla]", "tolerance = 0.02", f'scorecard = "{SCORECARD_FILE}"', ""]
    for target in targets:
        lines.append("[[sla.targets]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in target.items()]
        lines.append("")
    return "\n".join(lines)


def render_profile(running: RunningSandbox) -> str:
    """The audit profile that points at this sandbox."""
    vendors = "\n".join(
        standin.profile(running.apis[name], running.url(name)) for name, standin in running.served.items()
    )
    exports = "\n".join(
        f"[[exports]]\nvendor = {json.dumps(export.vendor)}\npath = {json.dumps(f'exports/{export.name}')}\n"
        f"format = {json.dumps(export.format)}\n"
        f"schema = {json.dumps(schema_reference(export, running.run_dir / 'exports'))}\n"
        for export in running.exports()
    )
    return f"""\
# Written by `vendor-audit sandbox` for the {running.config.scenario} scenario: the stand-ins listen only while it runs.
version = 1
name = "Local sandbox ({running.config.scenario})"
mode = "sandbox"
ca_file = "ca.pem"
env_file = "sandbox.env"

{vendors}
[mfa]
required_roles = ["admin", "agent"]

[access]
dormant_days = 90
never_used_days = 30
roster = "{ROSTER_FILE}"
contracted_agents = {CONTRACTED_AGENTS}
max_turnover = 0.30

[tokens]
rotation_days = 365
expiry_warning_days = 30
unused_days = 90

[security]
egress_ranges = {json.dumps(list(EGRESS_RANGES))}
max_session_minutes = 15
sso_required = {json.dumps([name for name, standin in running.served.items() if standin.sso_required])}
max_assumption_hours = 24

[flows]
# Every flow the stand-ins serve outside the leaky plants goes to a sandbox listener on 127.0.0.1.
allowed_destinations = ["*.brand.example", "127.0.0.1"]

{exports}
[tls]
endpoints = ["{running.url(EXPORTS_ENDPOINT)}"]
expiry_warning_days = 30

[evidence]
max_age_days = 30

{_sla_section(running)}
[slo]
p95_ms = 800
p99_ms = 2000
max_error_rate = 0.01
"""


class _LoopThread:
    """An event loop in a daemon thread, so tests and the CLI's audit can use the sandbox in-process."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(_quiet_handshake_errors)
        self._thread = threading.Thread(target=self.loop.run_forever, name="vendor-audit-sandbox", daemon=True)
        self._thread.start()

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


def _quiet_handshake_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # A client that offers only TLS 1.0 to a modern endpoint is refused: that is the point, not an error.
    if isinstance(context.get("exception"), (ConnectionError, OSError)) or "SSL" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


async def _start(running: RunningSandbox) -> None:
    for listener in running.listeners.values():
        await listener.start()
    running.world.endpoints.update(running.urls)  # ports are known only now


async def _stop(running: RunningSandbox) -> None:
    for listener in running.listeners.values():
        await listener.stop()


@contextlib.contextmanager
def serve(config: SandboxConfig | None = None, *, workdir: Path, **overrides: Any) -> Iterator[RunningSandbox]:
    """Start every stand-in on 127.0.0.1 in a background thread; stop them on exit.

    Args:
        config: the sandbox settings.
        workdir: the run directory: CA bundle, certificates, manifest, profile, env file, exports.
        **overrides: SandboxConfig fields (scenario="clean", size=1000, ...) when no config is given.
    """
    config = config or SandboxConfig(**overrides)
    running = _build(config, Path(workdir))
    thread = _LoopThread()
    try:
        thread.run(_start(running))
        _write_files(running)
        yield running
    finally:
        with contextlib.suppress(Exception):
            thread.run(_stop(running), timeout=5)
        thread.close()


def serve_forever(config: SandboxConfig, workdir: Path, ready: Any = None) -> None:
    """Serve in the calling thread until interrupted (Ctrl-C); `ready(running)` is called once listening."""

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(_quiet_handshake_errors)
        running = _build(config, Path(workdir))
        await _start(running)
        try:
            await asyncio.to_thread(_write_files, running)
            if ready is not None:
                ready(running)
            while True:
                await asyncio.sleep(3600)
        finally:
            await _stop(running)

    asyncio.run(main())
