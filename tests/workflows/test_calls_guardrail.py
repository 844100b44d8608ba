"""Calls under the guardrail: the dial check before a call, the flag on a call that broke a rule,
and the independent compliance report judging calls as well as letters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Hold
from arrears.domain.ledger import Due
from arrears.services import account_actions
from arrears.store import accounts_repo

from arrears_cli import compliance_check
from tests.operators import call_as, sign_up

TODAY = date(2026, 3, 2)
HONOLULU = ZoneInfo("Pacific/Honolulu")


@pytest.fixture
def account(cloud, stack) -> str:
    sign_up(cloud, "ana", "specialist_3")
    accounts_repo.create_account(
        Account(
            "CALL-1", "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "Pacific/Honolulu", "US", home_shard=shard_of("CALL-1", "main", stack.shard_count),
        )
    )  # fmt: skip
    return "CALL-1"


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HONOLULU).isoformat()


def _dial(cloud, account: str, at: str, on: date = TODAY) -> dict:
    answer = call_as(cloud, "ana", "dial", account, on, at=at)
    assert answer["status"] == "done", answer
    return answer["result"]


def _call(cloud, account: str, at: str, outcome: str = "no_answer", on: date = TODAY) -> dict:
    return call_as(cloud, "ana", "disposition", account, on, outcome=outcome, at=at)


def _calls_reported(account: str) -> set[tuple[str, str]]:
    return {
        (v["rule"], v["occurred_on"])
        for v in compliance_check.report()
        if v["account_id"] == account and v["letter"] == "call"
    }


# the evening edge (20:59 allowed, 21:00 refused) is the rule's own unit test (tests/unit/test_calls.py)
@pytest.mark.parametrize("hour,minute,allowed", [(7, 59, False), (8, 0, True)])
def test_the_dial_check_uses_the_customers_hours(cloud, account, hour, minute, allowed):
    answer = _dial(cloud, account, _at(TODAY, hour, minute))
    assert answer["allowed"] is allowed
    assert answer["local_time"].startswith(f"2026-03-02T{hour:02d}:{minute:02d}")
    if not allowed:
        assert answer["rule"] == "hours"


def test_a_call_at_five_in_the_morning_is_recorded_flagged_and_reported(cloud, account):
    """A collector in New York at 10:00 calls Honolulu, where it is 05:00."""
    answer = _call(cloud, account, "2026-03-02T10:00:00-05:00")

    assert answer["status"] == "done" and answer["result"]["flagged"].startswith("hours:")
    [logged] = accounts_repo.timeline(account, kind="disposition")
    assert logged.detail["flag"].startswith("hours:") and logged.detail["local_time"].startswith(
        "2026-03-02T05:00"
    )
    assert _calls_reported(account) == {("call_hours", "2026-03-02")}


def test_a_call_on_a_disputed_account_is_refused_before_and_flagged_after(cloud, account):
    account_actions.place_hold(account, Hold.DISPUTE, TODAY, "ana", "customer disputes the debt")

    answer = _dial(cloud, account, _at(TODAY, 10))
    logged = _call(cloud, account, _at(TODAY, 10, 5))

    assert (answer["allowed"], answer["rule"]) == (False, "hold:dispute")
    assert logged["result"]["flagged"].startswith("hold:dispute")
    assert _calls_reported(account) == {("call_on_hold", "2026-03-02")}


def test_the_quiet_period_after_a_conversation_ends_seven_days_later(cloud, account):
    spoke = _at(TODAY, 10)
    assert _call(cloud, account, spoke, "refused")["result"]["flagged"] is None

    a_minute_early = _dial(cloud, account, _at(TODAY + timedelta(days=7), 9, 59), TODAY + timedelta(days=7))
    on_time = _dial(cloud, account, _at(TODAY + timedelta(days=7), 10), TODAY + timedelta(days=7))

    assert (a_minute_early["allowed"], a_minute_early["rule"]) == (False, "call_after_conversation")
    assert on_time["allowed"] is True


def test_the_eighth_attempt_in_seven_days_is_refused_and_reported(cloud, account):
    for n in range(7):
        day = TODAY + timedelta(days=n)
        assert _call(cloud, account, _at(day, 9), on=day)["result"]["flagged"] is None
    last_day = TODAY + timedelta(days=6)

    refused = _dial(cloud, account, _at(last_day, 15), last_day)
    made_anyway = _call(cloud, account, _at(last_day, 15), on=last_day)
    still_seven = _dial(cloud, account, _at(TODAY + timedelta(days=7), 9, 1), TODAY + timedelta(days=7))
    two_gone = _dial(cloud, account, _at(TODAY + timedelta(days=8), 9, 1), TODAY + timedelta(days=8))

    assert (refused["allowed"], refused["rule"]) == (False, "call_frequency")
    assert made_anyway["result"]["flagged"].startswith("call_frequency")
    # the call made anyway counts too: a day later seven are still in the window, two days later six
    assert (still_seven["allowed"], two_gone["allowed"]) == (False, True)
    assert _calls_reported(account) == {("call_frequency", last_day.isoformat())}
