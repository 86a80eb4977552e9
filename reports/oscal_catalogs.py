"""OSCAL catalogs and profiles of the control frameworks the checks map to, for GRC tools to resolve control ids.

One catalog per framework of checks/frameworks/*.json lists every requirement id, covered by a check or not, with
the framework's paraphrased title (never the standard's text), grouped as the numbering nests (PCI DSS 3 > 3.4 >
3.4.1, ISO/IEC 27001 A.8 > A.8.11, SOC 2 CC6 > CC6.1). Control ids are `control_token`s of `framework:id`
(`pci_dss_4.0_3.4.1`: OSCAL tokens cannot start with a digit, and one assessment names controls of three
catalogs); a `label` prop keeps the standard's own numbering. Each control has one statement part
(`pci_dss_4.0_3.4.1_smt`), the target an assessment finding names when it concludes on the whole control. A
profile per framework imports all of its catalog, for tools that build a system security plan from a profile.

The shipped files (checks/frameworks/oscal/) are generated, never edited: after changing a framework run

    python3 -m vendor_audit.reports.oscal_catalogs          # rewrites what changed
    python3 -m vendor_audit.reports.oscal_catalogs --check  # exit 1 when a shipped file is out of date

UUIDs are uuid5 of fixed names, and a file keeps its last-modified until its content changes, so regenerating an
unchanged framework rewrites nothing (tests/test_oscal.py holds the shipped files to that).

Spec: https://pages.nist.gov/OSCAL-Reference/models/v1.2.3/catalog/json-reference/ and
https://pages.nist.gov/OSCAL-Reference/models/v1.2.3/profile/json-reference/
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from vendor_audit.catalogs import Catalog, catalogs, oscal_dir

__all__ = [
    "NS",
    "OSCAL_VERSION",
    "SOURCE_TREE_DIR",
    "UUID_NAMESPACE",
    "ShippedCatalog",
    "catalog_document",
    "control_token",
    "generate",
    "profile_document",
    "shipped_catalogs",
    "statement_id",
]

OSCAL_VERSION = "1.2.3"
NS = "urn:vendor-audit:oscal"  # our own property names live in our namespace, as OSCAL asks
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://vendor-audit.invalid/ns/oscal")
# A run directory is what a reviewer receives: the catalogs its assessment results name are copied into it (and so
# signed with it), and named relative to it.
RUN_DIR_CATALOGS = "oscal"
SOURCE_TREE_DIR = "checks/frameworks/oscal"  # where the files sit in the source tree (installed: vendor_audit/...)
CATALOG_MEDIA_TYPE = "application/oscal.catalog+json"  # as NIST's oscal-content profiles name their catalogs
_NOT_TOKEN = re.compile(r"[^\w.\-]")

# The frameworks list requirements, not the headings above them: these are the groups' titles, in our words.
GROUP_TITLES: dict[str, dict[str, str]] = {
    "pci_dss_4.0": {
        "1": "Network security controls",
        "2": "Secure configuration of system components",
        "3": "Protection of stored account data",
        "4": "Strong cryptography for cardholder data sent over public networks",
        "5": "Protection against malicious software",
        "6": "Secure development and maintenance of systems and software",
        "7": "Access to cardholder data limited to business need",
        "8": "Identification and authentication of users",
        "9": "Physical access to cardholder data",
        "10": "Logging and monitoring of access",
        "11": "Regular testing of systems and networks",
        "12": "Information security policy and programme",
    },
    "iso27001_2022": {
        "A.5": "Organizational controls",
        "A.6": "People controls",
        "A.7": "Physical controls",
        "A.8": "Technological controls",
    },
    "soc2_2017": {
        "CC1": "Control environment",
        "CC2": "Information and communication",
        "CC3": "Risk assessment",
        "CC4": "Monitoring activities",
        "CC5": "Control activities",
        "CC6": "Logical and physical access",
        "CC7": "System operations",
        "CC8": "Change management",
        "CC9": "Risk mitigation",
        "A1": "Availability",
        "C1": "Confidentiality",
        "PI1": "Processing integrity",
    },
}


def control_token(control: str) -> str:
    """`pci_dss_4.0:3.4.1` as an OSCAL token (letters, digits, `.`, `-`, `_`): `pci_dss_4.0_3.4.1`."""
    return _NOT_TOKEN.sub("-", control.replace(":", "_", 1))


def statement_id(control: str) -> str:
    """The id of the control's statement part: what a finding targets when it concludes on the whole control."""
    return f"{control_token(control)}_smt"


