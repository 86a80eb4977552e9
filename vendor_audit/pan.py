r"""The PAN scanner: card numbers, track data and CVV-labelled values in text, records and files.

How it decides (shared/reference/cards.md sections 1, 6, 7, 9):
- text is folded first: NFKC (full-width digits), every Unicode decimal digit to ASCII (Arabic-Indic,
  Devanagari), zero-width characters dropped; then scanned as it is and, where it carries the marks
  of an encoding, decoded as well: URL-encoding (also double), HTML entities and tags, JSON `\u`
  escapes, base64 tokens;
- a candidate is a run of digit groups joined by up to three separator characters (space, dash, dot,
  slash, underscore, pipe, line breaks, Unicode spaces); starting at each group, the longest run of
  whole groups that has a card brand's IIN and length and passes Luhn is a PAN, so expiry dates and
  CVVs typed after the number are not swallowed;
- quiet on purpose: runs after "+" (phones) or "digits." (decimal fractions), runs inside hex
  hashes, numbers right after an id word ("order #", "tracking", "ref"), windows in the middle of
  long uniformly grouped references (tracking numbers, IBANs), numbers in id-named JSON fields;
  masked forms (`411111******1111`, `•••• 4242`, Zendesk's `▇`) break the digit run;
- a number split over adjacent JSON fields, array items, CSV columns or consecutive chat messages
  is joined when each part is a short all-digit fragment and the whole is a valid PAN.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any, BinaryIO
from urllib.parse import unquote_plus

import orjson

__all__ = [
    "FragmentJoiner",
    "Match",
    "brand_of",
    "luhn_valid",
    "mask_pan",
    "scan_line",
    "scan_ndjson",
    "scan_record",
    "scan_text",
]


def mask_pan(digits: str) -> str:
    """First 6 and last 4 of a 16+ digit PAN (first 4 and last 4 below that), the rest masked.

    Here rather than in vendor_audit.redact, which reads this module's brand table and Luhn check.
    """
    digits = "".join(c for c in digits if c.isdigit())
    keep_head = 6 if len(digits) >= 16 else 4
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


# (brand, prefix ranges as (low, high) over the first len(low) digits, lengths)
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
_RUN = re.compile(r"[0-9](?:[" + re.escape(_SEPARATORS) + r"]{0,3}[0-9]){11,}")  # 12 digits or more
_TRACK1 = re.compile(r"%B([0-9]{12,19})\^[^^]{2,26}\^[0-9]{4}")
_TRACK2 = re.compile(r";([0-9]{12,19})=[0-9]{4}")
_CVV = re.compile(r"(?i)\b(?:cvv2?|cvc2?|cid|csc|card security code|security code)\b[\s:#=.-]{0,4}([0-9]{3,4})\b")
_ID_WORDS = re.compile(
    r"(?i)(?:\b(?:order|ticket|invoice|tracking|shipment|parcel|sku|barcode|ean|upc|gtin|ref|reference|id|"
    r"account|iban|phone|tel)\b[\s:.#-]*(?:no\.?|number|nr\.?|#)?[\s:#.-]*|#\s*)$"
)
_GLUED_COUNTRY = re.compile(r"(?:^|[^A-Za-z])[A-Z]{2}$")  # "DE89...": an IBAN's country code, glued
_IBAN_HEAD = re.compile(r"(?:^|[^A-Za-z])[A-Z]{2}[0-9]{2}[ ]?$")  # "DE89 3704 ...": a country code and check digits
ID_FIELD = re.compile(r"(?i)(^|_)(id|ids|number|order_number|sku|barcode|reference)$|Id$")
_FRAGMENT = re.compile(r"^\s*'?[0-9]{1,8}(?:[ \-.][0-9]{1,8}){0,2}\s*$")  # one part of a split number
_URL_MARK = re.compile(r"%[0-9A-Fa-f]{2}|[0-9]\+[0-9]")
_HTML_MARK = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|<[a-zA-Z/][^>]{0,200}>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([nrtbf/\\\"])")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_TAG = re.compile(r"<[^>]{0,200}>")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"'}
_QUOTED_FRAGMENT = re.compile(rb'"[0-9]{1,8}(?:[ .-][0-9]{1,8}){0,2}"')


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # pan, track_data, cvv
    brand: str | None
    masked: str  # first 6 and last 4 at most
    start: int  # offset in the (folded, possibly decoded) text
    digits: str  # clear digits: for in-process comparison only, never to be written out
    via: str | None = None  # the encoding it was found under: url, html, json_escape, base64, split

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "brand": self.brand, "masked": self.masked, "offset": self.start, "via": self.via}


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


_BY_FIRST_DIGIT = {d: [b for b in _BRANDS if any(low[0] <= d <= high[0] for low, high in b[1])] for d in "0123456789"}


def brand_of(digits: str) -> str | None:
    """The card brand whose IIN range and length fit, or None."""
    for brand, ranges, lengths in _BY_FIRST_DIGIT.get(digits[:1], ()):
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            if low <= digits[: len(low)] <= high:
                return brand
    return None


def pan_of(digits: str) -> str | None:
    """The brand if `digits` is a PAN (IIN, length, Luhn), else None."""
    if not 12 <= len(digits) <= 19:
        return None
    brand = brand_of(digits)
    return brand if brand and luhn_valid(digits) else None


def longest_pan(groups: list[str], start: int, min_parts: int = 1) -> tuple[int, str, str] | None:
    """(last group index, PAN, brand) of the longest run of whole groups from `start` that is a PAN.

    Longest first, so expiry dates and CVVs typed after a number are not part of it, and a 19-digit
    number is not reported as its 16-digit head.
    """
    best = None
    joined = ""
    for j in range(start, len(groups)):
        joined += groups[j]
        if len(joined) > 19:
            break
        brand = pan_of(joined) if j - start + 1 >= min_parts else None
        if brand:
            best = (j, joined, brand)
    return best


def fold(text: str) -> str:
    """NFKC, every decimal digit as ASCII, zero-width characters removed (offsets refer to this text)."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c for c in text
    )


