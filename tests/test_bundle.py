"""Signed evidence bundles: keys, signing, and verification that catches any change to any byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from vendor_audit.reports import bundle

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "run"
    (directory / "sub").mkdir(parents=True)
    (directory / "findings.json").write_text('{"findings": []}\n')
    (directory / "junit.xml").write_text("<testsuites/>\n")
    (directory / "sub" / "latency.svg").write_bytes(b"<svg/>" * 100)
    return directory


def test_keys_are_made_private_and_never_printed(tmp_path: Path) -> None:
    result = cli("keys", "create", "--dir", str(tmp_path))
    assert result.returncode == 0
    private = tmp_path / "vendor-audit.key"
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert private.read_text() not in result.stdout
    assert "fingerprint: " in result.stdout
    again = cli("keys", "create", "--dir", str(tmp_path))
    assert again.returncode == 2  # never overwrites a key
    assert "not overwriting" in again.stderr


def test_an_untouched_bundle_verifies(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    assert bundle.sign_run(run_dir, keys.private_path) == keys.fingerprint
    result = bundle.verify_run(run_dir, keys.public_path)
    assert result.ok
    assert result.trusted_key
    command = cli("verify", str(run_dir), "--public-key", str(keys.public_path))
    assert command.returncode == 0
    assert "intact" in command.stdout


@pytest.mark.parametrize("name", ["findings.json", "junit.xml", "sub/latency.svg"])
def test_any_changed_byte_of_any_file_is_detected(tmp_path: Path, run_dir: Path, name: str) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    target = run_dir / name
    data = bytearray(target.read_bytes())
    for offset in (0, len(data) // 2, len(data) - 1):
        tampered = bytearray(data)
        tampered[offset] ^= 0x01
        target.write_bytes(bytes(tampered))
        assert bundle.verify_run(run_dir, keys.public_path).problems == [f"changed: {name}"]
    target.write_bytes(bytes(data))
    assert bundle.verify_run(run_dir, keys.public_path).ok


def test_added_missing_files_and_manifest_edits_are_detected(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    (run_dir / "extra.txt").write_text("slipped in")
    (run_dir / "junit.xml").unlink()
    problems = bundle.verify_run(run_dir, keys.public_path).problems
    assert problems == ["missing: junit.xml", "added: extra.txt"]
    manifest = run_dir / bundle.MANIFEST
    manifest.write_text(manifest.read_text().replace("findings.json", "findings.jsom"))
    assert any(p.startswith("bad signature") for p in bundle.verify_run(run_dir, keys.public_path).problems)
    result = cli("verify", str(run_dir), "--public-key", str(keys.public_path))
    assert result.returncode == 1
    assert "NOT intact" in result.stdout


def test_a_bundle_signed_by_another_key_is_refused(tmp_path: Path, run_dir: Path) -> None:
    ours = bundle.create_keys(tmp_path / "ours")
    theirs = bundle.create_keys(tmp_path / "theirs")
    bundle.sign_run(run_dir, theirs.private_path)
    problems = bundle.verify_run(run_dir, ours.public_path).problems
    assert problems[0].startswith("bad signature")
    unsigned = tmp_path / "unsigned"
    unsigned.mkdir()
    assert cli("verify", str(unsigned)).returncode == 2
    missing_key = cli("sign", str(run_dir), "--key", str(tmp_path / "nope.key"))
    assert missing_key.returncode == 2
    assert "Traceback" not in missing_key.stderr


def test_an_audit_run_signs_its_directory(tmp_path: Path, leaky: object) -> None:
    from vendor_audit import sandbox

    assert isinstance(leaky, sandbox.RunningSandbox)
    keys = bundle.create_keys(tmp_path / "keys")
    report_dir = tmp_path / "runs"
    result = cli(
        "run",
        str(leaky.profile_path),
        "-k",
        "hsts",
        "--report-dir",
        str(report_dir),
        "--sign-key",
        str(keys.private_path),
    )
    assert result.returncode == 1  # the leaky sandbox's export endpoint sends no HSTS
    (run_dir,) = [p for p in report_dir.iterdir() if p.is_dir()]
    assert f"signed: key {keys.fingerprint}" in result.stdout
    assert keys.fingerprint in (run_dir / "report.html").read_text()
    verification = bundle.verify_run(run_dir, keys.public_path)
    assert verification.ok, verification.problems
    assert {"findings.json", "junit.xml"} <= set(
        __import__("json").loads((run_dir / bundle.MANIFEST).read_text())["files"]
    )
