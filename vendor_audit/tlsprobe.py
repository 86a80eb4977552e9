"""TLS facts about one endpoint: protocol versions and weak suite categories it accepts, its chain, HSTS.

Protocol and suite acceptance come from raw ClientHellos (`_hello.py`): one question per version
(SSLv3 to TLS 1.3) and per weak category (NULL, anonymous, EXPORT, RC4, DES/3DES; CBC and no forward
secrecy as advisories), independent of what this machine's OpenSSL will still offer. A timeout or a
reset is `inconclusive`, never a pass. One real handshake reads the chain; one verified handshake
(system store plus the CA file, hostname checked, at security level 0 so weak keys and hashes are
judged by their own rules) decides trust; `cryptography` reads keys, hashes and dates. About 15
connections in all, six at a time (sslyze: five), against sslyze's ~450.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from vendor_audit import _hello

__all__ = ["CertificateFacts", "ProtocolResult", "TLSReport", "Verdict", "probe", "report_json", "verdicts"]

PROTOCOLS = ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_VERSION_CODES = {name: code for code, name in _hello.VERSION_NAMES.items()}


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
    categories: dict[str, ProtocolResult] = field(default_factory=dict)  # weak and advisory suite categories
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


def _probe_protocol(host: str, port: int, name: str, timeout: float) -> ProtocolResult:
    answer = _hello.probe_version(host, port, _VERSION_CODES[name], _server_hostname(host), timeout)
    suite = f"0x{answer.suite:04X}" if answer.suite is not None and answer.outcome == "accepted" else None
    return ProtocolResult(name, answer.outcome, answer.detail, suite)


def _probe_category(host: str, port: int, version: str, category: str, timeout: float) -> ProtocolResult:
    suites = _hello.STRONG if category == "strong" else _hello.CATEGORIES[category]
    answer = _hello.probe_suites(host, port, _VERSION_CODES[version], suites, _server_hostname(host), timeout)
    suite = f"0x{answer.suite:04X}" if answer.suite is not None and answer.outcome == "accepted" else None
    return ProtocolResult(category, answer.outcome, answer.detail, suite)


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
    """(answered, Strict-Transport-Security value) of one GET / over TLS; only the header matters here."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # trust is the other check's business
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: vendor-audit/0.1\r\nConnection: close\r\n\r\n"
    try:
        with (
            _connect(host, port, timeout) as raw,
            context.wrap_socket(raw, server_hostname=_server_hostname(host)) as tls,
        ):
            tls.sendall(request.encode())
            head = b""
            # One deadline for the whole head: a per-recv timeout alone lets a server that trickles a byte at
            # a time hold the probe for as long as it likes.
            until = time.monotonic() + timeout
            while b"\r\n\r\n" not in head and len(head) < 65536:
                left = until - time.monotonic()
                if left <= 0:
                    return False, None
                tls.settimeout(left)
                piece = tls.recv(4096)
                if not piece:
                    break
                head += piece
    except (OSError, ssl.SSLError):
        return False, None
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        return False, None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "strict-transport-security":
            return True, value.strip()
    return True, None


def probe(host: str, port: int, *, ca_file: Path | None = None, timeout: float = 5.0) -> TLSReport:
    """Every fact the TLS checks need about host:port; never raises for network trouble."""
    report = TLSReport(host, port)
    try:
        _connect(host, port, timeout).close()
    except OSError as exc:
        report.error = f"cannot connect to {host}:{port} ({exc.strerror or exc.__class__.__name__})"
        return report
    now = dt.datetime.now(dt.UTC)
    with ThreadPoolExecutor(max_workers=6) as pool:
        protocol_futures = {name: pool.submit(_probe_protocol, host, port, name, timeout) for name in PROTOCOLS}
        trust = pool.submit(_trust, host, port, ca_file, timeout)
        chain = pool.submit(_chain, host, port, timeout)
        hsts = pool.submit(_hsts, host, port, ca_file, timeout)
        report.protocols = {name: future.result() for name, future in protocol_futures.items()}
        # Weak categories are asked at the best version up to TLS 1.2 the server accepts.
        legacy = [n for n in ("TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3") if report.protocols[n].outcome == "accepted"]
        if legacy:
            names = ["strong", *_hello.WEAK_CATEGORIES, *_hello.ADVISORY_CATEGORIES]
            futures = {n: pool.submit(_probe_category, host, port, legacy[0], n, timeout) for n in names}
            report.categories = {n: f.result() for n, f in futures.items() if n != "strong"}
            if legacy[0] == "TLSv1.2":
                report.strong_tls12 = futures["strong"].result()
        report.trusted, report.trust_detail = trust.result()
        try:
            report.chain = [facts_of(c, now) for c in chain.result()]
        except (OSError, ssl.SSLError, ValueError) as exc:
            report.trust_detail += f"; chain unreadable ({exc.__class__.__name__})"
        report.hsts_checked, report.hsts = hsts.result()
    return report


