r"""The one redactor: every string that leaves the process passes it (DESIGN.md, "One redactor").

    redact = Redactor(secrets)       # the run's credentials
    redact(text)                     # secrets removed, card numbers masked, control characters neutralised
    redact.for_terminal(text)        # the same, and carriage returns too: a line cannot overwrite another
    redact.secrets(text)             # secrets and control characters only: for documents whose numbers are data

What it removes:
- every known secret, and any 8+ character prefix or suffix of it (APIs echo truncated tokens), as written,
  in base64 (standard and URL-safe, padded or not, at each of the three byte alignments, so
  `Basic base64(email:token)` is caught too), URL-encoded (any case of hex, form-encoded spaces), JSON-escaped
  (`\/`, `\u0041`), HTML entities, double encodings, full-width letters;
- every card number in every digit form vendor_audit.pan understands: separators, other scripts' digits
  (Arabic-Indic, full-width, via their Unicode digit values), zero-width characters, HTML entities, `\u`
  escapes, URL-encoding, base64-wrapped text; masked to first 6 and last 4 at most (pan.mask_pan). A run of
  digit groups is masked when a window of whole groups has a brand's IIN and length and passes Luhn, the
  scanner's rule, so ids, timestamps and digests in reports keep their bytes; record ids in resource paths
  (`orders/5612000000138`, 14 digits at most), digits inside hex digests and UUIDs are left alone;
- terminal control characters: C0 but tab and line feed (and carriage return outside `for_terminal`), DEL,
  C1, bidi overrides and isolates. C0 and DEL become their Unicode control pictures (ESC is `␛`), so an escape
  sequence is shown, not obeyed; the others become U+FFFD.

Total and linear: no recursion, no backtracking pattern, each step a constant number of passes over the text
(decoding views are built once per pass, a mapping of their offsets back to the text kept in segments); any
input gives a string. Idempotent: what it writes does not look like anything it removes.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import html.entities
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from vendor_audit.pan import ID_FIELD, longest_pan, mask_pan

__all__ = ["REDACTED", "Redactor", "for_terminal", "mask_pan", "mask_pans", "redact_json"]

REDACTED = "[REDACTED]"
_HEAD = 8  # the shortest echo of a secret that is removed: shorter ones would hit ordinary words
_PASSES = 4  # a pass re-run on its own output changes nothing; the bound only keeps a bug from looping

# -- control characters --------------------------------------------------------------------------------------

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DOCUMENT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "]")
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ... ␟: ESC shows as ␛
    return "\u2421" if code == 0x7F else "\ufffd"


def _neutralise(text: str, controls: re.Pattern[str]) -> str:
    if controls.search(text) is None:
        return text
    return controls.sub(lambda m: _picture(m.group()), text)


# -- decoding views: the text as a reader (or a browser, a JSON parser, a URL decoder) would see it ---------

# One token per escape, in one alternation, so a view costs one pass; longest forms first.
_TOKEN = re.compile(
    r"%[C-Fc-f][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){1,3}"  # a UTF-8 sequence, percent-encoded
    r"|%[0-9A-Fa-f]{2}"
    r"|\\u[dD][89abAB][0-9A-Fa-f]{2}\\u[dD][c-fC-F][0-9A-Fa-f]{2}"  # a JSON surrogate pair
    r"|\\u[0-9A-Fa-f]{4}"
    r"|\\[/\\\"'nrtbf]"
    r"|&#[0-9]{1,7};?|&#[xX][0-9A-Fa-f]{1,6};?|&[A-Za-z][A-Za-z0-9]{1,31};"
    r"|<[A-Za-z/!][^<>]{0,200}>"  # a tag between digit groups splits them as a space does
    r"|(?<=[0-9])\+(?=[0-9])"  # a form-encoded space between digits
    # An escape sequence as neutralising wrote it (CSI, OSC up to its BEL or ST), then invisible characters
    r"|\u241b(?:\[[0-?]{0,64}[ -/]{0,8}[@-~]|\][^\u2407\u241b]{0,256}(?:\u2407|\u241b\\)?|[@-_])?"
    r"|[\u200b\u200c\u200d\u2060\ufeff\u00ad\u2400-\u2421\ufffd]+"
)
_MARKS = re.compile(r"[%\\&<+\u200b\u200c\u200d\u2060\ufeff\u00ad\u2400-\u2421\ufffd]")
_ESCAPES = {"/": "/", "\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_VIEW_LAYERS = 3  # double and triple encodings (%2534, &amp;#52;)


@functools.lru_cache(maxsize=4096)  # documents repeat their tags and entities
def _decode_token(token: str) -> str:
    first = token[0]
    try:
        if first == "%":
            data = bytes(int(token[i + 1 : i + 3], 16) for i in range(0, len(token), 3))
            return data.decode("utf-8") if len(data) > 1 or data[0] < 0x80 else token
        if first == "\\":
            if token[1] == "u":
                units = [int(token[i + 2 : i + 6], 16) for i in range(0, len(token), 6)]
                if len(units) == 2:
                    return chr(0x10000 + ((units[0] - 0xD800) << 10) + (units[1] - 0xDC00))
                return token if 0xD800 <= units[0] <= 0xDFFF else chr(units[0])
            return _ESCAPES[token[1]]
        if first == "&":
            if token[1] == "#":
                body = token[2:].rstrip(";")
                code = int(body[1:], 16) if body[:1] in "xX" else int(body)
                return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else token
            return html.entities.html5.get(token[1:], token)
        if first == "<" or first == "+":
            return " "
    except (ValueError, UnicodeDecodeError, KeyError, IndexError):
        return token
    return ""  # zero-width characters and control pictures


def _tokens(source: str) -> Iterator[re.Match[str]]:
    """_TOKEN.finditer(source), ten times faster on long text with few tokens (a 0.8 MB OSCAL document: 30 -> 2 ms).

    Every token starts with one of _MARKS, which one character class finds fast; _TOKEN alone is tried at every
    position, its lookbehind defeating the regex engine's scan for a first character.
    """
    at = 0
    while (mark := _MARKS.search(source, at)) is not None:
        token = _TOKEN.match(source, mark.start())  # lookbehind still sees what comes before the position
        if token is None:
            at = mark.start() + 1
        else:
            yield token
            at = token.end()


class _Layer:
    """One decoding of a text: `text` is what it decodes to; offsets map back to the source in segments."""

    __slots__ = ("ends", "lengths", "starts", "text", "view_starts")

    def __init__(self, source: str) -> None:
        self.view_starts: list[int] = []  # where each decoded token starts in `text`
        self.lengths: list[int] = []  # and its decoded length
        self.starts: list[int] = []  # the token's span in the source
        self.ends: list[int] = []
        pieces: list[str] = []
        done = 0
        size = 0
        for token in _tokens(source):
            decoded = _decode_token(token.group())
            if decoded == token.group():
                continue
            pieces.append(source[done : token.start()])
            size += token.start() - done
            self.view_starts.append(size)
            self.lengths.append(len(decoded))
            self.starts.append(token.start())
            self.ends.append(token.end())
            pieces.append(decoded)
            size += len(decoded)
            done = token.end()
        pieces.append(source[done:])
        self.text = "".join(pieces) if self.starts else source

    @property
    def changed(self) -> bool:
        return bool(self.starts)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The source span that decodes to text[start:end] (end > start)."""
        return self._start(start), self._end(end - 1)

    def _start(self, at: int) -> int:
        k = bisect.bisect_right(self.view_starts, at) - 1
        if k < 0:
            return at
        if at < self.view_starts[k] + self.lengths[k]:
            return self.starts[k]
        return self.ends[k] + at - self.view_starts[k] - self.lengths[k]

    def _end(self, at: int) -> int:
        k = bisect.bisect_right(self.view_starts, at) - 1
        if k >= 0 and at < self.view_starts[k] + self.lengths[k]:
            return self.ends[k]
        return self._start(at) + 1


