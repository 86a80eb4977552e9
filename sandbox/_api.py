"""Pieces every stand-in shares: routing, opaque cursors, auth header parsing, index scans."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ._http import Request, Response

RouteHandler = Callable[..., Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: RouteHandler
    scopes: frozenset[str]  # any one of them grants access; empty means any valid credential


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: RouteHandler, scopes: tuple[str, ...] = ()) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self.routes.append(Route(method, regex, handler, frozenset(scopes)))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | bool | None:
        """The route and its path parameters; False when the path exists for another method."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                path_known = True
        return False if path_known else None


def encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any] | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return state if isinstance(state, dict) else None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(user, password) of a Basic Authorization header."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def new_token(prefix: str = "", nbytes: int = 24) -> str:
    return prefix + secrets.token_hex(nbytes)


def scan(start: int, stop: int, step: int, keep: Callable[[int], bool], limit: int) -> Iterator[int]:
    """Up to `limit` indexes from start towards stop (exclusive) for which keep() holds."""
    taken = 0
    index = start
    while taken < limit and (index < stop if step > 0 else index > stop):
        if keep(index):
            taken += 1
            yield index
        index += step


def url_with(request: Request, params: list[tuple[str, str]]) -> str:
    return f"{request.scheme_host}{request.path}?{urlencode(params)}"


def int_arg(request: Request, name: str, default: int) -> int | None:
    """An integer query parameter, or None when it is present but not an integer."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None
