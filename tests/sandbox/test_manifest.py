"""The manifest lists exactly what the leaky scenario plants, and the API serves each of them there."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from typing import Any

import pytest

from tests.conftest import StartSandbox, gorgias_client, shopify_client, zendesk_client
from vendor_audit import sandbox


def digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def served_text(running: sandbox.RunningSandbox, entry: dict[str, Any]) -> str:
    """The served text of the field the manifest entry names."""
    resource, location = entry["resource"], entry["location"]
    if resource.startswith("exports/"):
        line = int(location.split()[1])
        return str((running.run_dir / resource).read_text(encoding="utf-8").splitlines()[line - 1])
    if entry["vendor"] == "zendesk":
        with zendesk_client(running) as client:
            if resource.startswith("satisfaction_ratings/"):
                ratings = client.get("/api/v2/satisfaction_ratings.json?page[size]=100").json()["satisfaction_ratings"]
                return next(str(r[location]) for r in ratings if f"satisfaction_ratings/{r['id']}" == resource)
            _, ticket, _, comment = resource.split("/")
            comments = client.get(f"/api/v2/tickets/{ticket}/comments.json").json()["comments"]
            return str(next(c[location] for c in comments if str(c["id"]) == comment))
    if entry["vendor"] == "gorgias":
        with gorgias_client(running) as client:
            if resource.startswith("customers/"):
                return str(client.get(f"/api/{resource}").json()[location])
            _, ticket, _, message = resource.split("/")
            messages = client.get("/api/messages", params={"ticket_id": ticket}).json()["data"]
            return str(next(m[location] for m in messages if str(m["id"]) == message))
    with shopify_client(running) as client:
        record = client.get(f"/admin/api/2026-10/{resource}.json").json()
        return json.dumps(next(iter(record.values()))[location], ensure_ascii=False)


def test_every_planted_pan_is_served_where_the_manifest_says(leaky: sandbox.RunningSandbox) -> None:
    pans = [v for v in leaky.manifest["violations"] if v["kind"] in {"pan", "track_data"}]
    assert len(pans) == 13  # 12 planted, and one satisfaction comment the ratings export carries too
    assert {v["vendor"] for v in pans} == {"shopify", "zendesk", "gorgias"}
    assert {v["disguise"] for v in pans} >= {"spaced", "dashed", "dotted", "nbsp", "glued", "line_break", "track2"}
    for entry in pans:
        text = served_text(leaky, entry)
        assert entry["pan"] in digits(text), entry["resource"]


def test_clean_data_holds_no_planted_pan(clean: sandbox.RunningSandbox, leaky: sandbox.RunningSandbox) -> None:
    assert clean.manifest["violations"] == []
    planted = [v for v in leaky.manifest["violations"] if v["kind"] == "pan"]
    for entry in planted:
        assert entry["pan"] not in digits(served_text(clean, entry | {"resource": entry["resource"]})), entry


def test_pans_are_luhn_valid_and_of_their_brand(leaky: sandbox.RunningSandbox) -> None:
    prefixes = {
        "visa": ("4",),
        "mastercard": ("51", "52", "53", "54", "55", "2"),
        "amex": ("34", "37"),
        "discover": ("6011",),
        "jcb": ("35",),
        "mir": ("220",),
        "unionpay": ("62",),
    }
    for entry in (v for v in leaky.manifest["violations"] if v["kind"] == "pan"):
        pan = entry["pan"]
        total = sum(int(d) if i % 2 == 0 else sum(divmod(2 * int(d), 10)) for i, d in enumerate(reversed(pan)))
        assert total % 10 == 0, pan
        assert pan.startswith(prefixes[entry["brand"]])


def test_access_and_mfa_violations_match_what_the_api_serves(leaky: sandbox.RunningSandbox) -> None:
    violations = leaky.manifest["violations"]
    mfa = {v["resource"] for v in violations if v["kind"] == "mfa_disabled"}
    with zendesk_client(leaky) as client:
        users = client.get("/api/v2/users.json", params=[("role[]", "admin"), ("role[]", "agent")]).json()["users"]
        scopes = set(client.get("/api/v2/oauth/tokens/current.json").json()["token"]["scopes"])
    assert mfa == {f"users/{u['id']}" for u in users if u["active"] and u["two_factor_auth_enabled"] is False}
    over = {v["vendor"]: v["detail"] for v in violations if v["kind"] == "over_scoped_credential"}
    assert set(over) == {"shopify", "zendesk", "gorgias"}
    assert set(over["zendesk"]) <= scopes
    with shopify_client(leaky) as client:
        granted = {s["handle"] for s in client.get("/admin/oauth/access_scopes.json").json()["access_scopes"]}
    assert set(over["shopify"]) <= granted


def test_tls_violations_are_listed(leaky: sandbox.RunningSandbox) -> None:
    tls = {(v["kind"], v["resource"]) for v in leaky.manifest["violations"] if v["resource"].startswith("endpoint/")}
    assert tls == {
        ("tls_legacy_protocol", "endpoint/zendesk"),
        ("certificate_expiring", "endpoint/gorgias"),
        ("weak_key", "endpoint/exports"),
        ("weak_signature", "endpoint/exports"),
        ("hsts_missing", "endpoint/exports"),
    }


def test_export_violations_are_exactly_the_broken_records(leaky: sandbox.RunningSandbox) -> None:
    broken = {
        (v["resource"], int(v["location"].split()[1])): v["detail"]
        for v in leaky.manifest["violations"]
        if v["kind"] == "export_schema"
    }
    assert len(broken) == 9
    for name in ("zendesk_ticket_events.ndjson", "gorgias_events.ndjson"):
        for number, line in enumerate((leaky.run_dir / "exports" / name).read_text().splitlines(), start=1):
            detail = broken.get((f"exports/{name}", number))
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                assert detail == "malformed_json"
                continue
            if detail == "bad_datetime":
                assert not re.match(
                    r"\d{4}-(0\d|1[0-2])-[0-3]\dT", record.get("created_at", record.get("created_datetime"))
                )
            elif detail == "wrong_type":
                assert isinstance(record.get("ticket_id", record.get("object_id")), str)
            elif detail == "missing_field":
                assert "event_type" not in record
            else:
                assert detail is None
                assert isinstance(record["id"], int)
    with (leaky.run_dir / "exports" / "gorgias_satisfaction_surveys.csv").open() as f:
        rows = list(csv.DictReader(f))
    bad = [n + 2 for n, row in enumerate(rows) if row["score"] and not 1 <= int(row["score"]) <= 5]
    assert bad == [n for (r, n) in broken if r.endswith("surveys.csv")]


def test_export_endpoint_serves_the_files(clean: sandbox.RunningSandbox) -> None:
    import httpx

    from tests.conftest import trust

    with httpx.Client(base_url=clean.url("exports"), verify=trust(clean)) as client:
        listing = client.get("/").json()["exports"]
        body = client.get("/exports/zendesk_ticket_events.ndjson")
    assert "zendesk_ticket_events.ndjson" in listing
    assert body.status_code == 200
    assert body.text == (clean.run_dir / "exports" / "zendesk_ticket_events.ndjson").read_text()


def test_same_seed_serves_the_same_data(fresh: StartSandbox) -> None:
    first, second, other = fresh(scenario="leaky"), fresh(scenario="leaky"), fresh(scenario="leaky", seed=8)

    def page(running: sandbox.RunningSandbox) -> Any:
        with zendesk_client(running) as client:
            return client.get("/api/v2/tickets/16/comments.json").json()

    assert page(first) == page(second)
    assert page(first) != page(other)
    assert first.manifest["violations"] == second.manifest["violations"]


@pytest.mark.parametrize("size", [20, 37, 1000])
def test_every_size_places_each_plant_once(fresh: StartSandbox, size: int) -> None:
    running = fresh(scenario="leaky", size=size)
    places = [(v["vendor"], v["resource"]) for v in running.manifest["violations"] if v["kind"] == "pan"]
    assert len(places) == len(set(places)) == 11
    assert served_text(running, next(v for v in running.manifest["violations"] if v["kind"] == "track_data"))


def test_large_worlds_stream_without_holding_records(fresh: StartSandbox) -> None:
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    running = fresh(scenario="leaky", size=100_000)
    took = time.perf_counter() - started
    with zendesk_client(running) as client:
        last = client.get("/api/v2/tickets/100000.json").json()["ticket"]
        comments = client.get("/api/v2/tickets/100000/comments.json").json()["comments"]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert last["id"] == 100_000
    assert comments
    assert took < 5
    assert peak < 20 * 2**20  # records are computed per request, never held
