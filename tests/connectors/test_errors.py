"""Every way a vendor can fail the audit gives one line that says what, where and what to do."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import StartSandbox
from vendor_audit import connectors, sandbox
from vendor_audit.connectors._base import Session
from vendor_audit.profile import load_profile

_OPEN: list[Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def session_for(
    running: sandbox.RunningSandbox,
    vendor: str,
    *,
    environ: dict[str, str] | None = None,
    read_only: bool | None = None,
) -> Session:
    profile = load_profile(running.profile_path)
    if read_only is not None:
        profile = profile.__class__(
            **{**{f: getattr(profile, f) for f in profile.__slots__}, "mode": "production" if read_only else "sandbox"}
        )
    target = next(v for v in profile.vendors if v.name == vendor)
    connector = connectors.open_connector(profile, target, environ=environ or running.secrets)
    _OPEN.extend(connector.sessions)
    return connector.sessions[0]


def test_bad_credential_is_one_line_naming_the_env_var(clean: sandbox.RunningSandbox) -> None:
    session = session_for(clean, "zendesk", environ=clean.secrets | {"VA_ZENDESK_OAUTH_TOKEN": "wrong-token-value"})
    with pytest.raises(connectors.AuthenticationError) as caught:
        session.get("/api/v2/users/me.json")
    message = str(caught.value)
    assert "\n" not in message
    assert "zendesk rejected credential 'bpo-oauth'" in message
    assert "VA_ZENDESK_OAUTH_TOKEN" in message
    assert "wrong-token-value" not in message


def test_unreachable_host_fails_fast_with_advice(clean: sandbox.RunningSandbox, tmp_path: Path) -> None:
    closed_port = "https://127.0.0.1:9"  # discard port: nothing listens
    moved = tmp_path / "audit.toml"
    moved.write_text(clean.profile_path.read_text().replace(clean.url("shopify"), closed_port))
    (tmp_path / "sandbox.env").write_text((clean.run_dir / "sandbox.env").read_text())
    (tmp_path / "ca.pem").write_text(clean.ca_path.read_text())
    profile = load_profile(moved)
    target = next(v for v in profile.vendors if v.name == "shopify")
    session = connectors.open_connector(profile, target, environ=clean.secrets).sessions[0]
    _OPEN.append(session)
    started = time.monotonic()
    with pytest.raises(connectors.TransportFailure) as caught:
        session.get("/admin/api/2026-10/shop.json")
    assert time.monotonic() - started < 3
    assert "cannot connect to 127.0.0.1:9; check base_url" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_expired_certificate_is_refused(fresh: StartSandbox) -> None:
    expired = sandbox.TLSPolicy(not_before_days=-60, not_after_days=-1)
    running = fresh(scenario="clean", tls={"gorgias": expired})
    session = session_for(running, "gorgias")
    with pytest.raises(connectors.TLSFailure) as caught:
        session.get("/api/account")
    assert "certificate has expired" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_untrusted_certificate_is_refused_without_the_ca_file(clean: sandbox.RunningSandbox) -> None:
    client = connectors.build_client(
        base_url=clean.url("shopify"), auth=httpx.Auth(), verify=connectors.trust_context(None)
    )
    vendor = load_profile(clean.profile_path).vendors[0]
    _OPEN.append(Session(vendor, vendor.credentials[0], client))
    with pytest.raises(
        connectors.TLSFailure, match=r"self-signed certificate in certificate chain\); if the vendor uses a private CA"
    ):
        _OPEN[-1].get("/admin/api/2026-10/shop.json")


def test_plain_http_is_refused_in_every_mode() -> None:
    for read_only in (True, False):
        with pytest.raises(connectors.ConnectorError, match="https:// only"):
            connectors.build_client(
                base_url="http://shop.example",
                auth=httpx.Auth(),
                verify=connectors.trust_context(None),
                read_only=read_only,
            )


def test_production_mode_refuses_writes_before_they_leave(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean")
    served_before = running.listeners["zendesk"].requests_served
    session = session_for(running, "zendesk", read_only=True)
    with pytest.raises(connectors.ReadOnlyViolation, match="production mode refused PUT"):
        session.send("PUT", "/api/v2/tickets/3.json", {"ticket": {"comment": {"body": "x", "public": False}}})
    assert running.listeners["zendesk"].requests_served == served_before  # nothing reached the vendor
    assert running.zendesk.added_comments == {}
    # GETs still work in production mode.
    body, _ = session.get("/api/v2/users/me.json")
    assert body["user"]["id"] == 1


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST", "PATCH", "DELETE", "TRACE", "PROPFIND"])
def test_production_mode_is_get_only(fresh: StartSandbox, method: str) -> None:
    # The README's promise is "every non-GET refused": HEAD and OPTIONS too, not only the writes.
    running = fresh(scenario="clean")
    served_before = running.listeners["zendesk"].requests_served
    session = session_for(running, "zendesk", read_only=True)
    with pytest.raises(connectors.ReadOnlyViolation, match=f"production mode refused {method} "):
        session.answer(method, "/api/v2/users/me.json")
    assert running.listeners["zendesk"].requests_served == served_before


def test_sandbox_mode_allows_writes(fresh: StartSandbox) -> None:
    running = fresh(scenario="leaky")  # the leaky token holds "write"
    session = session_for(running, "zendesk", read_only=False)
    session.send("PUT", "/api/v2/tickets/3.json", {"ticket": {"comment": {"body": "test note", "public": False}}})
    assert running.zendesk.added_comments[3][0]["body"] == "test note"


def mock_session(handler: httpx.MockTransport, *, sleep: list[float] | None = None) -> Session:
    from vendor_audit.profile import Credential, Vendor

    credential = Credential("zendesk", "bpo", "oauth", "ZD_TOKEN", None, frozenset(), None, "vendors.zendesk")
    vendor = Vendor("zendesk", "zendesk", "https://vendor.invalid", None, (credential,))
    client = connectors.build_client(
        base_url=vendor.base_url,
        auth=httpx.Auth(),
        verify=connectors.trust_context(None),
        transport=handler,
        sleep=(sleep.append if sleep is not None else lambda s: None),
    )
    _OPEN.append(Session(vendor, credential, client))
    return _OPEN[-1]


def test_html_instead_of_json_is_named() -> None:
    page = b"<html><body><h1>Sign in</h1></body></html>"
    session = mock_session(
        httpx.MockTransport(lambda r: httpx.Response(200, content=page, headers={"content-type": "text/html"}))
    )
    with pytest.raises(connectors.VendorAPIError, match="answered 200 with an HTML page instead of JSON"):
        session.get("/api/v2/users/me.json")


def test_html_502_after_retries_is_a_vendor_error() -> None:
    slept: list[float] = []
    session = mock_session(
        httpx.MockTransport(
            lambda r: httpx.Response(
                502, content=b"<html>502 Bad Gateway</html>", headers={"content-type": "text/html"}
            )
        ),
        sleep=slept,
    )
    with pytest.raises(
        connectors.VendorAPIError, match=re.escape("answered 502 at GET https://vendor.invalid/api/v2/x: an HTML page")
    ):
        session.get("/api/v2/x")
    assert len(slept) == 4  # five attempts, bounded
    assert all(0 <= s <= 8 for s in slept)


def test_malformed_json_is_named() -> None:
    session = mock_session(
        httpx.MockTransport(
            lambda r: httpx.Response(200, content=b'{"users": [', headers={"content-type": "application/json"})
        )
    )
    with pytest.raises(connectors.VendorAPIError, match="non-JSON instead of JSON"):
        session.get("/api/v2/users.json")


def test_truncated_body_is_a_transport_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body", request=request)

    session = mock_session(httpx.MockTransport(handler))
    with pytest.raises(connectors.TransportFailure, match="closed the connection without an answer"):
        session.get("/api/v2/users.json")


def test_error_bodies_of_every_shape_are_quoted() -> None:
    bodies = [
        ({"error": {"title": "Forbidden", "message": "No access"}}, "Forbidden"),
        ({"errors": {"page_info": "Invalid value."}}, "Invalid value."),
        ({"error": {"msg": "Unauthorized."}}, "Unauthorized."),
        ({"error": "invalid_token", "error_description": "expired"}, "invalid_token: expired"),
    ]
    for body, expected in bodies:
        session = mock_session(httpx.MockTransport(lambda r, b=body: httpx.Response(403, json=b)))
        with pytest.raises(connectors.PermissionDenied) as caught:
            session.get("/x")
        assert expected in str(caught.value)


@pytest.mark.parametrize("at", range(270, 300, 3))
def test_a_card_number_crossing_the_quoted_limit_is_never_half_shown(at: int) -> None:
    from vendor_audit.connectors._errors import VendorAPIError, raise_for_answer

    body = {"error": "x" * at + " 4111 1111 1111 1111 and more text " + "y" * 200}
    response = httpx.Response(422, json=body, request=httpx.Request("GET", "https://vendor.example/api/v2/x.json"))
    with pytest.raises(VendorAPIError) as caught:
        raise_for_answer(response, vendor="zendesk", credential="c", secret_env="E")  # noqa: S106 - an env var name
    digits = re.findall(r"\d[\d ]*\d", str(caught.value))
    assert all(len(d.replace(" ", "")) <= 6 for d in digits), str(caught.value)[-200:]


@pytest.mark.parametrize(
    "url", ["https://elsewhere.example/api", "http://vendor.example/api", "https://vendor.example:8443/api"]
)
def test_no_request_carries_the_credential_to_another_origin(url: str) -> None:
    import ssl

    from vendor_audit.connectors._errors import OriginRefused
    from vendor_audit.connectors._http import build_client

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = build_client(
        base_url="https://vendor.example",
        auth=httpx.BasicAuth("agent@example.com", "planted-secret-value"),
        verify=ssl.create_default_context(),
        transport=httpx.MockTransport(answer),
    )
    assert client.get("/api").status_code == 200
    with pytest.raises(OriginRefused, match="not base_url's origin"):
        client.get(url)
    assert [str(r.url) for r in sent] == ["https://vendor.example/api"]  # the refused one never left
