"""TLS probe against sslyze, side by side: the same verdicts on local `openssl s_server` endpoints, and time.

    python3 benchmarks/tls_speed.py [--repeat 3]

Starts the seven setups of tests/tls_servers.py on 127.0.0.1 (modern; TLS 1.0/1.1 at security level
0, with SHA-1 handshake signatures; expired; self-signed; RSA-1024; NULL and anonymous suites;
hostname mismatch) and, for each, times as a whole process:
- `vendor-audit tls 127.0.0.1:PORT --ca-file CA --json`;
- `python -m sslyze --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo --certinfo_ca_file CA` (protocol
  versions plus certificate info), from its own environment under .bench-venv/sslyze.
Both answers are reduced to the same verdicts (SSLv3/TLS 1.0/TLS 1.1 accepted, NULL or anonymous suites,
untrusted, hostname mismatch, expired, weak key) and compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO

from tests.tls_servers import openssl_endpoints

VENV = REPO / ".bench-venv" / "sslyze"
# sslyze's protocol-version scans plus certificate info: what `vendor-audit tls` answers too.
SSLYZE_SCAN = ["--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--certinfo"]
CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def ours(port: int, ca_file: Path) -> tuple[float, set[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [*CLI, "tls", f"127.0.0.1:{port}", "--ca-file", str(ca_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    took = time.perf_counter() - started
    (report,) = json.loads(result.stdout)
    found = set()
    for name, code in (("SSLv3", "sslv3"), ("TLSv1.0", "tls1.0"), ("TLSv1.1", "tls1.1")):
        if report["protocols"][name]["outcome"] == "accepted":
            found.add(code)
    for name, code in (("NULL", "null_suites"), ("anonymous", "anon_suites")):
        if report["suite_categories"].get(name, {}).get("outcome") == "accepted":
            found.add(code)
    codes = {v["code"] for v in report["verdicts"] if v["level"] == "fail"}
    detail = report["trust_detail"]
    if "untrusted" in codes:
        found.add("hostname_mismatch" if "mismatch" in detail.lower() else "untrusted")
    found |= {c for c in codes if c in {"expired", "weak_key"}}
    if "self_signed" in codes:
        found.add("untrusted")
    return took, found


def sslyze(python: Path, port: int, ca_file: Path, out: Path) -> tuple[float, set[str]]:
    started = time.perf_counter()
    subprocess.run(
        [
            str(python),
            "-m",
            "sslyze",
            *SSLYZE_SCAN,
            "--certinfo_ca_file",
            str(ca_file),
            "--json_out",
            str(out),
            f"127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    result = json.loads(out.read_text())["server_scan_results"][0]["scan_result"]
    found = set()
    for key, code in (
        ("ssl_3_0_cipher_suites", "sslv3"),
        ("tls_1_0_cipher_suites", "tls1.0"),
        ("tls_1_1_cipher_suites", "tls1.1"),
    ):
        if result[key]["result"]["accepted_cipher_suites"]:
            found.add(code)
    names = [
        s["cipher_suite"]["name"]
        for key in ("tls_1_2_cipher_suites",)
        for s in result[key]["result"]["accepted_cipher_suites"]
    ]
    if any("NULL" in n and "anon" not in n for n in names):
        found.add("null_suites")
    if any("anon" in n for n in names):
        found.add("anon_suites")
    deployment = result["certificate_info"]["result"]["certificate_deployments"][0]
    (supplied,) = [r for r in deployment["path_validation_results"] if r["trust_store"]["name"] == "Supplied CA file"]
    error = (supplied.get("validation_error") or "").lower()
    leaf = deployment["received_certificate_chain"][0]
    weak = leaf["public_key"]["algorithm"] == "RSAPublicKey" and leaf["public_key"]["key_size"] < 2048
    if weak:
        found.add("weak_key")
    if not supplied["was_validation_successful"]:
        if "subjectaltname" in error or "hostname" in error:
            found.add("hostname_mismatch")
        elif not (weak and ("key" in error or "forbidden" in error)):  # the weak key is its own verdict
            found.add("untrusted")
    if leaf["not_valid_after"] < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()):
        found.add("expired")
    return took, found


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, cwd=REPO)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making {VENV} with sslyze (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "sslyze"], check=True)
    ours_times: list[float] = []
    theirs_times: list[float] = []
    agree = 0
    with tempfile.TemporaryDirectory() as tmp, openssl_endpoints(Path(tmp)) as endpoints:
        print(f"{'endpoint':<15} {'vendor-audit s':>15} {'sslyze s':>9}  verdicts (same?)")
        for name, port in endpoints.ports.items():
            mine = [ours(port, endpoints.ca_file) for _ in range(args.repeat)]
            theirs = [sslyze(python, port, endpoints.ca_file, Path(tmp) / f"{name}.json") for _ in range(args.repeat)]
            mine_s = statistics.median(t for t, _ in mine)
            theirs_s = statistics.median(t for t, _ in theirs)
            ours_times.append(mine_s)
            theirs_times.append(theirs_s)
            same = mine[0][1] == theirs[0][1]
            agree += same
            print(
                f"{name:<15} {mine_s:15.2f} {theirs_s:9.2f}  {sorted(mine[0][1]) or ['none']} "
                f"({'same' if same else 'sslyze: ' + str(sorted(theirs[0][1]))})"
            )
        # All seven endpoints in one process each: what a scheduled audit of many endpoints pays.
        targets = [f"127.0.0.1:{port}" for port in endpoints.ports.values()]
        sslyze_all = [
            str(python),
            "-m",
            "sslyze",
            *SSLYZE_SCAN,
            "--certinfo_ca_file",
            str(endpoints.ca_file),
            *targets,
        ]
        ours_all = [*CLI, "tls", *targets, "--ca-file", str(endpoints.ca_file), "--json"]
        batch_ours = min(_timed(ours_all) for _ in range(args.repeat))
        batch_theirs = min(_timed(sslyze_all) for _ in range(args.repeat))
    total_ours, total_theirs = sum(ours_times), sum(theirs_times)
    count = len(ours_times)
    print(f"same verdicts on {agree} of {count} endpoints")
    print(
        f"one endpoint per process (median of {args.repeat}): vendor-audit {total_ours / count:.2f} s, "
        f"sslyze {total_theirs / count:.2f} s per endpoint: {total_theirs / total_ours:.1f}x faster"
    )
    print(
        f"all {count} endpoints in one process (best of {args.repeat}): vendor-audit {batch_ours:.2f} s, "
        f"sslyze {batch_theirs:.2f} s: {batch_theirs / batch_ours:.1f}x faster"
    )


if __name__ == "__main__":
    main()
