"""Signed evidence bundles: a manifest of SHA-256 digests of every file of a run, signed with Ed25519.

    keys = create_keys(directory)           # private key 0600, public key and allowed_signers line beside it
    sign_run(run_dir, keys.private_path)    # writes the manifest, its signatures and SHA256SUMS
    problems = verify_run(run_dir, public)  # changed, added, missing files; a bad signature

The signature covers the manifest's exact bytes, and the manifest every file's digest, so changing
any byte of any file, adding or removing one, or editing the manifest is detected. Verification
always needs a key the verifier trusts: the public key a bundle carries proves nothing, since
whoever re-signs a tampered bundle puts their own key there.

The same key signs the bundle in envelopes standard tools check, so a reviewer needs no vendor-audit:

    manifest.json, manifest.sig   bundle.v1 manifest; raw Ed25519 over it, base64     vendor-audit verify
    manifest.sshsig               SSH signature over manifest.json (namespace         ssh-keygen -Y verify
                                  vendor-audit)
    SHA256SUMS                    every other file's SHA-256, coreutils format        sha256sum -c
    SHA256SUMS.sshsig             SSH signature over SHA256SUMS                       ssh-keygen -Y verify
    bundle.intoto.jsonl           in-toto Statement v1 (subjects: the manifest's      in-toto, sigstore tools
                                  files) in a DSSE envelope

SSH signatures follow https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig (built here with
`cryptography`, checked against OpenSSH's ssh-keygen in the tests); DSSE follows
https://github.com/secure-systems-lab/dsse/blob/master/envelope.md and the Statement
https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "PUBLIC_KEY_ENV",
    "SSH_NAMESPACE",
    "SSH_PRINCIPAL",
    "KeyPair",
    "NotABundle",
    "Verification",
    "allowed_signers_line",
    "create_keys",
    "file_digests",
    "fingerprint",
    "load_public",
    "private_fingerprint",
    "shown",
    "sign_run",
    "ssh_signature",
    "trusted_key",
    "verify_run",
    "verify_ssh_signature",
]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SSH_SIGNATURE = "manifest.sshsig"
SUMS = "SHA256SUMS"
SUMS_SIGNATURE = "SHA256SUMS.sshsig"
ATTESTATION = "bundle.intoto.jsonl"
ENVELOPES = (SSH_SIGNATURE, ATTESTATION, SUMS, SUMS_SIGNATURE)  # what `sign` writes beside manifest.sig
_BUNDLE_FILES = frozenset({MANIFEST, SIGNATURE, *ENVELOPES})  # the signing layer, not the run's own files
PUBLIC_KEY_ENV = "VENDOR_AUDIT_PUBLIC_KEY"
SSH_NAMESPACE = "vendor-audit"  # ssh-keygen -Y ... -n: a signature made for one purpose is refused for another
SSH_PRINCIPAL = "vendor-audit"  # the name the allowed_signers line gives the key (ssh-keygen -Y verify -I)
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "urn:vendor-audit:bundle:v1"
DSSE_PAYLOAD_TYPE = "application/vnd.in-toto+json"
# A manifest lists digests, a key holds a few hundred bytes: anything far larger is not what `sign` wrote.
_MAX_MANIFEST = 64 << 20
_MAX_KEY = 64 << 10
_MAX_SSH_SIGNATURE = 16 << 10
_SSHSIG_MAGIC = b"SSHSIG"
_SSH_ED25519 = b"ssh-ed25519"
_PRINCIPAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")  # no space, comma, quote or wildcard


class NotABundle(ValueError):
    """The directory, its manifest or the key cannot be verified at all (exit 2), as opposed to tampered (exit 1)."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_path: Path
    public_path: Path
    fingerprint: str
    allowed_signers_path: Path  # the public key as an OpenSSH allowed_signers line, for ssh-keygen -Y verify


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, as colon-separated hex pairs (the form reports show)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))  # the first 16 bytes are plenty to compare


def allowed_signers_line(public_key: Ed25519PublicKey, principal: str = SSH_PRINCIPAL) -> str:
    """The key as one line of an OpenSSH allowed_signers file, valid for the `vendor-audit` namespace only.

    The format is ssh-keygen(1)'s ALLOWED SIGNERS: principals, options, key type and base64 key.

    Raises:
        ValueError: the principal holds a space, comma, quote or wildcard (it would change the line's meaning).
    """
    if not _PRINCIPAL.match(principal):
        raise ValueError(f"principal {principal!r}: letters, digits and . _ @ + - only (e.g. {SSH_PRINCIPAL})")
    openssh = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f'{principal} namespaces="{SSH_NAMESPACE}" {openssh}\n'


