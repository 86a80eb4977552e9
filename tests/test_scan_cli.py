"""`vendor-audit scan`: one JSON object per finding, masked, with where it was found."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-c", "from vendor_audit.cli import entrypoint; entrypoint()"]
PAN = "4111111111111111"


def scan(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "scan", *map(str, paths)], capture_output=True, text=True, timeout=60, check=False)


def test_scan_reports_each_format(tmp_path: Path) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_text(
        json.dumps({"id": 5612000000001, "data": {"note": "card 4111 1111 1111 1111"}})
        + "\n"
        + json.dumps({"note": "nothing here"})
        + "\n"
    )
    csv_file = tmp_path / "ratings.csv"
    csv_file.write_text("id,comment\n1,fine\n2,use 4111-1111-1111-1111 please\n")
    text = tmp_path / "chat.txt"
    text.write_text("hello\nmy card: 4111.1111.1111.1111 exp 08/27 cvv 123\n")
    result = scan(ndjson, csv_file, text)
    assert result.returncode == 1
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert {
        "path": str(ndjson),
        "line": 1,
        "pointer": "/data/note",
        "kind": "pan",
        "brand": "visa",
        "masked": "411111******1111",
    } in found
    assert any(f["path"] == str(csv_file) and f["line"] == 3 and f["pointer"] == "/comment" for f in found)
    assert any(f["path"] == str(text) and f["line"] == 2 and f["kind"] == "cvv" for f in found)
    assert PAN not in result.stdout + result.stderr


def test_clean_file_exits_0_and_missing_file_exits_2(tmp_path: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("Order #1001, tracking 1Z999AA10123456784, call +49 151 12345678\n")
    assert scan(clean).returncode == 0
    missing = scan(tmp_path / "nope.ndjson")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_validate_prints_errors_and_a_summary(tmp_path: Path) -> None:
    good = {"id": 1, "ticket_id": 2, "score": "good", "created_at": "2026-01-01T00:00:00Z"}
    path = tmp_path / "ratings.ndjson"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"score": "great"}) + "\n")
    result = subprocess.run(
        [*CLI, "validate", "zendesk.satisfaction_rating", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    error, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert error == {
        "path": str(path),
        "location": "line 2",
        "pointer": "/score",
        "kind": "enum",
        "message": "/score: 'great' is not one of ['offered', 'unoffered', 'good', 'bad', "
        "'good_with_comment', 'bad_with_comment']",
    }
    assert summary["summary"] | {} == {
        "path": str(path),
        "schema": "zendesk.satisfaction_rating",
        "records": 2,
        "invalid": 1,
        "errors_by_kind": {"enum": 1},
        "listed": 1,
    }
    ok = subprocess.run(
        [*CLI, "validate", "zendesk.satisfaction_rating", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 2
    assert "no such file" in ok.stderr


def test_a_card_number_in_a_json_key_or_csv_header_is_masked_in_the_pointer(tmp_path: Path) -> None:
    arabic = "".join(chr(0x660 + int(d)) for d in "4539148803436467")
    record = {PAN: {"note": "card 4539 1488 0343 6467"}, arabic: "card 4539-1488-0343-6467", "4111 1111 1111 1111": 1}
    for name in ("keys.ndjson", "keys.json"):
        (tmp_path / name).write_text(json.dumps(record) + "\n")
    (tmp_path / "header.csv").write_text(f"id,{PAN}\n1,card 4539 1488 0343 6467\n")
    result = scan(tmp_path / "keys.ndjson", tmp_path / "keys.json", tmp_path / "header.csv")
    assert result.returncode == 1
    pointers = {json.loads(line)["pointer"] for line in result.stdout.splitlines()}
    assert {"/411111******1111/note", "/453914******6467"} <= pointers
    assert "/411111******1111" in pointers  # the CSV column
    for clear in (PAN, "4539148803436467", arabic, "4111 1111 1111 1111"):
        assert clear not in result.stdout
    assert "\\u0664\\u0665" not in result.stdout


def test_jobs_spread_a_long_file_over_workers_with_the_same_output(tmp_path: Path) -> None:
    """Past 8 MiB the NDJSON scan starts worker processes; --jobs 1 keeps it in one process."""
    lines = []
    for number in range(60_000):  # about 10 MiB of ids, timestamps and phones, a card every 7,001 lines
        note = f"card {PAN[:4]} {PAN[4:8]} {PAN[8:12]} {PAN[12:]}" if number % 7001 == 3 else "where is it?"
        lines.append(
            json.dumps(
                {
                    "id": 5612000000000 + number,
                    "created_at": "2026-04-01T10:00:00-04:00",
                    "phone": "+14155550123",
                    "note": note,
                    "pad": "x" * 80,
                }
            )
        )
    path = tmp_path / "orders.ndjson"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 8 << 20
    one, spread = (
        subprocess.run([*CLI, "scan", "--jobs", jobs, str(path)], capture_output=True, text=True, timeout=120)
        for jobs in ("1", "2")
    )
    assert one.returncode == spread.returncode == 1
    assert [json.loads(line)["line"] for line in one.stdout.splitlines()] == [n + 1 for n in range(3, 60_000, 7001)]
    assert spread.stdout == one.stdout
    assert spread.stderr == one.stderr == ""
    bad = subprocess.run([*CLI, "scan", "--jobs", "0", str(path)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "--jobs" in bad.stderr
    assert "from 1 to 64" in bad.stderr
