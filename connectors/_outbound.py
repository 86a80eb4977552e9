"""Outbound flows as Shopify and Gorgias configure them, read without keeping the secrets the configuration holds.

A webhook's or an HTTP integration's configuration often carries a credential of the receiving system in clear
(an `X-Api-Key` header, `?token=` in the URL). The snapshot keeps where the data goes and the *names* of what
carries a secret (DataFlow.secret_headers), never a value: a report is read by more people than the vendor's
admin page. Which header counts as a secret is `_flows.secret_headers`, one rule for every vendor.

    names = header_secrets(http_headers, where)      # ("X-Api-Key",); a value of another type is a shape error
    url, in_url = safe_destination(raw_url)          # query secrets [REDACTED], user:password@ dropped
    text = scrub_configured_secrets(excerpt)          # an evidence excerpt without "X-Api-Key": "sk_live_..."
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._flows import looks_like_secret_header, secret_headers
from ._shape import describe, unexpected

__all__ = ["header_secrets", "parse_time", "printable_name", "safe_destination", "scrub_configured_secrets"]

NAME_LIMIT = 100
UNNAMED = "[a name that looks like a secret]"
REDACTED = "[REDACTED]"
UNPARSABLE = "[a destination that does not parse as a URL]"


def printable_name(name: str) -> str:
    """A name as a report may show it: printable, bounded, and not itself a pasted token."""
    if looks_like_secret_header("", name):  # the value rule, applied to the name
        return UNNAMED
    return "".join(c if c.isprintable() else "?" for c in name)[:NAME_LIMIT]


def header_secrets(headers: dict[str, Any], where: str) -> tuple[str, ...]:
    """The names of the configured headers whose value is (or looks like) a secret; the values are not kept.

    A value that is neither text nor a number is a shape error: a header the audit cannot read could be one.
    """
    pairs: list[tuple[str, str | None]] = []
    for name, value in headers.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise unexpected(where, "header values to be text", describe(value))
        pairs.append((name, None if value is None else str(value)))
    return tuple(sorted({printable_name(name) for name in secret_headers(pairs)}))


def safe_destination(url: str) -> tuple[str, tuple[str, ...]]:
    """The URL with what carries a secret removed, and the names of what did ("?api_key", "URL user:password@").

    A destination reaches every report (the flows inventory is PCI DSS 12.8.1 evidence), so a password before
    the host is dropped and a query value that is (or is named like) a secret becomes [REDACTED]; templates such
    as `{{ticket.customer.email}}` stay, they are what the vendor fills in at send time.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is no port, as the checks would later
    except ValueError:  # not a URL: nothing of it is shown, and the checks say it does not parse
        return UNPARSABLE, ()
    names: list[str] = []
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        if ":" in userinfo or looks_like_secret_header("", userinfo):
            names.append("URL user:password@")
    # Many webhook URLs are their own credential: Slack's /services/T.../B.../<secret>, Discord's
    # /api/webhooks/<id>/<token>, Zapier's catch hooks. A path segment that looks generated is shown redacted.
    segments = parts.path.split("/")
    path = "/".join(REDACTED if _generated(segment) else segment for segment in segments)
    if path != parts.path:
        names.append("URL path")
    query = parts.query
    if query:
        pairs, hidden = [], []
        for key, value in parse_qsl(query, keep_blank_values=True):
            if looks_like_secret_header(key, value) or (not value and looks_like_secret_header("", key)):
                hidden.append(f"?{printable_name(key)}")
                key, value = (key, REDACTED) if value else (REDACTED, "")
            pairs.append((key, value))
        if hidden:  # re-encoded only then: otherwise the URL stays exactly as the vendor shows it
            query = urlencode(pairs, safe="{}[]|:/")
            names += hidden
    fragment = parts.fragment
    if fragment and not fragment.startswith("{{"):  # a fragment is never sent: what one holds is for a browser
        fragment = REDACTED
        names.append("URL #fragment")
    return urlunsplit((parts.scheme, netloc, path, query, fragment)), tuple(names)


def _generated(segment: str) -> bool:
    """A path segment that reads as a generated credential: long, letters and digits mixed, not a template."""
    return len(segment) >= 16 and not segment.startswith("{{") and looks_like_secret_header("", segment)


def parse_time(value: Any, where: str, key: str) -> dt.datetime | None:
    """A vendor timestamp as an aware datetime (naive ones are UTC); null or absent is None; else a shape error.

    `datetime.fromisoformat` (Python 3.11+) reads every form these vendors answer: Gorgias's naive
    `2019-04-13T03:27:56.973873`, `+00:00` and `+0000` (vendor-apis.md 3.5), Shopify's `-05:00` and GraphQL's `Z`.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise unexpected(where, f"'{key}' to be an ISO 8601 time", describe(value))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise unexpected(where, f"'{key}' to be an ISO 8601 time", "text that is not one") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# A JSON member `"name": "value"` of a response body (the value possibly cut off by an excerpt's end).
_MEMBER = re.compile(r'"((?:[^"\\]|\\.){1,200})"\s*:\s*"((?:[^"\\]|\\.)*)("|$)')


def scrub_configured_secrets(text: str) -> str:
    """A response excerpt with the third-party secrets a vendor's configuration shows replaced by [REDACTED].

    The run's own credentials are the Redactor's business; this covers what only the vendor's answer holds: a
    webhook's or an HTTP integration's `"X-Api-Key": "sk_live_..."`, which an evidence excerpt of that answer
    would otherwise carry into the bundle. A pagination cursor (opaque base64) is what the audit followed: kept.
    """

    def scrub(found: re.Match[str]) -> str:
        name, value, end = found.group(1), found.group(2), found.group(3)
        if "cursor" in name.lower() or name.lower() in ("next", "prev", "next_page", "previous_page", "after_url"):
            return found.group(0)  # a page link the audit followed, on the vendor's own origin
        if looks_like_secret_header(name, value):
            return f'"{name}": "{REDACTED}{end}'
        unescaped = value.replace("\\/", "/")  # JSON may escape the slashes
        if "://" in unescaped:  # a destination: its userinfo, secret query values, generated path segments, fragment
            shown = safe_destination(unescaped)[0]
            return found.group(0) if shown == unescaped else f'"{name}": "{shown}{end}'
        return found.group(0)

    def scrub_pair(found: re.Match[str]) -> str:  # {"name": "Authorization", "value": "..."}: a header as a pair
        if looks_like_secret_header(found.group(2), found.group(3)):
            return f"{found.group(1)}{REDACTED}"  # the closing quote is the lookahead's: it stays
        return found.group(0)

    return _MEMBER.sub(scrub, _PAIR.sub(scrub_pair, text))


# {"name"|"key"|"header": X, "value": Y}, the list form of headers some vendors configure.
_PAIR = re.compile(
    r'("(?:name|key|header)"\s*:\s*"((?:[^"\\]|\\.){1,200})"\s*,\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)(?=("|$))'
)
