"""The `Audit` recorder a check writes its findings through: masked on the way in, waivers applied."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

from vendor_audit.findings import CheckSpec, Finding, Severity, Status
from vendor_audit.profile import Waiver
from vendor_audit.redact import mask_pans

__all__ = ["FINDING_PROPERTY", "Audit"]

FINDING_PROPERTY = "vendor_audit_finding"  # pytest user_properties key: the findings also reach a --junitxml


class Audit:
    """Records the findings of one check; every message and evidence value is redacted on the way in."""

    def __init__(
        self,
        spec: CheckSpec,
        sink: list[tuple[str, object]] | None,
        waivers: tuple[Waiver, ...],
        today: dt.date,
        redact: Callable[[str], str] = mask_pans,
    ) -> None:
        self.spec = spec
        self._redact = redact  # the run's redactor: its secrets removed, PANs masked
        self._sink = sink
        self._waivers = waivers
        self._today = today
        self.findings: list[Finding] = []
        self.not_applicable_to: set[str] = set()  # vendors the check itself declared it does not apply to ("-": all)

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
            resource=self._redact(resource),  # resource ids come from the vendor
            message=self._redact(message),
            controls=self.spec.controls,
            evidence=_masked(dict(evidence or {}), self._redact),
            remediation=self.spec.remediation,
            waiver={"reason": waiver.reason, "owner": waiver.owner, "expires": waiver.expires.isoformat()}
            if waiver
            else None,
        )
        self.findings.append(finding)
        if self._sink is not None:
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
        self.not_applicable_to.add(vendor)
        return self._add(Status.NOT_APPLICABLE, vendor, resource, message, None, None)


def _masked(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool):
        shown = redact(str(value))  # a card number given as a number
        return value if shown == str(value) else shown
    if isinstance(value, Mapping):
        return {redact(str(k)): _masked(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_masked(v, redact) for v in items]
    return value