_DIGIT_GROUP = re.compile(r"[0-9]+")


def _groups(run: str, offset: int) -> list[tuple[str, int]]:
    """(digits, start offset) of each digit group of a run."""
    return [(m.group(), offset + m.start()) for m in _DIGIT_GROUP.finditer(run)]


def _in_hash(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] sits inside a long hex token with letters on both sides (a digest, a key)."""
    left = start
    while left > 0 and text[left - 1] in "0123456789abcdefABCDEF":
        left -= 1
    right = end
    while right < len(text) and text[right] in "0123456789abcdefABCDEF":
        right += 1
    if right - left < 24:
        return False
    return any(c.isalpha() for c in text[left:start]) and any(c.isalpha() for c in text[end:right])


def _pans_in_run(text: str, run: re.Match[str]) -> Iterator[Match]:
    if run.start() > 0 and text[run.start() - 1] == "+":
        return  # a phone number; Zendesk's redaction skips "+" too
    groups = _groups(run.group(), run.start())
    digit_groups = [g[0] for g in groups]
    # Uniformly grouped references (tracking numbers, account numbers) are read from their start only.
    uniform = len(groups) >= 4 and len({len(g[0]) for g in groups[:-1]}) == 1 and len(groups[0][0]) >= 3
    run_context: bool | None = None  # decided once, and only if a candidate turns up
    i = 0
    while i < len(groups):
        digits, start = groups[i]
        decimal = (
            text[start - 1] == "."
            and len(groups[i - 1][0]) <= 3
            and groups[i - 1][1] + len(groups[i - 1][0]) == start - 1
        )
        if i > 0 and (uniform or (decimal and len(digits) >= 5)):
            i += 1  # inside a uniform reference, or the fraction of a decimal number (0.4532015112830366)
            continue
        best = longest_pan(digit_groups, i)
        if best is None:
            i += 1
            continue
        if run_context is None:
            before_run = text[max(0, run.start() - 30) : run.start()]
            run_context = bool(_ID_WORDS.search(before_run) or _GLUED_COUNTRY.search(before_run))  # an id, an IBAN
        if run_context:
            return
        j, pan, brand = best
        end = groups[j][1] + len(groups[j][0])
        before = text[max(0, start - 30) : start]
        if not (_ID_WORDS.search(before) or _IBAN_HEAD.search(before) or _in_hash(text, start, end)):
            yield Match("pan", brand, mask_pan(pan), start, pan)
        i = j + 1


def _scan_view(text: str, via: str | None) -> list[Match]:
    found: list[Match] = []
    taken: set[int] = set()
    if "%B" in text or ";" in text:  # cheap substring gates before the track-data patterns
        for pattern in (_TRACK1, _TRACK2):
            for match in pattern.finditer(text):
                pan = match.group(1)
                if luhn_valid(pan):
                    found.append(Match("track_data", brand_of(pan), mask_pan(pan), match.start(), pan, via))
                    taken.add(match.start(1))
    for run in _RUN.finditer(text):
        found.extend(replace(m, via=via) for m in _pans_in_run(text, run) if m.start not in taken)
    lowered = text.lower()
    if any(word in lowered for word in ("cvv", "cvc", "cid", "csc", "security code")):
        for match in _CVV.finditer(text):
            found.append(Match("cvv", None, "***", match.start(1), match.group(1), via))
    return found


def _decoded_views(text: str) -> Iterator[tuple[str, str]]:
    """(encoding, decoded text) for every encoding the text shows the marks of."""
    if ("%" in text or "+" in text) and _URL_MARK.search(text):
        decoded = text
        for _ in range(3):  # double and triple encoding
            step = unquote_plus(decoded)
            if step == decoded:
                break
            decoded = step
        yield "url", decoded
    if ("&" in text or "<" in text) and _HTML_MARK.search(text):
        yield "html", html.unescape(_TAG.sub(" ", text))
    if "\\" in text and _JSON_ESCAPE.search(text):
        yield (
            "json_escape",
            _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else _ESCAPES[m.group(2)], text),
        )
    for token in _BASE64.finditer(text):
        raw = token.group()
        if not _looks_base64(raw.encode()):
            continue
        try:
            data = base64.b64decode(
                raw + "=" * (-len(raw) % 4), altchars=b"-_" if "-" in raw or "_" in raw else None, validate=True
            )
            decoded = data.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if sum(c.isprintable() or c.isspace() for c in decoded) >= 0.9 * len(decoded) and any(
            c.isdigit() for c in decoded
        ):
            yield "base64", decoded


def scan_text(text: str) -> list[Match]:
    """Every PAN, track data and CVV-labelled value in `text`, as written or under an encoding."""
    folded = fold(text)
    found = _scan_view(folded, None)
    seen = {(m.kind, m.digits) for m in found}
    for via, decoded in _decoded_views(folded):
        for match in _scan_view(fold(decoded), via):
            if (match.kind, match.digits) not in seen:
                seen.add((match.kind, match.digits))
                found.append(match)
    return sorted(found, key=lambda m: m.start)


class FragmentJoiner:
    """Joins a number split over consecutive short all-digit values: fields, items, columns, chat messages.

    Fragments are held until the chain breaks (a value that is not a fragment) or `flush()`, then the
    longest valid PANs of two or more parts are taken from the start: a 19-digit number split in
    five is not reported as its 12-digit head.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[str, str]] = []  # (digits, where)

    def feed(self, value: str, where: str) -> list[Match]:
        """Add the next value; the PANs of a chain this value ends."""
        if _FRAGMENT.match(value):
            self._parts.append(("".join(c for c in value if c.isdigit()), where))
            return []
        return self.flush()

    def flush(self) -> list[Match]:
        parts, self._parts = self._parts, []
        found: list[Match] = []
        i = 0
        while i < len(parts) - 1:
            best = longest_pan([p for p, _ in parts], i, min_parts=2)
            if best is None:
                i += 1
                continue
            j, pan, brand = best
            found.append(Match("pan", brand, mask_pan(pan), 0, pan, f"split over {parts[i][1]}..{parts[j][1]}"))
            i = j + 1
        return found

    def reset(self) -> None:
        self._parts.clear()


