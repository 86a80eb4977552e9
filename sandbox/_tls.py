"""Certificates and server TLS contexts for the stand-ins, made at start with `cryptography`.

Each endpoint has its own `TLSPolicy`: the protocol versions it accepts and the shape of its leaf
certificate (validity window, key type and size, signature hash). A local CA signs every leaf; its
certificate is the `ca.pem` a profile points at.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyType = Literal["rsa", "ec"]
SignatureHash = Literal["sha256", "sha384", "sha1"]
ProtocolName = Literal["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

_VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
_HASHES: dict[str, hashes.SHA256 | hashes.SHA384] = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}
# DER AlgorithmIdentifier of ecdsa-with-SHA1 (RFC 5758 section 3.2): our CA key is EC.
_ECDSA_WITH_SHA1 = bytes.fromhex("300906072a8648ce3d0401")
# Mozilla "intermediate": AEAD suites with forward secrecy only.
_MODERN_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)


@dataclass(frozen=True, slots=True)
class TLSPolicy:
    """What one endpoint offers: protocol range and the leaf certificate it presents.

    Attributes:
        min_version: lowest protocol accepted; "TLSv1" makes a legacy endpoint.
        max_version: highest protocol accepted.
        not_before_days: certificate start, in days relative to now (negative is in the past).
        not_after_days: certificate end, in days relative to now; 5 is "expires in 5 days".
        key_type: "rsa" or "ec".
        key_size: RSA modulus bits (1024 is weak) or EC curve bits (256 or 384).
        signature_hash: hash the CA signs the leaf with; "sha1" is weak.
        hsts: whether answers carry Strict-Transport-Security.
    """

    min_version: ProtocolName = "TLSv1.2"
    max_version: ProtocolName = "TLSv1.3"
    not_before_days: int = -1
    not_after_days: int = 90
    key_type: KeyType = "ec"
    key_size: int = 256
    signature_hash: SignatureHash = "sha256"
    hsts: bool = True  # Strict-Transport-Security on every answer, as the real vendors send it

    @property
    def is_legacy(self) -> bool:
        """Whether the endpoint needs OpenSSL's security level 0 (old protocols, weak keys or hashes)."""
        return (
            _VERSIONS[self.min_version] < ssl.TLSVersion.TLSv1_2
            or (self.key_type == "rsa" and self.key_size < 2048)
            or self.signature_hash == "sha1"
        )


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    cert_path: Path
    key_path: Path
    certificate: x509.Certificate


def _new_key(key_type: KeyType, key_size: int) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    curves: dict[int, ec.EllipticCurve] = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}
    if key_size not in curves:
        raise ValueError(f"EC key size must be one of {sorted(curves)}, not {key_size}")
    return ec.generate_private_key(curves[key_size])


def _write_key(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


class LocalCA:
    """A throw-away certificate authority for one sandbox run."""

    def __init__(self, workdir: Path) -> None:
        self._dir = workdir
        self._key = ec.generate_private_key(ec.SECP384R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vendor-audit sandbox CA")])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA384())
        )
        self.ca_path = workdir / "ca.pem"
        self.ca_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str, policy: TLSPolicy) -> IssuedCertificate:
        """Issue a leaf for localhost and 127.0.0.1 shaped by `policy`."""
        key = _new_key(policy.key_type, policy.key_size)
        now = dt.datetime.now(dt.UTC)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=policy.not_before_days))
            .not_valid_after(now + dt.timedelta(days=policy.not_after_days))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, _HASHES.get(policy.signature_hash, hashes.SHA256()))
        )
        if policy.signature_hash == "sha1":
            certificate = self._resign_with_sha1(certificate)
        cert_path = self._dir / f"{name}.pem"
        key_path = self._dir / f"{name}.key"
        # The chain file carries the CA too, as a real server sends its intermediates.
        cert_path.write_bytes(
            certificate.public_bytes(serialization.Encoding.PEM)
            + self.certificate.public_bytes(serialization.Encoding.PEM)
        )
        _write_key(key_path, key)
        return IssuedCertificate(cert_path=cert_path, key_path=key_path, certificate=certificate)

    def _resign_with_sha1(self, certificate: x509.Certificate) -> x509.Certificate:
        """The same certificate signed with SHA-1.

        cryptography no longer signs certificates with SHA-1, so the TBS is re-encoded with the SHA-1
        algorithm identifier and signed directly: a weak certificate is what the leaky scenario needs.
        """
        version, serial, _algorithm, *rest = _der_children(certificate.tbs_certificate_bytes)
        tbs = _der(0x30, b"".join([version, serial, _ECDSA_WITH_SHA1, *rest]))
        signature = self._key.sign(tbs, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - deliberately weak, see above
        return x509.load_der_x509_certificate(_der(0x30, tbs + _ECDSA_WITH_SHA1 + _der(0x03, b"\0" + signature)))


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _der_children(sequence: bytes) -> list[bytes]:
    """The encoded elements directly inside a DER SEQUENCE."""

    def header(at: int) -> tuple[int, int]:  # (content start, content length)
        first = sequence[at + 1]
        if first < 0x80:
            return at + 2, first
        count = first & 0x7F
        return at + 2 + count, int.from_bytes(sequence[at + 2 : at + 2 + count], "big")

    start, length = header(0)
    children, at = [], start
    while at < start + length:
        content, size = header(at)
        children.append(sequence[at : content + size])
        at = content + size
    return children


def server_context(policy: TLSPolicy, issued: IssuedCertificate) -> ssl.SSLContext:
    """A server context that accepts exactly the policy's protocol range."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        # Python deprecates TLSv1/TLSv1_1 as values; serving them is the point of a legacy endpoint.
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = _VERSIONS[policy.min_version]
        context.maximum_version = _VERSIONS[policy.max_version]
    if policy.is_legacy:
        # OpenSSL 3 refuses TLS 1.0/1.1, SHA-1 and small keys above security level 0:
        # https://github.com/openssl/openssl/issues/15859
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        context.set_ciphers(_MODERN_CIPHERS)
    context.load_cert_chain(issued.cert_path, issued.key_path)
    return context
