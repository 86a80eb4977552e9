"""Signed evidence bundles: keys, signing, and verification that catches any change to any byte."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vendor_audit.reports import bundle

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
README = Path(__file__).resolve().parents[1] / "README.md"
SSH_KEYGEN = Path("/usr/bin/ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(not SSH_KEYGEN.exists(), reason="OpenSSH's ssh-keygen is not at /usr/bin")
needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils' sha256sum is not installed")
# What README.md tells a reviewer to run in the run directory, with SIGNERS naming the trusted allowed_signers file.
CHECK_SUMS_SIGNATURE = (
    'ssh-keygen -Y verify -f "$SIGNERS" -I vendor-audit -n vendor-audit -s SHA256SUMS.sshsig < SHA256SUMS'
)
CHECK_FILES = "sha256sum --check --strict SHA256SUMS"
LIST_ADDED = (
    "(find . ! -type d ! -path ./SHA256SUMS ! -path ./SHA256SUMS.sshsig | cut -c3-; cut -c67- SHA256SUMS) "
    "| LC_ALL=C sort | uniq -u"
)
CHECK_MANIFEST_SIGNATURE = (
    'ssh-keygen -Y verify -f "$SIGNERS" -I vendor-audit -n vendor-audit -s manifest.sshsig < manifest.json'
)


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


@pytest.mark.parametrize("present", ["key", "pub", "allowed_signers"])
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
    assert "also checked: manifest.sshsig, bundle.intoto.jsonl, SHA256SUMS, SHA256SUMS.sshsig" in command.stdout
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


# -- the standard envelopes: what a reviewer checks with OpenSSH and coreutils alone -------------------------------


def reviewer(command: str, run_dir: Path, keys: bundle.KeyPair) -> subprocess.CompletedProcess[str]:
    """One README command, run as a reviewer would: a POSIX shell in the run directory."""
    environ = {**os.environ, "SIGNERS": str(keys.allowed_signers_path), "LC_ALL": "C"}
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=run_dir, capture_output=True, text=True, timeout=60, check=False, env=environ
    )


@pytest.fixture
def signed(tmp_path: Path, run_dir: Path) -> bundle.KeyPair:
    keys = bundle.create_keys(tmp_path / "keys")
    bundle.sign_run(run_dir, keys.private_path)
    return keys


def test_the_readme_names_the_commands_the_tests_run() -> None:
    text = README.read_text()
    for command in (CHECK_SUMS_SIGNATURE, CHECK_FILES, LIST_ADDED, CHECK_MANIFEST_SIGNATURE):
        assert command in text, command


def test_keys_create_writes_the_allowed_signers_line_the_command_prints(tmp_path: Path) -> None:
    result = cli("keys", "create", "--dir", str(tmp_path))
    signers = tmp_path / "vendor-audit.allowed_signers"
    assert f"allowed signers: {signers}" in result.stdout
    line = signers.read_text()
    public = bundle.load_public(tmp_path / "vendor-audit.pub")
    openssh = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    assert line == f'vendor-audit namespaces="vendor-audit" {openssh}\n'
    printed = cli("keys", "allowed-signers", str(tmp_path / "vendor-audit.pub"))
    assert (printed.returncode, printed.stdout) == (0, line)
    renamed = cli("keys", "allowed-signers", str(tmp_path / "vendor-audit.pub"), "--principal", "qsa@brand.example")
    assert renamed.stdout.startswith('qsa@brand.example namespaces="vendor-audit" ssh-ed25519 ')
    for principal in ("two words", "a,b", "*"):  # would name other principals, or every one
        refused = cli("keys", "allowed-signers", str(tmp_path / "vendor-audit.pub"), "--principal", principal)
        assert "letters, digits" in assert_one_line(refused)
    assert "vendor-audit.key" in assert_one_line(cli("keys", "allowed-signers", str(tmp_path / "vendor-audit.key")))


@needs_ssh_keygen
@needs_sha256sum
def test_openssh_and_coreutils_alone_verify_a_signed_bundle(run_dir: Path, signed: bundle.KeyPair) -> None:
    for command in (CHECK_SUMS_SIGNATURE, CHECK_MANIFEST_SIGNATURE):
        result = reviewer(command, run_dir, signed)
        assert result.returncode == 0, result.stderr
        assert 'Good "vendor-audit" signature for vendor-audit with ED25519 key' in result.stdout + result.stderr
    files = reviewer(CHECK_FILES, run_dir, signed)
    assert files.returncode == 0, files.stdout + files.stderr
    checked = {line.removesuffix(": OK") for line in files.stdout.splitlines()}
    every_file = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}
    assert checked == every_file - {bundle.SUMS, bundle.SUMS_SIGNATURE}  # the manifest and its signatures too
    added = reviewer(LIST_ADDED, run_dir, signed)
    assert (added.returncode, added.stdout) == (0, "")
    assert bundle.verify_run(run_dir, signed.public_path).ok


@needs_ssh_keygen
@needs_sha256sum
@pytest.mark.parametrize("name", ["findings.json", "sub/latency.svg", bundle.MANIFEST])
def test_a_flipped_byte_fails_the_standard_check(run_dir: Path, signed: bundle.KeyPair, name: str) -> None:
    target = run_dir / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    result = reviewer(CHECK_FILES, run_dir, signed)
    assert result.returncode != 0
    assert f"{name}: FAILED" in result.stdout
    assert reviewer(CHECK_SUMS_SIGNATURE, run_dir, signed).returncode == 0  # the list itself is still the signed one
    if name == bundle.MANIFEST:
        assert reviewer(CHECK_MANIFEST_SIGNATURE, run_dir, signed).returncode != 0
    assert not bundle.verify_run(run_dir, signed.public_path).ok


@needs_ssh_keygen
@needs_sha256sum
def test_a_sums_list_edited_to_match_a_tampered_file_fails_its_signature(run_dir: Path, signed: bundle.KeyPair) -> None:
    (run_dir / "findings.json").write_text('{"findings": ["all green"]}\n')
    old = hashlib.sha256(b'{"findings": []}\n').hexdigest()
    new = hashlib.sha256((run_dir / "findings.json").read_bytes()).hexdigest()
    sums = run_dir / bundle.SUMS
    sums.write_text(sums.read_text().replace(old, new))
    assert reviewer(CHECK_FILES, run_dir, signed).returncode == 0  # the list now agrees with the files ...
    result = reviewer(CHECK_SUMS_SIGNATURE, run_dir, signed)
    assert result.returncode != 0  # ... and is not the one the key signed
    assert "Good" not in result.stdout + result.stderr
    problems = bundle.verify_run(run_dir, signed.public_path).problems
    assert "changed: findings.json" in problems
    assert any(p.startswith(f"{bundle.SUMS_SIGNATURE}: bad signature") for p in problems)
    assert f"{bundle.SUMS}: disagrees with the signed manifest on findings.json" in problems


@needs_ssh_keygen
@needs_sha256sum
def test_an_added_file_is_listed_by_the_standard_procedure(run_dir: Path, signed: bundle.KeyPair) -> None:
    (run_dir / "sub" / "slipped in.txt").write_text("a report nobody signed")
    assert reviewer(CHECK_FILES, run_dir, signed).returncode == 0  # sha256sum checks only what is listed ...
    assert reviewer(LIST_ADDED, run_dir, signed).stdout == "sub/slipped in.txt\n"  # ... the listing shows the rest
    assert bundle.verify_run(run_dir, signed.public_path).problems == ["added: sub/slipped in.txt"]


@needs_ssh_keygen
@needs_sha256sum
def test_an_added_link_is_listed_by_the_standard_procedure_and_refused(
    tmp_path: Path, run_dir: Path, signed: bundle.KeyPair
) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "d").mkdir(parents=True)
    (outside / "evil.html").write_text("<p>approved</p>")
    (run_dir / "approved-by-qsa.html").symlink_to(outside / "evil.html")
    (run_dir / "extra").symlink_to(outside / "d")
    assert reviewer(CHECK_FILES, run_dir, signed).returncode == 0
    assert reviewer(LIST_ADDED, run_dir, signed).stdout == "approved-by-qsa.html\nextra\n"
    problems = bundle.verify_run(run_dir, signed.public_path).problems
    assert problems == [
        "added: approved-by-qsa.html (not a regular file: a link or a device)",
        "added: extra (not a regular file: a link or a device)",
    ]


@needs_ssh_keygen
def test_a_bundle_re_signed_with_another_key_fails_ssh_keygen(tmp_path: Path, run_dir: Path) -> None:
    ours = bundle.create_keys(tmp_path / "ours")
    theirs = bundle.create_keys(tmp_path / "theirs")
    bundle.sign_run(run_dir, theirs.private_path)
    for command in (CHECK_SUMS_SIGNATURE, CHECK_MANIFEST_SIGNATURE):
        assert reviewer(command, run_dir, ours).returncode != 0
        assert reviewer(command, run_dir, theirs).returncode == 0
    problems = bundle.verify_run(run_dir, ours.public_path).problems
    for envelope in (bundle.SSH_SIGNATURE, bundle.SUMS_SIGNATURE):
        assert f"{envelope}: signed by another key, not the trusted one" in problems


@needs_ssh_keygen
def test_signatures_ssh_keygen_makes_verify_here(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "id_ed25519"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    )
    private.chmod(0o600)
    message = tmp_path / "manifest.json"
    message.write_bytes(b'{"files": {}}\n')
    for namespace in ("vendor-audit", "file"):
        subprocess.run(
            [str(SSH_KEYGEN), "-q", "-Y", "sign", "-f", str(private), "-n", namespace, str(message)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        made = (tmp_path / "manifest.json.sig").read_bytes()
        (tmp_path / "manifest.json.sig").unlink()
        why = bundle.verify_ssh_signature(key.public_key(), message.read_bytes(), made)
        assert why == (None if namespace == "vendor-audit" else "signed for namespace 'file', not 'vendor-audit'")
    assert bundle.verify_ssh_signature(key.public_key(), b"other", made) is not None
    assert bundle.verify_ssh_signature(key.public_key(), b"x", b"-----BEGIN SSH SIGNATURE-----\nAAAA\n") is not None


def test_the_attestation_is_an_in_toto_statement_in_a_dsse_envelope(run_dir: Path, signed: bundle.KeyPair) -> None:
    envelope = json.loads((run_dir / bundle.ATTESTATION).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    payload = base64.b64decode(envelope["payload"])
    (signature,) = envelope["signatures"]
    # DSSE's pre-authentication encoding, built here from the spec rather than with the code under test.
    pae = b"DSSEv1 %d %s %d %s" % (28, b"application/vnd.in-toto+json", len(payload), payload)
    bundle.load_public(signed.public_path).verify(base64.b64decode(signature["sig"]), pae)
    assert bundle._pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"  # the DSSE spec's test vector (protocol.md)
    )
    statement = json.loads(payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == bundle.PREDICATE_TYPE
    manifest = json.loads((run_dir / bundle.MANIFEST).read_text())
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == manifest["files"]
    manifest_digest = hashlib.sha256((run_dir / bundle.MANIFEST).read_bytes()).hexdigest()
    assert statement["predicate"]["manifest"] == {"name": "manifest.json", "digest": {"sha256": manifest_digest}}
    # A statement that names other subjects, even re-encoded with a valid layout, no longer carries the signature.
    statement["subject"][0]["digest"]["sha256"] = "0" * 64
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (run_dir / bundle.ATTESTATION).write_text(json.dumps(envelope) + "\n")
    problems = bundle.verify_run(run_dir, signed.public_path).problems
    assert any(p.startswith(f"{bundle.ATTESTATION}: bad signature") for p in problems)


def old_format_sign(run_dir: Path, private: Path) -> None:
    """What `sign` wrote before the standard envelopes: manifest.json and manifest.sig only."""
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    public = key.public_key()
    manifest = {
        "schema": "bundle.v1",
        "created": "2026-11-01T10:00:00+00:00",
        "algorithm": "Ed25519",
        "key_fingerprint": bundle.fingerprint(public),
        "public_key": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        "files": bundle.file_digests(run_dir),
    }
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (run_dir / bundle.MANIFEST).write_bytes(data)
    (run_dir / bundle.SIGNATURE).write_text(base64.b64encode(key.sign(data)).decode() + "\n")


def test_an_old_bundle_still_verifies_and_envelopes_slipped_into_it_are_checked(tmp_path: Path, run_dir: Path) -> None:
    keys = bundle.create_keys(tmp_path / "keys")
    old_format_sign(run_dir, keys.private_path)
    assert bundle.verify_run(run_dir, keys.public_path).ok
    command = cli("verify", str(run_dir), "--public-key", str(keys.public_path))
    assert (command.returncode, command.stdout.splitlines()[-1]) == (0, "intact")
    (run_dir / bundle.SUMS).write_text(f"{'0' * 64}  findings.json\n")  # a made-up list beside an old bundle
    (run_dir / bundle.SSH_SIGNATURE).write_text("-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n")
    problems = bundle.verify_run(run_dir, keys.public_path).problems
    assert f"{bundle.SSH_SIGNATURE}: a damaged SSH signature" in problems
    assert any(p.startswith(f"{bundle.SUMS}: disagrees with the signed manifest on") for p in problems)
    assert cli("verify", str(run_dir), "--public-key", str(keys.public_path)).returncode == 1


@pytest.mark.parametrize("envelope", bundle.ENVELOPES)
def test_a_removed_envelope_is_reported(run_dir: Path, signed: bundle.KeyPair, envelope: str) -> None:
    (run_dir / envelope).unlink()
    assert f"missing: {envelope}" in bundle.verify_run(run_dir, signed.public_path).problems[0]


def test_the_private_key_never_appears_in_any_output(tmp_path: Path, run_dir: Path) -> None:
    outputs = [cli("keys", "create", "--dir", str(tmp_path / "keys"))]
    private = tmp_path / "keys" / "vendor-audit.key"
    outputs.append(cli("sign", str(run_dir), "--key", str(private)))
    outputs.append(cli("verify", str(run_dir), "--public-key", str(tmp_path / "keys" / "vendor-audit.pub")))
    outputs.append(cli("keys", "allowed-signers", str(tmp_path / "keys" / "vendor-audit.pub")))
    outputs.append(cli("keys", "allowed-signers", str(private)))  # the wrong file given: refused without echoing it
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pem_body = "".join(private.read_text().splitlines()[1:-1])
    secrets = [pem_body, pem_body[:40], seed.hex(), base64.b64encode(seed).decode()[:40]]
    texts = [o.stdout + o.stderr for o in outputs]
    texts += [p.read_text(errors="replace") for p in (tmp_path / "keys").iterdir() if p != private]
    texts += [p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file()]
    for text in texts:
        flat = "".join(text.split())
        for secret in secrets:
            assert secret not in flat
