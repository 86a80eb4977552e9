"""Signed evidence bundles: keys, signing, and verification that catches any change to any byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vendor_audit.reports import bundle

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != bundle.PUBLIC_KEY_ENV} | (env or {})
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False, env=environ)


def assert_one_line(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


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


@pytest.mark.parametrize("present", ["key", "pub"])
def test_keys_create_never_overwrites_either_file_of_a_pair(tmp_path: Path, present: str) -> None:
    existing = tmp_path / f"X.{present}"
    existing.write_text("someone's file\n")
    result = cli("keys", "create", "--dir", str(tmp_path), "--name", "X")
    assert str(existing) in assert_one_line(result)
    assert existing.read_text() == "someone's file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing.name]  # and half a pair is not left behind


def test_keys_create_refuses_a_dangling_symlink_and_odd_names(tmp_path: Path) -> None:
    (tmp_path / "X.pub").symlink_to(tmp_path / "elsewhere.pem")
    assert_one_line(cli("keys", "create", "--dir", str(tmp_path), "--name", "X"))
    assert not (tmp_path / "elsewhere.pem").exists()
    for name in ("", "..", "a/b"):
        assert "plain file name" in assert_one_line(cli("keys", "create", "--dir", str(tmp_path), "--name", name))
    (tmp_path / "file").write_text("")
    assert "not a directory" in assert_one_line(cli("keys", "create", "--dir", str(tmp_path / "file")))


def test_an_untouched_bundle_verifies(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    assert bundle.sign_run(run_dir, keys.private_path) == keys.fingerprint
    result = bundle.verify_run(run_dir, keys.public_path)
    assert result.ok
    assert result.fingerprint == result.signer == keys.fingerprint
    command = cli("verify", str(run_dir), "--public-key", str(keys.public_path))
    assert command.returncode == 0
    assert "intact" in command.stdout
    from_env = cli("verify", str(run_dir), env={bundle.PUBLIC_KEY_ENV: str(keys.public_path)})
    assert from_env.returncode == 0, from_env.stderr
    assert keys.fingerprint in from_env.stdout


def test_verify_needs_a_trusted_key(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    line = assert_one_line(cli("verify", str(run_dir)))  # the bundle's own key proves nothing
    assert "--public-key" in line
    assert bundle.PUBLIC_KEY_ENV in line
    assert "intact" not in cli("verify", str(run_dir)).stdout
    missing = assert_one_line(cli("verify", str(run_dir), env={bundle.PUBLIC_KEY_ENV: str(tmp_path / "nope.pub")}))
    assert "nope.pub" in missing
    for not_a_key in (keys.private_path, run_dir / "junit.xml", tmp_path):
        assert str(not_a_key) in assert_one_line(cli("verify", str(run_dir), "--public-key", str(not_a_key)))


def test_a_bundle_re_signed_with_another_key_is_not_intact(tmp_path: Path, run_dir: Path) -> None:
    ours = bundle.create_keys(tmp_path / "ours")
    theirs = bundle.create_keys(tmp_path / "theirs")
    bundle.sign_run(run_dir, ours.private_path)
    (run_dir / "findings.json").write_text('{"findings": ["all green"]}\n')
    bundle.sign_run(run_dir, theirs.private_path)  # tampered, then re-signed: its own key says "fine"
    assert bundle.verify_run(run_dir, theirs.public_path).ok
    result = cli("verify", str(run_dir), "--public-key", str(ours.public_path))
    assert result.returncode == 1
    assert "NOT intact" in result.stdout
    assert f"names key {theirs.fingerprint}, not the trusted key {ours.fingerprint}" in result.stdout
    assert cli("verify", str(run_dir), env={bundle.PUBLIC_KEY_ENV: str(ours.public_path)}).returncode == 1


def manifest_of(**fields: object) -> bytes:
    base = {"schema": "bundle.v1", "algorithm": "Ed25519", "key_fingerprint": "x", "public_key": "", "files": {}}
    return json.dumps(base | fields).encode()


@pytest.mark.parametrize(
    ("manifest", "says"),
    [
        (b"[]", "a JSON list"),
        (b"not json", "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b'{"files": {}}', "lacks schema, algorithm, key_fingerprint, public_key"),
        (None, "lacks public_key"),
        (manifest_of(files=[]), "lacks files"),
        (manifest_of(schema="bundle.v9", algorithm="RSA"), "bundle.v1"),
        (manifest_of(files={"a": 1}), "SHA-256"),
    ],
    ids=["list", "not-json", "nested", "empty-object", "no-public-key", "files-list", "other-schema", "bad-digest"],
)
def test_a_manifest_that_is_no_manifest_is_one_line(
    tmp_path: Path, run_dir: Path, manifest: bytes | None, says: str
) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    path = run_dir / bundle.MANIFEST
    if manifest is None:
        document = json.loads(path.read_text())
        del document["public_key"]
        manifest = json.dumps(document).encode()
    path.write_bytes(manifest)
    line = assert_one_line(cli("verify", str(run_dir), "--public-key", str(keys.public_path)))
    assert says in line
    assert str(path) in line


def test_a_fifo_or_a_missing_signature_is_not_a_bundle(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    (run_dir / bundle.SIGNATURE).write_text("not base64 !!\n")
    assert "not base64" in assert_one_line(cli("verify", str(run_dir), "--public-key", str(keys.public_path)))
    (run_dir / bundle.SIGNATURE).unlink()
    assert "does not exist" in assert_one_line(cli("verify", str(run_dir), "--public-key", str(keys.public_path)))
    (run_dir / bundle.MANIFEST).unlink()
    os.mkfifo(run_dir / bundle.MANIFEST)  # would block a reader forever
    line = assert_one_line(cli("verify", str(run_dir), "--public-key", str(keys.public_path)))
    assert "not a regular file" in line


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
    assert_one_line(cli("verify", str(unsigned), "--public-key", str(ours.public_path)))
    assert_one_line(cli("verify", str(tmp_path / "nowhere"), "--public-key", str(ours.public_path)))
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
