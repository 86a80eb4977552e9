"""A labelled, seeded corpus of card-number cases built from the catalogue in reference/cards.md (6, 7).

Each item is text, a parsed record or a list of chat messages, with the PANs it really holds.
Positives cover every disguise of section 6 across brands and lengths; negatives every hard case of
section 7 with realistic surroundings. `python3 -c "from tests.pan_corpus import build; ..."` and
the accuracy benchmark use the same builder, so the figures are reproducible.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

BRANDS = [
    ("visa", "4", 16),
    ("visa", "4", 13),
    ("visa", "4", 19),
    ("mastercard", "51", 16),
    ("mastercard", "55", 16),
    ("mastercard", "2221", 16),
    ("mastercard", "2720", 16),
    ("amex", "34", 15),
    ("amex", "37", 15),
    ("discover", "6011", 16),
    ("discover", "65", 19),
    ("jcb", "3530", 16),
    ("jcb", "3589", 19),
    ("diners", "36", 14),
    ("diners", "300", 14),
    ("unionpay", "62", 16),
    ("unionpay", "62", 19),
    ("maestro", "6759", 12),
    ("maestro", "50", 13),
    ("mir", "2200", 16),
    ("mir", "2204", 19),
]


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    kind: str  # text, record, messages
    value: Any
    pans: frozenset[str]


def luhn_complete(partial: str) -> str:
    total = 0
    for i, char in enumerate(reversed(partial)):
        digit = int(char)
        if i % 2 == 0:
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return partial + str((10 - total % 10) % 10)


def make_pan(rng: random.Random) -> str:
    _, prefix, length = rng.choice(BRANDS)
    return luhn_complete(prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1)))


def luhn_valid_number(rng: random.Random, prefix: str, length: int) -> str:
    return luhn_complete(prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1)))


def groups(pan: str, sizes: tuple[int, ...] = (4,)) -> list[str]:
    out, at, i = [], 0, 0
    while at < len(pan):
        size = sizes[min(i, len(sizes) - 1)]
        out.append(pan[at : at + size])
        at += size
        i += 1
    return out


FULLWIDTH = str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")
ARABIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
PERSIAN = str.maketrans("0123456789", "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")
DEVANAGARI = str.maketrans("0123456789", "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f")
SENTENCES = [
    "Hi, here is my card {x} can you retry the payment?",
    "{x}",
    "card: {x} thanks",
    "I tried {x} twice and it failed",
    "Please use {x} for the replacement order",
]

Positive = Callable[[random.Random, str], tuple[str, Any]]
POSITIVES: dict[str, Positive] = {
    "contiguous": lambda r, p: ("text", r.choice(SENTENCES).format(x=p)),
    "spaced": lambda r, p: ("text", r.choice(SENTENCES).format(x=" ".join(groups(p)))),
    "dashed": lambda r, p: ("text", r.choice(SENTENCES).format(x="-".join(groups(p)))),
    "dotted": lambda r, p: ("text", r.choice(SENTENCES).format(x=".".join(groups(p)))),
    "slash_underscore_pipe": lambda r, p: ("text", r.choice(SENTENCES).format(x=r.choice("/_|").join(groups(p)))),
    "mixed": lambda r, p: ("text", "card " + "".join(g + r.choice(["  ", " - ", "-", " "]) for g in groups(p)).strip()),
    "one_digit_per_space": lambda r, p: ("text", "ok " + " ".join(p) + " done"),
    "irregular_grouping": lambda r, p: ("text", "use " + " ".join(groups(p, (3, 5, 4)))),
    "line_break": lambda r, p: ("text", " ".join(groups(p)[:2]) + "\n" + " ".join(groups(p)[2:])),
    "json_escaped_line_break": lambda r, p: (
        "text",
        json.dumps({"m": " ".join(groups(p)[:2]) + "\n" + " ".join(groups(p)[2:])}),
    ),
    "unicode_spaces": lambda r, p: (
        "text",
        r.choice(["\u00a0", "\u202f", "\u2009", "\u2007", "\u3000"]).join(groups(p)),
    ),
    "zero_width": lambda r, p: ("text", r.choice(["\u200b", "\u200c", "\u2060", "\ufeff"]).join(groups(p))),
    "fullwidth": lambda r, p: ("text", " ".join(groups(p)).translate(FULLWIDTH)),
    "other_script_digits": lambda r, p: (
        "text",
        " ".join(groups(p)).translate(r.choice([ARABIC, PERSIAN, DEVANAGARI])),
    ),
    "glued_to_letters": lambda r, p: ("text", r.choice(["cc", "ref_", "card"]) + p + r.choice(["", "exp0827", "x"])),
    "neighbouring_numbers": lambda r, p: (
        "text",
        " ".join(groups(p)) + f" {r.randrange(1, 13):02d} {r.randrange(26, 32)} {r.randrange(100, 1000)}",
    ),
    "json_number": lambda r, p: ("record", {"note": int(p), "id": r.randrange(10**6)}),
    "nested_attributes": lambda r, p: ("record", {"note_attributes": [{"name": "card", "value": " ".join(groups(p))}]}),
    "csv_text_prefix": lambda r, p: ("record", {"comment": "'" + p, "row": "3"}),
    "url_encoded": lambda r, p: ("text", r.choice(["%20", "+", "%2D"]).join(groups(p))),
    "url_all_percent": lambda r, p: ("text", "".join(f"%{ord(c):02X}" for c in " ".join(groups(p)))),
    "url_double": lambda r, p: ("text", quote(quote(" ".join(groups(p))))),
    "html_entities": lambda r, p: (
        "text",
        "".join(f"&#{ord(c)};" if i % 3 == 0 else c for i, c in enumerate(" ".join(groups(p)))),
    ),
    "html_tags": lambda r, p: ("text", "".join(f"<span>{g}</span>" for g in groups(p))),
    "html_nbsp": lambda r, p: ("text", "&nbsp;".join(groups(p))),
    "json_unicode_escapes": lambda r, p: (
        "text",
        "".join(f"\\u{ord(c):04x}" if i < 6 else c for i, c in enumerate(" ".join(groups(p)))),
    ),
    "base64": lambda r, p: (
        "text",
        "attachment: " + base64.b64encode(r.choice(SENTENCES).format(x=" ".join(groups(p))).encode()).decode(),
    ),
    "split_json_fields": lambda r, p: ("record", {"cc1": " ".join(groups(p)[:2]), "cc2": " ".join(groups(p)[2:])}),
    "split_array_items": lambda r, p: ("record", {"parts": groups(p)}),
    "split_csv_columns": lambda r, p: ("record", dict(zip(["c1", "c2", "c3", "c4", "c5"], groups(p), strict=False))),
    "split_chat_messages": lambda r, p: (
        "messages",
        ["ok here", " ".join(groups(p)[:2]), " ".join(groups(p)[2:]), "thx"],
    ),
    "track1": lambda r, p: ("text", f"%B{p}^DOE/JOHN^{r.randrange(26, 32)}{r.randrange(1, 13):02d}1010000000?"),
    "track2": lambda r, p: ("text", f";{p}={r.randrange(26, 32)}{r.randrange(1, 13):02d}1010000000?"),
    "in_url": lambda r, p: ("text", f"https://pay.example/retry?card={p}&x=1"),
    "markdown_quote": lambda r, p: ("text", "> " + " ".join(groups(p)) + "\n> sent from my phone"),
}


BULLETS = "\u2022" * 4


def _hex(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


Negative = Callable[[random.Random], tuple[str, Any]]
NEGATIVES: dict[str, Negative] = {
    "masked_first6_last4": lambda r: (
        "text",
        f"paid with {luhn_valid_number(r, '4', 16)[:6]}{r.choice(['******', 'XXXXXX', 'xxxxxx', '######'])}"
        f"{r.randrange(10000):04d}",
    ),
    "masked_last4": lambda r: ("text", f"card ending {r.randrange(10000):04d}"),
    "zendesk_redacted": lambda r: ("text", f"4111 11\u2587\u2587 \u2587\u2587\u2587\u2587 {r.randrange(10000):04d}"),
    "shopify_bullets": lambda r: (
        "record",
        {
            "credit_card_bin": luhn_valid_number(r, "4", 16)[:6],
            "credit_card_number": f"{BULLETS} {BULLETS} {BULLETS} {r.randrange(10000):04d}",
        },
    ),
    "tokens": lambda r: ("text", f"{r.choice(['pm_', 'tok_', 'card_', 'src_'])}{_hex(r, 24)}"),
    "sha256": lambda r: ("text", "digest " + hashlib.sha256(str(r.random()).encode()).hexdigest()),
    "sha1_in_hex_with_digits": lambda r: (
        "text",
        "key " + _hex(r, 6) + "a" + luhn_valid_number(r, "4", 16) + "f" + _hex(r, 8),
    ),
    "luhn_wrong_prefix": lambda r: ("text", " ".join(groups(luhn_valid_number(r, r.choice("79"), 16)))),
    "luhn_wrong_length": lambda r: ("text", luhn_valid_number(r, "4", r.choice([14, 15, 17, 18]))),
    "id_fields": lambda r: (
        "record",
        {
            "order_id": 5_612_000_000_000 + r.randrange(10**6),
            "variant_id": luhn_valid_number(r, "4", 14),
            "line_item_id": int(luhn_valid_number(r, "4", 16)),
        },
    ),
    "order_id_in_text": lambda r: ("text", f"Order #{luhn_valid_number(r, '50', 13)} shipped"),
    "marketplace_order": lambda r: (
        "text",
        f"Amazon order {r.randrange(100, 999)}-{r.randrange(10**6, 10**7)}-{r.randrange(10**6, 10**7)}",
    ),
    "ups": lambda r: ("text", f"tracking 1Z{_hex(r, 6).upper()}{r.randrange(10**9, 10**10)}"),
    "usps": lambda r: ("text", "USPS " + " ".join(groups("9400" + "".join(str(r.randrange(10)) for _ in range(18))))),
    "fedex": lambda r: (
        "text",
        f"FedEx {r.choice(['7', '9'])}{''.join(str(r.randrange(10)) for _ in range(r.choice([11, 14, 19, 21])))}",
    ),
    "phone": lambda r: (
        "text",
        f"call me on +{r.choice(['49 151', '44 7700', '1 415', '351 912'])} {r.randrange(10**7, 10**8)}",
    ),
    "iban": lambda r: (
        "text",
        f"IBAN {r.choice(['DE', 'FR', 'PT', 'NL'])}{r.randrange(10, 99)} "
        + " ".join(groups(luhn_valid_number(r, "4", 16)))
        + f" {r.randrange(10, 99)}",
    ),
    "uuid": lambda r: ("text", f"ref {uuid.UUID(int=r.getrandbits(128))}"),
    "timestamps": lambda r: (
        "text",
        f"ts={r.choice(['17', '16'])}{''.join(str(r.randrange(10)) for _ in range(r.choice([11, 14, 17])))}",
    ),
    "float_fraction": lambda r: ("text", f"score 0.{luhn_valid_number(r, '4', 16)}"),
    "amounts": lambda r: (
        "text",
        f"refund of ${r.randrange(1, 9999)}.{r.randrange(100):02d} and {r.randrange(1, 99)},{r.randrange(100, 999)}.00",
    ),
    "barcode": lambda r: (
        "text",
        f"{r.choice(['EAN', 'barcode', 'UPC'])} {luhn_valid_number(r, r.choice(['40', '50', '69']), 13)}",
    ),
    "long_digit_run": lambda r: ("text", "boleto " + "".join(str(r.randrange(10)) for _ in range(47))),
    "date_and_numbers": lambda r: (
        "text",
        f"on 2026-{r.randrange(1, 13):02d}-{r.randrange(1, 28):02d} at 10:{r.randrange(60):02d}, "
        f"ticket {r.randrange(10**5)}",
    ),
}


def build(seed: int = 2026, per_positive: int = 28, per_negative: int = 26) -> list[Case]:
    """About 1,600 cases: every positive disguise and every hard negative, seeded."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    cases: list[Case] = []
    for name, make in POSITIVES.items():
        for _ in range(per_positive):
            pan = make_pan(rng)
            while (
                name in {"html_entities", "json_unicode_escapes", "split_chat_messages", "split_json_fields"}
                and len(pan) < 16
            ):
                pan = make_pan(rng)
            kind, value = make(rng, pan)
            cases.append(Case(name, kind, value, frozenset({pan})))
    for name, negative in NEGATIVES.items():
        for _ in range(per_negative):
            kind, value = negative(rng)
            cases.append(Case(name, kind, value, frozenset()))
    return cases


def pans_found(case: Case) -> set[str]:
    """The PANs (and track data) vendor-audit's scanner finds in one case, as the audit would look at it."""
    from vendor_audit.pan import Joiner, scan_record, scan_text

    if case.kind == "text":
        matches = scan_text(case.value)
    elif case.kind == "record":
        matches = [m for _, m in scan_record(case.value)]
    else:
        joiner = Joiner()
        matches = []
        for message in case.value:
            matches += scan_text(message) + [m for _, m in joiner.feed(message, "message")]
        matches += [m for _, m in joiner.flush()]
    return {m.digits for m in matches if m.kind in {"pan", "track_data"}}


def precision_recall(cases: list[Case], found: list[set[str]]) -> tuple[float, float]:
    """Per-PAN precision and recall of `found` (one set per case) against the labels."""
    true_positive = false_positive = false_negative = 0
    for case, got in zip(cases, found, strict=True):
        true_positive += len(got & case.pans)
        false_positive += len(got - case.pans)
        false_negative += len(case.pans - got)
    return true_positive / max(1, true_positive + false_positive), true_positive / max(
        1, true_positive + false_negative
    )
