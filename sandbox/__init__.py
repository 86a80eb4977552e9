"""Local HTTPS stand-ins for the Shopify Admin, Zendesk Support and Gorgias APIs.

The audit reaches them over real sockets and real TLS, exactly as it reaches a vendor. This package
imports nothing of vendor-audit's own, so it stays an honest stand-in.

    with sandbox.serve(scenario="leaky", workdir=tmp) as running:
        running.profile_path   # audit.toml pointing at the stand-ins, the CA bundle and the env file
        running.manifest       # every planted violation
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._data import World, manifest_entries
from ._exports import write_exports
from ._http import Faults, Latency, Listener, Request, Response, json_response
from ._tls import LocalCA, TLSPolicy, server_context
from .gorgias import GorgiasAPI, GorgiasLimits
from .shopify import LEAKY_EXTRA_SCOPES, ShopifyAPI, ShopifyLimits
from .zendesk import CLEAN_SCOPES as ZENDESK_CLEAN_SCOPES
from .zendesk import ZendeskAPI, ZendeskLimits

__all__ = [
    "SCENARIOS",
    "VENDORS",
    "Faults",
    "GorgiasLimits",
    "Latency",
    "RunningSandbox",
    "SandboxConfig",
    "ShopifyLimits",
    "TLSPolicy",
    "ZendeskLimits",
    "serve",
    "serve_forever",
]

SCENARIOS = ("clean", "leaky")
VENDORS = ("shopify", "zendesk", "gorgias")
ENV_NAMES = {"shopify": "VA_SHOPIFY_TOKEN", "zendesk": "VA_ZENDESK_OAUTH_TOKEN", "gorgias": "VA_GORGIAS_API_KEY"}
# The brand's own export drop: served over HTTPS so it has a TLS policy of its own to audit.
EXPORTS_ENDPOINT = "exports"


def default_policies(scenario: str) -> dict[str, TLSPolicy]:
    policies = {name: TLSPolicy() for name in (*VENDORS, EXPORTS_ENDPOINT)}
    if scenario == "leaky":
        policies["zendesk"] = TLSPolicy(min_version="TLSv1")  # still accepts TLS 1.0 and 1.1
        policies["gorgias"] = TLSPolicy(not_after_days=5)  # expires within the warning window
        policies[EXPORTS_ENDPOINT] = TLSPolicy(key_type="rsa", key_size=1024, signature_hash="sha1", hsts=False)
    return policies


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    scenario: str = "leaky"
    size: int = 200
    seed: int = 7
    shopify: ShopifyLimits = field(default_factory=ShopifyLimits)
    zendesk: ZendeskLimits = field(default_factory=ZendeskLimits)
    gorgias: GorgiasLimits = field(default_factory=GorgiasLimits)
    tls: dict[str, TLSPolicy] = field(default_factory=dict)  # overrides of the scenario's policies
    write_exports: bool = True

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; choose one of {', '.join(SCENARIOS)}")
        if self.size < 20:
            raise ValueError("size must be at least 20")
        unknown = set(self.tls) - {*VENDORS, EXPORTS_ENDPOINT}
        if unknown:
            raise ValueError(f"unknown endpoint(s) {sorted(unknown)}; endpoints are {[*VENDORS, EXPORTS_ENDPOINT]}")


@dataclass
class RunningSandbox:
    """A started sandbox: where it listens, its credentials and what it planted."""

    config: SandboxConfig
    run_dir: Path
    world: World
    shopify: ShopifyAPI
    zendesk: ZendeskAPI
    gorgias: GorgiasAPI
    listeners: dict[str, Listener]
    policies: dict[str, TLSPolicy]
    manifest: dict[str, Any] = field(default_factory=dict)

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

    def url(self, name: str) -> str:
        return f"https://127.0.0.1:{self.listeners[name].port}"

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.url(name) for name in self.listeners}

    @property
    def secrets(self) -> dict[str, str]:
        """Env var name to value, for the credentials the generated profile uses."""
        return {
            ENV_NAMES["shopify"]: self.shopify.primary_token,
            ENV_NAMES["zendesk"]: self.zendesk.primary_token,
            ENV_NAMES["gorgias"]: self.gorgias.api_key,
        }

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


def _build(config: SandboxConfig, run_dir: Path) -> RunningSandbox:
    run_dir.mkdir(parents=True, exist_ok=True)
    world = World(seed=config.seed, size=config.size, scenario=config.scenario)
    shopify = ShopifyAPI(world, config.shopify)
    zendesk = ZendeskAPI(world, config.zendesk)
    gorgias = GorgiasAPI(world, config.gorgias)
    policies = default_policies(config.scenario) | config.tls
    ca = LocalCA(run_dir)

    def contexts(name: str) -> ssl.SSLContext:
        return server_context(policies[name], ca.issue(name, policies[name]))

    def hsts(name: str) -> bool:
        return policies[name].hsts

    listeners = {
        "shopify": Listener(
            "shopify",
            shopify.handle,
            contexts("shopify"),
            error_response=shopify.error,
            hsts=hsts("shopify"),
            seed=config.seed,
        ),
        "zendesk": Listener(
            "zendesk",
            zendesk.handle,
            contexts("zendesk"),
            error_response=zendesk.error,
            hsts=hsts("zendesk"),
            seed=config.seed + 1,
        ),
        "gorgias": Listener(
            "gorgias",
            gorgias.handle,
            contexts("gorgias"),
            error_response=gorgias.error,
            hsts=hsts("gorgias"),
            seed=config.seed + 2,
        ),
        EXPORTS_ENDPOINT: Listener(
            EXPORTS_ENDPOINT,
            _exports_handler(run_dir / "exports"),
            contexts(EXPORTS_ENDPOINT),
            error_response=lambda status, message: json_response(status, {"error": message}),
            hsts=hsts(EXPORTS_ENDPOINT),
        ),
    }
    return RunningSandbox(config, run_dir, world, shopify, zendesk, gorgias, listeners, policies)


def _tls_violations(policies: dict[str, TLSPolicy]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name, policy in policies.items():
        vendor = name if name in VENDORS else "brand"
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


def _access_violations(running: RunningSandbox) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if running.config.scenario != "leaky":
        return found
    found.append(
        {
            "vendor": "shopify",
            "kind": "over_scoped_credential",
            "resource": "credential/cs-app",
            "detail": sorted(LEAKY_EXTRA_SCOPES),
        }
    )
    extra = sorted(set(running.zendesk.oauth_tokens[running.zendesk.primary_token].scopes) - set(ZENDESK_CLEAN_SCOPES))
    found.append(
        {"vendor": "zendesk", "kind": "over_scoped_credential", "resource": "credential/bpo-oauth", "detail": extra}
    )
    found.append(
        {
            "vendor": "gorgias",
            "kind": "over_scoped_credential",
            "resource": "credential/bpo-api-key",
            "detail": "acts as an admin user",
        }
    )
    for staff in running.world.zendesk_staff():
        if staff.active and staff.mfa is False:
            found.append(
                {"vendor": "zendesk", "kind": "mfa_disabled", "resource": f"users/{staff.id}", "detail": staff.role}
            )
    found.append(
        {
            "vendor": "zendesk",
            "kind": "mfa_not_enforced",
            "resource": "account/security_settings",
            "detail": "agent two_factor_enforce is false",
        }
    )
    return found


def _write_files(running: RunningSandbox) -> None:
    run_dir = running.run_dir
    broken = (
        write_exports(running.world, running.zendesk, running.gorgias, run_dir / "exports")
        if running.config.write_exports
        else []
    )
    running.manifest = {
        "scenario": running.config.scenario,
        "seed": running.config.seed,
        "size": running.config.size,
        "endpoints": running.urls,
        "ca_file": "ca.pem",
        "profile": "audit.toml",
        "violations": [
            *manifest_entries(running.world),
            *_access_violations(running),
            *_tls_violations(running.policies),
            *broken,
        ],
    }
    running.manifest_path.write_text(json.dumps(running.manifest, indent=2, ensure_ascii=False) + "\n")
    env_lines = "".join(f"{name}={value}\n" for name, value in running.secrets.items())
    # Created 0600 from the start: the file holds live (sandbox) secrets.
    fd = os.open(running.env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(env_lines)
    running.profile_path.write_text(render_profile(running))


def render_profile(running: RunningSandbox) -> str:
    """The audit profile that points at this sandbox."""
    exports = "\n".join(
        f'[[exports]]\nvendor = "{vendor}"\npath = "exports/{name}"\nformat = "{fmt}"\nschema = "{schema}"\n'
        for vendor, name, fmt, schema in (
            ("zendesk", "zendesk_ticket_events.ndjson", "ndjson", "zendesk.ticket_event"),
            ("zendesk", "zendesk_satisfaction_ratings.csv", "csv", "zendesk.satisfaction_rating"),
            ("gorgias", "gorgias_events.ndjson", "ndjson", "gorgias.event"),
            ("gorgias", "gorgias_satisfaction_surveys.csv", "csv", "gorgias.satisfaction_survey"),
        )
    )
    return f"""\
