"""The engine's promise, end to end: the verdict is never green when the audit did not look.

Interrupts, a check or fixture that stops, narrowed runs, pytest as its users run it (from a wheel, from an
empty directory, beside their own tests, with -n), all over real sockets against the bundled stand-ins.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import StartSandbox
from vendor_audit import sandbox

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "vendor_audit.cli"]


def report_of(report_dir: Path) -> dict[str, Any]:
    (run_dir,) = [p for p in report_dir.iterdir() if p.is_dir()]
    document: dict[str, Any] = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))
    document["_dir"] = run_dir
    return document


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_with_a_stalled_vendor_publishes_an_interrupted_run(
    fresh: StartSandbox, tmp_path: Path, signum: signal.Signals
) -> None:
    running = fresh(scenario="clean")
    running.set_faults("zendesk", sandbox.Faults(stall_rate=1.0, stall_seconds=120))  # answers nothing for 2 min
    reports = tmp_path / "runs"
    process = subprocess.Popen(
        [*CLI, "run", str(running.profile_path), "--report-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(reports.glob("*/")) and time.monotonic() < deadline:  # the run has begun
            time.sleep(0.1)
        time.sleep(3)  # well into collection: the zendesk calls hang
        assert process.poll() is None, "the run ended before the stalled vendor answered"
        sent = time.monotonic()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
        ended_after = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2, stdout[-2000:] + stderr[-2000:]
    assert ended_after < 10, f"took {ended_after:.1f} s to stop"
    assert "Traceback" not in stdout + stderr
    report = report_of(reports)
    assert report["state"] == "interrupted"
    assert report["state_reason"] == f"interrupted by {signum.name}"
    assert report["exit_code"] == 2
    assert {"report.html", "junit.xml", "assessment-results.json"} <= {p.name for p in report["_dir"].iterdir()}
    assert "INTERRUPTED" in (report["_dir"] / "report.html").read_text(encoding="utf-8")
    # Every check owed a verdict has one; those the interrupt cut short say so, as errors.
    ids = {c["id"] for c in report["checks"]}
    assert ids == {f["check_id"] for f in report["findings"]}
    assert any(f["status"] == "error" and "interrupted" in f["message"] for f in report["findings"])
    listed = subprocess.run(
        [*CLI, "diff", "--list", "--report-dir", str(reports)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "interrupted" in listed.stdout


CHECK_THAT_RAISES = """
from vendor_audit.checks import Audit, Severity, check

@check(id="thing_{n}_raises_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.")
def test_thing_{n}_raises_ok(snapshots, audit: Audit) -> None:
    for name in sorted(snapshots)[:1]:
        audit.passed(vendor=name, resource="r", message="looked at the first vendor only")
    raise KeyError("secret-looking detail 4111111111111111")
"""

FIXTURE_THAT_RAISES = """
import pytest
from vendor_audit.checks import Audit, Severity, check

@pytest.fixture
def broken():
    raise TypeError("'NoneType' object is not subscriptable")

@check(id="thing_{n}_fixture_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.")
def test_thing_{n}_fixture_ok(broken, audit: Audit) -> None:
    audit.passed(vendor="-", resource="r", message="never reached")
"""

CHECK_THAT_FORGETS_A_VENDOR = """
from vendor_audit.checks import Audit, Severity, check

@check(id="thing_{n}_partial_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.")
def test_thing_{n}_partial_ok(snapshots, audit: Audit) -> None:
    audit.passed(vendor=sorted(snapshots)[0], resource="r", message="looked at one vendor of several")
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (CHECK_THAT_RAISES, "The check stopped, so it could not look: KeyError"),
        (FIXTURE_THAT_RAISES, "The check stopped, so it could not look: TypeError"),
        (CHECK_THAT_FORGETS_A_VENDOR, "recorded no finding for"),
    ],
    ids=["check-raises", "fixture-raises", "vendor-left-out"],
)
def test_a_check_that_did_not_look_everywhere_is_an_error_for_each_vendor_it_missed(
    pytester: pytest.Pytester, clean: sandbox.RunningSandbox, source: str, expected: str
) -> None:
    n = abs(hash(source)) % 10_000
    kind = {CHECK_THAT_RAISES: "raises", FIXTURE_THAT_RAISES: "fixture", CHECK_THAT_FORGETS_A_VENDOR: "partial"}[source]
    pytester.makepyfile(**{f"test_thing_{n}_{kind}_ok": source.replace("{n}", str(n))})
    reports = pytester.path / "runs"
    result = pytester.runpytest_subprocess(
        "--audit-profile", str(clean.profile_path), "--audit-report-dir", str(reports), "-p", "no:cacheprovider"
    )
    assert result.ret == 2, result.stdout.str()[-3000:]
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "4111111111111111" not in output
    report = report_of(reports)
    mine = [f for f in report["findings"] if f["check_id"] == f"thing_{n}_{kind}_ok"]
    errors = [f for f in mine if f["status"] == "error"]
    assert errors, mine
    assert all(expected in f["message"] for f in errors), errors
    if source is not FIXTURE_THAT_RAISES:  # one vendor was looked at; each of the others gets its own error
        assert {f["vendor"] for f in mine} == {v["name"] for v in report["vendors"]}
    # The audit's own checks ran beside it and kept their verdicts.
    assert {c["id"] for c in report["checks"]} >= {"payloads_free_of_pans", "tls_modern_protocol_offered"}
    assert "4111111111111111" not in json.dumps(report, default=str)


