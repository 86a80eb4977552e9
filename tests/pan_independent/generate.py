"""Build tests/pan_independent/corpus.jsonl: an independent, labelled corpus for the PAN scanner.

Run from the repository root: ``python3 -m tests.pan_independent.generate``. The output is deterministic
(seeded); SOURCES.md says where every number family and record shape comes from and how the split is made.
This script may use faker, phonenumbers, schwifty and python-stdnum; the tests read only corpus.jsonl.
"""

from __future__ import annotations

import base64
import csv
import datetime
import functools
import hashlib
import html
import io
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import phonenumbers
from faker import Faker
from schwifty import IBAN
from stdnum import ean, imei, isbn, luhn
from stdnum.ca import sin as ca_sin
from stdnum.de import vat as de_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.gb import vat as gb_vat
from stdnum.it import iva as it_iva
from stdnum.nl import btw as nl_btw
from stdnum.se import personnummer
from stdnum.za import idnr as za_idnr

SEED = "pan-independent-v1"
OUT = Path(__file__).with_name("corpus.jsonl")
SPLITS = ("tune", "test")

# --------------------------------------------------------------------------------------------- helpers


def h64(text: str) -> int:
    """Stable 64-bit hash (sha256), independent of PYTHONHASHSEED."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random("|".join([SEED, *map(str, parts)]))  # noqa: S311 - test data, not crypto


def halves(items: Sequence[Any], salt: str, key: Callable[[Any], str] = str) -> dict[str, list[Any]]:
    """Balanced hashed half split: sort by hash, alternate tune/test (documented in SOURCES.md)."""
    ordered = sorted(items, key=lambda it: h64(f"{salt}|{key(it)}"))
    return {"tune": ordered[0::2], "test": ordered[1::2]}


def bin_split(pan: str) -> str:
    """Number split: a PAN belongs to the split its 6-digit BIN hashes to, so test BINs never occur in tune."""
    return SPLITS[h64("bin|" + pan[:6]) % 2]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_digit(partial: str) -> str:
    for d in "0123456789":
        if luhn_ok(partial + d):
            return d
    raise AssertionError(partial)


def brand_of(p: str) -> str | None:
    """Card brand by the published IIN ranges and lengths (Wikipedia "Payment card number"), else None."""
    n = len(p)
    if not p.isdigit() or n < 12 or n > 19:
        return None
    i2, i3, i4, i6 = int(p[:2]), int(p[:3]), int(p[:4]), int(p[:6])
    if 2200 <= i4 <= 2204 and 16 <= n <= 19:
        return "mir"
    if (2221 <= i4 <= 2720 or 51 <= i2 <= 55) and n == 16:
        return "mastercard"
    if p[0] == "4" and n in (13, 16, 19):
        return "visa"
    if i2 in (34, 37) and n == 15:
        return "amex"
    if (300 <= i3 <= 305 or i4 == 3095 or i2 in (36, 38, 39)) and 14 <= n <= 19:
        return "diners"
    if 3528 <= i4 <= 3589 and 16 <= n <= 19:
        return "jcb"
    if (i4 == 6011 or 622126 <= i6 <= 622925 or 644 <= i3 <= 649 or i2 == 65) and 16 <= n <= 19:
        return "discover"
    if i2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if (i2 == 50 or 56 <= i2 <= 69) and 12 <= n <= 19:
        return "maestro"
    return None


def is_pan(p: str) -> bool:
    return luhn_ok(p) and brand_of(p) is not None


# --------------------------------------------------------------------------------------------- numbers

URL_STRIPE = "https://docs.stripe.com/testing#cards"
URL_BRAINTREE = "https://developer.paypal.com/braintree/docs/guides/credit-cards/testing-go-live/php/"
URL_PAYFLOW = "https://developer.paypal.com/docs/payflow/payflow-pro/payflow-pro-testing/"
URL_PAYPAL = "https://developer.paypal.com/credit-card-number-generator"
URL_ADYEN = "https://docs.adyen.com/development-resources/test-cards-and-credentials/test-card-numbers"
URL_ADYEN_PKG = "https://github.com/amercier/adyen-test-cards/blob/main/src/index.ts"
URL_ADYEN_POS = "https://docs.adyen.com/point-of-sale/testing-pos-payments/test-card-v2"
URL_CYBS = "https://developer.cybersource.com/hello-world/testing-guide-v1.html"
URL_WORLDPAY = "https://developer.worldpay.com/docs/access-worldpay/testing/payments-test-values/"
URL_WORLDPAY2 = "https://developer.worldpay.com/products/payments/testing"
URL_OPAYO = "https://gist.github.com/DominicWatts/2d46d975794f5ad1c38e18cccb34c58c"
URL_MCGW = (
    "https://developer.mastercard.com/mastercard-gateway/documentation/testing/test-cards/test-card-numbers/"
    "test-card-numbers-brand/"
)
URL_MCSEND = "https://developer.mastercard.com/mastercard-send/documentation/implementation/sandbox-test-cards/"
URL_TABAPAY = "https://developers.tabapay.com/docs/sandbox-test-cards"
URL_HEARTLAND = "https://github.com/hps/heartland-transit-extension/blob/master/test/support/test-data.js"
URL_FLUTTERWAVE = "https://github.com/Flutterwave/PHP-v3/blob/master/tests/Resources/Card/test_cards.php"
URL_BINLIST = "https://github.com/binlist/data/blob/master/ranges.csv"
URL_IIN = "https://en.wikipedia.org/wiki/Payment_card_number#Issuer_identification_number_(IIN)"
URL_FAKER = "faker.providers.credit_card.Provider.credit_card_number"

# Published test-card lists, as printed by each processor (spaces kept where the page prints them).
TEST_CARDS: dict[str, str] = {
    URL_STRIPE: """4242424242424242 4000056655665556 5555555555554444 2223003122003222 5200828282828210
        5105105105105100 378282246310005 371449635398431 6011111111111117 6011000990139424 6011981111111113
        3056930009020004 36227206271667 6555900000604105 3566002020360505 6200000000000005 6200000000000047
        6205500000000000004 4012888888881881 4000000000000077 4000000000000093 4000000000000010
        4000000000000028 4000000000000036 4000000000000044 4000000000000101 4000000000000341 4000000000000002
        4000000000000127 4000000000000069 4000000000000119 4000000000003220 4000000000009995 30569309025904
        38520000023237 3530111333300000 4000000760000002 4000001240000000 4000004840008001""",
    URL_BRAINTREE: """378282246310005 371449635398431 36259600000004 6011000991300009 3530111333300000
        6304000000000000 5555555555554444 2223000048400011 4111111111111111 4005519200000004 4009348888881881
        4012000033330026 4012000077777777 4012888888881881 4217651111111119 4500600000000061 6243030000000001
        6221261111117766 6223164991230014 378734493671000 4000111111111115""",
    URL_PAYFLOW: """378282246310005 371449635398431 378734493671000 30569309025904 6011111111111117
        6011000990139424 3530111333300000 3566002020360505 2221000000000009 2223000048400011 2223016768739313
        5555555555554444 5105105105105100 4111111111111111 4012888888881881 4222222222222""",
    URL_PAYPAL: """371449635398431 376680816376961 36461510000039 36461510000013 6304000000000000
        5063516945005047 2223000048400011 4005519200000004 4012000033330026 4012000077777777 4012888888881881
        4217651111111119 4500600000000061 4772129056533503 4915805038587737 6200680000000004 6200680000000038
        3636500000000260 3636500000000989""",
    URL_ADYEN_PKG: """3700 0000 0000 002|3700 0000 0100 018|6703 4444 4444 4449|6703 0000 0000 0000 003|
        4035 5010 0000 0008|4360 0000 0100 0005|6243 0300 0000 0001|6250947000000014|6250946000000016|
        3600 6666 3333 44|3607 0500 0010 20|6011 6011 6011 6611|6445 6445 6445 6445|3569 9900 1009 5841|
        6771 7980 2100 0008|5101 1800 0000 0007|2222 4000 7000 0005|5100 2900 2900 2909|5555 3412 4444 1115|
        5577 0000 5577 0004|5136 3333 3333 3335|5585 5585 5585 5583|5555 4444 3333 1111|2222 4107 4036 0010|
        2222 4107 0000 0002|2222 4000 1000 0008|2223 0000 4841 0010|2222 4000 6000 0007|2223 5204 4356 0010|
        5500 0000 0000 0004|2222 4000 3000 0004|6771 7980 2500 0004|5100 0600 0000 0002|5100 7050 0000 0002|
        5103 2219 1119 9245|5424 0000 0000 0015|2222 4000 5000 0009|5106 0400 0000 0008|4111 1111 4555 1142|
        4988 4388 4388 4305|4166 6766 6766 6746|4646 4646 4646 4644|4000 6200 0000 0007|4000 0600 0000 0006|
        4293 1891 0000 0008|4988 0800 0000 0000|4444 3333 2222 1111|4001 5900 0000 0001|4000 1800 0000 0002|
        4000 0200 0000 0000|4000 1600 0000 0004|4002 6900 0000 0008|4400 0000 0000 0008|4484 6000 0000 0004|
        4607 0000 0000 0009|4977 9494 9494 9497|4000 6400 0000 0005|4003 5500 0000 0003|4000 7600 0000 0001|
        4017 3400 0000 0003|4005 5190 0000 0006|4131 8400 0000 0003|4151 5000 0000 0008|4571 0000 0000 0001|
        4199 3500 0000 0002|4001 0200 0000 0009|4013 2500 0000 0000 006""",
    URL_ADYEN_POS: """5413 3300 8909 9999|6799 9989 0000 0099 990|5413 3300 8999 9990|6799 9989 0000 0999 991|
        5413 3300 8902 0037|6000 0707 3616 9237 003|5520 3300 0000 0001|2308 8800 0000 0000|
        4111 1100 0702 0006|4111 1100 0392 0001|4111 1100 0484 0000""",
    URL_CYBS: """4622 9431 2701 3705|4622 9431 2701 3713|4622 9431 2701 3721|4622 9431 2701 3739|
        4622 9431 2701 3747|2222 4200 0000 1113|2222 6300 0000 1125|3566 1111 1111 1113|5033 9619 8909 17|
        5868 2416 0825 5333 38|6759 4111 0000 0008|6759 5600 4500 5727 054|5641 8211 1116 6669""",
    URL_WORLDPAY: """343434343434343 6011000400000000 3528000700000000 6759649826438453 5454545454545454
        2221000000000009 5163613613613613 4444333322221111 4911830000000 4917610000000000 4462030000000000
        4917610000000000003 4917300800000000""",
    URL_WORLDPAY2: "4000000000002701 5200000000002235 340000000002708 6011000000002117 4000000000004970",
    URL_OPAYO: """4929000000006 4929000005559 4929000000014 4929000000022 4484000000002 4462000000000003
        4917300000000008 5186150660000009 5186150660000025 5186150660000108 5186150660000207 5185690060000001
        6759000000005 6705000000008 5185570760000008 6766000000000 374200000000004 36000000000008
        3569990000000009""",
    URL_MCGW: """5123450000000008 2223000000000007 5111111111111118 2223000000000023 4508750015741019
        371881634498004 371881127160004 371881245560002 371881911767006""",
    URL_MCSEND: """5102589999999913 5102589999999921 5102589999999939 5102589999999947 5102589999999954
        4024140000000008 4024140000000016 4024140000000024 4024140000000032 4024140000000040 5107559999999903
        5107559999999911 5107559999999929 5107559999999937 5107559999999945""",
    URL_TABAPAY: "5403879999999997",
    URL_HEARTLAND: """4012000098765439 4012881888818888 5146315000000055 5146312200000035 5146312620000045
        371449635392376 6011000993026909 6282000123842342 6221261111112650 3055155515160018 3530142019945859""",
    URL_FLUTTERWAVE: """5531886652142950 5399838383838381 5438898014560229 4187427415564246 4751763236699647
        4556052704172643 5377283645077450""",
}

# binlist/data ranges.csv (commit 7400e175): a seeded sample of 6-digit IIN rows, "iin:scheme:country".
BINLIST_ROWS = """
403160:visa:US 403541:visa:PT 403655:visa:US 403766:visa:US 404834:visa:IN 405306:visa:MX 405345:visa:US
405433:visa:SA 405533:visa:IN 406049:visa:US 406080:visa:US 408106:visa:US 408597:visa:QA 409263:visa:US
409601:visa:BR 410118:visa:US 411911:visa:SG 412451:visa:US 413571:visa:US 414720:visa:US 414912:visa:DE
419002:visa:US 419993:visa:US 422004:visa:BR 422834:visa:US 423904:visa:US 423999:visa:US 426465:visa:US
431931:visa:IE 433199:visa:US 433852:visa:US 435142:visa:US 440182:visa:US 440638:visa:PT 442777:visa:US
442796:visa:US 444456:visa:BR 444662:visa:BR 445254:visa:US 445379:visa:US 446238:visa:GB 451015:visa:CA
451877:visa:GT 453933:visa:OM 453999:visa:IT 454360:visa:TR 454742:visa:GB 454828:visa:AT 455255:visa:MX
455388:visa:MY 455514:visa:MX 455545:visa:MX 455646:visa:ES 455707:visa:HK 456254:visa:FR 456323:visa:US
456443:visa:AU 459907:visa:KR 460792:visa:US 461046:visa:US 463097:visa:US 464875:visa:US 471529:visa:US
471632:visa:US 475055:visa:US 486742:visa:US 491674:visa:BR 491986:visa:US 492181:visa:GB 497203:visa:FR
511320:mastercard:US 513286:mastercard:FR 514724:mastercard:US 514813:mastercard:AU 514895:mastercard:BR
515163:mastercard:US 515594:mastercard:KR 515922:mastercard:US 516361:mastercard:AU 517759:mastercard:CA
520156:mastercard:BR 520396:mastercard:MY 524147:mastercard:MY 525629:mastercard:MY 525823:mastercard:BR
526769:mastercard:BR 530996:mastercard:BR 533248:mastercard:US 534126:mastercard:NL 539039:mastercard:BR
540223:mastercard:NZ 540404:mastercard:US 540444:mastercard:CH 541063:mastercard:NO 541065:mastercard:US
541971:mastercard:MY 542184:mastercard:KR 544368:mastercard:US 544549:mastercard:MX 544602:mastercard:US
544665:mastercard:BR 544829:mastercard:BR 545185:mastercard:NO 545478:mastercard:NO 546856:mastercard:RU
549007:mastercard:DE 549104:mastercard:US 551094:mastercard:US 551215:mastercard:US 551337:mastercard:US
551428:mastercard:US 551641:mastercard:US 551697:mastercard:US 552073:mastercard:GB 552668:mastercard:BR
553822:mastercard:US 553929:mastercard:US 554593:mastercard:RO 557385:mastercard:NO 558834:mastercard:VE
371538:amex:US 371543:amex:US 371702:amex:US 371706:amex:US 371726:amex:US 371741:amex:US 371758:amex:US
372397:amex:US 372525:amex:US 372584:amex:US 373137:amex:US 373394:amex:CA 373498:amex:US 373728:amex:US
373735:amex:US 374350:amex:US 374614:amex:GB 374720:amex:US 376073:amex:AU 376466:amex:BR 376767:amex:US
376916:amex:IN 377229:amex:US 377783:amex:JP 378340:amex:US 378363:amex:US 379183:amex:KR 379470:amex:US
379483:amex:US 379616:amex:US 601100:discover:US 601110:discover:US 601120:discover:US 601129:discover:US
601136:discover:US 601138:discover:US 601140:discover:US 601149:discover:US 651621:discover:US
655066:discover:US 659524:discover:US 621483:unionpay:CN 622202:unionpay:CN 622305:unionpay:CN
622698:unionpay:CN 360218:diners:EC 360324:diners:CO 361766:diners:CZ
"""

# IIN ranges and lengths from the Wikipedia IIN table, for brands the BIN sample covers thinly.
IIN_RANGES: dict[str, tuple[list[tuple[int, int]], list[int]]] = {
    "mastercard2": ([(222100, 272099)], [16]),
    "discover": ([(644000, 649999), (650000, 659999)], [16, 19]),
    "jcb": ([(352800, 358999)], [16, 17, 18, 19]),
    "diners": ([(300000, 305999), (360000, 369999), (380000, 399999)], [14]),
    "unionpay": ([(620000, 621999), (623000, 629999)], [16, 17, 18, 19]),
    "maestro": (
        [
            (501800, 501899),
            (502000, 502099),
            (503800, 503899),
            (589300, 589399),
            (630400, 630499),
            (675900, 675999),
            (676100, 676399),
        ],
        [12, 13, 14, 15, 16, 17, 18, 19],
    ),
    "mir": ([(220000, 220499)], [16, 16, 16, 19]),
    "visa": ([(400000, 499999)], [13, 16, 16, 16, 19]),
}


@dataclass(frozen=True)
class Pan:
    digits: str
    brand: str
    source: str


def parse_cards(text: str) -> list[str]:
    chunks = text.split("|") if "|" in text else text.split()
    return [re.sub(r"\D", "", c) for c in chunks if re.sub(r"\D", "", c)]


def published_cards() -> tuple[list[Pan], list[str]]:
    """Every Luhn-valid, in-range test card once (first list that prints it); rejected ones for the record."""
    seen: dict[str, Pan] = {}
    rejected: list[str] = []
    for url, text in TEST_CARDS.items():
        for digits in parse_cards(text):
            brand = brand_of(digits)
            if not luhn_ok(digits) or brand is None:
                rejected.append(digits)
            elif digits not in seen:
                seen[digits] = Pan(digits, brand, url)
    return sorted(seen.values(), key=lambda p: p.digits), rejected


def binlist_bins() -> list[tuple[str, str, str]]:
    rows = []
    for item in BINLIST_ROWS.split():
        iin, scheme, country = item.split(":")
        rows.append((iin, scheme, country))
    return rows


class NumberPool:
    """PANs per split: published test cards plus numbers generated from BIN rows and IIN ranges."""

    LENGTHS: ClassVar[dict[str, int]] = {
        "visa": 16,
        "mastercard": 16,
        "amex": 15,
        "discover": 16,
        "unionpay": 16,
        "diners": 14,
    }

    def __init__(self) -> None:
        published, self.rejected = published_cards()
        self.published = {s: [p for p in published if bin_split(p.digits) == s] for s in SPLITS}
        self.bins: dict[str, dict[str, list[tuple[str, str]]]] = {s: {} for s in SPLITS}
        for iin, scheme, country in binlist_bins():
            self.bins[bin_split(iin)].setdefault(scheme, []).append((iin, f"{URL_BINLIST} ({scheme} {iin} {country})"))
        self.faker = Faker("en_US")
        self.faker.seed_instance(4111)

    def _fill(self, rng: random.Random, prefix: str, length: int) -> str:
        body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
        return body + luhn_digit(body)

    def _from_iin(self, rng: random.Random, key: str, split: str, length: int | None) -> Pan:
        ranges, lengths = IIN_RANGES[key]
        for _ in range(1000):
            lo, hi = rng.choice(ranges)
            iin = str(rng.randint(lo, hi))
            if bin_split(iin) != split:
                continue
            n = length or rng.choice(lengths)
            digits = self._fill(rng, iin, n)
            brand = brand_of(digits)
            if brand and luhn_ok(digits):
                return Pan(digits, brand, f"{URL_IIN} ({key} IIN {iin}, {n} digits)")
        raise AssertionError(key)

    def _from_bin(self, rng: random.Random, scheme: str, split: str, length: int | None) -> Pan | None:
        rows = self.bins[split].get(scheme, [])
        if not rows:
            return None
        iin, src = rng.choice(rows)
        n = length or self.LENGTHS[scheme]
        if scheme == "visa" and length is None:
            n = rng.choice([16, 16, 16, 16, 13, 19])
        if scheme in ("discover", "unionpay") and length is None:
            n = rng.choice([16, 16, 16, 19])
        digits = self._fill(rng, iin, n)
        brand = brand_of(digits)
        return Pan(digits, brand, src) if brand else None

    def _from_faker(self, rng: random.Random, split: str) -> Pan | None:
        kind = rng.choice(["maestro", "jcb16", "diners", "discover", "visa13", "visa19", "mastercard"])
        for _ in range(50):
            self.faker.seed_instance(rng.getrandbits(32))
            digits = self.faker.credit_card_number(card_type=kind)
            brand = brand_of(digits)
            if brand and luhn_ok(digits) and bin_split(digits) == split:
                return Pan(digits, brand, f"{URL_FAKER}(card_type={kind!r})")
        return None

    def pick(self, rng: random.Random, split: str, want: str = "any") -> Pan:
        """A PAN of the split; ``want`` is any, amex, diners14, len16, len19, or a brand name."""
        for _ in range(200):
            pan = self._pick_once(rng, split, want)
            if pan is not None and bin_split(pan.digits) == split and self._fits(pan, want):
                return pan
        raise AssertionError(f"no {want} PAN for {split}")

    @staticmethod
    def _fits(pan: Pan, want: str) -> bool:
        n = len(pan.digits)
        return {
            "any": True,
            "amex": pan.brand == "amex",
            "diners14": pan.brand == "diners" and n == 14,
            "len16": n == 16,
            "len19": n == 19,
        }.get(want, pan.brand == want)

    def _pick_once(self, rng: random.Random, split: str, want: str) -> Pan | None:
        if want == "len19":
            key = rng.choice(["visa", "discover", "jcb", "unionpay", "maestro", "mir", "published"])
            if key == "published":
                cands = [p for p in self.published[split] if len(p.digits) == 19]
                return rng.choice(cands) if cands else None
            return self._from_iin(rng, key, split, 19)
        if want == "diners14":
            if rng.random() < 0.4:
                cands = [p for p in self.published[split] if p.brand == "diners" and len(p.digits) == 14]
                if cands:
                    return rng.choice(cands)
            return self._from_iin(rng, "diners", split, 14)
        if want == "amex":
            if rng.random() < 0.4:
                cands = [p for p in self.published[split] if p.brand == "amex"]
                return rng.choice(cands)
            return self._from_bin(rng, "amex", split, 15)
        brand = (
            rng.choices(
                ["visa", "mastercard", "amex", "discover", "jcb", "diners", "unionpay", "maestro", "mir"],
                weights=[34, 26, 10, 7, 5, 4, 5, 5, 4],
            )[0]
            if want in ("any", "len16")
            else want
        )
        source = rng.choices(["published", "bin", "iin", "faker"], weights=[40, 35, 20, 5])[0]
        length = 16 if want == "len16" else None
        if source == "published":
            cands = [p for p in self.published[split] if p.brand == brand and (length is None or len(p.digits) == 16)]
            if cands:
                return rng.choice(cands)
        if source == "faker" and want == "any":
            got = self._from_faker(rng, split)
            if got:
                return got
        if brand in ("visa", "mastercard", "amex", "discover", "unionpay", "diners") and source != "iin":
            if brand == "mastercard" and rng.random() < 0.3:
                return self._from_iin(rng, "mastercard2", split, 16)
            got = self._from_bin(rng, brand, split, length)
            if got:
                return got
        key = "mastercard2" if brand == "mastercard" else brand
        if key == "amex":
            return self._from_bin(rng, "amex", split, 15)
        if length == 16 and key == "diners":
            key = "visa"
        return self._from_iin(rng, key, split, length)


# --------------------------------------------------------------------------------------------- rendering

GROUPS = {
    12: [4, 4, 4],
    13: [4, 4, 5],
    14: [4, 6, 4],
    15: [4, 6, 5],
    16: [4, 4, 4, 4],
    17: [4, 4, 4, 5],
    18: [4, 4, 4, 6],
    19: [4, 4, 4, 4, 3],
}
NBSP, NNBSP, FIGSP, ZWSP, ZWNJ, ZWJ, WJ, SHY = (
    chr(c) for c in (0xA0, 0x202F, 0x2007, 0x200B, 0x200C, 0x200D, 0x2060, 0xAD)
)
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def chunks(digits: str, sizes: Sequence[int]) -> list[str]:
    out, i = [], 0
    for s in sizes:
        out.append(digits[i : i + s])
        i += s
    if i < len(digits):
        out.append(digits[i:])
    return [c for c in out if c]


def grouped(digits: str, sep: str = " ", sizes: Sequence[int] | None = None) -> str:
    return sep.join(chunks(digits, sizes or GROUPS[len(digits)]))


def fullwidth(text: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


def arabic_indic(text: str, extended: bool = False) -> str:
    base = 0x06F0 if extended else 0x0660
    return "".join(chr(base + int(c)) if c in "0123456789" else c for c in text)


def spelled(digits: str, rng: random.Random) -> str:
    groups = chunks(digits, GROUPS[len(digits)])
    out = []
    for g in groups:
        words = [DIGIT_WORDS[int(c)] for c in g]
        if rng.random() < 0.3:
            words = ["oh" if w == "zero" else w for w in words]
        out.append(" ".join(words))
    return rng.choice([", ", " - ", " ... ", " "]).join(out)


def render(kind: str, digits: str, rng: random.Random) -> str:
    """How a card is written for the text-slot kinds."""
    n = len(digits)
    if kind in ("plain", "context_words", "hash_prefixed", "json_number"):
        return digits
    if kind in ("spaced_4444", "spaced_19", "amex_465", "diners_464"):
        return grouped(digits, " ")
    if kind == "grouped_6_13":
        return grouped(digits, rng.choice([" ", " ", "-"]), [6, 13])
    if kind == "dashes":
        return grouped(digits, "-")
    if kind == "dots":
        return grouped(digits, ".")
    if kind == "digit_per_space":
        return rng.choice([" ", " ", "  "]).join(digits)
    if kind == "mixed_separators":
        seps = rng.choice([[" ", "-", "."], [" - ", " ", "-"], ["  ", " ", " "], ["-", " ", "/"], [" ", "", " "]])
        parts = chunks(digits, GROUPS[n])
        return "".join(p + (seps[i % len(seps)] if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    if kind == "fullwidth":
        text = grouped(digits, rng.choice([" ", chr(0x3000), "-", ""])) if rng.random() < 0.6 else digits
        return fullwidth(text)
    if kind == "arabic_indic":
        text = grouped(digits, " ") if rng.random() < 0.5 else digits
        return arabic_indic(text, extended=rng.random() < 0.35)
    if kind == "zero_width":
        mark = rng.choice([ZWSP, ZWSP, ZWNJ, ZWJ, WJ, SHY])
        if rng.random() < 0.5:
            return mark.join(digits)
        return mark.join(chunks(digits, GROUPS[n]))
    if kind == "nbsp":
        return grouped(digits, rng.choice([NBSP, NBSP, NNBSP, FIGSP, NBSP + " "]))
    if kind == "spelled_words":
        return spelled(digits, rng)
    # everything else: the usual printed grouping or plain digits
    return grouped(digits, " ") if rng.random() < 0.6 else digits


def expiry(rng: random.Random) -> str:
    m, y = rng.randint(1, 12), rng.randint(25, 31)
    return rng.choice([f"{m:02d}/{y}", f"{m:02d}/20{y}", f"{m:02d}-{y}", f"{m:02d} {y}", f"{m}/{y}"])


def cvv(rng: random.Random, brand: str) -> str:
    return "".join(rng.choice("0123456789") for _ in range(4 if brand == "amex" else 3))


def order_name(rng: random.Random) -> str:
    return rng.choice(["#", "#", "#SH-", "#"]) + str(rng.randint(1001, 48999))


# Sentence templates customers and agents really write; {card} is the rendered number.
GENERIC_SENTENCES = [
    "Hi, my payment keeps failing. The card is {card}, can you check?",
    "Please update the card on file to {card}.",
    "I was charged twice on {card} for order {order}.",
    "can u use this card instead {card} thx",
    "Card number: {card}",
    "Here you go: {card}",
    "I'd like to pay the balance with my other card ({card}).",
    "Refund it to {card} please, not the gift card.",
    "Use {card} for the subscription renewal.",
    "Agent note: customer read out {card} on the call, please process manually.",
    "my card {card} was declined at checkout but the bank says it's fine",
    "Payment info - {card}",
    "For order {order} please charge {card} and ship asap",
    "The checkout page wouldn't take my card so here it is: {card}",
    "Hola, mi tarjeta es {card}, ¿pueden cobrar el pedido {order}?",
    "Bonjour, voici ma carte : {card}. Merci de relancer le paiement.",
    "Hallo, bitte belasten Sie die Karte {card} für die Bestellung {order}.",
    "Olá! O número do cartão é {card}.",
    "Ciao, potete addebitare la carta {card}?",
    "Mijn kaartnummer is {card}, kunt u het nog eens proberen?",
    "Customer asked to split payment; second card {card}.",
    "pls charge {card} - same billing address as before",
    "Updated payment method per customer request: {card}",
    "Is it safe to send my card here? {card}",
]
CONTEXT_SENTENCES = [
    "I gave it over the phone: {card}",
    "account card {card}",
    "ref: my card {card}",
    "order {order} paid with {card}",
    "Card on the account is {card} if that helps you find it",
    "The card ending in the wrong digits? No, the full number is {card}",
    "cc# {card}",
    "CC: {card}",
    "Kreditkarte: {card}",
    "Tarjeta {card}",
    "card no. {card}",
    "VISA/MC {card}",
    "the number on the front is {card}",
    "billing card {card} (the old one expired)",
]
HASH_SENTENCES = [
    "#{card}",
    "card #{card}",
    "Paid with #{card} yesterday",
    "Ref #{card}",
    "re: #{card} refund",
    "pls use #{card}",
    "CARD#{card}",
    "No.{card}",
]
EXPIRY_SENTENCES = [
    "{card} exp {exp} cvv {cvv}",
    "Card: {card}  Exp: {exp}  CVC: {cvv}",
    "{card} {exp} {cvv}",
    "number {card}, expires {exp}, security code {cvv}",
    "{card}\nexp {exp}\ncvv {cvv}",
    "cc {card} / {exp} / {cvv}",
    "Name on card {name}, {card}, exp {exp}, code {cvv}",
    "Tarjeta {card} vence {exp} CVV {cvv}",
    "Karte {card} gültig bis {exp} Prüfziffer {cvv}",
    "{card} exp:{exp} cvv2:{cvv}",
]
TWO_CARD_SENTENCES = [
    "Old card {card} was cancelled, please use the new one {card2}.",
    "Charge {card} for the first order and {card2} for the second.",
    "I have two cards on the account: {card} and {card2}",
    "Tried {card} then {card2}, both declined?!",
    "Primary {card}; backup {card2}",
    "Split it 50/50 between {card} and {card2} please",
]
SPELLED_SENTENCES = [
    "Transcribed voicemail: hi it's about my order, my card number is {card}, thanks bye",
    "Voicemail transcription: {card}",
    "customer spelled it out: {card}",
    "(call transcript) Caller: the card is {card}",
    "Speech-to-text: card number {card} expiration later",
    "IVR capture: {card}",
]


# --------------------------------------------------------------------------------------------- record shapes
# Each shape is a real payload (ids, timestamps, phones kept) with the free-text field customers and agents type
# into replaced by the case's text. URLs name the fixture or documented example the shape is copied from.

SRC_ZENPY = "https://github.com/facetoe/zenpy/tree/fa6aab1/tests/test_api/betamax"
SRC_ZENPY_SPEC = "https://github.com/facetoe/zenpy/tree/fa6aab1/specification"
SRC_ZD_SAT = "https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/"
SRC_ZD_INC = "https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/"
SRC_SHOPIFY = "https://github.com/Shopify/shopify_python_api/tree/307fa92/test/fixtures"
SRC_SHOPIFY_GQL = "https://shopify.dev/docs/api/admin-graphql/latest/objects/Order"
SRC_SHOPIFY_BULK = "https://shopify.dev/docs/api/usage/bulk-operations/queries"
SRC_SHOPIFY_HOOK = (
    "https://github.com/mobileexpert1/dearbrightly/blob/1d48979/backend/db_shopify/tests/fixtures_shopify_webhook.py"
)
SRC_SHOPIFY_CSV = "https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders"
SRC_SHOPIFY_CART = "https://shopify.dev/docs/api/ajax/reference/cart"
SRC_GORGIAS = "https://github.com/PipedreamHQ/pipedream/blob/5c54656/components/gorgias_oauth/sources/ticket-created/test-event.mjs"
SRC_GORGIAS_DOC = "https://developers.gorgias.com/reference/ticket-messages"
SRC_INTERCOM = "https://github.com/hull/hull-connectors/blob/81eda38/packages/connectors/hull-intercom/test/unit/purplefusion/fixtures/webhook-conversation-admin-noted.js"
SRC_FRESHDESK = "https://developers.freshworks.com/freshdesk-sdk/docs/Conversation.html"
SRC_HELPSCOUT = "https://github.com/PipedreamHQ/pipedream/blob/master/components/help_scout/sources/new-customer-reply-instant/test-event.mjs"
SRC_PUBSUB = "https://cloud.google.com/pubsub/docs/push#receive_push"
SRC_KINESIS = "https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html"
SRC_POSTMARK = "https://postmarkapp.com/developer/webhooks/inbound-webhook"
SRC_MIME = "https://www.rfc-editor.org/rfc/rfc2045#section-6.8"
SRC_TYPEFORM = "https://www.typeform.com/developers/webhooks/example-payload/"
SRC_GENERIC = "generic chat/form export (messages[] of text/body/content/message objects)"

ZD_DIV = '<div class="zd-comment" dir="auto"><p dir="auto">{}</p></div>'


def to_html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>\n")


def dump(obj: Any, ascii_only: bool = False, indent: int | None = None) -> str:
    seps = (",", ":") if indent is None else (",", ": ")
    return json.dumps(obj, ensure_ascii=ascii_only, indent=indent, separators=seps)


def zd_comments(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    comment = {
        "id": 33144692244499,
        "type": "Comment",
        "author_id": 26155588908179,
        "body": text,
        "html_body": ZD_DIV.format(htm),
        "plain_body": text,
        "public": True,
        "attachments": [],
        "audit_id": 33144692244371,
        "via": {
            "channel": "api",
            "source": {
                "from": {},
                "to": {"name": "Joshua Teitelbaum", "address": "jteitelbaum@zendesk.com"},
                "rel": None,
            },
        },
        "created_at": "2024-09-06T18:52:11Z",
        "metadata": {
            "system": {
                "client": "Zenpy/2.0.50",
                "ip_address": "107.131.76.73",
                "location": "San Bruno, CA, United States",
                "latitude": 37.6261,
                "longitude": -122.4304,
            },
            "custom": {},
        },
    }
    cursor = "eyJvIjoiY3JlYXRlZF9hdCxpZCIsInYiOiJaRnRQMjJZQUFBQUFhUk9BbXhrbEhnQUEifQ=="
    return ".json", dump(
        {"comments": [comment], "meta": {"has_more": False, "after_cursor": cursor, "before_cursor": cursor}},
        ascii_only=True,
    )


def zd_audit(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    audit = {
        "id": 6130852545178,
        "ticket_id": 1,
        "created_at": "2023-09-09T23:52:05Z",
        "author_id": 6130907993114,
        "metadata": {"system": {}, "custom": {}},
        "events": [
            {
                "id": 6130852545306,
                "type": "Comment",
                "author_id": 6130869168922,
                "body": text,
                "html_body": ZD_DIV.format(htm),
                "plain_body": text,
                "public": True,
                "attachments": [],
                "audit_id": 6130852545178,
            },
            {"id": 6130852545434, "type": "Create", "value": "6130869168922", "field_name": "requester_id"},
            {"id": 6130852545562, "type": "Create", "value": "6130907993114", "field_name": "assignee_id"},
            {"id": 6130852545690, "type": "Create", "value": "Sample ticket: Meet the ticket", "field_name": "subject"},
            {"id": 6130852545946, "type": "Create", "value": "open", "field_name": "status"},
        ],
        "via": {"channel": "sample_ticket", "source": {"from": {}, "to": {}, "rel": None}},
    }
    return ".json", dump({"audits": [audit], "next_page": None, "previous_page": None, "count": 1}, ascii_only=True)


def zd_ticket(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    ticket = {
        "url": "https://d3v-zenpydev.zendesk.com/api/v2/tickets/4014.json",
        "id": 4014,
        "external_id": None,
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": "2023-09-18T23:25:58Z",
        "updated_at": "2023-09-18T23:25:58Z",
        "type": None,
        "subject": "Payment problem",
        "raw_subject": "Payment problem",
        "description": text,
        "priority": None,
        "status": "new",
        "requester_id": 6130907993114,
        "submitter_id": 6130907993114,
        "assignee_id": None,
        "organization_id": 6130869157658,
        "group_id": None,
        "tags": [],
        "custom_fields": [],
        "custom_status_id": 6130830355738,
        "ticket_form_id": 6130830344474,
        "brand_id": 6130830354842,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }
    audit = {
        "id": 6164039218714,
        "ticket_id": 4014,
        "created_at": "2023-09-18T23:25:58Z",
        "author_id": 6130907993114,
        "metadata": {
            "system": {
                "client": "Zenpy/2.0.38",
                "ip_address": "52.40.158.85",
                "location": "Boardman, OR, United States",
                "latitude": 45.8234,
                "longitude": -119.7257,
            },
            "custom": {},
        },
        "events": [
            {
                "id": 6164039218842,
                "type": "Comment",
                "author_id": 6130907993114,
                "body": text,
                "html_body": ZD_DIV.format(htm),
                "plain_body": text,
                "public": True,
                "attachments": [],
                "audit_id": 6164039218714,
            }
        ],
    }
    return ".json", dump({"ticket": ticket, "audit": audit}, ascii_only=True)


def zd_voice(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    body = f"Call from +183808333456 (Sales)\n\n{text}\n\nSummary\nDirection: inbound"
    comment = {
        "id": 16444825011986,
        "type": "TpeVoiceComment",
        "public": False,
        "data": {
            "app_id": 1003048,
            "app_name": "3CX calls",
            "call_id": 16444799095826,
            "direction": "inbound",
            "title": "Inbound call",
            "via_id": 45,
            "recording_url": "",
        },
        "formatted_from": "+1 838-083-33456",
        "formatted_to": "+1 494-884-84873",
        "author_id": 1568991111,
        "body": body,
        "html_body": ZD_DIV.format(to_html(body)),
        "trusted": True,
        "attachments": [],
        "created_at": "2024-01-17T18:31:18Z",
        "audit_id": 16444825011858,
    }
    return ".json", dump(comment, ascii_only=True)


def zd_satisfaction(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    rating = {
        "id": 35436,
        "url": "https://company.zendesk.com/api/v2/satisfaction_ratings/35436.json",
        "assignee_id": 135,
        "group_id": 44,
        "requester_id": 7881,
        "ticket_id": 208,
        "score": "bad",
        "comment": text,
        "reason": "Some other reason",
        "reason_code": 100,
        "updated_at": "2011-07-20T22:55:29Z",
        "created_at": "2011-07-20T22:55:29Z",
    }
    return ".json", dump({"satisfaction_ratings": [rating], "next_page": None, "count": 1}, ascii_only=True)


def zd_user(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    user = {
        "id": 1159307768,
        "url": "https://testing23.zendesk.com/api/v2/users/1159307768.json",
        "name": "Face Toe",
        "email": "facetoe@facetoe.com.au",
        "created_at": "2015-07-25T02:23:12Z",
        "updated_at": "2015-07-25T04:51:44Z",
        "time_zone": "Beijing",
        "phone": None,
        "locale": "en-US",
        "organization_id": 256244608,
        "role": "end-user",
        "verified": True,
        "tags": [],
        "active": True,
        "details": "",
        "notes": text,
        "user_fields": {},
    }
    return ".json", dump({"user": user}, ascii_only=True)


CHAT_HEAD = {
    "id": "1704.2314815.QHgVx6SOrRuSx",
    "type": "chat",
    "timestamp": "2017-04-24T04:36:45Z",
    "visitor": {"id": "2314815.gCgOWZRtqVKquB", "phone": "", "notes": "", "email": "", "name": "Visitor 75731813"},
    "session": {
        "city": "Huai Khwang",
        "ip": "223.24.109.29",
        "country_code": "TH",
        "start_date": "2017-04-24T04:36:31Z",
        "end_date": "2017-04-24T04:50:01Z",
        "id": "170424.2314815.6pxFiV23lCdzwq49f",
        "browser": "Firefox",
    },
    "agent_names": ["facetoe"],
    "agent_ids": ["4120927"],
    "tags": ["goodbye_survey"],
}
CHANNEL = "#supportchat:2314815-gCgOWZRtqVKquB"


def chat_msg(name: str, ts: str, msg: str, msg_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"name": name, "timestamp": ts}
    if msg_id:
        item["msg_id"] = msg_id
    item.update({"msg": msg, "type": "chat.msg", "options": "", "channel": CHANNEL})
    return item


def zd_chat(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    history = [
        {
            "name": "Visitor 75731813",
            "timestamp": "2017-04-24T04:36:44.807000Z",
            "type": "chat.memberjoin",
            "channel": CHANNEL,
        },
        chat_msg("Visitor 75731813", "2017-04-24T04:36:45.165000Z", "hi, payment question", "1493008604612"),
        {"timestamp": "2017-04-24T04:36:51.939000Z", "type": "chat.memberjoin", "name": "facetoe", "channel": CHANNEL},
        chat_msg("facetoe", "2017-04-24T04:36:55.497000Z", "Sure, how can I help?"),
        chat_msg("Visitor 75731813", "2017-04-24T04:37:10.201000Z", text, "1493008629880"),
        chat_msg("facetoe", "2017-04-24T04:37:19.527000Z", "Thanks, one moment please"),
    ]
    return ".json", dump({**CHAT_HEAD, "history": history}, ascii_only=True)


SH_BILLING = {
    "address1": "Chestnut Street 92",
    "address2": "",
    "city": "Louisville",
    "company": None,
    "country": "United States",
    "first_name": "Bob",
    "last_name": "Norman",
    "phone": "555-625-1199",
    "province": "Kentucky",
    "zip": "40202",
    "name": "Bob Norman",
    "country_code": "US",
    "province_code": "KY",
}
SH_CUSTOMER = {
    "id": 207119551,
    "email": "bob.norman@hostmail.com",
    "first_name": "Bob",
    "last_name": "Norman",
    "created_at": "2014-01-22T15:58:27-05:00",
    "note": None,
    "orders_count": 0,
    "state": "disabled",
    "total_spent": "0.00",
    "verified_email": True,
    "tags": "",
}


def sh_order(note: Any = None, attrs: Any = None, billing: Any = None, **extra: Any) -> dict[str, Any]:
    order = {
        "id": 450789469,
        "email": "bob.norman@hostmail.com",
        "created_at": "2008-01-10T11:00:00-05:00",
        "number": 1,
        "note": note,
        "token": "b1946ac92492d2347c6235b4d2611184",
        "gateway": "authorize_net",
        "total_price": "409.94",
        "currency": "USD",
        "financial_status": "authorized",
        "cart_token": "68778783ad298f1c80c3bafcddeea02f",
        "name": "#1001",
        "order_number": 1001,
        "note_attributes": attrs
        if attrs is not None
        else [{"name": "custom engraving", "value": "Happy Birthday"}, {"name": "colour", "value": "green"}],
        "line_items": [
            {
                "id": 466157049,
                "variant_id": 39072856,
                "title": "IPod Nano - 8gb",
                "quantity": 1,
                "price": "199.00",
                "sku": "IPOD2008GREEN",
                "product_id": 632910392,
            }
        ],
        "payment_details": {
            "avs_result_code": None,
            "credit_card_bin": None,
            "cvv_result_code": None,
            "credit_card_number": "XXXX-XXXX-XXXX-4242",
            "credit_card_company": "Visa",
        },
        "billing_address": billing or SH_BILLING,
        "customer": SH_CUSTOMER,
    }
    order.update(extra)
    return order


def sh_order_note(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    return ".json", dump({"order": sh_order(note=text)})


def sh_note_attributes(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    attrs = [
        {"name": "custom engraving", "value": "Happy Birthday"},
        {"name": rng.choice(["Payment notes", "gift_message", "Delivery instructions", "notes"]), "value": text},
    ]
    return ".json", dump({"order": sh_order(attrs=attrs)})


def sh_customer_note(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    addr = {
        "id": 207119551,
        "address1": "Chestnut Street 92",
        "address2": "",
        "city": "Louisville",
        "province": "Kentucky",
        "zip": "40202",
        "phone": "555-625-1199",
        "country_code": "US",
        "default": True,
    }
    cust = {
        **SH_CUSTOMER,
        "last_order_id": 450789469,
        "last_order_name": "#1001",
        "orders_count": 1,
        "total_spent": "41.94",
        "note": text,
        "default_address": addr,
        "addresses": [addr],
    }
    return ".json", dump({"customer": cust})


def sh_address(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    billing = {**SH_BILLING, "address2": text}
    return ".json", dump({"order": sh_order(billing=billing)})


def sh_graphql(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    data = {
        "data": {
            "order": {
                "id": "gid://shopify/Order/450789469",
                "name": "#1001",
                "note": text,
                "createdAt": "2008-01-10T16:00:00Z",
                "displayFinancialStatus": "AUTHORIZED",
                "customAttributes": [{"key": "colour", "value": "green"}],
                "customer": {"id": "gid://shopify/Customer/207119551", "phone": "+15556251199"},
            }
        },
        "extensions": {
            "cost": {
                "requestedQueryCost": 3,
                "actualQueryCost": 3,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1997, "restoreRate": 100.0},
            }
        },
    }
    return ".json", dump(data)


def sh_webhook(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    hook = {
        "id": 1234567891011,
        "admin_graphql_api_id": "gid://shopify/Order/1234567891011",
        "note": text,
        "billing_address": {
            "first_name": "Dearbrightly",
            "address1": "Customer",
            "phone": "(312) 345-6789",
            "city": "San Francisco",
            "zip": "12345",
            "province": "California",
            "country_code": "US",
        },
        "customer": {
            "id": 1110987654321,
            "email": "dearbrightly.test+incomplete_initial_visit@gmail.com",
            "created_at": "2022-12-31T16:32:10-05:00",
            "currency": "USD",
            "phone": None,
        },
        "line_items": [
            {
                "id": 13688971493691,
                "admin_graphql_api_id": "gid://shopify/LineItem/13688971493691",
                "name": "Vitamin C & E + Ferulic Acid Serum",
                "price": "49.00",
                "product_id": 8061536829755,
                "variant_id": 44153185403195,
                "quantity": 1,
                "sku": "OTC-VITC-0002-20",
            }
        ],
        "shipping_address": {"phone": "(512) 345-6789", "city": "San Francisco", "zip": "12345"},
        "total_tax": "0.00",
    }
    return ".json", dump(hook, indent=2)


def sh_draft(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    draft = {
        "id": 517119332,
        "note": text,
        "email": "montana_hilpert@example.com",
        "currency": "CAD",
        "subtotal_price": "1007.41",
        "total_price": "1027.41",
        "created_at": "2017-02-02T13:14:38-05:00",
        "name": "#D1",
        "status": "open",
        "line_items": [
            {
                "variant_id": 39072856,
                "product_id": 632910392,
                "title": "IPod Nano - 8gb",
                "sku": "IPOD2008GREEN",
                "price": "199.00",
                "quantity": 1,
            }
        ],
    }
    return ".json", dump({"draft_order": draft})


GG_SENDER = {
    "email": "test@sample.com",
    "firstname": "",
    "id": 387705374,
    "lastname": "",
    "meta": {"name_set_via": "email"},
    "name": None,
}
GG_AGENT = {
    "email": "test@sample.com",
    "firstname": "Test",
    "id": 387654483,
    "lastname": "User",
    "meta": {"name_set_via": "agent"},
    "name": "Test User",
}


GG_SHORT = {
    False: {"id": 387705374, "email": "test@sample.com", "name": None},
    True: {"id": 387654483, "email": "test@sample.com", "name": "Test User"},
}


def gg_message(
    body_text: Any,
    body_html: Any,
    msg_id: int = 208822164,
    from_agent: bool = False,
    ts: str = "2024-02-14T21:30:50.201204+00:00",
    **extra: Any,
) -> dict[str, Any]:
    msg = {
        "attachments": [],
        "body_html": body_html,
        "body_text": body_text,
        "channel": "email",
        "created_datetime": ts,
        "from_agent": from_agent,
        "id": msg_id,
        "public": True,
        "receiver": GG_SHORT[not from_agent],
        "sender": GG_SHORT[from_agent],
        "source": {
            "from": {"address": "test@sample.com", "name": ""},
            "to": [{"address": "jk0nxgz1z70o74pm@email.gorgias.com", "name": "Company Support"}],
            "type": "email",
        },
        "stripped_text": body_text,
        "subject": "Re: order",
        "ticket_id": 86538298,
        "uri": f"/api/tickets/86538298/messages/{msg_id}/",
        "via": "email",
    }
    msg.update(extra)
    return msg


def gg_ticket(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    ticket = {
        "id": 86538298,
        "channel": "email",
        "created_datetime": "2024-02-14T21:30:50.201204+00:00",
        "customer": {"email": "test@sample.com", "id": 387705374, "name": None},
        "assignee_user_id": 387654483,
        "status": "open",
        "priority": "normal",
        "subject": "test",
        "messages": [gg_message(text, f"<div>{htm}</div>")],
        "tags": [],
        "uri": "/api/tickets/86538298/",
        "via": "email",
    }
    return ".json", dump(ticket)


IC_ITEM = {
    "type": "conversation",
    "id": "137324500000000",
    "created_at": 1596634805,
    "updated_at": 1596635094,
    "user": {
        "type": "user",
        "id": "5ee3d479d1cf3dedbee23d68",
        "user_id": "234523452345345",
        "name": "Bob Dylan",
        "email": "bob.dylan@rei.com",
    },
    "assignee": {"type": "admin", "id": "3330619", "name": "Andy", "email": "andy@gmail.com"},
}


def ic_part(body: Any, part_id: str, ts: int, author: dict[str, Any], part_type: str = "comment") -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": part_type,
        "body": body,
        "created_at": ts,
        "updated_at": ts,
        "author": author,
        "attachments": [],
    }


IC_USER = {"type": "user", "id": "5ee3d479d1cf3dedbee23d68", "name": "Bob Dylan"}
IC_ADMIN = {"type": "admin", "id": "3330619", "name": "Andy"}


def ic_envelope(parts: list[dict[str, Any]]) -> dict[str, Any]:
    item = {
        **IC_ITEM,
        "conversation_message": {
            "type": "conversation_message",
            "id": "608953158",
            "subject": "",
            "body": "<p>hi Bob</p>",
            "author": {"type": "admin", "id": "3330619"},
            "attachments": [],
        },
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
        "state": "open",
        "links": {"conversation_web": "https://app.intercom.com/a/apps/lkqcyt9t/conversations/137324500000000"},
    }
    return {
        "type": "notification_event",
        "app_id": "lkqcyt9t",
        "data": {"type": "notification_event_data", "item": item},
        "id": "notif_34a83d84-960d-4825-b3c0-78bb90b207f2",
        "topic": "conversation.user.replied",
        "delivery_attempts": 1,
        "first_sent_at": 1596635096,
        "created_at": 1596635095,
    }


def ic_conversation(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    parts = [ic_part(f"<p>{htm}</p>", "6073788584", 1596635094, IC_USER)]
    return ".json", dump(ic_envelope(parts))


def fd_conv(conv_id: int, body_html: str, body_text: Any, incoming: bool, ts: str) -> dict[str, Any]:
    return {
        "id": conv_id,
        "user_id": 21000418005,
        "to_emails": [] if incoming else ["alex@example.com"],
        "body": body_html,
        "body_text": body_text,
        "ticket_id": 5,
        "created_at": ts,
        "updated_at": ts,
        "incoming": incoming,
        "private": False,
        "support_email": None if incoming else "support@its-fine.com",
        "source": 0 if incoming else 2,
        "from_email": None,
        "cc_emails": [],
        "attachments": [],
    }


FD_DIV = (
    '<div style="font-family: -apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica Neue,Arial,'
    'sans-serif; font-size: 14px; "><div>{}</div></div>'
)


def fd_conversations(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    convs = [
        fd_conv(
            21004158695,
            FD_DIV.format("Hi Alex,<br><br>Working on this"),
            "Hi Alex, Working on this",
            False,
            "2022-11-17T20:18:40Z",
        ),
        fd_conv(21004158707, FD_DIV.format(htm), text, True, "2022-11-17T20:25:02Z"),
    ]
    return ".json", dump(convs, indent=2)


def hs_thread(thread_id: int, text: Any, author: dict[str, Any], ts: str, body: Any = None) -> dict[str, Any]:
    item = {
        "id": thread_id,
        "type": author["type"] if author["type"] == "customer" else "reply",
        "status": "active",
        "state": "published",
        "author": author,
        "createdAt": ts,
    }
    if text is not None:
        item["text"] = text
    if body is not None:
        item["body"] = body
    return item


HS_CUSTOMER = {
    "id": 298473,
    "email": "customer@example.com",
    "type": "customer",
    "firstName": "John",
    "lastName": "Doe",
}
HS_AGENT = {"id": 149254, "email": "agent@company.com", "type": "user", "firstName": "Support", "lastName": "Agent"}


def hs_envelope(threads: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": 1755285686,
        "type": "customer",
        "folderId": 98775,
        "mailboxId": 76544,
        "number": 2571,
        "status": "active",
        "state": "published",
        "subject": "Need help with my account",
        "createdAt": "2025-04-24T13:45:23Z",
        "modifiedAt": "2025-04-24T14:30:12Z",
        "threadCount": len(threads),
        "source": {"type": "email", "via": "customer"},
        "tags": ["account"],
        "primaryCustomer": {k: HS_CUSTOMER[k] for k in ("id", "email", "firstName", "lastName")},
        "assignee": {k: HS_AGENT[k] for k in ("id", "email", "firstName", "lastName")},
        "threads": threads,
    }


def hs_conversation(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    return ".json", dump(hs_envelope([hs_thread(98254732, text, HS_CUSTOMER, "2025-04-24T14:30:12Z")]))


# ---- .txt shapes


def txt_lines(lines: list[str], eol: str) -> str:
    return eol.join(line.replace("\n", eol) for line in lines) + eol


def tx_chat(rng: random.Random, text: str, htm: str, eol: str = "\n") -> tuple[str, str]:
    lines = [
        "Chat started: 2017-04-24 04:36 AM UTC",
        "",
        "(04:36:44 AM) *** Visitor 75731813 joined the chat ***",
        "(04:36:45 AM) Visitor 75731813: hi, payment question",
        "(04:36:51 AM) *** facetoe joined the chat ***",
        "(04:36:55 AM) facetoe: Sure, how can I help?",
        f"(04:37:10 AM) Visitor 75731813: {text}",
        "(04:37:19 AM) facetoe: Thanks, one moment please",
        "",
        "Chat ended: 2017-04-24 04:50 AM UTC",
    ]
    return ".txt", txt_lines(lines, eol)


def tx_email(rng: random.Random, text: str, htm: str, eol: str = "\n") -> tuple[str, str]:
    lines = [
        "From: Bob Norman <bob.norman@hostmail.com>",
        "To: Company Support <jk0nxgz1z70o74pm@email.gorgias.com>",
        "Subject: Re: Order #1001",
        "Date: Wed, 14 Feb 2024 21:30:50 +0000",
        "Message-Id: <170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker>",
        "X-GORGIAS-TICKET-ID: 86538410",
        "",
        "Hello,",
        "",
        text,
        "",
        "--",
        "Bob Norman",
        "555-625-1199",
    ]
    return ".txt", txt_lines(lines, eol)


def tx_call(rng: random.Random, text: str, htm: str, eol: str = "\n") -> tuple[str, str]:
    lines = [
        "Call 16444799095826",
        "From: +183808333456 (Sales)  To: +149488484873 (Technical Support)",
        "Started: 2022-01-27T14:31:40Z  Ended: 2022-01-27T14:32:40Z",
        "",
        "Agent notes:",
        text,
        "",
        "Summary",
        "Direction: inbound",
    ]
    return ".txt", txt_lines(lines, eol)


# ---- .csv shapes: (header, rows, index of the row holding the text)

CsvShape = tuple[list[str], list[list[str]], int]


def cv_shopify(rng: random.Random, text: str) -> CsvShape:
    header = [
        "Name",
        "Email",
        "Financial Status",
        "Paid at",
        "Currency",
        "Total",
        "Created at",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Billing Name",
        "Billing Zip",
        "Billing Phone",
        "Notes",
        "Note Attributes",
        "Id",
    ]
    rows = [
        [
            "#1001",
            "bob.norman@hostmail.com",
            "paid",
            "2008-01-10 11:00:00 -0500",
            "USD",
            "409.94",
            "2008-01-10 11:00:00 -0500",
            "1",
            "IPod Nano - 8gb - green",
            "199.00",
            "Bob Norman",
            "40202",
            "555-625-1199",
            text,
            "custom engraving: Happy Birthday",
            "450789469",
        ],
        [
            "#1002",
            "dearbrightly.test+incomplete_initial_visit@gmail.com",
            "pending",
            "",
            "USD",
            "49.00",
            "2022-12-31 16:32:10 -0500",
            "1",
            "Vitamin C & E + Ferulic Acid Serum",
            "49.00",
            "Dearbrightly Customer",
            "12345",
            "(312) 345-6789",
            "",
            "",
            "1234567891011",
        ],
    ]
    return header, rows, 0


def cv_zendesk(rng: random.Random, text: str) -> CsvShape:
    header = [
        "Id",
        "Requester",
        "Requester email",
        "Subject",
        "Status",
        "Priority",
        "Created at",
        "Tags",
        "Description",
    ]
    rows = [
        [
            "4013",
            "Face Toe",
            "facetoe@facetoe.com.au",
            "Sample ticket: Meet the ticket",
            "open",
            "normal",
            "2023-09-09 23:52:05",
            "sample support zendesk",
            "Hi there, I'm having a problem setting up.",
        ],
        [
            "4014",
            "The Customer",
            "customer@example.com",
            "Payment problem",
            "new",
            "high",
            "2023-09-18 23:25:58",
            "billing",
            text,
        ],
    ]
    return header, rows, 1


def cv_gorgias(rng: random.Random, text: str) -> CsvShape:
    header = ["Ticket id", "Created", "Channel", "Customer email", "Subject", "Message from agent", "Message"]
    rows = [
        ["86538298", "2024-02-14T21:30:50+00:00", "email", "test@sample.com", "test", "false", text],
        [
            "86538410",
            "2024-02-14T21:31:12+00:00",
            "email",
            "test@sample.com",
            "test",
            "true",
            "Thanks, we are looking into it.",
        ],
    ]
    return header, rows, 0


def write_csv(header: list[str] | None, rows: list[list[str]], eol: str = "\r\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=eol)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


# ---- .ndjson shapes


def nd_zendesk(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    lines = [
        {
            "id": 1717,
            "ticket_id": 27,
            "timestamp": 1385614390,
            "updater_id": -1,
            "via": "Email",
            "event_type": "Audit",
            "child_events": [
                {"id": 1718, "via": "Email", "via_reference_id": 2, "status": "solved", "event_type": "Change"}
            ],
        },
        {
            "id": 1721,
            "ticket_id": 28,
            "timestamp": 1385614411,
            "updater_id": 7881,
            "via": "Web form",
            "event_type": "Audit",
            "child_events": [
                {
                    "id": 1722,
                    "via": "Web form",
                    "event_type": "Comment",
                    "body": text,
                    "public": True,
                    "author_id": 7881,
                }
            ],
        },
        {
            "id": 1730,
            "ticket_id": 28,
            "timestamp": 1385614502,
            "updater_id": 135,
            "via": "Web form",
            "event_type": "Audit",
            "child_events": [{"id": 1731, "via": "Web form", "status": "pending", "event_type": "Change"}],
        },
    ]
    return ".ndjson", "\n".join(dump(x, ascii_only=True) for x in lines) + "\n"


def nd_shopify(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    lines = [
        {"id": "gid://shopify/Order/450789469", "name": "#1001", "note": None, "createdAt": "2008-01-10T16:00:00Z"},
        {
            "id": "gid://shopify/LineItem/466157049",
            "title": "IPod Nano - 8gb",
            "quantity": 1,
            "__parentId": "gid://shopify/Order/450789469",
        },
        {"id": "gid://shopify/Order/1234567891011", "name": "#1002", "note": text, "createdAt": "2022-12-31T21:32:10Z"},
        {
            "id": "gid://shopify/LineItem/13688971493691",
            "title": "Vitamin C & E + Ferulic Acid Serum",
            "quantity": 1,
            "__parentId": "gid://shopify/Order/1234567891011",
        },
    ]
    return ".ndjson", "\n".join(dump(x) for x in lines) + "\n"


def nd_gorgias(rng: random.Random, text: str, htm: str) -> tuple[str, str]:
    msgs = [
        gg_message("Hi, my order hasn't arrived", "<div>Hi, my order hasn't arrived</div>", 208822101),
        gg_message(
            "Sorry about that! Could you confirm the payment?",
            "<div>Sorry about that!</div>",
            208822140,
            from_agent=True,
            ts="2024-02-14T21:31:02.118044+00:00",
        ),
        gg_message(text, f"<div>{htm}</div>", 208822164, ts="2024-02-14T21:32:40.551201+00:00"),
    ]
    for m in msgs:
        for k in ("receiver", "source", "uri"):
            m.pop(k)
    return ".ndjson", "\n".join(dump(x) for x in msgs) + "\n"


TextBuilder = Callable[[random.Random, str, str], tuple[str, str]]
JSON_TEXT: dict[str, tuple[TextBuilder, str]] = {
    "zendesk_comments": (zd_comments, SRC_ZENPY + "/TestAttachmentUpload.test_redact_attachment-upload-single.json"),
    "zendesk_audit": (zd_audit, SRC_ZENPY + "/TestTicketAudits.test_values.json"),
    "zendesk_ticket": (
        zd_ticket,
        SRC_ZENPY + "/TestTicketCreateUpdateDelete.test_single_object_creation-create-single.json",
    ),
    "zendesk_voice_comment": (zd_voice, SRC_ZENPY + "/TestCallPE.test_add_comment.json"),
    "zendesk_satisfaction": (zd_satisfaction, SRC_ZENPY_SPEC + "/zendesk/satisfaction_rating.json; " + SRC_ZD_SAT),
    "zendesk_user_notes": (zd_user, SRC_ZENPY_SPEC + "/zendesk/user.json"),
    "zendesk_chat": (zd_chat, SRC_ZENPY_SPEC + "/chat/chat.json"),
    "shopify_order_note": (sh_order_note, SRC_SHOPIFY + "/order.json"),
    "shopify_note_attributes": (sh_note_attributes, SRC_SHOPIFY + "/order.json"),
    "shopify_customer_note": (sh_customer_note, SRC_SHOPIFY + "/customer.json"),
    "shopify_address2": (sh_address, SRC_SHOPIFY + "/order.json"),
    "shopify_graphql_order": (sh_graphql, SRC_SHOPIFY_GQL),
    "shopify_webhook": (sh_webhook, SRC_SHOPIFY_HOOK),
    "shopify_draft_order": (sh_draft, SRC_SHOPIFY + "/draft_order.json"),
    "gorgias_ticket": (gg_ticket, SRC_GORGIAS),
    "intercom_conversation": (ic_conversation, SRC_INTERCOM),
    "freshdesk_conversations": (fd_conversations, SRC_FRESHDESK),
    "helpscout_conversation": (hs_conversation, SRC_HELPSCOUT),
}
TXT_SHAPES: dict[str, tuple[Callable[..., tuple[str, str]], str]] = {
    "chat_transcript_txt": (tx_chat, SRC_ZENPY_SPEC + "/chat/chat.json (history as a transcript)"),
    "email_txt": (tx_email, SRC_GORGIAS + " (headers of message 208822529)"),
    "call_notes_txt": (tx_call, SRC_ZENPY + "/TestCallPE.test_add_comment.json"),
}
CSV_SHAPES: dict[str, tuple[Callable[[random.Random, str], CsvShape], str]] = {
    "shopify_orders_csv": (cv_shopify, SRC_SHOPIFY_CSV),
    "zendesk_tickets_csv": (cv_zendesk, "https://support.zendesk.com/hc/en-us/articles/4408886165402"),
    "gorgias_tickets_csv": (cv_gorgias, SRC_GORGIAS_DOC),
}
NDJSON_SHAPES: dict[str, tuple[TextBuilder, str]] = {
    "zendesk_ticket_events_ndjson": (nd_zendesk, SRC_ZENPY_SPEC + "/zendesk/ticket_event.json; " + SRC_ZD_INC),
    "shopify_bulk_jsonl": (nd_shopify, SRC_SHOPIFY_BULK),
    "gorgias_messages_ndjson": (nd_gorgias, SRC_GORGIAS),
}


# ---- html-only placements (the card only exists in an HTML field)


def hx_zendesk_create(rng: random.Random, htm: str) -> tuple[str, str]:
    payload = {
        "ticket": {
            "subject": "Payment",
            "requester_id": 6130907993114,
            "comment": {"html_body": ZD_DIV.format(htm), "public": False},
        }
    }
    return ".json", dump(payload, ascii_only=True)


def hx_intercom(rng: random.Random, htm: str) -> tuple[str, str]:
    return ".json", dump(ic_envelope([ic_part(f"<p>{htm}</p>", "6073788584", 1596635094, IC_USER)]))


def hx_gorgias(rng: random.Random, htm: str) -> tuple[str, str]:
    msg = gg_message(None, f'<div dir="ltr">{htm}</div>')
    msg["stripped_text"] = None
    return ".json", dump(msg)


def hx_freshdesk(rng: random.Random, htm: str) -> tuple[str, str]:
    return ".json", dump({"body": FD_DIV.format(htm), "user_id": 21000418005, "private": False}, indent=2)


def hx_helpscout(rng: random.Random, htm: str) -> tuple[str, str]:
    return ".json", dump(hs_envelope([hs_thread(98254732, None, HS_CUSTOMER, "2025-04-24T14:30:12Z", body=htm)]))


HTML_SHAPES: dict[str, tuple[Callable[[random.Random, str], tuple[str, str]], str]] = {
    "zendesk_comment_html": (
        hx_zendesk_create,
        "https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/ (comment.html_body)",
    ),
    "intercom_part_html": (hx_intercom, SRC_INTERCOM),
    "gorgias_message_html": (hx_gorgias, SRC_GORGIAS),
    "freshdesk_reply_html": (hx_freshdesk, SRC_FRESHDESK),
    "helpscout_thread_html": (hx_helpscout, SRC_HELPSCOUT),
}

# ---- URL placements (query strings in fields that hold URLs)


def ux_shopify(rng: random.Random, query: str) -> tuple[str, str]:
    order = sh_order(
        landing_site=f"/checkouts/c/b1946ac92492d2347c6235b4d2611184?{query}",
        referring_site="http://www.otherexample.com",
    )
    return ".json", dump({"order": order})


def ux_chat(rng: random.Random, query: str) -> tuple[str, str]:
    webpath = [
        {
            "timestamp": "2017-04-24T04:36:31Z",
            "title": "Checkout",
            "from": "https://www.zopim.com/landing",
            "to": f"https://shop.example.com/pages/pay?{query}",
        }
    ]
    return ".json", dump({**CHAT_HEAD, "webpath": webpath}, ascii_only=True)


def ux_gorgias(rng: random.Random, query: str) -> tuple[str, str]:
    msg = gg_message(
        "I'm stuck on this page",
        "<div>I'm stuck on this page</div>",
        channel="chat",
        meta={"current_page": f"https://shop.example.com/checkout/payment?{query}"},
    )
    return ".json", dump(msg)


URL_SHAPES: dict[str, tuple[Callable[[random.Random, str], tuple[str, str]], str]] = {
    "shopify_landing_site": (ux_shopify, SRC_SHOPIFY + "/order.json (landing_site)"),
    "zendesk_chat_webpath": (ux_chat, SRC_ZENPY_SPEC + "/chat/chat.json (webpath)"),
    "gorgias_chat_current_page": (ux_gorgias, SRC_GORGIAS_DOC + " (meta.current_page)"),
}

# ---- base64 placements


def b64(data: bytes, url_safe: bool = False) -> str:
    return (base64.urlsafe_b64encode(data) if url_safe else base64.b64encode(data)).decode()


def bx_pubsub(rng: random.Random, data: bytes) -> tuple[str, str]:
    push = {
        "message": {
            "attributes": {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "bob-norman.myshopify.com"},
            "data": b64(data),
            "messageId": "2070443601311540",
            "message_id": "2070443601311540",
            "publishTime": "2021-02-26T19:13:55.749Z",
            "publish_time": "2021-02-26T19:13:55.749Z",
        },
        "subscription": "projects/myproject/subscriptions/mysubscription",
    }
    return ".json", dump(push, indent=2)


def bx_kinesis(rng: random.Random, data: bytes) -> tuple[str, str]:
    rec = {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "1",
                    "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                    "data": b64(data),
                    "approximateArrivalTimestamp": 1545084650.987,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
                "eventName": "aws:kinesis:record",
                "awsRegion": "us-east-2",
                "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
            }
        ]
    }
    return ".json", dump(rec)


def bx_postmark(rng: random.Random, data: bytes) -> tuple[str, str]:
    hook = {
        "FromName": "Bob Norman",
        "From": "bob.norman@hostmail.com",
        "To": "support@inbound.postmarkapp.com",
        "Subject": "Re: Order #1001",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "Date": "Wed, 14 Feb 2024 21:30:50 +0000",
        "TextBody": "Details attached.",
        "HtmlBody": "",
        "Attachments": [
            {
                "Name": rng.choice(["payment.txt", "note.txt", "details.txt"]),
                "Content": b64(data),
                "ContentType": "text/plain",
                "ContentLength": len(data),
            }
        ],
    }
    return ".json", dump(hook, indent=2)


def bx_mime(rng: random.Random, data: bytes) -> tuple[str, str]:
    body = b64(data)
    wrapped = "\r\n".join(body[i : i + 76] for i in range(0, len(body), 76))
    lines = [
        "From: Bob Norman <bob.norman@hostmail.com>",
        "To: support@example.com",
        "Subject: Re: Order #1001",
        "Date: Wed, 14 Feb 2024 21:30:50 +0000",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="000000000000a1b2c3d4e5f6"',
        "",
        "--000000000000a1b2c3d4e5f6",
        'Content-Type: text/plain; charset="UTF-8"',
        "Content-Transfer-Encoding: base64",
        "",
        wrapped,
        "--000000000000a1b2c3d4e5f6--",
        "",
    ]
    return ".txt", "\r\n".join(lines)


B64_SHAPES: dict[str, tuple[Callable[[random.Random, bytes], tuple[str, str]], str]] = {
    "pubsub_push": (bx_pubsub, SRC_PUBSUB + " (Shopify webhooks delivered by Google Pub/Sub)"),
    "kinesis_event": (bx_kinesis, SRC_KINESIS),
    "postmark_inbound_attachment": (bx_postmark, SRC_POSTMARK),
    "mime_base64_email": (bx_mime, SRC_MIME),
}

# ---- JSON number and JSON key placements: builders get a raw JSON literal through a placeholder

RAW = "@@RAW_SLOT@@"


def nx_typeform(rng: random.Random) -> tuple[str, str]:
    hook = {
        "event_id": "LtWXD3crgy",
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": "a3a12ec67a1365927098a606107fac15",
            "submitted_at": "2018-01-18T18:17:02Z",
            "landed_at": "2018-01-18T18:07:02Z",
            "answers": [
                {"type": "text", "text": "Laura", "field": {"id": "JwWggjAKtOkA", "type": "short_text"}},
                {"type": "number", "number": RAW, "field": {"id": "X4kPaj1Ah2Bt", "type": "number"}},
                {"type": "email", "email": "laura@example.com", "field": {"id": "SMEUb7VJz92Q", "type": "email"}},
            ],
        },
    }
    return ".json", dump(hook, indent=2)


def nx_zendesk(rng: random.Random) -> tuple[str, str]:
    payload = {
        "ticket": {
            "custom_fields": [{"id": 360012345678, "value": RAW}, {"id": 360012345679, "value": "vip"}],
            "comment": {"body": "updated payment field", "public": False},
        }
    }
    return ".json", dump(payload, ascii_only=True)


def nx_crm(rng: random.Random) -> tuple[str, str]:
    row = {
        "contact": {
            "id": 1159307768,
            "name": "Face Toe",
            "phone": "+61 2 9999 3283",
            "payment_card": RAW,
            "updated_at": "2015-07-25T04:51:44Z",
        }
    }
    return ".json", dump(row)


NUM_SHAPES: dict[str, tuple[Callable[[random.Random], tuple[str, str]], str]] = {
    "typeform_number_answer": (nx_typeform, SRC_TYPEFORM),
    "zendesk_custom_field_value": (
        nx_zendesk,
        "https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#setting-custom-field-values",
    ),
    "crm_contact_export": (nx_crm, SRC_GENERIC),
}


def kx_report(rng: random.Random) -> tuple[str, str]:
    rep = {
        "report": "refunds_by_payment_reference",
        "generated_at": "2024-02-15T08:00:00Z",
        "rows": {RAW: {"count": 2, "amount": "59.98"}, "gift_card": {"count": 1, "amount": "10.00"}},
    }
    return ".json", dump(rep, indent=2)


def kx_cart(rng: random.Random) -> tuple[str, str]:
    cart = {
        "token": "c1-7a2abe82733a34e84aa472d57fb5c3c1",
        "note": None,
        "attributes": {RAW: "yes"},
        "item_count": 1,
        "items": [{"id": 39072856, "quantity": 1, "title": "IPod Nano - 8gb", "price": 19900}],
        "currency": "USD",
        "total_price": 19900,
    }
    return ".json", dump(cart)


def kx_cache(rng: random.Random) -> tuple[str, str]:
    dump_ = {"dedupe": {"customer:207119551": "2024-02-14T21:30:50Z", RAW: "2024-02-14T21:31:12Z"}, "version": 3}
    return ".json", dump(dump_)


KEY_SHAPES: dict[str, tuple[Callable[[random.Random], tuple[str, str]], str]] = {
    "report_keyed_by_reference": (kx_report, SRC_GENERIC),
    "shopify_cart_attributes": (kx_cart, SRC_SHOPIFY_CART + " (attributes)"),
    "dedupe_cache_dump": (kx_cache, SRC_GENERIC),
}

# ---- split placements


def mx_generic(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    key = rng.choice(["text", "body", "content", "message"])
    people = [("customer", "Laura Wagner"), ("agent", "Andy")]
    msgs: list[dict[str, Any]] = []
    t = 1707946250
    before = ["hi", "I need to update my payment"]
    after = ["that's it", "thanks!"]
    for text in before:
        msgs.append({"id": f"m_{t}", "author": {"role": people[0][0], "name": people[0][1]}, "timestamp": t, key: text})
        t += rng.randint(3, 40)
    msgs.append(
        {
            "id": f"m_{t}",
            "author": {"role": "agent", "name": "Andy"},
            "timestamp": t,
            key: "Sure - what's the new card?",
        }
    )
    for text in parts:
        t += rng.randint(2, 15)
        msgs.append({"id": f"m_{t}", "author": {"role": "customer", "name": "Laura Wagner"}, "timestamp": t, key: text})
    for text in after:
        t += rng.randint(3, 40)
        msgs.append({"id": f"m_{t}", "author": {"role": "customer", "name": "Laura Wagner"}, "timestamp": t, key: text})
    return ".json", dump(
        {"conversation_id": "c_81923", "channel": "web_chat", "messages": msgs}, indent=rng.choice([None, None, 1])
    )


def mx_zendesk_chat(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    history = [
        chat_msg("Visitor 75731813", "2017-04-24T04:36:45.165000Z", "hi, payment question", "1493008604612"),
        chat_msg("facetoe", "2017-04-24T04:36:55.497000Z", "Sure, what's the card number?"),
    ]
    for i, text in enumerate(parts):
        history.append(
            chat_msg(
                "Visitor 75731813", f"2017-04-24T04:37:{10 + 4 * i:02d}.201000Z", text, str(1493008629880 + 4000 * i)
            )
        )
    history.append(chat_msg("facetoe", "2017-04-24T04:37:59.527000Z", "Thanks, one moment please"))
    return ".json", dump({**CHAT_HEAD, "history": history}, ascii_only=True)


def mx_intercom(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    items = [ic_part("<p>Sure, what's the card number?</p>", "6073788570", 1596635080, IC_ADMIN)]
    for i, text in enumerate(parts):
        items.append(ic_part(f"<p>{html.escape(text)}</p>", str(6073788584 + i), 1596635094 + 3 * i, IC_USER))
    return ".json", dump(ic_envelope(items))


def mx_gorgias(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    msgs = [
        gg_message(
            "Can you read me the card number?",
            "<div>Can you read me the card number?</div>",
            208822140,
            from_agent=True,
            ts="2024-02-14T21:31:02.118044+00:00",
        )
    ]
    for i, text in enumerate(parts):
        msgs.append(
            gg_message(
                text, f"<div>{html.escape(text)}</div>", 208822164 + i, ts=f"2024-02-14T21:32:{40 + i:02d}.551201+00:00"
            )
        )
    for m in msgs:
        m.pop("source")
    return ".json", dump({"id": 86538298, "channel": "chat", "messages": msgs})


MSG_SHAPES: dict[str, tuple[Callable[[random.Random, list[str]], tuple[str, str]], str]] = {
    "generic_messages": (mx_generic, SRC_GENERIC),
    "zendesk_chat_history": (mx_zendesk_chat, SRC_ZENPY_SPEC + "/chat/chat.json (history)"),
    "intercom_parts": (mx_intercom, SRC_INTERCOM),
    "gorgias_messages": (mx_gorgias, SRC_GORGIAS),
}


def fx_form(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    style = rng.choice(["card_{}", "cc{}", "card_number_{}"])
    fields_ = {"name": "Laura Wagner", "email": "laura@example.com"}
    fields_.update({style.format(i + 1): p for i, p in enumerate(parts)})
    fields_["exp"] = "12/27"
    return ".json", dump(
        {"form_id": "pay-by-phone", "submitted_at": "2024-02-14T21:30:50Z", "fields": fields_}, indent=2
    )


def fx_parts(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    style = rng.choice(["part{}", "pan_{}", "cc_part_{}"])
    pay = {style.format(i + 1): p for i, p in enumerate(parts)}
    return ".json", dump({"order_id": 450789469, "payment": pay, "status": "pending"})


def fx_zendesk(rng: random.Random, parts: list[str]) -> tuple[str, str]:
    cfs = [{"id": 360012345678 + i, "value": p} for i, p in enumerate(parts)]
    return ".json", dump(
        {"ticket": {"id": 4014, "custom_fields": [{"id": 360012345600, "value": "billing"}, *cfs]}}, ascii_only=True
    )


FIELD_SHAPES: dict[str, tuple[Callable[[random.Random, list[str]], tuple[str, str]], str]] = {
    "form_card_fields": (fx_form, SRC_GENERIC + " (card_1..card_4 form fields)"),
    "payment_part_fields": (fx_parts, SRC_GENERIC + " (part1/part2)"),
    "zendesk_custom_fields_split": (fx_zendesk, SRC_ZENPY_SPEC + "/zendesk/ticket.json (custom_fields)"),
}


def cc_form(rng: random.Random, parts: list[str]) -> CsvShape:
    header = ["Timestamp", "Email", "Name", *[f"Card {i + 1}" for i in range(len(parts))], "Expiry"]
    rows = [
        ["2024/02/14 9:30:50 PM GMT", "laura@example.com", "Laura Wagner", *parts, "12/27"],
        ["2024/02/14 9:41:07 PM GMT", "bob.norman@hostmail.com", "Bob Norman", *[""] * len(parts), ""],
    ]
    return header, rows, 0


def cc_halves(rng: random.Random, parts: list[str]) -> CsvShape:
    header = [
        "Submission Date",
        "Full Name",
        *[f"Card Number ({i + 1}/{len(parts)})" for i in range(len(parts))],
        "Notes",
    ]
    rows = [["2024-02-14 21:30:50", "Bob Norman", *parts, "call back after 5pm"]]
    return header, rows, 0


def cc_shopify(rng: random.Random, parts: list[str]) -> CsvShape:
    header = ["Name", "Email", "Created at", *[f"Note Attribute: payment_{i + 1}" for i in range(len(parts))], "Id"]
    rows = [["#1001", "bob.norman@hostmail.com", "2008-01-10 11:00:00 -0500", *parts, "450789469"]]
    return header, rows, 0


CSVCOL_SHAPES: dict[str, tuple[Callable[[random.Random, list[str]], CsvShape], str]] = {
    "form_export_card_columns": (cc_form, SRC_GENERIC + " (Google-Forms-style export)"),
    "form_export_halves": (cc_halves, SRC_GENERIC),
    "shopify_note_attribute_columns": (cc_shopify, SRC_SHOPIFY_CSV),
}


# --------------------------------------------------------------------------------------------- the split

FAMILIES: dict[str, dict[str, Any]] = {
    "json": JSON_TEXT,
    "txt": TXT_SHAPES,
    "csv": CSV_SHAPES,
    "ndjson": NDJSON_SHAPES,
    "html": HTML_SHAPES,
    "url": URL_SHAPES,
    "b64_text": {k: B64_SHAPES[k] for k in ("postmark_inbound_attachment", "mime_base64_email")},
    "b64_json": {k: B64_SHAPES[k] for k in ("pubsub_push", "kinesis_event")},
    "num": NUM_SHAPES,
    "key": KEY_SHAPES,
    "msg": MSG_SHAPES,
    "fields": FIELD_SHAPES,
    "csvcols": CSVCOL_SHAPES,
}
SHAPE_SPLIT = {fam: halves(sorted(shapes), "shape|" + fam) for fam, shapes in FAMILIES.items()}


def pick_shape(rng: random.Random, family: str, split: str) -> tuple[str, Any, str]:
    name = rng.choice(SHAPE_SPLIT[family][split])
    builder, src = FAMILIES[family][name]
    return name, builder, src


@dataclass
class Built:
    suffix: str
    data: bytes
    pans: list[str]
    source: str
    shape: str = ""


@dataclass
class Ctx:
    """What a case builder gets: its kind, split, seeded rng and the number pool."""

    kind: str
    split: str
    rng: random.Random
    pool: NumberPool
    sentences: dict[str, list[str]] = field(default_factory=dict)

    def sentence(self, table: list[str]) -> str:
        key = "\x1f".join(table)
        if key not in self.sentences:
            self.sentences[key] = halves(table, "sent|" + self.kind)[self.split]
        return self.rng.choice(self.sentences[key])


def fill(template: str, ctx: Ctx, card: str, pan: Pan, card2: str = "") -> str:
    fake_name = ctx.rng.choice(["Laura Wagner", "Bob Norman", "Face Toe", "Ana María López", "Jean Dupont"])
    return template.format(
        card=card,
        card2=card2,
        order=order_name(ctx.rng),
        exp=expiry(ctx.rng),
        cvv=cvv(ctx.rng, pan.brand),
        name=fake_name,
    )


def source_of(shape_src: str, pans: Sequence[Pan]) -> str:
    nums = "; ".join(dict.fromkeys(p.source for p in pans))
    return f"shape={shape_src}; number={nums}"


def encode(text: str, how: str = "utf-8") -> bytes:
    if how == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if how == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    if how == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def place_text(
    ctx: Ctx,
    text: str,
    families: Sequence[str],
    weights: Sequence[int] | None = None,
    enc: str = "utf-8",
    eol: str | None = None,
    csv_mode: str = "header",
) -> tuple[str, bytes, str, str]:
    """Put ``text`` in the free-text field of a shape of one of ``families``; returns suffix, bytes, source, name."""
    rng = ctx.rng
    family = rng.choices(list(families), weights=weights)[0] if weights else rng.choice(list(families))
    name, builder, src = pick_shape(rng, family, ctx.split)
    if family == "txt":
        suffix, out = builder(rng, text, to_html(text), eol=eol or rng.choice(["\n", "\n", "\n", "\r\n"]))
    elif family == "csv":
        header, rows, idx = builder(rng, text)
        if csv_mode == "noheader":
            rows = [rows[idx]] + [r for i, r in enumerate(rows) if i != idx]
            out = write_csv(None, rows, eol or rng.choice(["\r\n", "\n"]))
        else:
            out = write_csv(header, rows, eol or rng.choice(["\r\n", "\r\n", "\n"]))
        suffix = ".csv"
    else:
        suffix, out = builder(rng, text, to_html(text))
    return suffix, encode(out, enc), src, name


# --------------------------------------------------------------------------------------------- positive kinds

TEXT_FAMILIES = ("json", "txt", "csv", "ndjson")
TEXT_WEIGHTS = (55, 15, 15, 15)


def k_text(ctx: Ctx, want: str = "any", table: list[str] | None = None, render_as: str | None = None) -> Built:
    pan = ctx.pool.pick(ctx.rng, ctx.split, want)
    card = render(render_as or ctx.kind, pan.digits, ctx.rng)
    text = fill(ctx.sentence(table or GENERIC_SENTENCES), ctx, card, pan)
    suffix, data, src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def k_context(ctx: Ctx) -> Built:
    return k_text(ctx, table=CONTEXT_SENTENCES, render_as="plain" if ctx.rng.random() < 0.6 else "spaced_4444")


def k_hash(ctx: Ctx) -> Built:
    return k_text(ctx, table=HASH_SENTENCES, render_as="plain")


def k_expiry(ctx: Ctx) -> Built:
    return k_text(ctx, table=EXPIRY_SENTENCES, render_as="other")


def k_spelled(ctx: Ctx) -> Built:
    return k_text(ctx, table=SPELLED_SENTENCES)


def k_two(ctx: Ctx) -> Built:
    rng = ctx.rng
    a = ctx.pool.pick(rng, ctx.split)
    b = ctx.pool.pick(rng, ctx.split)
    while b.digits == a.digits:
        b = ctx.pool.pick(rng, ctx.split)
    text = fill(
        ctx.sentence(TWO_CARD_SENTENCES), ctx, render("other", a.digits, rng), a, card2=render("other", b.digits, rng)
    )
    suffix, data, src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [a.digits, b.digits], source_of(src, [a, b]), name)


def broken(digits: str, rng: random.Random, breaks: Sequence[str]) -> str:
    """The number written with one line break in it (at a group boundary or inside a group)."""
    parts = chunks(digits, GROUPS[len(digits)])
    brk = rng.choice(list(breaks))
    if rng.random() < 0.7:
        cut = rng.randint(1, len(parts) - 1)
        sep = " " if rng.random() < 0.6 else ""
        return sep.join(parts[:cut]) + brk + sep.join(parts[cut:])
    pos = rng.randint(3, len(digits) - 3)
    return digits[:pos] + brk + digits[pos:]


def k_linebreak(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    card = broken(pan.digits, rng, ["\n", "\r\n", "\n    ", "\n\t", " \n", "\n> "])
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, card, pan)
    suffix, data, src, name = place_text(ctx, text, ("json", "ndjson"), (75, 25))
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def k_split_txt(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    card = broken(pan.digits, rng, ["\n", "\n", "\n  ", "\n        ", "\n(04:37:12 AM) Visitor 75731813: "])
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, card, pan)
    suffix, data, src, name = place_text(ctx, text, ("txt",), eol=rng.choice(["\n", "\r\n"]))
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def k_csv_newline(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    nl = rng.choice(["\n", "\r\n"])
    if rng.random() < 0.5:
        card = broken(pan.digits, rng, [nl])
        body = fill(ctx.sentence(GENERIC_SENTENCES), ctx, card, pan)
    else:
        body = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    text = rng.choice(["Hello,", "Hi team", "Note from call:"]) + nl + body + nl + rng.choice(["Thanks", "-- Bob", ""])
    suffix, data, src, name = place_text(ctx, text, ("csv",))
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def k_csv_noheader(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    suffix, data, src, name = place_text(ctx, text, ("csv",), csv_mode="noheader")
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def json_u_escape(text: str, card: str, everything: bool) -> str:
    """JSON string body with the card's digits and spaces written as \\u00XX (or every digit/space in the text)."""

    def esc(s: str) -> str:
        return "".join(f"\\u{ord(c):04x}" if (c.isdigit() or c == " ") else json.dumps(c)[1:-1] for c in s)

    if everything:
        return esc(text)
    head, _, tail = text.partition(card)
    return json.dumps(head)[1:-1] + esc(card) + json.dumps(tail)[1:-1]


