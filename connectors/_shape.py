"""Defensive reading of vendor JSON: every translate path asks for the shape it needs through these.

A vendor (or a proxy, or an API version nobody announced) can answer 200 with a bare array where an
envelope was documented, `null` where a list belongs, a string for an object, records without ids.
Each helper either returns the value in the type the connector expects or raises `UnexpectedShape`
with one line naming the vendor, the endpoint, what was expected and what was found, so the vendor's
snapshot carries a CollectionError and the checks that needed it report `error`, never `pass`.

    where = f"{vendor}: GET /api/v2/users.json"
    for raw in records(body, "users", where):        # {"users": [{...}, ...]}
        uid = record_id(raw, where)                   # "17", or UnexpectedShape
        name = field_str(raw, "name", where)          # "" when absent or null
    ids = MissingIds()                                # payload streams: an id-less record is still
    resource = f"tickets/{ids(ticket, where)}"        # scanned, as tickets/?; ids.raise_if_any() at the end

Messages describe values by type only ("found a JSON array", "found a string"), never by content:
a hostile body could hold anything, a credential included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vendor_audit.progress import tally

from ._errors import UnexpectedShape

__all__ = [
    "MISSING_ID",
    "MissingIds",
    "describe",
    "expect_list",
    "expect_object",
    "field_list",
    "field_object",
    "field_str",
    "flag",
    "list_in",
    "next_page",
    "objects",
    "optional_id",
    "record_id",
    "records",
    "unexpected",
]

MISSING_ID = "?"  # the resource segment of a record that came without an id: its text is still scanned


def describe(value: Any) -> str:
    """A JSON value's kind, for messages: 'a JSON array', 'null', 'a string'... never its content."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def unexpected(where: str, expected: str, found: str) -> UnexpectedShape:
    return UnexpectedShape(f"{where}: expected {expected}, found {found}")


def expect_object(value: Any, where: str, expected: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise unexpected(where, expected, describe(value))
    return value


def expect_list(value: Any, where: str, expected: str = "a list") -> list[Any]:
    if not isinstance(value, list):
        raise unexpected(where, expected, describe(value))
    return value


def list_in(body: Any, key: str, where: str) -> list[Any]:
    """body[key] of an envelope such as {"users": [...]}; a missing key is a shape error, not an empty list."""
    expected = f"an object with a '{key}' list"
    envelope = expect_object(body, where, expected)
    if key not in envelope:
        raise unexpected(where, expected, f"an object without '{key}'")
    return expect_list(envelope[key], where, expected)


def records(body: Any, key: str, where: str) -> Iterator[dict[str, Any]]:
    """The objects of body[key]; an item that is not an object is a shape error.

    Each one counts as a record read in the run's progress (vendor_audit.progress).
    """
    found = list_in(body, key, where)
    tally(records=len(found))
    return objects(found, where, f"'{key}'")


def objects(items: list[Any], where: str, what: str = "the array") -> Iterator[dict[str, Any]]:
    """The items of a list, each of which must be an object."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise unexpected(where, f"{what} to hold objects", f"{describe(item)} at [{i}]")
        yield item


def record_id(record: dict[str, Any], where: str, key: str = "id") -> str:
    """A record's id as text (vendors use integers or strings); missing or of another type, a shape error."""
    found = optional_id(record, where, key)
    if found is None:
        raise unexpected(where, f"every record to have an '{key}' (a number or a string)", f"a record without '{key}'")
    return found


def optional_id(record: dict[str, Any], where: str, key: str = "id") -> str | None:
    """An id that may be absent (None then); present but neither a number nor text, a shape error."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    # Ids become resource names in every report: no control characters, no megabyte-long names.
    if isinstance(value, str) and value and len(value) <= _ID_LIMIT and value.isprintable():
        return value
    found = describe(value) if not isinstance(value, str) else "an empty, overlong or unprintable string"
    raise unexpected(where, f"'{key}' to be a number or a string", found)


_ID_LIMIT = 200


class MissingIds:
    """Ids of payload records, where a missing one must not lose the record's text.

    A record without an id is still scanned, named MISSING_ID ("tickets/16/comments/?"); where the
    vendor does not document id-less records, `raise_if_any()` (called once the whole stream was
    read, so nothing after it goes unscanned) then reports them as one UnexpectedShape.
    """

    def __init__(self) -> None:
        self.undocumented: dict[str, int] = {}

    def __call__(self, record: dict[str, Any], where: str, *, key: str = "id", documented: bool = False) -> str:
        """The record's id, or MISSING_ID (counted unless `documented`: the vendor says ids may be absent)."""
        try:
            found = optional_id(record, where, key)
        except UnexpectedShape:  # an id of another type names nothing either; the text is still scanned
            found, documented = None, False
        if found is not None:
            return found
        if not documented:
            self.undocumented[f"{where} ('{key}')"] = self.undocumented.get(f"{where} ('{key}')", 0) + 1
        return MISSING_ID

    def raise_if_any(self) -> None:
        if self.undocumented:
            where, count = next(iter(self.undocumented.items()))
            others = sum(self.undocumented.values()) - count
            raise unexpected(
                where,
                "every record to have its id",
                f"{count} record(s) without one (their text was scanned, named '{MISSING_ID}')"
                + (f", and {others} more elsewhere" if others else ""),
            )


def field_str(record: dict[str, Any], key: str, where: str) -> str:
    """A text field; absent or null is "", a number or boolean its text, an object or list a shape error."""
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return str(value)
    raise unexpected(where, f"'{key}' to be text", describe(value))


def field_object(record: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """A nested object; absent or null is {}, anything else but an object a shape error."""
    value = record.get(key)
    if value is None:
        return {}
    return expect_object(value, where, f"'{key}' to be an object")


def field_list(record: dict[str, Any], key: str, where: str) -> list[Any]:
    """A nested list; absent or null is [], anything else but a list a shape error."""
    value = record.get(key)
    if value is None:
        return []
    return expect_list(value, where, f"'{key}' to be a list")


def next_page(value: Any, where: str, what: str = "a next-page link") -> str | None:
    """A next-page link or cursor from a body: text, or null / "" at the end of the listing.

    Where a link may lead is Session.follow's business: it refuses any origin but base_url's.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise unexpected(where, f"{what} as text or null", describe(value))
    return value


def flag(record: dict[str, Any], key: str, where: str) -> bool:
    """A boolean that steers pagination (has_more, end_of_stream); absent or null is False."""
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise unexpected(where, f"'{key}' to be true or false", describe(value))
    return value
