"""Raw TLS ClientHello probes: one question per protocol version or suite category, read only the answer.

Built with `struct` on a plain socket, so what is asked does not depend on what this machine's
OpenSSL can still speak (SSLv3, RC4, 3DES, EXPORT, NULL, anonymous suites all go out as asked). A
version counts as accepted only when the ServerHello names it; an alert or a close after our hello
is a refusal; a reset or a timeout is inconclusive.
References: RFC 5246 section 7.4.1, RFC 8446 sections 4.1.2-4.1.4 and 4.2, RFC 6101 (SSLv3).
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
from dataclasses import dataclass

SSL3, TLS10, TLS11, TLS12, TLS13 = 0x0300, 0x0301, 0x0302, 0x0303, 0x0304
VERSION_NAMES = {SSL3: "SSLv3", TLS10: "TLSv1.0", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3"}
# RFC 8446 section 4.1.3: a HelloRetryRequest is a ServerHello with this random.
_HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()

TLS13_SUITES = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]
STRONG = [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F, 0xCCAA]  # ECDHE/DHE + AEAD
CATEGORIES: dict[str, list[int]] = {
    "NULL": [
        0x0001,
        0x0002,
        0x002C,
        0x002D,
        0x002E,
        0x003B,
        0x00B0,
        0x00B1,
        0xC001,
        0xC006,
        0xC00B,
        0xC010,
        0xC015,
        0xC039,
        0xC03A,
        0xC03B,
    ],
    "anonymous": [
        0x0017,
        0x0018,
        0x0019,
        0x001A,
        0x001B,
        0x0034,
        0x003A,
        0x0046,
        0x006C,
        0x006D,
        0x0089,
        0x009B,
        0x00A6,
        0x00A7,
        0x00BF,
        0x00C5,
        0xC015,
        0xC016,
        0xC017,
        0xC018,
        0xC019,
    ],
    "EXPORT": [
        0x0003,
        0x0006,
        0x0008,
        0x000B,
        0x000E,
        0x0011,
        0x0014,
        0x0017,
        0x0019,
        0x0026,
        0x0027,
        0x0028,
        0x0029,
        0x002A,
        0x002B,
        0x0060,
        0x0061,
        0x0062,
        0x0063,
        0x0064,
        0x0065,
    ],
    "RC4": [
        0x0004,
        0x0005,
        0x0018,
        0x0020,
        0x0024,
        0x0028,
        0x002B,
        0x008A,
        0x008E,
        0x0092,
        0xC002,
        0xC007,
        0xC00C,
        0xC011,
        0xC016,
        0xC033,
    ],
    "DES/3DES": [
        0x0009,
        0x000A,
        0x000C,
        0x000D,
        0x000F,
        0x0010,
        0x0012,
        0x0013,
        0x0015,
        0x0016,
        0x001A,
        0x001B,
        0x001E,
        0x001F,
        0x0022,
        0x0023,
        0x008B,
        0x008F,
        0x0093,
        0xC003,
        0xC008,
        0xC00D,
        0xC012,
        0xC017,
        0xC01A,
        0xC01B,
        0xC01C,
        0xC034,
    ],
    # Advisory only (stricter profiles, not PCI failures): CBC modes, and key exchange without forward secrecy.
    "CBC": [
        0x002F,
        0x0033,
        0x0035,
        0x0039,
        0x003C,
        0x003D,
        0x0067,
        0x006B,
        0xC009,
        0xC00A,
        0xC013,
        0xC014,
        0xC023,
        0xC024,
        0xC027,
        0xC028,
    ],
    "no forward secrecy": [0x002F, 0x0035, 0x003C, 0x003D, 0x009C, 0x009D, 0x0041, 0x0084, 0x00BA, 0x00C0],
}
WEAK_CATEGORIES = ("NULL", "anonymous", "EXPORT", "RC4", "DES/3DES")
ADVISORY_CATEGORIES = ("CBC", "no forward secrecy")
# Every suite above, so a version probe gets an answer from any server that speaks that version.
ALL_LEGACY = sorted(
    {s for suites in CATEGORIES.values() for s in suites}
    | set(STRONG)
    | {0xC02B, 0xC023, 0xC024, 0xC009, 0xC00A, 0x00FF}
)
_GROUPS = [0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101]  # x25519, P-256/384/521, x448, ffdhe2048/3072
_SIGNATURES = [
    0x0403,
    0x0503,
    0x0603,
    0x0804,
    0x0805,
    0x0806,
    0x0401,
    0x0501,
    0x0601,
    0x0807,
    0x0808,
    0x0203,
    0x0201,
    0x0202,
    0x0303,
    0x0301,
    0x0302,
    0x0402,
    0x0502,
    0x0602,
]


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack("!HH", kind, len(body)) + body


def client_hello(version: int, suites: list[int], server_name: str | None) -> bytes:
    """One ClientHello record offering `suites` at `version` (TLS 1.3 through supported_versions)."""
    legacy = min(version, TLS12)
    extensions = b""
    if version > SSL3:
        if server_name:
            name = server_name.encode("idna")
            entry = b"\x00" + struct.pack("!H", len(name)) + name
            extensions += _ext(0x0000, struct.pack("!H", len(entry)) + entry)
        groups = b"".join(struct.pack("!H", g) for g in _GROUPS)
        extensions += _ext(0x000A, struct.pack("!H", len(groups)) + groups)
        extensions += _ext(0x000B, b"\x01\x00")  # uncompressed points
        if version >= TLS12:
            signatures = b"".join(struct.pack("!H", s) for s in _SIGNATURES)
            extensions += _ext(0x000D, struct.pack("!H", len(signatures)) + signatures)
        extensions += _ext(0xFF01, b"\x00")  # renegotiation_info, empty
        if version == TLS13:
            extensions += _ext(0x002B, b"\x02" + struct.pack("!H", TLS13))  # supported_versions
            share = struct.pack("!HH", 0x001D, 32) + os.urandom(32)  # any 32 bytes are an x25519 share
            extensions += _ext(0x0033, struct.pack("!H", len(share)) + share)
            extensions += _ext(0x002D, b"\x01\x01")  # psk_dhe_ke
    cipher_bytes = b"".join(struct.pack("!H", s) for s in suites)
    body = (
        struct.pack("!H", legacy)
        + os.urandom(32)
        + b"\x20"
        + os.urandom(32)  # a session id, as middlebox-compatible clients send
        + struct.pack("!H", len(cipher_bytes))
        + cipher_bytes
        + b"\x01\x00"  # compression: null
        + (struct.pack("!H", len(extensions)) + extensions if extensions else b"")
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    record_version = TLS10 if version >= TLS10 else SSL3  # what servers expect on the first record
    return b"\x16" + struct.pack("!HH", record_version, len(handshake)) + handshake


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: str  # accepted, refused, inconclusive
    version: int | None = None  # the version the ServerHello chose
    suite: int | None = None
    detail: str = ""


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        piece = sock.recv(size - len(data))
        if not piece:
            raise EOFError
        data += piece
    return data


def parse_server_hello(body: bytes) -> tuple[int, int]:
    """(chosen version, chosen suite) from a ServerHello handshake body (after the 4-byte header)."""
    version = struct.unpack("!H", body[:2])[0]
    session_length = body[34]
    at = 35 + session_length
    suite = struct.unpack("!H", body[at : at + 2])[0]
    at += 3  # suite and compression method
    if len(body) >= at + 2:
        end = at + 2 + struct.unpack("!H", body[at : at + 2])[0]
        at += 2
        while at + 4 <= end:
            kind, length = struct.unpack("!HH", body[at : at + 4])
            if kind == 0x002B and length == 2:
                version = struct.unpack("!H", body[at + 4 : at + 6])[0]
            at += 4 + length
    return version, suite


def ask(host: str, port: int, hello: bytes, *, timeout: float = 5.0) -> Answer:
    """Send one ClientHello and read until the ServerHello or an alert."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(hello)
            buffer = b""
            while True:
                header = _read_exact(sock, 5)
                kind, _, length = struct.unpack("!BHH", header)
                payload = _read_exact(sock, length)
                if kind == 0x15:  # alert
                    description = payload[1] if len(payload) > 1 else -1
                    return Answer("refused", detail=f"alert {description}")
                if kind != 0x16:
                    return Answer("refused", detail=f"record type {kind} instead of a handshake")
                buffer += payload
                if len(buffer) >= 4:
                    size = int.from_bytes(buffer[1:4], "big")
                    if len(buffer) >= 4 + size:
                        if buffer[0] != 0x02:
                            return Answer("refused", detail=f"handshake type {buffer[0]} instead of ServerHello")
                        body = buffer[4 : 4 + size]
                        version, suite = parse_server_hello(body)
                        if body[2:34] == _HRR_RANDOM:
                            return Answer("accepted", TLS13, suite, "HelloRetryRequest")
                        return Answer("accepted", version, suite)
    except EOFError:
        return Answer("refused", detail="closed the connection instead of answering")
    except (ConnectionResetError, TimeoutError) as exc:
        return Answer("inconclusive", detail=exc.__class__.__name__)
    except (OSError, struct.error, IndexError) as exc:
        return Answer("inconclusive", detail=getattr(exc, "strerror", None) or exc.__class__.__name__)


def probe_version(host: str, port: int, version: int, server_name: str | None, timeout: float) -> Answer:
    suites = TLS13_SUITES if version == TLS13 else ALL_LEGACY
    answer = ask(host, port, client_hello(version, suites, server_name), timeout=timeout)
    if answer.outcome == "accepted" and answer.version != version:
        return Answer("refused", answer.version, answer.suite, f"answered {VERSION_NAMES.get(answer.version or 0)}")
    return answer


def probe_suites(
    host: str, port: int, version: int, suites: list[int], server_name: str | None, timeout: float
) -> Answer:
    """Whether the server picks one of `suites` at `version` (a version it accepts)."""
    answer = ask(host, port, client_hello(version, suites, server_name), timeout=timeout)
    if answer.outcome == "accepted" and answer.suite not in suites:
        return Answer("refused", answer.version, answer.suite, "chose a suite we did not offer")
    return answer
