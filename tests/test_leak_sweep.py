"""The leak sweep: a hostile vendor plants a credential and card numbers in every disguise, and no byte gets out.

A real HTTPS sandbox on 127.0.0.1 serves data and error bodies holding the run's own credential (a 1,200
character JWT) as written, in base64 (standard, URL-safe, inside `Basic email:token`), URL-encoded, JSON
`\\u`-escaped and truncated; card numbers with spaces and dashes, in Arabic-Indic and full-width digits, as HTML
entities, base64 of a sentence, URL-encoded and `\\u`-escaped; and terminal control sequences (clear screen,
OSC 0 window title, BEL, NUL). `vendor-audit run` and `pytest --audit-profile -vv --tb=long --showlocals
--junitxml` audit it in subprocesses; every byte of stdout, stderr, every file of the run directories and
every text cell of history.sqlite is then searched, raw and decoded (HTML entities, URL, JSON escapes,
base64), for the credential in each encoding and each card number's digits. The same outputs show the plants
arrived (masked) so the sweep is not vacuous.
"""

from __future__ import annotations

import base64
import html
import json
import os
import random
import re
import sqlite3
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_plus

import httpx
import pytest

from vendor_audit import sandbox
from vendor_audit.pan import fold, scan_text
from vendor_audit.sandbox import Request, Response


def jwt_like(length: int, seed: int) -> str:
    rng = random.Random(seed)  # noqa: S311 - a reproducible fake credential
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT","kid":"sweep"}').decode().rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    body = "".join(rng.choice(alphabet) for _ in range(length - len(header) - 45))
    return f"{header}.{body}.{''.join(rng.choice(alphabet) for _ in range(43))}"


SECRET = jwt_like(1200, seed=12)
EMAIL = "integration@brand.example"