def k_ndjson_escape(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    card = render("other", pan.digits, rng)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, card, pan)
    name, builder, src = pick_shape(rng, "ndjson", ctx.split)
    suffix, out = builder(rng, RAW, RAW)
    out = out.replace(RAW, json_u_escape(text, card, rng.random() < 0.4), 1)
    plain = json.dumps(text)[1:-1]
    out = out.replace(RAW, plain)
    return Built(suffix, encode(out), [pan.digits], source_of(src, [pan]), name)


def k_encoded(ctx: Ctx, enc: str, families: Sequence[str]) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    suffix, data, src, name = place_text(ctx, text, families, enc=enc)
    return Built(suffix, data, [pan.digits], source_of(src, [pan]), name)


def html_sentence(ctx: Ctx, pan: Pan, card_html: str) -> str:
    marker = "@@CARD@@"
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, marker, pan)
    return to_html(text).replace(marker, card_html)


def k_html_entities(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    style = rng.choice(["dec", "hex", "mixed"])
    space = rng.choice([" ", "&nbsp;", "&#32;", "&#160;"])
    out = []
    for c in grouped(pan.digits) if rng.random() < 0.6 else pan.digits:
        if c == " ":
            out.append(space)
        elif style == "dec" or (style == "mixed" and rng.random() < 0.5):
            out.append(f"&#{ord(c)};")
        elif style == "hex":
            out.append(f"&#x{ord(c):x};")
        else:
            out.append(c)
    name, builder, src = pick_shape(rng, "html", ctx.split)
    suffix, data = builder(rng, html_sentence(ctx, pan, "".join(out)))
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def k_html_tags(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    parts = chunks(pan.digits, GROUPS[len(pan.digits)])
    style = rng.choice(["b", "span", "td", "br", "strong", "font"])
    if style == "b":
        card = parts[0] + "".join(f"<b>{p}</b>" if i % 2 == 0 else p for i, p in enumerate(parts[1:]))
    elif style == "span":
        card = " ".join(f"<span>{p}</span>" for p in parts)
    elif style == "td":
        card = "<table><tr>" + "".join(f"<td>{p}</td>" for p in parts) + "</tr></table>"
    elif style == "br":
        card = "<br>".join(parts)
    elif style == "strong":
        card = f"<strong>{' '.join(parts[:2])}</strong> {' '.join(parts[2:])}"
    else:
        card = " ".join(f'<font color="#222222">{p}</font>' for p in parts)
    name, builder, src = pick_shape(rng, "html", ctx.split)
    suffix, data = builder(rng, html_sentence(ctx, pan, card))
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def k_url(ctx: Ctx, double: bool) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    card = render("other", pan.digits, rng)
    style = rng.choice(["quote", "plus", "digits"])
    if style == "digits":
        value = "".join(f"%{ord(c):02X}" for c in card)
        param = rng.choice(["cc", "card", "cardnumber", "pan"])
    else:
        text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, card, pan)
        value = urllib.parse.quote(text, safe="") if style == "quote" else urllib.parse.quote_plus(text)
        param = rng.choice(["note", "message", "comment", "q"])
    if double:
        value = urllib.parse.quote(value, safe="")
    query = f"utm_source=email&{param}={value}&step=payment_method"
    name, builder, src = pick_shape(rng, "url", ctx.split)
    suffix, data = builder(rng, query)
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def k_b64_text(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    content = rng.choice(["Customer note\r\n{t}\r\n", "{t}\n", "Call notes 2024-02-14\n\n{t}\n\n-- Andy\n"])
    name, builder, src = pick_shape(rng, "b64_text", ctx.split)
    suffix, data = builder(rng, content.format(t=text).encode())
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def inner_json(ctx: Ctx, text: str) -> bytes:
    rng = ctx.rng
    builder = rng.choice([sh_graphql, zd_user, sh_draft, zd_satisfaction])
    return builder(rng, text, to_html(text))[1].encode()


def k_b64_json(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    name, builder, src = pick_shape(rng, "b64_json", ctx.split)
    suffix, data = builder(rng, inner_json(ctx, text))
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def k_b64_nested(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    text = fill(ctx.sentence(GENERIC_SENTENCES), ctx, render("other", pan.digits, rng), pan)
    inner = {
        "id": 208822164,
        "ticket_id": 86538298,
        "attachments": [{"name": "note.txt", "content_type": "text/plain", "data": b64(f"{text}\n".encode())}],
    }
    name, builder, src = pick_shape(rng, "b64_json", ctx.split)
    suffix, data = builder(rng, dump(inner).encode())
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


def k_json_number(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    name, builder, src = pick_shape(rng, "num", ctx.split)
    suffix, data = builder(rng)
    return Built(suffix, encode(data.replace(f'"{RAW}"', pan.digits)), [pan.digits], source_of(src, [pan]), name)


def k_json_key(ctx: Ctx) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    key = rng.choice([pan.digits, grouped(pan.digits), f"card {grouped(pan.digits)}", f"pan:{pan.digits}"])
    name, builder, src = pick_shape(rng, "key", ctx.split)
    suffix, data = builder(rng)
    return Built(suffix, encode(data.replace(f'"{RAW}"', json.dumps(key))), [pan.digits], source_of(src, [pan]), name)


def split_parts(digits: str, rng: random.Random) -> list[str]:
    parts = chunks(digits, GROUPS[len(digits)])
    mode = rng.choice(["groups", "pairs", "halves", "groups"])
    if mode == "pairs" and len(parts) >= 4:
        return [" ".join(parts[:2]), " ".join(parts[2:])]
    if mode == "halves":
        mid = len(digits) // 2 + rng.choice([-1, 0, 0, 1])
        return [digits[:mid], digits[mid:]]
    return parts


def k_split(ctx: Ctx, family: str) -> Built:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split)
    parts = split_parts(pan.digits, rng)
    name, builder, src = pick_shape(rng, family, ctx.split)
    if family == "csvcols":
        header, rows, _ = builder(rng, parts)
        data = write_csv(header, rows, rng.choice(["\r\n", "\n"]))
        suffix = ".csv"
    else:
        if family == "msg" and rng.random() < 0.3:
            parts = [rng.choice(["it's ", "", "ok "]) + parts[0], *parts[1:-1], parts[-1] + rng.choice(["", " thx"])]
        suffix, data = builder(rng, parts)
    return Built(suffix, encode(data), [pan.digits], source_of(src, [pan]), name)


PosBuilder = Callable[[Ctx], Built]
POSITIVE_KINDS: dict[str, PosBuilder] = {
    "plain": k_text,
    "spaced_4444": lambda c: k_text(c, "len16"),
    "dashes": k_text,
    "dots": k_text,
    "amex_465": lambda c: k_text(c, "amex"),
    "diners_464": lambda c: k_text(c, "diners14"),
    "spaced_19": lambda c: k_text(c, "len19"),
    "grouped_6_13": lambda c: k_text(c, "len19"),
    "digit_per_space": k_text,
    "mixed_separators": k_text,
    "context_words": k_context,
    "hash_prefixed": k_hash,
    "with_expiry_cvv": k_expiry,
    "two_cards": k_two,
    "linebreak_body": k_linebreak,
    "split_txt_lines": k_split_txt,
    "split_messages": lambda c: k_split(c, "msg"),
    "split_json_fields": lambda c: k_split(c, "fields"),
    "split_csv_columns": lambda c: k_split(c, "csvcols"),
    "csv_no_header": k_csv_noheader,
    "csv_quoted_newline": k_csv_newline,
    "ndjson_unicode_escape": k_ndjson_escape,
    "fullwidth": k_text,
    "arabic_indic": k_text,
    "zero_width": k_text,
    "nbsp": k_text,
    "url_encoded": lambda c: k_url(c, double=False),
    "url_double_encoded": lambda c: k_url(c, double=True),
    "html_entities": k_html_entities,
    "html_tags": k_html_tags,
    "base64_text": k_b64_text,
    "base64_json": k_b64_json,
    "base64_nested": k_b64_nested,
    "json_number": k_json_number,
    "json_key": k_json_key,
    "utf16le_bom": lambda c: k_encoded(c, "utf-16-le-bom", ("txt", "csv")),
    "utf16be_bom": lambda c: k_encoded(c, "utf-16-be-bom", ("txt", "csv")),
    "utf8_bom": lambda c: k_encoded(c, "utf-8-bom", ("txt", "csv", "json")),
    "spelled_words": k_spelled,
}


# --------------------------------------------------------------------------------------------- hard negatives
# Check-digit algorithms of the carriers as published in jkeen/tracking_number_data (couriers/*.json and
# CHECKSUM_ALGORITHMS.md); each is verified below against that repository's own valid test numbers.

SRC_TRACKING = "https://github.com/jkeen/tracking_number_data/blob/b79ce4b/couriers/{}.json"
SRC_SHOP_FULFILL = SRC_SHOPIFY + "/fulfillment.json"
PUBLISHED_TRACKING = {  # courier file -> valid test numbers printed there
    "ups": ["1Z5R89390357567127", "1Z879E930346834440", "1Z410E7W0392751591", "1Z8V92A70367203024"],
    "usps20": ["03071790000523483741", "71123456789123456787"],
    "usps22": ["9400111206206406260787", "9405803699300124287899", "9505511069605048600624"],
    "fedex12": ["986578788855", "477179081230", "799531274483", "790535312317"],
    "fedex15": ["041441760228964", "568283610012000", "568283610012734"],
    "fedex22": ["9611020987654312345672"],
    "dhl": ["3318810025", "8487135506", "1099255990"],
    "canadapost": ["0073938000549297", "7035114477138472", "4002847016405018"],
    "s10": ["RB123456785GB", "RB123456785US"],
    "purolator": ["320595463938", "320606146993", "287809468872"],
}


def mod10_check(seq: str, evens: int = 1, odds: int = 1, reverse: bool = False) -> str:
    chars = seq[::-1] if reverse else seq
    total = 0
    for i, c in enumerate(chars):
        x = int(c) if c.isdigit() else (ord(c) - 3) % 10
        x *= odds if i % 2 else evens
        total += x
    return str((10 - total % 10) % 10)


def weighted_check(seq: str, weights: Sequence[int], m1: int = 11, m2: int = 10) -> str:
    return str(sum(int(a) * b for a, b in zip(seq, weights, strict=False)) % m1 % m2)


def s10_check(serial: str) -> str:
    r = sum(int(a) * b for a, b in zip(serial, [8, 6, 4, 2, 3, 5, 9, 7], strict=True)) % 11
    return "0" if r == 1 else "5" if r == 0 else str(11 - r)


FEDEX12_W = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]


def tracking_valid(kind: str, n: str) -> bool:
    if kind == "ups":
        return n[:2] == "1Z" and mod10_check(n[2:-1], 1, 2) == n[-1]
    if kind == "usps20":
        return mod10_check(n[:-1], 3, 1) == n[-1]
    if kind == "usps22":
        return mod10_check(n[:-1], 3, 1, reverse=True) == n[-1]
    if kind == "fedex12":
        return weighted_check(n[:11], FEDEX12_W) == n[-1]
    if kind == "fedex15":
        return mod10_check(n[:-1], 1, 3) == n[-1]
    if kind == "fedex22":
        return mod10_check(n[7:21], 1, 3) == n[-1]
    if kind == "dhl":
        return int(n[:-1]) % 7 == int(n[-1])
    if kind == "canadapost":
        return mod10_check(n[:-1], 3, 1) == n[-1]
    if kind == "s10":
        return s10_check(n[2:10]) == n[10]
    if kind == "purolator":
        return luhn_ok(n)
    raise KeyError(kind)


def rdigits(rng: random.Random, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def gen_tracking(rng: random.Random, kind: str) -> str:
    alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
    if kind == "ups":
        seq = "".join(rng.choice(alnum) for _ in range(6)) + rng.choice(["01", "02", "03", "12", "13", "42", "66"])
        seq += rdigits(rng, 7)
        return "1Z" + seq + mod10_check(seq, 1, 2)
    if kind == "usps20":
        seq = rdigits(rng, 19, "07")
        return seq + mod10_check(seq, 3, 1)
    if kind == "usps22":
        seq = rng.choice(["94001", "92055", "92612", "93612", "94055", "95055", "92701", "94073"])
        seq += "9" + rdigits(rng, 8) + rdigits(rng, 7) if seq[3] != "7" else rdigits(rng, 16)
        seq = seq[:21]
        return seq + mod10_check(seq, 3, 1, reverse=True)
    if kind == "fedex12":
        seq = rdigits(rng, 11, "777779456")
        return seq + weighted_check(seq, FEDEX12_W)
    if kind == "fedex15":
        seq = rdigits(rng, 14, "0000555168")
        return seq + mod10_check(seq, 1, 3)
    if kind == "fedex22":
        seq = "9611" + rng.choice(["020", "019", "001"]) + rdigits(rng, 14)
        return seq + mod10_check(seq[7:21], 1, 3)
    if kind == "dhl":
        seq = rdigits(rng, 9, "123456789")
        return seq + str(int(seq) % 7)
    if kind == "canadapost":
        seq = rng.choice(["4002847", "4002847", "4002847", "7035114", "0073938"]) + rdigits(rng, 8)
        return seq + mod10_check(seq, 3, 1)
    if kind == "s10":
        serial = rdigits(rng, 8)
        svc = rng.choice(["RB", "RR", "LX", "CP", "EE", "LZ", "UA", "RA"])
        return svc + serial + s10_check(serial) + rng.choice(["GB", "CN", "DE", "CA", "US", "FR", "NL", "JP"])
    if kind == "purolator":
        seq = rdigits(rng, 11, "0123452")
        return seq + luhn_digit(seq)
    raise KeyError(kind)


TRACK_URL = {
    "ups": "https://www.ups.com/track?loc=en_US&tracknum={}",
    "usps20": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "usps22": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex12": "https://www.fedex.com/fedextrack/?trknbr={}",
    "fedex15": "https://www.fedex.com/fedextrack/?trknbr={}",
    "fedex22": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={}",
    "canadapost": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={}",
    "s10": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "purolator": "https://www.purolator.com/en/shipping/tracker?pin={}",
}
TRACK_COMPANY = {
    "ups": "UPS",
    "usps20": "USPS",
    "usps22": "USPS",
    "fedex12": "FedEx",
    "fedex15": "FedEx",
    "fedex22": "FedEx",
    "dhl": "DHL Express",
    "canadapost": "Canada Post",
    "s10": "Royal Mail",
    "purolator": "Purolator",
}
TRACK_COURIER_FILE = {"usps20": "usps", "usps22": "usps", "fedex12": "fedex", "fedex15": "fedex", "fedex22": "fedex"}


def fmt_tracking(rng: random.Random, kind: str, n: str) -> str:
    if kind in ("usps20", "usps22") and rng.random() < 0.5:
        return grouped(n, " ", [4] * 6)
    if kind == "canadapost" and rng.random() < 0.4:
        return grouped(n, " ", [4, 4, 4, 4])
    if kind == "fedex15" and rng.random() < 0.3:
        return grouped(n, " ", [4, 4, 4, 3])
    if kind == "ups" and rng.random() < 0.3:
        return " ".join([n[:2], n[2:5], n[5:8], n[8:10], n[10:14], n[14:]])
    return n


def fulfillment_json(rng: random.Random, company: str, number: str, url: str) -> tuple[str, str]:
    ful = {
        "fulfillment": {
            "created_at": "2013-11-01T16:06:08-04:00",
            "id": 255858046,
            "order_id": 450789469,
            "service": "manual",
            "status": "success",
            "tracking_company": company,
            "updated_at": "2013-11-01T16:06:08-04:00",
            "tracking_number": number,
            "tracking_numbers": [number],
            "tracking_url": url,
            "tracking_urls": [url],
            "receipt": {"testcase": True, "authorization": "123456"},
            "line_items": [
                {
                    "id": 466157049,
                    "price": "199.00",
                    "product_id": 632910392,
                    "quantity": 1,
                    "sku": "IPOD2008GREEN",
                    "title": "IPod Nano - 8gb",
                }
            ],
        }
    }
    return ".json", dump(ful)


TRACK_SENTENCES = [
    "Your order {order} is on its way! Tracking number: {v}",
    "{carrier} says {v} was delivered but I have nothing on my porch",
    "tracking {v} hasn't moved in 5 days",
    "Label created, tracking # {v}",
    "Can you check {v}? It says exception",
    "Replacement shipped with {carrier}, tracking {v}",
    "Return label: {v}",
    "Here is the tracking: {v} ({carrier})",
    "Seguimiento: {v}",
    "Sendungsnummer {v}",
]


def neg_tracking(ctx: Ctx, kinds: Sequence[str]) -> Built:
    rng = ctx.rng
    kind = rng.choice(halves(list(kinds), "trk|" + ctx.kind)[ctx.split] if len(kinds) > 1 else list(kinds))
    # Canada Post PINs under origin 4002847 are 16 digits starting with 4: half are kept only when they also pass
    # Luhn, so they look like Visa numbers and must be cleared on context.
    share = 0.6 if kind in ("canadapost", "purolator") else 0.0
    number = luhn_biased(rng, functools.partial(gen_tracking, rng, kind), share)
    assert tracking_valid(kind, number), (kind, number)
    src = SRC_TRACKING.format(TRACK_COURIER_FILE.get(kind, kind))
    if rng.random() < 0.3:
        suffix, out = fulfillment_json(rng, TRACK_COMPANY[kind], number, TRACK_URL[kind].format(number))
        return Built(suffix, encode(out), [], f"shape={SRC_SHOP_FULFILL}; number={src}", "shopify_fulfillment")
    text = ctx.sentence(TRACK_SENTENCES).format(
        v=fmt_tracking(rng, kind, number), carrier=TRACK_COMPANY[kind], order=order_name(rng)
    )
    suffix, data, shape_src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [], f"shape={shape_src}; number={src}", name)


def luhn_biased(rng: random.Random, make: Callable[[], str], share: float) -> str:
    """Draw from ``make``; with probability ``share`` keep drawing until the value is Luhn-valid (digits only)."""
    want = rng.random() < share
    for _ in range(400):
        v = make()
        if not want or luhn_ok(re.sub(r"\D", "", v)):
            return v
    return v


def neg_simple(
    ctx: Ctx,
    make: Callable[[Ctx], tuple[str, str]],
    table: list[str],
    families: Sequence[str] = TEXT_FAMILIES,
    weights: Sequence[int] | None = TEXT_WEIGHTS,
) -> Built:
    value, src = make(ctx)
    rng = ctx.rng
    text = ctx.sentence(table).format(
        v=value, card=value, order=order_name(rng), exp=expiry(rng), cvv=cvv(rng, ""), name="Bob Norman"
    )
    suffix, data, shape_src, name = place_text(ctx, text, families, weights)
    return Built(suffix, data, [], f"shape={shape_src}; number={src}", name)


# ---- IBAN, phones, postcodes

IBAN_COUNTRIES = [
    "DE",
    "FR",
    "GB",
    "ES",
    "IT",
    "NL",
    "BE",
    "AT",
    "CH",
    "PL",
    "PT",
    "IE",
    "SE",
    "DK",
    "NO",
    "FI",
    "LU",
    "GR",
    "CZ",
    "HU",
    "RO",
    "SA",
    "AE",
    "TR",
    "BR",
    "HR",
    "SK",
    "SI",
    "EE",
    "LT",
]


def iban_value(ctx: Ctx, spaced: bool) -> tuple[str, str]:
    cc = ctx.rng.choice(halves(IBAN_COUNTRIES, "iban")[ctx.split])
    iban = IBAN.random(country_code=cc, random=ctx.rng)
    return (iban.formatted if spaced else str(iban.compact)), f"schwifty.IBAN.random(country_code={cc!r})"


IBAN_SENTENCES = [
    "Please refund to my bank account instead: {v}",
    "IBAN: {v}",
    "Bank details for the refund - IBAN {v}, BIC as on the invoice",
    "Could you send the money back to {v}?",
    "Überweisung bitte auf {v}",
    "Merci de rembourser sur l'IBAN {v}",
    "Mi IBAN es {v}",
    "refund iban {v} thanks",
]
PHONE_REGIONS = {
    "US": "en_US",
    "GB": "en_GB",
    "DE": "de_DE",
    "FR": "fr_FR",
    "IN": "en_IN",
    "BR": "pt_BR",
    "AU": "en_AU",
    "JP": "ja_JP",
    "MX": "es_MX",
    "ES": "es_ES",
    "IT": "it_IT",
    "NL": "nl_NL",
    "CA": "en_CA",
    "SE": "sv_SE",
    "PL": "pl_PL",
    "TR": "tr_TR",
    "KR": "ko_KR",
    "CN": "zh_CN",
    "RU": "ru_RU",
    "IE": "en_IE",
    "NZ": "en_NZ",
    "AR": "es_AR",
    "DK": "da_DK",
    "CH": "de_CH",
}
FAKERS: dict[str, Faker] = {}


def faker_for(locale: str, rng: random.Random) -> Faker:
    if locale not in FAKERS:
        FAKERS[locale] = Faker(locale)
    fk = FAKERS[locale]
    fk.seed_instance(rng.getrandbits(32))
    return fk


def phone_value(ctx: Ctx, international: bool) -> tuple[str, str]:
    rng = ctx.rng
    region = rng.choice(halves(sorted(PHONE_REGIONS), "phone")[ctx.split])
    if rng.random() < 0.35:
        kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
        num = phonenumbers.example_number_for_type(region, kind)
        src = f"phonenumbers.example_number_for_type({region!r}, {kind})"
    else:
        num = None
        for _ in range(30):
            raw = faker_for(PHONE_REGIONS[region], rng).phone_number()
            try:
                cand = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(cand):
                num = cand
                break
        if num is None:
            num = phonenumbers.example_number(region)
        src = f"faker.Faker({PHONE_REGIONS[region]!r}).phone_number (parsed with phonenumbers)"
    if num is None:
        raise AssertionError(region)
    fmt = phonenumbers.PhoneNumberFormat
    if international:
        style = rng.choice([fmt.INTERNATIONAL, fmt.INTERNATIONAL, fmt.E164, fmt.RFC3966])
        text = phonenumbers.format_number(num, style)
        if style == fmt.E164 and rng.random() < 0.3:
            text = "00" + text[1:]
    else:
        text = phonenumbers.format_number(num, fmt.NATIONAL)
    return text, src


PHONE_SENTENCES = [
    "Please call me back on {v}",
    "my number is {v}, text is fine",
    "Phone: {v}",
    "You can reach me at {v} after 5pm",
    "Call {v} and ask for Laura",
    "tel {v}",
    "Llámame al {v}",
    "Rufen Sie mich bitte unter {v} an",
    "whatsapp {v}",
]


def neg_phone(ctx: Ctx, international: bool) -> Built:
    rng = ctx.rng
    value, src = phone_value(ctx, international)
    if rng.random() < 0.35:
        cust = {**SH_CUSTOMER, "phone": value, "note": None}
        billing = {**SH_BILLING, "phone": value}
        if rng.random() < 0.5:
            return Built(
                ".json",
                encode(dump({"order": sh_order(billing=billing, customer=cust, phone=value)})),
                [],
                f"shape={SRC_SHOPIFY}/order.json (phone fields); number={src}",
                "shopify_order_phone",
            )
        user = {
            "id": 1159307768,
            "name": "Face Toe",
            "email": "facetoe@facetoe.com.au",
            "phone": value,
            "shared_phone_number": False,
            "role": "end-user",
            "created_at": "2015-07-25T02:23:12Z",
        }
        return Built(
            ".json",
            encode(dump({"user": user}, ascii_only=True)),
            [],
            f"shape={SRC_ZENPY_SPEC}/zendesk/user.json (phone); number={src}",
            "zendesk_user_phone",
        )
    text = ctx.sentence(PHONE_SENTENCES).format(v=value)
    suffix, data, shape_src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [], f"shape={shape_src}; number={src}", name)


ADDRESS_LOCALES = [
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "nl_NL",
    "es_ES",
    "it_IT",
    "pt_BR",
    "ja_JP",
    "en_CA",
    "en_AU",
    "pl_PL",
    "sv_SE",
    "en_IN",
]


def address_value(ctx: Ctx) -> tuple[str, str]:
    loc = ctx.rng.choice(halves(ADDRESS_LOCALES, "addr")[ctx.split])
    fk = faker_for(loc, ctx.rng)
    text = fk.address().replace("\n", ", ") if ctx.rng.random() < 0.6 else f"{fk.postcode()} {fk.city()}"
    return text, f"faker.Faker({loc!r}).address/postcode"


ADDRESS_SENTENCES = [
    "Please ship to {v} instead",
    "New address: {v}",
    "I moved - {v}",
    "Billing address is {v}",
    "Send the replacement to {v}",
]

# ---- ids, timestamps, hashes


def shopify_id(rng: random.Random, what: str) -> str:
    lo, hi = {
        "Order": (5_400_000_000_000, 6_999_999_999_999),
        "Customer": (6_500_000_000_000, 8_999_999_999_999),
        "Product": (7_000_000_000_000, 9_999_999_999_999),
        "ProductVariant": (40_000_000_000_000, 49_999_999_999_999),
        "LineItem": (12_000_000_000_000, 16_999_999_999_999),
        "LegacyLineItem": (4_000_000_000_000, 4_999_999_999_999),
    }[what]
    return str(rng.randint(lo, hi))


def neg_shopify_ids(ctx: Ctx) -> Built:
    rng = ctx.rng
    ids = {
        w: luhn_biased(rng, functools.partial(shopify_id, rng, w), 0.5)
        for w in ("Order", "Customer", "Product", "ProductVariant", "LineItem", "LegacyLineItem")
    }
    src = "Shopify REST/GraphQL id ranges (13-14 digit numeric ids; legacy 13-digit line-item ids start with 4)"
    if rng.random() < 0.55:
        order = sh_order(
            note=rng.choice([None, "Please gift wrap", "Leave at the back door"]),
            id=int(ids["Order"]),
            admin_graphql_api_id=f"gid://shopify/Order/{ids['Order']}",
            checkout_id=int(luhn_biased(rng, lambda: rdigits(rng, 14, "23"), 0.5)),
            line_items=[
                {
                    "id": int(ids["LegacyLineItem"]),
                    "variant_id": int(ids["ProductVariant"]),
                    "product_id": int(ids["Product"]),
                    "title": "IPod Nano - 8gb",
                    "quantity": 1,
                    "price": "199.00",
                }
            ],
            customer={**SH_CUSTOMER, "id": int(ids["Customer"])},
        )
        return Built(
            ".json",
            encode(dump({"order": order})),
            [],
            f"shape={SRC_SHOPIFY}/order.json (ids); number={src}",
            "shopify_order_ids",
        )
    table = [
        "Order ID {v} still shows unfulfilled",
        "customer id {v}",
        "line item {v} is the wrong size",
        "admin link: https://admin.shopify.com/store/bob-norman/orders/{v}",
        "Variant {v} is out of stock",
        "Refund issued for order id {v}",
    ]
    key = rng.choice(list(ids))
    text = ctx.sentence(table).format(v=ids[key])
    suffix, data, shape_src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [], f"shape={shape_src}; number={src}", name)


def gid_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    what = rng.choice(
        ["Order", "Customer", "Product", "ProductVariant", "LineItem", "LegacyLineItem", "LegacyLineItem"]
    )
    num = luhn_biased(rng, lambda: shopify_id(rng, what), 0.5)
    name = "LineItem" if what == "LegacyLineItem" else what
    return f"gid://shopify/{name}/{num}", "https://shopify.dev/docs/api/usage/gids"


GID_SENTENCES = [
    "{v}",
    "Webhook failed for {v}",
    "mutation input id: {v}",
    "ref {v}",
    "customer={v}",
    "see {v} in the bulk export",
]


def order_ref_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    style = rng.choice(["name", "invoice", "rma", "zd", "draft", "amazon", "ebay"])
    v = {
        "name": f"#{rng.randint(1001, 99999)}",
        "invoice": f"INV-{rng.randint(2019, 2025)}-{rng.randint(1, 999999):06d}",
        "rma": f"RMA{rng.randint(100000, 999999)}",
        "zd": f"ticket #{rng.randint(1000, 999999)}",
        "draft": f"#D{rng.randint(1, 9999)}",
        "amazon": f"{rng.randint(111, 114)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}",
        "ebay": f"{rng.randint(10, 27)}-{rng.randint(10000, 99999)}-{rng.randint(10000, 99999)}",
    }[style]
    return v, "order/invoice reference formats (Shopify order names, Amazon 3-7-7, eBay 2-5-5)"


ORDER_SENTENCES = [
    "Where is my order {v}?",
    "Re: {v} - wrong item",
    "I need an invoice for {v}",
    "Cancel {v} please",
    "order {v} arrived damaged",
    "Referencia del pedido: {v}",
    "Bestellnummer {v}",
    "Following up on {v}",
]


def timestamp_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    t = rng.randint(1_500_000_000, 1_780_000_000)
    frac = rng.randint(0, 999_999)
    style = rng.choice(["iso", "iso_us", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns", "compact", "rfc2822"])
    d = datetime.datetime.fromtimestamp(t, tz=datetime.UTC)
    v = {
        "iso": d.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "iso_us": d.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:06d}+00:00",
        "epoch_s": str(t),
        "epoch_ms": f"{t}{frac // 1000:03d}",
        "epoch_us": f"{t}{frac:06d}",
        "epoch_ns": f"{t}{frac:06d}{rng.randint(0, 999):03d}",
        "compact": d.strftime("%Y%m%d%H%M%S"),
        "rfc2822": d.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    }[style]
    return v, f"timestamp formats ({style})"


TS_SENTENCES = [
    "event at {v}",
    "created_at={v}",
    "last seen {v}",
    "ts: {v}",
    "Delivered {v}",
    "timestamp {v} in the logs",
    "sent {v}",
]


def uuid_value(ctx: Ctx) -> tuple[str, str]:
    u = uuid.UUID(int=ctx.rng.getrandbits(128), version=4)
    return (str(u) if ctx.rng.random() < 0.8 else u.hex), "uuid.UUID(version=4) from a seeded generator"


def hash_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    raw = rng.getrandbits(256).to_bytes(32, "big")
    algo = rng.choice(["sha1", "sha256", "md5", "git"])
    digest = hashlib.new("sha1" if algo == "git" else algo, raw, usedforsecurity=False).hexdigest()
    return (digest[:7] if algo == "git" and rng.random() < 0.5 else digest), f"hashlib.{algo} hex digest"


ID_SENTENCES = [
    "request id {v}",
    "checkout token {v}",
    "Trace: {v}",
    "commit {v}",
    "idempotency-key: {v}",
    "session {v}",
    "file hash {v}",
]

# ---- barcodes, books, money


def barcode_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    style = rng.choice(["ean13_de", "ean13_de", "ean13_de", "ean13", "gtin14", "upc"])

    def make() -> str:
        if style == "ean13_de":
            body = rng.choice(
                ["400", "401", "402", "403", "404", "405", "406", "407", "408", "409", "410", "420", "430", "440"]
            ) + rdigits(rng, 9)
        elif style == "ean13":
            body = rng.choice(["500", "501", "560", "590", "690", "761", "800", "871", "890", "978"]) + rdigits(rng, 9)
        elif style == "gtin14":
            body = rng.choice("123456") + rng.choice(["0", "4", "5"]) + rdigits(rng, 11)
        else:
            body = rng.choice("0123678") + rdigits(rng, 10)
        return body + str(ean.calc_check_digit(body))

    return luhn_biased(rng, make, 0.5), f"stdnum.ean.calc_check_digit ({style}; GS1 prefixes)"


BARCODE_SENTENCES = [
    "Barcode on the box: {v}",
    "EAN {v}",
    "GTIN: {v}",
    "UPC {v} scans as a different product",
    "the label says {v}",
    "SKU/EAN {v} please restock",
]


def isbn_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    body = rng.choice(["978", "979"]) + rng.choice(["0", "1", "3", "2", "84"]) + rdigits(rng, 8)
    body = body[:12]
    v = body + ean.calc_check_digit(body)
    assert isbn.is_valid(v)
    return (isbn.format(v) if rng.random() < 0.5 else v), "stdnum.isbn / stdnum.ean check digit"


ISBN_SENTENCES = ["ISBN {v}", "I ordered ISBN {v} but got the paperback", "book: {v}", "ISBN-13: {v}"]


def amount_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    x = (
        rng.choice([rng.randint(1, 999), rng.randint(1000, 99999), rng.randint(100000, 99999999)])
        + rng.randint(0, 99) / 100
    )
    style = rng.choice(["us", "eu", "ch", "in", "jp", "plain", "cents"])
    if style == "us":
        v = f"${x:,.2f}"
    elif style == "eu":
        v = f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " €"
    elif style == "ch":
        v = "CHF " + f"{x:,.2f}".replace(",", "'")
    elif style == "in":
        v = f"₹{x:,.2f}"
    elif style == "jp":
        v = f"¥{int(x):,}"
    elif style == "cents":
        v = f"{int(x * 100)} cents"
    else:
        v = f"{x:.2f} USD"
    return v, "amount formats (locale grouping)"


AMOUNT_SENTENCES = [
    "I was charged {v} instead of the sale price",
    "Total: {v}",
    "refund of {v} please",
    "The invoice says {v}",
    "balance {v}",
    "Betrag {v}",
    "Montant : {v}",
]


def vat_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    cc = rng.choice(halves(["DE", "FR", "IT", "NL", "GB"], "vat")[ctx.split] + ["IT"])
    for _ in range(2000):
        if cc == "DE":
            v = rdigits(rng, 9, "123456789")
            if de_vat.is_valid(v):
                return f"DE{v}", "stdnum.de.vat"
        elif cc == "FR":
            s = rdigits(rng, 8, "123456789")
            s += luhn.calc_check_digit(s)
            key = (12 + 3 * (int(s) % 97)) % 97
            return f"FR{key:02d}{s}", "stdnum.fr.tva (key from SIREN)"
        elif cc == "IT":
            v = rdigits(rng, 7) + rng.choice(["001", "015", "058", "096", "120"])
            v += luhn.calc_check_digit(v)
            if it_iva.is_valid(v):
                return f"IT{v}", "stdnum.it.iva (Luhn-valid 11 digits)"
        elif cc == "NL":
            v = rdigits(rng, 9) + "B01"
            if nl_btw.is_valid(v):
                return f"NL{v}", "stdnum.nl.btw"
        else:
            v = rdigits(rng, 9)
            if gb_vat.is_valid(v):
                return f"GB {v[:3]} {v[3:7]} {v[7:]}", "stdnum.gb.vat"
    raise AssertionError(cc)


VAT_SENTENCES = [
    "Please add our VAT number {v} to the invoice",
    "VAT ID: {v}",
    "company VAT {v}",
    "Tax ID {v}",
    "VAT reg. no. {v}",
    "Bitte Rechnung mit USt-ID {v}",
]

# ---- national ids and other Luhn-valid numbers that are not cards


def national_id_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    style = rng.choice(halves(["ssn", "sin", "personnummer", "nino", "aadhaar_like"], "natid")[ctx.split])
    if style == "ssn":
        return faker_for("en_US", rng).ssn(), "faker.Faker('en_US').ssn"
    if style == "sin":
        while True:
            v = rdigits(rng, 8, "1234567")
            v += luhn.calc_check_digit(v)
            if ca_sin.is_valid(v):
                return ca_sin.format(v), "stdnum.ca.sin (Luhn)"
    if style == "personnummer":
        while True:
            yy, mm, dd = rng.randint(40, 99), rng.randint(1, 12), rng.randint(1, 28)
            body = f"{yy:02d}{mm:02d}{dd:02d}{rng.randint(0, 999):03d}"
            v = body + luhn.calc_check_digit(body)
            if personnummer.is_valid(v):
                return f"{v[:6]}-{v[6:]}", "stdnum.se.personnummer (Luhn)"
    if style == "nino":
        return faker_for("en_GB", rng).ssn(), "faker.Faker('en_GB').ssn (NINO)"
    v = rdigits(rng, 12, "23456789")
    return f"{v[:4]} {v[4:8]} {v[8:]}", "12-digit national id layout (4-4-4)"


NATID_SENTENCES = [
    "For the tax form: {v}",
    "my ID number is {v}",
    "ID: {v}",
    "ID number {v} as requested",
    "identity no. {v}",
    "tax id {v}",
]


def za_id_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    for _ in range(1000):
        yy = rng.randint(40, 49) if rng.random() < 0.6 else rng.randint(50, 99)
        body = f"{yy:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}{rng.choice('01')}8"
        v = body + luhn.calc_check_digit(body)
        if za_idnr.is_valid(v):
            return v, "stdnum.za.idnr (13 digits, Luhn; born 1940s -> starts with 4)"
    raise AssertionError


ZA_SENTENCES = [
    "ID number {v}",
    "SA ID: {v}",
    "my identity number is {v} for the account",
    "FICA docs attached, ID {v}",
    "RSA ID {v}",
]


def siret_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    for _ in range(1000):
        siren = rng.choice(["30", "36", "38", "39", "31", "41", "52", "78"]) + rdigits(rng, 6)
        siren += luhn.calc_check_digit(siren)
        nic = rdigits(rng, 4, "0")
        v = siren + nic + luhn.calc_check_digit(siren + nic)
        if fr_siret.is_valid(v) and fr_siren.is_valid(siren):
            return (fr_siret.format(v) if rng.random() < 0.4 else v), "stdnum.fr.siret (14 digits, Luhn)"
    raise AssertionError


SIRET_SENTENCES = ["SIRET : {v}", "Notre numéro SIRET est {v}", "company reg (SIRET) {v}", "SIRET {v} for the invoice"]


def imei_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    if rng.random() < 0.4:
        # IMEISV: TAC + serial + 2-digit software version, 16 digits and no check digit; TACs 3528xxxx-3589xxxx
        # put it in the JCB range, and half are kept only when they happen to pass Luhn.
        def make() -> str:
            return f"35{rng.randint(28, 89)}" + rdigits(rng, 4) + rdigits(rng, 6) + f"{rng.randint(0, 99):02d}"

        sv = luhn_biased(rng, make, 0.5)
        return (sv if rng.random() < 0.7 else f"{sv[:8]} {sv[8:14]} {sv[14:]}"), "IMEISV layout (3GPP TS 23.003)"
    tac = rng.choice(["35", "35", "35", "86", "01", "99"]) + rdigits(rng, 6)
    body = tac + rdigits(rng, 6)
    v = body + luhn.calc_check_digit(body)
    assert imei.is_valid(v)
    style = rng.random()
    text = v if style < 0.6 else f"{v[:2]}-{v[2:8]}-{v[8:14]}-{v[14]}" if style < 0.8 else f"{v[:8]} {v[8:14]} {v[14]}"
    return text, "stdnum.imei (TAC + serial + Luhn; TAC reporting bodies 35/86/01/99)"


IMEI_SENTENCES = [
    "IMEI {v}",
    "The phone's IMEI is {v}",
    "device imei: {v}",
    "Warranty claim, IMEI {v}",
    "IMEI/MEID {v} shows blacklisted",
    "device id {v} in the app logs",
]


def iccid_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    body = "89" + rng.choice(["1", "44", "49", "33", "61", "86", "34"])
    body += rdigits(rng, 18 - len(body) if rng.random() < 0.7 else 19 - len(body))
    v = body + luhn.calc_check_digit(body)
    return (grouped(v, " ", [4, 4, 4, 4, 4]) if rng.random() < 0.4 else v), "ITU-T E.118 ICCID (89 + CC, Luhn)"


ICCID_SENTENCES = ["SIM ICCID {v}", "the sim card number is {v}", "ICCID: {v}", "eSIM activation failed for {v}"]


def brand_prefix_id_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    prefix = rng.choice(["4", "4", "51", "53", "55", "37", "6011", "35", "62", "2221"])
    n = rng.choice([13, 16, 16, 16, 19]) if prefix == "4" else rng.choice([15, 16]) if prefix == "37" else 16
    body = prefix + rdigits(rng, n - len(prefix) - 1)
    return body + luhn_digit(body), "Luhn-valid number in a brand range used as a record id"


def neg_brand_prefix_id(ctx: Ctx) -> Built:
    rng = ctx.rng
    v, src = brand_prefix_id_value(ctx)
    style = rng.choice(["zendesk", "shopify", "gorgias"])
    if style == "zendesk":
        tk = {
            "id": 4014,
            "external_id": v,
            "subject": "Order sync",
            "status": "open",
            "created_at": "2023-09-18T23:25:58Z",
            "requester_id": 6130907993114,
        }
        return Built(
            ".json",
            encode(dump({"ticket": tk}, ascii_only=True)),
            [],
            f"shape={SRC_ZENPY_SPEC}/zendesk/ticket.json (external_id); number={src}",
            "zendesk_external_id",
        )
    if style == "shopify":
        tx = {
            "transaction": {
                "amount": "409.94",
                "authorization": v,
                "created_at": "2005-08-01T11:57:11-04:00",
                "gateway": "bogus",
                "id": 389404469,
                "kind": "authorization",
                "order_id": 450789469,
                "status": "success",
                "receipt": {"testcase": True, "authorization": v},
                "payment_details": {"credit_card_number": "XXXX-XXXX-XXXX-4242", "credit_card_company": "Visa"},
            }
        }
        return Built(
            ".json",
            encode(dump(tx)),
            [],
            f"shape={SRC_SHOPIFY}/transaction.json (authorization) | number: {src}",
            "shopify_transaction_authorization",
        )
    msg = gg_message("Order synced", "<div>Order synced</div>", external_id=v, meta={"order_number": v})
    return Built(
        ".json", encode(dump(msg)), [], f"shape={SRC_GORGIAS_DOC} (external_id); number={src}", "gorgias_external_id"
    )


def masked_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    pan = ctx.pool.pick(rng, ctx.split).digits
    last4, first6 = pan[-4:], pan[:6]
    mid = len(pan) - 10
    style = rng.choice(
        ["first6last4", "stars_groups", "x_dashes", "dots", "ending", "bullet_brand", "hash_mid", "first6last4_x"]
    )
    v = {
        "first6last4": f"{first6}{'*' * mid}{last4}",
        "first6last4_x": f"{first6}{'X' * mid}{last4}",
        "stars_groups": f"**** **** **** {last4}",
        "x_dashes": f"XXXX-XXXX-XXXX-{last4}",
        "dots": f"•••• •••• •••• {last4}",
        "ending": f"ending in {last4}",
        "bullet_brand": f"{brand_of(pan)} •••• {last4}",
        "hash_mid": f"{pan[:4]} {pan[4:6]}## #### {last4}",
    }[style]
    return v, "masked PAN forms (PCI DSS 3.4 first-six/last-four; Shopify payment_details)"


MASKED_SENTENCES = [
    "I paid with the card {v}",
    "charged to {v}",
    "Payment method: {v}",
    "the one {v} not the amex",
    "Card {v} was charged twice",
    "Refund to {v}",
    "Visa {v} exp 12/27",
]


def luhn_fail_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    digits = ctx.pool.pick(rng, ctx.split).digits
    for _ in range(100):
        i = rng.randint(6, len(digits) - 1)
        cand = digits[:i] + str((int(digits[i]) + rng.randint(1, 9)) % 10) + digits[i + 1 :]
        if not luhn_ok(cand):
            return (grouped(cand) if rng.random() < 0.6 else cand), "a test card with one digit changed (fails Luhn)"
    raise AssertionError


def bank_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    style = rng.choice(["us", "us", "uk", "au"])
    if style == "us":
        routing = rng.choice(
            ["021000021", "026009593", "121000248", "011000138", "322271627", "111000025", "071000013", "063100277"]
        )
        acct = rdigits(rng, rng.randint(8, 12), "123456789")
        return f"routing {routing} account {acct}", "US ABA routing numbers (published, checksum 3-7-1) + account"
    if style == "uk":
        return (
            f"sort code {rng.randint(10, 99)}-{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d} account "
            f"{rdigits(rng, 8)}",
            "UK sort code + 8-digit account",
        )
    return (
        f"BSB {rng.randint(10, 99):02d}{rng.randint(0, 9)}-{rng.randint(0, 999):03d} acct {rdigits(rng, 9)}",
        "AU BSB + account",
    )


BANK_SENTENCES = ["Please refund by bank transfer: {v}", "wire details: {v}", "Direct deposit to {v}", "{v}"]


def payref_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    style = rng.choice(["stripe", "stripe", "paypal", "arn", "auth", "adyen"])
    if style == "stripe":
        v = rng.choice(["pi_", "ch_", "pm_", "re_", "cus_", "in_"]) + "3" + "".join(rng.choice(al) for _ in range(23))
        return v, "https://docs.stripe.com/api (object id prefixes)"
    if style == "paypal":
        return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXY0123456789") for _ in range(17)), "PayPal transaction id (17)"
    if style == "arn":
        body = rng.choice(["7", "2", "8"]) + rdigits(rng, 21)
        return body + luhn_digit(body), "acquirer reference number (23 digits, Luhn check)"
    if style == "adyen":
        return rdigits(rng, 16, "8"), "Adyen pspReference (16 characters, starts with 8)"
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(6)), "authorisation code"


PAYREF_SENTENCES = [
    "Refund reference {v}",
    "transaction id: {v}",
    "payment ref {v}",
    "reference: {v}",
    "The bank asked for this: {v}",
    "Here's the ref from my statement {v}",
]


def misc_value(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    style = rng.choice(["ip", "latlng", "version", "date", "size", "dims", "range"])
    v = {
        "ip": f"from IP {rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "latlng": f"location {rng.uniform(-60, 60):.6f}, {rng.uniform(-170, 170):.6f}",
        "version": f"app version v{rng.randint(1, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 200)}",
        "date": f"delivered on {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2026)}",
        "size": f"attachment {rng.randint(1, 999999999):,} bytes",
        "dims": f"box size {rng.randint(10, 200)} x {rng.randint(10, 200)} x {rng.randint(1, 90)} cm",
        "range": f"pages {rng.randint(1000, 4999)}-{rng.randint(5000, 9999)}",
    }[style]
    return v, f"misc numeric strings ({style})"


MISC_SENTENCES = ["{v}", "Note: {v}", "fyi {v}", "({v})", "details - {v}"]
BENIGN_SENTENCES = [
    "Hi there, my order hasn't arrived yet. Can you check?",
    "Thanks for the quick reply!",
    "Can I change the size to a medium?",
    "The tracking link doesn't work for me.",
    "I'd like to return the blue one, it doesn't fit.",
    "Is this item back in stock soon?",
    "Please cancel my subscription at the end of the month.",
    "Great service, thank you so much.",
    "The discount code didn't apply at checkout.",
    "Where can I download the invoice?",
    "¿Tienen envío a Canarias?",
    "Merci, bonne journée !",
]


def neg_clean(ctx: Ctx) -> Built:
    text = ctx.sentence(BENIGN_SENTENCES)
    suffix, data, src, name = place_text(ctx, text, TEXT_FAMILIES, TEXT_WEIGHTS)
    return Built(suffix, data, [], f"shape={src}; number=none (record ids, timestamps and phones only)", name)


def neg_adjacent(ctx: Ctx) -> Built:
    """Adjacent numeric cells (quantity, zip, phone) whose digits joined form a Luhn-valid brand-range number."""
    rng = ctx.rng
    for _ in range(5000):
        qty = str(rng.choice([4, 5, 3, 6, 1, 2]))
        zip_ = rdigits(rng, 5, "0123456789")
        phone = rdigits(rng, 3, "2345678") + rdigits(rng, 7, "2345678")
        joined = qty + zip_ + phone
        if is_pan(joined):
            break
    price = f"{rng.randint(5, 300)}.{rng.randint(0, 99):02d}"
    if rng.random() < 0.6:
        header = [
            "Name",
            "Email",
            "Lineitem name",
            "Lineitem price",
            "Lineitem quantity",
            "Billing Zip",
            "Billing Phone",
            "Notes",
        ]
        rows = [
            ["#1001", "bob.norman@hostmail.com", "IPod Nano - 8gb", price, qty, zip_, phone, ""],
            [
                "#1002",
                "laura@example.com",
                "Vitamin C & E + Ferulic Acid Serum",
                "49.00",
                "1",
                "12345",
                "3123456789",
                "gift",
            ],
        ]
        return Built(
            ".csv",
            encode(write_csv(header, rows)),
            [],
            f"shape={SRC_SHOPIFY_CSV}; number=qty+zip+phone joined is Luhn-valid ({joined})",
            "adjacent_csv",
        )
    order = {
        "line_items": [{"title": "IPod Nano - 8gb", "price": price, "quantity": int(qty)}],
        "shipping_address": {"zip": zip_, "phone": phone, "city": "Louisville", "country_code": "US"},
    }
    return Built(
        ".json",
        encode(dump(order)),
        [],
        f"shape={SRC_SHOPIFY}/order.json; number=quantity, zip and phone joined are Luhn-valid ({joined})",
        "adjacent_json",
    )


def neg_split_numbers(ctx: Ctx) -> Built:
    """Consecutive chat messages with short numbers (order, last four, zip) whose concatenation passes Luhn."""
    rng = ctx.rng
    for _ in range(5000):
        order = str(rng.randint(4000, 4999))
        last4 = rdigits(rng, 4)
        zip_ = rdigits(rng, 5)
        extra = rdigits(rng, 3, "123456789")
        joined = order + last4 + zip_ + extra
        if is_pan(joined):
            break
    parts = [f"order #{order}", f"the card ends in {last4}", f"zip {zip_}", f"apt {extra}"]
    name, builder, src = pick_shape(rng, "msg", ctx.split)
    suffix, data = builder(rng, parts)
    return Built(suffix, encode(data), [], f"shape={src}; number=order/last4/zip/apt joined pass Luhn ({joined})", name)


NegBuilder = Callable[[Ctx], Built]


def simple(make: Callable[[Ctx], tuple[str, str]], table: list[str]) -> NegBuilder:
    return lambda c: neg_simple(c, make, table)


NEGATIVE_KINDS: dict[str, NegBuilder] = {
    "ups_tracking": lambda c: neg_tracking(c, ["ups"]),
    "usps_tracking": lambda c: neg_tracking(c, ["usps20", "usps22"]),
    "fedex_tracking": lambda c: neg_tracking(c, ["fedex12", "fedex15", "fedex22"]),
    "dhl_tracking": lambda c: neg_tracking(c, ["dhl"]),
    "canadapost_tracking": lambda c: neg_tracking(c, ["canadapost"]),
    "s10_royalmail_tracking": lambda c: neg_tracking(c, ["s10"]),
    "purolator_tracking": lambda c: neg_tracking(c, ["purolator"]),
    "iban_spaced": simple(lambda c: iban_value(c, True), IBAN_SENTENCES),
    "iban_compact": simple(lambda c: iban_value(c, False), IBAN_SENTENCES),
    "phone_national": lambda c: neg_phone(c, False),
    "phone_international": lambda c: neg_phone(c, True),
    "address_postcode": simple(address_value, ADDRESS_SENTENCES),
    "shopify_numeric_id": neg_shopify_ids,
    "shopify_gid": simple(gid_value, GID_SENTENCES),
    "order_reference": simple(order_ref_value, ORDER_SENTENCES),
    "clean_record": neg_clean,
    "timestamp": simple(timestamp_value, TS_SENTENCES),
    "uuid": simple(uuid_value, ID_SENTENCES),
    "hash_hex": simple(hash_value, ID_SENTENCES),
    "ean_gtin_upc": simple(barcode_value, BARCODE_SENTENCES),
    "isbn": simple(isbn_value, ISBN_SENTENCES),
    "amount": simple(amount_value, AMOUNT_SENTENCES),
    "vat_number": simple(vat_value, VAT_SENTENCES),
    "national_id": simple(national_id_value, NATID_SENTENCES),
    "za_id_luhn13": simple(za_id_value, ZA_SENTENCES),
    "siret_luhn14": simple(siret_value, SIRET_SENTENCES),
    "imei_imeisv": simple(imei_value, IMEI_SENTENCES),
    "iccid_luhn19": simple(iccid_value, ICCID_SENTENCES),
    "luhn_id_brand_range": neg_brand_prefix_id,
    "masked_card": simple(masked_value, MASKED_SENTENCES),
    "luhn_fail_card_shape": simple(luhn_fail_value, GENERIC_SENTENCES[:12]),
    "bank_account": simple(bank_value, BANK_SENTENCES),
    "payment_reference": simple(payref_value, PAYREF_SENTENCES),
    "misc_numeric": simple(misc_value, MISC_SENTENCES),
    "adjacent_numeric_fields": neg_adjacent,
    "split_numbers_messages": neg_split_numbers,
}


# --------------------------------------------------------------------------------------------- self-check

WORD_DIGITS = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0"}
B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def decode_bytes(data: bytes) -> str:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("utf-8")


def json_strings(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out.append(str(k))
            out.extend(json_strings(v))
        return out
    if isinstance(obj, list):
        return [s for v in obj for s in json_strings(v)]
    return [str(obj)] if obj is not None else []


def base64_blocks(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive lines that are wholly base64 (a MIME body wrapped at 76 columns)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", line.strip()) and len(line.strip()) >= 8:
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def views(data: bytes, depth: int = 0) -> list[str]:
    """Decoded readings of a file in which a planted PAN must be visible (independent of how it was planted)."""
    text = decode_bytes(data)
    out = [text]
    docs = []
    try:
        docs = [json.loads(text)]
    except ValueError:
        try:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            docs = []
    if docs:
        out.append("\n".join(s for d in docs for s in json_strings(d)))
    try:
        out.append("\n".join(" ".join(row) for row in csv.reader(io.StringIO(text))))
    except csv.Error:
        pass
    for v in list(out):
        out.append(html.unescape(re.sub(r"<[^>]+>", " ", v)))
    for v in list(out):
        once = urllib.parse.unquote_plus(v)
        out.extend([once, urllib.parse.unquote_plus(once)])
    if depth < 3:
        for v in list(out):
            lines = v.splitlines()
            blocks = ["".join(grp) for grp in base64_blocks(lines)]
            for tok in B64_TOKEN.findall(v) + blocks:
                try:
                    raw = base64.b64decode(
                        tok + "=" * (-len(tok) % 4), altchars=b"-_" if "-" in tok or "_" in tok else None, validate=True
                    )
                    raw.decode("utf-8")
                except (ValueError, UnicodeDecodeError):
                    continue
                out.extend(views(raw, depth + 1))
    out = [unicodedata.normalize("NFKC", v) for v in out]
    out = ["".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in v) for v in out]
    out += [
        re.sub(r"\b(" + "|".join(WORD_DIGITS) + r")\b", lambda m: WORD_DIGITS[m.group(1)], v, flags=re.I) for v in out
    ]
    return out


def occurs(pan: str, view: str, max_gap: int = 30) -> bool:
    """The PAN equals the concatenation of digit runs of the view, in order, with at most ``max_gap`` runs between."""
    runs = re.findall(r"[0-9]+", view)
    if any(pan in r for r in runs):
        return True
    reach = {(k + 1, len(r)) for k, r in enumerate(runs) if pan.startswith(r)}
    seen: set[tuple[int, int]] = set()
    while reach:
        i, pos = reach.pop()
        if pos == len(pan):
            return True
        if (i, pos) in seen:
            continue
        seen.add((i, pos))
        for j in range(i, min(len(runs), i + max_gap + 1)):
            if pan.startswith(runs[j], pos) and (j == i or len(runs[j]) >= 2):
                reach.add((j + 1, pos + len(runs[j])))
    return False


def self_check(rows: list[dict[str, Any]], pool: NumberPool) -> None:
    for kind, numbers in PUBLISHED_TRACKING.items():
        assert all(tracking_valid(kind, n) for n in numbers), kind
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    every_pan = {p.digits for s in SPLITS for p in pool.published[s]}
    decoys = false_hits = 0
    for r in rows:
        data = base64.b64decode(r["data_b64"])
        assert r["split"] in SPLITS, r["id"]
        assert r["suffix"] in (".json", ".ndjson", ".csv", ".txt"), r["id"]
        for pan in r["pans"]:
            assert is_pan(pan), (r["id"], pan)
            assert bin_split(pan) == r["split"], (r["id"], pan)
            readings = views(data)
            assert any(occurs(pan, v) for v in readings), (r["id"], pan)
            mid = len(pan) // 2
            decoy = pan[:mid] + str((int(pan[mid]) + 5) % 10) + pan[mid + 1 : -1]
            decoy += luhn_digit(decoy)
            decoys += 1
            false_hits += any(occurs(decoy, v) for v in readings)
        if r["suffix"] in (".json", ".ndjson"):
            text = decode_bytes(data)
            if r["suffix"] == ".json":
                json.loads(text)
            else:
                [json.loads(line) for line in text.splitlines() if line.strip()]
        if r["kind"].startswith("neg:"):
            assert not r["pans"], r["id"]
            flat = re.sub(r"\D", "", decode_bytes(data))
            assert not any(p in flat for p in every_pan), r["id"]
    assert false_hits <= decoys // 200, f"the occurrence check is too permissive: {false_hits}/{decoys} decoys"
    print(f"self-check ok: {len(rows)} cases, every label Luhn-valid, in a brand range and found in its file")


# --------------------------------------------------------------------------------------------- main

PER_POSITIVE_KIND = 40
PER_NEGATIVE_KIND = 38


def build_rows() -> tuple[list[dict[str, Any]], NumberPool]:
    pool = NumberPool()
    rows: list[dict[str, Any]] = []
    jobs: list[tuple[str, str, Callable[[Ctx], Built], int]] = []
    jobs += [(k, k, f, PER_POSITIVE_KIND) for k, f in POSITIVE_KINDS.items()]
    jobs += [(f"neg:{k}", f"neg_{k}", f, PER_NEGATIVE_KIND) for k, f in NEGATIVE_KINDS.items()]
    for kind, stem, fn, count in jobs:
        ctx_cache: dict[str, dict[str, list[str]]] = {s: {} for s in SPLITS}
        for i in range(count):
            split = SPLITS[i % 2]
            ctx = Ctx(kind, split, rng_for(kind, i), pool, ctx_cache[split])
            built = fn(ctx)
            rows.append(
                {
                    "id": f"{stem}-{i:04d}",
                    "split": split,
                    "kind": kind,
                    "source": built.source,
                    "suffix": built.suffix,
                    "data_b64": b64(built.data),
                    "pans": sorted(set(built.pans)),
                }
            )
    return rows, pool


def main() -> None:
    # faker's locale providers draw from hash-ordered sets for some fields: pin the hash seed so that two runs
    # give byte-identical output whatever the caller's environment.
    if os.environ.get("PYTHONHASHSEED") != "0":
        target = ["-m", __spec__.name] if __spec__ is not None else [__file__]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        sys.exit(subprocess.run([sys.executable, *target], env=env, check=False).returncode)
    rows, pool = build_rows()
    self_check(rows, pool)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=True, separators=(",", ":")) + "\n")
    per_split = Counter(r["split"] for r in rows)
    kinds = Counter(r["kind"] for r in rows)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 {digest[:16]}): {dict(per_split)}, {len(kinds)} kinds")


if __name__ == "__main__":
    main()
