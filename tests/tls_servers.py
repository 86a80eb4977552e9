"""Local TLS test endpoints: `openssl s_server` processes and a canned-ServerHello fake, on 127.0.0.1.

The setups of reference/tls.md section 8: A modern, B TLS 1.0+ at security level 0, C expired,
C2 self-signed, D RSA-1024, E NULL and anonymous suites, F hostname mismatch. OpenSSL 3 cannot
serve SSLv3, RC4 or 3DES, so `FakeServer` answers one ClientHello with a canned ServerHello for
those. Every process is started here and ended here, by its own PID; each server binds 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

INTER = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
)
OPENSSL = shutil.which("openssl")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write(path: Path, certificate: x509.Certificate, key: rsa.RSAPrivateKey, chain: bytes = b"") -> None:
    path.with_suffix(".pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + chain)
    path.with_suffix(".key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def make_certificates(directory: Path) -> Path:
    """good, expired, selfsigned, weak1024 and otherhost certificates; returns the CA file."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("tls test CA"))
        .issuer_name(_name("tls test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    (directory / "ca.pem").write_bytes(ca_pem)
    leaves = {
        "good": (2048, -1, 90, ["localhost"], True),
        "expired": (2048, -400, -10, ["localhost"], True),
        "selfsigned": (2048, -1, 90, ["localhost"], False),
        "weak1024": (1024, -1, 90, ["localhost"], True),
        "otherhost": (2048, -1, 90, ["other.example"], True),
    }
    for label, (bits, start, end, names, by_ca) in leaves.items():
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
        if names == ["localhost"]:
            sans.append(x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")))
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(ca.subject if by_ca else _name(names[0]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=start))
            .not_valid_after(now + dt.timedelta(days=end))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if by_ca:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
        certificate = builder.sign(ca_key if by_ca else key, hashes.SHA256())
        _write(directory / label, certificate, key, ca_pem if by_ca else b"")
    return directory / "ca.pem"


# name: (certificate, s_server options)
SETUPS: dict[str, tuple[str, list[str]]] = {
    "A_modern": ("good", ["-min_protocol", "TLSv1.2", "-cipher", INTER]),
    "B_legacy": ("good", ["-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"]),
    "C_expired": ("expired", ["-min_protocol", "TLSv1.2", "-cipher", INTER]),
    "C2_selfsigned": ("selfsigned", ["-min_protocol", "TLSv1.2", "-cipher", INTER]),
    "D_weak1024": ("weak1024", ["-min_protocol", "TLSv1.2", "-cipher", INTER + ":@SECLEVEL=1"]),
    "E_null_anon": ("good", ["-min_protocol", "TLSv1.2", "-cipher", "ALL:eNULL:@SECLEVEL=0"]),
    "F_otherhost": ("otherhost", ["-min_protocol", "TLSv1.2", "-cipher", INTER]),
}


@dataclass
class Endpoints:
    ca_file: Path
    ports: dict[str, int]


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"openssl s_server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"openssl s_server did not listen on {port}")


@contextlib.contextmanager
def openssl_endpoints(directory: Path, names: list[str] | None = None) -> Iterator[Endpoints]:
    """Start the s_server setups (all, or `names`) and end them, each by its PID, on exit."""
    if OPENSSL is None:
        raise RuntimeError("the openssl command is needed for these endpoints")
    ca_file = make_certificates(directory)
    processes: list[subprocess.Popen[bytes]] = []
    ports: dict[str, int] = {}
    try:
        for name in names or list(SETUPS):
            certificate, options = SETUPS[name]
            port = free_port()
            process = subprocess.Popen(
                [
                    OPENSSL,
                    "s_server",
                    "-accept",
                    f"127.0.0.1:{port}",
                    "-cert",
                    f"{certificate}.pem",
                    "-key",
                    f"{certificate}.key",
                    "-www",
                    "-quiet",
                    *options,
                ],
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            _wait_for(port, process)
            ports[name] = port
        yield Endpoints(ca_file, ports)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, 9)
                process.wait(timeout=5)


def canned_answer(hello: bytes, *, version: int, suite: int) -> bytes:
    """ServerHello if the ClientHello offers `suite` at `version` or above, else a handshake_failure alert."""
    body = hello[9:]  # record header (5) and handshake header (4)
    sid = body[34]
    count = int.from_bytes(body[35 + sid : 37 + sid], "big")
    offered = {int.from_bytes(body[i : i + 2], "big") for i in range(37 + sid, 37 + sid + count, 2)}
    if int.from_bytes(body[:2], "big") < version or suite not in offered:
        return bytes.fromhex("15030100020228")
    handshake = version.to_bytes(2, "big") + os.urandom(32) + b"\x00" + suite.to_bytes(2, "big") + b"\x00"
    handshake = b"\x02" + len(handshake).to_bytes(3, "big") + handshake
    return b"\x16" + version.to_bytes(2, "big") + len(handshake).to_bytes(2, "big") + handshake


class FakeServer:
    """Reads one record per connection and answers with `canned_answer`; a daemon thread on 127.0.0.1."""

    def __init__(self, *, version: int, suite: int) -> None:
        self.version, self.suite = version, suite
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    header = connection.recv(5)
                    size = int.from_bytes(header[3:5], "big")
                    body = b""
                    while len(body) < size:
                        piece = connection.recv(size - len(body))
                        if not piece:
                            break
                        body += piece
                    connection.sendall(canned_answer(header + body, version=self.version, suite=self.suite))
                except (OSError, IndexError):
                    continue

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()
