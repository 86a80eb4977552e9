"""JSON Schemas shipped with vendor-audit: the audit profile, reports and vendor event exports."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["load_schema"]


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema `name` (file name without `.schema.json`, e.g. "profile.v1")."""
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
