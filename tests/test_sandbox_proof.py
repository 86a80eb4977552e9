"""Writes only where a sandbox is proven (issue 18): the proof, the write ledger and its undo, segmentation.

Over real sockets, against the stand-ins: started as production accounts answer (`production_like`), a
sandbox-mode profile gets no write at all, counted at the server; as sandboxes answer, each write lands and is
undone. The segmentation check runs on three profile shapes: both accounts named (pass, or fail when one accepts
the other's credential), and one named (manual).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.checks.access_fakes import run
from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.checks.segmentation import test_sandbox_segmented as segmented
from vendor_audit.connectors._base import Session
from vendor_audit.connectors._sandbox_proof import declared_account
from vendor_audit.errors import ProfileError
from vendor_audit.profile import Profile, Vendor, load_profile

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
NOTE = {"ticket": {"comment": {"body": "vendor-audit sandbox proof note", "public": False}}}
ORDER_GID = "gid://shopify/Order/5612000000003"
UPDATE_NOTE = "mutation Note($input: OrderInput!) { orderUpdate(input: $input) { userErrors { message } } }"
GRAPHQL = "/admin/api/2026-10/graphql.json"

_OPEN: list[Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


WRITERS = {
    "gorgias": """
[[vendors.gorgias.credentials]]
name = "agent-oauth"
auth = "oauth"
secret_env = "GORGIAS_AGENT_TOKEN"
allowed_scopes = ["tickets:write"]
""",
    "shopify": """
