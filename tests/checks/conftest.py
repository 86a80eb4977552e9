from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]


# A waiver of one planted MFA finding of the leaky sandbox (its agent users/7), for profiles that need one.
WAIVER = """
[[waivers]]
check = "mfa_enabled_for_vendor_staff"
resource = "zendesk/users/7"
reason = "Agent on leave; account locked at the IdP."
owner = "secops@brand.example"
expires = 2999-01-01
"""


@dataclass
class AuditResult:
    code: int
    stdout: str
    stderr: str
    run_dir: Path

    @property
    def report(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.run_dir / "findings.json").read_text())
        return loaded

    def findings(self, status: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if status is None or f["status"] == status]

    def outputs(self) -> dict[str, str]:
        """Everything the run wrote: terminal streams and every file of its run directory."""
        texts = {"stdout": self.stdout, "stderr": self.stderr}
        for path in [*self.run_dir.rglob("*"), self.run_dir.parent / "history.sqlite"]:
            if path.is_file():
                texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
        return texts


def run_audit(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> AuditResult:
    report_dir = tmp_path / "runs"
    result = subprocess.run(
        [*CLI, "run", *args, "--report-dir", str(report_dir)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, **(env or {})},
    )
    runs = sorted(p for p in report_dir.iterdir() if p.is_dir()) if report_dir.exists() else []
    assert runs, result.stdout + result.stderr
    return AuditResult(result.returncode, result.stdout, result.stderr, runs[-1])
