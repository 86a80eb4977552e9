"""The terminal: progress per phase, tables that fit, NO_COLOR, --version and the listings (issue 17).

The command runs in real processes: with stderr a pipe (CI) it prints plain progress lines; in a
pseudo-terminal (the pty module) rich draws live progress and the findings table fits COLUMNS. A hostile
profile names a vendor after the run's own credential and another after a card number: neither reaches any
byte the terminal receives.
"""

from __future__ import annotations

import dataclasses
import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from tests.checks.conftest import AuditResult
from tests.test_leak_sweep import PANS, SECRET, secret_forms, views
from vendor_audit import console, progress, sandbox
from vendor_audit.catalogs import catalogs
from vendor_audit.findings import AuditRun, CheckSpec, Finding, Severity, Status
from vendor_audit.loadtests.gates import SPECS as LOAD_GATES
from vendor_audit.pan import fold, scan_text
from vendor_audit.redact import Redactor
from vendor_audit.reports import render_table

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07)")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and other character attributes
HOSTILE_SECRET = "k" + "3f9a" * 12  # a credential that is a valid vendor name, lower-case letters and digits
HOSTILE_PAN = "4111-1111-1111-1111"
CLEAR_PAN = "4111111111111111"


def hostile_profile(running: sandbox.RunningSandbox) -> tuple[Path, dict[str, str], str, str]:
    """The sandbox's profile with gorgias named after its credential and shopify after a card number.

    Returns the profile, the environment that hands gorgias that credential, and both vendors' new names.
    """
    gorgias = running.gorgias
    gorgias.api_keys[(gorgias.api_key_email, HOSTILE_SECRET)] = gorgias.api_keys[
        (gorgias.api_key_email, gorgias.api_key)
    ]
    secret_vendor, pan_vendor = f"gorgias-{HOSTILE_SECRET}", f"shopify-{HOSTILE_PAN}"
    text = running.profile_path.read_text()
    text = text.replace("vendors.gorgias", f"vendors.{secret_vendor}").replace(
        'vendor = "gorgias"', f'vendor = "{secret_vendor}"'
    )
    text = text.replace("vendors.shopify", f"vendors.{pan_vendor}")
    path = running.run_dir / "hostile.toml"
    path.write_text(text)
    return path, {"VA_GORGIAS_API_KEY": HOSTILE_SECRET}, secret_vendor, pan_vendor


def assert_nothing_leaks(where: str, text: str) -> None:
    assert HOSTILE_SECRET[:16] not in text, f"the credential reached {where}"
    assert HOSTILE_SECRET[-16:] not in text, f"the credential's end reached {where}"
    assert HOSTILE_PAN not in text, f"the card number reached {where}"
    clear = [m.digits for m in scan_text(text) if m.kind == "pan" and m.digits == CLEAR_PAN]
    assert not clear, f"the scanner reads the card number in clear in {where}"


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NO_COLOR", "FORCE_COLOR", "COLUMNS"))}
    return env | {"TERM": "xterm-256color"} | extra


