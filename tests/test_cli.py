"""The command line: the README's main job, the sandbox server, clear errors with exit code 2."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vendor_audit.cli import main
from vendor_audit.profile import load_profile

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


def test_run_without_profile_audits_the_bundled_sandbox(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "run", "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    assert "auditing the bundled sandbox (leaky scenario)" in result.stdout
    declared = len(list((Path(__file__).resolve().parents[1] / "checks").rglob("test_*.py")))
    assert f"[{declared}/{declared}]" in result.stdout  # progress, one line per check
    assert "payloads_free_of_pans" in result.stdout
    assert "result: fail (findings at or above low) -> exit code 1" in result.stdout
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert {p.name for p in run_dir.iterdir()} >= {
        "findings.json",
        "junit.xml",
        "evidence.json",
        "findings.csv",
        "report.html",
        "assessment-results.json",
    }
    assert "Traceback" not in result.stderr


def test_sandbox_serves_until_interrupted(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [*CLI, "sandbox", "--scenario", "clean", "--size", "50", "--run-dir", str(run_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        assert any("ready in" in line for line in lines), lines
        profile = load_profile(run_dir / "audit.toml")
        zendesk = next(v for v in profile.vendors if v.type == "zendesk")
        context = ssl.create_default_context(cafile=str(run_dir / "ca.pem"))
        token = profile.secret(zendesk.credentials[0], environ={})
        response = httpx.get(
            f"{zendesk.base_url}/api/v2/users/me.json", headers={"Authorization": f"Bearer {token}"}, verify=context
        )
        assert response.status_code == 200
        assert token not in "".join(lines)  # the credentials stay in sandbox.env
        assert oct((run_dir / "sandbox.env").stat().st_mode & 0o777) == "0o600"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped" in stderr
    assert "Traceback" not in stderr


def test_bad_profile_exits_2_with_one_message(tmp_path: Path, capsys: object) -> None:
    path = tmp_path / "audit.toml"
    path.write_text('version = 1\n[vendors.z]\ntype = "zendesk"\nbase_url = "http://x.zendesk.com"\ncredentials = []\n')
    result = subprocess.run([*CLI, "check-profile", str(path)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"vendor-audit: {path}: vendors.z.base_url: expected an https:// URL")
    assert "Traceback" not in result.stderr


def test_missing_env_var_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ACME_SHOPIFY_TOKEN"}
    example = Path(__file__).resolve().parents[1] / "audit.toml"
    result = subprocess.run(
        [*CLI, "check-profile", str(example)], capture_output=True, text=True, timeout=30, check=False, env=env
    )
    assert result.returncode == 2
    assert "environment variable ACME_SHOPIFY_TOKEN is not set" in result.stderr


def test_help_teaches_the_commands(capsys: object) -> None:
    import pytest

    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    for command in ("run", "sandbox", "check-profile", "Exit codes"):
        assert command in out


def test_bad_scenario_is_refused_by_argparse() -> None:
    result = subprocess.run(
        [*CLI, "sandbox", "--scenario", "dirty"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert "invalid choice: 'dirty'" in result.stderr


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--sign-key", "not an Ed25519 private key"),
        ("--load-run", "no load.json there; give a `vendor-audit load` run directory"),
        ("--compare-to", "no run or baseline named"),
    ],
)
def test_run_refuses_bad_report_options_in_one_line(tmp_path: Path, option: str, expected: str) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n")
    value = {"--sign-key": str(not_a_key), "--load-run": str(tmp_path), "--compare-to": "go-live"}[option]
    result = subprocess.run(
        [*CLI, "run", "-k", "hsts", "--report-dir", str(tmp_path / "runs"), option, value],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout[-2000:]
    assert expected in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
