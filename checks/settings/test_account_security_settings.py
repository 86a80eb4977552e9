"""The account restricts sign-in to the BPO's networks, ends idle sessions, enforces SSO and limits assumption."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import not_collected
from vendor_audit.model import SecuritySettings, VendorSnapshot
from vendor_audit.profile import Profile, SecurityPolicy, Vendor

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalised(networks: Iterable[Network]) -> list[Network]:
    """The networks merged as far as they go, per IP version: 10.0.0.0/25 and 10.0.0.128/25 are 10.0.0.0/24."""
    items = list(networks)
    v4 = [n for n in items if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in items if isinstance(n, ipaddress.IPv6Network)]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


def _parsed(ranges: Iterable[str]) -> tuple[list[Network], list[str]]:
    good: list[Network] = []
    bad: list[str] = []
    for text in ranges:
        try:
            good.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            bad.append(text)
    return good, bad


def _covered(network: Network, by: list[Network]) -> bool:
    """Whether `network` lies inside one of `by` (of its own IP version: a v4 range never covers a v6 one)."""
    if isinstance(network, ipaddress.IPv4Network):
        return any(isinstance(n, ipaddress.IPv4Network) and network.subnet_of(n) for n in by)
    return any(isinstance(n, ipaddress.IPv6Network) and network.subnet_of(n) for n in by)


@check(
    id="account_security_settings",
    title="The account restricts sign-in to the BPO's networks, ends idle sessions, enforces SSO and limits assumption",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:8.2.8",
        "pci_dss_4.0:1.4.2",
        "pci_dss_4.0:7.2.2",
        "soc2_2017:CC6.1",
        "soc2_2017:CC6.6",
        "iso27001_2022:A.8.5",
        "iso27001_2022:A.5.15",
    ),
    remediation="In the vendor's security settings: turn IP restriction on with exactly the BPO's egress ranges, "
    "set the agent session timeout to 15 minutes or less, enforce SSO without a password fallback where the "
    "profile requires it, and limit or turn off admins' assumption of other users.",
)
def test_account_security_settings(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        at: Where = {"vendor": vendor.name, "resource": "security_settings"}
        settings = snapshot.security_settings
        if settings is None:
            not_collected(audit, snapshot, at, "security_settings", "the account's security settings")
            continue
        if not settings.exposed:
            audit.manual(
                **at,
                evidence={"where": settings.source},
                message=f"{vendor.name}'s API does not expose its security settings (IP restriction, session "
                f"timeout, SSO, user assumption); check them by hand: {settings.source}.",
            )
            continue
        _ip_restriction(audit, vendor, settings, profile.security)
        _session_timeout(audit, vendor, settings, profile.security)
        _sso(audit, vendor, settings, profile.security)
        _assumption(audit, vendor, settings, profile.security)


def _unexposed(audit: Audit, vendor: Vendor, settings: SecuritySettings, setting: str, what: str) -> None:
    audit.manual(
        vendor=vendor.name,
        resource=f"security_settings/{setting}",
        evidence={"source": settings.source},
        message=f"{vendor.name}'s security settings ({settings.source}) do not say {what}; check it in the vendor's "
        "admin.",
    )


def _ip_restriction(audit: Audit, vendor: Vendor, settings: SecuritySettings, policy: SecurityPolicy) -> None:
    at: Where = {"vendor": vendor.name, "resource": "security_settings/ip_restriction"}
    if settings.ip_restriction_enabled is None:
        _unexposed(audit, vendor, settings, "ip_restriction", "whether IP restriction is on")
        return
    declared = normalised(policy.egress_ranges)
    evidence: dict[str, Any] = {"source": settings.source, "declared": [str(n) for n in declared]}
    if not settings.ip_restriction_enabled:
        audit.fail(
            **at,
            severity=Severity.HIGH,
            evidence={**evidence, "kind": "ip_restriction_off"},
            message=f"IP restriction is off: {vendor.name} accepts sign-ins from any network.",
        )
        return
    if settings.ip_ranges is None:
        _unexposed(audit, vendor, settings, "ip_restriction", "which IP ranges are allowed")
        return
    if not declared:
        audit.manual(
            **at,
            evidence={**evidence, "allowed": list(settings.ip_ranges)},
            message=f"IP restriction is on for {vendor.name}, but the profile declares no egress ranges to compare "
            'with: add [security] egress_ranges = ["<the BPO\'s egress CIDRs>"].',
        )
        return
    good, bad = _parsed(settings.ip_ranges)
    allowed = normalised(good)
    extra = [str(n) for n in allowed if not _covered(n, declared)]
    missing = [str(d) for d in declared if not _covered(d, allowed)]
    narrower = allowed != declared and not extra and not missing  # inside the declared ranges, but not all of them
    evidence["allowed"] = [str(n) for n in allowed] + bad
    if extra or missing or bad or narrower:
        problems = [
            f"allows {', '.join(extra)} beyond the declared egress" if extra else "",
            f"does not cover all of {', '.join(missing)}" if missing else "",
            f"lists {', '.join(bad)}, which are no IP ranges" if bad else "",
            "allows only part of the declared egress" if narrower else "",
        ]
        audit.fail(
            **at,
            # Extra ranges let in networks nobody declared; missing ones only lock the BPO out.
            severity=Severity.HIGH if extra or bad else Severity.MEDIUM,
            evidence={**evidence, "kind": "ip_ranges_mismatch", "extra": extra, "missing": missing, "unparsed": bad},
            message=f"{vendor.name}'s IP restriction differs from the declared egress ranges: "
            f"{'; '.join(p for p in problems if p)}.",
        )
    else:
        audit.passed(
            **at, evidence=evidence, message="IP restriction is on and allows exactly the declared egress ranges."
        )


def _session_timeout(audit: Audit, vendor: Vendor, settings: SecuritySettings, policy: SecurityPolicy) -> None:
    at: Where = {"vendor": vendor.name, "resource": "security_settings/session_timeout"}
    minutes = settings.agent_session_timeout_minutes
    if minutes is None:
        _unexposed(audit, vendor, settings, "session_timeout", "how long an idle agent session lasts")
        return
    evidence = {"minutes": minutes, "limit": policy.max_session_minutes, "source": settings.source}
    if minutes > policy.max_session_minutes:
        audit.fail(
            **at,
            severity=Severity.MEDIUM,
            evidence={**evidence, "kind": "session_timeout_long"},
            message=f"Idle agent sessions last {minutes:g} minutes; PCI DSS v4 8.2.8 asks for re-authentication "
            f"after {policy.max_session_minutes:g}.",
        )
    else:
        audit.passed(**at, evidence=evidence, message=f"Idle agent sessions end after {minutes:g} minutes.")


def _sso(audit: Audit, vendor: Vendor, settings: SecuritySettings, policy: SecurityPolicy) -> None:
    at: Where = {"vendor": vendor.name, "resource": "security_settings/sso"}
    evidence = {
        "sso_enforced": settings.sso_enforced,
        "remote_login": settings.remote_login,
        "password_login_allowed": settings.password_login_allowed,
        "required": vendor.name in policy.sso_required,
        "source": settings.source,
    }
    if vendor.name not in policy.sso_required:
        audit.not_applicable(
            **at,
            message=f"The profile does not require SSO for {vendor.name} ([security] sso_required); "
            f"SSO enforced: {_said(settings.sso_enforced)}.",
        )
        return
    if settings.sso_enforced is None:
        _unexposed(audit, vendor, settings, "sso", "whether SSO is enforced")
        return
    if not settings.sso_enforced:
        audit.fail(
            **at,
            severity=Severity.HIGH,
            evidence={**evidence, "kind": "sso_not_enforced"},
            message=f"SSO is not enforced for {vendor.name}: staff sign in with the vendor's own passwords"
            + (" (remote authentication is off)." if settings.remote_login is False else "."),
        )
    elif settings.password_login_allowed:
        audit.fail(
            **at,
            severity=Severity.HIGH,
            evidence={**evidence, "kind": "sso_not_enforced"},
            message=f"SSO is on for {vendor.name}, but a password sign-in is still allowed beside it, bypassing the "
            "identity provider (and its MFA and leaver process).",
        )
    elif settings.password_login_allowed is None:
        _unexposed(audit, vendor, settings, "sso", "whether a password sign-in still works beside SSO")
    else:
        audit.passed(**at, evidence=evidence, message=f"SSO is enforced for {vendor.name}, with no password fallback.")


def _assumption(audit: Audit, vendor: Vendor, settings: SecuritySettings, policy: SecurityPolicy) -> None:
    at: Where = {"vendor": vendor.name, "resource": "security_settings/assumption"}
    if settings.assumption_allowed is None:
        _unexposed(audit, vendor, settings, "assumption", "whether admins may assume other users")
        return
    hours = settings.assumption_duration_hours
    evidence = {
        "allowed": settings.assumption_allowed,
        "hours": hours,
        "limit_hours": policy.max_assumption_hours,
        "source": settings.source,
    }
    if not settings.assumption_allowed:
        audit.passed(**at, evidence=evidence, message="Admins may not assume other users.")
    elif hours is None or hours > policy.max_assumption_hours:
        audit.fail(
            **at,
            severity=Severity.MEDIUM,
            evidence={**evidence, "kind": "assumption_too_long"},
            message="Admins may assume other users without a time limit."
            if hours is None
            else f"Admins may assume other users for {hours:g} hours (limit {policy.max_assumption_hours:g}).",
        )
    else:
        audit.passed(**at, evidence=evidence, message=f"Admins may assume other users for at most {hours:g} hours.")


def _said(value: bool | None) -> str:
    return "not exposed" if value is None else "yes" if value else "no"
