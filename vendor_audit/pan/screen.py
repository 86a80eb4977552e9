r"""The NDJSON fast path: a screen over chunks of whole lines, the full scanner on the lines it passes.

The screen is a necessary condition of the full scanner: a line it drops is a line on which
`scan_record` of the parsed line would find nothing. One Hyperscan pass over a chunk reports
- runs of 12+ digits joined by separators (also HTML tags, `&nbsp;`, URL-encoded and JSON-escaped
  separators between them), except bare JSON numbers of `*_id` / `id` members;
- the marks of what the scanner decodes or labels: digits as HTML entities, URL escapes or `\u`
  escapes, non-ASCII digits and separators, base64 tokens, track data, CVV labels;
- values that could be parts of a number split over values: digit groups alone, at a value's start
  or at its end (as the scanner's Joiner takes them).
Python then weighs only what was reported: a run needs a window with a brand, a length and Luhn, and
a best possible score that reaches the threshold (a JSON number is decided exactly: only its field
weighs); parts need a chain with such a window across two values.

Why Hyperscan: real exports are dense with 13-digit ids, timestamps and phone numbers, so a screen
written with `re` or `bytes.find` spends its time visiting digits in Python (about 10-30 MiB/s on such
data); Hyperscan matches all patterns in one pass in C and calls back only on candidates.
`benchmarks/pan_speed.py` measures it. tests/test_pan.py proves on both corpora that the screen never
drops a line the full scanner flags.
"""

from __future__ import annotations

import ctypes
import io
import json
import multiprocessing
import os
import re
import signal
import stat
import sys
import threading
import unicodedata
from bisect import bisect_right
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from itertools import accumulate, chain
from typing import Any, BinaryIO

import hyperscan
import orjson

from vendor_audit.pan.cards import FIRST_DIGITS, TEST_CARDS, gtin_valid, pan_of, pan_windows
from vendor_audit.pan.evidence import ISSUED_LENGTHS, THRESHOLD, WEIGHTS, card_words_near, field_kind, joins
from vendor_audit.pan.scanner import MAX_DEPTH, MIN_EDGE_DIGITS, Match, decode_base64, scan_record, scan_text

__all__ = ["PARALLEL_AFTER", "default_jobs", "scan_json_line", "scan_line", "scan_ndjson"]

KINDS = range(8)  # of the screen's matches
RUN, MARK, ENTITY, BASE64, WHOLE, HEAD, TAIL, GLOBAL_ID = KINDS

# Digit groups joined by up to three separator bytes: the scanner's separators, "+" (a space in a URL query),
# ">" (a mail quote after a line break) and the letters of JSON escapes (n, r, t, backslash) taken loosely.
# Separators spelled as escapes (`\u00a0`, `%20`, `&nbsp;`), HTML tags and long indented line breaks
# between digits are marks instead: patterns with them inside a run are too large or too slow.
_SEP = rb"[ \t\r\-./_|>+\\nrt]"
_GAP = _SEP + rb"{0,6}"  # three separators, escaped ("\\n\\t") or not
_RUN_BACKWARDS = re.compile(rb"[0-9](?:" + _GAP + rb"[0-9])*")  # the same run, read from its end
_ESCAPED_SEPARATOR = (
    rb"[0-9][ \t\-./_|>+]{0,2}(?:\\u(?:000[9aAdD]|0020|002[dDeEfF]|005[cCfF]|007[cC]|00[aA]0|00[aA][dD]|1680|"
    rb"180[eE]|20[0-6][0-9a-fA-F]|202[fF]|205[fF]|3000|[fF][eE][fF][fF])|%(?:25)*(?:09|0[aAdD]|2[0bBdDeEfF]|5[cCfF]|"
    rb"7[cC]))"
)
_LONG_BREAK = (  # one line break or two, any indentation around them (scanner._JOIN)
    rb"[0-9](?:[ \t>]|\\t)*(?:\\r\\n|\\n|\\r)(?:[ \t>]|\\t)*(?:(?:\\r\\n|\\n|\\r)(?:[ \t>]|\\t)*)?[0-9]"
)
_DIGIT_WORD = rb"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_SPELLED = rb"\b" + _DIGIT_WORD + rb"(?:[ ,.\-]{1,5}" + _DIGIT_WORD + rb"){7,}\b"  # caseless: scanner._SPELLED_RUN
# A digit at a line's end, and a transcript's next line ("(04:37:12 AM) Visitor 7573: 9939"): scanner._CHAT_PREFIX.
_TRANSCRIPT_BREAK = rb"[0-9][ \t.,;]{0,3}(?:\\r)?\\n[ \t]*[(\[]?[0-9]{1,2}:[0-9]{2}[^\\\n]{0,60}: ?[0-9]"
_NOT_AN_ID_NUMBER = rb'(?:[^:0-9]|[^"]:|[^d]":|[^i]d":|[^_"]id":)'
_VALUE_END = rb'"[ \t]*[,}\]]'
_SPACE = rb"(?:[ \t\r\f\v]|\\[nrtf]|<[^<>\n]*>)"  # HTML tags around a chat message's digits: "<p>4111</p>"
_PART_SEP = rb"(?:[ \t\r\-./_|>]|\\[nrt\\]|\\u[0-9a-fA-F]{4})"
_PART_JOIN = _PART_SEP + rb"{1,8}"
_NOT_DOT = rb"(?:[ \t\r\-/_|>]|\\[nrt\\]|\\u[0-9a-fA-F]{4})"
# Groups with some separator other than one dot: two dots or more, or anything but a dot.
_PART_NOT_ONE_DOT = (
    rb"[0-9]+(?:" + _PART_JOIN + rb"[0-9]+)*(?:" + _PART_SEP + rb"{0,7}" + _NOT_DOT + _PART_SEP + rb"{0,7}|"
    rb"\.[0-9]+\.)[0-9]+(?:" + _PART_JOIN + rb"[0-9]+)*"
)
# After the last digit of a value's first digit groups: not more groups, not a time (":", "T08").
# After the last digit of a value's first digit groups, a space or punctuation (the scanner's _HEAD).
_HEAD_END = rb"(?:[ \t\r,;!?)]|\.[^0-9]|\\[nrt])"  # a dot before a digit is a separator: the head goes on


