from __future__ import annotations

import contextlib
import os
import ssl
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vendor_audit import sandbox

pytest_plugins = ["pytester"]

# The suite starts the tool as a process of its own a hundred times and more (audits, load runs, scans). Where the
# environment turns bytecode caching off (PYTHONDONTWRITEBYTECODE, as on this project's CI machine), each of them
# compiled vendor-audit's modules from source again: about 0.5 s of a 3.3 s audit. They cache it, as an installed
# tool's runs do.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


# The session's shared stand-ins serve dozens of audits a minute, which the vendors' real limits (Gorgias: 40
# requests per 20 s for an API key; Zendesk's incremental exports: 10 a minute) would throttle into waits of many
# seconds each (a test reading the leaky tickets once more waited 26 s): their server-side limits are lifted.
# The clients still pace themselves at the limits the sandbox's profile declares, and the rate-limit behaviour is
# tested on stand-ins of their own (`fresh`) with the real limits.
UNTHROTTLED = {
    "zendesk": sandbox.ZendeskLimits(requests_per_minute=10**9, incremental_per_minute=10**9),
    "gorgias": sandbox.GorgiasLimits(api_key_requests=10**9, oauth_requests=10**9),
    "shopify": sandbox.ShopifyLimits(bucket_size=10**9, leak_per_second=10**9),
}


@pytest.fixture(autouse=True, scope="session")
def _pan_screen_compiled() -> None:
    """In-process scans go through the PAN screen, as a large export's do.

    A process reads its first small streams line by line until the screen is compiled (pan.screen._screened); the
    session compiles it first, so that the screen's tests test the screen. tests/test_pan.py tests the other path.
    """
    from vendor_audit.pan import screen

    screen._database()


@pytest.fixture(autouse=True)
def _fresh_account_budgets() -> None:
    """Each test starts with the vendors' full bursts.

    An account's client-side budget is one per process (connectors._pacing.shared_budget), as it must be for one
    audit; across a session's hundreds of in-process audits of the same stand-ins it would pace every later test at
    the vendors' sustained rates (Gorgias: 2 requests/s). Within a test it is still shared.
    """
    from vendor_audit.connectors import _pacing

    with _pacing._BUDGETS_LOCK:
        _pacing._BUDGETS.clear()


@pytest.fixture(scope="session")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox.RunningSandbox]:
    with sandbox.serve(scenario="leaky", workdir=tmp_path_factory.mktemp("leaky"), **UNTHROTTLED) as running:
        yield running


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox.RunningSandbox]:
    with sandbox.serve(scenario="clean", workdir=tmp_path_factory.mktemp("clean"), **UNTHROTTLED) as running:
        yield running


StartSandbox = Callable[..., sandbox.RunningSandbox]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[StartSandbox]:
    """A factory of sandboxes private to one test (rate-limit buckets and faults start empty)."""
    with contextlib.ExitStack() as stack:
        count = iter(range(1000))

        def start(**settings: Any) -> sandbox.RunningSandbox:
            settings.setdefault("write_exports", False)
            return stack.enter_context(sandbox.serve(workdir=tmp_path / f"sandbox{next(count)}", **settings))

        yield start


def trust(running: sandbox.RunningSandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(running.ca_path))


def shopify_client(running: sandbox.RunningSandbox, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=running.url("shopify"),
        verify=trust(running),
        headers={"X-Shopify-Access-Token": token if token is not None else running.shopify.primary_token},
    )


def zendesk_client(running: sandbox.RunningSandbox, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=running.url("zendesk"),
        verify=trust(running),
        headers={"Authorization": f"Bearer {token if token is not None else running.zendesk.primary_token}"},
    )


def gorgias_client(running: sandbox.RunningSandbox, auth: tuple[str, str] | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=running.url("gorgias"),
        verify=trust(running),
        auth=auth or (running.gorgias.api_key_email, running.gorgias.api_key),
    )
