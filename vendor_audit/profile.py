"""The audit profile (audit.toml): loading, validation and secret resolution.

Every mistake becomes one `ProfileError` naming the file, the key, what was expected and what was
found. Profiles name environment variables, never secrets; a literal secret-looking value is refused
without being echoed.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import difflib
import io
import ipaddress
import json
import math
import os
import re
import ssl
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from vendor_audit.durations import format_seconds
from vendor_audit.errors import ProfileError
from vendor_audit.schemas import load_schema
from vendor_audit.vendors import auth_kinds, registered

__all__ = [
    "SLO",
    "AccessPolicy",
    "Credential",
    "Deadlines",
    "ExportSpec",
    "FlowPolicy",
    "Profile",
    "ProfileError",
    "SLAPolicy",
    "SLATarget",
    "SecurityPolicy",
    "TokenPolicy",
    "Vendor",
    "Waiver",
    "load_profile",
    "looks_like_secret",
]

_SECRET_KEYS = re.compile(r"(^|_)(token|secret|password|passwd|api_key|apikey|key|credential)s?$", re.IGNORECASE)
# Lower-case segments joined by "/", or a glob: resource paths and waiver patterns. Tokens that hold "/" are
# base64, whose long segments mix cases.
_PATH_OR_GLOB = re.compile(r"[a-z0-9_.\-]*[*?\[][a-z0-9_.*?\[\]!\-/]*|[a-z0-9_.*?\[\]!\-]+(?:/[a-z0-9_.*?\[\]!\-]*)+")
_SECRET_PREFIXES = re.compile(r"^(shp(at|ca|pa|ss)_|sk_(live|test)_|xox[abpr]-|gh[pousr]_|eyJ)")


@dataclass(frozen=True, slots=True)
class Credential:
    vendor: str
    name: str
    auth: str
    secret_env: str
    email: str | None
    allowed_scopes: frozenset[str] | None
    allowed_roles: frozenset[str] | None
    key: str  # where it sits in the profile, for messages: vendors.shopify.credentials[0]


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    type: str
    base_url: str
    api_version: str | None
    credentials: tuple[Credential, ...]
    requests_per_second: float | None = None  # overrides the vendor's default pacing (plan-dependent)
    burst: int | None = None
    api: str | None = None  # which of the vendor's APIs (VendorSpec.apis) the connector reads; None: its default
    # The vendor's sandbox accounts (subdomains), lower-cased: where the vendor's API has no sandbox flag, writes in
    # sandbox mode go only to an account on this list.
    sandbox_accounts: tuple[str, ...] = ()
    environment: str | None = None  # "sandbox" or "production": which of the brand's accounts at the vendor
    pairs_with: str | None = None  # the other environment's vendor entry, for the segmentation check


@dataclass(frozen=True, slots=True)
class ExportSpec:
    vendor: str | None
    path: Path
    format: str
    schema: str


@dataclass(frozen=True, slots=True)
class Waiver:
    check: str
    resource: str
    reason: str
    owner: str
    expires: dt.date


@dataclass(frozen=True, slots=True)
class SLO:
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_error_rate: float | None = None
    min_rate: float | None = None


@dataclass(frozen=True, slots=True)
class Deadlines:
    """How long the audit waits: nothing waits forever on a vendor (DESIGN.md, invariants)."""

    request_seconds: float = 30.0  # one exchange: connect, headers and body together
    vendor_seconds: float = 900.0  # one vendor's whole collection, its payload stream included
    run_seconds: float = 3600.0  # the whole run: collection, scans, TLS probes

    @property
    def for_vendor(self) -> float:
        """A vendor's collection ends by the run's deadline too."""
        return min(self.vendor_seconds, self.run_seconds)


# Local parts and display names made only of these words name a role or a team, not a person (PCI DSS v4 8.2.2).
SHARED_ACCOUNT_NAMES = ("support", "help", "helpdesk", "team", "shared", "agent", "cs", "service", "info", "admin")


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """[access]: who may hold a helpdesk account, and for how long without using it."""

    dormant_days: int = 90  # PCI DSS v4 8.2.6: inactive accounts removed or disabled within 90 days
    never_used_days: int = 30  # created this long ago and never signed in
    roster: Path | None = None  # the BPO's roster or IdP export (CSV or JSON), resolved relative to the profile
    # Active agent seats the contract allows: one number for every vendor, or per vendor name.
    contracted_agents: int | Mapping[str, int] | None = None
    max_turnover: float = 0.30  # annual turnover from the roster's dates; above it is a finding
    shared_account_names: tuple[str, ...] = SHARED_ACCOUNT_NAMES

    def contracted(self, vendor: str) -> int | None:
        """The seats the contract allows on `vendor`, or None when the profile names no contract for it."""
        if isinstance(self.contracted_agents, Mapping):
            return self.contracted_agents.get(vendor)
        return self.contracted_agents


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """[tokens]: how long a credential may live, warn before it expires, or sit unused; which are expected."""

    rotation_days: int = 365
    expiry_warning_days: int = 30
    unused_days: int = 90
    declared: tuple[str, ...] = ()  # token names or ids the brand knows of, beyond its own credentials


@dataclass(frozen=True, slots=True)
class SecurityPolicy:
    """[security]: the account settings the brand expects of each vendor account."""

    # The BPO's declared egress: IP restriction on and equal to these (normalised ipaddress networks).
    egress_ranges: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_session_minutes: float = 15  # PCI DSS v4 8.2.8: re-authenticate after 15 idle minutes
    sso_required: tuple[str, ...] = ()  # vendor names where SSO must be enforced
    max_assumption_hours: float = 24  # how long an admin may assume (impersonate) another user


@dataclass(frozen=True, slots=True)
class FlowPolicy:
    """[flows]: where customer data may be sent."""

    allowed_destinations: tuple[str, ...] = ()  # lower-cased host globs (fnmatch); empty: no host is approved


@dataclass(frozen=True, slots=True)
class SLATarget:
    """One `[[sla.targets]]`: "first reply within 60 minutes for 90 % of chat tickets"."""

    metric: str  # "first_reply_time" or "full_resolution_time"
    minutes: float
    share: float  # of the tickets in scope that must meet it, 0..1
    channel: str | None = None  # None: every channel
    priority: str | None = None  # None: every priority
    vendor: str | None = None  # None: every vendor of the profile
    credit: str | float | None = None  # what the vendor owes per miss, as the contract words it

    @property
    def resource(self) -> str:
        """How findings name the target: sla/{metric}/{channel or all}/{priority or all}."""
        return f"sla/{self.metric}/{self.channel or 'all'}/{self.priority or 'all'}"


@dataclass(frozen=True, slots=True)
class SLAPolicy:
    """[sla]: the contract's service levels, and the vendor's own scorecard to hold against the exports."""

    targets: tuple[SLATarget, ...] = ()
    csat_floor: float | None = None
    fcr_floor: float | None = None
    tolerance: float = 0.02  # two points of a share; minutes compare within the same fraction
    scorecard: Path | None = None  # resolved relative to the profile


# Requests even the smallest collection makes: each grant, the users, the MFA setting and the first page
# of each payload kind. A pace that cannot make these within the vendor deadline is refused up front.
MINIMAL_COLLECTION_REQUESTS = 8


@dataclass(frozen=True, slots=True)
class Profile:
    path: Path
    name: str
    mode: str
    ca_file: Path | None
    env_file: Path | None
    vendors: tuple[Vendor, ...]
    mfa_required_roles: frozenset[str]
    idp_export: Path | None
    exports: tuple[ExportSpec, ...]
    tls_endpoints: tuple[str, ...]
    expiry_warning_days: int
    slo: SLO
    waivers: tuple[Waiver, ...]
    evidence_max_age_days: int = 30  # monthly audits; input files older than this are stale evidence
    deadlines: Deadlines = Deadlines()
    access: AccessPolicy = field(default_factory=AccessPolicy)
    tokens: TokenPolicy = field(default_factory=TokenPolicy)
    security: SecurityPolicy = field(default_factory=SecurityPolicy)
    flows: FlowPolicy = field(default_factory=FlowPolicy)
    sla: SLAPolicy = field(default_factory=SLAPolicy)

    @property
    def read_only(self) -> bool:
        return self.mode == "production"

    def segmentation_pairs(self) -> tuple[tuple[Vendor, Vendor], ...]:
        """Each (sandbox, production) pair of vendor entries the profile names with `pairs_with`, once."""
        by_name = {v.name: v for v in self.vendors}
        pairs: dict[tuple[str, str], tuple[Vendor, Vendor]] = {}
        for vendor in self.vendors:
            other = by_name.get(vendor.pairs_with or "")
            if other is None:
                continue
            sandbox, production = (vendor, other) if vendor.environment == "sandbox" else (other, vendor)
            pairs.setdefault((sandbox.name, production.name), (sandbox, production))
        return tuple(pairs.values())

    def secret(self, credential: Credential, environ: Mapping[str, str] | None = None) -> str:
        """The credential's secret from the environment, else from env_file; never from the profile."""
        environ = os.environ if environ is None else environ
        name = credential.secret_env
        value = environ.get(name) or (_read_env_file(self.env_file).get(name) if self.env_file else None)
        if not value:
            where = f" or add it to {self.env_file}" if self.env_file else ""
            raise ProfileError(
                [
                    f"{self.path}: {credential.key}.secret_env: environment variable {name} is not set; "
                    f"export {name}=<the {credential.vendor} secret>{where}"
                ]
            )
        return value


