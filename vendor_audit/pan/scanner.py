r"""Card numbers, track data and CVV-labelled values in text and in parsed records.

Text is folded first (NFKC, every Unicode decimal digit as ASCII, zero-width characters dropped),
scanned as it is and, where it carries an encoding's marks, decoded as well: URL-encoding (also
double), HTML entities and tags, JSON `\u` escapes, base64 (MIME-wrapped too), recursively up to
MAX_DEPTH, a base64 blob holding JSON as a record. A candidate is a run of digit groups joined by up
to three separators or one line break with its indentation; every window of whole groups that has a
brand's IIN and length and passes Luhn is scored on evidence (vendor_audit.pan.evidence) and the
best window from each group is reported when it reaches the threshold.

Records are walked whole: a number split over sibling fields, list items, the same field of
consecutive objects in a list (chat messages, comments, CSV rows), or over the end of one value and
the start of the next, is joined, in any shape, and scored as a split.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import orjson

from vendor_audit.pan.cards import TEST_CARDS, fold, gtin_valid, mask_pan, pan_of, pan_windows
from vendor_audit.pan.evidence import (
    ISSUED_LENGTHS,
    THRESHOLD,
    WEIGHTS,
    aligned,
    field_kind,
    grouping,
    joins,
    words_around,
    words_before,
)

__all__ = ["MAX_DEPTH", "Joiner", "Match", "scan_record", "scan_text"]

MAX_DEPTH = 4  # encodings inside encodings (base64 in base64, URL-encoded JSON in base64) followed this deep

_SEPARATORS = (
    " \t\r\n-./_|\\\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_SEP = "[" + re.escape(_SEPARATORS) + "]"
# A line break may bring a mail client's indentation or quote marks with it ("4111 1111\n   > 1111 1111").
_JOIN = rf"(?>[ \t]*(?:\r\n|\r|\n)[ \t>]*(?:(?:\r\n|\r|\n)[ \t>]*)?|{_SEP}{{1,3}})"
_RUN = re.compile(rf"[0-9](?:{_JOIN}?[0-9]){{11,}}")  # 12 digits or more
_DIGIT_GROUP = re.compile(r"[0-9]+")
_TRACK1 = re.compile(r"%B([0-9]{12,19})\^[^^]{2,26}\^[0-9]{4}")
_TRACK2 = re.compile(r";([0-9]{12,19})=[0-9]{4}")
_CVV = re.compile(r"(?i)\b(?:cvv2?|cvc2?|cid|csc|card security code|security code)\b[\s:#=.-]{0,4}([0-9]{3,4})\b")
_URL_MARK = re.compile(r"%[0-9A-Fa-f]{2}|[0-9]\+[0-9]|[?&][\w.-]+=[^&\s]*\+")  # "+" as a space in a query
_HTML_MARK = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|<[a-zA-Z/][^>]{0,200}>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([nrtbf/\\\"])")
# A token may follow "=": a query's or a form's value ("?d=Y2FyZCA0..."), or the next token after one's padding.
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}(?:\r?\n[A-Za-z0-9+/_-]{4,})*={0,2}(?![A-Za-z0-9+/=_-])")
_TAG = re.compile(r"<[^>]{0,200}>")
# A number read out in words, as call transcripts write it: "five one zero six, zero four zero zero, ...".
_DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
_DIGIT_WORDS |= {"seven": "7", "eight": "8", "nine": "9"}
_DIGIT_WORD = "(?:" + "|".join(_DIGIT_WORDS) + ")"
_SPELLED_RUN = re.compile(rf"(?i)\b{_DIGIT_WORD}(?:[ ,.\-]{{1,5}}{_DIGIT_WORD}){{7,}}\b")  # eight words or more
# The speaker and time a chat transcript starts each line with ("(04:37:12 AM) Visitor 75731813: "): blanked, a
# number typed over two lines reads as one broken by a line break.
_CHAT_PREFIX = re.compile(
    r"(?m)^[ \t]*[(\[]?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[ \t]?[AaPp][Mm])?[)\]]?[ \t]*(?:-[ \t]*)?[^:\n]{1,40}:[ \t]"
)
_SPELLED_GAP = re.compile(r"[ ,.\-]{1,5}")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"'}
_IBAN_START = re.compile(r"[A-Z]{2}[0-9]{2}")
_IBAN_HEAD = re.compile(r"(?<![A-Za-z])[A-Z]{2}[0-9]{2}(?![0-9])")
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # pan, track_data, cvv
    brand: str | None
    masked: str  # first 6 and last 4 at most
    start: int  # offset in the (folded, possibly decoded) text
    digits: str  # clear digits: for in-process comparison only, never to be written out
    via: str | None = None  # the encoding it was found under (url, html, json_escape, base64), or a split
    evidence: tuple[str, ...] = field(default=(), compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "brand": self.brand,
            "masked": self.masked,
            "offset": self.start,
            "via": self.via,
            "evidence": list(self.evidence),
        }


def _score(evidence: list[str]) -> int:
    return sum(WEIGHTS[e] for e in evidence)


def _number_evidence(digits: str, brand: str) -> list[str]:
    found = ["luhn_brand"]
    if len(digits) in ISSUED_LENGTHS.get(brand, ()):
        found.append("issued_length")
    if digits in TEST_CARDS:
        found.append("published_test_card")
    return found


def _in_hex_token(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] sits inside a long hex token with letters on both sides (a digest, a key)."""
    left = start
    while left > 0 and start - left < 64 and text[left - 1] in _HEX:  # 24 make a digest: 64 is plenty
        left -= 1
    right = end
    while right < len(text) and right - end < 64 and text[right] in _HEX:
        right += 1
    if right - left < 24:
        return False
    return any(c.isalpha() for c in text[left:start]) and any(c.isalpha() for c in text[end:right])


