"""[access], [tokens], [security] and [flows]: defaults, values, and one clear line for each mistake; the roster."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from pathlib import Path

import pytest

from tests.profile.test_profile import MINIMAL, error_of, write
from vendor_audit.profile import AccessPolicy, FlowPolicy, SecurityPolicy, TokenPolicy, load_profile
from vendor_audit.roster import RosterEntry, RosterError, annual_turnover, read_roster


def test_defaults_when_the_sections_are_absent(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL))
    assert profile.access == AccessPolicy()
    assert (profile.access.dormant_days, profile.access.never_used_days, profile.access.max_turnover) == (90, 30, 0.30)
    assert "support" in profile.access.shared_account_names
    assert profile.access.roster is None
    assert profile.tokens == TokenPolicy(rotation_days=365, expiry_warning_days=30, unused_days=90, declared=())
    assert profile.security == SecurityPolicy(egress_ranges=(), max_session_minutes=15, max_assumption_hours=24)
    assert profile.flows == FlowPolicy(allowed_destinations=())


FULL = """
[access]
dormant_days = 60
never_used_days = 14
roster = "people/bpo-roster.csv"
contracted_agents = { shop = 12 }
max_turnover = 0.25
shared_account_names = ["Support", "team"]

[tokens]
rotation_days = 180
expiry_warning_days = 14
unused_days = 30
declared = ["Reporting tool", "12345"]

[security]
egress_ranges = ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"]
max_session_minutes = 15
sso_required = ["shop"]
max_assumption_hours = 4

