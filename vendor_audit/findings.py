"""Findings, check metadata and the audit run: the contract between checks and reports.

Unknown is not compliant: a check that could not look records `error` or `manual`, never `pass`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "AuditRun",
    "CheckSpec",
    "EvidenceFile",
    "ExpiredWaiver",
    "Finding",
    "LoadAttachment",
    "RunState",
    "Severity",
    "Status",
    "VendorRef",
    "exit_code",
    "with_uids",
]

JSONValue = Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"
    MANUAL = "manual"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
_CONTROL = re.compile(r"^[a-z0-9_.]+:[A-Za-z0-9_.()-]+$")


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A check's metadata, declared next to its code (prowler's metadata rules, in code)."""

    id: str
    title: str
    severity: Severity
    controls: tuple[str, ...]
    remediation: str

    def __post_init__(self) -> None:
        problems = []
        if not _ID.match(self.id):
            problems.append(f"id {self.id!r} must be snake_case <resource>_<desired_state>")
        if not self.title or len(self.title) > 150:
            problems.append("title must be 1-150 characters")
        if re.match(r"(?i)(ensure|check|verify)\b", self.title):
            problems.append("title states the compliant condition; it does not open with Ensure/Check/Verify")
        if not self.remediation.strip():
            problems.append("remediation is required")
        if not self.controls:
            problems.append("at least one control (framework:id) is required")
        problems += [f"control {c!r} is not framework:id" for c in self.controls if not _CONTROL.match(c)]
        if problems:
            raise ValueError(f"check {self.id}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    check_id: str
    status: Status
    severity: Severity
    vendor: str
    resource: str
    message: str
    controls: tuple[str, ...]
    evidence: Mapping[str, JSONValue] = field(default_factory=dict)  # redacted: masked PANs, no secrets
    remediation: str = ""
    waiver: Mapping[str, str] | None = None
    # Stable across runs of the same state (SARIF fingerprints, OCSF finding_info.uid, OSCAL finding uuids, drift in
    # other tools): see `with_uids`. Empty until the run that holds the finding is assembled.
    uid: str = ""

    def as_json(self) -> dict[str, JSONValue]:
        return {
            "uid": self.uid,
            "check_id": self.check_id,
            "status": self.status.value,
            "severity": self.severity.value,
            "vendor": self.vendor,
            "resource": self.resource,
            "message": self.message,
            "controls": list(self.controls),
            "evidence": dict(self.evidence),
            "remediation": self.remediation,
            "waiver": dict(self.waiver) if self.waiver else None,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, JSONValue]) -> Finding:
        return cls(
            check_id=raw["check_id"],
            status=Status(raw["status"]),
            severity=Severity(raw["severity"]),
            vendor=raw["vendor"],
            resource=raw["resource"],
            message=raw["message"],
            controls=tuple(raw["controls"]),
            evidence=raw.get("evidence") or {},
            remediation=raw.get("remediation", ""),
            waiver=raw.get("waiver"),
            uid=raw.get("uid", ""),
        )


# Hex written with the letters a-p (as Chrome writes extension ids): an id with digits would read as a card number
# to the redactor's PAN masking ("...5799543174595..." is Luhn-valid) and be masked in the reports that pass it.
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24].translate(_LETTERS)


