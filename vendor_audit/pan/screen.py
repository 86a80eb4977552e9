r"""The NDJSON fast path: a screen in C over chunks of whole lines, the full scanner on the lines it passes.

The screen is a necessary condition of the full scanner: a line it drops is a line on which
`scan_record` (of the parsed line) would find nothing. It passes a line for:
- a run of 12+ digits and separators with a window that has a brand, a length and Luhn, and whose
  best possible score reaches the threshold (a JSON number in an id field cannot: it is decided here);
- the marks of an encoding (URL, HTML, `\u` escapes of digits and separators, base64, non-ASCII) or of
  track data and CVV labels;
- two values that could be parts of one split number (digit groups at the end of one, at the start
  or the whole of a later one), neither in an id, count, money, time or phone field.
tests/test_pan.py proves the condition on both corpora: the screen never drops a line the full
scanner flags.
"""

from __future__ import annotations

import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import BinaryIO

import orjson

from vendor_audit.pan.cards import FIRST_DIGITS, TEST_CARDS, gtin_valid, pan_of, pan_windows
from vendor_audit.pan.evidence import ISSUED_LENGTHS, THRESHOLD, WEIGHTS, field_kind
from vendor_audit.pan.scanner import Match, scan_record, scan_text

__all__ = ["scan_line", "scan_ndjson"]

# Shapes for the chunk-level screen: digits and separators as "0", base64 letters as "b".
# The screen also lets n, r and t join a run: a JSON-escaped line break or tab ("1111\\n2222") splits
# digit groups as a real one does; ">" is a mail quote after a line break. Letters only cost a closer look.
_SCREEN_SEPARATORS = b" \t\r\n-./_|\\>nrt"
_DIGIT_SHAPE = bytes.maketrans(b"0123456789" + _SCREEN_SEPARATORS, b"0" * (10 + len(_SCREEN_SEPARATORS)))
_DIGIT_SHAPE = bytes(c if c == ord("0") else ord("x") for c in bytes(range(256)).translate(_DIGIT_SHAPE))
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_SHAPE = bytes(ord("b") if c in _B64_ALPHABET else ord(" ") for c in range(256))


def _escapable() -> str:
    """The hex of every BMP character the scanner folds to a digit, a separator or nothing."""
    codes = []
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unicodedata.decimal(char, None) is not None or char.isspace() or unicodedata.category(char) == "Cf":
            codes.append(f"{code:04x}")
        elif (folded := unicodedata.normalize("NFKC", char)) and (folded.isdigit() or folded in " -./_|"):
            codes.append(f"{code:04x}")
    codes += ["0020", "002d", "002e", "002f", "005f", "007c", "005c"] + [f"003{d}" for d in range(10)]
    codes += ["d835", "d83c"]  # surrogates of mathematical and enclosed digits (NFKC folds them)
    return "|".join(sorted(set(codes)))


_ESCAPED_DIGIT = re.compile(rb"(?i)\\u(?:" + _escapable().encode() + rb")")
# Marks that send a line to the full scanner. Every pattern starts with a literal, so the regex
# engine skips through a chunk at memchr speed; the rarer ones only run when their first byte occurs.
_ALWAYS = [
    re.compile(rb"&(?:#|nbsp;)"),  # HTML entities
    re.compile(rb"</"),  # HTML tags between digit groups
]
_IF_PRESENT = [
    (b"\\u", _ESCAPED_DIGIT),
    (b"%", re.compile(rb"%(?:3[0-9]|2[0-9a-fA-F]|25|B[0-9])")),  # URL-encoded digits and separators; track 1
    (b";", re.compile(rb";[0-9]{12}")),  # track 2
    (b"+", re.compile(rb"[0-9]\+[0-9]")),  # "+" for a space in a URL query
]
_LABELS = [re.compile(rb"cv[vc]"), re.compile(rb"security code"), re.compile(rb"\bc[is][dc]\b")]  # lower-cased


def _marked(chunk: bytes) -> Iterator[int]:
    """Offsets in `chunk` of everything that needs the full scanner beyond long digit runs and splits."""
    for pattern in _ALWAYS:
        yield from (m.start() for m in pattern.finditer(chunk))
    for first, pattern in _IF_PRESENT:
        if first in chunk:
            yield from (m.start() for m in pattern.finditer(chunk))
    lowered = chunk.lower()
    for pattern in _LABELS:
        yield from (m.start() for m in pattern.finditer(lowered))
    if not chunk.isascii():
        yield from (m.start() for m in re.finditer(rb"[\x80-\xff]+", chunk))


def _key_before(chunk: bytes, value_start: int) -> tuple[bool, str | None]:
    """(known, key) of the JSON value starting at `value_start`: the member name, or None for an array item.

    Not known when the bytes before it do not read as `"key":` or `,` / `[` (an escaped quote, a cut).
    """
    at = value_start - 1
    while at >= 0 and chunk[at] in b" \t":
        at -= 1
    if at < 0:
        return False, None
    if chunk[at] in b",[":
        return True, None
    if chunk[at] != ord(":"):
        return False, None
    at -= 1
    while at >= 0 and chunk[at] in b" \t":
        at -= 1
    if at < 1 or chunk[at] != ord('"'):
        return False, None
    start = chunk.rfind(b'"', max(0, at - 100), at)
    if start == -1 or chunk[start - 1 : start] == b"\\":
        return False, None
    return True, chunk[start + 1 : at].decode("utf-8", errors="replace")


_DIGIT_GROUP_BYTES = re.compile(rb"[0-9]+")
_NUMBER_END = frozenset(b",}] \t\r\n")


