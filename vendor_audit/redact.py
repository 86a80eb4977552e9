"""Masking for everything that leaves the process: secrets vanish, PANs keep at most first 6 and last 4.

Redaction errs towards masking: any 12-19 digit run (with the separators people type) is treated as
a possible PAN here, even where the scanner would not call it one; a masked order id costs nothing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["Redactor", "mask_pan", "mask_pans"]

# A digit, then 11-18 more digits each optionally preceded by one separator run of up to 3 chars.
_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:[ \-./_\u00a0\u2007\u2009\u202f\u200b]{0,3}[0-9]){11,18}(?![0-9])")
_MASK = "*"
_HEAD = 8  # the shortest echo of a secret that is removed: shorter ones would hit ordinary words


def mask_pan(digits: str) -> str:
    """First 6 and last 4 of a 16+ digit PAN (first 4 and last 4 below that), the rest masked."""
    digits = "".join(c for c in digits if c.isdigit())
    keep_head = 6 if len(digits) >= 16 else 4
    return digits[:keep_head] + _MASK * (len(digits) - keep_head - 4) + digits[-4:]


def mask_pans(text: str) -> str:
    return _CANDIDATE.sub(lambda m: mask_pan(m.group()), text)


class Redactor:
    """Removes known secrets (and any 8+ character prefix of them, as APIs echo truncated tokens) and PANs.

    Near-linear in the text and free of recursion for secrets of any length (a JWT is 600+ characters)
    and any number of them: one compiled trie of the 8-character heads finds candidates, then each hit
    is extended to the longest prefix of any secret sharing that head. A pattern nesting one optional
    group per character, as this once did, exceeds the regex compiler's recursion limit from about
    500 characters on.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= _HEAD}, key=len, reverse=True)
        # Grouped by head and sorted, so one bisect finds the secret that shares most with the text.
        self._by_head: dict[str, list[str]] = {}
        for secret in sorted(self._secrets):
            self._by_head.setdefault(secret[:_HEAD], []).append(secret)
        self._heads = re.compile(_trie_pattern(self._by_head)) if self._by_head else None

    def __call__(self, text: str) -> str:
        if self._heads is not None:
            text = self._remove_secrets(text, self._heads)
        return mask_pans(text)

    def _remove_secrets(self, text: str, heads: re.Pattern[str]) -> str:
        out: list[str] = []
        done = 0
        while (found := heads.search(text, done)) is not None:
            start = found.start()
            out += (text[done:start], "[REDACTED]")
            done = start + _longest_echo(text, start, self._by_head[found.group()])
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many words of one length, with shared prefixes factored out.

    A search then tries one branch per distinct next character, not every word at every position,
    and the pattern nests only as deep as the words are long (_HEAD).
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})

    def render(node: dict[str, Any]) -> str:
        if not node:
            return ""
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return render(trie)


def _longest_echo(text: str, start: int, group: list[str]) -> int:
    """The length of the longest prefix of a secret in `group` (sorted, one shared head) at text[start:].

    Galloping then bisecting over prefix lengths, each probe a bisect into the sorted group: the work is
    proportional to the length removed (times logarithms), so a text of repeated heads, or many
    secrets sharing a JWT header, stays near-linear.
    """

    def shared(length: int) -> bool:
        key = text[start : start + length]
        if len(key) < length:
            return False
        at = bisect.bisect_left(group, key)
        return at < len(group) and group[at].startswith(key)

    limit = max(map(len, group))
    good, bad = _HEAD, 0
    while good < limit:
        probe = min(good * 2, limit)
        if not shared(probe):
            bad = probe
            break
        good = probe
    while bad - good > 1:
        middle = (good + bad) // 2
        if shared(middle):
            good = middle
        else:
            bad = middle
    return good
