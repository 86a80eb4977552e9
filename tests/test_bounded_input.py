"""`scan` and `validate` are bounded: odd files and hostile schemas end quickly, exit 2, one line, no traceback.

Vendors hand over the files these commands read, and a user may point them anywhere: a FIFO, /dev/zero, a
line with no end, JSON nested thousands deep, a schema whose pattern backtracks without end or whose $ref
points at the network. Each case runs the CLI as a user does; the fuzz tests drive the same functions
in-process with small limits, so many odd files cost seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import StartSandbox
from vendor_audit import exports, scanfiles
from vendor_audit.boundedio import InputError, Limits

CLI = [sys.executable, "-m", "vendor_audit.cli"]
PAN = "4111 1111 1111 1111"


def cli(*args: str | Path, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
    )


def one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    for text in expected:
        assert text in line, line
    return line


# -- pipes and devices ------------------------------------------------------------------------------------


def test_a_fifo_in_a_walked_directory_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    os.mkfifo(tmp_path / "exports" / "pipe.ndjson")
    (tmp_path / "exports" / "chat.txt").write_text(f"card {PAN}\n")
    result = cli("scan", "exports", cwd=tmp_path, timeout=20)
    assert result.returncode == 1  # the regular file's card number, and no hang on the FIFO
    assert '"masked": "411111******1111"' in result.stdout
    assert "skipped exports/pipe.ndjson: not a regular file" in result.stderr


def test_a_fifo_named_without_a_writer_ends_after_the_idle_bound(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ndjson")
    started = time.monotonic()
    result = cli("scan", "pipe.ndjson", "--idle-seconds", "0.5", cwd=tmp_path, timeout=20)
    one_line_exit_2(result, "pipe.ndjson: nothing to read for 0.5 s", "--idle-seconds")
    assert time.monotonic() - started < 10


def test_a_fifo_named_with_a_writer_is_read_and_bounded(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.ndjson"
    os.mkfifo(fifo)
    result_box: list[subprocess.CompletedProcess[str]] = []
    reader = threading.Thread(
        target=lambda: result_box.append(cli("scan", fifo, "--max-record-bytes", "65536", cwd=tmp_path))
    )
    reader.start()
    # The writer sends one record with a card number, then a line without end, until the reader hangs up.
    try:
        with fifo.open("wb", buffering=0) as out:
            out.write(json.dumps({"note": PAN}).encode() + b"\n")
            for _ in range(10_000):
                out.write(b"x" * 65536)
    except BrokenPipeError:
        pass
    reader.join(30)
    (result,) = result_box
    assert '"masked": "411111******1111"' in result.stdout  # what came before the endless line is reported
    one_line_exit_2(result, "line 2 is longer than 64 KiB", "--max-record-bytes")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("scan", "/dev/zero"), "line 1 is longer than 1 MiB"),
        (("validate", "gorgias.event", "/dev/zero", "--format", "ndjson"), "line 1 is longer than 1 MiB"),
        (("validate", "gorgias.event", "/dev/zero", "--format", "csv"), "line 1 is longer than 1 MiB"),
        (("validate", "gorgias.event", "/dev/zero", "--format", "json"), "larger than 2 MiB"),
    ],
    ids=["scan", "validate ndjson", "validate csv", "validate json"],
)
def test_dev_zero_named_explicitly_ends_with_the_size_error(
    tmp_path: Path, command: tuple[str, ...], expected: str
) -> None:
    limits = ("--max-record-bytes", str(1 << 20), "--max-document-bytes", str(2 << 20))
    started = time.monotonic()
    one_line_exit_2(cli(*command, *limits, cwd=tmp_path), "/dev/zero: " + expected)
    assert time.monotonic() - started < 10


# -- sizes and nesting ------------------------------------------------------------------------------------


def test_a_huge_line_names_its_line_and_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text('{"ok": 1}\n' + '{"note": "' + "y" * 300_000 + '"}\n')
    for command in (("scan", path), ("validate", "gorgias.event", path)):
        one_line_exit_2(
            cli(*command, "--max-record-bytes", "100000", cwd=tmp_path),
            "line 2 is longer than 100000 bytes",
            "--max-record-bytes",
        )


def test_a_csv_field_over_128_kib_is_read_and_one_over_the_limit_is_one_line(tmp_path: Path) -> None:
    big = tmp_path / "ratings.csv"
    big.write_text(f"id,comment\n1,{'z' * 200_000} {PAN}\n")
    found = cli("scan", big, cwd=tmp_path)  # csv's own 128 KiB limit no longer stops the scan
    assert found.returncode == 1, found.stderr
    # A quoted field of many short lines is bounded by the field limit.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('id,comment\n1,"' + ("w" * 50 + "\n") * 4000 + '"\n')
    for command in (("scan", quoted), ("validate", "zendesk.satisfaction_rating", quoted)):
        one_line_exit_2(
            cli(*command, "--max-record-bytes", "100000", cwd=tmp_path),
            "a field is longer than 100000 bytes",
            "--max-record-bytes",
        )


def test_json_nested_900_deep_is_still_scanned(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 900 + f'"{PAN}"' + "}" * 900)
    result = cli("scan", path, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert '"masked": "411111******1111"' in result.stdout


@pytest.mark.parametrize(
    ("name", "text", "command"),
    [
        ("deep.json", "[" * 50_000 + "]" * 50_000, "scan"),
        ("deep.json", '{"a":' * 1100 + f'"{PAN}"' + "}" * 1100, "scan"),
        ("deep.ndjson", "[" * 50_000 + "]" * 50_000 + "\n", "validate"),
        ("deep.json", "[" * 50_000 + "]" * 50_000, "validate"),
    ],
    ids=["scan json 50k", "scan json 1100 with a PAN", "validate ndjson", "validate json"],
)
def test_deeply_nested_json_is_one_line(tmp_path: Path, name: str, text: str, command: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    args = ("scan", path) if command == "scan" else ("validate", "gorgias.event", path)
    one_line_exit_2(cli(*args, cwd=tmp_path), f"{path}: ", "nested deeper than the")


# -- schemas ----------------------------------------------------------------------------------------------


def write(path: Path, value: object) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": 5}, "schema bad.schema.json is not a valid JSON Schema: at /type,"),
        ({"type": "string", "pattern": "(a"}, "at /pattern, '(a' is not a 'regex'"),
        ({"type": "string", "pattern": "(?=a)a"}, "patterns may not use lookaround or backreferences"),
        ("{oops", "schema bad.schema.json: not valid JSON (Expecting property name"),
        ([1, 2], "a JSON Schema is an object (or true or false); found an array"),
        ({"$ref": "https://schemas.invalid/event.json"}, "$ref 'https://schemas.invalid/event.json' points outside"),
        ({"$ref": "other.json#/x"}, "$ref 'other.json#/x' points outside the schema"),
        ({"$ref": "file:///etc/passwd"}, "$ref 'file:///etc/passwd' points outside the schema"),
        ({"properties": {"a": {"$dynamicRef": "https://x.invalid/y"}}}, "$dynamicRef 'https://x.invalid/y' points"),
        ({"properties": {"at": {"format": "iri"}}}, "uses format(s) ['iri'] that nothing checks"),
    ],
    ids=["type 5", "bad regex", "lookahead", "not JSON", "array", "https ref", "relative ref", "file ref",
         "dynamic ref", "unchecked format"],
)  # fmt: skip
def test_a_schema_that_is_not_usable_is_the_schemas_problem(tmp_path: Path, schema: object, expected: str) -> None:
    data = write(tmp_path / "events.ndjson", '{"id": 1}\n')
    write(tmp_path / "bad.schema.json", schema)
    line = one_line_exit_2(cli("validate", "bad.schema.json", data, cwd=tmp_path), "validate: ", expected)
    assert "events.ndjson" not in line  # the data is not blamed


def test_unknown_schema_names_and_missing_schema_files(tmp_path: Path) -> None:
    data = write(tmp_path / "events.ndjson", '{"id": 1}\n')
    one_line_exit_2(
        cli("validate", "zendesk.ticket_events", data, cwd=tmp_path),
        "no such schema: zendesk.ticket_events; known: ",
        "zendesk.ticket_event, zendesk.ticket_metric_event (or give the path of a .json schema)",
    )
    one_line_exit_2(cli("validate", "../../etc/passwd", data, cwd=tmp_path), "no such schema: ../../etc/passwd")
    one_line_exit_2(cli("validate", "missing.json", data, cwd=tmp_path), "schema missing.json: no such file")


def test_a_backtracking_pattern_meets_a_hostile_string_in_linear_time(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "redos.schema.json",
        {
            "type": "object",
            "properties": {"note": {"type": "string", "pattern": "^(a+)+$"}},
            "patternProperties": {"^(b+)+$": {"type": "integer"}},
            "additionalProperties": False,
        },
    )
    hostile = "a" * 50_000 + "!"
    records = [{"note": hostile}, {"b" * 50_000 + "!": 1}, {"note": "aaa", "bbbb": "x"}]
    data = write(tmp_path / "events.ndjson", "".join(json.dumps(r) + "\n" for r in records))
    started = time.monotonic()
    result = cli("validate", schema, data, cwd=tmp_path)
    assert time.monotonic() - started < 15
    assert result.returncode == 1, result.stderr
    errors = [json.loads(line) for line in result.stdout.splitlines()[:-1]]
    assert [(e["location"], e["kind"]) for e in errors] == [
        ("line 1", "pattern"),
        ("line 2", "additionalProperties"),
        ("line 3", "type"),
    ]


def test_local_references_still_resolve(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "local.schema.json",
        {
            "$id": "https://example.invalid/local.schema.json",
            "$defs": {"id": {"type": "integer"}},
            "type": "object",
            "properties": {"id": {"$ref": "#/$defs/id"}, "copy": {"$ref": "local.schema.json#/$defs/id"}},
        },
    )
    data = write(tmp_path / "events.ndjson", '{"id": 1, "copy": 2}\n{"id": "x"}\n')
    result = cli("validate", schema, data, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert '"location": "line 2", "pointer": "/id", "kind": "type"' in result.stdout


# -- declared shape ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "found"),
    [
        ({"id": 1, "note": PAN}, 'an object without a "data" array'),
        ("a string", "a string"),
        (5, "a number"),
        (None, "null"),
        ({"data": {"id": 1}}, 'an object without a "data" array'),
    ],
    ids=["object", "string", "number", "null", "data not an array"],
)
def test_a_json_export_that_is_not_an_array_exits_2(tmp_path: Path, top: object, found: str) -> None:
    data = write(tmp_path / "surveys.json", json.dumps(top))
    one_line_exit_2(
        cli("validate", "gorgias.satisfaction_survey", data, cwd=tmp_path),
        f"surveys.json: the top level is {found}, not an array of records",
    )


def test_an_audited_json_export_that_is_one_object_is_an_error_never_zero_records(
    fresh: StartSandbox, tmp_path: Path
) -> None:
    running = fresh(scenario="clean")
    export = write(running.run_dir / "surveys.json", {"id": 1, "ticket_id": "x", "comment": f"card {PAN}"})
    tables = running.served["gorgias"].profile(running.apis["gorgias"], running.url("gorgias"))
    profile = running.run_dir / "shape.toml"
    profile.write_text(
        'version = 1\nmode = "sandbox"\nca_file = "ca.pem"\nenv_file = "sandbox.env"\n\n'
        f'{tables}\n[[exports]]\nvendor = "gorgias"\npath = "{export.name}"\nformat = "json"\n'
        'schema = "gorgias.satisfaction_survey"\n'
    )
    result = cli("run", profile, "--report-dir", tmp_path / "reports", cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stdout[-3000:]
    (report,) = (tmp_path / "reports").glob("*/findings.json")
    findings = json.loads(report.read_text())["findings"]
    about = [f for f in findings if f["resource"] == "exports/surveys.json"]
    assert about
    assert all(f["status"] == "error" for f in about), about
    assert all("0 records" not in f["message"] for f in findings)
    shape = [f for f in about if f["check_id"] == "exports_match_schema"]
    assert shape
    assert "the top level is an object" in shape[0]["message"]
    pans = [f for f in findings if f["check_id"] == "payloads_free_of_pans" and f["vendor"] == "gorgias"]
    assert any(f["status"] == "error" and "surveys.json" in f["message"] for f in pans), pans


# -- fuzz -------------------------------------------------------------------------------------------------

SMALL = Limits(record_bytes=4096, document_bytes=64 * 1024, idle_seconds=1)
PIECES = st.sampled_from(
    [b"[", b"]", b"{", b"}", b'"', b",", b":", b"\n", b"\r", b"\x00", b"\xff", b"a" * 5000, b"1" * 16, PAN.encode(),
     b'{"a": 1}\n', b'"x,y"', b"\\", b"\\u0000", b"9" * 30, b"  ", b"\xe2\x82\xac", b"[" * 2000, b"{\"a\":" * 1200]
)  # fmt: skip
CONTENT = st.lists(st.one_of(PIECES, st.binary(max_size=64)), max_size=40).map(b"".join)
SUFFIXES = st.sampled_from([".ndjson", ".json", ".csv", ".txt"])


def refusal(run: Callable[[], object]) -> str | None:
    """None when `run` ends, else the message of the error it ended with; any other exception fails the test."""
    try:
        run()
    except (InputError, ValueError, OSError) as exc:  # InputError is a ValueError: named for the reader
        return str(exc)
    return None


def one_line(message: str | None) -> None:
    if message is not None:
        assert message
        assert "\n" not in message, message


@settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=CONTENT, suffix=SUFFIXES)
def test_scan_ends_on_any_file_with_findings_or_one_line(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"odd{suffix}"
    path.write_bytes(content)
    one_line(refusal(lambda: list(scanfiles.scan_path(path, SMALL))))


@settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=CONTENT, fmt=st.sampled_from(["ndjson", "json", "csv"]))
def test_validate_ends_on_any_file_with_a_report_or_one_line(tmp_path: Path, content: bytes, fmt: str) -> None:
    path = tmp_path / f"odd.{fmt}"
    path.write_bytes(content)
    one_line(refusal(lambda: exports.validate_export(path, fmt, "gorgias.event", limits=SMALL)))


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
KEYWORDS = st.sampled_from(
    ["type", "pattern", "properties", "items", "$ref", "$defs", "format", "enum", "minimum", "required",
     "patternProperties", "additionalProperties", "unevaluatedProperties", "anyOf", "$id", "$dynamicRef"]
)  # fmt: skip
PATTERNS = st.sampled_from(["(a+)+$", "^(a|a)*$", "(?=x)", "(a", "\\d{2,}", "[", "(.*a){20}", "\\1", "^$"])
SCHEMAS = st.recursive(
    st.one_of(JSON_SCALARS, PATTERNS, st.sampled_from(["#/$defs/x", "https://evil.invalid/s.json", "string"])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYWORDS, children, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=SCHEMAS, record=st.sampled_from([{"a": "a" * 3000 + "!"}, ["a" * 3000 + "!"], "a" * 3000 + "!", 5]))
def test_any_schema_is_usable_or_one_line_and_never_backtracks(tmp_path: Path, schema: object, record: object) -> None:
    name = str(tmp_path / "fuzz.schema.json")
    Path(name).write_text(json.dumps(schema))
    data = tmp_path / "record.ndjson"
    data.write_text(json.dumps(record) + "\n")
    for cached in (exports._checked_schema, exports.fast_validator_for, exports.validator_for):
        cached.cache_clear()
    said = refusal(lambda: exports.validate_export(data, "ndjson", name, limits=SMALL))
    one_line(said)
    assert said is None or said.startswith(f"schema {name}"), said  # the schema's problem, never the data's
