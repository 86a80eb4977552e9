"""Customer data leaves only over TLS 1.2+ to allow-listed hosts, with no secret in clear in the configuration."""

from __future__ import annotations

from collections import Counter
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import SplitResult, urlsplit

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import not_collected
from vendor_audit.model import DataFlow, VendorSnapshot
from vendor_audit.profile import Profile
from vendor_audit.tlsprobe import TLSReport

LEGACY = ("SSLv3", "TLSv1.0", "TLSv1.1")


def shown(parts: SplitResult) -> str:
    """The destination as reports may show it: no user:password@, no query string, no fragment (they carry tokens)."""
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}{parts.path}" if parts.scheme else netloc + parts.path


def tls_floor(report: TLSReport) -> tuple[str, str]:
    """("pass" | "weak" | "unknown", why), judged as tls_legacy_protocols_refused and tls_modern_protocol_offered do."""
    outcome = {name: result.outcome for name, result in report.protocols.items()}
    accepted = [p for p in LEGACY if outcome.get(p) == "accepted"]
    if accepted:
        return "weak", f"accepts {' and '.join(accepted)}"
    tls13 = outcome.get("TLSv1.3") == "accepted"
    strong12 = report.strong_tls12 is not None and report.strong_tls12.outcome == "accepted"
    unsure = [p for p in LEGACY if outcome.get(p, "inconclusive") == "inconclusive"]
    if not (tls13 or strong12):
        if outcome.get("TLSv1.3", "inconclusive") == "inconclusive":
            return "unknown", "could not tell which protocols it offers"
        return "weak", "offers neither TLS 1.3 nor TLS 1.2 with a strong suite"
    if unsure:
        return "unknown", f"could not tell whether it accepts {' and '.join(unsure)}"
    return "pass", "refuses TLS 1.1 and older and offers " + ("TLS 1.3" if tls13 else "TLS 1.2 with a strong suite")


@check(
    id="outbound_flows_safe",
    title="Customer data leaves only over TLS 1.2+ to allow-listed hosts, with no secret in clear in the configuration",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:4.2.1",
        "pci_dss_4.0:12.8.1",
        "soc2_2017:CC6.7",
        "soc2_2017:CC6.6",
        "iso27001_2022:A.5.14",
        "iso27001_2022:A.8.24",
    ),
    remediation="Point the webhook or integration at an https:// endpoint on an approved host (add the host to "
    "[flows] allowed_destinations once approved), serve it with TLS 1.2+ only, and move header secrets to the "
    "vendor's masked credential field (or a signing secret), rotating the exposed one.",
)
def test_outbound_flows_safe(
    snapshots: dict[str, VendorSnapshot], profile: Profile, flow_tls: dict[str, TLSReport], audit: Audit
) -> None:
    allowed = profile.flows.allowed_destinations
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.data_flows is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "flows"}, "data_flows", "the data flows")
            continue
        flows = snapshot.data_flows
        kinds = Counter(f.kind for f in flows)
        # The inventory itself is evidence (PCI DSS v4 12.8.1: where data is shared), whatever each flow's verdict.
        audit.passed(
            vendor=vendor.name,
            resource="flows",
            evidence={
                "count": len(flows),
                "by_kind": dict(sorted(kinds.items())),
                "flows": [_row(f) for f in flows],
            },
            message=f"{vendor.name} sends data out through {len(flows)} flow(s)"
            + (f": {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}." if flows else "."),
        )
        for flow in flows:
            _judge(audit, vendor.name, flow, allowed, flow_tls)
        for limit in (c for c in snapshot.coverage_limits if c.what == "data_flows"):
            # The list ended as if complete, but the vendor shows only part of them (Shopify: only the audit app's
            # own webhook subscriptions): what was not listed is for a person, never a silent pass.
            audit.manual(
                vendor=vendor.name,
                resource=limit.resource,
                evidence={"coverage_limit": limit.resource},
                message=f"Not listed by {vendor.name}'s API: {limit.message}",
            )


def _row(flow: DataFlow) -> dict[str, Any]:
    try:
        destination = shown(urlsplit(flow.destination)) if flow.destination else None
    except ValueError:
        destination = "(does not parse as a URL)"
    return {"kind": flow.kind, "id": flow.id, "name": flow.name, "destination": destination, "active": flow.active}


