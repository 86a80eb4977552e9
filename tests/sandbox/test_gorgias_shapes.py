"""The Gorgias stand-in answers timestamps and survey lists in the forms Gorgias's documents and live data show."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import StartSandbox, gorgias_client
from vendor_audit import sandbox
from vendor_audit.sandbox.gorgias import GorgiasAPI


def form_of(stamp: str) -> str:
    return "+00:00" if stamp.endswith("+00:00") else "+0000" if stamp.endswith("+0000") else "naive"


def test_timestamps_mix_the_documented_and_the_live_forms(clean: sandbox.RunningSandbox) -> None:
    with gorgias_client(clean) as client:
        tickets = client.get("/api/tickets", params={"limit": 100, "order_by": "created_datetime:asc"}).json()["data"]
        again = client.get("/api/tickets", params={"limit": 100, "order_by": "created_datetime:asc"}).json()["data"]
    stamps = [t[key] for t in tickets for key in ("created_datetime", "updated_datetime", "last_message_datetime")]
    # The reference's naive form (https://developers.gorgias.com/reference/satisfaction-surveys) and live
    # data's two offsets (Airbyte's source-gorgias), each well represented, the same on every call.
    counts = {form: sum(form_of(s) == form for s in stamps) for form in ("naive", "+00:00", "+0000")}
    assert all(n > len(stamps) / 10 for n in counts.values()), counts
    assert again == tickets
    for ticket in tickets:
        # Each form is the same UTC moment; Python 3.11's fromisoformat reads all three.
        moment = dt.datetime.fromisoformat(ticket["created_datetime"])
        assert moment.replace(tzinfo=moment.tzinfo or dt.UTC) == clean.world.ticket_time(ticket["id"])


@pytest.mark.parametrize(
    ("stamp", "offset"),
    [
        ("2019-11-16T15:59:41.966927", None),  # the reference's examples: UTC implied
        ("2026-08-10T00:00:00.000000+0000", dt.timedelta(0)),  # Airbyte's mocks
        ("2024-02-14T21:30:50.201204+00:00", dt.timedelta(0)),  # Airbyte's manifest formats
    ],
)
def test_python_reads_every_gorgias_form(stamp: str, offset: dt.timedelta | None) -> None:
    parsed = dt.datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == offset


def test_surveys_answer_a_bare_array_or_the_envelope(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", standins=("gorgias",))
    params = {"limit": 100}
    assert running.gorgias.surveys_shape == "bare"  # as Gorgias's schema declares it
    with gorgias_client(running) as client:
        bare = client.get("/api/satisfaction-surveys", params=params).json()
        running.gorgias.surveys_shape = "envelope"  # as Airbyte's source-gorgias reads it
        envelope = client.get("/api/satisfaction-surveys", params=params).json()
        users = client.get("/api/users").json()
    assert isinstance(bare, list)
    assert bare
    assert set(envelope) == {"data", "object", "uri", "meta"}
    assert envelope["data"] == bare
    assert envelope["meta"]["next_cursor"] is None
    assert isinstance(users, dict)  # the knob is the surveys' alone
    assert {"id", "ticket_id", "customer_id", "score", "body_text", "created_datetime"} <= set(bare[0])


def test_an_unknown_survey_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="surveys_shape"):
        GorgiasAPI(sandbox.World(), surveys_shape="xml")
