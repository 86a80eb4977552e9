"""TLS facts about one endpoint: which protocol versions it accepts, its certificate chain, HSTS.

Legacy protocol probes run at OpenSSL security level 0 with every suite offered, so a local
refusal (OpenSSL 3 will not offer TLS 1.0 above level 0) is not mistaken for the server's:
https://github.com/openssl/openssl/issues/15859. Errors raised before the server answered, timeouts
and resets are `inconclusive`, never a pass.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

__all__ = ["CertificateFacts", "ProtocolResult", "TLSReport", "probe"]

PROTOCOLS = {
    "TLSv1.0": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
STRONG_TLS12 = "ECDHE+AESGCM:ECDHE+CHACHA20"  # AEAD with forward secrecy
# Before the server has answered, these are this machine's OpenSSL refusing to offer: not the server.
_LOCAL_FAILURES = {"NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH"}


@dataclass(frozen=True, slots=True)
class ProtocolResult:
    protocol: str
    outcome: str  # accepted, refused, inconclusive
    detail: str = ""
    cipher: str | None = None


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    days_left: float
    key: str  # "RSA-2048", "EC-256", "Ed25519"
    key_strong: bool
    signature_hash: str | None
    self_signed: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before,
            "not_after": self.not_after,
            "days_left": round(self.days_left, 1),
            "key": self.key,
            "signature_hash": self.signature_hash,
            "self_signed": self.self_signed,
        }


@dataclass
class TLSReport:
    host: str
    port: int
    protocols: dict[str, ProtocolResult] = field(default_factory=dict)
    strong_tls12: ProtocolResult | None = None
    trusted: bool | None = None  # None: could not tell
    trust_detail: str = ""
    chain: list[CertificateFacts] = field(default_factory=list)
    hsts: str | None = None  # the header's value
    hsts_checked: bool = False
    error: str | None = None  # the endpoint could not be reached at all

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((host, port), timeout=timeout)


def _server_hostname(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return None  # no SNI for IP literals (RFC 6066 section 3)


def _probe_protocol(host: str, port: int, name: str, timeout: float, ciphers: str | None = None) -> ProtocolResult:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1/TLSv1_1 are deprecated names
        context.minimum_version = context.maximum_version = PROTOCOLS[name]
    if PROTOCOLS[name] < ssl.TLSVersion.TLSv1_3:
        context.set_ciphers(ciphers or "ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    try:
        with (
            _connect(host, port, timeout) as raw,
            context.wrap_socket(raw, server_hostname=_server_hostname(host)) as tls,
        ):
            cipher = tls.cipher()
            return ProtocolResult(name, "accepted", tls.version() or name, cipher[0] if cipher else None)
    except ssl.SSLError as exc:
        reason = exc.reason or exc.__class__.__name__
        if reason in _LOCAL_FAILURES:
            return ProtocolResult(name, "inconclusive", f"this machine's OpenSSL cannot offer {name} ({reason})")
        if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
            # It read our hello and closed instead of answering with a ServerHello: a refusal, as
            # asyncio-based servers give it (they drop the alert); a reset or timeout stays inconclusive.
            return ProtocolResult(name, "refused", "closed the connection instead of accepting")
        return ProtocolResult(name, "refused", reason)
    except (TimeoutError, ConnectionResetError) as exc:
        return ProtocolResult(name, "inconclusive", exc.__class__.__name__)
    except OSError as exc:
        return ProtocolResult(name, "inconclusive", exc.strerror or exc.__class__.__name__)


def _key_facts(certificate: x509.Certificate) -> tuple[str, bool]:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}", key.key_size >= 2048
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC-{key.key_size}", key.key_size >= 256
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", True
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", True
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA-{key.key_size}", False
    return type(key).__name__, False


def facts_of(certificate: x509.Certificate, now: dt.datetime) -> CertificateFacts:
    key, strong = _key_facts(certificate)
    try:
        algorithm = certificate.signature_hash_algorithm
        signature = algorithm.name if algorithm is not None else None
    except Exception:  # an algorithm cryptography does not know (MD2, ...): weak by definition
        signature = "unknown"
    return CertificateFacts(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc.isoformat(),
        not_after=certificate.not_valid_after_utc.isoformat(),
        days_left=(certificate.not_valid_after_utc - now).total_seconds() / 86400,
        key=key,
        key_strong=strong,
        signature_hash=signature,
        self_signed=certificate.subject == certificate.issuer,
    )


def _chain(host: str, port: int, timeout: float) -> list[x509.Certificate]:
    """The chain as the server sends it, from one unverified handshake."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    with _connect(host, port, timeout) as raw, context.wrap_socket(raw, server_hostname=_server_hostname(host)) as tls:
        private = getattr(tls, "_sslobj", None)
        chain_getter = getattr(tls, "get_unverified_chain", None) or getattr(private, "get_unverified_chain", None)
        if chain_getter is not None:  # public from Python 3.13; private on 3.10-3.12 (bpo-18233)
            raw_chain = chain_getter() or []
            return [x509.load_der_x509_certificate(c.public_bytes(ssl._ssl.ENCODING_DER)) for c in raw_chain]  # type: ignore[attr-defined]
        leaf = tls.getpeercert(binary_form=True)
        return [x509.load_der_x509_certificate(leaf)] if leaf else []