def _in_iban(text: str, start: int, end: int) -> bool:
    """Whether the digits at text[start:end] belong to a string that passes the IBAN check (ISO 13616 mod 97)."""
    for head in _IBAN_START.finditer(text, max(0, start - 12), start + 4):  # its check digits may open the window
        if head.start() > start or (head.start() > 0 and text[head.start() - 1].isalnum()):
            continue
        compact = ""
        for char in text[head.start() : end + 40]:
            if char.isalnum() and char.isascii():
                compact += char.upper()
            elif char != " ":
                break
        for length in range(15, min(34, len(compact)) + 1):
            candidate = compact[:length]
            if length < len(compact) and compact[length].isdigit() and compact[length - 1].isdigit():
                continue  # the IBAN would end inside a digit group
            rearranged = candidate[4:] + candidate[:4]
            number = "".join(str(int(c, 36)) for c in rearranged)
            if int(number) % 97 == 1:
                return True
    return False


def _structure_evidence(text: str, run_start: int, start: int, end: int) -> list[str]:
    found = []
    before = text[run_start - 1] if run_start > 0 else ""
    if before == "+":
        found.append("phone_plus")
    elif before == "/" and run_start > 1 and (text[run_start - 2].isalpha()):
        found.append("url_path")
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdigit():
        at = start - 2
        while at > 0 and text[at - 1].isdigit():
            at -= 1
        if start - 1 - at <= 3 and (at == 0 or not text[at - 1].isdigit()):
            found.append("decimal_fraction")
    if _in_hex_token(text, start, end):
        found.append("hex_token")
    if _in_iban(text, start, end):
        found.append("iban")
    elif _IBAN_HEAD.search(text, max(0, run_start - 2), run_start + 2):  # "PT50 0002 ...", its check fails
        found.append("iban_shape")
    return found