def run_piped(tmp_path: Path, *args: str, env: dict[str, str]) -> AuditResult:
    reports = tmp_path / "runs"
    done = subprocess.run(
        [*CLI, "run", *args, "--report-dir", str(reports)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    return AuditResult(done.returncode, done.stdout, done.stderr, run_dir)


_CONTROL = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|[\r\n]|[^\x1b\r\n]")


def final_screen(received: str, columns: int) -> list[str]:
    """What the terminal shows once everything is written, scrollback included, as logical lines.

    The part of a VT100 that rich's live display and pytest use: characters overwrite at the cursor and wrap at the
    last column, CR, LF, cursor up (ESC [ n A), erase line (ESC [ 2K, ESC [ K); attributes and cursor visibility
    change nothing on screen. A line that wrapped is joined back to the one it continues, so a line longer than
    the terminal shows as such.
    """
    rows: list[list[str]] = [[]]
    continued = [False]
    row = column = 0
    pending_wrap = False
    for match in _CONTROL.finditer(received):
        text, (argument, command) = match.group(), match.group(1, 2)
        if command == "A":
            row, pending_wrap = max(0, row - int(argument or 1)), False
        elif command == "K":
            rows[row][column if argument in ("", "0") else 0 :] = []
        elif command or text.startswith("\x1b"):
            continue
        elif text == "\r":
            column, pending_wrap = 0, False
        elif text == "\n":
            row, pending_wrap = row + 1, False
        else:
            if pending_wrap:
                row, column, pending_wrap = row + 1, 0, False
                if row == len(rows):
                    rows.append([])
                    continued.append(True)
            current = rows[row]
            current[len(current) : column] = [" "] * (column - len(current))
            current[column : column + 1] = [text]
            column += 1
            if column == columns:
                column, pending_wrap = columns - 1, True
        while row >= len(rows):
            rows.append([])
            continued.append(False)
    logical: list[str] = []
    for cells, joined in zip(rows, continued, strict=True):
        line = "".join(cells).rstrip()
        if joined and logical:
            logical[-1] += line
        else:
            logical.append(line)
    return logical


def run_in_pty(tmp_path: Path, *args: str, env: dict[str, str], columns: int = 80) -> tuple[AuditResult, str]:
    """`vendor-audit run` with stdin, stdout and stderr on one pseudo-terminal COLUMNS wide; all it wrote."""
    reports = tmp_path / "runs"
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [*CLI, "run", *args, "--report-dir", str(reports)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env | {"COLUMNS": str(columns)},
        cwd=tmp_path,
    )
    os.close(follower)
    received = bytearray()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    code = process.wait(timeout=30)
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    return AuditResult(code, "", "", run_dir), received.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox.RunningSandbox, Path, dict[str, str]]]:
    with sandbox.serve(scenario="leaky", workdir=tmp_path_factory.mktemp("hostile")) as running:
        path, secrets, _, _ = hostile_profile(running)
        yield running, path, secrets