def _trust(host: str, port: int, ca_file: Path | None, timeout: float) -> tuple[bool | None, str]:
    """Chain to a trusted root (system store plus the CA file), hostname, validity dates.

    Runs at security level 0 so a weak key or SHA-1 is judged by its own check, not here.
    """
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with _connect(host, port, timeout) as raw, context.wrap_socket(raw, server_hostname=host):
            return True, "verified"
    except ssl.SSLCertVerificationError as exc:
        return False, exc.verify_message or "verification failed"
    except ssl.SSLError as exc:
        return None, f"handshake failed ({exc.reason or exc.__class__.__name__})"
    except OSError as exc:
        return None, exc.strerror or exc.__class__.__name__


def _hsts(host: str, port: int, ca_file: Path | None, timeout: float) -> tuple[bool, str | None]:
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # trust is the other check's business; here only the header matters
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    try:
        connection.request("GET", "/", headers={"User-Agent": "vendor-audit/0.1"})
        response = connection.getresponse()
        response.read(65536)
        return True, response.getheader("Strict-Transport-Security")
    except (OSError, http.client.HTTPException):
        return False, None
    finally:
        connection.close()


def probe(host: str, port: int, *, ca_file: Path | None = None, timeout: float = 5.0) -> TLSReport:
    """Every fact the TLS checks need about host:port; never raises for network trouble."""
    report = TLSReport(host, port)
    try:
        _connect(host, port, timeout).close()
    except OSError as exc:
        report.error = f"cannot connect to {host}:{port} ({exc.strerror or exc.__class__.__name__})"
        return report
    now = dt.datetime.now(dt.UTC)
    with ThreadPoolExecutor(max_workers=4) as pool:
        protocol_futures = {name: pool.submit(_probe_protocol, host, port, name, timeout) for name in PROTOCOLS}
        strong = pool.submit(_probe_protocol, host, port, "TLSv1.2", timeout, STRONG_TLS12)
        trust = pool.submit(_trust, host, port, ca_file, timeout)
        chain = pool.submit(_chain, host, port, timeout)
        hsts = pool.submit(_hsts, host, port, ca_file, timeout)
        report.protocols = {name: future.result() for name, future in protocol_futures.items()}
        report.strong_tls12 = strong.result()
        report.trusted, report.trust_detail = trust.result()
        try:
            report.chain = [facts_of(c, now) for c in chain.result()]
        except (OSError, ssl.SSLError, ValueError) as exc:
            report.trust_detail += f"; chain unreadable ({exc.__class__.__name__})"
        report.hsts_checked, report.hsts = hsts.result()
    return report