def _pans_in_run(text: str, run: re.Match[str], field_evidence: list[str]) -> Iterator[Match]:
    spans = [(m.start() + run.start(), m.end() + run.start()) for m in _DIGIT_GROUP.finditer(run.group())]
    groups = [text[s:e] for s, e in spans]
    # Uniformly grouped references (tracking numbers, IBANs) are read from their start only.
    uniform = len(groups) >= 4 and len({len(g) for g in groups[:-1]}) == 1 and len(groups[0]) >= 3
    i = 0
    while i < len(groups):
        windows = pan_windows(groups, i)
        if not windows:
            i += 1
            continue
        best: tuple[int, int, str, str, list[str]] | None = None
        for j, pan, brand in windows:  # longest first: the longest that reaches the threshold is the card
            start, end = spans[i][0], spans[j][1]
            evidence = _number_evidence(pan, brand) + field_evidence
            shape = grouping([len(g) for g in groups[i : j + 1]])
            if shape:
                evidence.append(shape)
            if i == j and len(pan) <= 14 and gtin_valid(pan):
                evidence.append("gtin_check")
            if i > 0:
                evidence.append("inside_reference" if uniform else "mid_run")
            evidence += words_around(text[max(0, start - 48) : start], text[end : end + 32])
            evidence += _structure_evidence(text, run.start(), start, end)
            if j > i and len(groups[i]) <= 3 and text[spans[i][1] : spans[i + 1][0]] == "." and len(groups[i + 1]) >= 5:
                evidence.append("decimal_fraction")  # 40.30927323372037: one decimal number
            score = _score(evidence)
            if best is None or score > best[0]:
                best = (score, j, pan, brand, evidence)
            if score >= THRESHOLD:
                break
        if best is None:  # pragma: no cover - windows is not empty
            break
        score, j, pan, brand, evidence = best
        if score >= THRESHOLD:
            yield Match("pan", brand, mask_pan(pan), spans[i][0], pan, None, tuple(evidence))
            i = j + 1
        else:
            i += 1


def _scan_view(text: str, via: str | None, field_evidence: list[str]) -> list[Match]:
    found: list[Match] = []
    taken: set[int] = set()
    if "%B" in text or ";" in text:  # cheap substring gates before the track-data patterns
        for pattern in (_TRACK1, _TRACK2):
            for match in pattern.finditer(text):
                pan = match.group(1)
                if pan_of(pan):
                    found.append(Match("track_data", pan_of(pan), mask_pan(pan), match.start(), pan, via))
                    taken.add(match.start(1))
    for run in _RUN.finditer(text):
        found.extend(
            Match(m.kind, m.brand, m.masked, m.start, m.digits, via, m.evidence)
            for m in _pans_in_run(text, run, field_evidence)
            if m.start not in taken
        )
    lowered = text.lower()
    if any(word in lowered for word in ("cvv", "cvc", "cid", "csc", "security code")):
        for match in _CVV.finditer(text):
            found.append(Match("cvv", None, "***", match.start(1), match.group(1), via))
    return found


def base64_texts(text: str) -> Iterator[str]:
    """The texts with digits that base64 tokens of `text` decode to.

    A MIME-wrapped token is read over as many of its lines as decode together: the line after it may be a
    boundary ("--0000a1b2") that the token's alphabet also allows.
    """
    for token in _BASE64.finditer(text):
        lines = token.group().split()
        if lines[0].startswith("//") and text.endswith("gid:", 0, token.start()):
            # A Shopify Global ID, "gid://shopify/Order/5652191713528" (shopify.dev/docs/api/usage/gids): a URI whose
            # path is text, not base64. Its digits are read as text; lines the token joins after it still decode.
            lines = lines[1:]
        for count in range(len(lines), 0, -1):
            decoded = decode_base64("".join(lines[:count]))
            if decoded is not None:
                if any(c.isdigit() for c in decoded):
                    yield decoded
                break


