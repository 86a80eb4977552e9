"""The audit's checks: one small vendor-neutral file each, declared with `@check`, recorded through `Audit`.

    @check(id="credential_scopes_least_privilege", title="...", severity=Severity.HIGH,
           controls=("pci_dss_4.0:7.2.5",), remediation="...")
    def test_credential_scopes_least_privilege(snapshots, profile, audit): ...

A check that could not look records `error` or `manual`, never `pass`; one that records nothing
and did not call `audit.not_applicable` becomes an `error`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypedDict, TypeVar

import pytest

from vendor_audit.findings import CheckSpec, Finding, Severity, Status
from vendor_audit.profile import Waiver
from vendor_audit.redact import mask_pans

__all__ = ["REGISTRY", "Audit", "Catalog", "CheckSpec", "Severity", "Status", "Where", "catalogs", "check"]

F = TypeVar("F", bound=Callable[..., Any])


class Where(TypedDict):
    """The vendor and resource a finding is about: `audit.fail(**at, ...)`."""

    vendor: str
    resource: str


REGISTRY: dict[str, CheckSpec] = {}
FINDING_PROPERTY = "vendor_audit_finding"


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    controls: tuple[str, ...],
    remediation: str,
) -> Callable[[F], F]:
    """Declare a check; refuses a duplicate id and marks the test for the plugin."""
    spec = CheckSpec(id=id, title=title, severity=severity, controls=controls, remediation=remediation)
    if id in REGISTRY and REGISTRY[id] != spec:
        raise ValueError(f"check id {id!r} is declared twice")
    REGISTRY[id] = spec

    def mark(function: F) -> F:
        marked: F = pytest.mark.audit_check(spec)(function)
        return marked

    return mark


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Catalog:
    key: str
    name: str
    version: str
    requirements: tuple[Requirement, ...]
    raw: Mapping[str, Any]


@cache
def catalogs() -> tuple[Catalog, ...]:
    found = []
    for entry in sorted(resources.files(__package__).joinpath("frameworks").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            raw = json.loads(entry.read_text(encoding="utf-8"))
            requirements = tuple(Requirement(r["id"], r["title"]) for r in raw["requirements"])
            found.append(Catalog(raw["key"], raw["name"], raw["version"], requirements, raw))
    return tuple(found)


class Audit:
    """Records the findings of one check; every message and evidence value is masked on the way in."""

    def __init__(
        self, spec: CheckSpec, sink: list[tuple[str, object]], waivers: tuple[Waiver, ...], today: dt.date
    ) -> None:
        self.spec = spec
        self._sink = sink
        self._waivers = waivers
        self._today = today
        self.findings: list[Finding] = []
        self.declared_not_applicable = False

    def _add(
        self,
        status: Status,
        vendor: str,
        resource: str,
        message: str,
        evidence: Mapping[str, Any] | None,
        severity: Severity | None,
    ) -> Finding:
        waiver = None
        if status is Status.FAIL:
            waiver = next(
                (
                    w
                    for w in self._waivers
                    if w.check == self.spec.id
                    and w.expires >= self._today
                    and fnmatch.fnmatchcase(f"{vendor}/{resource}", w.resource)
                ),
                None,
            )
        finding = Finding(
            check_id=self.spec.id,
            status=Status.WAIVED if waiver else status,
            severity=severity or self.spec.severity,
            vendor=vendor,
            resource=resource,
            message=mask_pans(message),
            controls=self.spec.controls,
            evidence=_masked(dict(evidence or {})),
            remediation=self.spec.remediation,
            waiver={"reason": waiver.reason, "owner": waiver.owner, "expires": waiver.expires.isoformat()}
            if waiver
            else None,
        )
        self.findings.append(finding)
        self._sink.append((FINDING_PROPERTY, finding.as_json()))
        return finding

    def record(
        self,
        *,
        vendor: str,
        resource: str,
        passed: bool,
        message: str,
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return self._add(Status.PASS if passed else Status.FAIL, vendor, resource, message, evidence, severity)

    def passed(self, *, vendor: str, resource: str, message: str, evidence: Mapping[str, Any] | None = None) -> Finding:
        return self._add(Status.PASS, vendor, resource, message, evidence, None)

    def fail(
        self,
        *,
        vendor: str,
        resource: str,
        message: str,
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return self._add(Status.FAIL, vendor, resource, message, evidence, severity)

    def error(self, *, vendor: str, resource: str, message: str, evidence: Mapping[str, Any] | None = None) -> Finding:
        return self._add(Status.ERROR, vendor, resource, message, evidence, None)

    def manual(self, *, vendor: str, resource: str, message: str, evidence: Mapping[str, Any] | None = None) -> Finding:
        return self._add(Status.MANUAL, vendor, resource, message, evidence, None)

    def not_applicable(self, *, vendor: str = "-", resource: str = "-", message: str) -> Finding:
        self.declared_not_applicable = True
        return self._add(Status.NOT_APPLICABLE, vendor, resource, message, None, None)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pans(value)
    if isinstance(value, Mapping):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_masked(v) for v in items]
    return value