class _View:
    """The text under every encoding it shows marks of, decoded up to three layers deep, digits folded."""

    def __init__(self, text: str) -> None:
        self.layers: list[_Layer] = []
        current = text
        if _MARKS.search(text) is not None:
            for _ in range(_VIEW_LAYERS):
                layer = _Layer(current)
                if not layer.changed:
                    break
                self.layers.append(layer)
                current = layer.text
        self.text = _fold(current)

    @property
    def changed(self) -> bool:
        return bool(self.layers)

    def span(self, start: int, end: int) -> tuple[int, int]:
        for layer in reversed(self.layers):
            start, end = layer.span(start, end)
        return start, end


@functools.cache
def _fold_table() -> dict[int, str]:
    """Every digit of every script as its ASCII digit; full-width ASCII and Unicode spaces as plain ones.

    One character for one, so offsets hold. Built on first need (50 ms): digits stop at U+1FBF9.
    """
    table: dict[int, str] = {}
    for code in range(0x80, 0x20000):
        char = chr(code)
        value = unicodedata.digit(char, None)
        if value is not None:
            table[code] = str(value)
        elif 0xFF01 <= code <= 0xFF5E:
            table[code] = chr(code - 0xFEE0)
        elif char.isspace():
            table[code] = " "
    return table


def _fold(text: str) -> str:
    return text if text.isascii() else text.translate(_fold_table())


