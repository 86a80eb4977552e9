"""Scored evidence: why a Luhn-valid run of digit groups is, or is not, a card number.

Every candidate that has a brand's IIN and length and passes Luhn is scored; it is reported when
the score reaches THRESHOLD. No word vetoes a number: card and payment words and a card's grouping
weigh for it, the names of other numbers ("tracking", "IMEI", "SIRET") against it, and structures
that only other numbers have (a "+" country code, an IBAN's mod-97 check, a hex digest around it, a
decimal point before it, an id-named field) weigh hard against it. Words that precede cards as often
as ids ("phone", "order", "ref", "#": a caller reads a card out over the phone) weigh nothing.
`benchmarks/pan_weights.py` measures each weight: precision and recall on the tuning split of the
independent corpus (tests/pan_independent) with that piece of evidence left out.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = [
    "ID_FIELD",
    "ISSUED_LENGTHS",
    "THRESHOLD",
    "WEIGHTS",
    "aligned",
    "card_words_near",
    "field_kind",
    "grouping",
    "joins",
    "words_around",
    "words_before",
]

THRESHOLD = 2

WEIGHTS: dict[str, int] = {
    "luhn_brand": 1,  # every candidate: a brand's IIN and length, and the Luhn check
    "issued_length": 1,  # the length the brand issues nearly all its cards in (Visa 16, Amex 15, ...)
    "card_grouping": 2,  # 4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, 6-13: the groups printed on cards
    "digit_per_space": 1,  # "4 1 1 1 ...": typed to get past a filter
    "odd_grouping": 0,  # 3-3-4 and the like: phone numbers, references
    "mid_run": -1,
    "inside_reference": -4,  # a window inside a long uniformly grouped reference (tracking numbers)
    "card_words": 3,  # "card", "visa", "cvv", "exp" (and their French, German, Spanish, Portuguese words) nearby
    "payment_words": 1,  # "pay", "charge", "payment", "billing" nearby: weaker, orders are paid for too
    "other_number_words": -4,  # "tracking", "IMEI", "SIRET", "IBAN", "authorization" ...: another number's name
    "published_test_card": 2,  # on a payment processor's published list of test numbers
    "card_field": 3,  # in a field named for a card
    "id_field": -5,  # in a field named for an id, a count, a price, a phone, a time
    "phone_plus": -4,  # after "+": an international phone number
    "url_path": -9,  # a segment of a URL path, a Shopify gid (gid://shopify/Order/5690123456789): an id, always
    "hex_token": -6,  # inside a hex digest or key
    "iban": -6,  # inside a string that passes the IBAN mod-97 check
    "iban_shape": -3,  # after a country code and two check digits ("PT50 0002 ..."), though the check fails
    "gtin_check": -2,  # 12 to 14 digits, ungrouped, that pass the GS1 check digit too: a barcode (EAN, UPC, GTIN)
    "decimal_fraction": -6,  # after "0." : the fraction of a decimal number
    "split": -2,  # joined over two or more values (fields, messages, columns)
    "split_aligned": 1,  # every value boundary falls where a card's groups break
    "split_whole_values": 2,  # every part is a value of digits alone ("4111 1111"): typed to split it
}

# The lengths each brand issues its cards in today (13-digit Visa and short Maestro numbers are legacy; those
# lengths are what ids and barcodes have).
ISSUED_LENGTHS = {
    "visa": (16, 19),
    "mastercard": (16,),
    "amex": (15,),
    "discover": (16, 17, 18, 19),
    "jcb": (16, 17, 18, 19),
    "unionpay": (16, 17, 18, 19),
    "mir": (16, 17, 18, 19),
    "maestro": (16, 19),
    "diners": (14, 16),
}


def _canonical(sizes: list[int]) -> bool:
    total = sum(sizes)
    if len(sizes) >= 3 and all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4:
        return True  # 4-4-4-4, 4-4-4-4-3, 4-4-4-1, 4-4-5 (below)
    return (
        sizes in ([4, 6, 5], [4, 6, 4], [4, 4, 5], [6, 13], [4, 6, total - 10], [4, 4, 4, 4, 3])
        or (total == 19 and sizes == [4, 4, 4, 7])
        or (total == 13 and sizes == [4, 3, 3, 3])
    )


def grouping(sizes: list[int]) -> str | None:
    """The grouping evidence of a window's digit-group sizes."""
    if len(sizes) == 1:
        return None
    if all(s == 1 for s in sizes):
        return "digit_per_space"
    return "card_grouping" if _canonical(sizes) else "odd_grouping"


def aligned(part_sizes: list[int]) -> bool:
    """Whether every boundary between the parts of a split window falls where a card's groups break."""
    total = sum(part_sizes)
    cuts = set()
    at = 0
    for size in part_sizes[:-1]:
        at += size
        cuts.add(at)
    fours = set(range(4, total, 4))  # 4-4-4-4, and the 4s people split any length into
    return cuts <= fours or (total in (14, 15) and cuts <= {4, 10}) or (total == 19 and cuts <= {6})