@pytest.fixture(scope="module")
def piped(
    hostile: tuple[sandbox.RunningSandbox, Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> AuditResult:
    _, path, secrets = hostile
    return run_piped(tmp_path_factory.mktemp("piped"), str(path), env=environment(**secrets))


# -- progress, end to end ------------------------------------------------------------------------------------


def test_a_pipe_gets_plain_progress_lines_for_each_vendor_and_phase(piped: AuditResult) -> None:
    assert piped.code in (1, 2), piped.stdout[-2000:] + piped.stderr[-2000:]
    lines = piped.stderr.splitlines()
    said = [line for line in lines if line.startswith("vendor-audit: ")]
    # Each vendor's collection and payload scan, named (the hostile names as the redactor shows them).
    for vendor in ("gorgias-[REDACTED]", "shopify-411111******1111", "zendesk"):
        for what in ("collection", "payload scan"):
            assert any(line.startswith(f"vendor-audit: {vendor} {what} done in ") for line in said), (vendor, what)
    for what in ("export scan", "export validation", "TLS probes"):
        assert any(line.startswith(f"vendor-audit: {what} done in ") for line in said), what
    assert re.search(
        r"^vendor-audit: zendesk collection done in [\d.]+ s: \d+ pages?, \d+ records?$", piped.stderr, re.M
    )
    assert re.search(r"^vendor-audit: TLS probes done in .*: 4 of 4 endpoints$", piped.stderr, re.M)
    assert "\x1b" not in piped.stderr + piped.stdout  # no control code in a pipe
    for where, text in (("stderr", piped.stderr), ("stdout", piped.stdout)):
        assert_nothing_leaks(where, text)


def test_the_table_fits_80_columns_in_a_terminal_and_keeps_the_masked_number_whole(tmp_path: Path) -> None:
    ran, received = run_in_pty(tmp_path, env=environment(), columns=80)
    assert ran.code == 1, received[-3000:]
    # The live progress was drawn, in colour (without NO_COLOR rich's elapsed time is yellow), then erased.
    assert "payload scan" in received
    assert "\x1b[33m" in received
    screen = final_screen(received, 80)
    assert not any("collection" in line or "payload scan" in line for line in screen), screen
    # pytest's lines went above the live rows, whole: not one of them was drawn over.
    counted = [(int(n), int(m)) for n, m in re.findall(r"\[\s*(\d+)/(\d+)\]", "\n".join(screen))]
    assert counted
    assert {n for n, _ in counted} == set(range(1, counted[0][1] + 1))
    assert any(line.startswith("vendor_audit/checks/data/test_payloads_free_of_pans.py F") for line in screen)
    start = next(i for i, line in enumerate(screen) if line.startswith("SEVERITY"))
    end = next(i for i, line in enumerate(screen) if line.startswith("result: "))
    lines = screen[start : end + 1]
    assert len(lines) > 20
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    table = "\n".join(lines)
    pans = [f for f in ran.report["findings"] if f["check_id"] == "payloads_free_of_pans" and f["status"] == "fail"]
    assert pans
    for found in pans:
        masked = re.search(r"\d{4,6}\*+\d{4}", found["message"])
        assert masked, found["message"]
        assert masked.group() in table, found["message"]
        assert found["resource"] in table  # whole, on one line
    assert "fix payloads_free_of_pans: Redact the card number" in table


def test_no_color_in_a_terminal_means_no_colour_code_and_nothing_leaks(
    hostile: tuple[sandbox.RunningSandbox, Path, dict[str, str]], tmp_path: Path
) -> None:
    _, path, secrets = hostile
    ran, screen = run_in_pty(tmp_path, str(path), env=environment(NO_COLOR="1", **secrets), columns=100)
    assert ran.code in (1, 2), screen[-3000:]
    assert "payload scan" in screen  # the live display ran ...
    assert "\x1b[" in screen  # ... moving the cursor
    assert not SGR.findall(screen), sorted(set(SGR.findall(screen)))[:5]
    assert_nothing_leaks("the terminal", screen)


# -- the progress renderers ------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_come_every_interval_and_at_each_end() -> None:
    out, clock = io.StringIO(), FakeClock()
    plain = console.PlainProgress(out, interval=10.0, clock=clock)
    plain.start("zendesk payload scan")
    plain.start("TLS probes", total=4, unit="endpoints")
    plain.advance("zendesk payload scan", pages=1, records=100)
    clock.now += 5
    plain.tick()
    assert out.getvalue() == ""  # not yet 10 s
    plain.advance("TLS probes", endpoints=1)
    clock.now += 5
    plain.tick()
    assert out.getvalue().splitlines() == [
        "vendor-audit: zendesk payload scan: 1 page, 100 records, 10 s so far",
        "vendor-audit: TLS probes: 1 of 4 endpoints, 10 s so far, about 30 s left",
    ]
    clock.now += 1
    plain.tick()  # said a second ago: nothing new
    plain.end("TLS probes", ok=False)
    plain.advance("zendesk payload scan", pages=2, records=200)
    plain.end("zendesk payload scan")
    plain.close()
    assert out.getvalue().splitlines()[2:] == [
        "vendor-audit: TLS probes stopped after 11 s: 1 of 4 endpoints",
        "vendor-audit: zendesk payload scan done in 11 s: 3 pages, 300 records",
    ]


def test_a_tally_reaches_the_phase_of_its_own_thread_only() -> None:
    out = io.StringIO()
    plain = console.PlainProgress(out, interval=3600)
    progress.tally(pages=99)  # no phase: nothing, nowhere

    def collect(vendor: str, pages: int) -> None:
        with progress.phase(plain, f"{vendor} collection"):
            for _ in range(pages):
                progress.tally(pages=1, records=10)

    threads = [threading.Thread(target=collect, args=(v, n)) for v, n in (("zendesk", 3), ("gorgias", 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def broken() -> None:
        with progress.phase(plain, "shopify collection"):
            progress.tally(pages=1)
            raise RuntimeError("the vendor broke")

    with pytest.raises(RuntimeError):
        broken()
    plain.close()
    said = sorted(re.sub(r"(in|after) [\d.]+ s", r"\1 _", line) for line in out.getvalue().splitlines())
    assert said == [
        "vendor-audit: gorgias collection done in _: 5 pages, 50 records",
        "vendor-audit: shopify collection stopped after _: 1 page",
        "vendor-audit: zendesk collection done in _: 3 pages, 30 records",
    ]


def hostile_labels() -> list[str]:
    return [f"{name} {form} collection" for name, form in secret_forms().items()] + [
        f"{name} {text} payload scan" for name, (_, text) in PANS.items()
    ]


def assert_sweep_finds_nothing(where: str, text: str) -> None:
    """The leak sweep's search: the credential's forms and every card number's digits, in every decoding."""
    for view in views(text):
        assert SECRET[100:116] not in view, f"credential in {where}"
        assert SECRET[600:624] not in view, f"credential in {where}"
        digits = re.sub(r"[^0-9]", "", fold(view))
        for name, (pan, _) in PANS.items():
            assert pan not in digits, f"card number ({name}) in {where}"


def test_plain_progress_lines_pass_the_runs_redactor() -> None:
    out, clock = io.StringIO(), FakeClock()
    plain = console.PlainProgress(out, Redactor([SECRET]).for_terminal, interval=10.0, clock=clock)
    for label in hostile_labels():
        plain.start(label)
        plain.advance(label, pages=1)
    clock.now += 10
    plain.tick()
    for label in hostile_labels():
        plain.end(label)
    plain.close()
    said = out.getvalue()
    assert said.count("\n") == 2 * len(hostile_labels())
    assert "[REDACTED]" in said
    assert "******" in said
    assert_sweep_finds_nothing("plain progress", said)


def test_the_live_display_passes_the_runs_redactor_and_honours_no_color() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=400, color_system=None, markup=False)
    live = console.LiveProgress(terminal, Redactor([SECRET]).for_terminal)
    for label in hostile_labels():
        live.start(label, total=3, unit="pages")
        live.advance(label, pages=1)
    terminal.print("")  # a refresh, while every row is shown
    for label in hostile_labels():
        live.end(label)
    live.close()
    drawn = screen.getvalue()
    assert "[REDACTED]" in drawn
    assert "1 of 3 pages" in drawn
    assert not SGR.findall(drawn)  # color_system None, as progress_on_stderr builds it under NO_COLOR
    assert_sweep_finds_nothing("live progress", drawn)


def test_progress_on_stderr_chooses_by_the_terminal_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    leader, follower = pty.openpty()
    try:
        with open(follower, "w", closefd=False) as tty:
            monkeypatch.setattr(sys, "stderr", tty)
            with console.progress_on_stderr(environ={"TERM": "xterm"}) as chosen:
                assert isinstance(chosen, console.LiveProgress)
            with console.progress_on_stderr(environ={"TERM": "dumb"}) as chosen:
                assert isinstance(chosen, console.PlainProgress)  # a dumb terminal cannot move its cursor
            with console.progress_on_stderr(environ={"TERM": "xterm", "NO_COLOR": "1"}) as chosen:
                assert isinstance(chosen, console.LiveProgress)
                assert chosen.console.color_system is None
            with console.progress_on_stderr(quiet=True) as chosen:
                assert chosen is progress.NO_PROGRESS
    finally:
        os.close(leader)
        os.close(follower)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with console.progress_on_stderr(environ={"TERM": "xterm"}) as chosen:
        assert isinstance(chosen, console.PlainProgress)


# -- the findings table --------------------------------------------------------------------------------------

PAN_SPEC = CheckSpec(
    "payloads_free_of_pans", "No clear-text card number", Severity.CRITICAL, ("pci_dss_4.0:3.4.1",), "Redact it."
)
MFA_SPEC = CheckSpec("mfa_enabled_for_vendor_staff", "Staff have MFA", Severity.HIGH, ("pci_dss_4.0:8.4.2",), "Enrol.")
HSTS_SPEC = CheckSpec("tls_hsts_enabled", "HSTS is sent", Severity.LOW, ("pci_dss_4.0:4.2.1",), "Send HSTS.")


def finding(spec: CheckSpec, status: Status, resource: str, message: str = "", vendor: str = "zendesk") -> Finding:
    return Finding(
        check_id=spec.id,
        status=status,
        severity=spec.severity,
        vendor=vendor,
        resource=resource,
        message=message or f"{status.value} on {resource}",
        controls=spec.controls,
        remediation=spec.remediation,
    )


def sample_run() -> AuditRun:
    findings = (
        finding(PAN_SPEC, Status.FAIL, "tickets/12/comments/3", "Clear-text PAN visa 411111******1111 in body."),
        finding(PAN_SPEC, Status.FAIL, "tickets/12/comments/3", "Clear-text PAN visa 401288******1881 in body."),
        finding(PAN_SPEC, Status.PASS, "payloads", vendor="shopify"),
        finding(MFA_SPEC, Status.WAIVED, "users/7"),
        finding(MFA_SPEC, Status.MANUAL, "users", vendor="gorgias"),
        finding(HSTS_SPEC, Status.ERROR, "endpoint/exports.example:443", "The probe stopped."),
    )
    coverage = {"framework": "pci_dss_4.0", "name": "PCI DSS 4.0", "requirements": 4, "not_covered": ["12.8.2"]}
    coverage["matrix"] = [{"id": r, "status": s} for r, s in (("3.4.1", "fail"), ("12.8.2", "not_covered"))]
    return AuditRun(
        run_id="20261123T100000Z-beef",
        started="2026-11-23T10:00:00+00:00",
        finished="2026-11-23T10:00:05+00:00",
        profile_name="Acme",
        mode="production",
        findings=findings,
        checks=(PAN_SPEC, MFA_SPEC, HSTS_SPEC),
        fail_on=Severity.LOW,
        exit_code=2,
        coverage=(coverage,),
    )


LONG = (
    "Clear-text PAN visa 411111******1111 in comment body, quoted twice by the agent who asked the customer to "
    "repeat it, then pasted into the internal note."
)


def test_the_table_wraps_messages_whole_at_80_columns() -> None:
    run = sample_run()
    long_one = finding(PAN_SPEC, Status.FAIL, "tickets/4821/comments/99120#html_body", LONG)
    run = dataclasses.replace(run, findings=(*run.findings, long_one))
    for width in (80, 60, 40):
        table = render_table(run, width, terminal=True)
        assert all(len(line) <= width for line in table.splitlines()), (width, max(table.splitlines(), key=len))
        assert "411111******1111" in table
        assert "401288******1881" in table
        if width >= 60:
            assert "tickets/4821/comments/99120#html_body" in table
        assert " ".join(table.split()).count(LONG) == 1  # every word, in order, none cut
    wide = render_table(run, 300, terminal=True)
    assert any(line.startswith("SEVERITY") and line.rstrip().endswith("MESSAGE") for line in wide.splitlines())
    assert any(LONG in line for line in wide.splitlines())  # room enough: one line per finding


def test_a_pipe_gets_one_line_per_finding_every_field_whole() -> None:
    run = sample_run()
    run = dataclasses.replace(run, findings=(*run.findings, finding(PAN_SPEC, Status.FAIL, "tickets/1", LONG)))
    plain = render_table(run)
    rows = [line for line in plain.splitlines() if line.startswith(("critical", "high", "low"))]
    assert len(rows) == len([f for f in run.findings if f.status is not Status.PASS])
    assert any(line.endswith(LONG) for line in rows)
    assert plain.splitlines()[0].split() == ["SEVERITY", "STATUS", "VENDOR", "CHECK", "RESOURCE", "MESSAGE"]
    assert not set(plain) & set("─━│┃")  # no box drawing
    assert plain.splitlines()[-1] == "result: incomplete (the audit could not look everywhere) -> exit code 2"


def test_the_table_redacts_before_it_wraps() -> None:
    # At 60 columns the credential would straddle two lines: redacted line by line, each half would pass.
    secret = "s3cr3t-" + "q" * 12 + "z" * 12 + "-end"
    message = f"The vendor answered 401 and echoed the token {secret} back in its error body."
    run = dataclasses.replace(sample_run(), findings=(finding(PAN_SPEC, Status.ERROR, "tickets/7", message),))
    for width in (60, 80, 200):
        table = render_table(run, width, terminal=True, redact=Redactor([secret]))
        assert "[REDACTED]" in table
        assert not any(secret[i : i + 8] in table for i in range(len(secret) - 8)), width


# -- --version, checks, frameworks -------------------------------------------------------------------------------


def test_version_names_the_installed_package() -> None:
    from importlib.metadata import version

    done = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith(f"vendor-audit {version('vendor-audit')} (Python {sys.version.split()[0]})")


def test_help_teaches_with_examples() -> None:
    done = subprocess.run([*CLI, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert "examples:" in done.stdout
    assert "vendor-audit checks --json" in done.stdout
    assert "NO_COLOR" in done.stdout
    done = subprocess.run([*CLI, "checks", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert "vendor-audit frameworks --json" in done.stdout


def test_checks_json_lists_every_check_the_engine_runs(piped: AuditResult) -> None:
    done = subprocess.run([*CLI, "checks", "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    ran = {c["id"]: c for c in piped.report["checks"]}
    audit = {c["id"]: c for c in listed if c["run_by"] == "audit"}
    assert audit.keys() == ran.keys()
    for check_id, spec in audit.items():
        assert (spec["title"], spec["severity"], spec["controls"]) == (
            ran[check_id]["title"],
            ran[check_id]["severity"],
            ran[check_id]["controls"],
        )
    assert [c["id"] for c in listed if c["run_by"] == "load"] == [
        g.id for g in sorted(LOAD_GATES, key=lambda g: (-g.severity.rank, g.id))
    ]
    table = subprocess.run([*CLI, "checks"], capture_output=True, text=True, timeout=60, check=False).stdout
    assert len(table.splitlines()) == len(listed) + 1  # a header and one line per check: grep finds each whole
    for spec in listed:
        assert any(line.startswith(spec["id"] + " ") and spec["title"] in line for line in table.splitlines())


def test_the_listings_fit_a_terminal_and_keep_ids_and_controls_whole() -> None:
    known = console.known_checks()
    for listing in (console.check_listing(known), console.framework_listing(known)):
        for width in (80, 200):
            text = console.render_listing(listing.header, listing.rows, terminal=True, width=width, stack=listing.stack)
            lines = text.splitlines()
            assert all(len(line) <= width for line in lines), (width, max(lines, key=len))
            words = {word for line in lines for word in line.split()}
            for row in listing.rows:
                assert row[0] in words  # the id (or the framework's key), unbroken
            for document in listing.documents:
                assert set(document.get("controls", [])) <= words


def test_frameworks_count_requirements_and_what_the_checks_cover(piped: AuditResult) -> None:
    done = subprocess.run([*CLI, "frameworks", "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    listed = {f["framework"]: f for f in json.loads(done.stdout)}
    assert listed.keys() == {c.key for c in catalogs()}
    for coverage in piped.report["coverage"]:  # the engine's own coverage of a complete run
        framework = listed[coverage["framework"]]
        assert framework["requirements"] == coverage["requirements"]
        assert framework["checked_by_audit"] == len(coverage["covered"])
        assert framework["checked_with_load_test"] >= framework["checked_by_audit"]
        load_only = {c.split(":", 1)[1] for g in LOAD_GATES for c in g.controls if c.startswith(coverage["framework"])}
        assert set(framework["not_covered"]) == set(coverage["not_covered"]) - load_only


def test_a_terminal_gets_a_very_long_table_fast_and_whole() -> None:
    many = tuple(
        finding(PAN_SPEC, Status.FAIL, f"tickets/{n}/comments/1", f"Clear-text PAN visa 411111******1111 #{n}")
        for n in range(5000)
    )
    run = dataclasses.replace(sample_run(), findings=many)
    lines = render_table(run, 80, terminal=True).splitlines()
    assert lines[0].startswith("5000 findings, one line each")  # not rich's layout: 0.4 ms a row
    assert sum("411111******1111" in line for line in lines) == 5000  # every finding, its masked number whole