def create_keys(directory: Path, name: str = "vendor-audit") -> KeyPair:
    """A new Ed25519 key pair, and its allowed_signers line; the private key file is created 0600.

    NAME.key, NAME.pub and NAME.allowed_signers are never overwritten.

    Raises:
        FileExistsError: one of the files exists (its `filename` says which); nothing was written.
        ValueError: `name` is not a plain file name.
    """
    if not name or name in {".", ".."} or any(c in name for c in "/\\\0"):
        raise ValueError(f"--name {name!r}: give a plain file name (NAME.key and NAME.pub go into --dir)")
    if os.path.lexists(directory) and not directory.is_dir():
        raise ValueError(f"--dir {directory} is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    signers_path = directory / f"{name}.allowed_signers"
    for path in (private_path, public_path, signers_path):
        if os.path.lexists(path):  # a dangling symlink counts: writing through it would create its target
            raise FileExistsError(17, "exists", str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL on each: another `keys create` racing this one cannot have any file overwritten.
    _write_new(private_path, pem, 0o600)
    written = [private_path]
    try:
        for path, data in ((public_path, public_pem), (signers_path, allowed_signers_line(key.public_key()).encode())):
            _write_new(path, data, 0o644)
            written.append(path)
    except BaseException:
        for path in written:  # half a pair is useless, and a retry would then refuse the name
            path.unlink()
        raise
    return KeyPair(private_path, public_path, fingerprint(key.public_key()), signers_path)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def file_digests(run_dir: Path, *, skip: frozenset[str] = _BUNDLE_FILES) -> dict[str, str]:
    """SHA-256 of every regular file below run_dir but the signing layer (manifest, signatures, sums), by POSIX path.

    Symbolic links are not followed and not listed: `not_regular` names them, and verification refuses them.
    """
    found = {}
    for root, dirs, files in os.walk(run_dir):  # never follows a symlinked directory
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            relative = path.relative_to(run_dir).as_posix()
            if relative not in skip and not path.is_symlink() and path.is_file():
                found[relative] = _sha256(path)
    return dict(sorted(found.items()))


def not_regular(run_dir: Path) -> list[str]:
    """Entries below run_dir that are neither directories nor regular files: symlinks, FIFOs, sockets.

    `sign` never writes one, and a link added to a signed bundle would pass for a file the signature covers, so
    verification reports each.
    """
    found = []
    for root, dirs, files in os.walk(run_dir):
        for name in (*dirs, *files):
            path = Path(root) / name
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                found.append(path.relative_to(run_dir).as_posix())
    return sorted(found)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """Write the run's manifest, its signatures and SHA256SUMS; return the signing key's fingerprint.

    Order matters: the manifest lists the run's files; its signatures and the attestation cover the manifest;
    SHA256SUMS lists every file but itself and its signature (the manifest and its signatures too), so a reviewer's
    `sha256sum -c` checks all of them once SHA256SUMS.sshsig has proven SHA256SUMS.
    """
    key = _load_private(private_key)
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir} is not a directory; give the run directory to sign")
    public = key.public_key()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    files = file_digests(run_dir)
    manifest = {
        "schema": "bundle.v1",
        "created": created,
        "algorithm": "Ed25519",
        "key_fingerprint": fingerprint(public),
        "public_key": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        "files": files,
        "envelopes": list(ENVELOPES),  # so `verify` misses none that was removed
    }
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (run_dir / MANIFEST).write_bytes(data)
    (run_dir / SIGNATURE).write_text(base64.b64encode(key.sign(data)).decode() + "\n")
    (run_dir / SSH_SIGNATURE).write_text(ssh_signature(key, data))
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": digest}} for name, digest in files.items()],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "created": created,
            "key_fingerprint": manifest["key_fingerprint"],
            "manifest": {"name": MANIFEST, "digest": {"sha256": hashlib.sha256(data).hexdigest()}},
        },
    }
    (run_dir / ATTESTATION).write_text(_dsse_envelope(key, statement) + "\n")
    sums = _render_sums(file_digests(run_dir, skip=frozenset({SUMS, SUMS_SIGNATURE})))
    (run_dir / SUMS).write_bytes(sums)
    (run_dir / SUMS_SIGNATURE).write_text(ssh_signature(key, sums))
    return str(manifest["key_fingerprint"])


# -- SSH signatures (PROTOCOL.sshsig) -------------------------------------------------------------------------


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data  # RFC 4253 section 5: uint32 length, then the bytes