# -- secrets -------------------------------------------------------------------------------------------------


def _disguises(secret: str) -> set[str]:
    """The forms of a secret searched for: as written, form-encoded, and the base64 cores at each alignment.

    A secret at byte offset k of an encoded string (`email:token`) shows as the characters of
    base64(k % 3 bytes + secret) whose six bits all come from the secret; padding follows those, so one core
    covers padded and unpadded forms. URL-encoding, JSON escapes and entities are decoded by the views.
    """
    forms = {secret}
    if " " in secret:
        forms.add(secret.replace(" ", "+"))
    data = secret.encode("utf-8", "surrogatepass")
    for align in range(3):
        encoded = base64.b64encode(b"\0" * align + data).decode()
        first = -(-8 * align // 6)  # the first character with no bit of the alignment bytes
        last = (8 * (align + len(data))) // 6
        core = encoded[first:last]
        if len(core) >= _HEAD:
            forms.add(core)
            forms.add(core.translate(_URLSAFE))
    return forms


_URLSAFE = str.maketrans("+/", "-_")


class _Echoes:
    """Finds every 8+ character prefix of any of many strings, in linear time and without recursion.

    One compiled trie of the 8-character heads finds candidates, then each hit is extended to the longest
    prefix of any string sharing that head (a gallop and bisection over the sorted group). A pattern nesting
    one optional group per character exceeds the regex compiler's recursion limit from about 500 characters.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self._by_head: dict[str, list[str]] = {}
        for word in sorted({w for w in words if len(w) >= _HEAD}):
            self._by_head.setdefault(word[:_HEAD], []).append(word)
        self._heads = re.compile(_trie_pattern(self._by_head)) if self._by_head else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        if self._heads is None:
            return found
        done = 0
        while (hit := self._heads.search(text, done)) is not None:
            start = hit.start()
            done = start + _longest_echo(text, start, self._by_head[hit.group()])
            found.append((start, done))
        return found


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many words of one length, with shared prefixes factored out.

    A search then tries one branch per distinct next character, not every word at every position,
    and the pattern nests only as deep as the words are long (_HEAD): the recursion below is 8 deep at most.
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
    """The length of the longest prefix of a word in `group` (sorted, one shared head) at text[start:].

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


# -- card numbers --------------------------------------------------------------------------------------------

_SEPARATORS = " \t\r\n-./_|\\\u00a0"  # vendor_audit.pan's, after folding (Unicode spaces are spaces by then)
_RUN = re.compile(r"[0-9](?:[" + re.escape(_SEPARATORS) + r"]{0,3}[0-9]){11,}")
_GROUP = re.compile(r"[0-9]+")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# As vendor_audit.pan reads them: a token may follow "=" (a query's or a form's value).
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX_LETTERS = frozenset("abcdefABCDEF")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
_RESOURCE_ID = 14  # vendor record ids run to 14 digits (Shopify line items); card numbers mostly to 15-19


class _Context:
    """What around a digit run says it is no card number; computed once per text, only when a run needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._uuids: list[tuple[int, int]] | None = None
        self._hex: tuple[list[int], list[tuple[int, int, int, int]]] | None = None

    def in_uuid(self, start: int, end: int) -> bool:
        if self._uuids is None:
            self._uuids = [m.span() for m in _UUID.finditer(self.text)] if "-" in self.text else []
        k = bisect.bisect_right(self._uuids, (start, len(self.text))) - 1
        return k >= 0 and self._uuids[k][0] <= start and end <= self._uuids[k][1]

    def in_hash(self, start: int, end: int) -> bool:
        """Inside a hex token of 24+ characters with letters on both sides (a digest, a key), as pan._in_hash."""
        text = self.text
        if start == 0 or end == len(text) or text[start - 1] not in _HEX_LETTERS or text[end] not in _HEX_CHARS:
            return False  # the common case, decided without tokenising the text
        if self._hex is None:
            tokens = []
            for m in _HEX.finditer(self.text):
                letters = [m.start() + j for j, c in enumerate(m.group()) if c.isalpha()]
                tokens.append((m.start(), m.end(), letters[0] if letters else -1, letters[-1] if letters else -1))
            self._hex = ([t[0] for t in tokens], tokens)
        starts, tokens = self._hex
        left = bisect.bisect_right(starts, start) - 1
        right = bisect.bisect_right(starts, end - 1) - 1
        if left < 0 or right < 0:
            return False
        first, last = tokens[left], tokens[right]
        if not (first[0] <= start < first[1] and last[0] <= end - 1 < last[1]) or last[1] - first[0] < 24:
            return False
        return first[2] != -1 and first[2] < start and last[3] >= end

    def resource_id(self, start: int, end: int) -> bool:
        """A record id as a path segment: `orders/5612000000138`, plain digits after `word/`."""
        text = self.text
        if end - start > _RESOURCE_ID or start < 2 or text[start - 1] != "/":
            return False
        before = text[start - 2]
        after = text[end] if end < len(text) else "/"
        return (before.isascii() and (before.isalpha() or before == "_")) and not (after.isascii() and after.isalnum())


def _pan_windows(text: str, run: re.Match[str], context: _Context) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every card number among the whole-group windows of a digit run."""
    groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run.group())]
    digits = [text[s:e] for s, e in groups]
    found = []
    i = 0
    while i < len(groups):
        start = groups[i][0]
        # The fraction of a decimal number (0.4532015112830366), as the scanner reads it.
        if i and text[start - 1] == "." and groups[i - 1][1] == start - 1 and len(digits[i - 1]) <= 3:
            if len(digits[i]) >= 5:
                i += 1
                continue
        best = longest_pan(digits, i)
        if best is None:
            i += 1
            continue
        j, pan, _ = best
        end = groups[j][1]
        # A decimal number (40.30927323372037): its integer part and fraction are one number, not a card.
        if j > i and len(digits[i]) <= 3 and text[groups[i][1] : groups[i + 1][0]] == "." and len(digits[i + 1]) >= 5:
            i += 1
            continue
        if not (context.in_uuid(start, end) or context.in_hash(start, end) or context.resource_id(start, end)):
            found.append((start, end, pan))
        i = j + 1
    return found