[[vendors.shopify.credentials]]
name = "notes-app"
auth = "access_token"
secret_env = "SHOPIFY_WRITER_TOKEN"
allowed_scopes = ["write_orders"]
""",
}


def sessions(running: sandbox.RunningSandbox) -> dict[str, Session]:
    """The session that writes, of each vendor of the sandbox's own (sandbox-mode) profile.

    The clean Gorgias API key is an observer's and the clean Shopify app reads only: a credential that may write is
    added to each, as the vendor's second (its writes are undone with it; the proof is asked with the first).
    """
    environ = dict(running.secrets)
    if "gorgias" in running.vendors:
        environ["GORGIAS_AGENT_TOKEN"] = running.gorgias.issue_oauth_token(["tickets:write"], user_id=4)
    if "shopify" in running.vendors:
        environ["SHOPIFY_WRITER_TOKEN"] = running.shopify.issue_token(
            ["read_orders", "read_all_orders", "write_orders"]
        )
    text = running.profile_path.read_text()
    for name, credential in WRITERS.items():
        if name in running.vendors:
            last = text.index("allowed_", text.index(f"[[vendors.{name}.credentials]]"))
            end = text.index("\n", last) + 1
            text = text[:end] + credential + text[end:]
    path = running.run_dir / "writes.toml"
    path.write_text(text)
    profile = load_profile(path)
    found = {}
    for vendor in profile.vendors:
        connector = connectors.open_connector(profile, vendor, environ=environ)
        _OPEN.extend(connector.sessions)
        found[vendor.name] = connector.sessions[-1]
    return found


def served(running: sandbox.RunningSandbox, name: str) -> list[tuple[str, str]]:
    """(method, path) of every request the stand-in `name` answers from now on: counted at the server."""
    seen: list[tuple[str, str]] = []

    def note(request: sandbox.Request, response: sandbox.Response) -> sandbox.Response:
        seen.append((request.method, request.path))
        return response

    running.set_faults(name, sandbox.Faults(rewrite=note))
    return seen


def writes_in(seen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(m, p) for m, p in seen if m not in {"GET", "POST"} or (m == "POST" and not p.endswith("graphql.json"))]


# -- proof before the first write --------------------------------------------------------------------------------


def test_accounts_that_answer_as_production_get_no_write(fresh: StartSandbox) -> None:
    # Given stand-ins that answer as the brand's production accounts, behind the sandbox's own sandbox-mode profile
    running = fresh(scenario="clean", production_like=True)
    found = sessions(running)
    logs = {name: served(running, name) for name in ("shopify", "zendesk", "gorgias")}
    attempts: dict[str, Callable[[], object]] = {
        "zendesk": lambda: found["zendesk"].send("PUT", "/api/v2/tickets/3.json", NOTE),
        "gorgias": lambda: found["gorgias"].send("POST", "/api/tickets/3/messages", {"body_text": "x", "channel": "x"}),
        "shopify": lambda: found["shopify"].answer(
            "POST", GRAPHQL, json={"query": UPDATE_NOTE, "variables": {"input": {"id": ORDER_GID, "note": "x"}}}
        ),
    }
    answered = {
        "zendesk": "asked GET /api/v2/users/me.json (the account its url names), answered account 'brand', not on "
        "sandbox_accounts ['sandboxbrand']",
        "gorgias": "asked GET /api/account (its domain), answered account 'brand', not on sandbox_accounts "
        "['sandbox-brand']",
        "shopify": "answered partnerDevelopment false (plan 'Shopify Plus'): not a development store",
    }
    for name, write in attempts.items():
        # When each vendor is written to twice
        for _ in range(2):
            with pytest.raises(connectors.SandboxUnproven) as refused:
                write()
            message = str(refused.value)
            # Then each write is refused in one line naming the vendor, what was asked and what answered
            assert "\n" not in message
            assert message.startswith(f"{name}: sandbox mode refused ")
            assert answered[name] in message
        # and nothing but the one proof reached the server
        assert writes_in(logs[name]) == [], name
        assert len(logs[name]) == 1, logs[name]
    assert running.zendesk.added_comments == {}
    assert running.gorgias.added_messages == {}
    assert running.shopify.notes == {}
    assert "mutation" not in running.shopify.graphql_operations


def test_a_profile_without_sandbox_accounts_proves_nothing(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="clean", standins=["zendesk"])
    text = running.profile_path.read_text().replace('sandbox_accounts = ["sandboxbrand"]\n', "")
    path = running.run_dir / "no-list.toml"
    path.write_text(text)
    profile = load_profile(path)
    connector = connectors.open_connector(profile, profile.vendors[0], environ=running.secrets)
    _OPEN.extend(connector.sessions)
    with pytest.raises(connectors.SandboxUnproven, match="declares no sandbox_accounts for zendesk"):
        connector.sessions[0].send("PUT", "/api/v2/tickets/3.json", NOTE)
    assert running.zendesk.added_comments == {}


def test_base_url_and_the_vendors_answer_must_name_the_same_declared_account() -> None:
    vendor = Vendor("desk", "zendesk", "https://acme-sandbox.zendesk.com", None, (), sandbox_accounts=("acme-sandbox",))
    assert declared_account(vendor, "acme-sandbox", "zendesk.com")[0]
    assert declared_account(vendor, "ACME-Sandbox", "zendesk.com")[0]  # subdomains are case-insensitive
    proven, answered, _ = declared_account(vendor, "acme", "zendesk.com")
    assert not proven
    assert answered == "account 'acme', but base_url names 'acme-sandbox'"
    elsewhere = Vendor("desk", "zendesk", "https://127.0.0.1:8443", None, (), sandbox_accounts=("acme-sandbox",))
    assert declared_account(elsewhere, "acme-sandbox", "zendesk.com")[0]  # no subdomain in base_url: the answer
    assert not declared_account(elsewhere, None, "zendesk.com")[0]


def test_production_mode_still_refuses_every_write_and_asks_no_proof(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", production_like=True, standins=["zendesk"])
    text = running.profile_path.read_text().replace('mode = "sandbox"', 'mode = "production"')
    path = running.run_dir / "production.toml"
    path.write_text(text)
    profile = load_profile(path)
    connector = connectors.open_connector(profile, profile.vendors[0], environ=running.secrets)
    _OPEN.extend(connector.sessions)
    seen = served(running, "zendesk")
    with pytest.raises(connectors.ReadOnlyViolation, match="production mode refused PUT"):
        connector.sessions[0].send("PUT", "/api/v2/tickets/3.json", NOTE)
    assert seen == []  # refused before anything was sent, the proof included
    assert connectors.prove_sandbox(connector) is None
    assert running.zendesk.added_comments == {}


# -- writes leave no trace ---------------------------------------------------------------------------------------


def test_a_sandbox_gets_its_writes_and_every_one_is_undone(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    found = sessions(running)
    before = running.shopify.order_json(3)["note"]
    # When each vendor is written to
    found["zendesk"].send("PUT", "/api/v2/tickets/3.json", NOTE)
    message = found["gorgias"].send("POST", "/api/tickets/4/messages", {"body_text": "test", "channel": "internal"})
    variables = {"input": {"id": ORDER_GID, "note": "vendor-audit test"}}
    found["shopify"].answer("POST", GRAPHQL, json={"query": UPDATE_NOTE, "variables": variables})
    # Then the writes landed
    assert running.zendesk.added_comments[3][0]["body"] == NOTE["ticket"]["comment"]["body"]
    assert [m["id"] for m in running.gorgias.added_messages[4]] == [message["id"]]
    assert running.shopify.order_json(3)["note"] == "vendor-audit test"
    # and each is listed, with the undo its answer allows
    for session in found.values():
        assert session.ledger is not None
        session.ledger.undo_all()
    listed = {name: s.ledger.as_json() for name, s in found.items() if s.ledger is not None}
    assert {name: [w["result"] for w in writes] for name, writes in listed.items()} == {
        "zendesk": ["undone"],
        "gorgias": ["undone"],
        "shopify": ["undone"],
    }
    zendesk = listed["zendesk"][0]
    comment_id = running.zendesk.added_comments[3][0]["id"]
    assert (zendesk["method"], zendesk["path"], zendesk["status"]) == ("PUT", "/api/v2/tickets/3.json", 200)
    assert zendesk["undo"] == {
        "method": "PUT",
        "path": f"/api/v2/tickets/3/comments/{comment_id}/redact.json",
        "what": "redact the comment's text",
        "status": 200,
    }
    assert zendesk["at"].endswith("+00:00")
    assert listed["gorgias"][0]["undo"]["path"] == f"/api/tickets/4/messages/{message['id']}"
    # The undo reached the stand-ins: the note redacted, the message deleted, the order's note as it was
    assert set(running.zendesk.added_comments[3][0]["body"]) == {"▇"}
    assert running.gorgias.added_messages[4] == []
    assert running.shopify.order_json(3)["note"] == before


def test_a_write_with_no_known_undo_is_listed_as_not_undone(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=["zendesk"])
    session = sessions(running)["zendesk"]
    update = {"ticket": {"status": "solved", "comment": {"body": "closing", "public": False}}}
    session.send("PUT", "/api/v2/tickets/5.json", update)
    refused = session.answer("PUT", "/api/v2/tickets/99999.json", json=NOTE)
    assert refused.status_code == 404
    running.set_faults("zendesk", sandbox.Faults(drop_rate=1.0, paths=("/api/v2/tickets/*",)))
    with pytest.raises(connectors.TransportFailure):
        session.send("PUT", "/api/v2/tickets/6.json", NOTE)  # sent, and no answer came
    assert session.ledger is not None
    session.ledger.undo_all()
    listed = session.ledger.as_json()
    assert [(w["path"], w["status"], w["result"], w["undo"]) for w in listed] == [
        ("/api/v2/tickets/5.json", 200, "not_undone", None),
        ("/api/v2/tickets/99999.json", 404, "nothing_to_undo", None),
        ("/api/v2/tickets/6.json", 0, "not_undone", None),
    ]
    assert "only a comment a ticket update adds" in listed[0]["note"]
    assert "whether it was applied is unknown" in listed[2]["note"]


def test_the_load_test_lists_and_undoes_its_writes(fresh: StartSandbox, tmp_path: Path) -> None:
    running = fresh(scenario="clean")
    runs = tmp_path / "runs"
    args = ["--rate", "8", "--duration", "2", "--warmup", "0", "--vendor", "zendesk", "--report-dir", str(runs)]
    result = subprocess.run(
        [*CLI, "load", str(running.profile_path), *args], capture_output=True, text=True, timeout=240, check=False
    )
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    listed = json.loads((run_dir / "writes.json").read_text())
    notes = [c for comments in running.zendesk.added_comments.values() for c in comments]
    assert notes, result.stdout[-2000:] + result.stderr[-2000:]
    assert len(listed) == len(notes)
    assert {(w["vendor"], w["method"], w["result"]) for w in listed} == {("zendesk", "PUT", "undone")}
    assert all(set(c["body"]) == {"▇"} for c in notes)
    assert json.loads((run_dir / "load.json").read_text())["writes"] == {"undone": len(notes)}
    assert f"writes: {len(notes)} sent in sandbox mode, 0 not undone" in result.stdout


def test_the_load_test_against_production_accounts_writes_nothing_and_exits_2(
    fresh: StartSandbox, tmp_path: Path
) -> None:
    running = fresh(scenario="clean", production_like=True)
    seen = served(running, "zendesk")
    args = ["--rate", "8", "--duration", "2", "--report-dir", str(tmp_path / "runs")]
    result = subprocess.run(
        [*CLI, "load", str(running.profile_path), *args], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("vendor-audit: zendesk: sandbox mode refused the load test's writes")
    assert "answered account 'brand', not on sandbox_accounts ['sandboxbrand']" in line
    assert seen == [("GET", "/api/v2/users/me.json")]  # the proof, and not one write
    assert running.zendesk.added_comments == {}


# -- the profile keys --------------------------------------------------------------------------------------------


PAIRED = """\
version = 1
mode = "sandbox"
ca_file = "ca.pem"