def _run_may_hold_pan(chunk: bytes, at: int, end: int) -> bool:
    """Whether the screen run chunk[at:end] could hold a PAN the scanner reports: the best score it could get."""
    run = chunk[at:end]
    groups = _DIGIT_GROUP_BYTES.findall(run)
    if sum(map(len, groups)) < 12:
        return False
    texts = [g.decode() for g in groups]
    if len(groups) == 1 and (end == len(chunk) or chunk[end] in _NUMBER_END) and chunk[at - 1 : at] != b'"':
        # A bare JSON number: no words, no grouping, only its field can weigh (scan_record reads it so).
        known, key = _key_before(chunk, at)
        if known:
            brand = pan_of(texts[0])
            if not brand:
                return False
            score = WEIGHTS["luhn_brand"]
            score += WEIGHTS["issued_length"] if len(texts[0]) in ISSUED_LENGTHS.get(brand, ()) else 0
            score += WEIGHTS["gtin_check"] if len(texts[0]) <= 14 and gtin_valid(texts[0]) else 0
            score += WEIGHTS["published_test_card"] if texts[0] in TEST_CARDS else 0
            kind = field_kind(key)
            score += WEIGHTS[kind] if kind else 0
            return score >= THRESHOLD
    return any(first[0] in _FIRST_DIGITS and pan_windows(texts, i) for i, first in enumerate(groups))


_FIRST_DIGITS = frozenset(ord(d) for d in FIRST_DIGITS)

# Split-number sites. A value of digit groups alone (not money: "19.99"), digit groups at a value's end,
# and digit groups at a value's start (not an ISO date-time: "2026-01-05T08:00").
_SITE_SEPARATOR = rb"(?:[ .\-/_|>]|\\[nrt\\]|\\u[0-9a-fA-F]{4})"
_SPACE = rb"(?:\s|\\[nrt])"
_WHOLE_SITE = re.compile(rb'"' + _SPACE + rb"*'?[0-9]+(?:" + _SITE_SEPARATOR + rb"{1,8}[0-9]+)*" + _SPACE + rb'*"')
_MONEY = re.compile(rb'"-?[0-9]{1,12}\.[0-9]{1,2}"')
_TAIL_SITE = re.compile(rb"(?<![0-9+])[0-9](?:" + _SITE_SEPARATOR + rb"{0,8}[0-9]){3,}+(?:[ .,;:!?)]|\\[nrt]){0,3}\"")
_HEAD_SITE = re.compile(rb'"' + _SPACE + rb"*[0-9](?:" + _SITE_SEPARATOR + rb"{0,8}[0-9]){3,}+(?!(?:T|\s)[0-9]{2}:)")


def _joinable(chunk: bytes, quote: int) -> bool:
    known, key = _key_before(chunk, quote)
    return not known or field_kind(key) != "id_field"


def _split_sites(chunk: bytes, starts: list[int]) -> set[int]:
    """Lines of `chunk` with two values that could hold the parts of one split number, in order."""
    ends: dict[int, int] = {}  # line -> offset of the first value that could start a chain
    lines: set[int] = set()

    def line_of(offset: int) -> int:
        return bisect_right(starts, offset) - 1

    sites: list[tuple[int, str, int]] = []  # (offset, role, quote offset)
    for match in _WHOLE_SITE.finditer(chunk):
        if not _MONEY.fullmatch(match.group()):
            sites.append((match.start(), "whole", match.start()))
    for match in _TAIL_SITE.finditer(chunk):
        quote = chunk.rfind(b'"', max(0, match.start() - 4096), match.start())
        sites.append((match.start(), "tail", quote))
    for match in _HEAD_SITE.finditer(chunk):
        sites.append((match.start(), "head", match.start()))
    sites.sort()
    for offset, role, quote in sites:
        if quote < 0 or not _joinable(chunk, quote):
            continue
        line = line_of(offset)
        if line in lines:
            continue
        if role in ("whole", "head") and line in ends and ends[line] < offset:
            lines.add(line)
        if role in ("whole", "tail"):
            ends.setdefault(line, offset)
    return lines


def scan_ndjson(handle: BinaryIO, chunk_size: int = 1 << 22) -> Iterator[tuple[int, str, Match]]:
    """(line number, JSON pointer, match) over an NDJSON stream, in chunks of whole lines.

    Memory is one chunk; time is mostly the screen's.
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
        interesting = _split_sites(chunk, starts)
        shape = chunk.translate(_DIGIT_SHAPE)
        at = shape.find(b"0" * 12)
        while at != -1:
            end = shape.find(b"x", at)  # past this run: the next find starts after it
            end = end if end != -1 else len(shape)
            if chunk[at - 1 : at] != b"+" and _run_may_hold_pan(chunk, at, end):
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
            if not line.strip():
                continue
            for pointer, match in scan_json_line(line):
                yield line_base + index + 1, pointer, match
        line_base += len(starts) - (1 if chunk.endswith(b"\n") else 0)
        if not block:
            return


def _looks_base64(token: bytes) -> bool:
    """Base64 of text mixes cases; tracking numbers, hex digests and long words do not."""
    return token.upper() != token and token.lower() != token and any(c in b"0123456789+/" for c in token)


def scan_json_line(line: bytes) -> Iterator[tuple[str, Match]]:
    """Findings in one NDJSON line without the screen: the parsed record, or the text when it is not JSON."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        for match in scan_text(line.decode("utf-8", errors="replace")):
            yield "", match
        return
    yield from scan_record(record)


def scan_line(line: bytes) -> Iterator[tuple[str, Match]]:
    """Findings in one NDJSON line, by the same screen as `scan_ndjson`."""
    for _, pointer, match in scan_ndjson(io.BytesIO(line)):
        yield pointer, match