def test_a_narrowed_run_is_published_as_partial(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    reports = tmp_path / "runs"
    result = subprocess.run(
        [*CLI, "run", str(leaky.profile_path), "--report-dir", str(reports), "-k", "hsts"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    report = report_of(reports)
    assert report["state"] == "partial"
    assert "-k 'hsts'" in report["state_reason"]
    assert {c["id"] for c in report["checks"]} == {"tls_hsts_enabled"}
    assert "PARTIAL" in result.stdout


# -- pytest as its users run it ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "vendor-audit"  # built from a copy: no build/ left in the clone
    shutil.copytree(
        REPO, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "runs", "__pycache__", ".*cache")
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("vendor_audit-*.whl")
    return built


def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        declared = archive.read(entry_points).decode()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"vendor_audit"}
    assert "vendor_audit = vendor_audit.checks._plugin" in declared
    assert any(name.startswith("vendor_audit/checks/frameworks/") for name in names)
    assert "vendor_audit/schemas/findings.v1.schema.json" in names
    # Every module of the card's folders is in the wheel (pyproject's package list is written by hand).
    for folder in ("checks", "connectors", "reports", "schemas", "loadtests", "sandbox"):
        for module in (REPO / folder).rglob("*.py"):
            assert f"vendor_audit/{folder}/{module.relative_to(REPO / folder).as_posix()}" in names, module


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into its own directory, first on the path, as a user's environment would have it."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


USERS_SUITE = """
def test_the_users_own_passing_test():
    assert True

def test_the_users_own_failing_test():
    assert 1 + 1 == 3
"""


def test_pytest_from_an_empty_directory_runs_the_audit_beside_the_users_tests(
    installed: Path, clean: sandbox.RunningSandbox, tmp_path: Path
) -> None:
    project = tmp_path / "onboarding"
    project.mkdir()
    (project / "test_onboarding.py").write_text(USERS_SUITE)
    (project / "checks").mkdir()  # a project with its own `checks` package must still start
    (project / "checks" / "__init__.py").write_text("WHO = 'the project'\n")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run(
        [sys.executable, "-c", "import vendor_audit.checks; print(vendor_audit.checks.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(installed))  # the wheel, not this clone
    reports = tmp_path / "runs"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--audit-profile", str(clean.profile_path)]
    result = subprocess.run(
        [*command, "--audit-report-dir", str(reports)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]  # the audit passes; the user's failing test keeps it failing
    assert "1 failed" in output
    assert "test_the_users_own_failing_test" in output
    report = report_of(reports)
    assert report["exit_code"] == 0  # clean: the audit itself found nothing
    assert len(report["checks"]) >= 10
    assert {f["status"] for f in report["findings"]} <= {"pass", "manual", "not_applicable"}

    refused = subprocess.run(
        [*command, "-n", "2", "--audit-report-dir", str(tmp_path / "xdist")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert "pytest-xdist" in refused.stdout + refused.stderr
    assert not (tmp_path / "xdist").exists() or not any((tmp_path / "xdist").iterdir())  # no half-runs recorded


def test_plain_suites_see_nothing_of_the_audit(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "plain"
    project.mkdir()
    (project / "test_plain.py").write_text("def test_one():\n    assert True\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 passed" in result.stdout
    assert "vendor-audit findings" not in result.stdout
    assert "audit" not in result.stdout.split("collected", 1)[1]  # no check joined the user's suite


# -- ways a run could look complete without having looked (found in review) ---------------------------------

SKIPPED_CHECK = """
import pytest
from vendor_audit.checks import Audit, Severity, check

@pytest.mark.skip(reason="flaky on CI")
@check(id="thing_{n}_skipped_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.")
def test_thing_{n}_skipped_ok(audit: Audit) -> None:
    audit.passed(vendor="-", resource="r", message="never reached")
"""

ONE_VENDOR_NOT_APPLICABLE = """
from vendor_audit.checks import Audit, Severity, check

@check(id="thing_{n}_na_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.")
def test_thing_{n}_na_ok(snapshots, audit: Audit) -> None:
    first, second, *_ = sorted(snapshots)
    audit.passed(vendor=first, resource="r", message="looked")
    audit.not_applicable(vendor=second, message="not for this one")
"""

PARAMETRIZED_CHECK = """
import pytest
from vendor_audit.checks import Audit, Severity, check

@pytest.mark.parametrize("ok", [False, True])
@check(id="thing_{n}_param_ok", title="Something holds", severity=Severity.LOW, controls=("pci_dss_4.0:3.4.1",),
       remediation="Fix it.", per_vendor=False)
def test_thing_{n}_param_ok(ok, audit: Audit) -> None:
    audit.record(vendor="-", resource=f"case/{ok}", passed=ok, message="as given")
"""


def run_users_check(
    pytester: pytest.Pytester, profile: Path, source: str, kind: str, *args: str, also: str = ""
) -> Any:
    """Run a user's check beside the audit; -k keeps the audit's own checks to `also`, so the shared sandbox's
    rate limits are not spent on a payload scan these tests do not need."""
    n = abs(hash((source, args))) % 10_000
    pytester.makepyfile(**{f"test_thing_{n}_{kind}_ok": source.replace("{n}", str(n))})
    reports = pytester.path / "runs"
    select = f"thing_{n}_{kind}_ok" + (f" or {also}" if also else "")
    result = pytester.runpytest_subprocess(
        "--audit-profile",
        str(profile),
        "--audit-report-dir",
        str(reports),
        "-p",
        "no:cacheprovider",
        "-k",
        select,
        *args,
    )
    report = report_of(reports) if reports.exists() and any(reports.iterdir()) else None
    return result, report, f"thing_{n}_{kind}_ok"


def test_a_skipped_check_is_an_error_not_a_pass(pytester: pytest.Pytester, clean: sandbox.RunningSandbox) -> None:
    result, report, check_id = run_users_check(pytester, clean.profile_path, SKIPPED_CHECK, "skipped")
    assert result.ret == 2
    mine = [f for f in report["findings"] if f["check_id"] == check_id]
    assert mine
    assert all(f["status"] == "error" and "skipped (flaky on CI)" in f["message"] for f in mine)


def test_not_applicable_to_one_vendor_does_not_excuse_the_others(
    pytester: pytest.Pytester, clean: sandbox.RunningSandbox
) -> None:
    result, report, check_id = run_users_check(pytester, clean.profile_path, ONE_VENDOR_NOT_APPLICABLE, "na")
    assert result.ret == 2
    mine = {f["vendor"]: f["status"] for f in report["findings"] if f["check_id"] == check_id}
    first, second, *others = sorted(v["name"] for v in report["vendors"])
    assert mine == {first: "pass", second: "not_applicable", **dict.fromkeys(others, "error")}


def test_every_parameter_set_of_a_check_keeps_its_findings(
    pytester: pytest.Pytester, clean: sandbox.RunningSandbox
) -> None:
    result, report, check_id = run_users_check(pytester, clean.profile_path, PARAMETRIZED_CHECK, "param")
    assert result.ret == 1
    assert report["exit_code"] == 1
    mine = sorted((f["resource"], f["status"]) for f in report["findings"] if f["check_id"] == check_id)
    assert mine == [("case/False", "fail"), ("case/True", "pass")]


def test_a_session_pytest_stops_early_is_interrupted(pytester: pytest.Pytester, leaky: sandbox.RunningSandbox) -> None:
    result, report, _ = run_users_check(pytester, leaky.profile_path, PARAMETRIZED_CHECK, "param", "-x", also="hsts")
    assert result.ret == 2
    assert report["state"] == "interrupted"
    assert "pytest" in report["state_reason"]
    assert any("Not checked" in f["message"] for f in report["findings"])


def test_selecting_no_check_of_an_asked_for_audit_exits_2(
    pytester: pytest.Pytester, clean: sandbox.RunningSandbox
) -> None:
    pytester.makepyfile(test_mine="def test_ok():\n    assert True\n")
    result = pytester.runpytest_subprocess("--audit-profile", str(clean.profile_path), "-k", "test_ok")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*no audit check is left after -k*"])


def test_a_check_module_that_cannot_load_stays_in_the_report_as_an_error(
    pytester: pytest.Pytester, clean: sandbox.RunningSandbox
) -> None:
    pytester.makeconftest(
        "import sys\nsys.modules['vendor_audit.checks.tls.test_tls_hsts_enabled'] = None  # an import that fails\n"
    )
    pytester.makepyfile(test_mine="def test_ok():\n    assert True\n")
    reports = pytester.path / "runs"
    result = pytester.runpytest_subprocess(
        "--audit-profile",
        str(clean.profile_path),
        "--audit-report-dir",
        str(reports),
        "--continue-on-collection-errors",
    )
    assert result.ret == 2
    report = report_of(reports)
    lost = [f for f in report["findings"] if f["check_id"] == "tls_hsts_enabled"]
    assert lost
    assert all(f["status"] == "error" and "could not be loaded" in f["message"] for f in lost)


def test_reports_that_cannot_be_written_make_the_run_exit_2_and_history_says_so(
    clean: sandbox.RunningSandbox, tmp_path: Path
) -> None:
    reports = tmp_path / "runs"
    (reports / "RUN1" / "report.html").mkdir(parents=True)  # a directory where a report must go
    result = subprocess.run(
        [*CLI, "run", str(clean.profile_path), "--report-dir", str(reports), "-k", "hsts", "--run-id", "RUN1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads((reports / "RUN1" / "findings.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 2
    assert any("could not all be written" in p for p in report["problems"])
    import sqlite3

    with sqlite3.connect(reports / "history.sqlite") as db:
        assert db.execute("SELECT exit_code FROM runs WHERE run_id = 'RUN1'").fetchone() == (2,)
