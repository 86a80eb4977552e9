"""What the segmentation check reads: each sandbox/production pair, asked to refuse the other's credential.

PCI DSS v4.0 6.5.3 asks that pre-production be separated from production with access controls; the simplest
proof an audit can make is to hand each account the other's credential and watch it be refused. The connectors
make the attempts (`connectors.probe_segmentation`); this module holds their vendor-neutral result, which names
credentials, never holds a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CrossAttempt", "Outcome", "Segmentation"]


class Outcome(StrEnum):
    """How an account answered another account's credential."""

    REFUSED = "refused"  # 401 or 403: the account does not accept it
    ACCEPTED = "accepted"  # a 2xx: the credential works on the other environment
    UNKNOWN = "unknown"  # no answer that says either (unreachable, 5xx, 429, a shape the connector did not expect)


@dataclass(frozen=True, slots=True)
class CrossAttempt:
    """One credential of one account, sent to the other account of the pair.

    Attributes:
        credential: the credential's name in the profile.
        owner: the vendor entry the credential belongs to.
        target: the vendor entry whose account was asked.
        asked: method and path of the request (no query, no secret).
        status: the HTTP status answered, None when nothing was.
        outcome: how the account answered.
        detail: one redacted line: the vendor's answer, or why none came.
    """

    credential: str
    owner: str
    target: str
    asked: str
    status: int | None
    outcome: Outcome
    detail: str


@dataclass(frozen=True, slots=True)
class Segmentation:
    """One pair of the profile: the sandbox and production entries of one vendor, and what each answered.

    Attributes:
        sandbox: the sandbox entry's name.
        production: the production entry's name.
        attempts: every credential of each entry, sent to the other.
        shared: (sandbox credential, production credential) name pairs holding the same secret, found by comparing
            keyed hashes (HMAC-SHA256 under a key made for the run), never the secrets.
    """

    sandbox: str
    production: str
    attempts: tuple[CrossAttempt, ...]
    shared: tuple[tuple[str, str], ...]