def decode_base64(raw: str) -> str | None:
    """The text one base64 token (of 16 characters or more, padding optional) decodes to; None if not text."""
    if len(raw) < 16 or not _looks_base64(raw):
        return None
    try:
        data = base64.b64decode(
            raw + "=" * (-len(raw) % 4), altchars=b"-_" if "-" in raw or "_" in raw else None, validate=True
        )
    except (binascii.Error, ValueError):
        return None
    return _as_text(data)


def _as_text(data: bytes) -> str | None:
    """Decoded bytes when they are text (UTF-8, or UTF-16 by BOM), else None."""
    for encoding in ("utf-8", "utf-16") if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-16",):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and sum(c.isprintable() or c.isspace() for c in text) >= 0.9 * len(text):
            return text
    return None


def _looks_base64(token: str) -> bool:
    """Base64 of text mixes cases (tracking numbers, hex digests and words do not); 4n+1 characters never decode.

    Digits are not required: the base64 of digits has none ("NDExMTEx...").
    """
    return token.upper() != token and token.lower() != token and len(token.rstrip("=")) % 4 != 1


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
    for decoded in base64_texts(text):
        yield "base64", decoded
    if "\n" in text and _CHAT_PREFIX.search(text):
        yield "transcript", _CHAT_PREFIX.sub(lambda m: " " * len(m.group()), text)
    if _SPELLED_RUN.search(text):
        yield "spelled", _SPELLED_RUN.sub(_spelled_digits, text)


def _spelled_digits(run: re.Match[str]) -> str:
    """The digits a run of digit words spells: words apart by spaces join, a comma, dot or dash groups them."""
    words = _SPELLED_GAP.split(run.group())
    gaps = _SPELLED_GAP.findall(run.group())
    out = _DIGIT_WORDS[words[0].lower()]
    for gap, word in zip(gaps, words[1:], strict=True):
        out += ("" if gap.strip() == "" else " ") + _DIGIT_WORDS[word.lower()]
    return out


def scan_text(text: str, field_name: str | None = None, depth: int = 0) -> list[Match]:
    """Every PAN, track data and CVV-labelled value in `text`, as written or under an encoding.

    `field_name` is the record field the text came from, weighed as evidence.
    """
    folded = fold(text, keep_gaps=True)
    kind = field_kind(field_name)
    field_evidence = [kind] if kind else []
    found = _scan_view(folded, None, field_evidence)
    if depth >= MAX_DEPTH:
        return found
    seen = {(m.kind, m.digits) for m in found}
    for via, decoded in _decoded_views(folded):
        inner = _inner_json(decoded)
        if inner is not None:
            matches = [
                Match(m.kind, m.brand, m.masked, 0, m.digits, f"{via}:{pointer or '/'}", m.evidence)
                for pointer, m in _walk(inner, "", None, depth + 1)
            ]
        else:
            matches = [
                Match(
                    m.kind, m.brand, m.masked, m.start, m.digits, via if m.via is None else f"{via}+{m.via}", m.evidence
                )
                for m in scan_text(decoded, field_name, depth + 1)
            ]
        for match in matches:
            if (match.kind, match.digits) not in seen:
                seen.add((match.kind, match.digits))
                found.append(match)
    return sorted(found, key=lambda m: m.start)


def _inner_json(text: str) -> Any:
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return None
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return None


