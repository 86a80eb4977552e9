"""Each vendor's sandbox and production accounts refuse each other's credentials."""

from __future__ import annotations

from typing import Any

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.profile import Profile, Vendor
from vendor_audit.segmentation import CrossAttempt, Outcome, Segmentation


def guidance(vendor: Vendor) -> str:
    """What to add to the profile so the audit can try the separation itself, or what to check by hand."""
    if vendor.environment is None:
        said = f"names the {vendor.type} account {vendor.name} without saying which environment it is"
        wanted = (
            'two [vendors] entries, environment = "sandbox" and "production", each with pairs_with naming the other'
        )
    else:
        other = "production" if vendor.environment == "sandbox" else "sandbox"
        said = f"names only the {vendor.environment} account of {vendor.type}, {vendor.name}"
        wanted = (
            f'its {other} account as a [vendors] entry with environment = "{other}" and pairs_with = "{vendor.name}"'
        )
    return (
        f"The profile {said}; add {wanted}, so the audit can hand each account the other's credentials, or confirm "
        "by hand that neither account accepts the other's API tokens and that no credential is shared."
    )


def shown(attempt: CrossAttempt) -> dict[str, Any]:
    return {
        "credential": attempt.credential,
        "of": attempt.owner,
        "asked": attempt.asked,
        "status": attempt.status,
        "outcome": attempt.outcome.value,
    }


@check(
    id="sandbox_segmented",
    title="Each vendor's sandbox and production accounts refuse each other's credentials",
    severity=Severity.HIGH,
    controls=("pci_dss_4.0:6.5.3", "pci_dss_4.0:6.5.4", "iso27001_2022:A.8.31"),
    remediation="Give the sandbox and the production account credentials of their own: revoke any token that "
    "works on both or is configured in both, issue one per account, and keep each account's credentials out of the "
    "other environment's integrations.",
)
def test_sandbox_segmented(segmentation: list[Segmentation], profile: Profile, audit: Audit) -> None:
    pairs = {name: pair for pair in segmentation for name in (pair.sandbox, pair.production)}
    for vendor in profile.vendors:
        pair = pairs.get(vendor.name)
        if pair is None:
            audit.manual(
                vendor=vendor.name,
                resource="segmentation",
                evidence={"environment": vendor.environment},
                message=guidance(vendor),
            )
            continue
        other = pair.production if vendor.name == pair.sandbox else pair.sandbox
        at: Where = {"vendor": vendor.name, "resource": f"segmentation/{other}"}
        # Each account judges what it was handed: the sandbox the production credentials, and the other way round.
        handed = [a for a in pair.attempts if a.target == vendor.name]
        accepted = [a for a in handed if a.outcome == Outcome.ACCEPTED]
        unknown = [a for a in handed if a.outcome == Outcome.UNKNOWN]
        evidence = {
            "other": other,
            "attempts": [shown(a) for a in handed],
            "same_secret": [list(s) for s in pair.shared],
        }
        if accepted or pair.shared:
            names = ", ".join(a.credential for a in accepted)
            said = [f"accepted {other}'s credential(s) {names}"] if accepted else []
            said += [f"shares a secret with {other} ({len(pair.shared)} credential pair(s))"] if pair.shared else []
            audit.fail(
                **at,
                evidence=evidence | {"kind": "credential_accepted" if accepted else "same_credential"},
                message=f"{vendor.name} ({vendor.environment}) {' and '.join(said)}.",
            )
        elif unknown or not handed:
            why = "; ".join(a.detail for a in unknown) or "no credential was tried"
            message = f"Could not ask {vendor.name} to refuse {other}'s credentials: {why.rstrip('.')}."
            audit.error(**at, evidence=evidence, message=message)
        else:
            audit.passed(
                **at,
                evidence=evidence,
                message=f"{vendor.name} ({vendor.environment}) refused all {len(handed)} of {other}'s credential(s), "
                "and no secret is shared.",
            )
