"""Stand-in for the Shopify Admin REST API.

Faithful to (see shared/reference/vendor-apis.md section 1):
https://shopify.dev/docs/api/admin-rest (auth, errors), .../usage/pagination-rest (Link + page_info),
.../usage/rate-limits (leaky bucket 40, leaking 2/s, X-Shopify-Shop-Api-Call-Limit),
https://shopify.dev/docs/api/usage/access-scopes (403 on a missing scope).
The GraphQL Admin API at /admin/api/{version}/graphql.json is sandbox/_shopify_graphql.py.
Orders older than 60 days need read_all_orders, on REST as on GraphQL
(https://shopify.dev/docs/api/usage/access-scopes); orders.json honours the documented date filters
(`created_at_min`/`_max`, `updated_at_min`/`_max`) and events.json `filter` and `verb`
(https://shopify.dev/docs/api/admin-rest/latest/resources/event). No Admin API documents a staff 2FA field,
but Shopify's own generated REST examples and shopify_python_api's fixtures carry `"tfa_enabled?"` on User:
the stand-in answers it for some staff and leaves it out for others.

Webhook subscriptions (`GET /webhooks.json`: https://shopify.dev/docs/api/admin-rest/latest/resources/webhook;
GraphQL `webhookSubscriptions`) are the app's own, listed without any access scope. In both scenarios one sends
`orders/create` over https to a sandbox listener on 127.0.0.1 (this stand-in's own, unless `flow_origin` names
another), whose TLS passes; the leaky shop adds `customers/update` to a plain http:// URL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ._api import Router, decode_cursor, encode_cursor, int_arg, new_token, scan, url_with
from ._data import (
    CUSTOMER_ID_BASE,
    DATA_END,
    DATA_SPAN,
    ORDER_ID_BASE,
    SHOPIFY_MASK,
    World,
    make_pan,
    manifest_entries,
    shop_time,
)
from ._http import Request, Response, json_response
from ._ratelimit import CostBucket, LeakyBucket
from ._shopify_graphql import ORDERS_WINDOW
from ._shopify_graphql import handle as handle_graphql
from ._standin import StandIn

SUPPORTED_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
LINE_ITEM_ID_BASE = 14_801_000_000_000
VARIANT_ID_BASE = 40_123_456_000_000
TRANSACTION_ID_BASE = 6_401_000_000_000
WEBHOOK_ID_BASE = 1_047_000_000
# (topic, path) of each webhook subscription; index 1 in every scenario, 2 only in the leaky one (plain http).
WEBHOOKS = {1: ("orders/create", "/hooks/shopify/orders-create"), 2: ("customers/update", "/hooks/shopify/customers")}
PLAIN_HTTP_WEBHOOK = 2
# read_all_orders: the audit scans every order's notes, not only the last 60 days' (a coverage limit otherwise).
CLEAN_SCOPES = ("read_orders", "read_all_orders", "read_customers", "read_users")
LEAKY_EXTRA_SCOPES = ("write_orders", "write_customers")
_VERSIONED = re.compile(r"^/admin/api/(?P<version>[^/]+)(?P<rest>/.*)$")
_GRAPHQL = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
_VERSION_SHAPE = re.compile(r"^\d{4}-(01|04|07|10)$|^unstable$")


@dataclass(frozen=True, slots=True)
class ShopifyLimits:
    bucket_size: int = 40
    leak_per_second: float = 2.0  # Standard plan; Plus leaks 20/s
    # GraphQL restores 1000 points/s on Plus, which the stand-in's shop is (100 Standard, 200 Advanced:
    # https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). The bucket sizes per plan are not
    # in that table; ten seconds of restore matches the examples' 1000 and 2000 of the older 100 and 200 rates.
    graphql_maximum: float = 10_000.0
    graphql_restore_per_second: float = 1_000.0


@dataclass
class ShopifyAPI:
    world: World
    limits: ShopifyLimits = field(default_factory=ShopifyLimits)
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)  # order notes written in sandbox mode
    # Where webhooks send ("https://127.0.0.1:port"); None: the origin the request came in on (this stand-in).
    flow_origin: str | None = None
    # ShopPlan.partnerDevelopment: a development store, as the sandbox is (a Plus-featured one, so staff stay
    # listed); None: the world's choice (a production-like world answers a paid store).
    partner_development: bool | None = None

    def __post_init__(self) -> None:
        if self.partner_development is None:
            self.partner_development = not self.world.production_like
        self._buckets: dict[str, LeakyBucket] = {}
        self._cost_buckets: dict[str, CostBucket] = {}
        self.graphql_operations: list[str] = []  # "query" / "mutation" of every valid request, for the tests
        self.graphql_throttled = 0  # queries refused as THROTTLED
        self._router = Router()
        add = self._router.add
        add("GET", "/shop.json", self.shop)
        add("GET", "/orders.json", self.orders, ("read_orders", "write_orders"))
        add("GET", "/orders/count.json", self.orders_count, ("read_orders", "write_orders"))
        add("GET", "/orders/{id}.json", self.order, ("read_orders", "write_orders"))
        add("PUT", "/orders/{id}.json", self.update_order, ("write_orders",))
        add("GET", "/orders/{id}/transactions.json", self.transactions, ("read_orders", "write_orders"))
        add("GET", "/customers.json", self.customers, ("read_customers", "write_customers"))
        add("GET", "/customers/{id}.json", self.customer, ("read_customers", "write_customers"))
        add("GET", "/users.json", self.users, ("read_users",))
        add("GET", "/users/current.json", self.current_user, ("read_users",))
        add("GET", "/events.json", self.events, ("read_orders", "write_orders"))
        add("GET", "/webhooks.json", self.webhooks)  # an app lists its own subscriptions without a scope
        scopes = CLEAN_SCOPES + (LEAKY_EXTRA_SCOPES if self.world.scenario == "leaky" else ())
        self.primary_token = self.issue_token(scopes)

    def issue_token(self, scopes: tuple[str, ...] | list[str]) -> str:
        """A new access token with exactly these scopes (admin-created custom app style)."""
        token = new_token("shpat_", 16)
        self.tokens[token] = frozenset(scopes)
        return token

    # -- plumbing
    @staticmethod
    def error(status: int, message: Any) -> Response:
        return json_response(status, {"errors": message})

    def handle(self, request: Request) -> Response:
        token = request.headers.get("x-shopify-access-token")
        if token is None or token not in self.tokens:
            return self.error(401, "[API] Invalid API key or access token (unrecognized login or wrong password)")
        if (found := _GRAPHQL.match(request.path)) and _VERSION_SHAPE.match(found["version"]):
            return self._graphql(request, token)
        bucket = self._buckets.setdefault(token, LeakyBucket(self.limits.bucket_size, self.limits.leak_per_second))
        decision = bucket.take()
        limit_header = ("X-Shopify-Shop-Api-Call-Limit", f"{decision.used}/{decision.limit}")
        if not decision.allowed:
            # Shopify answers "Retry-After: 2.0" at the Standard leak rate: time for 4 requests to drain.
            response = self.error(
                429, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
            )
            response.headers += [
                limit_header,
                ("Retry-After", f"{max(decision.retry_after, 4 / bucket.leak_per_second):.1f}"),
            ]
            return response
        response = self._dispatch(request, self.tokens[token])
        response.headers.append(limit_header)
        return response

    def _graphql(self, request: Request, token: str) -> Response:
        """GraphQL has its own, cost-based limit and no REST call-limit header."""
        if request.method != "POST":
            return self.error(404, "Not Found")  # GraphQL Admin takes POST only
        bucket = self._cost_buckets.setdefault(
            token, CostBucket(self.limits.graphql_maximum, self.limits.graphql_restore_per_second)
        )
        response = handle_graphql(self, request, self.tokens[token], bucket)
        version = _GRAPHQL.match(request.path)["version"]  # type: ignore[index]  # matched by the caller
        served = version if version in SUPPORTED_VERSIONS or version == "unstable" else SUPPORTED_VERSIONS[0]
        response.headers.append(("X-Shopify-API-Version", served))
        return response

    def _dispatch(self, request: Request, scopes: frozenset[str]) -> Response:
        if request.path == "/admin/oauth/access_scopes.json":  # unversioned
            if request.method != "GET":
                return self.error(404, "Not Found")
            return json_response(200, {"access_scopes": [{"handle": s} for s in sorted(scopes)]})
        found = _VERSIONED.match(request.path)
        if not found or not _VERSION_SHAPE.match(found["version"]):
            return self.error(404, "Not Found")
        version = found["version"]
        # Retired or unknown versions fall forward to the oldest supported one with a 200:
        # https://shopify.dev/docs/api/usage/versioning
        served = version if version in SUPPORTED_VERSIONS or version == "unstable" else SUPPORTED_VERSIONS[0]
        matched = self._router.match(request.method, found["rest"])
        if matched is None:
            return self.error(404, "Not Found")
        if matched is False:
            return self.error(406, "Not Acceptable")
        assert not isinstance(matched, bool)  # noqa: S101 - narrowing for mypy
        route, params = matched
        if route.scopes and not route.scopes & scopes:
            needed = sorted(route.scopes)[0]
            return self.error(403, f"[API] This action requires merchant approval for {needed} scope.")
        if route.handler in (self.orders, self.orders_count, self.order):  # what the token may see of orders
            params["scopes"] = scopes  # type: ignore[assignment]  # the handlers take it as a keyword
        response = route.handler(request, **params)
        response.headers.append(("X-Shopify-API-Version", served))
        return response

    def _page(
        self,
        request: Request,
        key: str,
        stop: int,
        keep: Any,
        render: Any,
        filters: tuple[str, ...],
        fixed: dict[str, str] | None = None,
    ) -> Response:
        """One page of a Link-header-paginated list (https://shopify.dev/docs/api/usage/pagination-rest).

        `filters` are the query parameters the first page takes (its cursors keep them); `fixed`, what the
        caller's token decides (not in the cursor).
        """
        limit = int_arg(request, "limit", 50)
        if limit is None or limit < 1:
            return self.error(400, {"limit": "Invalid value."})
        limit = min(limit, 250)
        page_info = request.arg("page_info")
        if page_info is not None:
            extra = [name for name, _ in request.query if name not in {"page_info", "limit", "fields"}]
            if extra:
                return self.error(
                    400,
                    f"{extra[0]} cannot be passed when page_info is present. "
                    "See https://shopify.dev/api/usage/pagination-rest for more information.",
                )
            state = decode_cursor(page_info)
            if state is None or not isinstance(state.get("at"), int) or state.get("dir") not in {"next", "prev"}:
                return self.error(400, {"page_info": "Invalid value."})
            filters_state: dict[str, str] = state.get("f", {})
        else:
            state = {"at": 0, "dir": "next"}
            filters_state = {name: value for name in filters if (value := request.arg(name)) is not None}
        applied = {**filters_state, **(fixed or {})}
        if state["dir"] == "next":
            indexes = list(scan(state["at"] + 1, stop, 1, lambda i: keep(i, applied), limit))
        else:
            indexes = sorted(scan(state["at"] - 1, 0, -1, lambda i: keep(i, applied), limit))
        fields = [f for f in (request.arg("fields") or "").split(",") if f]
        items = [render(i) for i in indexes]
        if fields:
            items = [{k: v for k, v in item.items() if k in fields} for item in items]
        links = []
        if indexes:
            base = [("limit", str(limit))] + ([("fields", ",".join(fields))] if fields else [])
            if any(True for _ in scan(indexes[0] - 1, 0, -1, lambda i: keep(i, applied), 1)):
                cursor = encode_cursor({"at": indexes[0], "dir": "prev", "f": filters_state})
                links.append(f'<{url_with(request, [*base, ("page_info", cursor)])}>; rel="previous"')
            if any(True for _ in scan(indexes[-1] + 1, stop, 1, lambda i: keep(i, applied), 1)):
                cursor = encode_cursor({"at": indexes[-1], "dir": "next", "f": filters_state})
                links.append(f'<{url_with(request, [*base, ("page_info", cursor)])}>; rel="next"')
        headers = [("Link", ", ".join(links))] if links else []
        return json_response(200, {key: items}, headers)

    # -- data
    def order_index(self, order_id: str) -> int | None:
        try:
            index = int(order_id) - ORDER_ID_BASE
        except ValueError:
            return None
        return index if 1 <= index <= self.world.size else None

    def order_status(self, index: int) -> str:
        if index % 11 == 0:
            return "cancelled"
        return "closed" if index % 3 == 0 else "open"

    def order_created(self, index: int) -> dt.datetime:
        return self.world.ticket_time(index) - dt.timedelta(days=2)

    def order_visible(self, index: int, scopes: frozenset[str]) -> bool:
        """Without read_all_orders only the orders of the last 60 days, counted from now, exist for the token.

        https://shopify.dev/docs/api/usage/access-scopes#orders-permissions
        """
        if "read_all_orders" in scopes:
            return True
        return self.order_created(index) >= dt.datetime.now(dt.UTC) - ORDERS_WINDOW

    def order_json(self, index: int) -> dict[str, Any]:
        world = self.world
        rng = world.rng("order", index)
        created = self.order_created(index)
        customer = 1 + index % world.customer_count
        first, last, email = world.person("customer", customer)
        status = self.order_status(index)
        order_id = ORDER_ID_BASE + index
        plant = world.plant_at("shopify", "order", index)
        note = rng.choice(["", "Gift wrap please", "Leave at the back door", "Customer asked for invoice"])
        attributes = [{"name": "gift", "value": rng.choice(["yes", "no"])}]
        if plant and plant.field == "note":
            note = plant.text
        if plant and plant.field == "note_attributes":
            attributes.append({"name": "payment_reference", "value": plant.text})
        quantity = 1 + rng.randrange(3)
        price = f"{rng.randrange(10, 300)}.{rng.choice(['00', '50', '95', '99'])}"
        total = f"{float(price) * quantity:.2f}"
        return {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{1000 + index}",
            "order_number": 1000 + index,
            "email": email,
            "phone": None,
            "created_at": shop_time(created),
            "updated_at": shop_time(created + dt.timedelta(hours=5)),
            "closed_at": shop_time(created + dt.timedelta(days=3)) if status == "closed" else None,
            "cancelled_at": shop_time(created + dt.timedelta(hours=2)) if status == "cancelled" else None,
            "cancel_reason": "customer" if status == "cancelled" else None,
            "financial_status": "refunded" if status == "cancelled" else "paid",
            "fulfillment_status": "fulfilled" if status == "closed" else None,
            "currency": "USD",
            "total_price": total,
            "tags": rng.choice(["", "vip", "wholesale, repeat"]),
            "note": self.notes.get(order_id, note) or None,
            "note_attributes": attributes,
            "customer": {"id": CUSTOMER_ID_BASE + customer, "email": email, "first_name": first, "last_name": last},
            "line_items": [
                {
                    "id": LINE_ITEM_ID_BASE + index,
                    "variant_id": VARIANT_ID_BASE + index * 97,
                    "title": rng.choice(["Linen shirt", "Trail shoe", "Ceramic mug", "Wool scarf"]),
                    "quantity": quantity,
                    "price": price,
                    "sku": f"SKU-{index:06d}",
                }
            ],
            "refunds": [],
            "browser_ip": f"203.0.113.{index % 250}",
            "test": False,
        }

    def customer_json(self, index: int) -> dict[str, Any]:
        world = self.world
        first, last, email = world.person("customer", index)
        customer_id = CUSTOMER_ID_BASE + index
        rng = world.rng("shop-customer", index)
        plant = world.plant_at("shopify", "customer", index)
        note = plant.text if plant else rng.choice([None, "Prefers email", "VIP since 2023", "Ships to office"])
        created = shop_time(world.ticket_time(index) - dt.timedelta(days=30))
        return {
            "id": customer_id,
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
            "email": email,
            "first_name": first,
            "last_name": last,
            "phone": None,
            "state": "enabled",
            "verified_email": True,
            "tags": "",
            "note": note,
            "currency": "USD",
            "tax_exempt": False,
            "last_order_id": None,
            "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
            "sms_marketing_consent": None,
            "addresses": [],
            "default_address": None,
            "created_at": created,
            "updated_at": created,
        }

    def shop_json(self) -> dict[str, Any]:
        return {
            "id": 548380009,
            "name": "Sandbox Brand",
            "email": "owner@brand.example",
            "domain": "sandbox-brand.example",
            "myshopify_domain": "sandbox-brand.myshopify.com",
            "plan_name": "shopify_plus",
            "plan_display_name": "Shopify Plus",
            "currency": "USD",
            "iana_timezone": "America/New_York",
        }

    # -- handlers
    def shop(self, request: Request) -> Response:
        return json_response(200, {"shop": self.shop_json()})

    def _order_filter(self, index: int, filters: dict[str, str]) -> bool:
        if filters.get("_scopes") is not None and not self.order_visible(index, frozenset(filters["_scopes"].split())):
            return False
        wanted = filters.get("status", "open")  # Shopify lists open orders unless told otherwise
        if wanted != "any" and self.order_status(index) != wanted:
            return False
        created = self.order_created(index)
        times = {"created_at": created, "updated_at": created + dt.timedelta(hours=5)}
        for name in _DATE_FILTERS:
            if name in filters:
                moment, field_name = _parse_time(filters[name]), name.rsplit("_", 1)[0]
                if moment is None:
                    continue
                if name.endswith("_min") and times[field_name] < moment:
                    return False
                if name.endswith("_max") and times[field_name] > moment:
                    return False
        return True

    def orders(self, request: Request, scopes: frozenset[str] = frozenset()) -> Response:
        status = request.arg("status")
        if status is not None and status not in {"open", "closed", "cancelled", "any"}:
            return self.error(400, {"status": "Invalid value."})
        for name in _DATE_FILTERS:
            value = request.arg(name)
            if value is not None and _parse_time(value) is None:
                return self.error(400, {name: "Invalid value."})
        return self._page(
            request,
            "orders",
            self.world.size + 1,
            self._order_filter,
            self.order_json,
            ("status", *_DATE_FILTERS),
            fixed={"_scopes": " ".join(sorted(scopes))},
        )

    def orders_count(self, request: Request, scopes: frozenset[str] = frozenset()) -> Response:
        filters = {"status": request.arg("status") or "open", "_scopes": " ".join(sorted(scopes))}
        count = sum(1 for i in range(1, self.world.size + 1) if self._order_filter(i, filters))
        return json_response(200, {"count": count})

    def order(self, request: Request, id: str, scopes: frozenset[str] = frozenset()) -> Response:
        index = self.order_index(id)
        if index is None or not self.order_visible(index, scopes):
            return self.error(404, "Not Found")
        return json_response(200, {"order": self.order_json(index)})

    def update_order(self, request: Request, id: str) -> Response:
        index = self.order_index(id)
        if index is None:
            return self.error(404, "Not Found")
        try:
            note = request.json()["order"]["note"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, {"order": "Required parameter missing or invalid"})
        if not isinstance(note, str):
            return self.error(422, {"note": ["is invalid"]})
        self.notes[ORDER_ID_BASE + index] = note
        return json_response(200, {"order": self.order_json(index)})

    def transactions(self, request: Request, id: str) -> Response:
        index = self.order_index(id)
        if index is None:
            return self.error(404, "Not Found")
        order = self.order_json(index)
        rng = self.world.rng("transaction", index)
        brand, prefix = rng.choice([("Visa", "4"), ("Mastercard", "51"), ("American Express", "37")])
        pan = make_pan(rng, prefix, 15 if prefix == "37" else 16)
        return json_response(
            200,
            {
                "transactions": [
                    {
                        "id": TRANSACTION_ID_BASE + index,
                        "order_id": order["id"],
                        "kind": "sale",
                        "gateway": "shopify_payments",
                        "status": "success",
                        "amount": order["total_price"],
                        "currency": "USD",
                        "authorization": f"ch_{rng.getrandbits(64):016x}",
                        "created_at": order["created_at"],
                        "processed_at": order["created_at"],
                        "test": False,
                        "parent_id": None,
                        "error_code": None,
                        "source_name": "web",
                        "receipt": {},
                        # The masked form Shopify really returns (reference/cards.md section 5): BIN and
                        # last four in separate fields, which a scanner must not join into a PAN.
                        "payment_details": {
                            "credit_card_bin": pan[:6],
                            "avs_result_code": "Y",
                            "cvv_result_code": "M",
                            "credit_card_number": SHOPIFY_MASK + pan[-4:],
                            "credit_card_company": brand,
                            "credit_card_name": order["customer"]["first_name"] + " " + order["customer"]["last_name"],
                            "credit_card_wallet": None,
                            "credit_card_expiration_month": 1 + rng.randrange(12),
                            "credit_card_expiration_year": 2027 + rng.randrange(4),
                            "buyer_action_info": None,
                            "payment_method_name": brand.lower().replace(" ", "_"),
                        },
                    }
                ]
            },
        )

    def customers(self, request: Request) -> Response:
        return self._page(
            request, "customers", self.world.customer_count + 1, lambda i, f: True, self.customer_json, ()
        )

    def customer(self, request: Request, id: str) -> Response:
        try:
            index = int(id) - CUSTOMER_ID_BASE
        except ValueError:
            index = 0
        if not 1 <= index <= self.world.customer_count:
            return self.error(404, "Not Found")
        return json_response(200, {"customer": self.customer_json(index)})

    def user_json(self, staff: Any) -> dict[str, Any]:
        first, _, last = staff.name.partition(" ")
        user: dict[str, Any] = {
            "id": 90_000 + staff.id,
            "first_name": first,
            "last_name": last,
            "email": staff.email,
            "phone": None,
            "url": "",
            "im": None,
            "screen_name": None,
            "bio": None,
            "locale": "en",
            "account_owner": staff.role == "owner",
            "receive_announcements": 1,
            "permissions": ["full"] if staff.role == "owner" else ["orders", "customers"],
            "user_type": "regular",
        }
        # Undocumented, in Shopify's generated 2025-01 REST examples and shopify_python_api's
        # test/fixtures/users.json (vendor-apis.md 1.4): present for some staff, absent for others.
        if staff.mfa is not None:
            user["tfa_enabled?"] = staff.mfa
        return user

    def staff_created(self, staff: Any) -> dt.datetime:
        """When a staff account was created: the owner with the shop, the others a year before the data ends."""
        return DATA_END - DATA_SPAN - dt.timedelta(days=400 if staff.role == "owner" else 60 + 10 * staff.id)

    def webhook_indexes(self) -> list[int]:
        return [1, PLAIN_HTTP_WEBHOOK] if self.world.scenario == "leaky" else [1]

    def webhook_json(self, index: int, origin: str) -> dict[str, Any]:
        """A REST webhook (https://shopify.dev/docs/api/admin-rest/latest/resources/webhook#resource-object)."""
        topic, path = WEBHOOKS[index]
        base = self.flow_origin or origin
        if index == PLAIN_HTTP_WEBHOOK:  # the same listener named over plain http: nothing protects the data
            base = "http://" + base.split("://", 1)[-1]
        created = DATA_END - DATA_SPAN + dt.timedelta(days=7 * index)
        return {
            "id": WEBHOOK_ID_BASE + index,
            "address": base + path,
            "topic": topic,
            "created_at": shop_time(created),
            "updated_at": shop_time(created),
            "format": "json",
            "fields": [],
            "metafield_namespaces": [],
            "api_version": SUPPORTED_VERSIONS[-1],
            "private_metafield_namespaces": [],
        }

    def webhooks(self, request: Request) -> Response:
        indexes = self.webhook_indexes()
        return self._page(
            request,
            "webhooks",
            max(indexes) + 1,
            lambda i, f: i in indexes,
            lambda i: self.webhook_json(i, request.scheme_host),
            (),
        )

    def users(self, request: Request) -> Response:
        # REST User is Shopify Plus only (vendor-apis.md 1.4).
        return json_response(200, {"users": [self.user_json(staff) for staff in self.world.shopify_staff()]})

    def current_user(self, request: Request) -> Response:
        """The user of an online (user) token; an offline app token has none: 404, as apps see it."""
        return self.error(404, "Not Found")

    def _event_json(self, index: int) -> dict[str, Any]:
        order_index = (index + 1) // 2
        placed = index % 2 == 1
        order_id = ORDER_ID_BASE + order_index
        moment = self.world.ticket_time(order_index) - dt.timedelta(days=2 if placed else 1)
        verb = "placed" if placed else "confirmed"
        return {
            "id": 1_000_000_000 + index,
            "subject_id": order_id,
            "subject_type": "Order",
            "verb": verb,
            "arguments": [f"#{1000 + order_index}"],
            "body": None,
            "message": f"Order #{1000 + order_index} was {verb}.",
            "author": "Shopify",
            "description": f"Order #{1000 + order_index} was {verb}.",
            "path": f"/admin/orders/{order_id}",
            "created_at": shop_time(moment),
        }

    def events(self, request: Request) -> Response:
        """GET /events.json with the documented `filter` (subject types) and `verb` filters."""

        def keep(index: int, filters: dict[str, str]) -> bool:
            event = self._event_json(index)
            wanted = filters.get("filter")
            if wanted and event["subject_type"] not in {t.strip() for t in wanted.split(",")}:
                return False
            return not filters.get("verb") or event["verb"] == filters["verb"]

        return self._page(request, "events", 2 * self.world.size + 1, keep, self._event_json, ("filter", "verb"))


_DATE_FILTERS = ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max")


def _parse_time(value: str) -> dt.datetime | None:
    """An ISO 8601 time as orders.json takes it ("2026-10-01T00:00:00-04:00"); no offset is UTC here."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- what the sandbox needs of this stand-in --------------------------------------------------------------------

NAME = "shopify"
ENV_NAME = "VA_SHOPIFY_TOKEN"


def _violations(api: ShopifyAPI, scenario: str) -> list[dict[str, Any]]:
    found = manifest_entries(api.world, NAME)
    if scenario == "leaky":
        found.append(
            {
                "vendor": NAME,
                "kind": "over_scoped_credential",
                "resource": "credential/cs-app",
                "detail": sorted(LEAKY_EXTRA_SCOPES),
            }
        )
        found.append(
            {
                "vendor": NAME,
                "kind": "flow_plain_http",
                "resource": f"flows/webhook_subscription/{WEBHOOK_ID_BASE + PLAIN_HTTP_WEBHOOK}",
                "detail": f"{WEBHOOKS[PLAIN_HTTP_WEBHOOK][0]} webhook to an http:// address",
            }
        )
    return found


def _profile(api: ShopifyAPI, base_url: str) -> str:
    return f"""\
[vendors.{NAME}]
type = "shopify"
base_url = "{base_url}"
api_version = "{SUPPORTED_VERSIONS[-1]}"
environment = "sandbox"

[[vendors.{NAME}.credentials]]
name = "cs-app"
auth = "access_token"
secret_env = "{ENV_NAME}"
allowed_scopes = {json.dumps(list(CLEAN_SCOPES))}
"""


STANDIN: StandIn[ShopifyAPI] = StandIn(
    name=NAME,
    vendor_type="shopify",
    limits=ShopifyLimits,
    start=ShopifyAPI,
    violations=_violations,
    profile=_profile,
    secrets=lambda api: {ENV_NAME: api.primary_token},
)