_CARD_WORDS = re.compile(
    r"(?i)(?:\b|_)(?:cards?|credit|debit|visa|master ?card|amex|american express|discover|jcb|diners|maestro|"
    r"union ?pay|cc|ccn|cc#|pan|cvv2?|cvc2?|exp|expiry|expires|expiration|valid thru|karte|kreditkarte|carte|"
    r"tarjeta|cart[aã]o|carta|kaart|karta|kort|kortet|kortnummer|kartennummer)(?:\b|_)"
)
_PAYMENT_WORDS = re.compile(
    r"(?i)\b(?:pay|paid|paying|payment|charge|charged|charging|billing|bill|refund|zahlung|zahlen|belasten|pago|"
    r"pagar|cobrar|paiement|payer|d[ée]biter|pagamento|addebitare|betalen|betaling|betala)\b"
)
_OTHER_NUMBER_WORDS = re.compile(
    r"(?i)\b(?:tracking|track|tracknumbers?|shipment|shipping|parcel|seguimiento|suivi|sendung\w*|canada post|usps|"
    r"ups|fedex|dhl|royal mail|imei|meid|serial|siret|siren|iban|bic|swift|vat|authori[sz]ation|auth code|"
    r"transaction id|awb|waybill|id number|identity|national id|sa id|rsa id|passport|ssn|social security|tax id|"
    r"dni|nif|cpf|curp|personnummer|variant|product|sku|barcode|ean|gtin|isbn|upc)\b"
)


def words_around(before: str, after: str) -> list[str]:
    """The word evidence in the text around a candidate."""
    found = []
    near_before, near_after = before[-48:], after[:32]
    if _CARD_WORDS.search(near_before) or _CARD_WORDS.search(near_after):
        found.append("card_words")
    elif _PAYMENT_WORDS.search(near_before) or _PAYMENT_WORDS.search(near_after):
        found.append("payment_words")
    if _OTHER_NUMBER_WORDS.search(near_before) or _OTHER_NUMBER_WORDS.search(near_after):
        found.append("other_number_words")
    return found


# A superset of the card words for the NDJSON screen, on raw bytes: any spelling, any language's stem.
_CARD_STEMS = re.compile(
    rb"(?i)card|cred|debit|visa|master|amex|american|discover|jcb|diner|maestro|union|cc|pan|cvv|cvc|exp|valid|"
    rb"karte|cart|tarjeta|kaart|karta|kort|pay|paid|charg|bill|refund|zahl|belast|pag|cobr|paie|payer|bit|betal"
)


def card_words_near(before: bytes, after: bytes) -> bool:
    """Whether raw bytes around a number could hold a card word (the screen's bound: more than words_around)."""
    return bool(_CARD_STEMS.search(before) or _CARD_STEMS.search(after))


def words_before(text: str) -> bool:
    """Whether card words occur in `text` (the text beside one part of a split number)."""
    return bool(_CARD_WORDS.search(text))


_CARD_FIELD = re.compile(r"(?i)card|(?:^|_)(?:cc|ccn|pan|cc_?num(?:ber)?|credit|payment_?details)(?:$|_)")
ID_FIELD = re.compile(r"(?i)(^|_)(id|ids|number|order_number|sku|barcode|reference)$|Id$")
# Field names are matched as snake_case words: "Billing Zip", "billing-zip" and "billingZip" all end in "zip".
_ID_NAMES = re.compile(
    r"(?:^|_)(?:ids?|uuid|gid|sku|barcode|ean|upc|gtin|isbn|imei|serial|tracking(?:_numbers?|_urls?)?|invoice|"
    r"order_number|token|hash|checksum|version|authorization|auth_code|transaction_id|iban)$"
)
# ("number", "no", "ref" and "reference" alone are not id names: a card number is a number too, and payment
# references carry cards.) Fields of money, counts, times, contact details and addresses: a card typed into one is
# found on its own evidence, but their values are never joined with their neighbours into one number.
_NO_JOIN_NAMES = re.compile(
    r"(?:^|_)(?:zip|postal|postcode|zipcode|phone|mobile|tel|fax|price|amount|total|subtotal|tax|discount|"
    r"discounts|weight|grams|quantity|qty|count|position|rate|score|lat|lng|latitude|longitude|timestamp|time|"
    r"date|at|year|month|day|seconds|minutes|duration|port|age|ip|address\d?|street|city|province|country|"
    r"company|url|urls|site|agent|client|referr?er)$"
)
_ID_WORD = re.compile(r"(?:^|_)(?:ids?|uuid|gid)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@cache
def _snake(field: str) -> str:
    return _NOT_WORD.sub("_", _CAMEL.sub("_", field).lower()).strip("_")


@cache
def field_kind(field: str | None) -> str | None:
    """The field evidence of a record's field name: card_field, id_field or None."""
    if not field:
        return None
    words = _snake(field)
    if _ID_WORD.search(words):
        return "id_field"
    if _CARD_FIELD.search(words):
        return "card_field"
    if _ID_NAMES.search(words):
        return "id_field"
    return None


@cache
def joins(field: str | None) -> bool:
    """Whether a field's values may be joined with their neighbours' into one split number."""
    if not field:
        return True
    return field_kind(field) != "id_field" and not _NO_JOIN_NAMES.search(_snake(field))
