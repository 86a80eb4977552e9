"""The plugin refuses badly declared checks at collection and keeps catalogs and checks in agreement."""

from __future__ import annotations

import ast
from pathlib import Path

import jsonschema
import pytest

from vendor_audit import checks
from vendor_audit.schemas import load_schema

REPO = Path(__file__).resolve().parents[2]


def check_source(*, id: str, controls: tuple[str, ...] = ("pci_dss_4.0:3.4.1",), name: str | None = None) -> str:
    return f"""
from vendor_audit.checks import Audit, Severity, check

@check(id={id!r}, title="Something holds", severity=Severity.LOW, controls={controls!r}, remediation="Fix it.")
def test_{name or id}(audit: Audit) -> None:
    audit.passed(vendor="v", resource="r", message="fine")
"""


def test_unknown_control_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thing_ok=check_source(id="thing_ok", controls=("nope:1.1",)))
    result = pytester.runpytest("--audit-profile", str(REPO / "audit.toml"))
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*unknown control 'nope:1.1'*"])


def test_id_must_match_function_and_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_other=check_source(id="mismatch_ok", name="other"))
    result = pytester.runpytest()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*check id 'mismatch_ok' must match the function and file name test_mismatch_ok*"])


def test_badly_formed_metadata_fails_at_import(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x=check_source(id="BadId", name="x"))
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*id 'BadId' must be snake_case*"])


def test_plain_test_suites_are_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest()
    assert result.ret == 0
    assert "vendor-audit findings" not in result.stdout.str()


def test_catalogs_and_checks_agree() -> None:
    validator = jsonschema.Draft202012Validator(load_schema("framework.v1"))
    for catalog in checks.catalogs():
        validator.validate(catalog.raw)
        assert len({r.id for r in catalog.requirements}) == len(catalog.requirements), catalog.key
    assert {c.key for c in checks.catalogs()} == {"pci_dss_4.0", "soc2_2017", "iso27001_2022"}
    assert len(next(c for c in checks.catalogs() if c.key == "iso27001_2022").requirements) == 93
    known = {f"{c.key}:{r.id}" for c in checks.catalogs() for r in c.requirements}
    specs = _declared_specs()
    assert len(specs) == len(list((REPO / "checks").rglob("test_*.py"))) > 0  # one check per file
    for spec_id, controls in specs.items():
        assert set(controls) <= known, spec_id


def _declared_specs() -> dict[str, tuple[str, ...]]:
    """Every @check in checks/, read from the source so the test does not depend on import order."""
    found: dict[str, tuple[str, ...]] = {}
    for path in (REPO / "checks").rglob("test_*.py"):
        __import__(".".join(path.relative_to(REPO).with_suffix("").parts))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check":
                keywords = {k.arg: k for k in node.keywords}
                spec_id = ast.literal_eval(keywords["id"].value)
                assert path.stem == f"test_{spec_id}"
                found[spec_id] = checks.REGISTRY[spec_id].controls
    return found


def test_each_check_file_declares_its_title_as_docstring() -> None:
    for path in (REPO / "checks").rglob("test_*.py"):
        module = ast.parse(path.read_text())
        doc = ast.get_docstring(module)
        spec = checks.REGISTRY[path.stem.removeprefix("test_")]
        assert doc == spec.title + ".", path