_EDGE = rf"[0-9]+(?:{_JOIN}[0-9]+)*"
_WHOLE = re.compile(rf"\s*'?({_EDGE})\s*")  # a value of digit groups alone ('4111 1111; a CSV cell's quote guard)
# Followed by a space or punctuation: not a token ("4b2f9c", "1234abcd-..."), not a date-time ("T08:00", " 10:00").
_HEAD = re.compile(rf"\s*((?>{_EDGE}))(?=[\s,.;!?)])(?!\s[0-9]{{2}}:)")
# Not after a letter, "/", "#", "=", "_", "-", "." or "|": a token, a URL, an order name, a SKU, a version.
_TAIL = re.compile(rf"(?<![0-9+A-Za-z/#=_\-.|])({_EDGE})[\s.,;:!?)]{{0,3}}$")
_MONEY = re.compile(r"-?[0-9]{1,12}\.[0-9]{1,2}")  # "19.99" is an amount, never part of a card
_DOTTED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3})+")  # an IP address, a version: never part of a card
_EDGE_SPAN = 160  # a tail is looked for in a value's last characters only
MIN_EDGE_DIGITS = 4  # a part that shares its value with words carries at least one group of a card
MAX_WHOLE_DIGITS = 12  # a value of more digits alone is an id, a barcode or a whole number, not a part
MAX_GROUP_DIGITS = 10  # nor is a value of digits alone with a longer group ("360029673100")


@dataclass(slots=True)
class _Part:
    groups: list[str]
    where: str
    whole: bool
    card_words: bool
    field_evidence: list[str]


class Joiner:
    """Joins a number split over consecutive values: fields, items, columns, chat messages.

    Each value is fed in order; the digit groups at the end of one value, values of digits alone,
    and the digit groups at the start of the next form a chain. A chain ends at a value that does
    not continue it (or at `flush()`); its windows that span two or more values are scored as a
    split. Values of id, count, money, time and phone fields never join.
    """

    def __init__(self) -> None:
        self._chain: list[_Part] = []

    def feed(self, value: str, where: str, field_name: str | None = None) -> list[tuple[str, Match]]:
        """Add the next value; the PANs of a chain this value ends."""
        if not joins(field_name):
            return self.flush()
        kind = field_kind(field_name)
        text = fold(value)
        if "<" in text and _HTML_MARK.search(text):  # a chat message's HTML body: "<p>4111</p>"
            text = html.unescape(_TAG.sub(" ", text))
        field_evidence = [kind] if kind else []
        if _MONEY.fullmatch(text.strip()):  # an amount is never a part, not even a tail
            return self.flush()
        whole = _WHOLE.fullmatch(text)
        if whole and _DOTTED.fullmatch(whole.group(1)):
            return self.flush()
        if whole:
            groups = _DIGIT_GROUP.findall(whole.group(1))
            if sum(map(len, groups)) > MAX_WHOLE_DIGITS or max(map(len, groups)) > MAX_GROUP_DIGITS:
                return self.flush()  # an id or a barcode, not a piece of a card
            self._chain.append(_Part(groups, where, True, False, field_evidence))
            return []
        head = _HEAD.match(text) if self._chain else None
        if head and _digit_count(head.group(1)) >= MIN_EDGE_DIGITS and not _DOTTED.fullmatch(head.group(1)):
            rest = text[head.end() :]
            self._chain.append(
                _Part(_DIGIT_GROUP.findall(head.group(1)), where, False, words_before(rest[:32]), field_evidence)
            )
        found = self.flush()
        tail = _TAIL.search(text, max(0, len(text) - _EDGE_SPAN))  # a part is short: no quadratic search
        if tail and _digit_count(tail.group(1)) >= MIN_EDGE_DIGITS and not _DOTTED.fullmatch(tail.group(1)):
            before = text[: tail.start()]
            self._chain = [
                _Part(_DIGIT_GROUP.findall(tail.group(1)), where, False, words_before(before[-48:]), field_evidence)
            ]
        return found

    def flush(self) -> list[tuple[str, Match]]:
        chain, self._chain = self._chain, []
        if len(chain) < 2:
            return []
        groups: list[str] = []
        owner: list[int] = []
        for index, part in enumerate(chain):
            groups += part.groups
            owner += [index] * len(part.groups)
        found: list[tuple[str, Match]] = []
        i = 0
        while i < len(groups):
            best: tuple[int, int, str, str, list[str]] | None = None
            for j, pan, brand in pan_windows(groups, i):
                if owner[j] == owner[i]:
                    continue  # within one value: the text scanner's to find
                parts = chain[owner[i] : owner[j] + 1]
                evidence = [*_number_evidence(pan, brand), "split"]
                if i == j:
                    continue
                shape = grouping([len(g) for g in groups[i : j + 1]])
                if shape:
                    evidence.append(shape)
                sizes = [
                    sum(len(g) for g, o in zip(groups[i : j + 1], owner[i : j + 1], strict=True) if o == k)
                    for k in range(owner[i], owner[j] + 1)
                ]
                if aligned(sizes):
                    evidence.append("split_aligned")
                if all(p.whole for p in parts):
                    evidence.append("split_whole_values")
                if any(p.card_words for p in parts):
                    evidence.append("card_words")
                evidence += sorted({e for p in parts for e in p.field_evidence})
                score = _score(evidence)
                if best is None or score > best[0]:
                    best = (score, j, pan, brand, evidence)
                if score >= THRESHOLD:
                    break
            if best is None or best[0] < THRESHOLD:
                i += 1
                continue
            _, j, pan, brand, evidence = best
            first, last = chain[owner[i]].where, chain[owner[j]].where
            via = f"split over {first}..{last}"
            found.append((first, Match("pan", brand, mask_pan(pan), 0, pan, via, tuple(evidence))))
            i = j + 1
        return found


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _message_texts(item: Mapping[Any, Any], prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str, str]]:
    """(relative pointer, field name, text) of the string fields of one object of a list, one level down too."""
    for key, value in item.items():
        name = str(key)
        rel = f"{prefix}/{_escape(name)}"
        if isinstance(value, str):
            yield rel, name, value
        elif isinstance(value, Mapping) and depth == 0:
            yield from _message_texts(value, rel, 1)