def _not_after(suffixes: Iterable[bytes]) -> bytes:
    """A pattern of the bytes before a position that do not end with any of `suffixes` (Hyperscan has no lookbehind).

    Read backwards: a byte that continues no suffix, or a byte that continues some, then recursively the rest.
    _NOT_AN_ID_NUMBER is one such pattern, written out.
    """
    reversed_suffixes = {suffix[::-1] for suffix in suffixes}

    def alternatives(read: bytes) -> list[bytes]:
        longer = [s for s in reversed_suffixes if s.startswith(read) and len(s) > len(read)]
        nexts = sorted({s[len(read)] for s in longer})
        before = re.escape(read[::-1])
        continuing = b"".join(re.escape(bytes([c])) for c in nexts)
        found = [(b"[^" + continuing + b"]" if continuing else rb"[\x00-\xff]") + before]
        for c in nexts:
            if read + bytes([c]) not in reversed_suffixes:  # else a whole suffix: not accepted
                found += alternatives(read + bytes([c]))
        return found

    return b"(?:" + b"|".join(alternatives(b"")) + b")"


# Member names, as compact JSON writes them ("zip": or "billing_zip":), whose values the scanner never joins into
# a split number (evidence.joins): their values are not split sites. The common ones of real exports, each kept only
# if evidence.joins says so for it and for any name ending in "_" and it.
_NEVER_JOINED = ("zip", "phone", "ip", "address", "address1", "address2", "latitude", "longitude", "price", "id")
# Names of id fields: a value of digits alone in one cannot reach THRESHOLD (no words, no grouping; checked below).
_ID_NAMES = ("id", "barcode", "sku", "gid", "uuid", "ean", "upc", "gtin", "isbn", "imei", "serial", "token", "hash")


def _member_suffixes(names: Iterable[str]) -> list[bytes]:
    return [quote + name.encode() + b'":' for name in names for quote in (b'"', b"_")]


def _escapable() -> list[str]:
    """Every BMP character but ASCII the scanner folds to a digit (fullwidth, Arabic-Indic, circled ...)."""
    return [
        chr(code)
        for code in range(0x80, 0x10000)
        if not 0xD800 <= code < 0xE000
        and (
            unicodedata.decimal(chr(code), None) is not None
            or any(c.isdigit() for c in unicodedata.normalize("NFKC", chr(code)))
        )
    ]


def _separators() -> list[str]:
    """Every non-ASCII character the scanner reads as a separator, or drops (zero-width, soft hyphen)."""
    return [chr(c) for c in range(0x80, 0x10000) if chr(c).isspace() or unicodedata.category(chr(c)) == "Cf"]


def _database() -> Any:
    """The screen's Hyperscan database: compiled on first use (about 0.3 s), or the one a worker was given."""
    return _LOADED[0] if _LOADED else _compiled()