# Written by `vendor-audit sandbox` for the {running.config.scenario} scenario: the stand-ins listen only while it runs.
version = 1
name = "Local sandbox ({running.config.scenario})"
mode = "sandbox"
ca_file = "ca.pem"
env_file = "sandbox.env"

[vendors.shopify]
type = "shopify"
base_url = "{running.url("shopify")}"
api_version = "2026-10"

[[vendors.shopify.credentials]]
name = "cs-app"
auth = "access_token"
secret_env = "{ENV_NAMES["shopify"]}"
allowed_scopes = ["read_orders", "read_customers", "read_users"]

[vendors.zendesk]
type = "zendesk"
base_url = "{running.url("zendesk")}"

[[vendors.zendesk.credentials]]
name = "bpo-oauth"
auth = "oauth"
secret_env = "{ENV_NAMES["zendesk"]}"
allowed_scopes = {json.dumps(list(ZENDESK_CLEAN_SCOPES))}

[vendors.gorgias]
type = "gorgias"
base_url = "{running.url("gorgias")}"

[[vendors.gorgias.credentials]]
name = "bpo-api-key"
auth = "api_key"
email = "{running.gorgias.api_key_email}"
secret_env = "{ENV_NAMES["gorgias"]}"
allowed_roles = ["observer-agent"]

[mfa]
required_roles = ["admin", "agent"]

{exports}
[tls]
endpoints = ["{running.url(EXPORTS_ENDPOINT)}"]
expiry_warning_days = 30

[evidence]
max_age_days = 30

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
