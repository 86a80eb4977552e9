"""What makes a digit string a card number: brand ranges and lengths, Luhn, masking, published test cards."""

from __future__ import annotations

import unicodedata

__all__ = ["TEST_CARDS", "brand_of", "fold", "longest_pan", "luhn_valid", "mask_pan", "pan_of"]


def mask_pan(digits: str) -> str:
    """First 6 and last 4 of a 16+ digit PAN (first 4 and last 4 below that), the rest masked."""
    digits = "".join(c for c in digits if c.isdigit())
    keep_head = 6 if len(digits) >= 16 else 4
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


# (brand, prefix ranges as (low, high) over the first len(low) digits, lengths)
BRANDS: list[tuple[str, list[tuple[str, str]], tuple[int, ...]]] = [
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
_BY_FIRST_DIGIT = {d: [b for b in BRANDS if any(low[0] <= d <= high[0] for low, high in b[1])] for d in "0123456789"}
FIRST_DIGITS = frozenset(d for d, brands in _BY_FIRST_DIGIT.items() if brands)


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
    """(last group index, PAN, brand) of the longest run of whole groups from `start` that is a PAN."""
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


def gtin_valid(digits: str) -> bool:
    """The GS1 check digit of EAN-13, UPC-A (12) and GTIN-14: weights 3 and 1 from the right, mod 10."""
    total = sum((3 if i % 2 else 1) * (ord(c) - 48) for i, c in enumerate(reversed(digits)))
    return total % 10 == 0


def pan_windows(groups: list[str], start: int) -> list[tuple[int, str, str]]:
    """(last group index, PAN, brand) of every run of whole groups from `start` that is a PAN, longest first."""
    found = []
    joined = ""
    for j in range(start, len(groups)):
        joined += groups[j]
        if len(joined) > 19:
            break
        brand = pan_of(joined)
        if brand:
            found.append((j, joined, brand))
    return found[::-1]


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


_ZERO_WIDTH_AS_SPACE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), "\u2009")


def fold(text: str, keep_gaps: bool = False) -> str:
    """NFKC, every decimal digit as ASCII, zero-width characters removed (offsets refer to this text).

    With `keep_gaps`, zero-width characters become thin spaces instead: the groups they hide are evidence.
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH_AS_SPACE if keep_gaps else _ZERO_WIDTH)
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c for c in text
    )


# Numbers payment processors publish for testing integrations: a test number in a vendor's tickets is a
# card number someone typed, and integrations' staff paste these more than any other.
# Stripe https://docs.stripe.com/testing#cards, Adyen https://docs.adyen.com/development-resources/testing/test-card-numbers,
# Braintree https://developer.paypal.com/braintree/docs/reference/general/testing,
# PayPal Payflow https://developer.paypal.com/api/nvp-soap/payflow/integration-guide/test-transactions/
_PUBLISHED_TEST_CARDS = """
4242424242424242 4000056655665556 5555555555554444 2223003122003222 5200828282828210 5105105105105100
378282246310005 371449635398431 6011111111111117 6011000990139424 6011981111111113 3056930009020004
36227206271667 6555900000604105 3566002020360505 6200000000000005 6200000000000047 6205500000000000004
4000002500001001 4000000000003220 4000000000009995 4000000000000002 4000000000000077 4000000000000341
4111111145551142 4988438843884305 4166676667666746 4646464646464644 5555341244441115 5577000055770004
2222400070000005 370000000000002 6771798021000008 3600666633333344 36006666333344 6011601160116611
3569990010095841 6243030000000001 4111111111111111 4005519200000004 4009348888881881 4012000033330026
4012000077777777 4012888888881881 4217651111111119 4500600000000061 3530111333300000 6304000000000000
2223000048400011 4222222222222 378734493671000 3566111111111113 30569309025904 38520000023237
4000000000000010 4000000000000101 5454545454545454 4917610000000000 4484070000000000
"""
TEST_CARDS = frozenset(n for n in _PUBLISHED_TEST_CARDS.split() if pan_of(n))
