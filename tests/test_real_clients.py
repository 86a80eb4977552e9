"""Real clients as judges: zenpy and the official ShopifyAPI, written by others, drive the stand-ins.

Each case is one call an integration makes, through the client library as its users call it, over real sockets and
real TLS; it asserts what the vendor documents that call returns (the page is cited beside each call). A failing
case is a stand-in that is not the API these clients were written for: fix the stand-in, not the assertion
(DESIGN.md: where the real API and the stand-in differ, the real API wins).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import secrets
import ssl
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from vendor_audit import sandbox

# Both are pinned in the test extra; without them the module skips instead of failing the run.
zenpy = pytest.importorskip("zenpy", reason="zenpy is not installed (pip install -e '.[test]')")
zenpy_errors = pytest.importorskip("zenpy.lib.exception")
zenpy_objects = pytest.importorskip("zenpy.lib.api_objects")
requests = pytest.importorskip("requests")
requests_adapters = pytest.importorskip("requests.adapters")
shopify = pytest.importorskip("shopify", reason="ShopifyAPI is not installed (pip install -e '.[test]')")
activeresource = pytest.importorskip("pyactiveresource.connection")

# More users (16 staff, 100 end users) and tickets than one page of 100 holds, so every list really pages.
SIZE = 200
# A client that ignores the end of a stream loops forever (vendor-apis.md 2.9): cap what is read, so a loop fails.
LOOP_GUARD = 5 * SIZE
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # Zendesk: "2009-07-20T22:55:29Z"
SHOP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")  # Shopify: "2008-01-10T11:00:00-05:00"
MONEY = re.compile(r"^\d+\.\d{2}$")  # Shopify REST money is a string: "409.94"
SHOP_DOMAIN = "sandbox-brand.myshopify.com"


def missing(required: frozenset[str], raw: dict[str, Any]) -> list[str]:
    return sorted(required - raw.keys())


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def standins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox.RunningSandbox]:
    # A sandbox of this module's own: the calls spend rate-limit budget (Zendesk's incremental exports allow 10
    # requests a minute) that a session-wide sandbox would share with every other test.
    workdir = tmp_path_factory.mktemp("real-clients")
    with sandbox.serve(scenario="clean", size=SIZE, workdir=workdir, write_exports=False) as running:
        yield running


# --- zenpy 2.0.57 against the Zendesk stand-in -----------------------------------------------------------------


@dataclass
class Zendesk:
    client: Any  # zenpy.Zenpy acting with the integration's OAuth token
    running: sandbox.RunningSandbox
    wire: list[Any] = field(default_factory=list)  # every requests.Response zenpy received, in order

    @property
    def origin(self) -> str:
        return self.running.url("zendesk")

    def other(self, token: str) -> Any:
        """Another zenpy client, acting with `token`, recording onto the same wire."""
        return zenpy_client(self.running, token, self.wire)

    def bodies(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies of the recorded 200s for `path` (zenpy objects fill every known attribute with None,
        so whether the API sent a key shows only in what came over the wire)."""
        return [r.json() for r in self.wire if urlsplit(r.url).path.startswith(path) and r.status_code == 200]

    def items(self, path: str, key: str) -> list[dict[str, Any]]:
        return [item for body in self.bodies(path) for item in body[key]]

    def assert_cursor_pages(self, path: str, key: str) -> None:
        """Cursor pagination as documented: every page has meta.has_more, after_cursor and links.next until
        has_more is false; links stay on the origin the credential was sent to.
        https://developer.zendesk.com/api-reference/introduction/pagination/#using-cursor-pagination"""
        pages = self.bodies(path)
        assert len(pages) >= 2, f"{path} fitted in one page: nothing was paginated"
        for page in pages[:-1]:
            assert page["meta"]["has_more"] is True
            assert isinstance(page["meta"]["after_cursor"], str)
            assert page["links"]["next"].startswith(f"{self.origin}{path}")
        assert pages[-1]["meta"]["has_more"] is False
        assert all(isinstance(page[key], list) for page in pages)