def _stable_uuid(name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, name))


def _sort_id(label: str) -> str:
    # the numbering sorts as numbers: 3.10 after 3.9, A.8.2 before A.8.11
    return re.sub(r"\d+", lambda digits: digits.group().zfill(3), label)


def _labelled(label: str) -> list[dict[str, str]]:
    return [{"name": "label", "value": label}, {"name": "sort-id", "value": _sort_id(label)}]


def _nearest_listed_ancestor(requirement_id: str, listed: set[str]) -> str | None:
    segments = requirement_id.split(".")
    for length in range(len(segments) - 1, 0, -1):
        candidate = ".".join(segments[:length])
        if candidate in listed:
            return candidate
    return None


def catalog_document(catalog: Catalog, last_modified: str) -> dict[str, Any]:
    """The OSCAL catalog of one framework: a requirement nests under its nearest listed ancestor (3.4.1 in 3.4).

    A requirement with no listed ancestor goes into the group its id names without the last segment (3.4 in 3,
    A.8.11 in A.8, CC6.1 in CC6); one without a dot stays at the top.
    """
    listed = {r.id for r in catalog.requirements}
    titles = GROUP_TITLES.get(catalog.key, {})
    nodes: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    for requirement in catalog.requirements:
        control = f"{catalog.key}:{requirement.id}"
        nodes[requirement.id] = {
            "id": control_token(control),
            "title": requirement.title,
            "props": _labelled(requirement.id),
            "parts": [{"id": statement_id(control), "name": "statement", "prose": requirement.title}],
        }
    for requirement in catalog.requirements:
        node = nodes[requirement.id]
        parent = _nearest_listed_ancestor(requirement.id, listed)
        if parent is not None:
            nodes[parent].setdefault("controls", []).append(node)
        elif "." in requirement.id:
            label = requirement.id.rsplit(".", 1)[0]
            group = groups.setdefault(
                label,
                {
                    "id": control_token(f"{catalog.key}:{label}"),
                    "title": titles.get(label, f"{catalog.name} {label}"),
                    "props": _labelled(label),
                    "controls": [],
                },
            )
            group["controls"].append(node)
        else:
            top.append(node)
    source = catalog.raw.get("source")
    metadata: dict[str, Any] = {
        "title": f"{catalog.name} {catalog.version}: requirement ids (titles paraphrased by vendor-audit)",
        "last-modified": last_modified,
        "version": catalog.version,
        "oscal-version": OSCAL_VERSION,
        "props": [{"name": "framework", "ns": NS, "value": catalog.key}],
    }
    if source:
        metadata["links"] = [{"href": source, "rel": "reference", "text": f"{catalog.name} {catalog.version}"}]
    metadata["remarks"] = (
        "Generated from vendor-audit's checks/frameworks/"
        f"{catalog.key}.json. Every requirement is listed, covered by a check or not; titles and statements are "
        "paraphrases, not the standard's text: read the standard for what each requirement asks."
    )
    document: dict[str, Any] = {"uuid": _stable_uuid(f"catalog:{catalog.key}"), "metadata": metadata}
    if top:
        document["controls"] = top
    if groups:
        document["groups"] = list(groups.values())
    return {"catalog": document}


def profile_document(catalog: Catalog, catalog_text: str, last_modified: str) -> dict[str, Any]:
    """A profile importing every control of the framework's catalog (which it names by relative href and SHA-256)."""
    resource = _stable_uuid(f"profile:{catalog.key}:catalog-resource")
    return {
        "profile": {
            "uuid": _stable_uuid(f"profile:{catalog.key}"),
            "metadata": {
                "title": f"{catalog.name} {catalog.version}: every requirement (vendor-audit)",
                "last-modified": last_modified,
                "version": catalog.version,
                "oscal-version": OSCAL_VERSION,
            },
            "imports": [{"href": f"#{resource}", "include-all": {}}],
            "merge": {"as-is": True},
            "back-matter": {
                "resources": [
                    {
                        "uuid": resource,
                        "title": f"OSCAL catalog of {catalog.name} {catalog.version}",
                        "rlinks": [
                            {
                                "href": catalog_file(catalog.key),
                                "media-type": CATALOG_MEDIA_TYPE,
                                "hashes": [{"algorithm": "SHA-256", "value": _sha256(catalog_text.encode("utf-8"))}],
                            }
                        ],
                    }
                ]
            },
        }
    }