def _run_replacement(text: str, run: re.Match[str], windows: list[tuple[int, int, str]]) -> str:
    """The run with each card number masked.

    When what is left could still read as one (a masked number's visible digits beside other groups), every
    digit but the run's first 6 and last 4 is masked instead, so masking the output again changes nothing.
    """
    pieces = []
    done = run.start()
    for start, end, pan in windows:
        pieces += [text[done:start], mask_pan(pan)]
        done = end
    pieces.append(text[done : run.end()])
    masked = "".join(pieces)
    for again in _RUN.finditer(masked):
        groups = _GROUP.findall(again.group())
        if any(longest_pan(groups, i) for i in range(len(groups))):
            break
    else:
        return masked
    original = run.group()
    total = sum(c.isdigit() for c in original)
    out = []
    seen = 0
    for char in original:
        if char.isdigit():
            seen += 1
            out.append(char if seen <= 6 or seen > total - 4 else "*")
        else:
            out.append(char)
    return "".join(out)


def _pan_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for every digit run of `text` (ASCII digits) that holds a card number."""
    found: list[tuple[int, int, str]] = []
    context: _Context | None = None
    for run in _RUN.finditer(text):
        context = context or _Context(text)
        windows = _pan_windows(text, run, context)
        if windows:
            found.append((run.start(), run.end(), _run_replacement(text, run, windows)))
    return found


def _looks_base64(token: str) -> bool:
    """Base64 of text mixes cases; tracking numbers, hex digests and most words do not.

    Looser than the scanner's screen (which also wants a digit or "+/"): `pan=4000...` in URL-safe base64 has
    neither, and a decoding that is not text costs one failed decode.
    """
    return token.upper() != token and token.lower() != token


# -- the redactor --------------------------------------------------------------------------------------------

Span = tuple[int, int, str, int]  # start, end, replacement, rank (a secret outranks a card number)


class Redactor:
    """Removes the run's secrets in every encoding, masks card numbers in every digit form, neutralises controls.

    Args:
        secrets: every credential the run knows; those under 8 characters are not tracked (they would hit
            ordinary words).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = {s for s in secrets if isinstance(s, str) and len(s) >= _HEAD}
        self._forms = sorted({form for secret in known for form in _disguises(secret)}, key=len, reverse=True)
        self._prefixes = _Echoes(self._forms)
        self._suffixes = _Echoes(form[::-1] for form in self._forms)
        self._has_secrets = bool(self._forms)

    def __call__(self, text: str) -> str:
        return self._redact(text, _DOCUMENT_CONTROLS, pans=True)

    def for_terminal(self, text: str) -> str:
        """For a terminal: as __call__, and carriage returns neutralised too (a line cannot overwrite another)."""
        return self._redact(text, _TERMINAL_CONTROLS, pans=True)

    def secrets(self, text: str) -> str:
        """Secrets removed and control characters neutralised, digits untouched.

        For a rendered JSON or HTML document, whose numbers are data, once its strings went through __call__.
        """
        return self._redact(text, _DOCUMENT_CONTROLS, pans=False)

    def _redact(self, text: Any, controls: re.Pattern[str], *, pans: bool) -> str:
        try:
            out = _neutralise(text if isinstance(text, str) else str(text), controls)
            for _ in range(_PASSES):
                again = self._pass(out, pans=pans)
                if again == out:
                    break
                out = again
            return out
        except Exception:  # a bug here must not let the text out unredacted, nor stop the run
            return self._fallback(text, controls)

    def _fallback(self, text: Any, controls: re.Pattern[str]) -> str:
        """Should redaction itself fail: no secret as written, no digit and no control character gets out."""
        try:
            text = _neutralise(str(text), controls)
            for form in self._forms:
                text = text.replace(form, REDACTED)
            return re.sub(r"[0-9]", "*", text)
        except Exception:
            return REDACTED

    def _pass(self, text: str, *, pans: bool) -> str:
        sources = _sources(text)
        if self._has_secrets:
            spans = self._secret_spans(sources)
            if spans:
                text = _apply(text, spans)
                sources = _sources(text)
        if pans:
            text = _apply(text, self._card_spans(text, sources))
        return text

    def _secret_spans(self, sources: list[_Source]) -> list[Span]:
        spans: list[Span] = []
        for source, span in sources:
            for start, end in self._echo_spans(source):
                spans.append((*span(start, end), REDACTED, 2))
        return spans

    def _echo_spans(self, text: str) -> list[tuple[int, int]]:
        found = self._prefixes.spans(text)
        size = len(text)
        found += [(size - end, size - start) for start, end in self._suffixes.spans(text[::-1])]
        return found

    def _card_spans(self, text: str, sources: list[_Source]) -> list[Span]:
        spans: list[Span] = []
        for source, span in sources:
            for start, end, replacement in _pan_spans(source):
                spans.append((*span(start, end), replacement, 1))
        for token in _BASE64.finditer(sources[0][0]):  # the text folded
            raw = token.group()
            if not _looks_base64(raw):
                continue
            inside = self._inside_base64(raw)
            if inside is not None:
                spans.append((token.start(), token.end(), inside, 1))
        return spans

    def _inside_base64(self, raw: str) -> str | None:
        """Base64 of text holding a card number (or a secret) re-encoded with it masked; None if it holds none."""
        urlsafe = "-" in raw or "_" in raw
        body = raw.rstrip("=")
        try:
            data = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_" if urlsafe else None, validate=True)
            decoded = data.decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        if not decoded or sum(c.isprintable() or c.isspace() for c in decoded) < 0.9 * len(decoded):
            return None
        inner = _apply(decoded, self._secret_spans(_sources(decoded))) if self._has_secrets else decoded
        inner = _apply(inner, [(s, e, r, 1) for s, e, r in _pan_spans_in_views(inner)])
        if inner == decoded:
            return None
        encoded = base64.b64encode(inner.encode("utf-8", "surrogatepass")).decode()
        if urlsafe:
            encoded = encoded.translate(_URLSAFE)
        return encoded if raw.endswith("=") else encoded.rstrip("=")