def scan_record(record: Any, pointer: str = "") -> Iterator[tuple[str, Match]]:
    """(JSON pointer, match) for every string and number of a parsed record.

    Id-named fields are skipped; numbers split over sibling values are joined.
    """
    if isinstance(record, Mapping | list):
        joiner = FragmentJoiner()
        items = record.items() if isinstance(record, Mapping) else enumerate(record)
        for key, value in items:
            child = f"{pointer}/{_escape(str(key))}"
            if isinstance(key, str) and ID_FIELD.search(key) and _is_number(value):
                yield from ((pointer, m) for m in joiner.flush())
                continue
            if isinstance(value, str | int) and not isinstance(value, bool):
                yield from ((child, m) for m in joiner.feed(str(value), child))
            else:
                yield from ((pointer, m) for m in joiner.flush())
            yield from scan_record(value, child)
        yield from ((pointer, m) for m in joiner.flush())
    elif isinstance(record, str):
        for match in scan_text(record):
            yield pointer, match
    elif isinstance(record, int) and not isinstance(record, bool) and record >= 10**11:
        for match in scan_text(str(record)):
            yield pointer, match


def _is_number(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def scan_line(line: bytes) -> Iterator[tuple[str, Match]]:
    """Findings in one NDJSON line, by the same screen as `scan_ndjson`."""
    for _, pointer, match in scan_ndjson(io.BytesIO(line)):
        yield pointer, match


# Shapes for the chunk-level screen: digits and separators as "0", base64 letters as "b".
_SEPARATOR_BYTES = b" \t\r\n-./_|\\"
# The screen also lets n, r and t join a run: a JSON-escaped line break or tab ("1111\\n2222") splits
# digit groups as a real one does. Letters in the screen only cost a closer look.
_SCREEN_SEPARATORS = _SEPARATOR_BYTES + b"nrt"
_DIGIT_SHAPE = bytes.maketrans(b"0123456789" + _SCREEN_SEPARATORS, b"0" * (10 + len(_SCREEN_SEPARATORS)))
_DIGIT_SHAPE = bytes(c if c == ord("0") else ord("x") for c in bytes(range(256)).translate(_DIGIT_SHAPE))
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_SHAPE = bytes(ord("b") if c in _B64_ALPHABET else ord(" ") for c in range(256))
# Marks that send a line to the full scanner. Every pattern starts with a literal, so the regex
# engine skips through a chunk at memchr speed; the rarer ones only run when their first byte occurs.
_ALWAYS = [
    re.compile(rb"&(?:#|nbsp;)"),  # HTML entities
    re.compile(rb"</"),  # HTML tags between digit groups
    re.compile(rb'"[0-9][0-9 .-]{0,26}"'),  # an all-digit string: part of a split number? (checked per line)
]
_IF_PRESENT = [
    (
        b"\\u",
        re.compile(
            rb"\\u(?:003[0-9]|00[aA]0|20[0-6][0-9a-fA-F]|3000|[fF][eE][fF][fF]|[fF][fF]1[0-9]|"
            rb"06[6fF][0-9]|09[6eE][6-9a-fA-F])"
        ),
    ),  # JSON-escaped digits, spaces, zero-width
    (b"%", re.compile(rb"%(?:3[0-9]|2[0-9a-fA-F]|25|B[0-9])")),  # URL-encoded digits and separators; track 1
    (b";", re.compile(rb";[0-9]{12}")),  # track 2
    (b"+", re.compile(rb"\+[0-9]")),  # "+" for a space in a URL query (checked: a digit before it)
]
_LABELS = [re.compile(rb"cv[vc]"), re.compile(rb"security code")]  # on the lower-cased chunk


def _marked(chunk: bytes) -> Iterator[int]:
    """Offsets in `chunk` of everything that needs the full scanner beyond long digit runs."""
    for pattern in _ALWAYS:
        yield from (m.start() for m in pattern.finditer(chunk))
    for first, pattern in _IF_PRESENT:
        if first in chunk:
            for match in pattern.finditer(chunk):
                if first != b"+" or chunk[match.start() - 1 : match.start()].isdigit():
                    yield match.start()
    lowered = chunk.lower()
    for pattern in _LABELS:
        yield from (m.start() for m in pattern.finditer(lowered))
    if not chunk.isascii():
        yield from (m.start() for m in re.finditer(rb"[\x80-\xff]+", chunk))


def scan_ndjson(handle: BinaryIO, chunk_size: int = 1 << 22) -> Iterator[tuple[int, str, Match]]:
    """(line number, JSON pointer, match) over an NDJSON stream, in chunks of whole lines.

    A chunk is screened in C first (bytes.translate and find): only lines with a long run of digits,
    an encoding's marks, a long base64 token or a short all-digit string are looked at in Python, so
    memory is one chunk and time is mostly the screen's.
    """
    line_base = 0
    tail = b""
    while True:
        block = handle.read(chunk_size)
        if not block and not tail:
            return
        chunk = tail + block
        if block:
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                tail = chunk
                continue
            chunk, tail = chunk[:cut], chunk[cut:]
        else:
            tail = b""
        starts = list(accumulate(map(len, chunk.splitlines(keepends=True)), initial=0))
        # lines a long digit run or a mark asks the full scanner to read
        interesting: set[int] = set()
        shape = chunk.translate(_DIGIT_SHAPE)
        at = shape.find(b"0" * 12)
        while at != -1:
            end = shape.find(b"x", at)  # past this run: the next find starts after it
            end = end if end != -1 else len(shape)
            if chunk[at - 1 : at] != b"+" and _run_may_hold_pan(chunk[at:end]):
                interesting.add(bisect_right(starts, at) - 1)
            at = shape.find(b"0" * 12, end)
        for offset in _marked(chunk):
            interesting.add(bisect_right(starts, offset) - 1)
        base64_shape = chunk.translate(_B64_SHAPE)
        at = base64_shape.find(b"b" * 16)
        while at != -1:
            end = base64_shape.find(b" ", at)
            if _looks_base64(chunk[at : end if end != -1 else len(chunk)]):
                interesting.add(bisect_right(starts, at) - 1)
            at = base64_shape.find(b"b" * 16, end if end != -1 else len(base64_shape))
        for index in sorted(interesting):
            line = chunk[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(chunk)]
            if not line:
                continue
            for pointer, match in _scan_line_text(line):
                yield line_base + index + 1, pointer, match
        line_base += len(starts) - (1 if chunk.endswith(b"\n") else 0)
        if not block:
            return


def _looks_base64(token: bytes) -> bool:
    """Base64 of text mixes cases; tracking numbers, hex digests and long words do not."""
    return token.upper() != token and token.lower() != token and any(c in b"0123456789+/" for c in token)


_FIRST_DIGITS = frozenset(b"234568")  # the first digit of every brand's IIN


def _run_may_hold_pan(run: bytes) -> bool:
    """A cheap necessary condition: some whole-group window of the run is a PAN, by any grouping.

    The screen's runs are looser than the scanner's (more separators join them), so this checks
    every start and no context: whatever the scanner would report, this lets through.
    """
    groups = _DIGIT_GROUP_BYTES.findall(run)
    if sum(map(len, groups)) < 12:
        return False
    texts = [g.decode() for g in groups]
    return any(first[0] in _FIRST_DIGITS and longest_pan(texts, i) for i, first in enumerate(groups))


_DIGIT_GROUP_BYTES = re.compile(rb"[0-9]+")


def _scan_line_text(line: bytes) -> Iterator[tuple[str, Match]]:
    text = line.decode("utf-8", errors="replace")
    if not _QUOTED_FRAGMENT.search(line) and not scan_text(text):
        return
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        for match in scan_text(text):
            yield "", match
        return
    yield from scan_record(record)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
