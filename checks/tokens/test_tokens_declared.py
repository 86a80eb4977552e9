"""Every active token the account holds is declared in the audit profile."""

from __future__ import annotations

from vendor_audit.checks import Audit, Severity, Where, check
from vendor_audit.checks._collected import iso, not_collected
from vendor_audit.model import Grants, Token, VendorSnapshot
from vendor_audit.profile import Profile, Vendor


def declared_by(token: Token, vendor: Vendor, snapshot: VendorSnapshot, listed: frozenset[str]) -> str | None:
    """What declares `token`, or None.

    The rule, first match wins:

    1. its id or its name is listed in `[tokens] declared` (compared case-insensitively);
    2. its name is the name of one of the vendor's credentials in the profile;
    3. it is one of those credentials as the connector saw it: a collected `Grants` of a profile credential acts
       as the token's owner (`acts_as` is the owner's id or email) and both expose the same scopes. A token whose
       owner or scopes are not exposed cannot match this way; list it in `[tokens] declared`.
    """
    if token.id.lower() in listed or token.name.lower() in listed:
        return "[tokens] declared"
    names = {c.name for c in vendor.credentials}
    if token.name in names:
        return f"credential {token.name}"
    owner = next((u for u in snapshot.users or () if u.id == token.owner_id), None)
    who = {token.owner_id} | ({owner.email.lower()} if owner else set())
    for grants in snapshot.grants:
        if grants.credential in names and _same(grants, token, who):
            return f"credential {grants.credential}"
    return None


def _same(grants: Grants, token: Token, who: set[str | None]) -> bool:
    acts_as = grants.acts_as.lower() if grants.acts_as and "@" in grants.acts_as else grants.acts_as
    return (
        token.owner_id is not None
        and acts_as in who
        and token.scopes is not None
        and grants.scopes is not None
        and token.scopes == grants.scopes
    )


@check(
    id="tokens_declared",
    title="Every active token the account holds is declared in the audit profile",
    severity=Severity.HIGH,
    controls=(
        "pci_dss_4.0:7.2.5",
        "pci_dss_4.0:7.2.4",
        "pci_dss_4.0:12.8.1",
        "soc2_2017:CC6.2",
        "soc2_2017:CC6.3",
        "iso27001_2022:A.5.15",
        "iso27001_2022:A.5.18",
    ),
    remediation="Find out who created the token and what uses it; revoke it if nobody owns it, otherwise declare it "
    'in audit.toml ([tokens] declared = ["<name or id>"]) with the least privilege it needs.',
)
def test_tokens_declared(snapshots: dict[str, VendorSnapshot], profile: Profile, audit: Audit) -> None:
    listed = frozenset(name.lower() for name in profile.tokens.declared)
    for vendor in profile.vendors:
        snapshot = snapshots[vendor.name]
        if snapshot.tokens is None:
            not_collected(audit, snapshot, {"vendor": vendor.name, "resource": "tokens"}, "tokens", "the tokens")
            continue
        tokens = [t for t in snapshot.tokens if t.active]
        declared: dict[str, str] = {}
        undeclared = 0
        for token in tokens:
            why = declared_by(token, vendor, snapshot, listed)
            if why is not None:
                declared[f"{token.kind}/{token.id}"] = why
                continue
            undeclared += 1
            at: Where = {"vendor": vendor.name, "resource": f"tokens/{token.kind}/{token.id}"}
            audit.fail(
                **at,
                evidence={
                    "kind": "undeclared_token",
                    "token": token.name,
                    "owner": token.owner_id,
                    "scopes": sorted(token.scopes) if token.scopes is not None else None,
                    "created_at": iso(token.created_at),
                    "used_at": iso(token.used_at),
                    "source": token.source,
                },
                message=f"{token.kind} {token.id} ({token.name}) is active but not declared in the profile.",
            )
        if not undeclared:  # counted, not compared with `declared`: a vendor may list one token twice
            audit.passed(
                vendor=vendor.name,
                resource="tokens",
                evidence={"declared": declared},
                message=f"All {len(tokens)} active token(s) of {vendor.name} are declared.",
            )
