"""Control catalogs (checks/frameworks/*.json): every requirement of a framework, covered by a check or not."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["Catalog", "Requirement", "catalogs", "oscal_dir"]


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


def _frameworks_dir() -> Path:
    # Located, not imported: the catalogs are data of the checks package, and the engine does not import checks.
    spec = importlib.util.find_spec("vendor_audit.checks")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("vendor_audit.checks is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "frameworks"


def oscal_dir() -> Path:
    """The OSCAL catalogs and profiles made from the frameworks (`python3 -m vendor_audit.reports.oscal_catalogs`)."""
    return _frameworks_dir() / "oscal"


@cache
def catalogs() -> tuple[Catalog, ...]:
    found = []
    for entry in sorted(_frameworks_dir().glob("*.json")):
        raw = json.loads(entry.read_text(encoding="utf-8"))
        requirements = tuple(Requirement(r["id"], r["title"]) for r in raw["requirements"])
        found.append(Catalog(raw["key"], raw["name"], raw["version"], requirements, raw))
    return tuple(found)
