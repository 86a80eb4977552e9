"""Signed evidence bundles: a manifest of SHA-256 digests of every file of a run, signed with Ed25519.

    keys = create_keys(directory)           # private key 0600, public key beside it
    sign_run(run_dir, keys.private_path)    # writes manifest.json and manifest.sig
    problems = verify_run(run_dir, public)  # changed, added, missing files; a bad signature

The signature covers the manifest's exact bytes, and the manifest every file's digest, so changing
any byte of any file, adding or removing one, or editing the manifest is detected.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["KeyPair", "create_keys", "file_digests", "fingerprint", "private_fingerprint", "sign_run", "verify_run"]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_path: Path
    public_path: Path
    fingerprint: str


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, as colon-separated hex pairs (the form reports show)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))  # the first 16 bytes are plenty to compare


def create_keys(directory: Path, name: str = "vendor-audit") -> KeyPair:
    """A new Ed25519 key pair; the private key file is created 0600 and never overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # refuses to overwrite
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return KeyPair(private_path, public_path, fingerprint(key.public_key()))


def file_digests(run_dir: Path) -> dict[str, str]:
    """SHA-256 of every file below run_dir but the manifest and its signature, by relative POSIX path."""
    found = {}
    for path in sorted(run_dir.rglob("*")):
        relative = path.relative_to(run_dir).as_posix()
        if path.is_file() and relative not in {MANIFEST, SIGNATURE}:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            found[relative] = digest.hexdigest()
    return found


def _load_private(path: Path) -> Ed25519PrivateKey:
    hint = "make one with `vendor-audit keys create`"
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:  # not PEM, damaged, or protected by a passphrase
        reason = str(exc).split(". ")[0]
        raise ValueError(f"{path} is not an Ed25519 private key in unencrypted PEM ({reason}); {hint}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key ({hint})")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def private_fingerprint(private_key: Path) -> str:
    """The fingerprint a run signed with this private key will carry (reports show it before signing)."""
    return fingerprint(_load_private(private_key).public_key())


def sign_run(run_dir: Path, private_key: Path) -> str:
    """Write the run's manifest and its signature; return the signing key's fingerprint."""
    key = _load_private(private_key)
    public = key.public_key()
    manifest = {
        "schema": "bundle.v1",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "algorithm": "Ed25519",
        "key_fingerprint": fingerprint(public),
        "public_key": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        "files": file_digests(run_dir),
    }
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (run_dir / MANIFEST).write_bytes(data)
    (run_dir / SIGNATURE).write_text(base64.b64encode(key.sign(data)).decode() + "\n")
    return str(manifest["key_fingerprint"])


@dataclass
class Verification:
    fingerprint: str | None
    trusted_key: bool  # verified with a key the caller supplied, not only the one the bundle carries
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_run(run_dir: Path, public_key: Path | None = None) -> Verification:
    """Every problem with the bundle: unreadable manifest, bad signature, changed, added or missing files."""
    try:
        data = (run_dir / MANIFEST).read_bytes()
        signature = base64.b64decode((run_dir / SIGNATURE).read_text().strip(), validate=True)
        manifest = json.loads(data)
    except (OSError, ValueError) as exc:
        return Verification(
            None,
            False,
            [f"{run_dir} is not a signed bundle ({exc.__class__.__name__}: {MANIFEST} and {SIGNATURE} are needed)"],
        )
    problems = []
    key = load_public(public_key) if public_key else serialization.load_pem_public_key(manifest["public_key"].encode())
    if not isinstance(key, Ed25519PublicKey):
        return Verification(None, False, ["the bundle's key is not Ed25519"])
    try:
        key.verify(signature, data)
    except InvalidSignature:
        problems.append("bad signature: the manifest was changed, or signed with another key")
    if public_key and fingerprint(key) != manifest.get("key_fingerprint"):
        problems.append(f"signed by key {manifest.get('key_fingerprint')}, not by {fingerprint(key)}")
    recorded: dict[str, str] = manifest.get("files", {})
    actual = file_digests(run_dir)
    problems += [f"changed: {name}" for name in sorted(recorded) if name in actual and actual[name] != recorded[name]]
    problems += [f"missing: {name}" for name in sorted(recorded) if name not in actual]
    problems += [f"added: {name}" for name in sorted(actual) if name not in recorded]
    return Verification(fingerprint(key), public_key is not None, problems)
