"""Bounded fuzzing of `load`, `keys` and `verify` arguments: every argv ends within seconds, exit 0/1/2, no traceback.

In-process through `cli.main`, so an unexpected exception fails the example instead of becoming the
entrypoint's "internal error" line. No example can start a load test: every `load` argv names a profile
that does not exist, so even a valid schedule stops at the profile, after the arguments were judged.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vendor_audit import cli
from vendor_audit.reports import bundle

FUZZ = settings(
    max_examples=60,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # a CI failure reproduces on the next run
)

NUMBERS = st.one_of(
    st.sampled_from(["0", "-0", "-1", "nan", "NaN", "inf", "-inf", "1e308", "1e-308", "0x10", "", " ", "1_000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=12),
)
LOAD_FLAGS = ["--rate", "--duration", "--warmup", "--workers", "--max-in-flight", "--vendor", "--fail-on"]


def run(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    """cli.main's exit status (SystemExit included), stdout and stderr; fails on any other exception."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), patched_environ(environ or {}):
        started = time.monotonic()
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
        assert time.monotonic() - started < 5, argv
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def patched_environ(changes: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in [*changes, bundle.PUBLIC_KEY_ENV]}
    os.environ.pop(bundle.PUBLIC_KEY_ENV, None)
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def assert_clean(code: int, stdout: str, stderr: str) -> None:
    assert code in (0, 1, 2), (code, stderr[-500:])
    assert "Traceback" not in stdout + stderr
    assert "internal error" not in stderr
    if code == 2 and "usage:" not in stderr:
        assert len(stderr.strip().splitlines()) <= 2, stderr  # what is wrong, in a line (and maybe the run dir)


@FUZZ
@given(
    flags=st.lists(st.tuples(st.sampled_from([*LOAD_FLAGS, "--nosuch", "-h"]), NUMBERS), max_size=6),
    extra=st.lists(st.text(max_size=8), max_size=2),
)
def test_load_arguments_never_start_anything_bad(
    tmp_path: Path, flags: list[tuple[str, str]], extra: list[str]
) -> None:
    argv = ["load", str(tmp_path / "no-such-profile.toml"), "--report-dir", str(tmp_path / "runs")]
    for flag, value in flags:
        argv += [flag] if flag == "-h" else [flag, value]
    code, stdout, stderr = run(argv + extra)
    assert_clean(code, stdout, stderr)
    assert code in (0, 2)  # help, or refused: the profile does not exist even when the numbers are fine
    assert "locust" not in stderr.lower() or "usage" in stderr


_names = itertools.count()


@FUZZ
@given(name=st.text(max_size=300), twice=st.booleans(), pub_first=st.booleans())
def test_keys_create_never_overwrites_and_never_raises(tmp_path: Path, name: str, twice: bool, pub_first: bool) -> None:
    directory = tmp_path / f"k{next(_names)}"
    directory.mkdir()
    if pub_first and name and "/" not in name and "\0" not in name and len(name.encode()) < 200:
        (directory / f"{name}.pub").write_text("someone else's\n")
    code, stdout, stderr = run(["keys", "create", "--dir", str(directory), "--name", name])
    assert_clean(code, stdout, stderr)
    if twice:
        before = {p.name: p.read_bytes() for p in directory.iterdir()}
        again = run(["keys", "create", "--dir", str(directory), "--name", name])
        assert_clean(*again)
        assert again[0] == 2
        assert {p.name: p.read_bytes() for p in directory.iterdir()} == before


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("keyring")
    ours, theirs = bundle.create_keys(base / "ours"), bundle.create_keys(base / "theirs")
    garbage = base / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    return {
        "ours": ours.public_path,
        "theirs": theirs.public_path,
        "private": ours.private_path,
        "garbage": garbage,
        "missing": base / "missing.pub",
        "directory": base,
        "signer": ours.private_path,
    }


@FUZZ
@given(
    manifest=st.one_of(st.none(), st.binary(max_size=300), st.sampled_from([b"[]", b"{}", b"null", b'{"files": 1}'])),
    signature=st.one_of(st.none(), st.binary(max_size=100), st.just(b"AAAA\n")),
    key=st.sampled_from(["ours", "theirs", "private", "garbage", "missing", "directory", None]),
    by_env=st.booleans(),
)
def test_verify_ends_with_0_1_or_2_whatever_the_bundle_and_key(
    tmp_path: Path,
    keyring: dict[str, Path],
    manifest: bytes | None,
    signature: bytes | None,
    key: str | None,
    by_env: bool,
) -> None:
    run_dir = tmp_path / f"b{next(_names)}"
    run_dir.mkdir()
    (run_dir / "findings.json").write_text("{}\n")
    bundle.sign_run(run_dir, keyring["signer"])
    if manifest is not None:
        (run_dir / bundle.MANIFEST).write_bytes(manifest)
    if signature is not None:
        (run_dir / bundle.SIGNATURE).write_bytes(signature)
    argv, environ = ["verify", str(run_dir)], {}
    if key is not None and by_env:
        environ[bundle.PUBLIC_KEY_ENV] = str(keyring[key])
    elif key is not None:
        argv += ["--public-key", str(keyring[key])]
    code, stdout, stderr = run(argv, environ)
    assert_clean(code, stdout, stderr)
    if key != "ours":
        assert code != 0  # only the trusted signer's key makes a bundle intact
    if manifest is None and signature is None and key == "ours":
        assert code == 0