@cache
def _compiled() -> Any:
    digits = _escapable()
    specials = digits + _separators()
    not_joined = _not_after(_member_suffixes(n for n in _NEVER_JOINED if not joins(n) and not joins(f"x_{n}")))
    # The best a value of digits alone in an id field can score: a brand, its length, a published test number.
    best_in_id_field = WEIGHTS["luhn_brand"] + WEIGHTS["issued_length"] + WEIGHTS["published_test_card"]
    id_names = [n for n in _ID_NAMES if field_kind(n) == field_kind(f"x_{n}") == "id_field"]
    if best_in_id_field + WEIGHTS["id_field"] >= THRESHOLD:
        id_names = []
    not_an_id_value = _not_after(_member_suffixes(id_names)) + rb'"'
    patterns: list[tuple[int, bytes]] = [
        # A run of digits alone can only be a card from its start, which must be a brand's first digit (not
        # timestamps, not most ids); a run with separators, from any group: every length of its first group.
        # Nor after a word and "/": a URL path's or a gid's id weighs url_path, more than any card could gain.
        # Nor a whole value of an id field ("barcode":"3762594813714"): it cannot reach THRESHOLD.
        (RUN, _NOT_AN_ID_NUMBER.replace(b"[^:0-9]", b'[^:0-9/"]|[^A-Za-z]/') + rb"[2-68][0-9]{11,}[^0-9]"),
        (RUN, not_an_id_value + rb"[2-68][0-9]{11,}[^0-9]"),
        (RUN, rb'"[2-68][0-9]{11,}[^0-9"]'),
        *(
            (
                RUN,
                _NOT_AN_ID_NUMBER
                + b"[0-9]{%d}" % first
                + _SEP
                + rb"{1,6}(?:[0-9]"
                + _GAP
                + b"){%d,}[0-9][^0-9]" % (11 - first),
            )
            for first in range(1, 12)
        ),
        (ENTITY, rb"&#[xX]?[0-9a-fA-F]{1,7};"),  # which ones spell a digit or a separator is decided after
        (
            MARK,
            rb"&(?:ensp|emsp|emsp13|emsp14|numsp|puncsp|thinsp|hairsp|MediumSpace|ZeroWidthSpace|zwnj|zwj|"
            rb"NoBreak|shy|hyphen|dash|period|sol|lowbar|verbar|bsol|VerticalLine|UnderBar|NegativeThinSpace);",
        ),
        (MARK, rb"\\u(?:003[0-9]|" + "|".join(f"{ord(c):04x}" for c in digits).encode() + rb")"),
        (MARK, rb"\\u[dD]83[5cC]"),  # surrogates of mathematical and enclosed digits
        (MARK, rb"%(?:25)*3[0-9]|%(?:25)*[cdefCDEF][0-9a-fA-F]%(?:25)*[89abAB][0-9a-fA-F]|%(?:25)*[bB][0-9]|%B[0-9]"),
        (MARK, rb";[0-9]{12}"),  # track 2
        (MARK, _ESCAPED_SEPARATOR),
        (MARK, rb"[0-9](?:[ \t]|\\[nrt]){0,3}&[#A-Za-z]"),  # an HTML entity after a digit: html.unescape reads it
        # A first group of 12 digits or more, then more groups: the digits-alone pattern stops at the first.
        (RUN, _NOT_AN_ID_NUMBER + rb"[0-9]{12,18}" + _SEP + rb"{1,6}[0-9](?:" + _GAP + rb"[0-9])*[^0-9]"),
        (MARK, _LONG_BREAK),
        (MARK, rb"cvv|cvc|\bcid\b|\bcsc\b|security code"),
        (MARK, _SPELLED),
        (MARK, _TRANSCRIPT_BREAK),
        # A value of digit groups alone, but not an amount ("19.99": one dot, then one or two digits).
        (WHOLE, not_joined + rb'"' + _SPACE + rb"*'?[0-9]{1,10}" + _SPACE + rb"*" + _VALUE_END),  # MAX_GROUP_DIGITS
        (WHOLE, not_joined + rb'"' + _SPACE + rb"*'?" + _PART_NOT_ONE_DOT + _SPACE + rb"*" + _VALUE_END),
        (WHOLE, not_joined + rb'"' + _SPACE + rb"*'?[0-9]+\.[0-9]{3,}" + _SPACE + rb"*" + _VALUE_END),
        (HEAD, not_joined + rb'"' + _SPACE + rb"*[0-9](?:" + _PART_SEP + rb"{0,8}[0-9]){3,}" + _HEAD_END),
        (
            TAIL,
            rb"(?:[^0-9+A-Za-z/#=_\-\\\".|]|\\[nrt\"])[0-9](?:"
            + _PART_SEP
            + rb"{0,8}[0-9]){3,}(?:[ .,;:!?)\t\r\f]|\\[nrtf]|<[^<>\n]*>){0,8}"
            + _VALUE_END,
        ),
    ]
    # Base64 tokens with a capital followed by 15 token characters or more (mixed case is checked after). That
    # is all the scanner can find anything in: 12 digits (or a CVV label, or JSON) take four 3-byte quanta,
    # and a quantum that starts with a digit, a space or punctuation encodes to a capital (M, N, O, I ...)
    # followed by the 15 characters or more of the rest. Not JSON keys: the scanner does not decode those.
    token_end = rb'={0,2}(?:[^A-Za-z0-9+/_="-]|"[^:])'
    patterns.append((BASE64, rb"[A-Z][A-Za-z0-9+/_-]{15,}" + token_end))
    # Shopify Global IDs ("gid://shopify/Order/5652191713528"), which the scanner does not decode: base64 events that
    # end where one of these does are dropped. A pattern for base64 tokens read from their start instead doubles the
    # scan's time.
    patterns.append((GLOBAL_ID, rb"gid://[A-Za-z0-9+/_-]{14,}" + token_end))
    # A token the scanner may join with the lines after it (MIME), where its capital may come after a line break.
    token_char = rb"(?:[A-Za-z0-9+/_-]|\\/)"  # "\/": a slash as JSON may escape it
    patterns.append((MARK, token_char + rb"{16}(?:\\r)?\\n" + token_char + rb"{4}"))
    patterns += [
        (MARK, "|".join(re.escape(c) for c in specials[i : i + 400]).encode()) for i in range(0, len(specials), 400)
    ]
    # Last: Hyperscan's compiler builds its engines in the order the patterns come, and with these two last the scan
    # of a 4 MiB dense chunk takes 26 ms rather than 30-33 (measured in one process, order against order; random
    # orders took up to 49). Both are supersets of what they look for, which a bounded form stated exactly and at
    # twice the cost.
    patterns += [
        # A run its escape's hex glues to: 12 digits, up to 3 separators between each two; any 11 to 44 of those.
        (MARK, rb"%(?:25)*[0-9a-fA-F]{2}[0-9][0-9 \t\-./_|>+]{11,44}"),
        # Digits with HTML tags between them: up to 4 tags, each with up to 12 spaces; any number of either.
        (MARK, rb"[0-9](?:[ \t]|\\[nrt]){0,12}<[^<>\n]*>(?:[ \t]|\\[nrt]|<[^<>\n]*>)*[0-9]"),
    ]
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    # No start of match: it costs pattern size and time; where a match starts is found back from its end.
    flags = [hyperscan.HS_FLAG_CASELESS if pattern.startswith(b"cvv") else 0 for kind, pattern in patterns]
    database.compile(
        expressions=[p for _, p in patterns], ids=[kind for kind, _ in patterns], elements=len(patterns), flags=flags
    )
    return database


