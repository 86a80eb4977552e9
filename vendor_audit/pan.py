"""The PAN scanner: card numbers, track data and CVV-labelled values in text and records.

How it decides (shared/reference/cards.md sections 1, 6, 7, 9):
- text is folded first: NFKC (full-width digits), every Unicode decimal digit to ASCII (Arabic-Indic,
  Devanagari), zero-width characters dropped;
- a candidate is a run of digit groups joined by up to three separator characters (space, dash, dot,
  slash, underscore, pipe, line breaks, Unicode spaces); starting at each group, the longest run of
  whole groups that has a card brand's IIN and length and passes Luhn is a PAN, so expiry dates and
  CVVs typed after the number are not swallowed;
- runs that start with "+" (phone numbers) or right after "digits." (decimal fractions) do not start
  a candidate; numbers in fields known to hold ids are skipped in records;
- masked forms (`411111******1111`, `•••• 4242`, Zendesk's `▇`) break the digit run, so they never match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vendor_audit.redact import mask_pan

__all__ = ["Match", "brand_of", "luhn_valid", "scan_record", "scan_text"]

# (brand, prefix ranges as (low, high) over the first n digits, lengths)
_BRANDS: list[tuple[str, list[tuple[str, str]], tuple[int, ...]]] = [
    ("amex", [("34", "34"), ("37", "37")], (15,)),
    ("visa", [("4", "4")], (13, 16, 19)),
    ("mir", [("2200", "2204")], (16, 17, 18, 19)),
    ("mastercard", [("51", "55"), ("2221", "2720")], (16,)),
    ("discover", [("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")], (16, 17, 18, 19)),
    ("jcb", [("3528", "3589")], (16, 17, 18, 19)),
    ("diners", [("300", "305"), ("36", "36"), ("38", "39")], (14, 15, 16, 17, 18, 19)),
    ("unionpay", [("62", "62"), ("81", "81")], (16, 17, 18, 19)),
    ("maestro", [("50", "50"), ("56", "69")], tuple(range(12, 20))),
]
_SEPARATORS = (
    " \t\r\n-./_|\\\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_RUN = re.compile(r"[0-9](?:[" + re.escape(_SEPARATORS) + r"]{0,3}[0-9])*")
_TRACK1 = re.compile(r"%B([0-9]{12,19})\^[^^]{2,26}\^[0-9]{4}")
_TRACK2 = re.compile(r";([0-9]{12,19})=[0-9]{4}")
_CVV = re.compile(r"(?i)\b(?:cvv2?|cvc2?|cid|csc|card security code|security code)\b[\s:#=.-]{0,4}([0-9]{3,4})\b")
ID_FIELD = re.compile(r"(?i)(^|_)(id|ids|number|order_number|sku|barcode|reference)$|Id$")


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # pan, track_data, cvv
    brand: str | None
    masked: str  # first 6 and last 4 at most
    start: int  # offset in the folded text
    digits: str  # clear digits: for in-process comparison only, never to be written out

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "brand": self.brand, "masked": self.masked, "offset": self.start}


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str | None:
    """The card brand whose IIN range and length fit, or None."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            if low <= digits[: len(low)] <= high:
                return brand
    return None


def fold(text: str) -> str:
    """NFKC, every decimal digit as ASCII, zero-width characters removed (offsets refer to this text)."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c for c in text
    )


def _groups(run: str, offset: int) -> list[tuple[str, int, str]]:
    """(digits, start offset, separator before it) for each digit group of a run."""
    groups: list[tuple[str, int, str]] = []
    for match in re.finditer(r"[0-9]+", run):
        separator = run[groups[-1][1] - offset + len(groups[-1][0]) : match.start()] if groups else ""
        groups.append((match.group(), offset + match.start(), separator))
    return groups


def _pans_in_run(text: str, run: re.Match[str]) -> Iterator[Match]:
    if run.start() > 0 and text[run.start() - 1] == "+":
        return  # phone numbers; Zendesk's redaction skips them too
    groups = _groups(run.group(), run.start())
    i = 0
    while i < len(groups):
        digits, start, separator = groups[i]
        if i > 0 and separator == "." and len(groups[i - 1][0]) <= 3 and len(digits) >= 5:
            i += 1  # the fraction of a decimal number (0.4532015112830366)
            continue
        best: tuple[int, str, str] | None = None
        joined = ""
        for j in range(i, len(groups)):
            joined += groups[j][0]
            if len(joined) > 19:
                break
            if len(joined) >= 12:
                brand = brand_of(joined)
                if brand and luhn_valid(joined):
                    best = (j, joined, brand)
        if best is None:
            i += 1
            continue
        j, pan, brand = best
        yield Match("pan", brand, mask_pan(pan), start, pan)
        i = j + 1


def scan_text(text: str) -> list[Match]:
    """Every PAN, track data and CVV-labelled value in `text`."""
    folded = fold(text)
    found: list[Match] = []
    taken: set[int] = set()
    for pattern in (_TRACK1, _TRACK2):
        for match in pattern.finditer(folded):
            pan = match.group(1)
            if luhn_valid(pan):
                found.append(Match("track_data", brand_of(pan), mask_pan(pan), match.start(), pan))
                taken.add(match.start(1))
    for run in _RUN.finditer(folded):
        found.extend(m for m in _pans_in_run(folded, run) if m.start not in taken)
    for match in _CVV.finditer(folded):
        found.append(Match("cvv", None, "***", match.start(1), match.group(1)))
    return sorted(found, key=lambda m: m.start)


def scan_record(record: Any, pointer: str = "") -> Iterator[tuple[str, Match]]:
    """(JSON pointer, match) for every string and number of a parsed JSON record, skipping id fields."""
    if isinstance(record, Mapping):
        for key, value in record.items():
            if ID_FIELD.search(str(key)) and isinstance(value, int | str) and not isinstance(value, bool):
                if isinstance(value, int) or str(value).isdigit():
                    continue
            yield from scan_record(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(record, list):
        for index, value in enumerate(record):
            yield from scan_record(value, f"{pointer}/{index}")
    elif isinstance(record, str):
        for match in scan_text(record):
            yield pointer, match
    elif isinstance(record, int) and not isinstance(record, bool) and record >= 10**11:
        for match in scan_text(str(record)):
            yield pointer, match


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
