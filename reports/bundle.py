"""Signed evidence bundles: a manifest of SHA-256 digests of every file of a run, signed with Ed25519.

    keys = create_keys(directory)           # private key 0600, public key beside it
    sign_run(run_dir, keys.private_path)    # writes manifest.json and manifest.sig
    problems = verify_run(run_dir, public)  # changed, added, missing files; a bad signature

The signature covers the manifest's exact bytes, and the manifest every file's digest, so changing
any byte of any file, adding or removing one, or editing the manifest is detected. Verification
always needs a key the verifier trusts: the public key a bundle carries proves nothing, since
whoever re-signs a tampered bundle puts their own key there.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "PUBLIC_KEY_ENV",
    "KeyPair",
    "NotABundle",
    "Verification",
    "create_keys",
    "file_digests",
    "fingerprint",
    "load_public",
    "private_fingerprint",
    "shown",
    "sign_run",
    "trusted_key",
    "verify_run",
]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY_ENV = "VENDOR_AUDIT_PUBLIC_KEY"
# A manifest lists digests, a key holds a few hundred bytes: anything far larger is not what `sign` wrote.
_MAX_MANIFEST = 64 << 20
_MAX_KEY = 64 << 10


class NotABundle(ValueError):
    """The directory, its manifest or the key cannot be verified at all (exit 2), as opposed to tampered (exit 1)."""


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
    """A new Ed25519 key pair; the private key file is created 0600. Neither file is ever overwritten.

    Raises:
        FileExistsError: either file exists (its `filename` says which); nothing was written.
        ValueError: `name` is not a plain file name.
    """
    if not name or name in {".", ".."} or any(c in name for c in "/\\\0"):
        raise ValueError(f"--name {name!r}: give a plain file name (NAME.key and NAME.pub go into --dir)")
    if os.path.lexists(directory) and not directory.is_dir():
        raise ValueError(f"--dir {directory} is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    for path in (private_path, public_path):
        if os.path.lexists(path):  # a dangling symlink counts: writing through it would create its target
            raise FileExistsError(17, "exists", str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL on both: another `keys create` racing this one cannot have either file overwritten.
    _write_new(private_path, pem, 0o600)
    try:
        _write_new(public_path, public_pem, 0o644)
    except BaseException:
        private_path.unlink()  # half a pair is useless, and a retry would then refuse the name
        raise
    return KeyPair(private_path, public_path, fingerprint(key.public_key()))


def _write_new(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


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
    """The Ed25519 public key in PEM at `path`.

    Raises:
        NotABundle: missing, not a regular file, not PEM, or another kind of key; the message names the file.
    """
    hint = "give the signer's NAME.pub from `vendor-audit keys create`"
    data = _read_regular(path, _MAX_KEY, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = str(exc).split(". ")[0][:200]
        raise NotABundle(f"{path} is not a public key in PEM ({reason}); {hint}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise NotABundle(f"{path} is not an Ed25519 public key; {hint}")
    return key


def trusted_key(given: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """The public key to verify with: `--public-key`, else the file $VENDOR_AUDIT_PUBLIC_KEY names.

    Raises:
        NotABundle: neither is given; the message says how to give one.
    """
    if given is not None:
        return given
    named = (os.environ if environ is None else environ).get(PUBLIC_KEY_ENV, "").strip()
    if named:
        return Path(named)
    raise NotABundle(
        "no trusted public key: give --public-key FILE (the signer's NAME.pub) or set "
        f"{PUBLIC_KEY_ENV}=FILE; the key inside a bundle is not trusted, since whoever changed the bundle "
        "could have re-signed it with their own"
    )


def _read_regular(path: Path, limit: int, what: str) -> bytes:
    try:
        # A FIFO or a device in place of the manifest or key would block or never end: refused before opening.
        if not path.is_file():
            reason = "does not exist" if not os.path.lexists(path) else "is not a regular file"
            raise NotABundle(f"{path}: the {what} {reason}")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        if isinstance(exc, NotABundle):
            raise
        raise NotABundle(f"{path}: cannot read the {what} ({getattr(exc, 'strerror', None) or exc})") from None
    if len(data) > limit:
        raise NotABundle(f"{path}: the {what} is larger than {limit >> 10} KiB; not one vendor-audit wrote")
    return data


def private_fingerprint(private_key: Path) -> str:
    """The fingerprint a run signed with this private key will carry (reports show it before signing)."""
    return fingerprint(_load_private(private_key).public_key())


def sign_run(run_dir: Path, private_key: Path) -> str:
    """Write the run's manifest and its signature; return the signing key's fingerprint."""
    key = _load_private(private_key)
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir} is not a directory; give the run directory to sign")
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
    fingerprint: str  # of the trusted key the bundle was checked against
    signer: str  # the key fingerprint the manifest claims; proven only when `ok`
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


_FIELDS = {"schema": str, "algorithm": str, "key_fingerprint": str, "public_key": str, "files": dict}


def _manifest(run_dir: Path) -> tuple[bytes, bytes, dict[str, Any]]:
    """The manifest's bytes, the signature and the parsed manifest, or NotABundle saying what is wrong."""
    if not run_dir.is_dir():
        raise NotABundle(f"{run_dir} is not a directory; give a run directory signed by `vendor-audit sign`")
    data = _read_regular(run_dir / MANIFEST, _MAX_MANIFEST, "manifest")
    text = _read_regular(run_dir / SIGNATURE, 4096, "signature")
    try:
        signature = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise NotABundle(f"{run_dir / SIGNATURE}: the signature is not base64") from None
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested arrays, from a hostile bundle
        reason = f"line {exc.lineno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise NotABundle(
            f"{run_dir / MANIFEST}: not JSON ({reason}); not a manifest `vendor-audit sign` wrote"
        ) from None
    if not isinstance(manifest, dict):
        raise NotABundle(f"{run_dir / MANIFEST}: a JSON {type(manifest).__name__}, not the manifest object")
    missing = [name for name, kind in _FIELDS.items() if not isinstance(manifest.get(name), kind)]
    if missing:
        raise NotABundle(f"{run_dir / MANIFEST}: lacks {', '.join(missing)} (or of the wrong type); not a bundle.v1")
    if manifest["schema"] != "bundle.v1" or manifest["algorithm"] != "Ed25519":
        raise NotABundle(
            f"{run_dir / MANIFEST}: schema {manifest['schema'][:40]!r}, algorithm {manifest['algorithm'][:40]!r}; "
            "this version verifies bundle.v1 signed with Ed25519"
        )
    files = manifest["files"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise NotABundle(f"{run_dir / MANIFEST}: files must map each path to its SHA-256 in hex")
    return data, signature, manifest


def verify_run(run_dir: Path, public_key: Path) -> Verification:
    """Every problem with the bundle, checked against `public_key` (never the key the bundle carries).

    Problems are a bad signature (a change to the manifest, or another signer) and changed, added or
    missing files. A directory that cannot be checked at all raises instead.

    Raises:
        NotABundle: no readable manifest or signature, a manifest that is not a bundle.v1 object, or an
            unusable key; one line naming the file.
    """
    key = load_public(public_key)
    data, signature, manifest = _manifest(run_dir)
    trusted, signer = fingerprint(key), shown(manifest["key_fingerprint"][:64])
    problems = []
    try:
        key.verify(signature, data)
    except InvalidSignature:
        if signer != trusted:
            problems.append(f"bad signature: the manifest names key {signer}, not the trusted key {trusted}")
        else:
            problems.append("bad signature: the manifest was changed, or signed with another key")
    else:
        if signer != trusted:  # signed by the trusted key, yet it says otherwise: the signer wrote it wrong
            problems.append(f"the manifest names key {signer}, but the trusted key {trusted} signed it")
    recorded: dict[str, str] = manifest["files"]
    actual = file_digests(run_dir)
    problems += [
        f"changed: {shown(name)}" for name in sorted(recorded) if name in actual and actual[name] != recorded[name]
    ]
    problems += [f"missing: {shown(name)}" for name in sorted(recorded) if name not in actual]
    problems += [f"added: {shown(name)}" for name in sorted(actual) if name not in recorded]
    return Verification(trusted, signer, problems)


def shown(text: str) -> str:
    """Names from a bundle reach the terminal: control characters (ESC, BEL) are shown escaped, never sent raw."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
