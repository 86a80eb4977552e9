"""Pagination helpers, one per style; generators so a stream of pages costs one page of memory."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["next_link", "parse_link_header"]

_LINK = re.compile(r"<\s*([^>]*)\s*>\s*((?:;\s*[^;,]+)*)")
_PARAM = re.compile(r';\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^\s;,"]+))')


def parse_link_header(value: str) -> dict[str, str]:
    """RFC 8288 `Link` header to {rel: url}; a rel may list several names ("next last")."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1).strip(), match.group(2)
        for name, quoted, bare in _PARAM.findall(params):
            if name.lower() == "rel":
                for rel in (quoted or bare).split():
                    links.setdefault(rel.lower(), url)
    return links


def next_link(headers: Any) -> str | None:
    """The rel="next" URL of a Link header (Shopify REST: https://shopify.dev/docs/api/usage/pagination-rest)."""
    return parse_link_header(headers.get("link", "")).get("next")


Page = tuple[Any, Any]  # (parsed JSON body, response headers)


def iter_pages(fetch: Callable[[str | None], Page], next_url: Callable[[Any, Any], str | None]) -> Iterator[Any]:
    """Bodies of successive pages: fetch(None) is the first, fetch(url) each next one until next_url says None."""
    body, headers = fetch(None)
    seen: set[str] = set()
    while True:
        yield body
        url = next_url(body, headers)
        if url is None or url in seen:  # a repeated URL would loop forever (vendor-apis.md 2.9)
            return
        seen.add(url)
        body, headers = fetch(url)