def _judge(audit: Audit, vendor: str, flow: DataFlow, allowed: tuple[str, ...], flow_tls: dict[str, TLSReport]) -> None:
    at: Where = {"vendor": vendor, "resource": f"flows/{flow.kind}/{flow.id}"}
    label = f"{flow.kind} {flow.id} ({flow.name})"
    evidence: dict[str, Any] = {"flow": flow.kind, "name": flow.name, "active": flow.active, "source": flow.source}
    failed = False
    if flow.secret_headers:
        failed = True
        audit.fail(
            **at,
            severity=Severity.CRITICAL,  # anyone who can read the configuration holds the credential
            evidence={**evidence, "kind": "flow_secret_in_headers", "headers": list(flow.secret_headers)},
            message=f"{label} keeps a secret in clear in its header(s) {', '.join(flow.secret_headers)}.",
        )
    if flow.destination is None:
        audit.manual(
            **at,
            evidence=evidence,
            message=f"{vendor} does not say where {label} sends data; review what the app receives (its "
            "permissions and its vendor's data-processing terms) in the vendor's admin.",
        )
        return
    try:
        parts = urlsplit(flow.destination if "://" in flow.destination else f"//{flow.destination}")
        host = (parts.hostname or "").lower()
        evidence["destination"] = shown(parts)
    except ValueError:
        audit.error(**at, evidence=evidence, message=f"{label} names a destination that does not parse as a URL.")
        return
    if parts.scheme not in ("", "http", "https") or flow.destination.startswith("arn:"):
        # Another transport (Shopify: pubsub://, an EventBridge ARN): no host to allow-list, no TLS to probe here.
        if not failed:
            audit.manual(
                **at,
                evidence=evidence,
                message=f"{label} delivers through {parts.scheme or 'arn'}, not HTTP; check that destination's "
                "access and encryption in its own console.",
            )
        return
    if parts.scheme == "http":
        failed = True
        audit.fail(
            **at,
            severity=Severity.HIGH,
            evidence={**evidence, "kind": "flow_plain_http"},
            message=f"{label} sends data over plain http:// to {host}.",
        )
    if not allowed:  # nobody said which hosts may receive customer data: not a verdict this audit can give
        if not failed:
            audit.manual(
                **at,
                evidence=evidence,
                message=f"{label} sends data to {host or 'an unparsable destination'}; declare the approved hosts "
                "([flows] allowed_destinations) to judge it and probe its TLS.",
            )
        return
    if not any(fnmatchcase(host, glob) for glob in allowed):
        failed = True
        audit.fail(
            **at,
            severity=Severity.HIGH,
            evidence={**evidence, "kind": "flow_not_allowed", "host": host, "allowed": list(allowed)},
            message=f"{label} sends data to {host or 'an unparsable destination'}, which is not on the allow-list.",
        )
    elif parts.scheme == "https":
        try:
            key = f"{host}:{parts.port or 443}"
        except ValueError:
            audit.error(**at, evidence=evidence, message=f"{label} names a destination with an invalid port.")
            return
        report = flow_tls.get(key)
        if report is None:
            audit.error(**at, evidence=evidence, message=f"The TLS of {key}, where {label} sends data, was not probed.")
            return
        if report.error:
            audit.error(
                **at, evidence=evidence, message=f"Could not probe {key}, where {label} sends data: {report.error}."
            )
            return
        verdict, why = tls_floor(report)
        evidence["tls"] = {name: result.outcome for name, result in report.protocols.items()}
        if verdict == "weak":
            failed = True
            audit.fail(
                **at,
                severity=Severity.HIGH,
                evidence={**evidence, "kind": "flow_tls_weak"},
                message=f"{key}, where {label} sends data, {why}.",
            )
        elif verdict == "unknown":
            audit.error(**at, evidence=evidence, message=f"{key}, where {label} sends data: {why}.")
            return
    elif parts.scheme != "http":
        # A bare host or another scheme: nothing says the data travels encrypted.
        audit.manual(
            **at,
            evidence=evidence,
            message=f"{label} names {evidence['destination']} without https://; check how it connects.",
        )
        return
    if not failed:
        audit.passed(
            **at, evidence=evidence, message=f"{label} sends data over TLS 1.2+ to the allow-listed host {host}."
        )