def scan_record(record: Any, pointer: str = "") -> Iterator[tuple[str, Match]]:
    """(JSON pointer, match) for every string, number and split number of a parsed record.

    A number found split is not reported again when the same number is found whole.
    """
    seen: set[str] = set()
    splits: list[tuple[str, Match]] = []
    for where, match in _walk(record, pointer, None, 0):
        if match.via and match.via.startswith("split"):
            splits.append((where, match))
            continue
        seen.add(match.digits)
        yield where, match
    for where, match in splits:
        if match.digits not in seen:
            seen.add(match.digits)
            yield where, match


def _walk(record: Any, pointer: str, name: str | None, depth: int) -> Iterator[tuple[str, Match]]:
    if isinstance(record, Mapping):
        joiner = Joiner()
        for key, value in record.items():
            key_text = str(key)
            child = f"{pointer}/{_escape(key_text)}"
            if key_text and any(c.isdigit() for c in key_text):  # a key can hold a card number too (not encoded)
                yield from ((child, m) for m in scan_text(key_text, None, MAX_DEPTH))
            if isinstance(value, str):
                yield from joiner.feed(value, child, key_text)
            else:
                yield from joiner.flush()
            yield from _walk(value, child, key_text, depth)
        yield from joiner.flush()
    elif isinstance(record, list):
        joiner = Joiner()
        across: dict[str, Joiner] = {}  # the same field of consecutive objects: messages, comments, rows
        for index, item in enumerate(record):
            child = f"{pointer}/{index}"
            if isinstance(item, str):
                yield from joiner.feed(item, child, name)
            else:
                yield from joiner.flush()
            if isinstance(item, Mapping):
                for rel, field_name, text in _message_texts(item):
                    yield from across.setdefault(rel, Joiner()).feed(text, f"{child}{rel}", field_name)
            yield from _walk(item, child, name, depth)
        yield from joiner.flush()
        for pending in across.values():
            yield from pending.flush()
    elif isinstance(record, str):
        for match in scan_text(record, name, depth):
            yield pointer, match
    elif isinstance(record, int) and not isinstance(record, bool) and record >= 10**11:
        for match in scan_text(str(record), name, MAX_DEPTH):
            yield pointer, match