def _identity(start: int, end: int) -> tuple[int, int]:
    return start, end


_Source = tuple[str, Callable[[int, int], tuple[int, int]]]  # a text to search, and the map of its spans back


def _sources(text: str) -> list[_Source]:
    """The texts to search, each with the map of its spans back to `text`: the text folded, and its view."""
    folded = _fold(text)
    view = _View(text)
    sources: list[_Source] = [(folded, _identity)]
    if view.changed:
        sources.append((view.text, view.span))
    return sources


def _pan_spans_in_views(text: str) -> list[tuple[int, int, str]]:
    found = []
    for source, span in _sources(text):
        found += [(*span(s, e), r) for s, e, r in _pan_spans(source)]
    return found


def _apply(text: str, spans: list[Span]) -> str:
    """The text with each span replaced; overlapping spans are merged, a secret's replacement winning."""
    if not spans:
        return text
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list[Any]] = []
    for start, end, replacement, rank in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if (rank, end - start) > (last[3], last[1] - last[0]):  # the secret, else the longer card number
                last[2], last[3] = replacement, rank
            last[1] = max(last[1], end)
            continue
        merged.append([start, end, replacement, rank])
    out: list[str] = []
    done = 0
    for start, end, replacement, _ in merged:
        out += (text[done:start], replacement)
        done = end
    out.append(text[done:])
    return "".join(out)


