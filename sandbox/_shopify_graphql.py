"""Shopify's GraphQL Admin API for the Shopify stand-in: a subset of the real schema, executed by graphql-core.

Faithful to (shared/reference/vendor-apis.md section 1):
- `POST /admin/api/{version}/graphql.json` with `{"query", "variables", "operationName"}`, the same access-token
  header and 401 body as REST (https://shopify.dev/docs/api/admin-graphql);
- errors are 200s: ACCESS_DENIED with the field (and what holds it, up to `data`) null and `requiredAccess`
  (https://shopify.dev/docs/api/usage/access-scopes), THROTTLED and MAX_COST_EXCEEDED with `extensions.cost`;
- calculated query cost (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): scalars and enums
  0, objects 1, a connection 2 plus its page size times one item's cost, a mutation 10; the requested cost is
  charged before the query runs and the difference to the actual cost refunded after; one query at most 1000;
- cursor connections with `edges { cursor node }`, `nodes` and `pageInfo`, `first`/`after` or `last`/`before`
  up to 250 (https://shopify.dev/docs/api/usage/pagination-graphql);
- orders older than 60 days only with `read_all_orders` (https://shopify.dev/docs/api/usage/access-scopes);
- `StaffMember` has no two-factor field and no last sign-in, only `privateData.createdAt`
  (https://shopify.dev/docs/api/admin-graphql/latest/objects/StaffMember);
- `webhookSubscriptions` lists the app's own shop-scoped subscriptions, no scope needed; `uri` replaced the
  deprecated `endpoint` union and `callbackUrl` in 2025-10 (https://shopify.dev/changelog/consolidate-webhook-graphql-surfaces,
  https://shopify.dev/docs/api/admin-graphql/latest/objects/WebhookSubscription), both still answered; a union
  or interface costs what its most expensive possible type costs.
The schema is a subset: what the audit and the agent workflows read, field names and types as Shopify's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    build_schema,
    execute_sync,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    parse,
    validate,
)

from ._api import decode_cursor, encode_cursor
from ._data import CUSTOMER_ID_BASE, ORDER_ID_BASE
from ._http import Request, Response, json_response
from ._ratelimit import CostBucket, CostDecision

if TYPE_CHECKING:
    from .shopify import ShopifyAPI

# graphql.GraphQLResolveInfo, which graphql-core 3.3 made generic and 3.2 is not: either way the resolvers read
# `context` (an Execution), `return_type` and `field_nodes`.
ResolveInfo = Any

MAX_QUERY_COST = 1000
MAX_PAGE = 250
ORDERS_WINDOW = dt.timedelta(days=60)  # without read_all_orders
MUTATION_COST = 10
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
SCOPES_DOC = "https://shopify.dev/api/usage/access-scopes"

SDL = """
scalar DateTime
scalar UnsignedInt64
scalar URL
scalar ARN

type Query {
  currentAppInstallation: AppInstallation!
  shop: Shop!
  staffMembers(first: Int, after: String, last: Int, before: String): StaffMemberConnection!
  orders(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean): OrderConnection!
  order(id: ID!): Order
  customers(first: Int, after: String, last: Int, before: String, query: String): CustomerConnection!
  customer(id: ID!): Customer
  webhookSubscriptions(
    first: Int, after: String, last: Int, before: String,
    topics: [WebhookSubscriptionTopic!], format: WebhookSubscriptionFormat, uri: String, query: String
  ): WebhookSubscriptionConnection!
}

type Mutation {
  orderUpdate(input: OrderInput!): OrderUpdatePayload
}

input OrderInput {
  id: ID!
  note: String
}

type OrderUpdatePayload {
  order: Order
  userErrors: [UserError!]!
}

type UserError {
  field: [String!]
  message: String!
}

type AppInstallation {
  id: ID!
  accessScopes: [AccessScope!]!
}

type AccessScope {
  handle: String!
  description: String!
}

type Shop {
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  ianaTimezone: String!
  currencyCode: String!
  plan: ShopPlan!
}

type ShopPlan {
  displayName: String!
  publicDisplayName: String!
  partnerDevelopment: Boolean!
  shopifyPlus: Boolean!
}

enum StaffMemberAccountType {
  COLLABORATOR
  COLLABORATOR_TEAM_MEMBER
  INVITED
  INVITED_STORE_OWNER
  REGULAR
  REQUESTED
  RESTRICTED
  SAML
}

type StaffMemberPrivateData {
  accountSettingsUrl: URL!
  createdAt: DateTime!
}

