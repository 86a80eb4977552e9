"""The TLS probe on real `openssl s_server` endpoints and canned-ServerHello fakes, all on 127.0.0.1.

The expected verdicts are the ones sslyze gives on the same setups (benchmarks/tls_speed.py compares
the two side by side: 7 of 7 the same).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tls_servers import OPENSSL, Endpoints, FakeServer, openssl_endpoints
from vendor_audit._hello import SSL3, TLS12
from vendor_audit.tlsprobe import probe, verdicts

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
EXPECTED = {
    "A_modern": set(),
    "B_legacy": {"protocol_tlsv1_0", "protocol_tlsv1_1"},
    "C_expired": {"expired", "untrusted"},
    "C2_selfsigned": {"self_signed", "untrusted"},
    "D_weak1024": {"weak_key"},
    "E_null_anon": {"weak_suite"},
    "F_otherhost": {"untrusted"},
}


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    with openssl_endpoints(tmp_path_factory.mktemp("tls")) as running:
        yield running


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdicts_match_sslyze_on_openssl_endpoints(endpoints: Endpoints, name: str) -> None:
    report = probe("127.0.0.1", endpoints.ports[name], ca_file=endpoints.ca_file)
    found = {v.code for v in verdicts(report) if v.level == "fail"}
    assert found == EXPECTED[name]
    assert not [v for v in verdicts(report) if v.level == "inconclusive"]
    assert report.protocols["TLSv1.2"].outcome == "accepted"


def test_details_of_the_weak_setups(endpoints: Endpoints) -> None:
    null_anon = probe("127.0.0.1", endpoints.ports["E_null_anon"], ca_file=endpoints.ca_file)
    assert {n for n, r in null_anon.categories.items() if r.outcome == "accepted"} >= {"NULL", "anonymous"}
    mismatch = probe("127.0.0.1", endpoints.ports["F_otherhost"], ca_file=endpoints.ca_file)
    assert "mismatch" in mismatch.trust_detail
    modern = probe("127.0.0.1", endpoints.ports["A_modern"], ca_file=endpoints.ca_file)
    assert modern.protocols["TLSv1.3"].outcome == "accepted"
    assert modern.strong_tls12 is not None
    assert modern.strong_tls12.outcome == "accepted"
    assert [c.key for c in modern.chain] == ["RSA-2048"]  # s_server -cert sends the leaf alone
    untrusted_without_ca = probe("127.0.0.1", endpoints.ports["A_modern"])
    assert untrusted_without_ca.trusted is False


@pytest.mark.parametrize(
    ("version", "suite", "code", "category"),
    [
        (SSL3, 0x000A, "protocol_sslv3", None),
        (TLS12, 0x0005, "weak_suite", "RC4"),
        (TLS12, 0x000A, "weak_suite", "DES/3DES"),
    ],
    ids=["sslv3", "rc4", "3des"],
)
def test_what_openssl_3_cannot_serve(version: int, suite: int, code: str, category: str | None) -> None:
    with FakeServer(version=version, suite=suite) as server:
        report = probe("127.0.0.1", server.port, timeout=2)
    assert code in {v.code for v in verdicts(report) if v.level == "fail"}
    if category:
        assert report.categories[category].outcome == "accepted"
        assert report.categories[category].cipher == f"0x{suite:04X}"
    else:
        assert report.protocols["SSLv3"].outcome == "accepted"
        assert report.protocols["TLSv1.2"].outcome == "refused"  # the fake answers SSLv3 to a TLS 1.2 hello


def test_a_silent_server_is_inconclusive_never_a_pass() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:  # accept and say nothing
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        report = probe("127.0.0.1", listener.getsockname()[1], timeout=0.5)
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()
    assert {r.outcome for r in report.protocols.values()} == {"inconclusive"}
    levels = {v.level for v in verdicts(report)}
    assert "inconclusive" in levels
    assert "fail" not in levels


def test_tls_command_exit_codes_and_json(endpoints: Endpoints, tmp_path: Path) -> None:
    good = subprocess.run(
        [*CLI, "tls", f"127.0.0.1:{endpoints.ports['A_modern']}", "--ca-file", str(endpoints.ca_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0, good.stdout
    assert "ok  protocols: TLSv1.2, TLSv1.3" in good.stdout
    bad = subprocess.run(
        [
            *CLI,
            "tls",
            f"https://127.0.0.1:{endpoints.ports['B_legacy']}/",
            "--ca-file",
            str(endpoints.ca_file),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    (report,) = json.loads(bad.stdout)
    assert report["protocols"]["TLSv1.0"]["outcome"] == "accepted"
    assert {"level": "fail", "code": "protocol_tlsv1_0", "message": "accepts TLSv1.0"} in report["verdicts"]
    closed = subprocess.run([*CLI, "tls", "127.0.0.1:9"], capture_output=True, text=True, timeout=60, check=False)
    assert closed.returncode == 2
    assert "cannot connect to 127.0.0.1:9" in closed.stdout
    wrong = subprocess.run(
        [*CLI, "tls", "http://example.invalid"], capture_output=True, text=True, timeout=60, check=False
    )
    assert wrong.returncode == 2
    assert "is not host:port or an https:// URL" in wrong.stderr
