"""Masking for everything that leaves the process: secrets vanish, PANs keep at most first 6 and last 4.

Redaction errs towards masking: any 12-19 digit run (with the separators people type) is treated as
a possible PAN here, even where the scanner would not call it one; a masked order id costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["Redactor", "mask_pan", "mask_pans"]

# A digit, then 11-18 more digits each optionally preceded by one separator run of up to 3 chars.
_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:[ \-./_\u00a0\u2007\u2009\u202f\u200b]{0,3}[0-9]){11,18}(?![0-9])")
_MASK = "*"


def mask_pan(digits: str) -> str:
    """First 6 and last 4 of a 16+ digit PAN (first 4 and last 4 below that), the rest masked."""
    digits = "".join(c for c in digits if c.isdigit())
    keep_head = 6 if len(digits) >= 16 else 4
    return digits[:keep_head] + _MASK * (len(digits) - keep_head - 4) + digits[-4:]


def mask_pans(text: str) -> str:
    return _CANDIDATE.sub(lambda m: mask_pan(m.group()), text)


class Redactor:
    """Removes known secrets (and any 8+ character prefix of them, as APIs echo truncated tokens) and PANs."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)
        parts = [
            re.escape(s[:8]) + "".join(f"(?:{re.escape(c)}" for c in s[8:]) + ")?" * (len(s) - 8) for s in self._secrets
        ]
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub("[REDACTED]", text)
        return mask_pans(text)