[vendors.desk-sandbox]
type = "zendesk"
base_url = "{sandbox}"
environment = "sandbox"
pairs_with = "desk"
sandbox_accounts = ["sandboxbrand"]

[[vendors.desk-sandbox.credentials]]
name = "sandbox-oauth"
auth = "oauth"
secret_env = "SANDBOX_ZD"
allowed_scopes = ["read"]

[vendors.desk]
type = "zendesk"
base_url = "{production}"
environment = "production"
pairs_with = "desk-sandbox"

[[vendors.desk.credentials]]
name = "production-oauth"
auth = "oauth"
secret_env = "PRODUCTION_ZD"
allowed_scopes = ["read"]
"""


def problems(tmp_path: Path, text: str) -> str:
    (tmp_path / "ca.pem").write_text("")
    path = tmp_path / "audit.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('"sandboxbrand"', '"Sandbox_Brand"'), "vendors.desk-sandbox.sandbox_accounts[0]: expected an account's"),
        (
            ('type = "zendesk"\nbase_url = "{production}"', 'type = "gorgias"\nbase_url = "{production}"'),
            "is a gorgias",
        ),
        (
            ('pairs_with = "desk-sandbox"', 'pairs_with = "nowhere"'),
            "vendors.desk.pairs_with: no other vendor 'nowhere'",
        ),
        (
            ('environment = "production"', 'environment = "sandbox"'),
            "must be the production account: write environment",
        ),
        (('environment = "production"\n', ""), "vendors.desk.pairs_with: say which account this is first"),
    ],
)
def test_profile_keys_are_validated_with_the_key_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = PAIRED.replace(*change).format(sandbox="https://a.zendesk.com", production="https://b.zendesk.com")
    assert expected in problems(tmp_path, text)


def test_sandbox_accounts_on_a_vendor_that_proves_by_its_own_answer_is_refused(tmp_path: Path) -> None:
    text = PAIRED.format(sandbox="https://a.zendesk.com", production="https://b.zendesk.com")
    text += '\n[vendors.shop]\ntype = "shopify"\nbase_url = "https://s.myshopify.com"\nsandbox_accounts = ["s"]\n'
    text += '[[vendors.shop.credentials]]\nname = "app"\nauth = "access_token"\nsecret_env = "SHOP"\n'
    text += 'allowed_scopes = ["read_orders"]\n'
    assert "vendors.shop.sandbox_accounts: shopify proves a sandbox by its own answer" in problems(tmp_path, text)


# -- segmentation as a check -------------------------------------------------------------------------------------


def paired(tmp_path: Path, sandbox_side: sandbox.RunningSandbox, production: sandbox.RunningSandbox) -> Profile:
    (tmp_path / "ca.pem").write_text(sandbox_side.ca_path.read_text() + production.ca_path.read_text())
    path = tmp_path / "audit.toml"
    path.write_text(PAIRED.format(sandbox=sandbox_side.url("zendesk"), production=production.url("zendesk")))
    return load_profile(path)


def judged(profile: Profile, environ: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    findings = run(
        segmented.test_sandbox_segmented,
        segmentation=connectors.probe_segmentation(profile, environ=environ),
        profile=profile,
    )
    return {f.vendor: (f.status.value, f.evidence.get("kind")) for f in findings}


def test_accounts_that_refuse_each_others_credentials_pass(fresh: StartSandbox, tmp_path: Path) -> None:
    sandbox_side = fresh(scenario="clean", standins=["zendesk"])
    production = fresh(scenario="clean", standins=["zendesk"], production_like=True)
    environ = {"SANDBOX_ZD": sandbox_side.zendesk.primary_token, "PRODUCTION_ZD": production.zendesk.primary_token}
    profile = paired(tmp_path, sandbox_side, production)
    findings = run(
        segmented.test_sandbox_segmented,
        segmentation=connectors.probe_segmentation(profile, environ=environ),
        profile=profile,
    )
    assert {f.vendor: f.status.value for f in findings} == {"desk-sandbox": "pass", "desk": "pass"}
    (production_side,) = [f for f in findings if f.vendor == "desk"]
    assert production_side.evidence["attempts"] == [
        {
            "credential": "sandbox-oauth",
            "of": "desk-sandbox",
            "asked": f"GET {production.url('zendesk')}/api/v2/users/me.json",
            "status": 401,
            "outcome": "refused",
        }
    ]
    assert production_side.evidence["same_secret"] == []


def test_a_credential_the_other_account_accepts_or_shares_fails(fresh: StartSandbox, tmp_path: Path) -> None:
    sandbox_side = fresh(scenario="clean", standins=["zendesk"])
    production = fresh(scenario="clean", standins=["zendesk"], production_like=True)
    token = sandbox_side.zendesk.primary_token
    profile = paired(tmp_path, sandbox_side, production)
    # Production also takes the sandbox's token
    production.zendesk.oauth_tokens[token] = production.zendesk.oauth_tokens[production.zendesk.primary_token]
    environ = {"SANDBOX_ZD": token, "PRODUCTION_ZD": production.zendesk.primary_token}
    assert judged(profile, environ) == {"desk-sandbox": ("pass", None), "desk": ("fail", "credential_accepted")}
    # The same secret configured for both environments: found by keyed hash, and never shown
    environ["PRODUCTION_ZD"] = token
    findings = run(
        segmented.test_sandbox_segmented,
        segmentation=connectors.probe_segmentation(profile, environ=environ),
        profile=profile,
    )
    assert {f.vendor: f.status.value for f in findings} == {"desk-sandbox": "fail", "desk": "fail"}
    assert all(f.evidence["same_secret"] == [["sandbox-oauth", "production-oauth"]] for f in findings)
    assert token not in json.dumps([[f.message, f.evidence] for f in findings])


def test_an_account_named_without_its_other_environment_is_manual(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=["zendesk", "gorgias"])
    profile = load_profile(running.profile_path)
    findings = run(
        segmented.test_sandbox_segmented,
        segmentation=connectors.probe_segmentation(profile, environ=running.secrets),
        profile=profile,
    )
    assert {f.vendor: f.status.value for f in findings} == {"zendesk": "manual", "gorgias": "manual"}
    zendesk = next(f for f in findings if f.vendor == "zendesk")
    assert "names only the sandbox account of zendesk" in zendesk.message
    assert 'environment = "production" and pairs_with = "zendesk"' in zendesk.message


def test_an_account_that_cannot_be_asked_is_an_error(fresh: StartSandbox, tmp_path: Path) -> None:
    sandbox_side = fresh(scenario="clean", standins=["zendesk"])
    production = fresh(scenario="clean", standins=["zendesk"], production_like=True)
    profile = paired(tmp_path, sandbox_side, production)
    page = sandbox.Response(404, b"<html><body>No help desk here</body></html>", content_type="text/html")
    production.set_faults("zendesk", sandbox.Faults(rewrite=lambda request, response: page))
    environ = {"SANDBOX_ZD": sandbox_side.zendesk.primary_token, "PRODUCTION_ZD": production.zendesk.primary_token}
    assert judged(profile, environ)["desk"] == ("error", None)