def _ssh_public_blob(public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _ssh_string(_SSH_ED25519) + _ssh_string(raw)  # RFC 8709 section 4


def _sshsig_signed_data(namespace: bytes, hash_algorithm: bytes, message: bytes) -> bytes:
    hashed = hashlib.new(hash_algorithm.decode(), message).digest()
    return _SSHSIG_MAGIC + _ssh_string(namespace) + _ssh_string(b"") + _ssh_string(hash_algorithm) + _ssh_string(hashed)


def ssh_signature(key: Ed25519PrivateKey, message: bytes, namespace: str = SSH_NAMESPACE) -> str:
    """The armored SSH signature of `message`, as `ssh-keygen -Y sign -n NAMESPACE` writes it (SHA-512 hashed)."""
    name = namespace.encode()
    signature = _ssh_string(_SSH_ED25519) + _ssh_string(key.sign(_sshsig_signed_data(name, b"sha512", message)))
    blob = (
        _SSHSIG_MAGIC
        + struct.pack(">I", 1)
        + _ssh_string(_ssh_public_blob(key.public_key()))
        + _ssh_string(name)
        + _ssh_string(b"")
        + _ssh_string(b"sha512")
        + _ssh_string(signature)
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]  # the width ssh-keygen wraps at
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


class _SSHReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def string(self) -> bytes:
        (size,) = struct.unpack(">I", self.take(4))
        return self.take(size)


def verify_ssh_signature(
    public_key: Ed25519PublicKey, message: bytes, armored: bytes, namespace: str = SSH_NAMESPACE
) -> str | None:
    """None when `armored` is a valid SSH signature of `message` by `public_key` in `namespace`, else why not."""
    text = armored.decode("ascii", errors="replace").strip()
    begin, end = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
    if not (text.startswith(begin) and text.endswith(end)):
        return "not an armored SSH signature"
    try:
        blob = base64.b64decode("".join(text[len(begin) : -len(end)].split()), validate=True)
        reader = _SSHReader(blob)
        if reader.take(6) != _SSHSIG_MAGIC or struct.unpack(">I", reader.take(4))[0] != 1:
            return "not an SSHSIG version 1 signature"
        signer, signed_namespace, _reserved, hash_algorithm = (reader.string() for _ in range(4))
        signature = _SSHReader(reader.string())
        kind, raw = signature.string(), signature.string()
    except (ValueError, struct.error):
        return "a damaged SSH signature"
    if signer != _ssh_public_blob(public_key):
        return "signed by another key, not the trusted one"
    if signed_namespace != namespace.encode():
        return f"signed for namespace {shown(signed_namespace.decode(errors='replace'))[:60]!r}, not {namespace!r}"
    if kind != _SSH_ED25519 or hash_algorithm not in {b"sha256", b"sha512"}:
        return "not an Ed25519 signature over SHA-256 or SHA-512"
    try:
        public_key.verify(raw, _sshsig_signed_data(signed_namespace, hash_algorithm, message))
    except InvalidSignature:
        return "bad signature: the signed file was changed"
    return None


# -- SHA256SUMS (GNU coreutils' sha256sum format) -------------------------------------------------------------


def _render_sums(digests: Mapping[str, str]) -> bytes:
    """`<hex>  <name>` per file, sorted; a name with a backslash or line break escaped behind a leading backslash.

    The format is coreutils' (https://www.gnu.org/software/coreutils/manual/html_node/md5sum-invocation.html).
    """
    lines = []
    for name in sorted(digests):
        if any(c in name for c in "\\\n\r"):
            escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            lines.append(f"\\{digests[name]}  {escaped}\n")
        else:
            lines.append(f"{digests[name]}  {name}\n")
    return "".join(lines).encode("utf-8", errors="surrogateescape")


_SUMS_LINE = re.compile(r"^(\\?)([0-9a-f]{64}) [ *](.+)$")


def _parse_sums(data: bytes) -> dict[str, str] | None:
    """The digests SHA256SUMS lists by name, or None when a line is not in sha256sum's format."""
    found: dict[str, str] = {}
    for line in data.decode("utf-8", errors="surrogateescape").removesuffix("\n").split("\n"):
        match = _SUMS_LINE.match(line)
        if match is None:
            return None
        escaped, digest, name = match.groups()
        if escaped:
            name = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), name)
        found[name] = digest
    return found


# -- in-toto Statement in a DSSE envelope ---------------------------------------------------------------------


