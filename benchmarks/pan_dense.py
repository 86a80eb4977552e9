"""Digit-dense NDJSON shaped like real exports, for the PAN scanner's throughput benchmark.

    from pan_dense import write_dense
    planted = write_dense(Path("dense.ndjson"), mib=50)

Lines are, by count, about 40% Shopify orders (Admin REST `order` shape: 13- and 14-digit ids in every
object and in `admin_graphql_api_id`, prices as strings, EAN-13 barcodes, UPS / USPS / FedEx tracking
numbers, E.164 and US-formatted phones, timestamps with offsets), 35% Zendesk incremental ticket
events (Audit with Comment and Change child events: 11- to 13-digit ids, epoch seconds, comment bodies also
as `html_body` and `plain_body`, custom field ids as numeric strings), 10% Zendesk tickets and 15%
chat transcripts (messages with epoch-millisecond timestamps). Every line carries several 12+ digit
runs that are not cards; as with real ids, about one in ten of those that start with 4, 5, 3 or 6 is
Luhn-valid. One line in about 500 carries a real PAN (Visa, Mastercard or Amex, Luhn-valid) in a
comment or an order note, plainly or in groups. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_dense", "write_dense_labelled"]

PLANT_EVERY = 500  # one line in about this many carries a real PAN
_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
_SPAN = 120 * 86_400
_OFFSETS = [(-4 * 3600, "-04:00"), (-5 * 3600, "-05:00"), (-7 * 3600, "-07:00"), (0, "+00:00"), (3600, "+01:00")]
_FIRST = ["Ana", "John", "Maria", "Liam", "Sofia", "Noah", "Emma", "Lucas", "Mia", "Oliver", "Ines", "Jonas"]
_LAST = ["Silva", "Smith", "Garcia", "Brown", "Muller", "Rossi", "Santos", "Dubois", "Novak", "Jensen", "Kim"]
_CITIES = [
    ("New York", "NY", "US", "100"),
    ("Austin", "TX", "US", "787"),
    ("Seattle", "WA", "US", "981"),
    ("Chicago", "IL", "US", "606"),
    ("Denver", "CO", "US", "802"),
    ("Portland", "OR", "US", "972"),
]
_PRODUCTS = [
    ("Linen Shirt", "LS", ["S / Blue", "M / Blue", "L / White", "XL / Sand"], "39.00"),
    ("Wool Scarf", "WS", ["Grey", "Navy", "Red"], "24.50"),
    ("Canvas Tote", "CT", ["Natural", "Black"], "19.99"),
    ("Ceramic Mug", "CM", ["12 oz", "16 oz"], "14.00"),
    ("Trail Runner", "TR", ["US 8", "US 9", "US 10", "US 11"], "119.00"),
    ("Leather Wallet", "LW", ["Brown", "Black"], "59.00"),
    ("Gift Card", "GC", ["$25", "$50", "$100"], "50.00"),
]
_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.164 "
    "Mobile Safari/537.36",
]
_TAGS = ["order_status", "shopify", "returns", "shipping_delay", "refund", "vip", "exchange", "damaged", "address"]
_PAN_TEXT = [
    "my card is {pan} please retry",
    "Payment keeps failing. Card: {pan} exp {exp}",
    "can you charge {pan} instead, the other one expired",
    "Customer called, wants to pay by phone with {pan} exp {exp}",
    "Use this card for the balance {pan} thanks",
]


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n)


def _luhn_complete(partial: str) -> str:
    total = 0
    for i, char in enumerate(reversed(partial)):
        value = ord(char) - 48
        if i % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return partial + str(-total % 10)


def _weighted_check(partial: str) -> str:
    """GS1 (EAN-13) and USPS IMpb check digit: weights 3 and 1 from the right."""
    total = sum((3 if i % 2 == 0 else 1) * (ord(c) - 48) for i, c in enumerate(reversed(partial)))
    return partial + str(-total % 10)


def _pan(rng: random.Random) -> str:
    brand = rng.randrange(3)
    if brand == 0:
        return _luhn_complete("4" + _digits(rng, 14))
    if brand == 1:
        return _luhn_complete(str(rng.randrange(51, 56)) + _digits(rng, 13))
    return _luhn_complete(rng.choice(("34", "37")) + _digits(rng, 12))


def _written(rng: random.Random, pan: str) -> str:
    if rng.random() < 0.5:
        return pan
    if len(pan) == 15:
        return f"{pan[:4]} {pan[4:10]} {pan[10:]}"
    sep = rng.choice((" ", "-"))
    return sep.join(pan[i : i + 4] for i in range(0, 16, 4))


class _Gen:
    """One generator's state: a seeded RNG and the running ids of a store and a help desk."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data
        rng = self.rng
        self.order_id = 5_600_000_000_000 + rng.randrange(10**11)
        self.order_number = 1000 + rng.randrange(5000)
        self.ticket_id = 100_000 + rng.randrange(50_000)
        self.event_id = 2_540_000_000_000 + rng.randrange(10**10)
        self.now = _EPOCH + rng.randrange(_SPAN)
        self.shop_id = 60_000_000_000 + rng.randrange(10**9)
        self.agents = [1_350_000_000_000 + rng.randrange(10**10) for _ in range(12)]
        self.fields = [360_000_000_000 + rng.randrange(10**8) for _ in range(6)]
        self.brand_id = 360_001_000_000 + rng.randrange(10**6)
        self.group_ids = [360_002_000_000 + rng.randrange(10**6) for _ in range(4)]

    # values ---------------------------------------------------------------------------------------------------
    def user_id(self) -> int:
        """A Zendesk end user: 13 digits in newer accounts, 11 in older ones."""
        if self.rng.random() < 0.7:
            return 1_360_000_000_000 + self.rng.randrange(10**11)
        return 36_100_000_000 + self.rng.randrange(10**9)

    def tick(self) -> int:
        self.now += self.rng.randrange(1, 90)
        return self.now

    def iso(self, t: int, offset: tuple[int, str] | None = None) -> str:
        if offset is None:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t + offset[0])) + offset[1]

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def money(self, amount: str, currency: str = "USD") -> dict[str, Any]:
        money = {"amount": amount, "currency_code": currency}
        return {"shop_money": money, "presentment_money": dict(money)}

    def ip(self) -> str:
        rng = self.rng
        head = rng.choice((24, 66, 73, 98, 174, 203))
        return f"{head}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"

    def e164(self) -> str:
        return "+1" + str(rng_area(self.rng)) + _digits(self.rng, 7)

    def us_phone(self) -> str:
        number = _digits(self.rng, 7)
        return f"({rng_area(self.rng)}) {number[:3]}-{number[3:]}"

    def intl_phone(self) -> str:
        rng = self.rng
        return rng.choice(
            (
                f"+44 7{_digits(rng, 3)} {_digits(rng, 6)}",
                f"+351 9{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
                f"0049 151 {_digits(rng, 8)}",
                f"+1 {rng_area(rng)} {_digits(rng, 3)} {_digits(rng, 4)}",
                f"1-{rng_area(rng)}-{_digits(rng, 3)}-{_digits(rng, 4)}",
            )
        )

    def ean13(self) -> str:
        prefix = self.rng.choice(("400", "401", "426", "500", "501", "506", "560", "300", "376", "690", "084"))
        return _weighted_check(prefix + _digits(self.rng, 12 - len(prefix)))

    def tracking(self) -> tuple[str, str, str]:
        """(company, number as stored, number as a person types it)."""
        rng = self.rng
        kind = rng.randrange(3)
        if kind == 0:
            shipper = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRVWXY") for _ in range(6))
            number = f"1Z{shipper}{rng.choice(('01', '02', '03', '12'))}{_digits(rng, 8)}"
            return "UPS", number, number
        if kind == 1:
            number = _weighted_check(rng.choice(("9400", "9405", "9205", "9361")) + "1" + _digits(rng, 16))
            grouped = " ".join(number[i : i + 4] for i in range(0, 22, 4))
            return "USPS", number, grouped if rng.random() < 0.5 else number
        number = rng.choice(("77", "78", "39", "28")) + _digits(rng, 10)
        return "FedEx", number, number

    def date_text(self, t: int) -> str:
        return self.rng.choice(
            (time.strftime("%Y-%m-%d", time.gmtime(t)), time.strftime("%m/%d/%Y", time.gmtime(t)), "last Tuesday")
        )

    def comment(self, order_name: str, order_id: int) -> str:
        """A support comment: most carry an order number, a phone, a tracking number, a date or an amount."""
        rng = self.rng
        t = self.now - rng.randrange(86_400 * 10)
        company, _, typed = self.tracking()
        amount = f"{rng.randrange(5, 400)}.{rng.randrange(100):02d}"
        templates: list[Callable[[], str]] = [
            lambda: f"Hi, where is my order {order_name}? It was placed on {self.date_text(t)}.",
            lambda: f"Order {order_id} shows delivered but nothing arrived. {company} says {typed}.",
            lambda: f"Tracking {typed} has not moved since {self.date_text(t)}. Call me on {self.intl_phone()}.",
            lambda: f"We have issued a refund of ${amount} for {order_name}; it takes 5-10 business days.",
            lambda: f"Please call me back at {self.us_phone()} about order {order_name}, thanks",
            lambda: f"I was charged ${amount} twice on {self.date_text(t)} for {order_name}.",
            lambda: f"Your replacement ships tomorrow, {company} {typed}, est. delivery {self.date_text(t + 259_200)}.",
            lambda: f"See https://admin.shopify.com/store/acme/orders/{order_id} for the details.",
            lambda: f"The barcode on the box is {self.ean13()}, the item inside is a different colour.",
            lambda: f"Customer phone {self.e164()}, alt {self.intl_phone()}. Wants a callback after 5pm.",
            lambda: "Thanks, that helps! Have a nice day.",
            lambda: f"Could you change the size to M before it ships? Order {order_name}, placed {self.date_text(t)}",
            lambda: f"Return label sent: {company} {typed}. Refund of ${amount} once it is scanned.",
        ]
        return rng.choice(templates)()

    # records --------------------------------------------------------------------------------------------------
    def address(self, first: str, last: str) -> dict[str, Any]:
        rng = self.rng
        city, province, country, zip_head = rng.choice(_CITIES)
        return {
            "first_name": first,
            "address1": f"{rng.randrange(1, 9999)} {rng.choice(('Main', 'Oak', 'Pine', 'Elm', 'Cedar'))} St",
            "phone": self.us_phone() if rng.random() < 0.6 else self.e164(),
            "city": city,
            "zip": zip_head + _digits(rng, 2),
            "province": province,
            "country": "United States",
            "last_name": last,
            "address2": rng.choice(("", f"Apt {rng.randrange(1, 40)}", None)),
            "company": None,
            "latitude": round(30 + rng.random() * 15, 7),
            "longitude": round(-120 + rng.random() * 45, 7),
            "name": f"{first} {last}",
            "country_code": country,
            "province_code": province,
        }

    def shopify_order(self, note: str | None) -> dict[str, Any]:
        rng = self.rng
        self.order_id += rng.randrange(1, 40_000_000)
        self.order_number += 1
        order_id = self.order_id
        name = f"#{self.order_number}"
        offset = rng.choice(_OFFSETS)
        created = self.tick() - rng.randrange(86_400 * 30)
        updated = created + rng.randrange(60, 86_400 * 5)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.com"
        customer_id = 7_000_000_000_000 + rng.randrange(10**12)
        ip = self.ip()
        items: list[dict[str, Any]] = []
        subtotal = 0
        for _ in range(rng.randrange(1, 5)):
            title, sku_head, variants, price = rng.choice(_PRODUCTS)
            variant = rng.choice(variants)
            quantity = rng.randrange(1, 3)
            cents = int(price.replace(".", "")) * quantity
            sku = f"{sku_head}-{variant.replace(' / ', '-').replace(' ', '').upper()}-{rng.randrange(10**4):04d}"
            subtotal += cents
            tax = f"{cents * 8875 // 10_000_000}.{cents * 8875 // 100_000 % 100:02d}"
            item_id = 14_000_000_000_000 + rng.randrange(2 * 10**12)
            items.append(
                {
                    "id": item_id,
                    "admin_graphql_api_id": f"gid://shopify/LineItem/{item_id}",
                    "attributed_staffs": [],
                    "current_quantity": quantity,
                    "fulfillable_quantity": 0,
                    "fulfillment_service": "manual",
                    "fulfillment_status": "fulfilled",
                    "gift_card": sku_head == "GC",
                    "grams": rng.randrange(50, 1500),
                    "name": f"{title} - {variant}",
                    "price": price,
                    "price_set": self.money(price),
                    "product_exists": True,
                    "product_id": 8_500_000_000_000 + rng.randrange(5 * 10**11),
                    "properties": [],
                    "quantity": quantity,
                    "requires_shipping": sku_head != "GC",
                    "sku": sku,
                    "barcode": self.ean13(),
                    "taxable": True,
                    "title": title,
                    "total_discount": "0.00",
                    "total_discount_set": self.money("0.00"),
                    "variant_id": 44_000_000_000_000 + rng.randrange(4 * 10**12),
                    "variant_inventory_management": "shopify",
                    "variant_title": variant,
                    "vendor": "Acme Goods",
                    "tax_lines": [
                        {
                            "channel_liable": False,
                            "price": tax,
                            "price_set": self.money(tax),
                            "rate": 0.08875,
                            "title": "NY State Tax",
                        }
                    ],
                    "duties": [],
                    "discount_allocations": [],
                }
            )
        subtotal_text = f"{subtotal // 100}.{subtotal % 100:02d}"
        shipping = rng.choice(("0.00", "6.99", "12.50"))
        total = subtotal + int(shipping.replace(".", ""))
        total_text = f"{total // 100}.{total % 100:02d}"
        company, number, _ = self.tracking()
        fulfillment_id = 5_000_000_000_000 + rng.randrange(6 * 10**11)
        url = {
            "UPS": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=",
            "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
            "FedEx": "https://www.fedex.com/fedextrack/?trknbr=",
        }[company] + number
        token = self.hex(32)
        landing = f"/products/{str(items[0]['title']).lower().replace(' ', '-')}?variant={items[0]['variant_id']}"
        address = self.address(first, last)
        return {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "app_id": 580111,
            "browser_ip": ip,
            "buyer_accepts_marketing": rng.random() < 0.3,
            "cancel_reason": None,
            "cancelled_at": None,
            "cart_token": self.hex(32),
            "checkout_id": 37_000_000_000_000 + rng.randrange(10**12),
            "checkout_token": self.hex(32),
            "client_details": {
                "accept_language": "en-US",
                "browser_height": None,
                "browser_ip": ip,
                "browser_width": None,
                "session_hash": None,
                "user_agent": rng.choice(_AGENTS),
            },
            "closed_at": None,
            "confirmation_number": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9)),
            "confirmed": True,
            "contact_email": email,
            "created_at": self.iso(created, offset),
            "currency": "USD",
            "current_subtotal_price": subtotal_text,
            "current_subtotal_price_set": self.money(subtotal_text),
            "current_total_discounts": "0.00",
            "current_total_price": total_text,
            "current_total_price_set": self.money(total_text),
            "customer_locale": "en-US",
            "email": email,
            "estimated_taxes": False,
            "financial_status": rng.choice(("paid", "paid", "partially_refunded", "refunded")),
            "fulfillment_status": "fulfilled",
            "landing_site": landing,
            "location_id": None,
            "name": name,
            "note": note,
            "note_attributes": [{"name": "gift_message", "value": ""}] if rng.random() < 0.2 else [],
            "number": self.order_number - 1000,
            "order_number": self.order_number,
            "order_status_url": f"https://acme-goods.com/{self.shop_id}/orders/{token}/authenticate?key={self.hex(32)}",
            "payment_gateway_names": ["shopify_payments"],
            "phone": self.e164() if rng.random() < 0.5 else None,
            "presentment_currency": "USD",
            "processed_at": self.iso(created, offset),
            "reference": None,
            "referring_site": rng.choice(("https://www.google.com/", "", "https://www.instagram.com/")),
            "source_name": "web",
            "subtotal_price": subtotal_text,
            "subtotal_price_set": self.money(subtotal_text),
            "tags": "",
            "taxes_included": False,
            "test": False,
            "token": token,
            "total_discounts": "0.00",
            "total_line_items_price": subtotal_text,
            "total_price": total_text,
            "total_price_set": self.money(total_text),
            "total_shipping_price_set": self.money(shipping),
            "total_weight": sum(item["grams"] for item in items),
            "updated_at": self.iso(updated, offset),
            "user_id": None,
            "billing_address": address,
            "customer": {
                "id": customer_id,
                "email": email,
                "created_at": self.iso(created - rng.randrange(86_400 * 400), offset),
                "updated_at": self.iso(updated, offset),
                "first_name": first,
                "last_name": last,
                "state": "enabled",
                "note": None,
                "verified_email": True,
                "multipass_identifier": None,
                "tax_exempt": False,
                "phone": address["phone"] if address["phone"].startswith("+") else None,
                "currency": "USD",
                "tax_exemptions": [],
                "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
                "default_address": {
                    "id": 9_000_000_000_000 + rng.randrange(10**12),
                    "customer_id": customer_id,
                    **address,
                    "default": True,
                },
            },
            "discount_codes": [],
            "fulfillments": [
                {
                    "id": fulfillment_id,
                    "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                    "created_at": self.iso(created + 86_400, offset),
                    "location_id": 61_000_000_000 + rng.randrange(10**9),
                    "name": f"{name}.1",
                    "order_id": order_id,
                    "origin_address": {},
                    "receipt": {},
                    "service": "manual",
                    "shipment_status": rng.choice(("delivered", "in_transit", "label_printed")),
                    "status": "success",
                    "tracking_company": company,
                    "tracking_number": number,
                    "tracking_numbers": [number],
                    "tracking_url": url,
                    "tracking_urls": [url],
                    "updated_at": self.iso(updated, offset),
                    "line_items": [{"id": item["id"], "quantity": item["quantity"]} for item in items],
                }
            ],
            "line_items": items,
            "refunds": [],
            "shipping_address": address,
            "shipping_lines": [
                {
                    "id": 4_500_000_000_000 + rng.randrange(10**12),
                    "carrier_identifier": None,
                    "code": "Standard",
                    "discounted_price": shipping,
                    "price": shipping,
                    "price_set": self.money(shipping),
                    "source": "shopify",
                    "title": "Standard Shipping",
                    "tax_lines": [],
                    "discount_allocations": [],
                }
            ],
        }

    def _order_ref(self) -> tuple[str, int]:
        back = self.rng.randrange(1, 400)
        return f"#{self.order_number - back}", self.order_id - back * 21_000_000

    def ticket_event(self, body: str | None) -> dict[str, Any]:
        rng = self.rng
        self.event_id += rng.randrange(2, 900)
        audit_id = self.event_id
        t = self.tick()
        ticket_id = self.ticket_id - rng.randrange(0, 3000)
        author = rng.choice(self.agents) if rng.random() < 0.5 else self.user_id()
        name, order_id = self._order_ref()
        text = body if body is not None else self.comment(name, order_id)
        via = rng.choice(("Web form", "Mail", "Web service", "Chat"))
        children: list[dict[str, Any]] = [
            {
                "id": audit_id + 1,
                "via": via,
                "via_reference_id": None,
                "type": "Comment",
                "author_id": author,
                "body": text,
                "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{text}</p></div>',
                "plain_body": text,
                "public": rng.random() < 0.8,
                "attachments": [],
                "audit_id": audit_id,
                "event_type": "Comment",
            }
        ]
        if rng.random() < 0.5:
            children.append(
                {
                    "id": audit_id + 2,
                    "via": via,
                    "via_reference_id": None,
                    "field_name": "status",
                    "value": rng.choice(("open", "pending", "solved")),
                    "previous_value": "new",
                    "event_type": "Change",
                }
            )
        if rng.random() < 0.6:  # a custom field: Zendesk names it by its numeric id, as a string
            children.append(
                {
                    "id": audit_id + 3,
                    "via": "Rule",
                    "via_reference_id": 360_000_000 + rng.randrange(10**8),
                    "field_name": str(rng.choice(self.fields)),
                    "value": rng.choice((name, str(order_id), name.lstrip("#"))),
                    "previous_value": None,
                    "event_type": "Change",
                }
            )
        return {
            "id": audit_id,
            "ticket_id": ticket_id,
            "timestamp": t,
            "created_at": self.iso(t),
            "updater_id": author,
            "via": via,
            "system": {
                "client": rng.choice(_AGENTS),
                "ip_address": self.ip(),
                "location": rng.choice(("New York, NY, United States", "Lisbon, 11, Portugal", "Austin, TX, USA")),
                "latitude": round(30 + rng.random() * 15, 4),
                "longitude": round(-120 + rng.random() * 45, 4),
            },
            "metadata": {"system": {}, "custom": {}},
            "event_type": "Audit",
            "merged_ticket_ids": [],
            "child_events": children,
        }

    def ticket(self) -> dict[str, Any]:
        rng = self.rng
        self.ticket_id += 1
        t = self.tick()
        created = t - rng.randrange(86_400 * 20)
        name, order_id = self._order_ref()
        requester = self.user_id()
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}@example.com"
        subject = rng.choice((f"Order {name}", "Where is my parcel?", "Refund request", f"Wrong item in {name}"))
        custom = [
            {"id": self.fields[0], "value": name},
            {"id": self.fields[1], "value": str(order_id) if rng.random() < 0.5 else None},
            {"id": self.fields[2], "value": rng.choice(("shipping", "returns", "billing"))},
            {"id": self.fields[3], "value": None},
        ]
        return {
            "url": f"https://acme.zendesk.com/api/v2/tickets/{self.ticket_id}.json",
            "id": self.ticket_id,
            "external_id": None,
            "via": {
                "channel": "email",
                "source": {
                    "from": {"address": email, "name": f"{first} {last}"},
                    "to": {"name": "Acme Goods", "address": "support@acme-goods.com"},
                    "rel": None,
                },
            },
            "created_at": self.iso(created),
            "updated_at": self.iso(t),
            "generated_timestamp": t,
            "type": "question",
            "subject": subject,
            "raw_subject": subject,
            "description": self.comment(name, order_id),
            "priority": rng.choice(("low", "normal", "high")),
            "status": rng.choice(("new", "open", "pending", "solved")),
            "recipient": "support@acme-goods.com",
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": rng.choice(self.agents),
            "organization_id": None,
            "group_id": rng.choice(self.group_ids),
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": rng.sample(_TAGS, 2),
            "custom_fields": custom,
            "satisfaction_rating": {"score": "unoffered"},
            "sharing_agreement_ids": [],
            "custom_status_id": 1_400_000_000_000 + rng.randrange(10**8),
            "fields": custom,
            "followup_ids": [],
            "ticket_form_id": 360_000_100_000 + rng.randrange(1000),
            "brand_id": self.brand_id,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
        }

    def chat(self, planted: str | None) -> dict[str, Any]:
        rng = self.rng
        t = self.tick()
        visitor = f"{rng.randrange(1, 10)}.{rng.randrange(10**7)}.{self.hex(12)}"
        agent = rng.choice(self.agents)
        name, order_id = self._order_ref()
        first = rng.choice(_FIRST)
        messages = []
        ms = t * 1000 + rng.randrange(1000)
        nick = f"Visitor {rng.randrange(10**8)}"
        lines = [
            (nick, "visitor", "Hi"),
            ("Acme Support", "agent", f"Hi {first}, how can I help?"),
            (nick, "visitor", self.comment(name, order_id)),
            ("Acme Support", "agent", "Let me check that for you."),
            ("Acme Support", "agent", self.comment(name, order_id)),
            (nick, "visitor", planted or rng.choice(("ok thanks", "great", "ty!"))),
        ]
        for sender, role, text in lines if planted else lines[: rng.randrange(4, 7)]:
            ms += rng.randrange(2000, 90_000)
            messages.append(
                {
                    "id": f"{ms}-{self.hex(8)}",
                    "sender": {"type": role, "id": agent if role == "agent" else visitor, "name": sender},
                    "text": text,
                    "timestamp": ms,
                    "created_at": self.iso(ms // 1000),
                }
            )
        return {
            "id": f"{time.strftime('%y%m', time.gmtime(t))}.{rng.randrange(10**7)}.{self.hex(14)}",
            "type": "chat",
            "ticket_id": self.ticket_id - rng.randrange(3000),
            "visitor": {"id": visitor, "name": f"{first}", "email": "", "phone": ""},
            "agent_ids": [str(agent)],
            "department_id": 360_003_000_000 + rng.randrange(10**4),
            "started_by": "visitor",
            "timestamp": self.iso(t),
            "end_timestamp": self.iso(ms // 1000),
            "duration": ms // 1000 - t,
            "messages": messages,
            "tags": rng.sample(_TAGS, 1),
        }

    def line(self) -> tuple[str, str | None]:
        """One NDJSON line and the PAN it carries, if any."""
        rng = self.rng
        pan = _pan(rng) if rng.randrange(PLANT_EVERY) == 0 else None
        planted = None
        if pan:
            planted = rng.choice(_PAN_TEXT).format(
                pan=_written(rng, pan), exp=f"{rng.randrange(1, 13):02d}/{rng.randrange(27, 31)}"
            )
        kind = rng.random()
        if kind < 0.40:
            record = self.shopify_order(planted or (self.comment(*self._order_ref()) if rng.random() < 0.3 else None))
        elif kind < 0.75 or (pan and kind < 0.85):
            record = self.ticket_event(planted)
        elif kind < 0.85:
            record = self.ticket()
        else:
            record = self.chat(planted)
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n", pan


def rng_area(rng: random.Random) -> int:
    return rng.choice((212, 305, 312, 415, 512, 555, 617, 646, 702, 718, 917))


def write_dense_labelled(path: Path, mib: float, seed: int = 7) -> set[tuple[int, str]]:
    """Write the file as `write_dense` does; the (line number from 1, PAN digits) of every planted PAN."""
    gen = _Gen(seed)
    target = int(mib * 2**20)
    written = 0
    number = 0
    planted: set[tuple[int, str]] = set()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        while written < target:
            text, pan = gen.line()
            number += 1
            if pan:
                planted.add((number, pan))
            data = text.encode()
            out.write(text)
            written += len(data)
    return planted


def write_dense(path: Path, mib: float, seed: int = 7) -> int:
    """About `mib` MiB of digit-dense export NDJSON at `path`; returns how many PANs were planted."""
    return len(write_dense_labelled(path, mib, seed))