def secret_forms() -> dict[str, str]:
    """Each disguise of the credential, as a vendor could echo it."""
    return {
        "raw": SECRET,
        "base64": base64.b64encode(SECRET.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        "basic": base64.b64encode(f"{EMAIL}:{SECRET}".encode()).decode(),
        "basic-shifted": base64.b64encode(f"x{EMAIL}:{SECRET}".encode()).decode(),
        "url": quote(f"token={SECRET}&sig=a/b+c", safe=""),
        "url-every-byte": "".join(f"%{b:02x}" for b in SECRET[:300].encode()),
        "json-escaped": "".join(f"\\u{ord(c):04x}" for c in SECRET[:300]),
        "prefix": SECRET[:40] + "...",
        "suffix": "..." + SECRET[-40:],
    }


def arabic(digits: str) -> str:
    return "".join(chr(0x660 + int(d)) for d in digits)


def fullwidth(digits: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits)


# Each disguise carries its own card number, so a leak names its disguise.
PANS: dict[str, tuple[str, str]] = {
    "spaces": ("4539148803436467", "4539 1488 0343 6467"),
    "dashes": ("5425233430109903", "5425-2334-3010-9903"),
    "arabic-indic": ("4263982640269299", " ".join(arabic(group) for group in ("4263", "9826", "4026", "9299"))),
    "fullwidth": ("4007702835532454", fullwidth("4007702835532454")),
    "html-decimal": ("4916338506082832", "".join(f"&#{ord(d)};" for d in "4916338506082832")),
    "html-hex": ("6011000990139424", "".join(f"&#x{ord(d):x};" for d in "6011000990139424")),
    "base64": ("3530111333300000", base64.b64encode(b"card 3530 1113 3330 0000 exp 12/29").decode()),
    "url": ("4012888888881881", quote("pan=4012 8888 8888 1881&cvv=")),
    "url-every-byte": ("5105105105105100", "".join(f"%{ord(d):02X}" for d in "5105105105105100")),
    "json-escaped": ("2223003122003222", "".join(f"\\u{ord(d):04x}" for d in "2223003122003222")),
}
PAN_TEXT = " | ".join(f"{name}: {text}" for name, (_, text) in PANS.items())
CONTROL = "\x1b[2J\x1b]0;vendor window title\x07\x00"
SECRET_TEXT = " ".join(f"{name}={form}" for name, form in secret_forms().items())


def rewrite_json(request: Request, response: Response, change: Any) -> Response:
    if response.status != 200:
        return response
    return Response(200, json.dumps(change(json.loads(response.body))).encode(), response.headers)


def zendesk(request: Request, response: Response) -> Response:
    if request.path == "/api/v2/satisfaction_ratings.json":
        said = f"{CONTROL} rejected {SECRET_TEXT} for {PAN_TEXT}"
        return Response(422, json.dumps({"error": "RecordInvalid", "description": said}).encode())

    def plant(body: dict[str, Any]) -> dict[str, Any]:
        for event in body["ticket_events"]:
            for child in event.get("child_events") or []:
                if child.get("event_type") == "Comment":
                    child["body"] = child["plain_body"] = f"{CONTROL} {PAN_TEXT} {SECRET_TEXT}"
                    child["html_body"] = f"<p>{PANS['html-decimal'][1]} and {PANS['spaces'][1]}</p>"
                    return {"note": f"{PAN_TEXT} {SECRET_TEXT}", **body}  # first, so evidence excerpts hold it
        return body

    return rewrite_json(request, response, plant)


def shopify(request: Request, response: Response) -> Response:
    def plant(body: dict[str, Any]) -> dict[str, Any]:
        extra = [f"write_{CONTROL}orders", f"read_{PANS['arabic-indic'][1]}", f"read_{PANS['html-hex'][1]}"]
        extra.append(f"read_{SECRET_TEXT[:200]}")
        body["access_scopes"] += [{"handle": handle} for handle in extra]
        return body

    return rewrite_json(request, response, plant)


def gorgias(request: Request, response: Response) -> Response:
    if request.path == "/api/satisfaction-surveys":
        text = f"bad request {CONTROL} {SECRET} {secret_forms()['basic']} {PANS['fullwidth'][1]}"
        return Response(400, text.encode(), content_type="text/plain; charset=utf-8")
    if request.path == "/api/users/0":

        def role(body: dict[str, Any]) -> dict[str, Any]:
            body["role"] = {"name": f"agent{CONTROL} {PANS['fullwidth'][1]} {PANS['url'][1]}"}
            return body

        return rewrite_json(request, response, role)

    def message(body: dict[str, Any]) -> dict[str, Any]:
        body["data"][0]["body_text"] = f"{CONTROL} {PAN_TEXT}"
        return body

    return rewrite_json(request, response, message)


FAULTS = {
    "zendesk": sandbox.Faults(
        rewrite=zendesk, paths=("/api/v2/incremental/ticket_events.json", "/api/v2/satisfaction_ratings.json")
    ),
    "shopify": sandbox.Faults(rewrite=shopify, paths=("/admin/oauth/access_scopes.json",)),
    "gorgias": sandbox.Faults(rewrite=gorgias, paths=("/api/satisfaction-surveys", "/api/users/0", "/api/messages")),
}


@dataclass
class Outputs:
    streams: dict[str, bytes]  # "run stdout", ...: what the terminal would have received
    files: dict[str, bytes]  # every file of both report directories, history.sqlite's text cells as well

    def everything(self) -> Iterator[tuple[str, str]]:
        for name, data in [*self.streams.items(), *self.files.items()]:
            yield name, data.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    workdir = tmp_path_factory.mktemp("sweep")
    unlimited = {
        "shopify": sandbox.ShopifyLimits(bucket_size=100_000, leak_per_second=1_000),
        "zendesk": sandbox.ZendeskLimits(requests_per_minute=100_000, incremental_per_minute=100_000),
        "gorgias": sandbox.GorgiasLimits(api_key_requests=100_000, oauth_requests=100_000),
    }
    config = sandbox.SandboxConfig(scenario="clean", size=20, **unlimited)
    with sandbox.serve(config, workdir=workdir / "sandbox") as running:
        zendesk = running.zendesk
        zendesk.oauth_tokens[SECRET] = zendesk.oauth_tokens[zendesk.primary_token]  # the run's own credential
        with httpx.Client(verify=ssl.create_default_context(cafile=str(running.ca_path))) as client:
            users = client.get(
                f"{running.url('zendesk')}/api/v2/users.json", headers={"Authorization": f"Bearer {SECRET}"}
            )
            assert users.status_code == 200
        # An export line with the disguises where the schema check quotes the value it refuses.
        export = running.run_dir / "exports" / "zendesk_ticket_events.ndjson"
        with export.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": 9, "ticket_id": f"{CONTROL}{PAN_TEXT}", "event_type": "Comment"}) + "\n")
        for vendor, faults in FAULTS.items():
            running.set_faults(vendor, faults)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VA_", "PYTEST_"))}
        env |= {"VA_ZENDESK_OAUTH_TOKEN": SECRET, "NO_COLOR": "1", "COLUMNS": "2000"}  # whole messages in the table
        streams: dict[str, bytes] = {}
        run_reports = workdir / "run-reports"
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "vendor_audit.cli",
                "run",
                str(running.profile_path),
                "--report-dir",
                str(run_reports),
            ],
            capture_output=True,
            timeout=120,
            check=False,
            env=env,
            cwd=workdir,
        )
        streams["run stdout"], streams["run stderr"] = ran.stdout, ran.stderr
        assert ran.returncode == 2, ran.stdout[-3000:] + ran.stderr[-2000:]  # the error bodies: could not look
        empty = workdir / "pytest-cwd"
        empty.mkdir()
        pytest_reports = workdir / "pytest-reports"
        pytested = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "--audit-profile",
                str(running.profile_path),
                "--audit-report-dir",
                str(pytest_reports),
                "-vv",
                "--tb=long",
                "--showlocals",
                "-rA",
                f"--junitxml={pytest_reports / 'pytest-junit.xml'}",
            ],
            capture_output=True,
            timeout=120,
            check=False,
            env=env,
            cwd=empty,
        )
        streams["pytest stdout"], streams["pytest stderr"] = pytested.stdout, pytested.stderr
        assert pytested.returncode == 2, pytested.stdout[-3000:]
    files: dict[str, bytes] = {}
    for root in (run_reports, pytest_reports):
        for path in sorted(root.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(workdir))] = path.read_bytes()
        with sqlite3.connect(root / "history.sqlite") as db:
            cells = [
                str(cell)
                for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                for row in db.execute(f"SELECT * FROM {table}")  # noqa: S608 - the file's own table names
                for cell in row
            ]
        files[f"{root.name}/history.sqlite rows"] = "\n".join(cells).encode()
    return Outputs(streams, files)