type StaffMember {
  id: ID!
  accountType: StaffMemberAccountType
  active: Boolean!
  email: String!
  exists: Boolean!
  firstName: String
  lastName: String
  initials: [String!]
  isShopOwner: Boolean!
  locale: String!
  name: String!
  phone: String
  privateData: StaffMemberPrivateData!
}

enum WebhookSubscriptionFormat {
  JSON
  XML
}

# A subset of the topics (https://shopify.dev/docs/api/admin-graphql/latest/enums/WebhookSubscriptionTopic).
enum WebhookSubscriptionTopic {
  APP_UNINSTALLED
  CUSTOMERS_CREATE
  CUSTOMERS_UPDATE
  ORDERS_CREATE
  ORDERS_UPDATED
  ORDERS_PAID
}

type WebhookHttpEndpoint { callbackUrl: URL! }
type WebhookEventBridgeEndpoint { arn: ARN! }
type WebhookPubSubEndpoint { pubSubProject: String! pubSubTopic: String! }
union WebhookSubscriptionEndpoint = WebhookEventBridgeEndpoint | WebhookHttpEndpoint | WebhookPubSubEndpoint

type WebhookSubscription {
  id: ID!
  legacyResourceId: UnsignedInt64!
  topic: WebhookSubscriptionTopic!
  uri: String!
  format: WebhookSubscriptionFormat!
  includeFields: [String!]!
  metafieldNamespaces: [String!]!
  filter: String
  createdAt: DateTime!
  updatedAt: DateTime!
  callbackUrl: URL! @deprecated(reason: "Use `uri` instead.")
  endpoint: WebhookSubscriptionEndpoint! @deprecated(reason: "Use `uri` instead.")
}

type Attribute {
  key: String!
  value: String
}

enum OrderDisplayFinancialStatus {
  AUTHORIZED
  EXPIRED
  PAID
  PARTIALLY_PAID
  PARTIALLY_REFUNDED
  PENDING
  REFUNDED
  VOIDED
}

type Order {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  email: String
  note: String
  customAttributes: [Attribute!]!
  createdAt: DateTime!
  updatedAt: DateTime!
  closedAt: DateTime
  cancelledAt: DateTime
  displayFinancialStatus: OrderDisplayFinancialStatus
  customer: Customer
}

type Customer {
  id: ID!
  legacyResourceId: UnsignedInt64!
  email: String
  firstName: String
  lastName: String
  note: String
  createdAt: DateTime!
  updatedAt: DateTime!
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type StaffMemberEdge { cursor: String! node: StaffMember! }
type StaffMemberConnection { edges: [StaffMemberEdge!]! nodes: [StaffMember!]! pageInfo: PageInfo! }
type OrderEdge { cursor: String! node: Order! }
type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }
type CustomerEdge { cursor: String! node: Customer! }
type CustomerConnection { edges: [CustomerEdge!]! nodes: [Customer!]! pageInfo: PageInfo! }
type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
type WebhookSubscriptionConnection {
  edges: [WebhookSubscriptionEdge!]!
  nodes: [WebhookSubscription!]!
  pageInfo: PageInfo!
}
"""

SCHEMA = build_schema(SDL)

SCOPE_DESCRIPTIONS = {
    "read_orders": "Read orders, transactions, and fulfillments",
    "write_orders": "Modify orders, transactions, and fulfillments",
    "read_all_orders": "Read all orders beyond the last 60 days",
    "read_customers": "Read customers",
    "write_customers": "Modify customers",
    "read_users": "Read staff members",
}


@dataclass
class Execution:
    """One request's state: who calls, and the cost the connections did not use (refunded after)."""

    api: ShopifyAPI
    scopes: frozenset[str]
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    unused_cost: int = 0
    notes: list[str] = field(default_factory=list)
    origin: str = ""  # the stand-in's own https://host:port, for URLs that point back at a sandbox listener


def access_denied(field_name: str, scope: str) -> GraphQLError:
    return GraphQLError(
        f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
        extensions={"code": "ACCESS_DENIED", "documentation": SCOPES_DOC, "requiredAccess": f"`{scope}` access scope."},
    )


def _require(execution: Execution, field_name: str, *scopes: str) -> None:
    if not execution.scopes & set(scopes):
        raise access_denied(field_name, scopes[0])


# -- cost -----------------------------------------------------------------------------------------------------------