def _entity_matters(entity: bytes) -> bool:
    """Whether a numeric HTML entity spells a digit, a separator or a character the scanner drops."""
    body = entity[2:-1]
    try:
        code = int(body[1:], 16) if body[:1] in (b"x", b"X") else int(body)
        char = chr(code)
    except (ValueError, OverflowError):
        return False
    folded = unicodedata.normalize("NFKC", char)
    return any(c.isdigit() for c in folded) or char.isspace() or char in "-./_|\\" or unicodedata.category(char) == "Cf"


def _key_before(chunk: bytes, value_start: int) -> tuple[bool, str | None]:
    """(known, key) of the JSON value starting at `value_start`: the member name, or None for an array item.

    Not known when the bytes before it do not read as `"key":` or `,` / `[` (an escaped quote, a cut).
    """
    if chunk[value_start - 2 : value_start] == b'":':  # compact JSON, as exports are written: the usual case
        at = value_start - 2
        start = chunk.rfind(b'"', max(0, at - 100), at)
        if start > 0 and chunk[start - 1] in _BEFORE_KEY and chunk[at - 1] != 92:  # a key, not ":" in a string
            return True, _key_text(chunk[start + 1 : at])
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
    if at < 1 or chunk[at] != ord('"') or chunk[at - 1] == ord("\\"):
        return False, None
    start = chunk.rfind(b'"', max(0, at - 100), at)
    if start < 1 or chunk[start - 1] not in _BEFORE_KEY:
        return False, None
    return True, _key_text(chunk[start + 1 : at])


_BEFORE_KEY = frozenset(b"{, \t\r\n")  # what comes before a member name's opening quote


@cache
def _key_text(key: bytes) -> str:
    return key.decode("utf-8", errors="replace")


_DIGIT_GROUP_BYTES = re.compile(rb"[0-9]+")
_TOKEN_BACKWARDS = re.compile(rb"(?:/\\|[A-Za-z0-9+/_-])*")  # read reversed: "\/" is a JSON-escaped slash
_NOT_DIGITS = re.compile(rb"<[^<>\n]{0,200}>|\\u[0-9a-fA-F]{4}|%(?:25)*[0-9a-fA-F]{2}|&nbsp;")
_NUMBER_END = frozenset(b",}] \t\r\n")


def _groups(data: bytes) -> list[str]:
    return [g.decode() for g in _DIGIT_GROUP_BYTES.findall(_NOT_DIGITS.sub(b" ", data))]


def _run_may_hold_pan(chunk: bytes, at: int, end: int) -> bool:
    """Whether the run chunk[at:end] could hold a PAN the scanner reports: the best score it could get."""
    run = chunk[at:end]
    if run.isdigit():  # most runs: one group, one window
        texts = [run.decode()]
    elif len(run) <= 15 and _DOTTED.fullmatch(run):  # an IP address: four groups of three digits at most
        return pan_of(run.replace(b".", b"").decode()) is not None
    else:
        texts = _groups(run)
    if sum(map(len, texts)) < 12:
        return False
    if len(texts) == 1 and run.isdigit():
        digits = texts[0]
        brand = pan_of(digits)  # one group: the only window is the whole run
        if not brand:
            return False
        score = WEIGHTS["luhn_brand"]
        score += WEIGHTS["issued_length"] if len(digits) in ISSUED_LENGTHS.get(brand, ()) else 0
        score += WEIGHTS["published_test_card"] if digits in TEST_CARDS else 0
        score += WEIGHTS["gtin_check"] if len(digits) <= 14 and gtin_valid(digits) else 0
        before = chunk[at - 1 : at]
        member = chunk[max(0, at - 3) : at].rstrip(b" \t").endswith(b":")  # not ", 6759..." in a string
        if member and (end == len(chunk) or chunk[end] in _NUMBER_END):
            known, key = _key_before(chunk, at)
            if known and key is not None:  # a bare JSON number: no words, only its field weighs
                kind = field_kind(key)
                return score + (WEIGHTS[kind] if kind else 0) >= THRESHOLD
        if before == b"/" and chunk[at - 2 : at - 1].isalpha():
            score += WEIGHTS["url_path"]
        # Not "+" (phone_plus): in a URL query the scanner reads it as a space.
        if card_words_near(chunk[max(0, at - 64) : at], chunk[end : end + 48]):
            score += WEIGHTS["card_words"]
        quote = chunk.rfind(b'"', max(0, at - 4096), at)
        known, key = _key_before(chunk, quote) if quote >= 0 else (False, None)
        kind = field_kind(key) if known else "card_field"  # not known: the best it could be
        return score + (WEIGHTS[kind] if kind else 0) >= THRESHOLD
    return any(first[0] in FIRST_DIGITS and pan_windows(texts, i) for i, first in enumerate(texts))


