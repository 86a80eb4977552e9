"""The code that serves every vendor names none: vendors live in their connector and stand-in modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import StartSandbox
from vendor_audit import sandbox, vendors

REPO = Path(__file__).resolve().parents[1]
NEUTRAL = [
    "vendor_audit/vendors.py",
    "vendor_audit/profile.py",
    "connectors/__init__.py",
    "loadtests/agent_workflows.py",
    "sandbox/__init__.py",
    "sandbox/_standin.py",
    "sandbox/_exports.py",
    "checks/_plugin.py",
    "checks/__init__.py",
    "vendor_audit/engine.py",
    "vendor_audit/recorder.py",
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "checks").rglob("test_*.py")),
]


def code_words(source: str) -> set[str]:
    """Identifiers and string constants, docstrings left out (they may give a vendor as an example)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.add(node.value.lower())
        elif isinstance(node, ast.Name):
            words.add(node.id.lower())
        elif isinstance(node, ast.Attribute):
            words.add(node.attr.lower())
    return words


@pytest.mark.parametrize("path", NEUTRAL)
def test_shared_code_names_no_vendor(path: str) -> None:
    names = set(vendors.registered()) | set(sandbox.standins())
    assert names
    words = code_words((REPO / path).read_text(encoding="utf-8"))
    assert not {(w, n) for w in words for n in names if n in w}, path


def test_a_sandbox_serves_the_chosen_standins_only(fresh: StartSandbox) -> None:
    from vendor_audit.profile import load_profile

    (one, *_) = sandbox.standins()
    running = fresh(scenario="leaky", standins=(one,), write_exports=True)
    assert running.vendors == (one,)
    assert set(running.urls) == {one, sandbox.EXPORTS_ENDPOINT, sandbox.HOOKS_ENDPOINT}  # the brand's own listeners
    assert {v["vendor"] for v in running.manifest["violations"]} <= {one, "brand"}
    profile = load_profile(running.profile_path)
    assert [v.name for v in profile.vendors] == [one]
    assert {e.vendor for e in profile.exports} <= {one}
    with pytest.raises(AttributeError):
        getattr(running, next(n for n in sandbox.standins() if n != one))


def test_an_unknown_standin_is_refused_with_the_registered_ones() -> None:
    with pytest.raises(ValueError, match="unknown stand-in") as caught:
        sandbox.SandboxConfig(standins=("nope",))
    assert all(name in str(caught.value) for name in sandbox.standins())