def catalog_file(key: str) -> str:
    return f"{key}.catalog.json"


def profile_file(key: str) -> str:
    return f"{key}.profile.json"


def _render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _last_modified(text: str | None) -> str | None:
    try:
        document = json.loads(text) if text is not None else None
    except ValueError:
        return None
    model = next(iter(document.values()), None) if isinstance(document, dict) else None
    metadata = model.get("metadata") if isinstance(model, dict) else None
    stamp = metadata.get("last-modified") if isinstance(metadata, dict) else None
    return stamp if isinstance(stamp, str) else None


def generate(directory: Path | None = None, now: dt.datetime | None = None) -> dict[str, str]:
    """File name -> text of every catalog and profile the frameworks make.

    A file whose content is unchanged keeps the last-modified of the one in `directory` (default: the shipped
    ones); a new or changed file is stamped `now`.
    """
    where = directory or oscal_dir()
    stamp = _timestamp(now or dt.datetime.now(dt.UTC))
    made: dict[str, str] = {}

    def keep_or_stamp(name: str, build: Callable[[str], dict[str, Any]]) -> str:
        path = where / name
        previous = path.read_text(encoding="utf-8") if path.is_file() else None
        kept = _last_modified(previous)
        text = _render(build(kept or stamp))
        if kept and text != previous:
            text = _render(build(stamp))
        return text

    for catalog in catalogs():
        catalog_text = keep_or_stamp(catalog_file(catalog.key), partial(catalog_document, catalog))
        made[catalog_file(catalog.key)] = catalog_text
        made[profile_file(catalog.key)] = keep_or_stamp(
            profile_file(catalog.key), partial(profile_document, catalog, catalog_text)
        )
    return made


@dataclass(frozen=True, slots=True)
class ShippedCatalog:
    """A shipped catalog as an assessment names it: where it is, its digest, its uuid."""

    key: str
    title: str
    href: str  # relative to the run directory, where write_reports copies the file (RUN_DIR_CATALOGS)
    sha256: str | None  # None: not shipped with this installation (regenerate)
    uuid: str | None


@cache
def shipped_catalogs() -> dict[str, ShippedCatalog]:
    """Framework key -> its shipped catalog, read once per process."""
    found = {}
    for catalog in catalogs():
        path = oscal_dir() / catalog_file(catalog.key)
        data = path.read_bytes() if path.is_file() else None
        catalog_uuid = None
        if data is not None:
            with_uuid = json.loads(data).get("catalog", {}).get("uuid")
            catalog_uuid = with_uuid if isinstance(with_uuid, str) else None
        found[catalog.key] = ShippedCatalog(
            key=catalog.key,
            title=f"{catalog.name} {catalog.version}",
            href=f"{RUN_DIR_CATALOGS}/{catalog_file(catalog.key)}",
            sha256=_sha256(data) if data is not None else None,
            uuid=catalog_uuid,
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m vendor_audit.reports.oscal_catalogs",
        description="Write the OSCAL catalogs and profiles of checks/frameworks/*.json into checks/frameworks/oscal/.",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a shipped file is stale")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: the shipped folder)")
    options = parser.parse_args(argv)
    directory: Path = options.dir or oscal_dir()
    made = generate(directory)
    ours = [*directory.glob("*.catalog.json"), *directory.glob("*.profile.json")] if directory.is_dir() else []
    present = {p.name: p.read_text(encoding="utf-8") for p in ours}
    stale = sorted(name for name in made if present.get(name) != made[name])
    extra = sorted(set(present) - set(made))
    if options.check:
        for name in stale:
            print(f"{directory / name}: out of date (python3 -m vendor_audit.reports.oscal_catalogs)")
        for name in extra:
            print(f"{directory / name}: no framework makes it (remove it)")
        return 1 if stale or extra else 0
    directory.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (directory / name).write_text(made[name], encoding="utf-8")
        print(f"wrote {directory / name}")
    for name in extra:
        (directory / name).unlink()
        print(f"removed {directory / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