def with_uids(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings, each with its stable id: `va1-` and 96 bits of SHA-256 over check, vendor and resource.

    Like Prowler's FINDING_UID it names what was examined, not when: the same state audited twice gives the same ids.
    Findings that share check, vendor and resource (two schema errors in one export) are told apart by their message,
    and identical ones by their rank among equals. The id is computed over the redacted fields, so it carries nothing
    a report may not show. A finding that already has an id keeps it.
    """
    items = tuple(findings)
    bases = [_digest(f.check_id, f.vendor, f.resource) for f in items]
    shared = Counter(bases)
    seen: Counter[str] = Counter()
    result = []
    for finding, base in zip(items, bases, strict=True):
        if finding.uid:
            result.append(finding)
            continue
        digest = base if shared[base] == 1 else _digest(base, finding.message)
        seen[digest] += 1
        if seen[digest] > 1:
            digest = _digest(digest, str(seen[digest]))
        result.append(replace(finding, uid=f"va1-{digest}"))
    return tuple(result)


def exit_code(findings: Iterable[Finding], fail_on: Severity, *, could_not_run: bool = False) -> int:
    """DESIGN.md: 0 all pass or waived, 1 a fail at or above fail_on, 2 the audit could not run."""
    if could_not_run:
        return 2
    return 1 if any(f.status is Status.FAIL and f.severity.rank >= fail_on.rank for f in findings) else 0


class RunState(StrEnum):
    """How much of its scope a run looked at; only a complete run is the default base of a drift comparison."""

    COMPLETE = "complete"  # every check in scope ran
    PARTIAL = "partial"  # narrowed (pytest -k / -m / vendor-audit run -k): not a drift base unless asked
    INTERRUPTED = "interrupted"  # SIGINT/SIGTERM: what was learned, never a drift base


@dataclass(frozen=True, slots=True)
class VendorRef:
    """A vendor of the profile, as the reports name it."""

    name: str
    type: str
    base_url: str


@dataclass(frozen=True, slots=True)
class ExpiredWaiver:
    """A waiver of the profile past its expiry: no longer applied, its findings count again."""

    check: str
    resource: str
    owner: str
    expires: str  # ISO date


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A file of the run directory that is evidence (not a report), with its SHA-256."""

    path: str
    sha256: str
    media_type: str


@dataclass(frozen=True, slots=True)
class LoadAttachment:
    """A load run attached to the audit: its load.json and its latency chart."""

    run_id: str
    document: Mapping[str, JSONValue]  # load.json
    chart_svg: str


@dataclass(frozen=True)
class AuditRun:
    """One audit, as every report writer receives it."""

    run_id: str
    started: str
    finished: str
    profile_name: str
    mode: str
    findings: tuple[Finding, ...]
    checks: tuple[CheckSpec, ...]
    fail_on: Severity
    exit_code: int
    problems: tuple[str, ...] = ()  # why the audit could not run, when it could not
    state: RunState = RunState.COMPLETE
    state_reason: str = ""  # e.g. "interrupted by SIGTERM", "narrowed with -k 'tls'"
    vendors: tuple[VendorRef, ...] = ()
    sandbox: Mapping[str, str] | None = None  # {"scenario": ..., "manifest": path} when the bundled sandbox was audited
    collection_seconds: float | None = None
    # Seconds pytest spent on each check (setup, call and teardown: what its own --junitxml reports), by check id
    check_seconds: Mapping[str, float] = field(default_factory=dict)
    certificates: tuple[Mapping[str, JSONValue], ...] = ()
    data_flows: tuple[Mapping[str, JSONValue], ...] = ()  # where customer data leaves the vendors (PCI DSS 12.8.1)
    # KPI rows recomputed from the raw exports, and per contract target its charts' data (issue 16)
    service_levels: tuple[Mapping[str, JSONValue], ...] = ()
    expired_waivers: tuple[ExpiredWaiver, ...] = ()
    evidence_max_age_days: int | None = None
    coverage: tuple[Mapping[str, JSONValue], ...] = ()  # per framework {framework, name, requirements, covered, ...}
    signing_key: str | None = None
    evidence_files: tuple[EvidenceFile, ...] = ()
    drift: Mapping[str, JSONValue] | None = None
    # earlier runs of the profile, oldest first, each {run_id, finished, counts, state}: report.html's trend chart
    trend: tuple[Mapping[str, JSONValue], ...] = ()
    load: LoadAttachment | None = None

    def __post_init__(self) -> None:
        if any(not f.uid for f in self.findings):
            object.__setattr__(self, "findings", with_uids(self.findings))

    def counts(self) -> dict[str, int]:
        totals = {s.value: 0 for s in Status}
        for finding in self.findings:
            totals[finding.status.value] += 1
        return totals
