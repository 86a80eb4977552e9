"""Fakes for the unit tests of the account, credential, settings and flow checks.

A check is a plain function of its fixtures: the tests call it with a profile loaded from a real audit.toml, a
hand-built snapshot and a real `Audit` recorder (fixture overrides by argument), and read the findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vendor_audit.checks import REGISTRY, Audit
from vendor_audit.findings import Finding
from vendor_audit.model import CollectionError, MFAState, Token, User, VendorSnapshot
from vendor_audit.profile import Profile, load_profile

NOW = dt.datetime.now(dt.UTC)

PROFILE = """\
version = 1
mode = "sandbox"

[vendors.help]
type = "zendesk"
base_url = "https://acme.zendesk.com"

[[vendors.help.credentials]]
name = "bpo-oauth"
auth = "oauth"
secret_env = "HELP_TOKEN"
allowed_scopes = ["read"]
"""


def profile(tmp_path: Path, extra: str = "") -> Profile:
    path = tmp_path / "audit.toml"
    path.write_text(PROFILE + extra)
    return load_profile(path)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def user(id: str, **fields: Any) -> User:
    values: dict[str, Any] = {
        "vendor": "help",
        "id": id,
        "name": f"Person {id}",
        "email": f"person{id}@bpo.example",
        "role": "agent",
        "vendor_role": "agent",
        "active": True,
        "mfa": MFAState.ENABLED,
        "source": "GET /api/v2/users",
        "created_at": days_ago(400),
        "last_login_at": days_ago(1),
        "login_exposed": True,
    }
    return User(**{**values, **fields})


def token(id: str, **fields: Any) -> Token:
    values: dict[str, Any] = {
        "vendor": "help",
        "id": id,
        "kind": "oauth_token",
        "name": f"client {id}",
        "owner_id": "1",
        "created_at": days_ago(10),
        "expires_at": None,
        "used_at": days_ago(1),
        "scopes": frozenset({"read"}),
        "source": "GET /api/v2/oauth/tokens",
    }
    return Token(**{**values, **fields})


def snapshot(**fields: Any) -> VendorSnapshot:
    return VendorSnapshot(vendor="help", type="zendesk", **fields)


def not_exposed(what: str, where: str) -> CollectionError:
    return CollectionError("help", what, "not_exposed", where)


def run(check: Callable[..., None], **fixtures: Any) -> list[Finding]:
    """The check's findings, given its fixtures (every one but `audit`)."""
    audit = Audit(REGISTRY[check.__name__.removeprefix("test_")], None, (), dt.date.today())
    check(audit=audit, **fixtures)
    return audit.findings


def failing(findings: list[Finding]) -> set[tuple[str, str]]:
    """(resource, kind) of each failing finding, as the leaky manifest lists them."""
    return {(f.resource, f.evidence["kind"]) for f in findings if f.status.value == "fail"}


def by_status(findings: list[Finding], status: str) -> list[Finding]:
    return [f for f in findings if f.status.value == status]
