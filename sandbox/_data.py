"""Seeded, deterministic shop and helpdesk data, computed per record so any size streams.

Every record is a pure function of (seed, kind, index): nothing is held in memory, so 100k tickets
cost what one page costs. The leaky scenario plants violations at fixed places; `Plant` says where,
and the manifest is built from the same list, so what is served and what is listed cannot drift.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from typing import Any

# Tickets spread over the 300 days before DATA_END, whatever the size, so timestamps stay in the past.
DATA_END = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
DATA_SPAN = dt.timedelta(days=300)

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nia"]
LAST = ["Silva", "Okafor", "Martin", "Patel", "Yilmaz", "Adeyemi", "Kim", "Laurent", "Garcia", "Novak", "Berg"]
SUBJECTS = [
    "Where is my order {order}?",
    "Refund for order {order}",
    "Change the shipping address on {order}",
    "Item arrived damaged ({order})",
    "Discount code not applied to {order}",
    "Cancel order {order} please",
]
# Benign text full of numbers a naive PAN regex trips on: tracking numbers, phones, masked cards,
# Zendesk's own redaction mark, ids. Clean data carries them so checks are tested against them.
BENIGN = [
    "Hi, I ordered {order} last week and the tracking 1Z999AA10123456784 has not moved since Monday.",
    "USPS shows 9400 1000 0000 0000 0000 00 as delivered but nothing arrived. Call me on +49 151 12345678.",
    "You charged the card ending 4242 twice ({masked}). Please refund one of the {amount} payments.",
    "Thanks! I paid with the card {zendesk_redacted} and got a receipt, ref 123-4567890-1234567.",
    "My bank (IBAN DE89 3704 0044 0532 0130 00) says the refund of {amount} is pending.",
    "Order {order} line item 40123456789017 is the wrong size, can I swap it?",
    "Ticket ref 123e4567-e89b-12d3-a456-426614174000, the parcel weighed 0.4532015112830366 kg apparently.",
]
AGENT_REPLIES = [
    "Thanks for reaching out about {order}. I have checked with the warehouse and it ships tomorrow.",
    "I am sorry about that. I have issued a refund of {amount}; it takes 5-10 business days.",
    "For your security please never send card details here. We only see the last four digits ({masked}).",
    "I have updated the address on {order}. You will get a new confirmation email shortly.",
]
CHANNELS_ZENDESK = ["email", "web", "api", "chat"]
CHANNELS_GORGIAS = ["email", "chat", "contact_form", "sms"]
# Shopify ids are 13-digit and often Luhn-valid by chance: hard negatives for a PAN scanner.
ORDER_ID_BASE = 5_612_000_000_000
SATISFACTION_ID_BASE = 360_000_000
CUSTOMER_ID_BASE = 7_012_000_000_000
# Zendesk staff whose two_factor_auth_enabled is null in every scenario: one admin, two agents.
ZENDESK_MFA_UNKNOWN = frozenset({4, 9, 14})
SHOPIFY_MASK = "\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 "


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to `partial`."""
    total = 0
    for i, char in enumerate(reversed(partial)):
        digit = int(char)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return partial + str((10 - total % 10) % 10)


