"""pytest's own reports (-vv --tb=long --showlocals, -rA, --junitxml) carry no clear card number and no secret.

A suite of its own checks and tests holds the run's card numbers (the scanner's matches, clear digits and all)
and credentials in locals, assertion messages, captured output and logs, and fails in every phase; pytest
runs it in a subprocess against the leaky sandbox, and its terminal output and JUnit XML are searched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vendor_audit.pan import fold, mask_pan

SUITE = '''
import json
import logging
import os
from pathlib import Path

import pytest

from vendor_audit.checks import Audit, Severity, check

ARABIC = " ".join("".join(chr(0x660 + int(d)) for d in group) for group in ("4539", "1488", "0343", "6467"))


def dump(profile, payload_scan):
    """What the outer test must not find: every credential and every clear card number the run saw."""
    secrets = [profile.secret(c) for v in profile.vendors for c in v.credentials]
    digits = sorted({hit.match.digits for hit in payload_scan.hits if hit.match.kind == "pan"})
    Path(os.environ["LEAK_DUMP"]).write_text(json.dumps({"secrets": secrets, "digits": digits}))
    return secrets, digits


@pytest.fixture
def leftover(profile, payload_scan):
    secrets, digits = dump(profile, payload_scan)
    yield secrets[0]
    card = digits[0]
    raise RuntimeError(f"teardown still holds {secrets[0]} and {card} and {ARABIC}")


@check(
    id="leaky_locals_hold",
    title="Locals hold nothing",
    severity=Severity.LOW,
    controls=("pci_dss_4.0:3.4.1",),
    remediation="Fix it.",
)
def test_leaky_locals_hold(audit: Audit, payload_scan, leftover) -> None:
    secret = leftover
    match = payload_scan.hits[0].match
    print(f"captured stdout: {match.digits} {secret} \\x1b[2J")
    logging.getLogger("suite").warning("logged: %s %s", match.digits, secret)
    audit.passed(vendor="-", resource="-", message=f"looked at {match.digits}")
    assert secret == match.digits, f"{secret} is not {match.digits}"


def test_a_plain_test_with_matches_in_its_locals(payload_scan, profile):
    secrets, digits = dump(profile, payload_scan)
    hits = payload_scan.hits
    first = hits[0]
    print("captured:", first.match.digits, secrets)
    assert first.match.digits in secrets, hits[:3]


def test_assertion_rewriting_shows_the_bodies(payload_scan, profile):
    secrets, digits = dump(profile, payload_scan)
    assert digits == secrets


def test_setup_that_fails(payload_scan, profile, broken):
    pass


@pytest.fixture
def broken(profile):
    secret = profile.secret(profile.vendors[0].credentials[0])
    raise ValueError(f"setup holds {secret} and 4111 1111 1111 1111 and {ARABIC}")


@pytest.mark.skip(reason="skipped because of 4111-1111-1111-1111")
def test_skipped_with_a_card_in_the_reason(profile):
    pass
'''


def test_pytest_reports_are_redacted_in_every_phase(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_leaky_locals_hold=SUITE)
    dumped = tmp_path / "dump.json"
    pytester._monkeypatch.setenv("LEAK_DUMP", str(dumped))
    pytester._monkeypatch.setenv("NO_COLOR", "1")
    junit = tmp_path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "--audit-sandbox",
        "leaky",
        "--audit-report-dir",
        str(tmp_path / "runs"),
        "-p",
        "no:cacheprovider",
        "-vv",
        "--tb=long",
        "--showlocals",
        "-rA",
        f"--junitxml={junit}",
        timeout=240,
    )
    assert result.ret == 2  # the check's errors: the audit could not look
    known = json.loads(dumped.read_text())
    assert known["digits"]
    assert known["secrets"]
    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str(), "junit": junit.read_text()}
    for where, text in outputs.items():
        stream = re.sub(r"[^0-9]", "", fold(text))
        for digits in [*known["digits"], "4111111111111111", "4539148803436467"]:
            assert digits not in stream, f"a clear card number in {where}"
        for secret in known["secrets"]:
            assert secret[:8] not in text, f"a credential in {where}"
        assert "\x1b" not in text, f"a raw ESC in {where}"
    said = outputs["stdout"]
    # Every phase failed, and was shown (redacted), not hidden.
    for name in ("test_a_plain_test_with_matches_in_its_locals", "test_assertion_rewriting_shows_the_bodies"):
        assert f"FAILED test_leaky_locals_hold.py::{name}" in said
    assert "ERROR test_leaky_locals_hold.py::test_setup_that_fails" in said
    assert "ERROR at teardown of test_leaky_locals_hold" in said
    assert "SKIPPED" in said
    assert "skipped because of 4111" in said
    assert "1111******1111" in said
    assert "first      = Hit(" in said or "first = Hit(" in said  # --showlocals did show the locals ...
    assert mask_pan(known["digits"][0]) in said  # ... with the card numbers masked
    assert "[REDACTED]" in said
    assert "Captured stdout call" in said
    assert "Captured log call" in said
    assert "␛[2J" in said
    assert mask_pan(known["digits"][0]) in outputs["junit"]
