"""The connector error tree; `raise_for_answer()`, `map_transport_errors()`, `_shape` and `_deadline` build it.

    ConnectorError
     ├── AuthenticationError      401: the vendor rejected the credential
     ├── PermissionDenied         403: missing scope or role
     ├── RateLimitedError         429 beyond what retries and pacing absorb
     ├── VendorAPIError           other 4xx/5xx, or an answer that is not the JSON the API promises
     │    └── UnexpectedShape     2xx, but not JSON, or JSON not shaped as the vendor documents (_shape.py)
     ├── ReadOnlyViolation        production mode refused a write before it left the process
     ├── SandboxUnproven          sandbox mode refused a write: the vendor's answer proves no sandbox (_sandbox_proof)
     ├── OriginRefused            a request for another origin than base_url's, refused before it left
     └── TransportFailure         unreachable, timed out, dropped
          ├── TLSFailure          certificate untrusted, expired, wrong host; handshake refused
          └── DeadlineExceeded    no complete answer by the request's, the vendor's or the run's deadline

Messages say what happened, where, and what to do; they never contain a secret (URLs carry none:
credentials travel in headers) and never echo a response body beyond the vendor's error text.
"""

from __future__ import annotations

import base64
import contextlib
import ssl
from collections.abc import Iterator
from typing import Any

import httpx

from vendor_audit.redact import Redactor

__all__ = [
    "AuthenticationError",
    "ConnectorError",
    "DeadlineExceeded",
    "OriginRefused",
    "PermissionDenied",
    "RateLimitedError",
    "ReadOnlyViolation",
    "TLSFailure",
    "TransportFailure",
    "UnexpectedShape",
    "VendorAPIError",
    "map_transport_errors",
    "raise_for_answer",
]


class ConnectorError(Exception):
    kind = "connector"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationError(ConnectorError):
    kind = "authentication"


class PermissionDenied(ConnectorError):
    kind = "permission"


class RateLimitedError(ConnectorError):
    kind = "rate_limited"


class VendorAPIError(ConnectorError):
    kind = "vendor_api"


class UnexpectedShape(VendorAPIError):
    """A successful answer the connector cannot translate: HTML, or JSON of another shape.

    Vendors change shapes (a list enveloped in one version, bare in another) and proxies answer 200
    with login pages; either way the audit learned nothing and must say so, never guess.
    """

    kind = "unexpected_shape"


class ReadOnlyViolation(ConnectorError):
    kind = "read_only"


class OriginRefused(ConnectorError):
    """The credential goes to its vendor's base_url origin only: a request elsewhere is never sent."""

    kind = "origin"


class TransportFailure(ConnectorError):
    kind = "transport"


class TLSFailure(TransportFailure):
    kind = "tls"


class DeadlineExceeded(TransportFailure):
    """A deadline passed: never retried, since a vendor that took this long would take as long again."""

    kind = "deadline"