# -- module-level helpers ------------------------------------------------------------------------------------

_PLAIN = Redactor()


def mask_pans(text: str) -> str:
    """Card numbers masked (and controls neutralised) with no secret known: for text before a run starts."""
    return _PLAIN(text)


def for_terminal(text: str, redact: Redactor | None = None) -> str:
    """`text` fit for a terminal: the run's redactor if given, else card numbers and control characters."""
    return (redact or _PLAIN).for_terminal(text)


def redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """A copy of a JSON-like value with every string (and mapping key) redacted; numbers stay numbers.

    Iterative, so evidence nested deeper than the recursion limit is copied too. Tuples become lists, as JSON
    reads them. An integer of 12-19 digits in a field not named like an id is masked as the scanner would
    flag it: a card number sent as a JSON number is still one.
    """
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, str]] = [(value, root, 0, "")]
    while stack:
        item, parent, key, name = stack.pop()
        if isinstance(item, str):
            parent[key] = redact(item)
        elif isinstance(item, Mapping):
            copy: dict[Any, Any] = {}
            parent[key] = copy
            for k, v in item.items():
                new_key = redact(k) if isinstance(k, str) else k
                copy[new_key] = None
                stack.append((v, copy, new_key, k if isinstance(k, str) else ""))
        elif isinstance(item, list | tuple):
            items: list[Any] = [None] * len(item)
            parent[key] = items
            stack += [(v, items, i, name) for i, v in enumerate(item)]
        elif isinstance(item, int) and not isinstance(item, bool) and 10**11 <= abs(item) < 10**19:
            masked = redact(str(item)) if not ID_FIELD.search(name) else str(item)
            parent[key] = item if masked == str(item) else masked
        else:
            parent[key] = item
    return root[0]