def _string_may_hold_pan(chunk: bytes, at: int, last: int, decided: dict[int, bool]) -> bool:
    """Whether the JSON string holding the run chunk[at:last] has a finding, by the scanner's own scan_text.

    A candidate that passed the bound is rare; reading its one string exactly spares the line's full parse.
    Not a string (a bare number, a cut, a quote the bytes cannot place): True, the line is read whole.
    """
    line_start = chunk.rfind(b"\n", 0, at) + 1
    opening = chunk.rfind(b'"', line_start, at)
    closing = chunk.find(b'"', last)
    while closing != -1 and _escaped(chunk, closing):
        closing = chunk.find(b'"', closing + 1)
    if opening == -1 or closing == -1 or _escaped(chunk, opening) or chunk.find(b"\n", last, closing) != -1:
        return True
    if chunk.count(b'"', line_start, opening) % 2 or b"\\" in chunk[line_start:opening]:
        return True  # the quote before may close a string rather than open one: not worth telling apart here
    if opening in decided:  # many runs in one string: it is read once
        return decided[opening]
    decided[opening] = found = _string_has_finding(chunk, opening, closing)
    return found


def _string_has_finding(chunk: bytes, opening: int, closing: int) -> bool:
    try:
        value = orjson.loads(chunk[opening : closing + 1])
    except orjson.JSONDecodeError:
        return True
    after = chunk[closing + 1 : closing + 3].lstrip(b" \t")
    if after.startswith(b":"):  # a member name: read for digits only, as scan_record reads names
        return bool(scan_text(value, None, MAX_DEPTH))
    known, key = _key_before(chunk, opening)
    # An array item weighs its array's name, which the bytes do not show here: weighed as a card's field.
    return bool(scan_text(value, key if known and key is not None else "card"))


def _escaped(chunk: bytes, quote: int) -> bool:
    """Whether chunk[quote] follows a backslash that escapes it (an odd number of them)."""
    backslashes = 0
    while quote - backslashes - 1 >= 0 and chunk[quote - backslashes - 1] == 92:
        backslashes += 1
    return backslashes % 2 == 1


_MONEY = re.compile(rb"-?[0-9]{1,12}\.[0-9]{1,2}")
_DOTTED = re.compile(rb"[0-9]{1,3}(?:\.[0-9]{1,3})+")
_HEAD_DIGITS = re.compile(rb"(?:[ \t\r\f\v]|\\[nrtf]|<[^<>\n]*>)*([0-9](?:" + _PART_SEP + rb"{0,8}[0-9])*)")

Site = tuple[int, str, str | None, list[str]]


def _chain_may_hold_pan(start: list[str], sequence: list[Site]) -> bool:
    """Whether a chain from `start` through consecutive `sequence` sites has a PAN across two parts.

    A window spanning two parts with a brand, a length and Luhn: the Joiner cannot report a split without one.
    """
    groups = list(start)
    first_part = len(groups)
    for _, role, _, part in sequence:
        if role == "tail":
            return False
        groups += part
        for i in range(first_part):
            if any(j >= first_part for j, _, _ in pan_windows(groups, i)):
                return True
        if role == "head" or sum(map(len, groups[first_part - 1 :])) > 19:
            return False
    return False


def _site(chunk: bytes, kind: int, end: int, head_end: dict[int, int]) -> Site | None:
    """The part a site event stands for: (opening quote, role, field, digit groups), or None if it is none."""
    closing = chunk.rfind(b'"', 0, end)
    if kind == HEAD:
        quote = closing
    elif kind == WHOLE:
        quote = chunk.rfind(b'"', 0, closing)
    else:
        quote = chunk.rfind(b'"', max(0, closing - 4096), closing)
    known, key = _key_before(chunk, quote) if quote >= 0 else (False, None)
    if known and not joins(key):  # most sites end here: zip codes, phones, addresses, ids
        return None
    if kind == HEAD:
        found = _HEAD_DIGITS.match(chunk, quote + 1, head_end[quote])
        digits = found.group(1) if found else b""
    elif kind == WHOLE:
        digits = chunk[quote + 1 : closing].strip(b" \t\r'")
        if _MONEY.fullmatch(digits):
            return None
    else:
        value = _without_tail_end(chunk[max(0, closing - 512) : closing])
        found = _RUN_BACKWARDS.match(value[::-1])
        digits = value[len(value) - found.end() :] if found else b""
    if not digits or _DOTTED.fullmatch(digits):
        return None
    groups = _groups(digits)
    if sum(map(len, groups)) < (1 if kind == WHOLE else MIN_EDGE_DIGITS):
        return None
    return quote, _ROLES[kind], key if known else None, groups


_ROLES = {WHOLE: "whole", HEAD: "head", TAIL: "tail"}


def _without_tail_end(value: bytes) -> bytes:
    """The value without what may follow a tail's digits: punctuation, spaces, escapes, HTML tags."""
    while True:
        stripped = value.rstrip(b" .,;:!?)\t\r\f")
        if stripped.endswith(b">") and (tag := stripped.rfind(b"<")) != -1 and b"\n" not in stripped[tag:]:
            stripped = stripped[:tag]
        elif stripped[-2:] in (b"\\n", b"\\r", b"\\t", b"\\f") and stripped[-3:-2] != b"\\":
            stripped = stripped[:-2]
        if stripped == value:
            return value
        value = stripped


_ORDER = {"head": 0, "whole": 1, "tail": 2}