def selection_cost(parent: GraphQLObjectType, selections: SelectionSetNode | None, execution: Execution) -> int:
    """The requested cost of a selection set on `parent`: objects 1, leaves 0, connections by their page size."""
    if selections is None:
        return 0
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            definition = parent.fields.get(selection.name.value)
            if definition is None:  # __typename, or a field validation already refused
                continue
            named = get_named_type(definition.type)
            if is_abstract_type(named):  # a union or interface: its most expensive possible object
                possible = SCHEMA.get_possible_types(named)
                total += max((1 + selection_cost(t, selection.selection_set, execution) for t in possible), default=1)
                continue
            if is_leaf_type(named) or not isinstance(named, GraphQLObjectType):
                continue
            if named.name.endswith("Connection"):
                size = page_size(selection, execution.variables)
                total += 2 + size * connection_item_cost(named, selection.selection_set, execution)
            else:
                total += 1 + selection_cost(named, selection.selection_set, execution)
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(parent, selection.selection_set, execution)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = execution.fragments.get(selection.name.value)
            if fragment is not None:
                total += selection_cost(parent, fragment.selection_set, execution)
    return total


def page_size(selection: FieldNode, variables: dict[str, Any]) -> int:
    """A connection's `first` or `last`, literal or a variable's value (0 when neither is an integer).

    Read from the document, not with graphql-core's argument coercion, whose signature changed in 3.3.
    """
    for argument in selection.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        found = variables.get(value.name.value) if isinstance(value, VariableNode) else None
        if isinstance(value, IntValueNode):
            found = int(value.value)
        if isinstance(found, int) and not isinstance(found, bool) and found > 0:
            return found
    return 0


def connection_item_cost(
    connection: GraphQLObjectType, selections: SelectionSetNode | None, execution: Execution
) -> int:
    """What one item of a connection costs: its node (through `edges { node }` or `nodes`), the larger of the two."""
    node_type = get_named_type(connection.fields["nodes"].type)
    assert isinstance(node_type, GraphQLObjectType)  # noqa: S101 - the SDL says so
    costs = [0]
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode) and selection.name.value == "nodes":
            costs.append(1 + selection_cost(node_type, selection.selection_set, execution))
        elif isinstance(selection, FieldNode) and selection.name.value == "edges":
            for inner in selection.selection_set.selections if selection.selection_set else ():
                if isinstance(inner, FieldNode) and inner.name.value == "node":
                    costs.append(1 + selection_cost(node_type, inner.selection_set, execution))
    return max(costs)


# -- connections ----------------------------------------------------------------------------------------------------


def connection(
    info: ResolveInfo,
    indexes: Iterable[int],
    render: Callable[[int], dict[str, Any]],
    arguments: dict[str, Any],
) -> dict[str, Any]:
    """One page of a cursor connection over `indexes` (ascending), as Shopify pages them."""
    execution: Execution = info.context
    first, last = arguments.get("first"), arguments.get("last")
    if (first is None) == (last is None):
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    size = first if first is not None else last
    assert size is not None  # noqa: S101 - narrowed above
    if not 0 <= size <= MAX_PAGE:
        raise GraphQLError(
            f"The value of the argument `{'first' if first is not None else 'last'}` must be between 0 and {MAX_PAGE}",
            extensions={"code": "BAD_REQUEST"},
        )
    ordered = list(indexes)
    if arguments.get("reverse"):
        ordered.reverse()
    start, stop = 0, len(ordered)
    for name in ("after", "before"):
        if arguments.get(name) is None:
            continue
        state = decode_cursor(arguments[name])
        at = state.get("last_id") if state else None
        if not isinstance(at, int) or at not in ordered:
            raise GraphQLError(f"Invalid cursor for {name}", extensions={"code": "BAD_REQUEST"})
        if name == "after":
            start = ordered.index(at) + 1
        else:
            stop = ordered.index(at)
    window = ordered[start:stop]
    page = window[:size] if first is not None else window[max(0, len(window) - size) :]
    node_type = get_named_type(info.return_type)
    assert isinstance(node_type, GraphQLObjectType)  # noqa: S101 - a connection
    execution.unused_cost += (size - len(page)) * connection_item_cost(
        node_type, info.field_nodes[0].selection_set, execution
    )
    nodes = [render(index) for index in page]
    cursors = [encode_cursor({"last_id": index}) for index in page]
    first_at = start + (window.index(page[0]) if page else 0)
    last_at = start + (window.index(page[-1]) if page else -1)
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": bool(page) and last_at + 1 < len(ordered),
            "hasPreviousPage": bool(page) and first_at > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


