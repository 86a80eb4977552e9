"""Report writers on a large run: seconds and bytes per writer, peak memory, beside compliance-trestle.

    python3 benchmarks/report_speed.py [--findings 20000]

A synthetic run of N findings (a tenth failing, some waived, errors and manual ones; coverage from the
real catalogs) goes through every writer, best of three. Side by side, in the same run, compliance-trestle
5.2.0 (the mature OSCAL library, in .bench-venv/trestle; made with
`python3 -m venv .bench-venv/trestle && .bench-venv/trestle/bin/pip install compliance-trestle==5.2.0`)
loads our OSCAL document into its pydantic models and serializes it back: the least a writer built on
trestle's models pays, and a check that an independent OSCAL tool reads our file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import REPO

from vendor_audit import checks
from vendor_audit.engine import coverage
from vendor_audit.findings import AuditRun, EvidenceFile, Finding, Severity, Status
from vendor_audit.reports import render_findings_json
from vendor_audit.reports.html import render_html
from vendor_audit.reports.junit import render_junit
from vendor_audit.reports.oscal import render_oscal
from vendor_audit.reports.tabular import render_csv

TRESTLE = REPO / ".bench-venv" / "trestle" / "bin" / "python"
_TRESTLE_ROUND_TRIP = """
import sys, time
from trestle.oscal import assessment_results as ar
text = open(sys.argv[1]).read()
best = float("inf")
for _ in range(3):
    started = time.perf_counter()
    model = ar.Model.model_validate_json(text)
    out = model.oscal_serialize_json()
    best = min(best, time.perf_counter() - started)
result = model.assessment_results.results[0]
print(best, len(result.observations), len(result.findings), len(out))
"""


def synthetic_run(count: int) -> AuditRun:
    for path in sorted((REPO / "checks").rglob("test_*.py")):  # importing a check module registers it
        importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts))
    specs = list(checks.REGISTRY.values())
    statuses = [Status.PASS] * 80 + [Status.FAIL] * 10 + [Status.WAIVED] * 4 + [Status.MANUAL] * 4 + [Status.ERROR] * 2
    findings = []
    for index in range(count):
        spec = specs[index % len(specs)]
        status = statuses[index % len(statuses)]
        findings.append(
            Finding(
                check_id=spec.id,
                status=status,
                severity=spec.severity,
                vendor=("shopify", "zendesk", "gorgias")[index % 3],
                resource=f"tickets/{index}/comments/{index * 7}",
                message=f"Clear-text PAN visa 411111******1111 in body of comment {index}.",
                controls=spec.controls,
                evidence={"kind": "pan", "masked": "411111******1111", "offset": index % 300},
                remediation=spec.remediation,
                waiver={"reason": "Tokenised next sprint.", "owner": "secops@brand.example", "expires": "2099-01-31"}
                if status is Status.WAIVED
                else None,
            )
        )
    return AuditRun(
        run_id="20261123T000000Z-bench",
        started="2026-11-23T00:00:00+00:00",
        finished="2026-11-23T00:05:00+00:00",
        profile_name="benchmark",
        mode="production",
        findings=tuple(findings),
        checks=tuple(specs),
        fail_on=Severity.LOW,
        exit_code=1,
        coverage=tuple(coverage(specs, specs, findings)),
        evidence_max_age_days=30,
        evidence_files=(EvidenceFile("evidence.json", "0" * 64, "application/json"),),
    )


def best_of(function: Callable[[AuditRun], str], run: AuditRun, repeat: int = 3) -> tuple[float, str]:
    best, text = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        text = function(run)
        best = min(best, time.perf_counter() - started)
    return best, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=20_000)
    args = parser.parse_args()
    run = synthetic_run(args.findings)
    print(f"{args.findings} findings, {len(run.checks)} checks, 3 frameworks")
    oscal_text = ""
    for name, writer in (
        ("findings.json", render_findings_json),
        ("junit.xml", render_junit),
        ("findings.csv", render_csv),
        ("report.html", render_html),
        ("assessment-results.json", render_oscal),
    ):
        seconds, text = best_of(writer, run)
        print(f"  {name:<24} {seconds:7.3f} s  {len(text.encode()) / 2**20:7.1f} MiB")
        if name == "assessment-results.json":
            oscal_text, oscal_seconds = text, seconds
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if not TRESTLE.exists():
        print("compliance-trestle: not installed in .bench-venv/trestle (see the docstring); skipped")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(oscal_text)
    out = subprocess.run(
        [str(TRESTLE), "-c", _TRESTLE_ROUND_TRIP, handle.name], capture_output=True, text=True, check=True
    )
    Path(handle.name).unlink()
    trestle_seconds, observations, findings, _size = out.stdout.split()
    expected = json.loads(oscal_text)["assessment-results"]["results"][0]
    if (int(observations), int(findings)) != (len(expected["observations"]), len(expected["findings"])):
        raise SystemExit("compliance-trestle read a different document than we wrote")
    print(
        f"compliance-trestle 5.2.0 reads our OSCAL ({observations} observations, {findings} findings) and writes "
        f"it back: {float(trestle_seconds):.3f} s; vendor-audit renders it in {oscal_seconds:.3f} s: "
        f"{float(trestle_seconds) / oscal_seconds:.1f}x"
    )


if __name__ == "__main__":
    main()
