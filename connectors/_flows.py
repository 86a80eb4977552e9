"""Which configured header carries a secret in clear: one rule for every vendor's outbound flows.

A DataFlow keeps the names of the headers (and URL parts) that carry a secret in clear, never their values
(vendor_audit.model.DataFlow). A header counts when its name says it carries a credential (Authorization,
X-Api-Key, anything with token, secret, key, password or auth in it) or its value looks like one (an auth
scheme, a known key prefix, a long random-looking token), so a credential under an innocent name is found too.
Template placeholders ("{{ticket.id}}") are configuration, not secrets. What reads a flow's configuration with
this rule (URLs, header objects, evidence excerpts, times) is connectors/_outbound.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["looks_like_secret_header", "secret_headers"]

_SECRET_NAME = re.compile(r"authori[sz]ation|api[-_]?key|token|secret|key|password|passwd|auth|cookie|signature", re.I)
# Auth schemes, and the prefixes vendors give their keys (Stripe sk_/rk_/pk_, Slack xox., GitHub gh._, Shopify).
_SECRET_VALUE = re.compile(
    r"^(bearer|basic|token)\s+\S+|^(sk|rk|pk)_(live|test)_|^xox[abpr]-|^gh[pousr]_|^shpat_|^shpss_", re.I
)
_RANDOM = re.compile(r"^[A-Za-z0-9+/=_\-.]{24,}$")
_TEMPLATE = re.compile(r"^\s*\{\{.*\}\}\s*$|^\s*\{%.*%\}\s*$")


def _looks_random(value: str) -> bool:
    """A long token mixing letters and digits: what generated credentials look like, unlike words or ids."""
    return bool(_RANDOM.match(value)) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _secret_value(value: str) -> bool:
    text = value.strip()
    return bool(_SECRET_VALUE.search(text)) or _looks_random(text)


def looks_like_secret_header(name: str, value: str | None) -> bool:
    """Whether a header configured with `value` (None or "": the vendor shows none) carries a secret in clear."""
    if not value or not value.strip() or _TEMPLATE.match(value):
        return False  # nothing in clear (the vendor keeps the value to itself), or a placeholder
    return bool(_SECRET_NAME.search(name)) or _secret_value(value)


def secret_headers(headers: Iterable[tuple[str, str | None]]) -> tuple[str, ...]:
    """The names, in order and once each, of the (name, value) headers whose value is a secret in clear."""
    found: list[str] = []
    for name, value in headers:
        if looks_like_secret_header(name, value) and name not in found:
            found.append(name)
    return tuple(found)
