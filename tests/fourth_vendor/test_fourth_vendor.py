"""A fourth vendor is one connector module and one stand-in module: registered, every check applies to it."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fourth_vendor import connector, standin
from vendor_audit import cli, sandbox, vendors
from vendor_audit.profile import load_profile

FOURTH = standin.NAME


@pytest.fixture
def registered() -> Iterator[None]:
    """Both halves registered for one test only: later sandboxes and profiles see the built-in vendors again."""
    vendors.register(connector.VENDOR)
    sandbox.register_standin(standin.STANDIN)
    try:
        yield
    finally:
        sandbox.unregister_standin(standin.NAME)
        vendors.unregister(connector.TYPE)


def test_a_registered_type_is_refused_twice(registered: None) -> None:
    with pytest.raises(ValueError, match="registered twice"):
        vendors.register(dataclasses.replace(connector.VENDOR))
    with pytest.raises(ValueError, match="already registered"):
        sandbox.register_standin(dataclasses.replace(standin.STANDIN))


def test_an_unregistered_type_is_refused_by_the_profile_with_the_registered_ones(tmp_path: Path) -> None:
    path = tmp_path / "audit.toml"
    path.write_text(
        'version = 1\n[vendors.desk]\ntype = "freshdesk"\nbase_url = "https://desk.example"\n'
        '[[vendors.desk.credentials]]\nname = "k"\nauth = "api_key"\nsecret_env = "K"\nallowed_roles = ["Agent"]\n'
    )
    with pytest.raises(Exception, match=r"vendors\.desk\.type: expected one of") as caught:
        load_profile(path)
    assert all(repr(kind) in str(caught.value) for kind in vendors.registered())


def test_every_check_applies_to_the_fourth_vendor(registered: None, tmp_path: Path) -> None:
    with sandbox.serve(scenario="leaky", workdir=tmp_path / "sandbox") as running:
        assert running.vendors == tuple(sandbox.standins())  # every registered stand-in, the fourth among them
        assert FOURTH in running.vendors
        # Unpaced: the fourth vendor's own budget (200 requests a minute) would spend 8 s on its 31 pages.
        unpaced = running.profile_path.with_name("unpaced.toml")  # beside it: the profile's paths are relative
        text = running.profile_path.read_text()
        unpaced.write_text(
            text.replace(f'type = "{connector.TYPE}"\n', f'type = "{connector.TYPE}"\nrequests_per_second = 1000\n')
        )
        assert unpaced.read_text() != text
        code = cli.main(["run", str(unpaced), "--report-dir", str(tmp_path / "runs")])
        (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
        text = (run_dir / "findings.json").read_text()
        report = json.loads(text)
        planted = [v for v in running.manifest["violations"] if v["vendor"] == FOURTH and v["kind"] == "pan"]
        port = running.listeners[FOURTH].port
        served = set(running.vendors)
    assert code == 1, [f["message"] for f in report["findings"] if f["status"] == "error"][:10]

    checks = [c["id"] for c in report["checks"]]
    vendors_of: dict[str, set[str]] = {c: set() for c in checks}
    for finding in report["findings"]:
        vendors_of[finding["check_id"]].add(finding["vendor"])
    # Run-wide: checks none of whose findings is about a vendor the profile names (extra endpoints, exports).
    run_wide = {c for c, seen in vendors_of.items() if not seen & served}
    assert run_wide < set(checks)
    for check_id in run_wide:
        assert vendors_of[check_id] <= {"-", "exports", "endpoint"}, check_id
    for check_id in set(checks) - run_wide:
        assert FOURTH in vendors_of[check_id], f"{check_id} says nothing about {FOURTH}"

    (pan,) = planted
    found = [
        f
        for f in report["findings"]
        if f["check_id"] == "payloads_free_of_pans" and f["vendor"] == FOURTH and f["resource"] == pan["resource"]
    ]
    assert [f["status"] for f in found] == ["fail"]
    assert re.search(rf"{pan['pan'][:6]}\*+{pan['pan'][-4:]}", found[0]["message"])
    assert found[0]["evidence"]["redact"] == connector.VENDOR.pan_redaction_hint
    assert pan["pan"] not in text

    tls_checks = {c for c in checks if c.startswith("tls_")}
    assert tls_checks
    at_endpoint = {
        f["check_id"]
        for f in report["findings"]
        if f["vendor"] == FOURTH and f["resource"] == f"endpoint/127.0.0.1:{port}"
    }
    assert tls_checks <= at_endpoint
