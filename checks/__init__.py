"""The audit's checks: one small vendor-neutral file each, declared with `@check`, recorded through `Audit`.

    @check(id="credential_scopes_least_privilege", title="...", severity=Severity.HIGH,
           controls=("pci_dss_4.0:7.2.5",), remediation="...")
    def test_credential_scopes_least_privilege(snapshots, profile, audit): ...

A check that could not look records `error` or `manual`, never `pass`; one that records nothing
and did not call `audit.not_applicable` becomes an `error`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, TypeVar

import pytest

from vendor_audit.catalogs import Catalog, catalogs
from vendor_audit.engine import Hit, PayloadScan, ProbedEndpoint
from vendor_audit.findings import CheckSpec, Severity, Status
from vendor_audit.recorder import FINDING_PROPERTY, Audit

__all__ = [
    "FINDING_PROPERTY",
    "REGISTRY",
    "RUN_WIDE",
    "Audit",
    "Catalog",
    "CheckSpec",
    "Hit",
    "PayloadScan",
    "ProbedEndpoint",
    "Severity",
    "Status",
    "Where",
    "catalogs",
    "check",
]

F = TypeVar("F", bound=Callable[..., Any])


class Where(TypedDict):
    """The vendor and resource a finding is about: `audit.fail(**at, ...)`."""

    vendor: str
    resource: str


REGISTRY: dict[str, CheckSpec] = {}
# Checks about the run rather than each vendor (exports, evidence files): the engine does not expect a finding
# for every vendor from them.
RUN_WIDE: set[str] = set()


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    controls: tuple[str, ...],
    remediation: str,
    per_vendor: bool = True,
) -> Callable[[F], F]:
    """Declare a check; refuses a duplicate id and marks the test for the plugin.

    `per_vendor=False` for a check about the run as a whole; otherwise the engine expects a finding (pass,
    fail, manual, not_applicable...) for every vendor of the profile and records an `error` for one left out.
    """
    spec = CheckSpec(id=id, title=title, severity=severity, controls=controls, remediation=remediation)
    if id in REGISTRY and REGISTRY[id] != spec:
        raise ValueError(f"check id {id!r} is declared twice")
    REGISTRY[id] = spec
    if not per_vendor:
        RUN_WIDE.add(id)

    def mark(function: F) -> F:
        marked: F = pytest.mark.audit_check(spec)(function)
        return marked

    return mark
