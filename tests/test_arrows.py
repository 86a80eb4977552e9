"""Arrows point one way: the sandbox imports nothing of the project, so it stays an honest stand-in."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"vendor_audit", "connectors", "checks", "reports", "loadtests", "schemas"}


def imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_sandbox_imports_nothing_of_the_project() -> None:
    paths = list((REPO / "sandbox").rglob("*.py"))
    assert paths
    for path in paths:
        found = {m for m in imported_modules(ast.parse(path.read_text())) if m.split(".")[0] in OUR_PACKAGES}
        assert all(m.startswith("vendor_audit.sandbox") for m in found), (path, found)