def _where(request: httpx.Request) -> str:
    return f"{request.method} {request.url.copy_with(query=None)}"


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@contextlib.contextmanager
def map_transport_errors(request: httpx.Request) -> Iterator[None]:
    """Turn httpx's transport exceptions into TransportFailure / TLSFailure with advice."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransportFailure(
            f"{_where(request)}: timed out; check the vendor's status page or raise the timeout"
        ) from exc
    except (httpx.ConnectError, httpx.ReadError, httpx.WriteError) as exc:
        cause = _ssl_cause(exc)
        host = request.url.host
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or "verification failed"
            raise TLSFailure(
                f"{_where(request)}: TLS certificate of {host} refused ({reason}); if the vendor uses a private CA, "
                "point ca_file in the profile at it"
            ) from exc
        if cause is not None:
            raise TLSFailure(
                f"{_where(request)}: TLS handshake with {host} failed ({cause.reason or cause.__class__.__name__})"
            ) from exc
        if isinstance(exc, httpx.ConnectError):
            raise TransportFailure(
                f"{_where(request)}: cannot connect to {host}:{request.url.port or 443}; check base_url in the "
                "profile and that the vendor is reachable from here"
            ) from exc
        raise TransportFailure(f"{_where(request)}: the connection broke while reading the answer") from exc
    except httpx.RemoteProtocolError as exc:
        raise TransportFailure(f"{_where(request)}: the vendor closed the connection without an answer") from exc


_SAID_LIMIT = 300
# Text is cut this far past the limit before it is redacted, and to the limit after: a card number or a secret
# that crosses the limit is whole when the redactor sees it, so no clear head of one survives the cut.
_REDACT_WINDOW = _SAID_LIMIT + 200


def _vendor_message(body: Any, depth: int = 0) -> str:
    """The vendor's own error text, whatever its shape (string, list, object; vendor-apis.md 1.8, 2.8, 3.8)."""
    if depth > 3:  # real error bodies nest two levels; deeper is noise (or a hostile body)
        return "..."
    if isinstance(body, dict):
        for key in ("errors", "error", "description", "message", "msg", "title"):
            if key in body:
                inner = body[key]
                if isinstance(inner, dict):
                    named = [str(inner[k]) for k in ("title", "message", "msg", "description") if k in inner]
                    return ": ".join(named) or ", ".join(f"{k}: {v}" for k, v in inner.items())
                text = _vendor_message(inner, depth + 1) if isinstance(inner, list) else str(inner)[:_REDACT_WINDOW]
                if key == "error" and "description" in body:
                    text += f": {body['description']}"
                elif key == "error" and "error_description" in body:
                    text += f": {body['error_description']}"
                return text
    if isinstance(body, list):
        return "; ".join(_vendor_message(item, depth + 1) if not isinstance(item, str) else item for item in body[:10])
    return str(body)[:_REDACT_WINDOW] if body is not None else ""


def _credentials_sent(request: httpx.Request) -> list[str]:
    """The secrets the request carried in its headers: a token, a Basic pair and its encoding."""
    found: list[str] = []
    for name in _CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if not value:
            continue
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "basic" and rest:
            found.append(rest)
            with contextlib.suppress(ValueError):
                pair = base64.b64decode(rest, validate=True).decode()
                found += [pair, pair.partition(":")[2]]
        elif scheme.lower() == "bearer" and rest:
            found.append(rest)
        found.append(value)
    return found


_CREDENTIAL_HEADERS = ("authorization", "x-shopify-access-token")


def raise_for_answer(response: httpx.Response, *, vendor: str, credential: str, secret_env: str) -> Any:
    """The parsed JSON of a successful answer; otherwise the ConnectorError that says why not."""
    request = response.request
    where = _where(request)
    content_type = response.headers.get("content-type", "")
    body: Any = None
    parse_failed = False
    try:
        body = response.json()
    except (ValueError, RecursionError):  # HTML error pages, text/plain 429s, truncated or absurdly nested bodies
        parse_failed = True
    status = response.status_code
    if status < 400 and not parse_failed and "json" in content_type:
        return body  # what the vendor said is only read to be quoted in an error (a Redactor costs about 1 ms)
    said = _vendor_message(body) if not parse_failed else response.text[:_REDACT_WINDOW].strip()
    # A vendor (or whatever answers in its place) may echo the credential it was sent: never quote it.
    said = Redactor(_credentials_sent(request))(said)
    if len(said) > _SAID_LIMIT:  # the vendor's words, not a dump of whatever it sent
        said = said[: _SAID_LIMIT - 3] + "..."
    if parse_failed and "html" in content_type:
        said = "an HTML page"
    if status == 401:
        raise AuthenticationError(
            f"{vendor} rejected credential '{credential}' ({where}: 401 {said}); check that {secret_env} holds a "
            "current secret for this account",
            status=status,
        )
    if status == 403:
        raise PermissionDenied(
            f"{vendor} refused credential '{credential}' ({where}: 403 {said}); grant the scope or role it names, "
            "or accept that this part of the audit cannot be checked",
            status=status,
        )
    if status == 429:
        raise RateLimitedError(
            f"{vendor} kept answering 429 at {where} ({said}); lower the audit's concurrency or retry later",
            status=status,
        )
    if status >= 400:
        raise VendorAPIError(f"{vendor} answered {status} at {where}: {said or 'no error text'}", status=status)
    if parse_failed or "json" not in content_type:
        shown = "an HTML page" if "html" in content_type or response.text.lstrip().startswith("<") else "non-JSON"
        raise UnexpectedShape(
            f"{vendor} answered {status} with {shown} instead of JSON at {where}; check base_url (a proxy or login "
            "page may be answering)",
            status=status,
        )
    return body
