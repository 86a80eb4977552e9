"""[sla]: the contract's service levels, read with defaults and refused in one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.profile.test_profile import MINIMAL, error_of, write
from vendor_audit.profile import SLAPolicy, SLATarget, load_profile


def test_no_section_means_no_target_and_two_points_of_tolerance(tmp_path: Path) -> None:
    assert load_profile(write(tmp_path, MINIMAL)).sla == SLAPolicy()
    assert SLAPolicy().tolerance == 0.02


def test_every_key_is_read_and_the_scorecard_is_relative_to_the_profile(tmp_path: Path) -> None:
    profile = load_profile(
        write(
            tmp_path,
            MINIMAL
            + """
[sla]
csat_floor = 0.85
fcr_floor = 0.6
tolerance = 0.05
scorecard = "scorecard.csv"

[[sla.targets]]
metric = "first_reply_time"
minutes = 60
share = 0.9
channel = "chat"
priority = "high"
vendor = "shop"
credit = "5 % of the monthly fee"

[[sla.targets]]
metric = "full_resolution_time"
minutes = 2880
share = 0.8
credit = 250
""",
        )
    )
    sla = profile.sla
    assert sla.csat_floor == 0.85
    assert sla.fcr_floor == 0.6
    assert sla.tolerance == 0.05
    assert sla.scorecard == tmp_path / "scorecard.csv"
    assert sla.targets == (
        SLATarget("first_reply_time", 60.0, 0.9, "chat", "high", "shop", "5 % of the monthly fee"),
        SLATarget("full_resolution_time", 2880.0, 0.8, credit=250),
    )
    assert [t.resource for t in sla.targets] == ["sla/first_reply_time/chat/high", "sla/full_resolution_time/all/all"]


TARGET = '[[sla.targets]]\nmetric = "first_reply_time"\nminutes = 60\nshare = 0.9\n'


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[[sla.targets]]\nmetric = "aht"\nminutes = 5\nshare = 0.9\n', "sla.targets[0].metric: expected one of"),
        ('[[sla.targets]]\nmetric = "first_reply_time"\nshare = 0.9\n', "sla.targets[0]: missing key 'minutes'"),
        (TARGET.replace("0.9", "90"), "sla.targets[0].share: expected a number at most 1"),
        (TARGET.replace("60", "0"), "sla.targets[0].minutes: expected a number more than 0"),
        (TARGET + 'vendor = "zendesk"\n', "sla.targets[0].vendor: no vendor 'zendesk' in [vendors]"),
        (TARGET + TARGET, "sla.targets[1]: the same metric, vendor, channel and priority as sla.targets[0]"),
        ("[sla]\ntolerence = 0.1\n", "sla: unknown key 'tolerence' (did you mean 'tolerance'?)"),
        ("[sla]\ncsat_floor = 85\n", "sla.csat_floor: expected a number at most 1"),
    ],
)
def test_mistakes_are_one_line_naming_the_key(tmp_path: Path, extra: str, expected: str) -> None:
    message = error_of(tmp_path, MINIMAL + "\n" + extra)
    assert expected in message
    assert len(message.splitlines()) == 1