_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def views(text: str) -> list[str]:
    """The text and what a reader could decode it to: entities, URL-encoding, JSON escapes, base64 tokens."""
    decoded = [
        text,
        html.unescape(text),
        unquote_plus(text),
        _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text),
    ]
    for token in _BASE64_TOKEN.findall(text):
        for alphabet in (None, b"-_"):
            try:
                body = token.rstrip("=")
                data = base64.b64decode(body + "=" * (-len(body) % 4), altchars=alphabet, validate=True)
                decoded.append(data.decode("utf-8", "ignore"))
            except ValueError:
                continue
    return decoded


def test_no_output_holds_the_credential_in_any_encoding(outputs: Outputs) -> None:
    # Distinctive pieces of every form: a 16-character piece of an encoding identifies the credential.
    needles = {}
    wrapped = {"basic", "basic-shifted", "url"}  # their ends encode the email or other parameters, not the secret
    for name, form in secret_forms().items():
        core = form.strip(".")
        for at in (len(core) // 2,) if name in wrapped else (0, len(core) // 2, len(core) - 16):
            needles[f"{name}@{at}"] = core[at : at + 16]
    needles["middle"] = SECRET[600:624]
    for where, text in outputs.everything():
        for view in views(text):
            for name, needle in needles.items():
                assert needle not in view, f"credential ({name}) in {where}"
            assert SECRET[100:116] not in view, f"credential in {where}"


def test_no_output_holds_a_clear_card_number_in_any_disguise(outputs: Outputs) -> None:
    for where, text in outputs.everything():
        for _, planted in PANS.values():
            assert planted not in text, f"a planted disguise in {where}"
        for view in views(text):
            digits = re.sub(r"[^0-9]", "", fold(view))
            for name, (pan, _) in PANS.items():
                assert pan not in digits, f"card number ({name}) in clear in {where}"
        clear = {m.digits for m in scan_text(text) if m.kind == "pan"} & {pan for pan, _ in PANS.values()}
        assert not clear, f"the scanner reads {sorted(clear)} in clear in {where}"


def test_the_plants_reached_the_outputs_masked(outputs: Outputs) -> None:
    # Not vacuous: the disguised numbers were found (and shown masked), the credential's echoes were removed.
    (name,) = [n for n in outputs.files if n.startswith("run-reports/") and n.endswith("/findings.json")]
    report = json.loads(outputs.files[name])
    text = json.dumps(report, ensure_ascii=False)
    for name, (pan, _) in PANS.items():
        assert f"{pan[:6]}******{pan[-4:]}" in text, f"the {name} plant is nowhere in findings.json, masked"
    assert "[REDACTED]" in text
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert any("satisfaction" in f["message"] or "rejected" in f["message"] for f in errors), errors


def test_no_raw_control_character_reaches_the_terminal_or_a_report(outputs: Outputs) -> None:
    # NO_COLOR and a pipe: pytest itself writes no escape sequence, so any ESC, BEL or NUL would be the vendor's.
    for where, data in [*outputs.streams.items(), *outputs.files.items()]:
        for char in ("\x1b", "\x07", "\x00", "\x9b"):  # ESC, BEL, NUL and CSI (C1) as UTF-8 writes them
            assert char.encode() not in data or where.endswith("history.sqlite"), f"raw {char!r} in {where}"
    # ... and the vendor's sequences were shown, neutralised, where the vendor put them.
    assert "\u241b[2J".encode() in outputs.streams["run stdout"]
    assert "\u241b]0;vendor window title\u2407".encode() in outputs.streams["run stdout"]


def test_the_machine_formats_are_in_the_sweep(outputs: Outputs) -> None:
    # results.sarif and findings.ocsf.json repeat the findings' messages: swept above with every file, not vacuously
    for root in ("run-reports", "pytest-reports"):
        for report in ("results.sarif", "findings.ocsf.json"):
            (name,) = [n for n in outputs.files if n.startswith(f"{root}/") and n.endswith(f"/{report}")]
            text = outputs.files[name].decode("utf-8")
            masked = [plant for plant, (pan, _) in PANS.items() if f"{pan[:6]}******{pan[-4:]}" in text]
            assert len(masked) == len(PANS), f"{name} shows only {masked} of the plants, masked"
