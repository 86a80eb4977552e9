"""Hostile vendors end in `error`, never green: every answer shape a vendor could send, over real sockets.

A real HTTPS stand-in on 127.0.0.1 answers one list endpoint of one vendor in a shape the vendor does
not document (a bare JSON array, records without ids, a string or null where a list or object belongs,
HTML with a 200, a link to another origin, an error that echoes the credential). The audit runs end to
end in a subprocess, as a user runs it, and must: exit 2 (or 1 when the case planted a card number that
must be found), never 0; write findings.json with an `error` finding naming the vendor; print no
traceback; and let no byte of the credential (a 600+ character JWT) reach any output.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import random
import re
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from vendor_audit import sandbox
from vendor_audit.sandbox import Request, Response

PAN = "4539 1488 0343 6467"  # Luhn-valid Visa test number
PAN_DIGITS = PAN.replace(" ", "")
MASKED = "453914******6467"
ENV = {"shopify": "HOSTILE_SHOPIFY_TOKEN", "zendesk": "HOSTILE_ZENDESK_TOKEN", "gorgias": "HOSTILE_GORGIAS_KEY"}
SHOPIFY_REST = "/admin/api/2026-10"
GRAPHQL = f"{SHOPIFY_REST}/graphql.json"
VENDORS = ("shopify", "zendesk", "gorgias")
PROFILES = (*VENDORS, "shopify_rest")  # Shopify through GraphQL (its default) and through REST


def jwt_like(length: int, seed: int) -> str:
    rng = random.Random(seed)  # noqa: S311 - reproducible fake credentials
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT","kid":"hostile"}').decode().rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    body = "".join(rng.choice(alphabet) for _ in range(length - len(header) - 45))
    signature = "".join(rng.choice(alphabet) for _ in range(43))
    return f"{header}.{body}.{signature}"


# -- the stand-in and the audit -------------------------------------------------------------------------


@dataclass
class Stand:
    running: sandbox.RunningSandbox
    secrets: dict[str, str]  # vendor -> its (long) credential
    profiles: dict[str, Path]  # vendor (or "shopify_rest": Shopify over REST) -> a profile that audits only that


@pytest.fixture(scope="module")
def stand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stand]:
    workdir = tmp_path_factory.mktemp("hostile")
    unlimited = {
        "shopify": sandbox.ShopifyLimits(bucket_size=100_000, leak_per_second=1_000),
        "zendesk": sandbox.ZendeskLimits(requests_per_minute=100_000, incremental_per_minute=100_000),
        "gorgias": sandbox.GorgiasLimits(api_key_requests=100_000, oauth_requests=100_000),
    }
    config = sandbox.SandboxConfig(scenario="clean", size=20, write_exports=False, **unlimited)
    with sandbox.serve(config, workdir=workdir / "sandbox") as running:
        secrets = {vendor: jwt_like(600 + 1700 * i, seed=i) for i, vendor in enumerate(VENDORS)}
        # The stand-ins accept the long credentials as they accept their own.
        shopify, zendesk, gorgias = running.shopify, running.zendesk, running.gorgias
        shopify.tokens[secrets["shopify"]] = shopify.tokens[shopify.primary_token]
        zendesk.oauth_tokens[secrets["zendesk"]] = zendesk.oauth_tokens[zendesk.primary_token]
        email = gorgias.api_key_email
        gorgias.api_keys[(email, secrets["gorgias"])] = gorgias.api_keys[(email, gorgias.api_key)]
        with httpx.Client(verify=ssl.create_default_context(cafile=str(running.ca_path))) as client:
            me = client.get(f"{running.url('gorgias')}/api/users/0", auth=(email, secrets["gorgias"])).json()
        scopes = {
            "shopify": sorted(shopify.tokens[secrets["shopify"]]),
            "zendesk": sorted(zendesk.oauth_tokens[secrets["zendesk"]].scopes),
        }
        credentials = {
            "shopify": f'auth = "access_token"\nallowed_scopes = {json.dumps(scopes["shopify"])}',
            "zendesk": f'auth = "oauth"\nallowed_scopes = {json.dumps(scopes["zendesk"])}',
            "gorgias": f'auth = "api_key"\nemail = "{email}"\nallowed_roles = ["{me["role"]["name"]}"]',
        }
        (workdir / "ca.pem").write_bytes(running.ca_path.read_bytes())
        profiles = {}
        for name in PROFILES:
            vendor = name.split("_")[0]
            profile = workdir / f"{name}.toml"
            profile.write_text(
                f'version = 1\nname = "hostile {name}"\nmode = "sandbox"\nca_file = "ca.pem"\n\n'
                f'[vendors.{vendor}]\ntype = "{vendor}"\nbase_url = "{running.url(vendor)}"\n'
                + ('api_version = "2026-10"\n' if vendor == "shopify" else "")
                + ('api = "rest"\n' if name == "shopify_rest" else "")
                + f'\n[[vendors.{vendor}.credentials]]\nname = "hostile"\nsecret_env = "{ENV[vendor]}"\n'
                + credentials[vendor]
                + "\n"
            )
            profiles[name] = profile
        yield Stand(running, secrets, profiles)


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def findings(self) -> list[dict[str, Any]]:
        (path,) = self.report_dir.glob("*/findings.json")
        found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["findings"]
        return found

    def every_byte(self) -> Iterator[tuple[str, bytes]]:
        yield "stdout", self.stdout.encode()
        yield "stderr", self.stderr.encode()
        for path in sorted(self.report_dir.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(self.report_dir)), path.read_bytes()


def audit(stand: Stand, profile: str, report_dir: Path) -> Outcome:
    vendor = profile.split("_")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VA_", "HOSTILE_"))}
    env[ENV[vendor]] = stand.secrets[vendor]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vendor_audit.cli",
            "run",
            str(stand.profiles[profile]),
            "--report-dir",
            str(report_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=report_dir.parent,
    )
    return Outcome(result.returncode, result.stdout, result.stderr, report_dir)


# -- hostile answers ------------------------------------------------------------------------------------

Rewrite = Callable[[Any, Stand], Any]  # the stand-in's JSON body (and the stand) -> JSON body or a Response


def bare(key: str) -> Rewrite:
    """The envelope's list, bare (as Gorgias's OpenAPI schema declares some lists)."""
    return lambda body, stand: body[key]


def put(key: str, value: Any) -> Rewrite:
    def rewrite(body: Any, stand: Stand) -> Any:
        body[key] = value
        return body

    return rewrite


def whole(value: Any) -> Rewrite:
    return lambda body, stand: value


def html(body: Any, stand: Stand) -> Response:
    page = b"<!doctype html><html><head><title>Sign in</title></head><body><form>SSO</form></body></html>"
    return Response(200, page, content_type="text/html; charset=utf-8")


def without(keys: tuple[str, ...], key: str, plant: str | None = None, child: str | None = None) -> Rewrite:
    """Records of body[key] without `keys` (in their `child` list, if given); a PAN planted in field `plant`."""

    def rewrite(body: Any, stand: Stand) -> Any:
        planted = False
        for record in body[key]:
            targets = [c for c in record.get(child) or [] if c.get("event_type") == "Comment"] if child else [record]
            for target in targets:
                for name in keys:
                    target.pop(name, None)
                if plant and not planted:
                    target[plant] = f"Card on file is {PAN}, please charge it"
                    planted = True
        return body

    return rewrite


def each(key: str, field: str, value: Any) -> Rewrite:
    """Every record of body[key] with `field` replaced by `value` (a wrong type)."""

    def rewrite(body: Any, stand: Stand) -> Any:
        for record in body[key]:
            record[field] = value
        return body

    return rewrite


def at(path: tuple[str, ...], value: Any) -> Rewrite:
    """body[path[0]][path[1]]... replaced by `value`."""

    def rewrite(body: Any, stand: Stand) -> Any:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return body

    return rewrite


def gql_without_ids(connection: str, plant: str) -> Rewrite:
    """A GraphQL connection's nodes without `legacyResourceId`, a PAN planted in the first one's `plant` field."""

    def rewrite(body: Any, stand: Stand) -> Any:
        nodes = body["data"][connection]["nodes"]
        for node in nodes:
            node.pop("legacyResourceId", None)
        nodes[0][plant] = f"Card on file is {PAN}, please charge it"
        return body

    return rewrite


def off_origin(body: Any, stand: Stand) -> Any:
    """A next-page link to another origin: the credential must not follow it (here: the exports listener)."""
    body["meta"] = {"has_more": True, "after_cursor": "x"}
    body["links"] = {"next": f"{stand.running.url('exports')}/api/v2/users.json?page%5Bafter%5D=x"}
    return body


def echo_credential(body: Any, stand: Stand) -> Response:
    text = f"token {stand.secrets['zendesk']} is not allowed to list users"
    payload = {"error": "RecordInvalid", "description": text}
    return Response(422, json.dumps(payload).encode())


def deeply_nested(body: Any, stand: Stand) -> Response:
    return Response(200, b"[" * 200_000 + b"]" * 200_000)


@dataclass(frozen=True)
class Case:
    id: str
    vendor: str
    path: str  # glob of the stand-in path answered in the hostile shape
    rewrite: Rewrite
    pan: str = ""  # glob of the resource where a planted card number must be found, masked ("[?]": no id)
    profile: str = ""  # the profile that audits it: the vendor's own unless named ("shopify_rest")
    operation: str = ""  # GraphQL: only the answers to this named query are rewritten

    @property
    def audited_by(self) -> str:
        return self.profile or self.vendor


CASES = [
    # Shopify Admin GraphQL (the default)
    Case(
        "shopify-gql-scopes-string", "shopify", GRAPHQL, at(("data", "currentAppInstallation"), "x"), operation="Scopes"
    ),
    Case("shopify-gql-staff-data-null", "shopify", GRAPHQL, whole({"data": None}), operation="Staff"),
    Case(
        "shopify-gql-orders-nodes-object",
        "shopify",
        GRAPHQL,
        at(("data", "orders", "nodes"), {"id": 1}),
        operation="Orders",
    ),
    Case(
        "shopify-gql-orders-no-ids",
        "shopify",
        GRAPHQL,
        gql_without_ids("orders", "note"),
        "orders/[?]",
        operation="Orders",
    ),
    Case("shopify-gql-customers-html-200", "shopify", GRAPHQL, html, operation="Customers"),
    Case(
        "shopify-gql-orders-access-denied",
        "shopify",
        GRAPHQL,
        whole(
            {
                "errors": [
                    {
                        "message": "Access denied for orders field. Required access: `read_orders` access scope.",
                        "path": ["orders"],
                        "extensions": {"code": "ACCESS_DENIED", "requiredAccess": "`read_orders` access scope."},
                    }
                ],
                "data": None,
            }
        ),
        operation="Orders",
    ),
    Case(
        "shopify-gql-customers-cursor-repeats",
        "shopify",
        GRAPHQL,
        at(("data", "customers", "pageInfo"), {"hasNextPage": True, "endCursor": "same"}),
        operation="Customers",
    ),
    Case("shopify-gql-errors-string", "shopify", GRAPHQL, put("errors", "Internal error"), operation="Orders"),
    # Shopify Admin REST (api = "rest")
    Case("shopify-users-bare-array", "shopify", f"{SHOPIFY_REST}/users.json", bare("users"), profile="shopify_rest"),
    Case(
        "shopify-scopes-string",
        "shopify",
        "/admin/oauth/access_scopes.json",
        put("access_scopes", "read_orders"),
        profile="shopify_rest",
    ),
    Case(
        "shopify-orders-no-ids",
        "shopify",
        f"{SHOPIFY_REST}/orders.json",
        without(("id",), "orders", "note"),
        "orders/[?]",
        profile="shopify_rest",
    ),
    Case("shopify-customers-html-200", "shopify", f"{SHOPIFY_REST}/customers.json", html, profile="shopify_rest"),
    Case("shopify-orders-null", "shopify", f"{SHOPIFY_REST}/orders.json", whole(None), profile="shopify_rest"),
    Case(
        "shopify-note-attributes-string",
        "shopify",
        f"{SHOPIFY_REST}/orders.json",
        each("orders", "note_attributes", "x"),
        profile="shopify_rest",
    ),
    # Zendesk Support
    Case("zendesk-users-bare-array", "zendesk", "/api/v2/users.json", bare("users")),
    Case("zendesk-users-no-ids", "zendesk", "/api/v2/users.json", without(("id",), "users")),
    Case(
        "zendesk-child-events-no-ids",  # documented: scanned as tickets/N/comments/?, no error needed
        "zendesk",
        "/api/v2/incremental/ticket_events.json",
        without(("id",), "ticket_events", "body", child="child_events"),
        "tickets/*/comments/[?]",
    ),
    Case("zendesk-tickets-null", "zendesk", "/api/v2/incremental/tickets/cursor.json", put("tickets", None)),
    Case(
        "zendesk-security-settings-string", "zendesk", "/api/v2/security_settings.json", put("security_settings", "on")
    ),
    Case(
        "zendesk-token-scopes-string",
        "zendesk",
        "/api/v2/oauth/tokens/current.json",
        whole({"token": {"scopes": "read"}}),
    ),
    Case("zendesk-users-next-off-origin", "zendesk", "/api/v2/users.json", off_origin),
    Case("zendesk-error-echoes-credential", "zendesk", "/api/v2/users.json", echo_credential),
    Case("zendesk-ratings-deeply-nested", "zendesk", "/api/v2/satisfaction_ratings.json", deeply_nested),
    # Gorgias REST
    Case("gorgias-users-bare-array", "gorgias", "/api/users", bare("data")),
    Case(
        "gorgias-surveys-bare-array",  # documented either way: accepted, and the PAN in it found
        "gorgias",
        "/api/satisfaction-surveys",
        # The stand-in answers the bare array by default (GorgiasAPI.surveys_shape); either way, one more survey.
        lambda body, stand: [
            {"id": 7, "ticket_id": 1, "body_text": f"my card {PAN}"},
            *(body if isinstance(body, list) else body["data"]),
        ],
        "satisfaction-surveys/7",
    ),
    Case(
        "gorgias-messages-no-ids",
        "gorgias",
        "/api/messages",
        without(("id", "ticket_id"), "data", "body_text"),
        "tickets/[?]/messages/[?]",
    ),
    Case("gorgias-me-role-string", "gorgias", "/api/users/0", put("role", "admin")),
    Case("gorgias-tickets-html-200", "gorgias", "/api/tickets", html),
    Case("gorgias-cursor-object", "gorgias", "/api/customers", put("meta", {"next_cursor": {"after": 1}})),
    Case("gorgias-users-data-object", "gorgias", "/api/users", put("data", {"id": 1})),
]


def faults_for(case: Case, stand: Stand) -> sandbox.Faults:
    def rewrite(request: Request, response: Response) -> Response:
        if response.status != 200:
            return response
        if case.operation and f"query {case.operation}" not in request.body.decode(errors="replace"):
            return response
        new = case.rewrite(json.loads(response.body), stand)
        if isinstance(new, Response):
            return new
        return Response(200, json.dumps(new).encode(), response.headers)

    return sandbox.Faults(rewrite=rewrite, paths=(case.path,))


@pytest.mark.parametrize("profile", PROFILES)
def test_a_well_behaved_vendor_passes(stand: Stand, tmp_path: Path, profile: str) -> None:
    # Given no fault, the same harness gives exit 0: the cases below fail because of their shapes alone.
    outcome = audit(stand, profile, tmp_path / "reports")
    assert outcome.code == 0, outcome.stdout[-3000:] + outcome.stderr[-2000:]
    assert not [f for f in outcome.findings if f["status"] == "error"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_shape_ends_in_error_never_green(stand: Stand, tmp_path: Path, case: Case) -> None:
    served = stand.running.listeners["exports"].requests_served
    stand.running.set_faults(case.vendor, faults_for(case, stand))
    try:
        outcome = audit(stand, case.audited_by, tmp_path / "reports")
    finally:
        stand.running.set_faults(case.vendor, sandbox.Faults())
    said = outcome.stdout[-4000:] + outcome.stderr[-3000:]
    # Then: never green, and why is written down.
    assert outcome.code != 0, said
    assert "Traceback" not in outcome.stdout + outcome.stderr, said
    findings = outcome.findings
    errors = [f for f in findings if f["status"] == "error" and f["vendor"] == case.vendor]
    # The connector recognised the shape itself: no bare exception reached a finding.
    for finding in errors:
        assert not re.search(r"stopped on|KeyError|TypeError|AttributeError|JSONDecodeError", finding["message"])
    if case.pan:
        pans = [f for f in findings if f["check_id"] == "payloads_free_of_pans" and f["status"] == "fail"]
        found = [f["resource"] for f in pans if MASKED in f["message"]]
        assert any(fnmatch.fnmatchcase(resource, case.pan) for resource in found), said
        assert outcome.code in (1, 2), said
        assert bool(errors) == (outcome.code == 2), said
    else:
        assert outcome.code == 2, said
        assert errors, said
    for where, data in outcome.every_byte():
        for secret in stand.secrets.values():
            assert secret[:24].encode() not in data, f"credential in {where}"
            assert secret[-24:].encode() not in data, f"credential tail in {where}"
        assert PAN_DIGITS.encode() not in data, f"clear PAN in {where}"
        assert PAN.encode() not in data, f"clear PAN in {where}"
    assert stand.running.listeners["exports"].requests_served == served  # no request left for another origin