def zenpy_client(running: sandbox.RunningSandbox, token: str, wire: list[Any]) -> Any:
    session = requests.Session()
    # requests lets REQUESTS_CA_BUNDLE (set on many CI images) override session.verify, and would apply proxies
    # from the environment: the stand-in's CA alone is trusted here, and nothing sits between.
    session.trust_env = False
    session.verify = str(running.ca_path)
    session.mount("https://", requests_adapters.HTTPAdapter(**zenpy.Zenpy.http_adapter_kwargs()))
    session.hooks["response"].append(lambda response, *args, **kwargs: wire.append(response))
    # disable_cache: zenpy answers an id it has seen from its cache; every call here must reach the stand-in.
    return zenpy.Zenpy(subdomain="sandbox", oauth_token=token, session=session, disable_cache=True)


@pytest.fixture(scope="module")
def zendesk(standins: sandbox.RunningSandbox) -> Iterator[Zendesk]:
    with pytest.MonkeyPatch.context() as patch:
        # zenpy builds https://{subdomain}.zendesk.com; ZENPY_FORCE_NETLOC is its documented way to another host
        # (http://docs.facetoe.com.au/zenpy.html#custom-domains; zenpy/lib/api.py BaseApi.base_url).
        patch.setenv("ZENPY_FORCE_NETLOC", urlsplit(standins.url("zendesk")).netloc)
        wire: list[Any] = []
        yield Zendesk(zenpy_client(standins, standins.zendesk.primary_token, wire), standins, wire)


ZendeskCall = Callable[[Zendesk], None]
ZENPY_CALLS: dict[str, ZendeskCall] = {}


def zenpy_call(function: ZendeskCall) -> ZendeskCall:
    ZENPY_CALLS[function.__name__] = function
    return function


# https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format
USER_KEYS = frozenset(
    "id url name email role role_type custom_role_id active suspended verified two_factor_auth_enabled "
    "last_login_at created_at updated_at time_zone locale organization_id restricted_agent ticket_restriction "
    "only_private_comments external_id tags user_fields phone".split()
)
# https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format
TICKET_KEYS = frozenset(
    "id url external_id type subject raw_subject description priority status recipient requester_id submitter_id "
    "assignee_id organization_id group_id collaborator_ids follower_ids email_cc_ids has_incidents problem_id "
    "due_at tags custom_fields satisfaction_rating via brand_id is_public created_at updated_at".split()
)
# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#json-format
COMMENT_KEYS = frozenset(
    "id type author_id body html_body plain_body public attachments audit_id via metadata created_at".split()
)
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/#json-format
RATING_KEYS = frozenset(
    "id url assignee_id group_id requester_id ticket_id score comment reason created_at updated_at".split()
)
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-event-export
TICKET_EVENT_KEYS = frozenset("id ticket_id timestamp created_at updater_id via event_type child_events".split())
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
CURSOR_EXPORT_KEYS = frozenset("after_url after_cursor before_url before_cursor end_of_stream".split())


def assert_user(raw: dict[str, Any]) -> None:
    assert not missing(USER_KEYS, raw), missing(USER_KEYS, raw)
    assert raw["role"] in {"end-user", "agent", "admin"}
    assert raw["two_factor_auth_enabled"] in (True, False, None)  # read-only; null when not shown
    assert ISO_UTC.match(raw["created_at"])
    assert ISO_UTC.match(raw["updated_at"])


def assert_ticket(raw: dict[str, Any], origin: str) -> None:
    assert not missing(TICKET_KEYS, raw), missing(TICKET_KEYS, raw)
    assert raw["status"] in {"new", "open", "pending", "hold", "solved", "closed"}
    assert raw["url"] == f"{origin}/api/v2/tickets/{raw['id']}.json"
    assert isinstance(raw["via"]["channel"], str)
    assert isinstance(raw["tags"], list)
    assert ISO_UTC.match(raw["created_at"])
    assert ISO_UTC.match(raw["updated_at"])


