"""ruff and mypy (strict) stay clean: run here so the one test command proves it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def stage_installed_tree(target: Path) -> Path:
    """The tree as a wheel lays it out (vendor_audit.checks, ...), for mypy, which cannot see the editable finder."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    ignore = shutil.ignore_patterns("__pycache__", "runs", "*.pyc")
    for package, folder in sorted(config["tool"]["setuptools"]["package-dir"].items()):
        destination = target.joinpath(*package.split("."))
        destination.mkdir(parents=True, exist_ok=True)
        for entry in (REPO / folder).iterdir():
            if entry.is_file() and entry.suffix in {".py", ".json", ".typed"}:
                shutil.copy2(entry, destination / entry.name)
            elif entry.is_dir() and f"{package}.{entry.name}" not in config["tool"]["setuptools"]["package-dir"]:
                shutil.copytree(entry, destination / entry.name, ignore=ignore, dirs_exist_ok=True)  # and data
    for folder in ("tests", "benchmarks"):
        shutil.copytree(REPO / folder, target / folder, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.parametrize(
    "command", [["ruff", "check", "."], ["ruff", "format", "--check", "."]], ids=["ruff-check", "ruff-format"]
)
def test_ruff(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_mypy_strict(tmp_path: Path) -> None:
    staged = stage_installed_tree(tmp_path / "tree")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=staged,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