def _split_lines(chunk: bytes, sites: list[tuple[int, int]], starts: list[int]) -> set[int]:
    """Lines with values that could hold the parts of one split number, in order.

    `sites` are (kind, end) of the site events; a line with fewer than two is not looked at.
    """
    raw: dict[int, list[tuple[int, int]]] = {}
    for kind, end in sites:
        raw.setdefault(bisect_right(starts, end - 1) - 1, []).append((kind, end))
    lines: set[int] = set()
    for line, events in raw.items():
        if len(events) < 2:
            continue
        head_end: dict[int, int] = {}  # opening quote -> end: the longest, as the scanner's head is maximal
        others: list[tuple[int, int]] = []
        for kind, end in events:
            if kind == HEAD:
                quote = chunk.rfind(b'"', 0, end)
                head_end[quote] = max(end, head_end.get(quote, 0))
            else:
                others.append((kind, end))
        # One site per head: Hyperscan reports a head at every group its value's first digits could stop at.
        candidates = [(HEAD, end) for end in head_end.values()] + others
        found = [site for kind, end in candidates if (site := _site(chunk, kind, end, head_end)) is not None]
        # A value of digits alone is a whole for the scanner, never also a head or a tail; a head comes before
        # the tail of the same value.
        wholes = {site[0] for site in found if site[1] == "whole"}
        found = [site for site in found if site[1] == "whole" or site[0] not in wholes]
        if len(found) < 2:
            continue
        found.sort(key=lambda site: (site[0], _ORDER[site[1]]))
        for index, (_, role, key, groups) in enumerate(found):
            if role == "head":
                continue
            later = found[index + 1 :]
            same_field = [site for site in later if site[2] == key] if key else []
            if _chain_may_hold_pan(groups, later) or (same_field and _chain_may_hold_pan(groups, same_field)):
                lines.add(line)
                break
    return lines


def _looks_base64(token: bytes) -> bool:
    """As the scanner's: base64 of text mixes cases; a length of 4n+1 is never base64."""
    return token.upper() != token and token.lower() != token and len(token) % 4 != 1


def _may_decode(chunk: bytes, token: bytes, after: int) -> bool:
    """Whether a base64 token decodes to text with digits, as the scanner decodes it.

    A token the scanner may read joined with the next (a MIME line break, an escaped slash) is let through.
    """
    if chunk[after : after + 2] in (b"\\n", b"\\r", b"\\/"):
        return True
    # base64_texts of a token of token characters alone is its one decoding, if that is text with digits.
    decoded = decode_base64(token.decode("ascii", errors="replace"))
    return decoded is not None and any(c.isdigit() for c in decoded)


def _token_before(chunk: bytes, end: int) -> bytes | None:
    """The base64 token a match ending at `end` ended (not the byte that ended it, a closing quote, padding).

    None for a token longer than 4 KiB: too long to read back here, the line is read whole.
    """
    for size in (128, 4098):
        window = chunk[max(0, end - size) : end]
        window = (window[:-1] if window.endswith(b'"') else window).rstrip(b"=")
        length = _TOKEN_BACKWARDS.match(window[::-1]).end()  # type: ignore[union-attr]  # matches empty
        if length < len(window):
            start = len(window) - length
            if window[start - 1 : start] == b"\\":  # after a JSON escape (a tab, a line break): not its letter
                if window[start] not in b"tbf" or not _escaped(window, start):
                    # A line break (the scanner may join a MIME token's lines), a \u escape, or a backslash written
                    # as such, which the scanner also reads as an escape: the line is read whole.
                    return None
                start += 1
            return window[start:].replace(b"\\/", b"/")
        if end - size <= 0:
            return window
    return None


def _run_start(chunk: bytes, last: int) -> int:
    """Where the run of digit groups ending at `last` starts (read back over 512 bytes at most)."""
    for size in (64, 512):
        window = chunk[max(0, last - size) : last]
        length = _RUN_BACKWARDS.match(window[::-1]).end()  # type: ignore[union-attr]  # a digit ends it
        if length < len(window) or len(window) < size:
            break
    return last - length


def _interesting(chunk: bytes, starts: list[int]) -> set[int]:
    """The indices of the lines of `chunk` the full scanner must read."""
    ends: list[list[int]] = [[] for _ in KINDS]  # by kind: where in chunk each match ends (exclusive)

    def on_match(kind: int, start: int, end: int, flags: int, context: object) -> None:
        ends[kind].append(end - 1)

    _database().scan(b"\n" + chunk + b"\n", match_event_handler=on_match)  # patterns look one byte either side
    last_byte = len(chunk) - 1  # a match may end on the newline padded after the last line
    for ends_of_kind in ends:
        if ends_of_kind and max(ends_of_kind) > last_byte + 1:  # rarely: a look at the max spares the rewrite
            ends_of_kind[:] = [min(end, last_byte + 1) for end in ends_of_kind]
    lines = {bisect_right(starts, end - 1) - 1 for end in ends[MARK]}
    for end in ends[ENTITY]:
        if _entity_matters(chunk[chunk.rfind(b"&", 0, end) : end]):
            lines.add(bisect_right(starts, end - 1) - 1)
    global_ids = set(ends[GLOBAL_ID])
    for end in ends[BASE64]:
        if end in global_ids:
            continue
        token = _token_before(chunk, end - 1)
        if token is None or (_looks_base64(token) and _may_decode(chunk, token, end - 1)):
            lines.add(bisect_right(starts, end - 1) - 1)
    runs: dict[int, int] = {}  # first digit -> end of the longest run from it
    for end in ends[RUN]:
        last = end - 1  # the byte that ended the run is not part of it
        at = _run_start(chunk, last)
        if runs.get(at, 0) < last:
            runs[at] = last
    decided: dict[int, bool] = {}  # a string's opening quote -> whether scan_text finds anything in it
    for at, last in runs.items():
        line = bisect_right(starts, at) - 1
        if line not in lines and _run_may_hold_pan(chunk, at, last) and _string_may_hold_pan(chunk, at, last, decided):
            lines.add(line)
    sites = [(kind, end) for kind in (WHOLE, HEAD, TAIL) for end in ends[kind]]
    return lines | _split_lines(chunk, sites, starts)