def make_pan(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def shop_time(moment: dt.datetime) -> str:
    """Shopify timestamps carry the shop's offset (vendor-apis.md 1.5)."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()


GORGIAS_TIME_FORMS = ("naive", "+00:00", "+0000")


def gorgias_time(moment: dt.datetime) -> str:
    """A UTC moment in one of the forms Gorgias answers, chosen by the moment itself (deterministic, mixed).

    The reference's examples carry microseconds and no offset (`2019-11-16T15:59:41.966927`,
    https://developers.gorgias.com/reference/satisfaction-surveys); live data carries `+00:00` or `+0000`:
    Airbyte's source-gorgias parses `%Y-%m-%dT%H:%M:%S.%f%z` and `...+00:00`, and its mocks answer
    `2026-08-10T00:00:00.000000+0000` (airbytehq/airbyte airbyte-integrations/connectors/source-gorgias/
    manifest.yaml, unit_tests/test_incremental_data_feed.py). vendor-apis.md 3.5.
    """
    utc = moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment
    naive = utc.replace(tzinfo=None).isoformat(timespec="microseconds")
    # crc32, not the seconds: ticket times fall on whole steps of the data span, so any modulus of them repeats.
    form = GORGIAS_TIME_FORMS[zlib.crc32(naive.encode()) % len(GORGIAS_TIME_FORMS)]
    return naive if form == "naive" else naive + form


# --- Planted violations ------------------------------------------------------------------------

# (brand, prefix, length, disguise): each disguise is one way real agents and customers paste cards.
_PAN_PLANTS: list[tuple[str, str, str, str, int, str, str]] = [
    # vendor, store, field, brand, length, prefix, disguise
    ("zendesk", "ticket_comment", "body", "visa", 16, "4", "spaced_with_cvv"),
    ("zendesk", "ticket_comment", "body", "mastercard", 16, "2223", "dashed"),
    ("zendesk", "ticket_comment", "body", "amex", 15, "37", "amex_grouped"),
    ("zendesk", "satisfaction_rating", "comment", "jcb", 16, "3530", "contiguous"),
    ("gorgias", "message", "body_text", "discover", 16, "6011", "dotted"),
    ("gorgias", "message", "body_text", "visa", 16, "4", "nbsp"),
    ("gorgias", "message", "body_text", "visa", 16, "4", "track2"),
    ("gorgias", "customer", "note", "mastercard", 16, "54", "glued"),
    ("shopify", "order", "note", "mir", 16, "2201", "spaced"),
    ("shopify", "order", "note_attributes", "amex", 15, "34", "contiguous"),
    ("shopify", "customer", "note", "unionpay", 19, "62", "line_break"),
    ("gorgias", "export", "data.note", "visa", 16, "4", "contiguous"),
]


def disguise(pan: str, how: str) -> str:
    """The PAN as it appears in the planted text."""
    groups = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    if how in {"spaced", "spaced_with_cvv"}:
        text = " ".join(groups)
        return text + " exp 08/29 CVV 123" if how == "spaced_with_cvv" else text
    if how == "dashed":
        return "-".join(groups)
    if how == "dotted":
        return ".".join(groups)
    if how == "nbsp":
        return "\u00a0".join(groups)
    if how == "amex_grouped":
        return f"{pan[:4]} {pan[4:10]} {pan[10:]}"
    if how == "glued":
        return "cc" + pan
    if how == "line_break":
        return " ".join(groups[:2]) + "\n" + " ".join(groups[2:])
    if how == "track2":
        return f";{pan}=29082011000012340000?"
    return pan


_PLANT_TEXT = {
    "zendesk": "Hi, to speed things up here is the card I used: {pan}. Please charge it again.",
    "gorgias": "ok so the card is {pan} thx",
    "shopify": "Customer phoned in, card {pan}, retry payment tomorrow",
}


@dataclass(frozen=True, slots=True)
class Plant:
    vendor: str
    store: str  # ticket_comment, satisfaction_rating, message, customer, order, export
    record_id: int  # id of the record holding it
    parent_id: int | None  # the ticket of a comment or message
    field: str
    brand: str
    pan: str
    disguise: str
    text: str

    @property
    def resource(self) -> str:
        """Where the API (or the export) shows it, by the ids the vendor uses."""
        if self.store == "ticket_comment":
            return f"tickets/{self.parent_id}/comments/{self.record_id}"
        if self.store == "message":
            return f"tickets/{self.parent_id}/messages/{self.record_id}"
        if self.store == "export":
            return "exports/gorgias_events.ndjson"
        if self.store == "satisfaction_rating":
            return f"satisfaction_ratings/{SATISFACTION_ID_BASE + self.record_id}"
        if self.vendor == "shopify":
            base = ORDER_ID_BASE if self.store == "order" else CUSTOMER_ID_BASE
            return f"{self.store}s/{base + self.record_id}"
        return f"{self.store}s/{self.record_id}"


def bpo_person(i: int) -> tuple[str, str]:
    """(name, email) of the BPO's i-th staff member: a person's, as real seats are.

    A seat named "Agent 7" or agent7@ is a shared account, which the leaky scenario plants on purpose.
    """
    first, last = FIRST[(i * 5) % len(FIRST)], LAST[(i * 3) % len(LAST)]
    return f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@bpo.example"


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    name: str
    email: str
    role: str  # admin, agent, end-user (Zendesk) / admin, agent, observer-agent (Gorgias)
    active: bool
    mfa: bool | None  # None where the vendor does not say
    suspended: bool = False  # Zendesk's `suspended`: the record stays, sign-in is refused


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One row of the BPO's roster (bpo-roster.csv): who works on which helpdesk, and since when."""

    email: str
    name: str
    status: str  # active, left
    start_date: dt.date
    end_date: dt.date | None
    vendor: str


# Zendesk staff the leaky scenario plants account-hygiene violations on (issue 15); every other one signed in
# within the last 10 days of *now*, so no audit ever finds the clean world dormant, whenever it runs.
ZENDESK_DORMANT = 8  # last signed in 200 days ago
ZENDESK_NEVER_USED = 10  # created 60 days ago, never signed in
ZENDESK_SUSPENDED = 12  # suspended, still owns an OAuth token
ZENDESK_SHARED = 17  # "Support Team", support@bpo.example: a generic, shared login
ZENDESK_OFF_ROSTER = 14  # active in Zendesk, absent from the roster
ZENDESK_LEAVER = 15  # the roster says left 20 days ago; still active in Zendesk
# More agents than the contract allows: these join in leaky only (on the roster, signed in, MFA on).
ZENDESK_EXTRA_AGENTS = range(18, 23)
# Active helpdesk accounts the BPO's contract allows, per helpdesk: clean has 15 active Zendesk accounts (admins
# included, 11 of them agents) and 13 Gorgias ones; leaky has 21 active Zendesk accounts (17 agents, 16 when the
# suspended one is left out), over the limit however the check counts them.
CONTRACTED_AGENTS = 15
# The BPO's declared egress: the profile's [security] egress_ranges, and the clean Zendesk IP restriction.
EGRESS_RANGES = ("203.0.113.0/24",)


@dataclass
class World:
    """All data of one sandbox run."""

    seed: int = 7
    size: int = 200  # tickets per helpdesk and orders in the shop
    scenario: str = "clean"
    # The stand-ins answer as the brand's production accounts do: a paid plan, the production subdomain.
    production_like: bool = False
    plants: list[Plant] = field(init=False)
    # Where each sandbox listener answers (name -> https://127.0.0.1:port), filled once they listen: a stand-in
    # that names another listener in its data (a webhook's endpoint) reads it at request time.
    endpoints: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.size < 20:
            raise ValueError("size must be at least 20 records")
        self.plants = self._plan_plants() if self.scenario == "leaky" else []
        self._plant_index = {(p.vendor, p.store, p.record_id): p for p in self.plants}

    # -- helpers
    def rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")  # noqa: S311 - reproducible fake data, not secrets

    def _spread(self, k: int) -> int:
        """The k-th planted position in 1..size, evenly spread and distinct (size > plant count)."""
        return 1 + (k + 1) * (self.size - 1) // (len(_PAN_PLANTS) + 1)

    def _plan_plants(self) -> list[Plant]:
        plants = []
        for k, (vendor, store, fld, brand, length, prefix, how) in enumerate(_PAN_PLANTS):
            rng = self.rng("pan", k)
            pan = make_pan(rng, prefix, length)
            position = self._spread(k)
            parent: int | None = None
            record = position
            if store in {"ticket_comment", "message"}:
                parent = position
                # The second one: a Zendesk description repeats the first comment.
                record = position * 10 + 1
            elif store == "satisfaction_rating":
                record = 3 * max(1, position // 3)
            elif store == "customer":
                record = 1 + position % self.customer_count
            elif store == "export":
                record = position  # line number in the export file
            text = _PLANT_TEXT[vendor].format(pan=disguise(pan, how))
            plants.append(Plant(vendor, store, record, parent, fld, brand, pan, how, text))
        return plants

    def plant_at(self, vendor: str, store: str, record_id: int) -> Plant | None:
        return self._plant_index.get((vendor, store, record_id))

    @property
    def customer_count(self) -> int:
        return max(10, self.size // 2)

    def comment_count(self, store: str, ticket: int) -> int:
        return 2 + self.rng(f"{store}-count", ticket).randrange(3)  # 2..4

    @property
    def step(self) -> dt.timedelta:
        """Time between two consecutive tickets."""
        return DATA_SPAN / self.size

    def ticket_time(self, ticket: int) -> dt.datetime:
        return (DATA_END - DATA_SPAN + self.step * ticket).replace(microsecond=0)

    def fill(self, template: str, rng: random.Random, ticket: int) -> str:
        return template.format(
            order=f"#{1000 + ticket}",
            amount=f"${rng.randrange(5, 400)}.{rng.randrange(100):02d}",
            masked="411111******1111",
            zendesk_redacted="4111 11\u2587\u2587 \u2587\u2587\u2587\u2587 1111",
        )

    def person(self, kind: str, index: int) -> tuple[str, str, str]:
        rng = self.rng(kind, index)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        return first, last, f"{first.lower()}.{last.lower()}{index}@example.com"

    # -- staff of each vendor
    def zendesk_staff(self) -> list[Staff]:
        leaky = self.scenario == "leaky"
        # Real accounts answer `two_factor_auth_enabled: null` for admins and agents alike (zenpy's recorded
        # cassettes, 2023-2024, an admin calling), so both scenarios mix null in. Null is unknown, never a
        # violation: the manifest lists only false. https://github.com/facetoe/zenpy/tree/master/tests/test_api/betamax
        unknown = ZENDESK_MFA_UNKNOWN
        staff = [Staff(1, "Integration Bot", "integration@brand.example", "admin", True, True)]
        for i in range(2, 5):
            mfa = None if i in unknown else not (leaky and i == 3)
            staff.append(Staff(i, *bpo_person(i), "admin", True, mfa))
        for i in range(5, 17):
            mfa = None if i in unknown else not (leaky and i in {7, 11})
            suspended = leaky and i == ZENDESK_SUSPENDED
            staff.append(Staff(i, *bpo_person(i), "agent", i != 16, mfa, suspended))
        if leaky:
            staff.append(Staff(ZENDESK_SHARED, "Support Team", "support@bpo.example", "agent", True, True))
            staff += [Staff(i, *bpo_person(i), "agent", True, True) for i in ZENDESK_EXTRA_AGENTS]
        return staff

    def zendesk_sign_in(self, staff_id: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
        """(created_at, last_login_at) of a Zendesk staff member, relative to `now` (None: never signed in).

        Relative to the real clock, not DATA_END: the checks compare with now, and a clean world must stay clean.
        """
        now = now.replace(microsecond=0)
        leaky = self.scenario == "leaky"
        if leaky and staff_id == ZENDESK_NEVER_USED:
            return now - dt.timedelta(days=60), None
        created = now - dt.timedelta(days=45 if leaky and staff_id in ZENDESK_EXTRA_AGENTS else 400)
        if leaky and staff_id == ZENDESK_DORMANT:
            return created, now - dt.timedelta(days=200)
        return created, now - dt.timedelta(days=staff_id % 9, hours=2)

    def roster(self, today: dt.date) -> list[RosterEntry]:
        """The BPO's roster of helpdesk staff (Zendesk and Gorgias), dates relative to `today`.

        Clean: every account, active (the Zendesk agent deactivated in both scenarios left 60 days ago). Leaky:
        one Zendesk agent missing, one marked left though still active. Turnover stays far under 30 %.
        """
        leaky = self.scenario == "leaky"
        long_ago = today - dt.timedelta(days=730)
        rows: list[RosterEntry] = []
        for vendor, staff in (("zendesk", self.zendesk_staff()), ("gorgias", self.gorgias_staff())):
            for person in staff:
                if vendor == "zendesk" and leaky and person.id == ZENDESK_OFF_ROSTER:
                    continue
                start = long_ago
                if vendor == "zendesk" and leaky and person.id == ZENDESK_NEVER_USED:
                    start = today - dt.timedelta(days=60)
                elif vendor == "zendesk" and leaky and person.id in ZENDESK_EXTRA_AGENTS:
                    start = today - dt.timedelta(days=45)
                status, end = "active", None
                if vendor == "zendesk" and not person.active:
                    status, end = "left", today - dt.timedelta(days=60)
                elif vendor == "zendesk" and leaky and person.id == ZENDESK_LEAVER:
                    status, end = "left", today - dt.timedelta(days=20)
                rows.append(RosterEntry(person.email, person.name, status, start, end, vendor))
        return rows

    def gorgias_staff(self) -> list[Staff]:
        role = "admin" if self.scenario == "leaky" else "observer-agent"
        staff = [Staff(1, "Integration", "integration@brand.example", role, True, None)]
        staff += [Staff(i, *bpo_person(i), "admin", True, None) for i in (2, 3)]
        staff += [Staff(i, *bpo_person(i), "agent", True, None) for i in range(4, 14)]
        return staff

    def shopify_staff(self) -> list[Staff]:
        # "tfa_enabled?" is true for some, absent for others (Staff.mfa None): the field is undocumented.
        staff = [Staff(1, "Store Owner", "owner@brand.example", "owner", True, True)]
        staff += [
            Staff(i, f"Staff {i}", f"staff{i}@bpo.example", "regular", True, True if i % 2 == 0 else None)
            for i in range(2, 7)
        ]
        return staff

    # -- texts of one ticket, shared by both helpdesks
    def message_text(self, store: str, ticket: int, k: int) -> tuple[str, bool]:
        """Body of the k-th (0-based) comment or message of a ticket, and whether an agent wrote it."""
        rng = self.rng(f"{store}-text", ticket * 10 + k)
        from_agent = k % 2 == 1
        template = rng.choice(AGENT_REPLIES if from_agent else BENIGN)
        return self.fill(template, rng, ticket), from_agent

    def planted_text(self, vendor: str, store: str, record_id: int, default: str) -> str:
        plant = self.plant_at(vendor, store, record_id)
        return plant.text if plant else default

    def subject(self, ticket: int) -> str:
        rng = self.rng("subject", ticket)
        return self.fill(rng.choice(SUBJECTS), rng, ticket)


def manifest_entries(world: World, vendor: str | None = None) -> list[dict[str, Any]]:
    """The planted PANs, track data and CVVs (of one vendor's stand-in, or all) as manifest entries."""
    entries: list[dict[str, Any]] = []
    for plant in world.plants:
        if vendor is not None and plant.vendor != vendor:
            continue
        kind = "track_data" if plant.disguise == "track2" else "pan"
        entries.append(
            {
                "vendor": plant.vendor,
                "kind": kind,
                "resource": plant.resource,
                "location": plant.field if plant.store != "export" else f"line {plant.record_id}",
                "pan": plant.pan,  # synthetic numbers: the tests search every output for them
                "brand": plant.brand,
                "disguise": plant.disguise,
            }
        )
        if plant.disguise == "spaced_with_cvv":
            entries.append({"vendor": plant.vendor, "kind": "cvv", "resource": plant.resource, "location": plant.field})
    return entries