def looks_like_secret(value: str) -> bool:
    """Whether a profile value looks like a pasted token rather than a name, path, glob or URL."""
    if _SECRET_PREFIXES.match(value):
        return True
    if _PATH_OR_GLOB.fullmatch(value):  # zendesk/users/98000*: a waiver's resource, unless a part is a token
        return any(_random_looking(part) for part in re.split(r"[/*?\[\]!]+", value))
    if value.startswith(("http://", "https://", "/", "./", "../", "~")) or "@" in value or "." in value:
        return False
    return _random_looking(value)


def _random_looking(value: str) -> bool:
    if len(value) < 20 or any(c.isspace() for c in value) or re.fullmatch(r"[A-Z0-9_]+", value):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile; raise ProfileError with every problem found."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(
            [f"{path}: no such profile; run `vendor-audit sandbox` to get one, or copy audit.toml"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError([f"{path}: cannot read the profile ({exc.__class__.__name__})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([f"{path}: not valid TOML: {exc}"]) from None
    problems = list(_secret_problems(raw))
    validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(_jsonable(raw)), key=lambda e: [str(p) for p in e.absolute_path])
    problems += [
        m for e in errors if (m := _explain(e)) and not any(m.split(":")[0] == p.split(":")[0] for p in problems)
    ]
    if not problems:
        problems += list(_semantic_problems(raw, path.parent))
    if problems:
        raise ProfileError([f"{path}: {p}" for p in problems])
    return _build(raw, path)


def _schema() -> dict[str, Any]:
    """The profile schema with its vendor `type` and credential `auth` enums filled from the vendor registry."""
    schema = copy.deepcopy(load_schema("profile.v1"))
    schema["$defs"]["vendor"]["properties"]["type"]["enum"] = sorted(registered())
    schema["$defs"]["credential"]["properties"]["auth"]["enum"] = sorted(auth_kinds())
    return schema


def _jsonable(value: Any) -> Any:
    """TOML dates become ISO strings so the JSON Schema's `format: date` can check them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat() if type(value) is dt.date else f"<{type(value).__name__}>{value.isoformat()}"
    return value


def _key(path: Iterator[Any] | list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _walk(node: Any, at: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield [*at, key], value
            yield from _walk(value, [*at, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield [*at, i], value
            yield from _walk(value, [*at, i])


def _secret_problems(raw: dict[str, Any]) -> Iterator[str]:
    advice = 'put it in an environment variable and write secret_env = "NAME" instead (the value is not shown here)'
    for at, value in _walk(raw, []):
        last = at[-1]
        if isinstance(last, str) and last != "secret_env" and _SECRET_KEYS.search(last) and isinstance(value, str):
            yield f"{_key(at)}: a profile never holds secrets; {advice}"
        elif isinstance(value, str) and looks_like_secret(value):
            yield f"{_key(at)}: this value looks like a literal secret; {advice}"
        elif isinstance(value, str) and (holds := _url_secret(value)):
            # base_url reaches every report (findings.json, OSCAL); a token in it would travel with them.
            yield (
                f"{_key(at)}: a URL here never carries a secret, and this one holds {holds}; write only "
                "https://host[:port][/path] and put the secret in an environment variable named by the credential's "
                "secret_env (the value is not shown here)"
            )


def _url_secret(value: str) -> str | None:
    """What in a URL would carry a credential: user:password@ before the host, a query string or a fragment."""
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # not a URL the client could use either; the schema says so
        return None
    if "@" in parts.netloc:
        return "credentials before the host (user:password@)"
    if parts.query or "?" in value:
        return "a query string (?...)"
    if parts.fragment or "#" in value:
        return "a fragment (#...)"
    return None


def _explain(error: jsonschema.ValidationError) -> str:
    key = _key(list(error.absolute_path))
    schema = error.schema if isinstance(error.schema, dict) else {}
    found = error.instance
    if error.validator == "additionalProperties" and isinstance(found, dict):
        known = sorted(schema.get("properties", {}))
        extra = [k for k in found if k not in known]
        if not known:  # a map (vendors) whose values failed: let the nested errors speak
            return ""
        hints = []
        for name in extra:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return f"{key}: unknown key {', '.join(hints)}; expected one of: {', '.join(known)}"
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"{key}: missing key '{missing}'"
    description = schema.get("description")
    if error.validator in {"pattern", "format", "const", "oneOf"} and description:
        return f"{key}: expected {description[0].lower()}{description[1:].rstrip('.')}; found {_show(found)}"
    if error.validator == "enum":
        options = ", ".join(repr(v) for v in schema.get("enum", []))
        return f"{key}: expected one of {options}; found {_show(found)}"
    if error.validator == "type":
        return f"{key}: expected {error.validator_value}; found {_type_name(found)} {_show(found)}"
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "more than",
        "exclusiveMaximum": "less than",
    }
    if error.validator in bounds:
        hint = f" ({description.rstrip('.')})" if description else ""
        bound = f"{bounds[str(error.validator)]} {error.validator_value}"
        return f"{key}: expected a number {bound}{hint}; found {_show(found)}"
    return f"{key}: {error.message}"


def _show(value: Any) -> str:
    text = repr(value)
    if isinstance(value, str) and (looks_like_secret(value) or _url_secret(value)):
        return "a secret-looking value (not shown)"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _semantic_problems(raw: dict[str, Any], base: Path) -> Iterator[str]:
    specs = registered()  # the schema already refused a type nobody registered
    for name, vendor in raw["vendors"].items():
        kind = vendor["type"]
        spec = specs[kind]
        for i, cred in enumerate(vendor["credentials"]):
            key = f"vendors.{name}.credentials[{i}]"
            if cred["auth"] not in spec.auth_kinds:
                options = " or ".join(repr(a) for a in spec.auth_kinds)
                yield f"{key}.auth: {kind} credentials use {options}; found {cred['auth']!r}"
            if spec.auth_kinds.get(cred["auth"]) and "email" not in cred:
                yield f"{key}: missing key 'email' (the user a {kind} {cred['auth']} acts as)"
            if "allowed_scopes" not in cred and "allowed_roles" not in cred:
                yield f"{key}: missing key 'allowed_scopes' or 'allowed_roles' (what least privilege means here)"
        if "api" in vendor and vendor["api"] not in spec.apis:
            options = " or ".join(repr(a) for a in spec.apis)
            yield (
                f"vendors.{name}.api: {kind} is read through {options}; found {_show(vendor['api'])}"
                if spec.apis
                else f"vendors.{name}.api: {kind} has one API; remove it"
            )
        if "api_version" in vendor and not spec.versioned:
            versioned = " and ".join(sorted(t for t, s in specs.items() if s.versioned)) or "no registered vendor's"
            yield f"vendors.{name}.api_version: only {versioned} APIs are versioned; remove it"
    yield from _environment_problems(raw["vendors"])
    for name, vendor in raw["vendors"].items():
        yield from _port_problems(f"vendors.{name}.base_url", vendor["base_url"])
    deadlines = Deadlines(**raw.get("deadlines", {}))
    for name, vendor in raw["vendors"].items():
        yield from _pace_problems(f"vendors.{name}.requests_per_second", vendor, deadlines)
    for i, url in enumerate(raw.get("tls", {}).get("endpoints", [])):
        yield from _port_problems(f"tls.endpoints[{i}]", url)
    for key, example in (("ca_file", "ca.pem"), ("env_file", "vendor.env")):
        if key in raw:
            yield from _file_problems(key, base / raw[key], f'write {key} = "{example}" (relative to the profile)')
    if "ca_file" in raw and (base / raw["ca_file"]).is_file():
        yield from _ca_file_problems(base / raw["ca_file"])
    idp = raw.get("mfa", {}).get("idp_export")
    if isinstance(idp, str):
        yield from _idp_problems(base / idp)
    yield from _policy_problems(raw)


def _environment_problems(vendors: dict[str, Any]) -> Iterator[str]:
    """`sandbox_accounts` only where the proof reads it; `pairs_with` naming the other environment of the vendor."""
    specs = registered()
    for name, vendor in vendors.items():
        key = f"vendors.{name}"
        if "sandbox_accounts" in vendor and not specs[vendor["type"]].declared_sandboxes:
            yield (
                f"{key}.sandbox_accounts: {vendor['type']} proves a sandbox by its own answer, not by a declared "
                "list; remove it"
            )
        other_name = vendor.get("pairs_with")
        if other_name is None:
            continue
        if "environment" not in vendor:
            yield f'{key}.pairs_with: say which account this is first: environment = "sandbox" or "production"'
            continue
        other = vendors.get(other_name)
        if other is None or other_name == name:
            known = ", ".join(n for n in sorted(vendors) if n != name) or "none"
            yield f"{key}.pairs_with: no other vendor {_show(other_name)} in [vendors]; expected one of: {known}"
            continue
        if other["type"] != vendor["type"]:
            yield (
                f"{key}.pairs_with: {other_name!r} is a {other['type']} account, not {vendor['type']}; a sandbox "
                "pairs with the production account of the same vendor"
            )
        elif other.get("environment") == vendor["environment"] or "environment" not in other:
            wanted = "production" if vendor["environment"] == "sandbox" else "sandbox"
            yield f'{key}.pairs_with: {other_name!r} must be the {wanted} account: write environment = "{wanted}" there'
        elif other.get("pairs_with", name) != name:
            yield (
                f"{key}.pairs_with: {other_name!r} pairs with {other['pairs_with']!r}, not with {name!r}; an account "
                "has one counterpart"
            )


def _policy_problems(raw: dict[str, Any]) -> Iterator[str]:
    """[access], [security] and [flows] values the schema cannot judge: vendor names, IP networks, host globs."""
    names = sorted(raw["vendors"])
    contracted = raw.get("access", {}).get("contracted_agents")
    if isinstance(contracted, dict):
        for name in contracted:
            if name not in raw["vendors"]:
                yield (
                    f"access.contracted_agents.{name}: no vendor {name!r} in [vendors]; expected one of: "
                    + ", ".join(names)
                )
    security = raw.get("security", {})
    for i, name in enumerate(security.get("sso_required", [])):
        if name not in raw["vendors"]:
            yield f"security.sso_required[{i}]: no vendor {_show(name)} in [vendors]; expected one of: " + ", ".join(
                names
            )
    for i, text in enumerate(security.get("egress_ranges", [])):
        try:
            ipaddress.ip_network(text, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(text, strict=False)
            except ValueError:
                yield (
                    f"security.egress_ranges[{i}]: expected an IP network (203.0.113.0/24, 2001:db8::/48) or one "
                    f"address; found {_show(text)}"
                )
            else:
                yield f"security.egress_ranges[{i}]: {text!r} has host bits set; write {str(loose)!r}"
    yield from _sla_problems(raw.get("sla", {}), names)
    for i, glob in enumerate(raw.get("flows", {}).get("allowed_destinations", [])):
        if "://" in glob or "/" in glob or "@" in glob:
            yield (
                f"flows.allowed_destinations[{i}]: expected a host or host glob (hooks.brand.example, "
                f"*.brand.example), not a URL; found {_show(glob)}"
            )


def _sla_problems(sla: dict[str, Any], names: list[str]) -> Iterator[str]:
    """[[sla.targets]] naming a vendor the profile lacks, or the same target twice (which would count twice)."""
    seen: dict[tuple[Any, ...], int] = {}
    for i, target in enumerate(sla.get("targets", [])):
        vendor = target.get("vendor")
        if vendor is not None and vendor not in names:
            yield f"sla.targets[{i}].vendor: no vendor {_show(vendor)} in [vendors]; expected one of: " + ", ".join(
                names
            )
        key = tuple(target.get(k) for k in ("metric", "vendor", "channel", "priority"))
        if key in seen:
            yield (
                f"sla.targets[{i}]: the same metric, vendor, channel and priority as sla.targets[{seen[key]}]; "
                "merge them or tell them apart by channel or priority"
            )
        seen.setdefault(key, i)


def _file_problems(key: str, path: Path, advice: str) -> Iterator[str]:
    """A file the profile names: a directory, a device or a FIFO is said to be one, not to be missing."""
    if path.is_dir():
        yield f"{key}: {path} is a directory, not a file; name the file in it ({advice})"
    elif not path.exists():
        yield f"{key}: file {path} does not exist ({advice})"
    elif not path.is_file():
        yield f"{key}: {path} is not a regular file (a device, FIFO or socket); {advice}"


_IDP_ADVICE = (
    "export the identity provider's users as CSV with email and mfa columns, or as JSON: a list of "
    '{"email": ..., "mfa": ...} objects'
)


def _idp_problems(path: Path) -> Iterator[str]:
    """The identity-provider export is read as the MFA check reads it, so a bad one is named here, not mid-audit."""
    key = "mfa.idp_export"
    problems = list(_file_problems(key, path, _IDP_ADVICE))
    if problems:
        yield from problems
        return
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        yield f"{key}: {path} is not UTF-8 text; {_IDP_ADVICE}"
        return
    except OSError as exc:
        yield f"{key}: cannot read {path} ({exc.strerror or exc.__class__.__name__})"
        return
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield f"{key}: {path} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}); {_IDP_ADVICE}"
            return
        except RecursionError:
            yield f"{key}: {path} nests too deeply to be a list of users; {_IDP_ADVICE}"
            return
        rows = data if isinstance(data, list) else data.get("users") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            yield f'{key}: {path} holds no list of user objects (a JSON array, or {{"users": [...]}}); {_IDP_ADVICE}'
        return
    try:
        header = set(csv.DictReader(io.StringIO(text)).fieldnames or [])
    except csv.Error as exc:
        yield f"{key}: {path} is not valid CSV ({exc}); {_IDP_ADVICE}"
        return
    if not header & {"email", "login"}:
        yield f"{key}: {path} has no email (or login) column in its first line; {_IDP_ADVICE}"
    elif not header & {"mfa", "factors"}:
        yield f"{key}: {path} has no mfa (or factors) column in its first line; {_IDP_ADVICE}"


def _pace_problems(key: str, vendor: dict[str, Any], deadlines: Deadlines) -> Iterator[str]:
    """A pace that cannot make even the smallest collection before the vendor deadline would only sleep into it."""
    rate = vendor.get("requests_per_second")
    if rate is None:
        return
    burst = vendor.get("burst") or max(1, int(rate))  # as connectors.open_connector paces it
    needed = max(0, MINIMAL_COLLECTION_REQUESTS - burst) / rate
    if needed > deadlines.for_vendor:
        yield (
            f"{key}: at {rate:g} requests/s the collection needs about {format_seconds(needed)}; the vendor deadline "
            f"is {format_seconds(deadlines.for_vendor)}: raise requests_per_second or the deadline "
            "([deadlines] vendor_seconds)"
        )


def _port_problems(key: str, url: str) -> Iterator[str]:
    """A port that is no number from 1 to 65535 would only fail later, inside the HTTP client, as a crash."""
    host = urlsplit(url).netloc.rpartition("@")[2]
    if host.endswith("]") or ":" not in host:  # no port (an IPv6 literal ends in its bracket)
        return
    port = host.rpartition(":")[2]
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        yield (
            f"{key}: expected a port from 1 to 65535 after the host (https://host:8443, or no port for 443); "
            f"found {_show(port)}"
        )


def _ca_file_problems(path: Path) -> Iterator[str]:
    """The CA bundle is loaded as the connectors will load it, so a DER file or a key fails here, not mid-audit."""
    advice = (
        "point ca_file at the CA certificate(s) in PEM (-----BEGIN CERTIFICATE-----); convert a DER file with "
        "`openssl x509 -inform der -in ca.der -out ca.pem`"
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(path))
    except ssl.SSLError as exc:
        reason = exc.reason.lower().replace("_", " ") if exc.reason else "malformed PEM"
        yield f"ca_file: {path} is not a PEM certificate bundle ({reason}); {advice}"
        return
    except OSError as exc:
        yield f"ca_file: cannot read {path} ({exc.strerror or exc.__class__.__name__})"
        return
    if context.cert_store_stats()["x509"] == 0:  # a bundle of CRLs only
        yield f"ca_file: {path} holds no certificate; {advice}"


def _build(raw: dict[str, Any], path: Path) -> Profile:
    base = path.parent

    def rel(value: str | None) -> Path | None:
        return None if value is None else (base / value)

    vendors = []
    for name, vendor in raw["vendors"].items():
        credentials = tuple(
            Credential(
                vendor=name,
                name=c["name"],
                auth=c["auth"],
                secret_env=c["secret_env"],
                email=c.get("email"),
                allowed_scopes=frozenset(c["allowed_scopes"]) if "allowed_scopes" in c else None,
                allowed_roles=frozenset(c["allowed_roles"]) if "allowed_roles" in c else None,
                key=f"vendors.{name}.credentials[{i}]",
            )
            for i, c in enumerate(vendor["credentials"])
        )
        vendors.append(
            Vendor(
                name,
                vendor["type"],
                vendor["base_url"].rstrip("/"),
                vendor.get("api_version"),
                credentials,
                vendor.get("requests_per_second"),
                vendor.get("burst"),
                vendor.get("api"),
                tuple(a.lower() for a in vendor.get("sandbox_accounts", ())),
                vendor.get("environment"),
                vendor.get("pairs_with"),
            )
        )
    mfa = raw.get("mfa", {})
    tls = raw.get("tls", {})
    return Profile(
        path=path,
        name=raw.get("name", path.stem),
        mode=raw.get("mode", "production"),
        ca_file=rel(raw.get("ca_file")),
        env_file=rel(raw.get("env_file")),
        vendors=tuple(vendors),
        mfa_required_roles=frozenset(mfa.get("required_roles", ["admin", "agent"])),
        idp_export=rel(mfa.get("idp_export")),
        exports=tuple(
            ExportSpec(e.get("vendor"), base / e["path"], e["format"], e["schema"]) for e in raw.get("exports", [])
        ),
        tls_endpoints=tuple(tls.get("endpoints", [])),
        expiry_warning_days=tls.get("expiry_warning_days", 30),
        slo=SLO(**raw.get("slo", {})),
        waivers=tuple(
            Waiver(w["check"], w["resource"], w["reason"], w["owner"], w["expires"]) for w in raw.get("waivers", [])
        ),
        evidence_max_age_days=raw.get("evidence", {}).get("max_age_days", 30),
        deadlines=Deadlines(**raw.get("deadlines", {})),
        access=_access(raw.get("access", {}), rel),
        tokens=TokenPolicy(
            **{k: v for k, v in raw.get("tokens", {}).items() if k != "declared"},
            declared=tuple(raw.get("tokens", {}).get("declared", ())),
        ),
        security=_security(raw.get("security", {})),
        flows=FlowPolicy(tuple(g.lower() for g in raw.get("flows", {}).get("allowed_destinations", ()))),
        sla=_sla(raw.get("sla", {}), rel),
    )


def _sla(raw: dict[str, Any], rel: Callable[[str | None], Path | None]) -> SLAPolicy:
    return SLAPolicy(
        targets=tuple(
            SLATarget(
                metric=t["metric"],
                minutes=float(t["minutes"]),
                share=float(t["share"]),
                channel=t.get("channel"),
                priority=t.get("priority"),
                vendor=t.get("vendor"),
                credit=t.get("credit"),
            )
            for t in raw.get("targets", ())
        ),
        csat_floor=raw.get("csat_floor"),
        fcr_floor=raw.get("fcr_floor"),
        tolerance=raw.get("tolerance", 0.02),
        scorecard=rel(raw.get("scorecard")),
    )


def _access(raw: dict[str, Any], rel: Callable[[str | None], Path | None]) -> AccessPolicy:
    contracted = raw.get("contracted_agents")
    return AccessPolicy(
        dormant_days=raw.get("dormant_days", 90),
        never_used_days=raw.get("never_used_days", 30),
        roster=rel(raw.get("roster")),
        contracted_agents=MappingProxyType(dict(contracted)) if isinstance(contracted, dict) else contracted,
        max_turnover=raw.get("max_turnover", 0.30),
        shared_account_names=tuple(n.lower() for n in raw.get("shared_account_names", SHARED_ACCOUNT_NAMES)),
    )


def _security(raw: dict[str, Any]) -> SecurityPolicy:
    return SecurityPolicy(
        egress_ranges=tuple(ipaddress.ip_network(r) for r in raw.get("egress_ranges", ())),
        max_session_minutes=raw.get("max_session_minutes", 15),
        sso_required=tuple(raw.get("sso_required", ())),
        max_assumption_hours=raw.get("max_assumption_hours", 24),
    )


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return values
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values