# -- search syntax: https://shopify.dev/docs/api/usage/search-syntax ------------------------------------------------

_TERM = re.compile(r"(?P<field>created_at|updated_at):(?P<op><=|>=|<|>)?(?P<value>'[^']*'|\"[^\"]*\"|\S+)")


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip("'\""))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def time_filter(query: str | None) -> Callable[[dict[str, dt.datetime]], bool]:
    """A predicate over {"created_at": ..., "updated_at": ...} for the date terms of a search query.

    Other terms are not filtered on here (the audit sends none); they are never an error, as on Shopify.
    """
    terms = []
    for found in _TERM.finditer(query or ""):
        moment = _moment(found["value"])
        if moment is not None:
            terms.append((found["field"], found["op"] or "=", moment))

    def keep(times: dict[str, dt.datetime]) -> bool:
        for name, op, moment in terms:
            value = times[name]
            if not {
                "<": value < moment,
                "<=": value <= moment,
                ">": value > moment,
                ">=": value >= moment,
                "=": value.date() == moment.date(),
            }[op]:
                return False
        return True

    return keep


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- resolvers ------------------------------------------------------------------------------------------------------


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _id_of(gid: str, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    if not gid.startswith(prefix) or not gid[len(prefix) :].isdigit():
        return None
    return int(gid[len(prefix) :])


def order_node(api: ShopifyAPI, index: int) -> dict[str, Any]:
    rest = api.order_json(index)
    customer = rest["customer"]
    return {
        "id": _gid("Order", rest["id"]),
        "legacyResourceId": str(rest["id"]),
        "name": rest["name"],
        "email": rest["email"],
        "note": rest["note"],
        "customAttributes": [{"key": a["name"], "value": a["value"]} for a in rest["note_attributes"]],
        "createdAt": utc(dt.datetime.fromisoformat(rest["created_at"])),
        "updatedAt": utc(dt.datetime.fromisoformat(rest["updated_at"])),
        "closedAt": rest["closed_at"] and utc(dt.datetime.fromisoformat(rest["closed_at"])),
        "cancelledAt": rest["cancelled_at"] and utc(dt.datetime.fromisoformat(rest["cancelled_at"])),
        "displayFinancialStatus": rest["financial_status"].upper(),
        "customer": {
            "id": _gid("Customer", customer["id"]),
            "legacyResourceId": str(customer["id"]),
            "email": customer["email"],
            "firstName": customer["first_name"],
            "lastName": customer["last_name"],
            "note": None,
            "createdAt": utc(dt.datetime.fromisoformat(rest["created_at"])),
            "updatedAt": utc(dt.datetime.fromisoformat(rest["updated_at"])),
        },
    }


def customer_node(api: ShopifyAPI, index: int) -> dict[str, Any]:
    rest = api.customer_json(index)
    return {
        "id": _gid("Customer", rest["id"]),
        "legacyResourceId": str(rest["id"]),
        "email": rest["email"],
        "firstName": rest["first_name"],
        "lastName": rest["last_name"],
        "note": rest["note"],
        "createdAt": utc(dt.datetime.fromisoformat(rest["created_at"])),
        "updatedAt": utc(dt.datetime.fromisoformat(rest["updated_at"])),
    }


def staff_node(api: ShopifyAPI, index: int) -> dict[str, Any]:
    staff = api.world.shopify_staff()[index]
    first, _, last = staff.name.partition(" ")
    return {
        "id": _gid("StaffMember", 90_000 + staff.id),
        "accountType": "REGULAR",
        "active": staff.active,
        "email": staff.email,
        "exists": True,
        "firstName": first,
        "lastName": last,
        "initials": [first[:1], last[:1]],
        "isShopOwner": staff.role == "owner",
        "locale": "en",
        "name": staff.name,
        "phone": None,
        "privateData": {
            "accountSettingsUrl": f"https://admin.shopify.com/store/sandbox-brand/settings/account/{90_000 + staff.id}",
            "createdAt": utc(api.staff_created(staff)),
        },
    }


def webhook_node(api: ShopifyAPI, index: int, origin: str) -> dict[str, Any]:
    """A WebhookSubscription, from the REST webhook the stand-in serves (the same id, address and topic)."""
    rest = api.webhook_json(index, origin)
    node: dict[str, Any] = {
        "id": _gid("WebhookSubscription", rest["id"]),
        "legacyResourceId": str(rest["id"]),
        "topic": rest["topic"].upper().replace("/", "_"),
        "uri": rest["address"],
        "format": rest["format"].upper(),
        "includeFields": rest["fields"],
        "metafieldNamespaces": rest["metafield_namespaces"],
        "filter": None,
        "createdAt": utc(dt.datetime.fromisoformat(rest["created_at"])),
        "updatedAt": utc(dt.datetime.fromisoformat(rest["updated_at"])),
        "callbackUrl": rest["address"],
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": rest["address"]},
    }
    return node


def visible_orders(api: ShopifyAPI, scopes: frozenset[str]) -> list[int]:
    """The orders a token may read: the last 60 days of them without read_all_orders."""
    return [i for i in range(1, api.world.size + 1) if api.order_visible(i, scopes)]


def _order_times(api: ShopifyAPI, index: int) -> dict[str, dt.datetime]:
    created = api.order_created(index)
    return {"created_at": created, "updated_at": created + dt.timedelta(hours=5)}


def resolve_installation(_: Any, info: ResolveInfo) -> dict[str, Any]:
    execution: Execution = info.context
    handles = sorted(execution.scopes)
    return {
        "id": _gid("AppInstallation", 1_204_000_001),
        "accessScopes": [{"handle": h, "description": SCOPE_DESCRIPTIONS.get(h, h)} for h in handles],
    }


def resolve_shop(_: Any, info: ResolveInfo) -> dict[str, Any]:
    execution: Execution = info.context
    shop = execution.api.shop_json()
    plus = shop["plan_name"] == "shopify_plus"
    return {
        "id": _gid("Shop", shop["id"]),
        "name": shop["name"],
        "email": shop["email"],
        "myshopifyDomain": shop["myshopify_domain"],
        "ianaTimezone": shop["iana_timezone"],
        "currencyCode": shop["currency"],
        "plan": {
            "displayName": shop["plan_display_name"],
            "publicDisplayName": shop["plan_display_name"],
            # https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopPlan: "a partner development shop for
            # testing purposes"; the stand-in's own flag, as REST's plan_name for such a store is undocumented.
            "partnerDevelopment": bool(execution.api.partner_development),
            "shopifyPlus": plus,
        },
    }


def resolve_staff(_: Any, info: ResolveInfo, **arguments: Any) -> dict[str, Any]:
    execution: Execution = info.context
    _require(execution, "staffMembers", "read_users")
    if execution.api.shop_json()["plan_name"] != "shopify_plus":  # Plus and Advanced stores only
        raise access_denied("staffMembers", "read_users")
    count = len(execution.api.world.shopify_staff())
    return connection(info, range(count), lambda i: staff_node(execution.api, i), arguments)


def resolve_orders(_: Any, info: ResolveInfo, **arguments: Any) -> dict[str, Any]:
    execution: Execution = info.context
    _require(execution, "orders", "read_orders", "write_orders")
    keep = time_filter(arguments.get("query"))
    indexes = [i for i in visible_orders(execution.api, execution.scopes) if keep(_order_times(execution.api, i))]
    return connection(info, indexes, lambda i: order_node(execution.api, i), arguments)


def resolve_order(_: Any, info: ResolveInfo, id: str) -> dict[str, Any] | None:
    execution: Execution = info.context
    _require(execution, "order", "read_orders", "write_orders")
    number = _id_of(id, "Order")
    index = None if number is None else number - ORDER_ID_BASE
    if index is None or index not in visible_orders(execution.api, execution.scopes):
        return None
    return order_node(execution.api, index)


def resolve_customers(_: Any, info: ResolveInfo, **arguments: Any) -> dict[str, Any]:
    execution: Execution = info.context
    _require(execution, "customers", "read_customers", "write_customers")
    indexes = range(1, execution.api.world.customer_count + 1)
    return connection(info, indexes, lambda i: customer_node(execution.api, i), arguments)


def resolve_customer(_: Any, info: ResolveInfo, id: str) -> dict[str, Any] | None:
    execution: Execution = info.context
    _require(execution, "customer", "read_customers", "write_customers")
    number = _id_of(id, "Customer")
    index = None if number is None else number - CUSTOMER_ID_BASE
    if index is None or not 1 <= index <= execution.api.world.customer_count:
        return None
    return customer_node(execution.api, index)


def resolve_webhooks(_: Any, info: ResolveInfo, **arguments: Any) -> dict[str, Any]:
    """The app's own subscriptions: no access scope is needed to list them."""
    execution: Execution = info.context
    api = execution.api
    nodes = {i: webhook_node(api, i, execution.origin) for i in api.webhook_indexes()}
    topics, fmt, uri = arguments.get("topics"), arguments.get("format"), arguments.get("uri")
    kept = [
        i
        for i, node in nodes.items()
        if (not topics or node["topic"] in topics)
        and (fmt is None or node["format"] == fmt)
        and (uri is None or node["uri"] == uri)
    ]
    return connection(info, kept, nodes.__getitem__, arguments)


def resolve_order_update(_: Any, info: ResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    execution: Execution = info.context
    _require(execution, "orderUpdate", "write_orders")
    number = _id_of(str(input.get("id")), "Order")
    index = None if number is None else number - ORDER_ID_BASE
    if index is None or not 1 <= index <= execution.api.world.size:
        return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
    if input.get("note") is not None:
        execution.api.notes[ORDER_ID_BASE + index] = input["note"]
    return {"order": order_node(execution.api, index), "userErrors": []}


_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "currentAppInstallation"): resolve_installation,
    ("Query", "shop"): resolve_shop,
    ("Query", "staffMembers"): resolve_staff,
    ("Query", "orders"): resolve_orders,
    ("Query", "order"): resolve_order,
    ("Query", "customers"): resolve_customers,
    ("Query", "customer"): resolve_customer,
    ("Query", "webhookSubscriptions"): resolve_webhooks,
    ("Mutation", "orderUpdate"): resolve_order_update,
}
for (_type_name, _field_name), _resolve in _RESOLVERS.items():
    _type = SCHEMA.get_type(_type_name)
    assert isinstance(_type, GraphQLObjectType)  # noqa: S101 - the SDL defines both
    _type.fields[_field_name].resolve = _resolve