PARALLEL_AFTER = 8 << 20  # bytes scanned here before worker processes start for the rest (~0.2 s CPU each)


def default_jobs() -> int:
    """Worker processes for a long scan: the CPUs this process may run on, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def scan_ndjson(
    handle: BinaryIO, chunk_size: int | None = None, jobs: int | None = None, parallel_after: int | None = None
) -> Generator[tuple[int, str, Match], None, None]:
    """(line number, JSON pointer, match) over an NDJSON stream, in chunks of whole lines, in line order.

    Memory is a few chunks; time is mostly the screen's, whose Python side is bound to one core. Past
    `parallel_after` bytes `jobs` worker processes start (default: one per CPU) and take the chunks once they
    are up (this process scans meanwhile). The findings are the same either way, in the same order.
    A script that calls this needs the `if __name__ == "__main__":` guard multiprocessing asks for.

    Defaults, as benchmarks/pan_speed.py measured them on digit-dense exports: chunks of 4 MiB in one process;
    of 1 MiB with workers, so that the last chunks leave no worker idle for long (50 MiB: 70 -> 82 MiB/s with
    two workers); workers after 1 MiB when they fork (up in milliseconds), after 8 MiB when they spawn (0.2 s).
    """
    jobs = default_jobs() if jobs is None else jobs
    if chunk_size is None:
        chunk_size = 1 << 20 if jobs > 1 else 1 << 22
    if parallel_after is None:
        parallel_after = 1 << 20 if _start_method() == "fork" else PARALLEL_AFTER
    chunks = _chunks(handle, chunk_size)
    line_base = 0
    file = _regular_file(handle) if jobs > 1 else None
    for lines, found in _in_workers(chunks, jobs, parallel_after, file) if jobs > 1 else map(_scan_chunk, chunks):
        yield from ((line_base + index, pointer, match) for index, pointer, match in found)
        line_base += lines


Scanned = tuple[int, list[tuple[int, str, Match]]]  # (lines in a chunk, its findings by line from 1)


def _chunks(handle: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    """The stream in chunks of whole lines (the last one may lack its newline)."""
    tail = b""
    while True:
        block = handle.read(chunk_size)
        if not block:
            if tail:
                yield tail
            return
        chunk = tail + block
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            tail = chunk
            continue
        tail = chunk[cut:]
        yield chunk[:cut]


def _scan_chunk(chunk: bytes) -> Scanned:
    """(lines in the chunk, its findings as (line number from 1 in the chunk, pointer, match))."""
    starts = list(accumulate(map(len, chunk.splitlines(keepends=True)), initial=0))
    found: list[tuple[int, str, Match]] = []
    for index in sorted(_interesting(chunk, starts)) if _screened(chunk) else range(len(starts) - 1):
        line = chunk[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(chunk)]
        if line.strip():
            found += ((index + 1, pointer, match) for pointer, match in scan_json_line(line))
    return len(starts) - 1, found


# Until the screen is compiled (0.6 s), small chunks are read line by line instead, 2 MiB in all at most: the
# full scanner reads dense exports at about 3 MiB/s, so that costs no more than the compile, and an audit of a few
# small exports spares the compile entirely. The findings are the same either way (tests/test_pan.py).
_LINE_BY_LINE_UP_TO = 512 << 10
_line_by_line_left = [2 << 20]
_line_by_line_lock = threading.Lock()


def _screened(chunk: bytes) -> bool:
    """Whether to screen a chunk, or read every line of it with the full scanner."""
    if _LOADED or _compiled.cache_info().currsize or len(chunk) > _LINE_BY_LINE_UP_TO:
        return True
    with _line_by_line_lock:
        if _line_by_line_left[0] < len(chunk):
            return True
        _line_by_line_left[0] -= len(chunk)
        return False


def _regular_file(handle: BinaryIO) -> tuple[int, int] | None:
    """(fd, offset) when `handle` reads a regular file's own bytes, unchanged, from `offset` on.

    That is open(path, "rb"), or a buffered stream whose raw layer says it reads its file as is (boundedio's line
    guard, which only ever cuts the file short). Forked workers then read their chunks from the file themselves:
    50 MiB through the pool's pipes costs 70 ms, a tenth of a two-worker scan.
    """
    raw = getattr(handle, "raw", None)
    if type(handle) is not io.BufferedReader and not getattr(raw, "reads_file_as_is", False):
        return None
    if type(raw) is not io.FileIO and not getattr(raw, "reads_file_as_is", False):
        return None
    try:
        fd = handle.fileno()
        return (fd, handle.tell()) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError):
        return None


def _scan_file_range(fd: int, offset: int, length: int, tail: bytes) -> Scanned | None:
    """_scan_chunk of the file's bytes at offset, or None if they are not what the parent read (the file changed)."""
    chunk = os.pread(fd, length, offset)
    if len(chunk) != length or not chunk.endswith(tail):
        return None
    return _scan_chunk(chunk)