[flows]
allowed_destinations = ["*.Brand.example", "127.0.0.1"]
"""


def test_every_key_is_read_and_the_roster_is_relative_to_the_profile(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL + FULL))
    access = profile.access
    assert access.roster == tmp_path / "people" / "bpo-roster.csv"  # a missing roster is the check's error
    assert (access.contracted("shop"), access.contracted("other")) == (12, None)
    assert access.shared_account_names == ("support", "team")
    assert profile.tokens.declared == ("Reporting tool", "12345")
    assert profile.security.egress_ranges == (
        ipaddress.ip_network("203.0.113.0/24"),
        ipaddress.ip_network("198.51.100.7/32"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert profile.security.sso_required == ("shop",)
    assert profile.flows.allowed_destinations == ("*.brand.example", "127.0.0.1")


def test_one_number_of_contracted_agents_applies_to_every_vendor(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL + "[access]\ncontracted_agents = 7\n"))
    assert profile.access.contracted("shop") == 7


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[security]\negress_ranges = ["203.0.113.0/33"]\n', "security.egress_ranges[0]: expected an IP network"),
        ('[security]\negress_ranges = ["203.0.113.5/24"]\n', "has host bits set; write '203.0.113.0/24'"),
        ('[security]\negress_ranges = ["2001:db8::1/32"]\n', "write '2001:db8::/32'"),
        ('[security]\negress_ranges = "203.0.113.0/24"\n', "security.egress_ranges: expected array"),
        ('[security]\nsso_required = ["zd"]\n', "security.sso_required[0]: no vendor 'zd' in [vendors]"),
        ("[access]\ncontracted_agents = { zd = 3 }\n", "access.contracted_agents.zd: no vendor 'zd'"),
        ('[access]\ncontracted_agents = "twelve"\n', "access.contracted_agents: expected active agent seats"),
        ("[access]\ndormant_days = 0\n", "access.dormant_days: expected a number at least 1"),
        ("[access]\ndormant_dys = 9\n", "unknown key 'dormant_dys' (did you mean 'dormant_days'?)"),
        ("[tokens]\nrotation_days = 1.5\n", "tokens.rotation_days: expected integer"),
        ('[flows]\nallowed_destinations = ["https://hooks.brand.example/in"]\n', "expected a host or host glob"),
        ("[security]\nmax_session_minutes = 0\n", "security.max_session_minutes"),
    ],
)
def test_mistakes_are_one_line_naming_the_key(tmp_path: Path, extra: str, expected: str) -> None:
    message = error_of(tmp_path, MINIMAL + extra)
    assert expected in message
    assert len(message.splitlines()) == 1, message


# -- the roster reader ------------------------------------------------------------------------------------------


def test_a_csv_roster_is_read_with_its_dates_and_case_folded_columns(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        " Email ,Name,Status,start_date,end_date,vendor\n"
        "Ana@BPO.example,Ana,active,2025-01-06,,\n"
        "\n"
        "bo@bpo.example,Bo,LEFT,2024-02-01,2026-03-31T17:00:00+00:00,help\n"
        "cy@bpo.example,Cy,,,,\n"
    )
    ana, bo, cy = read_roster(path)
    assert (ana.email, ana.start_date, ana.vendor) == ("ana@bpo.example", dt.date(2025, 1, 6), None)
    assert (bo.status, bo.end_date, bo.vendor, bo.where) == ("left", dt.date(2026, 3, 31), "help", "line 4")
    assert cy.status == "active"
    assert not cy.left(dt.date.today())
    assert bo.applies_to("help", "zendesk")
    assert not bo.applies_to("shop", "shopify")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("r.csv", "login,name\na@b.example,A\n", "no 'email' column in its first line (found: login, name)"),
        ("r.csv", "", "no 'email' column"),
        ("r.json", '[{"login": "a@b.example"}]', "no 'email' column in any object (found: login)"),
        ("r.json", '{"people": []}', "not a JSON array of objects"),
        ("r.json", "[{", "not valid JSON"),
        ("r.csv", "email,status\na@b.example,gone\n", "line 2: status 'gone'; expected active or left"),
        ("r.csv", "email,start_date\na@b.example,01/02/2025\n", "line 2: start_date '01/02/2025' is not an ISO date"),
        ("r.json", '[{"email": "a@b.example"}, {"name": "B"}]', "item 1: the email column is empty"),
    ],
)
def test_a_roster_that_is_not_one_says_what_and_where(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_a_missing_roster_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match=r"nope\.csv: no such file"):
        read_roster(tmp_path / "nope.csv")


def test_a_json_roster(tmp_path: Path) -> None:
    path = tmp_path / "roster.json"
    path.write_text(json.dumps([{"email": "A@b.example", "status": "left", "end_date": "2026-01-02"}]))
    (entry,) = read_roster(path)
    assert entry.left(dt.date(2026, 1, 3))
    assert entry.email == "a@b.example"


def person(start: dt.date | None, end: dt.date | None = None, status: str = "active") -> RosterEntry:
    return RosterEntry("x@b.example", "", status, start, end, None, "line 2")


def test_annual_turnover_is_leavers_over_average_headcount() -> None:
    today = dt.date(2026, 12, 1)
    long_ago = dt.date(2020, 1, 1)
    people = [person(long_ago) for _ in range(9)] + [
        person(long_ago, today - dt.timedelta(days=1), "left"),  # employed all but one day of the window
        person(long_ago, dt.date(2024, 1, 1), "left"),  # left before the window: counts in neither
        person(None, None, "left"),  # left, but when? counted in neither, reported
    ]
    turnover = annual_turnover(people, today)
    assert turnover is not None
    assert turnover.leavers == 1
    assert turnover.undated_leavers == 1
    assert turnover.average_headcount == pytest.approx(9 + 364 / 365)
    assert turnover.rate == pytest.approx(1 / (9 + 364 / 365))


def test_turnover_needs_dates() -> None:
    assert annual_turnover([person(None), person(None)], dt.date(2026, 12, 1)) is None
    empty = annual_turnover([person(dt.date(2027, 1, 1))], dt.date(2026, 12, 1))  # nobody employed yet
    assert empty is not None
    assert empty.rate is None
