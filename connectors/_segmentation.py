"""Segmentation probes: each account of a sandbox/production pair is handed the other's credentials.

For every pair the profile names (`pairs_with`), each credential of one entry is sent to the other entry's
base_url, reading what the audit reads first of any credential, its own grants (Shopify's app installation scopes,
Zendesk's token or user, Gorgias's current user): the account must refuse it (401 or 403). Deliberately the one
place a credential goes to another base_url than its own, and only to the brand's other account at the same vendor,
which the profile names. Secrets are compared by HMAC-SHA256 under a key made for this call, so the same secret
used in both environments is found without a secret being compared, kept or shown in clear.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from vendor_audit.profile import Profile, Vendor
from vendor_audit.redact import Redactor
from vendor_audit.segmentation import CrossAttempt, Outcome, Segmentation

from ._deadline import Deadline
from ._errors import AuthenticationError, ConnectorError, PermissionDenied
from ._http import Recorder

__all__ = ["probe_segmentation"]


def probe_segmentation(
    profile: Profile, *, environ: Mapping[str, str] | None = None, deadline: Deadline | None = None
) -> list[Segmentation]:
    """Every pair of the profile, each credential tried on the other account; the same secret in both flagged.

    Raises:
        ProfileError: a credential's env var is missing.
    """
    key = secrets.token_bytes(32)  # this call's alone: the digests mean nothing outside it

    def digest(secret: str) -> bytes:
        return hmac.new(key, secret.encode(), hashlib.sha256).digest()

    found = []
    redact = Redactor([profile.secret(c, environ) for v in profile.vendors for c in v.credentials])
    for sandbox, production in profile.segmentation_pairs():
        attempts = [
            *_cross(profile, sandbox, production, environ, deadline, redact),
            *_cross(profile, production, sandbox, environ, deadline, redact),
        ]
        shared = tuple(
            (mine.name, theirs.name)
            for mine in sandbox.credentials
            for theirs in production.credentials
            if hmac.compare_digest(digest(profile.secret(mine, environ)), digest(profile.secret(theirs, environ)))
        )
        found.append(Segmentation(sandbox.name, production.name, tuple(attempts), shared))
    return found


def _cross(
    profile: Profile,
    owner: Vendor,
    target: Vendor,
    environ: Mapping[str, str] | None,
    deadline: Deadline | None,
    redact: Redactor,
) -> list[CrossAttempt]:
    from . import open_connector  # the package's composition of clients, as the collection builds them

    recorder = Recorder(redact, limit=100)
    crossed = dataclasses.replace(owner, base_url=target.base_url)
    connector = open_connector(profile, crossed, recorder=recorder, environ=environ, deadline=deadline)
    read_grants = getattr(connector, "grants", None)
    attempts = []
    try:
        for session in connector.sessions:
            seen = len(recorder.exchanges)
            outcome, status, detail = Outcome.UNKNOWN, None, ""
            if read_grants is None:
                detail = f"the {owner.type} connector reads no grants to try the credential with"
            else:
                try:
                    read_grants(session)
                    outcome, detail = Outcome.ACCEPTED, "the account answered with the credential's grants"
                except AuthenticationError as exc:  # 401: the account does not know the credential
                    outcome, status, detail = Outcome.REFUSED, exc.status, str(exc)
                except PermissionDenied as exc:
                    # 403 is no refusal of the credential: the account may have recognised it and denied only this
                    # endpoint (a token without the scope), or refused the caller's address first (IP restriction).
                    status = exc.status
                    detail = f"answered 403, which does not say whether it knows the credential: {exc}"
                except ConnectorError as exc:
                    status, detail = exc.status, str(exc)
            exchange = recorder.exchanges[seen] if len(recorder.exchanges) > seen else None
            if status is None and exchange is not None:
                status = exchange.status
            asked = f"{exchange.method} {exchange.url.split('?')[0]}" if exchange else "the credential's grants"
            attempts.append(
                CrossAttempt(
                    credential=session.credential.name,
                    owner=owner.name,
                    target=target.name,
                    asked=asked,
                    status=status,
                    outcome=outcome,
                    detail=redact(" ".join(detail.split()))[:300],
                )
            )
    finally:
        for session in connector.sessions:
            session.close()
    return attempts