def _pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what is signed is the type and the payload, each with its length."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _dsse_envelope(key: Ed25519PrivateKey, statement: Mapping[str, Any]) -> str:
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    signature = key.sign(_pae(DSSE_PAYLOAD_TYPE, payload))
    envelope = {
        "payloadType": DSSE_PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": fingerprint(key.public_key()), "sig": base64.b64encode(signature).decode()}],
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"))


def _attestation_problem(key: Ed25519PublicKey, data: bytes, files: Mapping[str, str]) -> str | None:
    """None when the DSSE envelope is signed by `key` and its Statement's subjects are the manifest's files."""
    try:
        (line,) = [text for text in data.decode().split("\n") if text.strip()]  # one envelope, one line (JSON Lines)
        envelope = json.loads(line)
        payload = base64.b64decode(envelope["payload"], validate=True)
        signatures = [base64.b64decode(s["sig"], validate=True) for s in envelope["signatures"]]
        payload_type = envelope["payloadType"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return "not a DSSE envelope on one line"
    if not isinstance(payload_type, str) or payload_type != DSSE_PAYLOAD_TYPE:
        return f"payloadType is not {DSSE_PAYLOAD_TYPE}"
    for signature in signatures:
        try:
            key.verify(signature, _pae(payload_type, payload))
            break
        except InvalidSignature:
            continue
    else:
        return "bad signature: the statement was changed, or signed with another key"
    try:
        statement = json.loads(payload)
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        kinds = (statement["_type"], statement["predicateType"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return "the signed payload is not an in-toto Statement with subjects"
    if kinds != (STATEMENT_TYPE, PREDICATE_TYPE):
        return f"not an in-toto Statement v1 of {PREDICATE_TYPE}"
    if subjects != dict(files):
        return "its subjects are not the files the manifest lists"
    return None


@dataclass
class Verification:
    fingerprint: str  # of the trusted key the bundle was checked against
    signer: str  # the key fingerprint the manifest claims; proven only when `ok`
    problems: list[str]
    envelopes: list[str] = field(default_factory=list)  # the standard envelopes found, and checked

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
    envelopes = manifest.get("envelopes", [])  # bundles signed before the standard envelopes have none
    if not isinstance(envelopes, list) or not all(isinstance(e, str) for e in envelopes):
        raise NotABundle(f"{run_dir / MANIFEST}: envelopes must list file names")
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
    problems += [f"added: {shown(name)} (not a regular file: a link or a device)" for name in not_regular(run_dir)]
    problems += _envelope_problems(run_dir, key, data, manifest)
    envelopes = [name for name in ENVELOPES if os.path.lexists(run_dir / name)]
    return Verification(trusted, signer, problems, envelopes)


def _envelope_problems(run_dir: Path, key: Ed25519PublicKey, data: bytes, manifest: Mapping[str, Any]) -> list[str]:
    """What is wrong with the standard envelopes: each one present is checked, each one the manifest names must be.

    A bundle signed before them has none and names none; one whose manifest names them and lacks one was pruned.
    """
    present = {name for name in ENVELOPES if os.path.lexists(run_dir / name)}
    promised = manifest.get("envelopes", [])
    problems = [f"missing: {name}" for name in ENVELOPES if name in promised and name not in present]
    if SSH_SIGNATURE in present:
        why = verify_ssh_signature(key, data, _read_regular(run_dir / SSH_SIGNATURE, _MAX_SSH_SIGNATURE, "signature"))
        problems += [f"{SSH_SIGNATURE}: {why}"] if why else []
    if ATTESTATION in present:
        attestation = _read_regular(run_dir / ATTESTATION, 2 * _MAX_MANIFEST, "attestation")
        why = _attestation_problem(key, attestation, manifest["files"])
        problems += [f"{ATTESTATION}: {why}"] if why else []
    if SUMS_SIGNATURE in present and SUMS not in present:
        problems.append(f"missing: {SUMS} (its signature {SUMS_SIGNATURE} is there)")
    if SUMS in present:
        sums = _read_regular(run_dir / SUMS, _MAX_MANIFEST, "checksum list")
        if SUMS_SIGNATURE in present:
            why = verify_ssh_signature(
                key, sums, _read_regular(run_dir / SUMS_SIGNATURE, _MAX_SSH_SIGNATURE, "signature")
            )
            problems += [f"{SUMS_SIGNATURE}: {why}"] if why else []
        # The sums must say what the signed manifest says (the run's files) and what the signing layer holds; a
        # changed report is already reported against the manifest, so it is not reported twice.
        layer = {
            name: _sha256(run_dir / name)
            for name in (MANIFEST, SIGNATURE, *present)
            if name not in {SUMS, SUMS_SIGNATURE}
        }
        listed = _parse_sums(sums)
        if listed is None:
            problems.append(f"{SUMS}: a line is not in sha256sum's format")
        else:
            expected = {**manifest["files"], **layer}
            differ = sorted(n for n in expected.keys() | listed.keys() if expected.get(n) != listed.get(n))
            if differ:
                names = ", ".join(shown(n) for n in differ[:5]) + (
                    f" and {len(differ) - 5} more" if len(differ) > 5 else ""
                )
                problems.append(f"{SUMS}: disagrees with the signed manifest on {names}")
    return problems


def shown(text: str) -> str:
    """Names from a bundle reach the terminal: control characters (ESC, BEL) are shown escaped, never sent raw."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
