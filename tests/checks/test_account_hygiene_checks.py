"""Account hygiene checks: dormancy, suspended users' tokens, shared accounts, the roster reconciliation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.checks.access_fakes import by_status, days_ago, failing, not_exposed, profile, run, snapshot, token, user
from vendor_audit.checks.hygiene import test_agent_accounts_not_dormant as dormant_check
from vendor_audit.checks.hygiene import test_helpdesk_accounts_match_roster as roster_check
from vendor_audit.checks.hygiene import test_no_shared_agent_accounts as shared_check
from vendor_audit.checks.hygiene import test_suspended_users_hold_no_tokens as suspended_check
from vendor_audit.findings import Severity
from vendor_audit.model import CollectionError

dormant = dormant_check.test_agent_accounts_not_dormant
suspended = suspended_check.test_suspended_users_hold_no_tokens
shared = shared_check.test_no_shared_agent_accounts
roster = roster_check.test_helpdesk_accounts_match_roster


# -- agent_accounts_not_dormant ---------------------------------------------------------------------------------


def test_dormant_and_never_used_accounts_fail_with_their_kinds(tmp_path: Path) -> None:
    users = [
        user("1"),
        user("2", role="admin", last_login_at=days_ago(200)),
        user("3", created_at=days_ago(60), last_login_at=None),
        user("4", created_at=days_ago(5), last_login_at=None),  # new: within the grace period
        user("5", active=False, last_login_at=days_ago(900)),  # deactivated: not this check's concern
        user("6", role="end-user", last_login_at=days_ago(900)),  # a customer, not staff
    ]
    findings = run(dormant, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path))
    assert failing(findings) == {("users/2", "dormant_account"), ("users/3", "never_used_account")}
    assert next(f for f in findings if f.resource == "users/2").severity is Severity.HIGH  # an admin
    assert next(f for f in findings if f.resource == "users/3").severity is Severity.MEDIUM
    assert {f.resource for f in by_status(findings, "pass")} == {"users/1", "users/4"}


def test_no_sign_in_date_exposed_is_manual_never_pass(tmp_path: Path) -> None:
    users = [user("1", login_exposed=False, last_login_at=None), user("2", login_exposed=False, last_login_at=None)]
    findings = run(dormant, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path))
    assert [(f.status.value, f.resource) for f in findings] == [("manual", "users")]
    assert findings[0].evidence["users"] == ["1", "2"]


def test_never_signed_in_without_a_creation_date_is_manual(tmp_path: Path) -> None:
    findings = run(
        dormant,
        snapshots={"help": snapshot(users=[user("1", created_at=None, last_login_at=None)])},
        profile=profile(tmp_path),
    )
    assert [(f.status.value, f.resource) for f in findings] == [("manual", "users/1")]


def test_the_dormancy_limit_comes_from_the_profile(tmp_path: Path) -> None:
    users = [user("1", last_login_at=days_ago(40))]
    findings = run(
        dormant, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path, "[access]\ndormant_days = 30\n")
    )
    assert failing(findings) == {("users/1", "dormant_account")}


def test_users_not_listed_is_an_error_and_not_exposed_is_manual(tmp_path: Path) -> None:
    denied = snapshot(errors=[CollectionError("help", "users", "permission", "403 Forbidden")])
    (finding,) = run(dormant, snapshots={"help": denied}, profile=profile(tmp_path))
    assert finding.status.value == "error"
    assert "403 Forbidden" in finding.message
    hidden = snapshot(errors=[not_exposed("users", "Admin > Staff")])
    (finding,) = run(dormant, snapshots={"help": hidden}, profile=profile(tmp_path))
    assert finding.status.value == "manual"
    assert "Admin > Staff" in finding.message


# -- suspended_users_hold_no_tokens -----------------------------------------------------------------------------


def test_a_suspended_agents_token_fails(tmp_path: Path) -> None:
    users = [user("1"), user("2", suspended=True), user("3", active=False, role="admin")]
    tokens = [
        token("a", owner_id="1"),
        token("b", owner_id="2"),
        token("c", owner_id="3"),
        token("d", owner_id="2", active=False),  # already revoked
        token("e", owner_id=None, kind="api_token"),  # the account's, not a user's
    ]
    findings = run(suspended, snapshots={"help": snapshot(users=users, tokens=tokens)}, profile=profile(tmp_path))
    assert failing(findings) == {
        ("tokens/oauth_token/b", "suspended_user_token"),
        ("tokens/oauth_token/c", "suspended_user_token"),
    }
    assert next(f for f in findings if f.resource.endswith("/c")).severity is Severity.CRITICAL
    assert not by_status(findings, "pass")


def test_tokens_of_unlisted_users_are_manual_and_the_rest_pass(tmp_path: Path) -> None:
    findings = run(
        suspended,
        snapshots={"help": snapshot(users=[user("1")], tokens=[token("a", owner_id="99")])},
        profile=profile(tmp_path),
    )
    assert sorted(f.status.value for f in findings) == ["manual", "pass"]


def test_tokens_not_collected_is_reported(tmp_path: Path) -> None:
    hidden = snapshot(users=[user("1")], errors=[not_exposed("tokens", "Admin Center > Apps and integrations")])
    (finding,) = run(suspended, snapshots={"help": hidden}, profile=profile(tmp_path))
    assert (finding.status.value, finding.resource) == ("manual", "tokens")


# -- no_shared_agent_accounts -----------------------------------------------------------------------------------


def test_generic_accounts_fail_and_people_pass(tmp_path: Path) -> None:
    users = [
        user("1", name="Support Team", email="support@bpo.example"),
        user("2", name="Ana Ruiz", email="cs-agent2@bpo.example"),
        user("3", name="John Admin", email="john.admin@bpo.example"),  # a person
        user("4", name="Tim Service", email="tim@bpo.example"),  # a person
        user("5", name="Helpdesk", email="ops+helpdesk@bpo.example", role="admin"),
        user("6", name="Support", email="support@bpo.example", role="end-user"),  # not staff
    ]
    findings = run(shared, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path))
    assert failing(findings) == {
        ("users/1", "shared_account"),
        ("users/2", "shared_account"),
        ("users/5", "shared_account"),
    }
    assert next(f for f in findings if f.resource == "users/5").severity is Severity.HIGH


def test_the_generic_words_come_from_the_profile(tmp_path: Path) -> None:
    users = [user("1", name="Night Shift", email="nightshift@bpo.example")]
    extra = '[access]\nshared_account_names = ["nightshift", "night", "shift"]\n'
    findings = run(shared, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path, extra))
    assert failing(findings) == {("users/1", "shared_account")}


# -- helpdesk_accounts_match_roster -----------------------------------------------------------------------------


def write_roster(tmp_path: Path, lines: list[str], name: str = "bpo-roster.csv") -> str:
    (tmp_path / name).write_text("\n".join(lines) + "\n")
    return f'[access]\nroster = "{name}"\ncontracted_agents = 2\n'


def test_roster_reconciliation_finds_strangers_leavers_and_seats(tmp_path: Path) -> None:
    year = (dt.date.today() - dt.timedelta(days=700)).isoformat()
    extra = write_roster(
        tmp_path,
        [
            "email,name,status,start_date,end_date",
            f"person1@bpo.example,One,active,{year},",
            f"PERSON2@bpo.example,Two,left,{year},{(dt.date.today() - dt.timedelta(days=20)).isoformat()}",
            f"person4@bpo.example,Four,active,{year},",
            f"person6@bpo.example,Six,,{year},",  # on the roster, no account: not a finding
        ],
    )
    users = [user("1"), user("2"), user("3"), user("4"), user("5", suspended=True)]
    findings = run(roster, snapshots={"help": snapshot(users=users)}, profile=profile(tmp_path, extra))
    assert failing(findings) == {
        ("users/2", "leaver_still_active"),
        ("users/3", "account_not_on_roster"),
        ("roster/contract", "agents_over_contract"),
    }
    turnover = next(f for f in findings if f.resource == "roster/turnover")
    assert turnover.status.value == "pass"  # 1 leaver over about 3.95 people on average: 25 %
    assert turnover.evidence["leavers_last_365_days"] == 1


def test_a_roster_without_an_email_column_is_one_error_naming_file_and_column(tmp_path: Path) -> None:
    extra = write_roster(tmp_path, ["login,name", "person1@bpo.example,One"])
    (finding,) = run(roster, snapshots={"help": snapshot(users=[user("1")])}, profile=profile(tmp_path, extra))
    assert finding.status.value == "error"
    assert "bpo-roster.csv" in finding.message
    assert "'email' column" in finding.message


def test_a_missing_roster_file_is_an_error(tmp_path: Path) -> None:
    (finding,) = run(
        roster,
        snapshots={"help": snapshot(users=[user("1")])},
        profile=profile(tmp_path, '[access]\nroster = "gone.json"\n'),
    )
    assert finding.status.value == "error"
    assert "gone.json" in finding.message


def test_no_roster_named_is_manual(tmp_path: Path) -> None:
    (finding,) = run(roster, snapshots={"help": snapshot(users=[user("1")])}, profile=profile(tmp_path))
    assert (finding.status.value, finding.resource) == ("manual", "roster")


def test_a_json_roster_high_turnover_and_rows_for_another_vendor(tmp_path: Path) -> None:
    today = dt.date.today()
    rows = [
        {"email": "person1@bpo.example", "start_date": (today - dt.timedelta(days=800)).isoformat()},
        {"email": "person3@bpo.example", "vendor": "shop"},  # another vendor's: not person 3's pass here
    ] + [
        {
            "email": f"gone{i}@bpo.example",
            "status": "left",
            "start_date": (today - dt.timedelta(days=800)).isoformat(),
            "end_date": (today - dt.timedelta(days=10 + i)).isoformat(),
        }
        for i in range(3)
    ]
    (tmp_path / "roster.json").write_text(json.dumps(rows))
    extra = '[access]\nroster = "roster.json"\n'
    findings = run(roster, snapshots={"help": snapshot(users=[user("1"), user("3")])}, profile=profile(tmp_path, extra))
    turnover = next(f for f in findings if f.resource == "roster/turnover")
    # 3 leavers over an average headcount of about 4 (all four employed nearly all year): 75 %.
    assert turnover.status.value == "fail"
    assert turnover.evidence["kind"] == "high_turnover"
    assert 0.7 < turnover.evidence["turnover"] < 0.8
    assert ("users/3", "account_not_on_roster") in failing(findings)
    assert not any(f.resource == "roster/contract" for f in findings)  # no contract declared


def test_a_roster_that_names_its_helpdesks_does_not_judge_the_others(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("email,status,vendor\nperson1@bpo.example,active,help\n")
    extra = '[access]\nroster = "roster.csv"\n'
    findings = run(roster, snapshots={"help": snapshot(users=[user("1")])}, profile=profile(tmp_path, extra))
    assert [f.status.value for f in findings if f.resource == "roster"] == ["pass"]  # person 1 is on it
    (tmp_path / "roster.csv").write_text("email,status,vendor\nperson1@bpo.example,active,other\n")
    shop_findings = run(roster, snapshots={"help": snapshot(users=[user("1")])}, profile=profile(tmp_path, extra))
    assert [f.status.value for f in shop_findings if f.resource == "roster"] == ["not_applicable"]