@zenpy_call
def users_me(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self
    me = zd.client.users.me()
    (body,) = zd.bodies("/api/v2/users/me")
    assert_user(body["user"])
    assert me.id == body["user"]["id"]
    assert me.role in {"admin", "agent"}  # an integration acts as a staff member


@zenpy_call
def users_list(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/users/users/#list-users
    ids = [user.id for user in itertools.islice(zd.client.users(), LOOP_GUARD)]
    assert len(ids) == len(set(ids)) == len(zd.items("/api/v2/users", "users"))
    zd.assert_cursor_pages("/api/v2/users", "users")
    for raw in zd.items("/api/v2/users", "users"):
        assert_user(raw)


@zenpy_call
def users_by_role(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/users/users/#list-users (role[]=admin&role[]=agent)
    users = list(itertools.islice(zd.client.users(role=["admin", "agent"]), LOOP_GUARD))
    assert users
    assert {user.role for user in users} == {"admin", "agent"}
    for raw in zd.items("/api/v2/users", "users"):
        assert_user(raw)


@zenpy_call
def user_by_id(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/users/users/#show-user
    agent = next(iter(zd.client.users(role="agent")))
    user = zd.client.users(id=agent.id)
    body = zd.bodies(f"/api/v2/users/{agent.id}")[-1]
    assert_user(body["user"])
    assert (user.id, user.email, user.role) == (agent.id, agent.email, "agent")


@zenpy_call
def tickets_list(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-tickets
    ids = [ticket.id for ticket in itertools.islice(zd.client.tickets(), LOOP_GUARD)]
    assert len(ids) == len(set(ids)) > 100
    assert ids == sorted(ids)  # oldest to newest
    zd.assert_cursor_pages("/api/v2/tickets", "tickets")
    for raw in zd.items("/api/v2/tickets", "tickets"):
        assert_ticket(raw, zd.origin)


@zenpy_call
def ticket_by_id(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-ticket
    ticket = zd.client.tickets(id=7)
    (body,) = zd.bodies("/api/v2/tickets/7")
    assert_ticket(body["ticket"], zd.origin)
    assert (ticket.id, ticket.subject, ticket.status) == (7, body["ticket"]["subject"], body["ticket"]["status"])


@zenpy_call
def ticket_comments(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#list-comments
    comments = list(itertools.islice(zd.client.tickets.comments(ticket=7), LOOP_GUARD))
    assert comments
    for raw in zd.items("/api/v2/tickets/7/comments", "comments"):
        assert not missing(COMMENT_KEYS, raw), missing(COMMENT_KEYS, raw)
        assert raw["type"] in {"Comment", "VoiceComment"}
        assert isinstance(raw["public"], bool)
        assert ISO_UTC.match(raw["created_at"])
    created = [parse_time(comment.created_at) for comment in comments]
    assert created == sorted(created)  # comments list in the order they were made


@zenpy_call
def ticket_update_private_note(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket (a comment is added by
    # updating the ticket; the answer carries the ticket and its audit). Sandbox mode: writes are allowed.
    note = f"Conformance note {secrets.token_hex(4)}"
    ticket = zd.client.tickets(id=9)
    ticket.comment = zenpy_objects.Comment(body=note, public=False)
    zd.client.tickets.update(ticket)
    (put,) = [r for r in zd.wire if r.request.method == "PUT"]
    assert put.status_code == 200
    assert put.json()["ticket"]["id"] == 9
    assert isinstance(put.json()["audit"]["id"], int)
    added = [c for c in zd.client.tickets.comments(ticket=9) if c.body == note]
    assert len(added) == 1
    assert added[0].public is False


@zenpy_call
def tickets_incremental_cursor(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
    ids = [t.id for t in itertools.islice(zd.client.tickets.incremental(start_time=0, per_page=100), LOOP_GUARD)]
    pages = zd.bodies("/api/v2/incremental/tickets/cursor")
    assert len(ids) == len(set(ids)) == SIZE
    for page in pages:
        assert not missing(CURSOR_EXPORT_KEYS, page), missing(CURSOR_EXPORT_KEYS, page)
        assert page["after_url"].startswith(f"{zd.origin}/api/v2/incremental/tickets/cursor.json")
    assert [page["end_of_stream"] for page in pages] == [False] * (len(pages) - 1) + [True]  # zenpy stopped there


@zenpy_call
def tickets_incremental_resume(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#cursor-based-incremental-exports
    # (keep after_cursor; the next run passes it as cursor= and gets what follows)
    first = zd.client.tickets.incremental(start_time=0, per_page=50)
    page = [ticket.id for ticket in first.values]
    rest = [t.id for t in itertools.islice(zd.client.tickets.incremental(cursor=first.after_cursor), LOOP_GUARD)]
    assert len(page) == 50
    assert set(page).isdisjoint(rest)
    assert len(set(rest)) == len(rest)
    assert len(page) + len(rest) == SIZE  # nothing skipped, nothing read twice


@zenpy_call
def users_incremental_cursor(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-user-export-cursor-based
    ids = [user.id for user in itertools.islice(zd.client.users.incremental(start_time=0), LOOP_GUARD)]
    pages = zd.bodies("/api/v2/incremental/users/cursor")
    assert ids
    assert len(ids) == len(set(ids))
    assert pages[-1]["end_of_stream"] is True
    for raw in (user for page in pages for user in page["users"]):
        assert_user(raw)


@zenpy_call
def ticket_events_incremental(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-event-export
    # (time based; include=comment_events sideloads the comments as child events)
    events = list(itertools.islice(zd.client.tickets.events(start_time=0, include="comment_events"), LOOP_GUARD))
    pages = zd.bodies("/api/v2/incremental/ticket_events")
    assert events
    assert len({event.id for event in events}) == len(events)
    for page in pages:
        assert {"next_page", "count", "end_time", "end_of_stream"} <= page.keys()
    raws = [raw for page in pages for raw in page["ticket_events"]]
    for raw in raws:
        assert not missing(TICKET_EVENT_KEYS, raw), missing(TICKET_EVENT_KEYS, raw)
        assert isinstance(raw["timestamp"], int)
        assert isinstance(raw["child_events"], list)
    assert [raw["timestamp"] for raw in raws] == sorted(raw["timestamp"] for raw in raws)
    comments = [child for raw in raws for child in raw["child_events"] if child["event_type"] == "Comment"]
    assert comments
    assert all({"body", "public", "author_id"} <= child.keys() for child in comments)


@zenpy_call
def satisfaction_ratings(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/#list-satisfaction-ratings
    ratings = list(itertools.islice(zd.client.satisfaction_ratings(), LOOP_GUARD))
    assert ratings
    for raw in zd.items("/api/v2/satisfaction_ratings", "satisfaction_ratings"):
        assert not missing(RATING_KEYS, raw), missing(RATING_KEYS, raw)
        assert raw["score"] in {"offered", "unoffered", "good", "bad"}
        assert ISO_UTC.match(raw["created_at"])


@zenpy_call
def satisfaction_ratings_by_score(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/#list-satisfaction-ratings
    # (score=good: "only ratings with the given score")
    scores = {rating.score for rating in itertools.islice(zd.client.satisfaction_ratings(score="good"), LOOP_GUARD)}
    assert scores == {"good"}


@zenpy_call
def ticket_not_found(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/introduction/requests/#response-format (404 RecordNotFound)
    with pytest.raises(zenpy_errors.RecordNotFoundException) as raised:
        zd.client.tickets(id=SIZE + 1000)
    assert raised.value.response.status_code == 404
    assert raised.value.response.json()["error"] == "RecordNotFound"


@zenpy_call
def unknown_oauth_token(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/introduction/security-and-auth/ (401; OAuth: invalid_token)
    with pytest.raises(zenpy_errors.APIException) as raised:
        zd.other(secrets.token_hex(32)).users.me()
    assert raised.value.response.status_code == 401
    assert raised.value.response.json()["error"] == "invalid_token"


@zenpy_call
def token_without_the_scope(zd: Zendesk) -> None:
    # https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/#scopes (users:read for users)
    token = zd.running.zendesk.issue_oauth_token(["tickets:read"])
    with pytest.raises(zenpy_errors.APIException) as raised:
        list(zd.other(token).users())
    assert raised.value.response.status_code == 403
    assert raised.value.response.json()["error"] == "Forbidden"


@pytest.mark.parametrize("call", list(ZENPY_CALLS.values()), ids=list(ZENPY_CALLS))
def test_zenpy_call(call: ZendeskCall, zendesk: Zendesk) -> None:
    zendesk.wire.clear()
    call(zendesk)


# --- ShopifyAPI 12.7.0 (shopify_python_api) against the Shopify stand-in ----------------------------------------


@dataclass
class Shopify:
    running: sandbox.RunningSandbox
    version: str  # the API version the profile pins

    @property
    def host(self) -> str:
        return urlsplit(self.running.url("shopify")).netloc

    def session(self, token: str) -> Any:
        session = shopify.Session(SHOP_DOMAIN, self.version, token)
        # Session keeps a shop URL's first label and appends ".myshopify.com" (Session.__prepare_url), so it cannot
        # take an IP and port; its `url` is the host the resources' site is built from.
        session.url = self.host
        return session

    @contextmanager
    def acting_as(self, token: str) -> Iterator[None]:
        shopify.ShopifyResource.activate_session(self.session(token))
        try:
            yield
        finally:
            shopify.ShopifyResource.activate_session(self.session(self.running.shopify.primary_token))

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        endpoint = shopify.GraphQL().endpoint
        try:
            raw = shopify.GraphQL().execute(query, variables)
        except urllib.error.HTTPError as exc:
            exc.close()
            pytest.fail(
                f"POST {endpoint} answered HTTP {exc.code}; Shopify's GraphQL Admin API answers 200 with data, "
                "errors and extensions.cost (https://shopify.dev/docs/api/admin-graphql)"
            )
        body: dict[str, Any] = json.loads(raw)
        return body


@pytest.fixture(scope="module")
def shop(standins: sandbox.RunningSandbox) -> Iterator[Shopify]:
    version = tomllib.loads(standins.profile_path.read_text(encoding="utf-8"))["vendors"]["shopify"]["api_version"]
    judge = Shopify(standins, version)
    # pyactiveresource and shopify.GraphQL call urllib.request.urlopen without a context: the installed opener is
    # how they trust the stand-in's CA (and only it) for this module; the one before is put back after.
    previous = getattr(urllib.request, "_opener", None)
    context = ssl.create_default_context(cafile=str(standins.ca_path))
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)))
    shopify.ShopifyResource.activate_session(judge.session(standins.shopify.primary_token))
    try:
        yield judge
    finally:
        shopify.ShopifyResource.clear_session()
        urllib.request.install_opener(previous)


ShopifyCall = Callable[[Shopify], None]
SHOPIFY_CALLS: dict[str, ShopifyCall] = {}


def shopify_call(function: ShopifyCall) -> ShopifyCall:
    SHOPIFY_CALLS[function.__name__] = function
    return function


# https://shopify.dev/docs/api/admin-rest/latest/resources/shop#resource-object
SHOP_KEYS = frozenset(
    "id name email domain myshopify_domain plan_name plan_display_name currency iana_timezone".split()
)
# https://shopify.dev/docs/api/admin-rest/latest/resources/order#resource-object
ORDER_KEYS = frozenset(
    "id admin_graphql_api_id name order_number email phone created_at updated_at closed_at cancelled_at cancel_reason "
    "financial_status fulfillment_status currency total_price tags note note_attributes customer line_items refunds "
    "browser_ip test".split()
)
# https://shopify.dev/docs/api/admin-rest/latest/resources/customer#resource-object
CUSTOMER_KEYS = frozenset(
    "id admin_graphql_api_id email first_name last_name phone state verified_email tags note currency tax_exempt "
    "last_order_id email_marketing_consent sms_marketing_consent addresses created_at updated_at".split()
)
# https://shopify.dev/docs/api/admin-rest/latest/resources/user#resource-object (no 2FA field is documented)
USER_REST_KEYS = frozenset(
    "id first_name last_name email phone url im screen_name bio locale account_owner receive_announcements "
    "permissions user_type".split()
)
# https://shopify.dev/docs/api/admin-rest/latest/resources/transaction#resource-object
TRANSACTION_KEYS = frozenset(
    "id order_id kind gateway status amount currency authorization created_at processed_at test parent_id "
    "error_code source_name receipt".split()
)
# https://shopify.dev/docs/api/admin-rest/latest/resources/event#resource-object
EVENT_KEYS = frozenset(
    "id subject_id subject_type verb arguments body message author description path created_at".split()
)
FINANCIAL_STATUSES = {"pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"}


def assert_order(raw: dict[str, Any]) -> None:
    assert not missing(ORDER_KEYS, raw), missing(ORDER_KEYS, raw)
    assert raw["admin_graphql_api_id"] == f"gid://shopify/Order/{raw['id']}"
    assert re.fullmatch(r"#\d+", raw["name"])
    assert MONEY.match(raw["total_price"])
    assert raw["financial_status"] in FINANCIAL_STATUSES
    assert SHOP_TIME.match(raw["created_at"])
    assert SHOP_TIME.match(raw["updated_at"])
    assert all(attribute.keys() == {"name", "value"} for attribute in raw["note_attributes"])


def assert_cost(extensions: dict[str, Any]) -> None:
    """Every GraphQL Admin answer reports its calculated cost and the bucket it drew from.
    https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits"""
    cost = extensions["cost"]
    assert isinstance(cost["requestedQueryCost"], int | float)
    assert cost["requestedQueryCost"] >= 0
    assert isinstance(cost["actualQueryCost"], int | float)
    assert cost["actualQueryCost"] >= 0
    status = cost["throttleStatus"]
    assert 0 <= status["currentlyAvailable"] <= status["maximumAvailable"]
    assert status["restoreRate"] > 0


def assert_graphql_data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    assert_cost(body["extensions"])
    data: dict[str, Any] = body["data"]
    return data


def gid(kind: str, value: str) -> int:
    """The numeric id of a GraphQL global id (https://shopify.dev/docs/api/usage/gids)."""
    found = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", value)
    assert found, value
    return int(found[1])


@shopify_call
def shop_current(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/shop#get-shop
    raw = shopify.Shop.current().to_dict()
    assert not missing(SHOP_KEYS, raw), missing(SHOP_KEYS, raw)
    assert raw["myshopify_domain"].endswith(".myshopify.com")


@shopify_call
def access_scope_find(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/accessscope#get-oauth-access-scopes
    handles = [scope.handle for scope in shopify.AccessScope.find()]
    assert handles
    assert all(re.fullmatch(r"(read|write|unauthenticated_read|unauthenticated_write)_\w+", h) for h in handles)
    assert "read_orders" in handles or "write_orders" in handles  # what this integration was granted


@shopify_call
def order_find_any(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/order#get-orders?status=any
    orders = shopify.Order.find(status="any", limit=250)
    assert orders
    for order in orders:
        assert_order(order.to_dict())


@shopify_call
def order_find_default_open(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/order#get-orders (status: "open" by default)
    orders = [order.to_dict() for order in shopify.Order.find(limit=250)]
    assert orders
    assert all(order["closed_at"] is None and order["cancelled_at"] is None for order in orders)
    assert len(orders) < shopify.Order.count(status="any")


@shopify_call
def order_find_by_id(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/order#get-orders-order-id
    first = shopify.Order.find(status="any", limit=1)[0]
    order = shopify.Order.find(first.id)
    assert_order(order.to_dict())
    assert order.to_dict() == first.to_dict()


@shopify_call
def order_find_updated_at_min(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/order#get-orders?updated-at-min=2005-07-31t15:57:11-04:00
    every = [parse_time(order.updated_at) for order in shopify.Order.find(status="any", limit=250)]
    middle = sorted(every)[len(every) // 2]
    since = [
        order.to_dict() for order in shopify.Order.find(status="any", limit=250, updated_at_min=middle.isoformat())
    ]
    assert since
    assert len(since) < len(every)
    assert all(parse_time(order["updated_at"]) >= middle for order in since)


@shopify_call
def order_pagination(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/usage/pagination-rest (Link rel="next"/"previous", page_info), as
    # PaginatedCollection.next_page()/has_next_page() and PaginatedIterator read it
    pages = list(itertools.islice(shopify.PaginatedIterator(shopify.Order.find(status="any", limit=50)), LOOP_GUARD))
    ids = [order.id for page in pages for order in page]
    assert len(pages) >= 2
    assert not pages[0].has_previous_page()
    assert pages[0].has_next_page()
    assert all(page.has_previous_page() for page in pages[1:])
    assert not pages[-1].has_next_page()
    assert all(urlsplit(page.next_page_url).netloc == sh.host for page in pages[:-1])  # the credential's origin
    assert len(ids) == len(set(ids)) == shopify.Order.count(status="any")


@shopify_call
def order_window_without_read_all_orders(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/usage/access-scopes#orders-permissions: without read_all_orders an app sees the
    # last 60 days of orders only
    # last 60 days of orders only, counted from now: the stand-in's data ends on a fixed day, so which of its orders
    # fall inside moves with the clock (none, some day): compared with what a read_all_orders token sees.
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    every = {order.id: parse_time(order.created_at) for order in shopify.Order.find(status="any", limit=250)}
    assert len(every) == SIZE  # the integration's token holds read_all_orders
    with sh.acting_as(sh.running.shopify.issue_token(["read_orders"])):
        seen = {order.id for order in shopify.Order.find(status="any", limit=250)}
    near = {i for i, created in every.items() if abs((created - oldest).total_seconds()) < 60}  # the edge moves
    assert seen - near == {i for i, created in every.items() if created >= oldest} - near


@shopify_call
def transaction_find(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/transaction#get-orders-order-id-transactions
    order = shopify.Order.find(status="any", limit=1)[0]
    transactions = [t.to_dict() for t in shopify.Transaction.find(order_id=order.id)]
    assert transactions
    for raw in transactions:
        assert not missing(TRANSACTION_KEYS, raw), missing(TRANSACTION_KEYS, raw)
        assert raw["order_id"] == order.id
        assert MONEY.match(raw["amount"])
        assert raw["kind"] in {"authorization", "capture", "sale", "void", "refund"}
        assert raw["status"] in {"pending", "failure", "success", "error"}
        details = raw.get("payment_details")
        if details is not None:  # masked: only the last four digits of the number show
            assert re.fullmatch(r"\D*\d{4}", details["credit_card_number"]), details["credit_card_number"]


@shopify_call
def customer_find(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/customer#get-customers
    customers = [customer.to_dict() for customer in shopify.Customer.find(limit=250)]
    assert customers
    for raw in customers:
        assert not missing(CUSTOMER_KEYS, raw), missing(CUSTOMER_KEYS, raw)
        assert raw["admin_graphql_api_id"] == f"gid://shopify/Customer/{raw['id']}"
        assert raw["state"] in {"disabled", "invited", "enabled", "declined"}
        assert SHOP_TIME.match(raw["created_at"])


@shopify_call
def user_find(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/user#get-users (Shopify Plus, read_users)
    users = [user.to_dict() for user in shopify.User.find()]
    assert users
    for raw in users:
        assert not missing(USER_REST_KEYS, raw), missing(USER_REST_KEYS, raw)
        assert isinstance(raw["permissions"], list)
        assert isinstance(raw["account_owner"], bool)
    assert sum(raw["account_owner"] for raw in users) == 1


@shopify_call
def user_current_offline_token(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/user#get-users-current: "works only when the access
    # token was created for a specific user of the shop" (online access mode). The integration's admin-created
    # token is offline, so no user comes back; which 4xx is not documented.
    with pytest.raises(activeresource.ClientError) as raised:
        shopify.User.current()
    assert 400 <= raised.value.response.code < 500


@shopify_call
def event_find(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/event#get-events
    events = [event.to_dict() for event in shopify.Event.find(limit=50)]
    assert events
    for raw in events:
        assert not missing(EVENT_KEYS, raw), missing(EVENT_KEYS, raw)
        assert isinstance(raw["arguments"], list)
        assert SHOP_TIME.match(raw["created_at"])


@shopify_call
def event_find_filter_verb(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-rest/latest/resources/event#get-events?filter=Product,Order (filter: the
    # subject types; verb: "only events of a certain kind")
    events = [event.to_dict() for event in shopify.Event.find(filter="Order", verb="placed", limit=250)]
    assert events
    assert {(raw["subject_type"], raw["verb"]) for raw in events} == {("Order", "placed")}


@shopify_call
def unknown_access_token(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/usage/response-codes (401: the token is wrong or missing)
    with sh.acting_as(f"shpat_{secrets.token_hex(16)}"), pytest.raises(activeresource.UnauthorizedAccess) as raised:
        shopify.Shop.current()
    body = json.loads(raised.value.response.body)
    assert raised.value.response.code == 401
    assert body == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


ACCESS_SCOPES_QUERY = "{ currentAppInstallation { accessScopes { handle } } }"
SHOP_QUERY = "{ shop { id name email myshopifyDomain currencyCode plan { shopifyPlus } } }"
STAFF_QUERY = """
query Staff($first: Int!) {
  staffMembers(first: $first) { nodes { id email name active isShopOwner accountType } pageInfo { hasNextPage } }
}"""
ORDERS_QUERY = """
query Orders($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    nodes { id note customAttributes { key value } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@shopify_call
def graphql_access_scopes(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/currentAppInstallation (AppInstallation.accessScopes)
    data = assert_graphql_data(sh.graphql(ACCESS_SCOPES_QUERY))
    handles = {scope["handle"] for scope in data["currentAppInstallation"]["accessScopes"]}
    assert handles == {scope.handle for scope in shopify.AccessScope.find()}  # one installation, two APIs


@shopify_call
def graphql_shop(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/shop
    body = sh.graphql(SHOP_QUERY)
    found = assert_graphql_data(body)["shop"]
    rest = shopify.Shop.current().to_dict()
    assert gid("Shop", found["id"]) == rest["id"]
    assert (found["myshopifyDomain"], found["currencyCode"]) == (rest["myshopify_domain"], rest["currency"])
    assert found["plan"]["shopifyPlus"] is (rest["plan_name"] == "shopify_plus")
    # Restore rate by plan: 100 points/s Standard, 200 Advanced, 1000 Plus
    # (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits)
    expected = {1000.0} if found["plan"]["shopifyPlus"] else {100.0, 200.0}
    assert body["extensions"]["cost"]["throttleStatus"]["restoreRate"] in expected


@shopify_call
def graphql_staff_members(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/staffMembers (Plus/Advanced, read_users)
    staff = assert_graphql_data(sh.graphql(STAFF_QUERY, {"first": 50}))["staffMembers"]["nodes"]
    assert staff
    for member in staff:
        gid("StaffMember", member["id"])
    assert sum(member["isShopOwner"] for member in staff) == 1
    assert all(isinstance(member["active"], bool) and "@" in member["email"] for member in staff)
    assert {member["email"] for member in staff} == {user.email for user in shopify.User.find()}


@shopify_call
def graphql_orders_pages(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/admin-graphql/latest/queries/orders and
    # https://shopify.dev/docs/api/usage/pagination-graphql (first/after, pageInfo.endCursor)
    first = assert_graphql_data(sh.graphql(ORDERS_QUERY, {"first": 5, "after": None}))["orders"]
    assert len(first["nodes"]) == 5
    assert first["pageInfo"]["hasNextPage"] is True
    second = assert_graphql_data(sh.graphql(ORDERS_QUERY, {"first": 5, "after": first["pageInfo"]["endCursor"]}))
    ids = [gid("Order", node["id"]) for node in first["nodes"] + second["orders"]["nodes"]]
    assert len(ids) == len(set(ids)) == 10
    # The same order reads the same through REST: note as note, note_attributes as customAttributes.
    node = first["nodes"][0]
    rest = shopify.Order.find(gid("Order", node["id"])).to_dict()
    assert node["note"] == rest["note"]
    assert [(a["key"], a["value"]) for a in node["customAttributes"]] == [
        (a["name"], a["value"]) for a in rest["note_attributes"]
    ]


@shopify_call
def graphql_access_denied(sh: Shopify) -> None:
    # https://shopify.dev/docs/api/usage/access-scopes: a field the token lacks the scope for is null, with a 200
    # and errors[].extensions.code ACCESS_DENIED (vendor-apis.md 1.3)
    with sh.acting_as(sh.running.shopify.issue_token(["read_orders"])):
        body = sh.graphql(STAFF_QUERY, {"first": 10})
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert "ACCESS_DENIED" in codes
    assert body.get("data") is None or body["data"].get("staffMembers") is None
    assert ["staffMembers"] in [error.get("path") for error in body["errors"]]


@pytest.mark.parametrize("call", list(SHOPIFY_CALLS.values()), ids=list(SHOPIFY_CALLS))
def test_shopify_api_call(call: ShopifyCall, shop: Shopify) -> None:
    call(shop)