# -- the endpoint ---------------------------------------------------------------------------------------------------


def _cost_extension(requested: int, actual: int | None, decision: CostDecision) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(decision.maximum_available),
                "currentlyAvailable": int(decision.currently_available),
                "restoreRate": float(decision.restore_rate),
            },
        }
    }


def _errors(*messages: Mapping[str, Any], extensions: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"errors": list(messages)}
    if extensions is not None:
        body["extensions"] = extensions
    return json_response(200, body)


def handle(api: ShopifyAPI, request: Request, scopes: frozenset[str], bucket: CostBucket) -> Response:
    """One POST to graphql.json: parse, validate, charge the requested cost, execute, refund the unused part."""
    try:
        body = request.json()
    except ValueError:
        body = None
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return json_response(400, {"errors": {"query": "Required parameter missing or invalid"}})
    variables = body.get("variables") if isinstance(body, dict) else None
    operation_name = body.get("operationName") if isinstance(body, dict) else None
    try:
        document = parse(query)
    except GraphQLError as exc:
        return _errors(exc.formatted)
    problems = validate(SCHEMA, document)
    if problems:
        return _errors(*(p.formatted for p in problems))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return _errors({"message": "An operation name is required", "extensions": {"code": "BAD_REQUEST"}})
    operation = chosen[0]
    api.graphql_operations.append(operation.operation.value)  # "query", "mutation": counted at the server
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    execution = Execution(
        api, scopes, fragments, variables if isinstance(variables, dict) else {}, origin=request.scheme_host
    )
    mutation = operation.operation is OperationType.MUTATION
    root = SCHEMA.mutation_type if mutation else SCHEMA.query_type
    assert root is not None  # noqa: S101 - the SDL has both
    try:
        requested = selection_cost(root, operation.selection_set, execution) + (MUTATION_COST if mutation else 0)
    except GraphQLError as exc:  # a variable of the wrong type
        return _errors(exc.formatted)
    if requested > MAX_QUERY_COST:
        return _errors(
            {
                "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({MAX_QUERY_COST}).",
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_QUERY_COST,
                    "documentation": RATE_LIMITS_DOC,
                },
            }
        )
    decision = bucket.take(requested)
    if not decision.allowed:
        api.graphql_throttled += 1
        return _errors(
            {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}},
            extensions=_cost_extension(requested, None, decision),
        )
    result = execute_sync(
        SCHEMA, document, context_value=execution, variable_values=execution.variables, operation_name=operation_name
    )
    actual = max(0, requested - execution.unused_cost)
    decision = bucket.refund(requested - actual)
    out: dict[str, Any] = {}
    if result.errors:
        out["errors"] = [error.formatted for error in result.errors]
    out["data"] = result.data
    out["extensions"] = _cost_extension(requested, actual, decision)
    return json_response(200, out)