@dataclass(frozen=True, slots=True)
class Verdict:
    level: str  # fail, warn, inconclusive
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code, "message": self.message}


def verdicts(report: TLSReport, warning_days: int = 30) -> list[Verdict]:
    """PCI DSS 4.2.1 failures, stricter-profile warnings and what could not be told (reference/tls.md 2, 9)."""
    if report.error:
        return [Verdict("inconclusive", "unreachable", report.error)]
    found: list[Verdict] = []
    for name in ("SSLv3", "TLSv1.0", "TLSv1.1"):
        result = report.protocols.get(name)
        if result and result.outcome == "accepted":
            found.append(Verdict("fail", f"protocol_{name.lower().replace('.', '_')}", f"accepts {name}"))
    for name in ("TLSv1.2", "TLSv1.3", "SSLv3", "TLSv1.0", "TLSv1.1"):
        result = report.protocols.get(name)
        if result and result.outcome == "inconclusive":
            found.append(
                Verdict(
                    "inconclusive",
                    f"protocol_{name.lower().replace('.', '_')}",
                    f"could not tell whether it accepts {name} ({result.detail})",
                )
            )
    for name in _hello.WEAK_CATEGORIES:
        result = report.categories.get(name)
        if result and result.outcome == "accepted":
            found.append(Verdict("fail", "weak_suite", f"accepts {name} suites ({result.cipher})"))
    if report.trusted is False:
        found.append(Verdict("fail", "untrusted", f"certificate not trusted: {report.trust_detail}"))
    elif report.trusted is None:
        found.append(Verdict("inconclusive", "trust", f"trust could not be decided: {report.trust_detail}"))
    if report.chain:
        leaf = report.chain[0]
        if leaf.days_left <= 0:
            found.append(Verdict("fail", "expired", f"certificate expired on {leaf.not_after}"))
        elif leaf.days_left <= warning_days:
            found.append(Verdict("warn", "expiring", f"certificate expires in {leaf.days_left:.0f} days"))
        if leaf.self_signed:
            found.append(Verdict("fail", "self_signed", "the leaf certificate is self-signed"))
        for certificate in report.chain:
            if not certificate.key_strong:
                found.append(Verdict("fail", "weak_key", f"{certificate.key} key on {certificate.subject}"))
        signed = [c for c in report.chain if not c.self_signed] or report.chain[:1]
        for certificate in signed:
            if (certificate.signature_hash or "").lower() in {"sha1", "md5", "md2", "unknown"}:
                found.append(
                    Verdict("fail", "weak_signature", f"{certificate.subject} signed with {certificate.signature_hash}")
                )
    if report.protocols.get("TLSv1.3") and report.protocols["TLSv1.3"].outcome == "refused":
        found.append(Verdict("warn", "no_tls1_3", "does not offer TLS 1.3"))
    for name in _hello.ADVISORY_CATEGORIES:
        result = report.categories.get(name)
        if result and result.outcome == "accepted":
            found.append(Verdict("warn", name.replace(" ", "_").lower(), f"accepts {name} suites ({result.cipher})"))
    if report.hsts_checked and not report.hsts:
        found.append(Verdict("warn", "hsts_missing", "no Strict-Transport-Security header"))
    return found


def report_json(report: TLSReport, warning_days: int = 30) -> dict[str, object]:
    return {
        "endpoint": report.address,
        "protocols": {n: {"outcome": r.outcome, "detail": r.detail} for n, r in report.protocols.items()},
        "suite_categories": {n: {"outcome": r.outcome, "suite": r.cipher} for n, r in report.categories.items()},
        "trusted": report.trusted,
        "trust_detail": report.trust_detail,
        "chain": [c.as_json() for c in report.chain],
        "hsts": report.hsts,
        "verdicts": [v.as_json() for v in verdicts(report, warning_days)],
    }