def _in_workers(
    chunks: Iterator[bytes], jobs: int, parallel_after: int, file: tuple[int, int] | None = None
) -> Iterator[Scanned]:
    """_scan_chunk of each chunk, in order: here at first, in `jobs` worker processes once they are up.

    This process scans the first `parallel_after` bytes, then starts the workers and scans until one is up;
    from then on the workers scan, at most two chunks a worker in flight.

    fork when this process runs one thread (`vendor-audit scan`), spawn when it runs more (the audit scans with
    threads running); never forkserver, whose server and workers outlive a parent killed outright. The workers
    are this process's children, have or load the compiled screen rather than compile it again, and end with
    this process even when it is killed (Linux). A pool that cannot start or breaks (a worker killed) costs
    time, not findings: its chunks are scanned here.

    `file` (fd, offset): the chunks are that file's bytes from offset on; forked workers read them with pread.
    """
    done = 0
    for chunk in chunks:
        if done >= parallel_after:
            chunks = chain([chunk], chunks)
            break
        yield _scan_chunk(chunk)
        done += len(chunk)
    else:
        return
    method = _start_method()
    if method != "fork":
        file = None  # a spawned worker has not the parent's descriptors
    # A forked worker has the compiled screen already; a spawned one loads the parent's rather than compile it.
    serialized = None if method == "fork" else hyperscan.dumpb(_database())
    _database()  # compiled before a fork, once, rather than in every worker
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(serialized, os.getpid()),
    )
    pending: deque[tuple[bytes, Future[Scanned | None] | None]] = deque()
    try:
        try:
            ready: list[Future[None]] | None = [pool.submit(_ready) for _ in range(jobs)]
        except (BrokenProcessPool, OSError):
            ready = None
        for chunk in chunks:
            offset = done
            done += len(chunk)
            if ready is not None and not any(future.done() for future in ready):
                yield _scan_chunk(chunk)  # the workers are starting: this process scans meanwhile
                continue
            if ready is not None and any(future.exception() for future in ready if future.done()):
                ready = None  # a worker could not start: the rest is scanned here
            future: Future[Scanned | None] | None = None
            if ready is not None:
                try:
                    if file is None:
                        future = pool.submit(_scan_chunk, chunk)
                    else:
                        future = pool.submit(_scan_file_range, file[0], file[1] + offset, len(chunk), chunk[-64:])
                except (BrokenProcessPool, OSError):
                    ready = None
            pending.append((chunk, future))
            while pending and (ready is None or len(pending) >= 2 * jobs):
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """How workers start: fork when this process runs one thread, spawn when it runs more.

    A forked worker is up in milliseconds with the screen compiled (`vendor-audit scan`); the audit scans with
    threads running, and a fork would copy their locks in whatever state they are.
    """
    return "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _ready() -> None:
    """A worker's first task: done when it is up."""


def _result(chunk: bytes, future: Future[Scanned | None] | None) -> Scanned:
    if future is not None:
        try:
            scanned = future.result()
        except BrokenProcessPool:
            scanned = None
        if scanned is not None:
            return scanned
    return _scan_chunk(chunk)


_LOADED: list[Any] = []  # a worker's screen, deserialized from its parent's


def _start_worker(serialized: bytes | None, parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the parent's to handle: it shuts the pool down
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker has its parent's handler: the death signal ends it
    if serialized is None:  # forked: the parent's compiled screen is this process's too
        return
    database = hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)
    _LOADED.append(database)


def scan_json_line(line: bytes) -> Iterator[tuple[str, Match]]:
    """Findings in one NDJSON line without the screen: the parsed record, or what can be read of a broken one.

    NaN, Infinity and integers past 64 bits are JSON to Python's reader though not to orjson. A line that is
    JSON to neither (cut short, a stray byte) is read value by value as the screen reads it: member names and
    string and number values with their member's name, everything else as text.
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            record = json.loads(line)
        except ValueError:
            yield from _scan_broken_line(line.decode("utf-8", errors="replace"))
            return
    yield from scan_record(record)


_MEMBER_OR_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?[0-9]+)(?![0-9.eE]))?)?')


def _scan_broken_line(text: str) -> Iterator[tuple[str, Match]]:
    done = 0
    rest: list[str] = []
    for found in _MEMBER_OR_STRING.finditer(text):
        rest.append(text[done : found.start()])
        done = found.end()
        name, member, value, number = found.group(1), found.group(2), found.group(3), found.group(4)
        key = _unquote(name)
        if member is None:  # a string on its own: an array item, weighed as a card's field as the screen does
            yield from ((f"/{key}", m) for m in scan_text(key, "card"))
            continue
        yield from (("", m) for m in scan_text(key, None, MAX_DEPTH))
        if value is not None:
            yield from ((f"/{key}", m) for m in scan_text(_unquote(value), key))
        elif number is not None and len(number.lstrip("-")) >= 12 and not number.startswith("-"):
            yield from ((f"/{key}", m) for m in scan_text(number, key, MAX_DEPTH))
    rest.append(text[done:])
    yield from (("", m) for m in scan_text(" ".join(rest)))


def _unquote(raw: str) -> str:
    try:
        return str(json.loads(f'"{raw}"'))
    except ValueError:
        return raw


def scan_line(line: bytes) -> Iterator[tuple[str, Match]]:
    """Findings in one NDJSON line, by the same screen as `scan_ndjson`."""
    for _, pointer, match in scan_ndjson(io.BytesIO(line)):
        yield pointer, match
