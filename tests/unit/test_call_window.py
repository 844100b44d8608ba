"""The call window a collector reads: a dial is allowed from the profile's first minute to the minute
before its last, in the customer's time zone, and a refusal says the local time and the window."""

from datetime import UTC, datetime, timedelta

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.calls import Call, history, judge
from arrears.domain.compliance import PROFILES, Channel, Hold
from hypothesis import given
from hypothesis import strategies as st

US = PROFILES["us_first_party"]
MX = PROFILES["mx_condusef"]
PH = PROFILES["ph_bsp"]


def _account(time_zone: str = "America/New_York", **fields) -> Account:
    return Account(
        "A", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", time_zone, "US", "main#0", **fields
    )


def _at_new_york(hour: int, minute: int = 0) -> datetime:
    # 9 March 2026 is a Monday under EDT (UTC-4)
    return datetime(2026, 3, 9, 4, 0, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def test_a_dial_in_the_window_is_allowed_and_says_every_rule_passed():
    decision = judge(_account(), [], US, _at_new_york(12), dpd=10)
    assert (decision.allowed, decision.rule, decision.reason) == (True, "allowed", "every rule passed")


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(7, 59, False), (8, 0, True), (8, 1, True), (20, 58, True), (20, 59, True), (21, 0, False)],
)
def test_the_us_window_is_eight_to_nine_local(hour, minute, allowed):
    assert judge(_account(), [], US, _at_new_york(hour, minute), dpd=10).allowed is allowed


def test_a_refusal_names_the_local_time_and_the_window():
    decision = judge(_account(), [], US, _at_new_york(7, 59), dpd=10)
    assert (decision.allowed, decision.rule, decision.reason) == (
        False,
        "hours",
        "07:59 local is outside 08:00-21:00",
    )
    late = judge(_account(), [], US, _at_new_york(21, 0), dpd=10)
    assert late.reason == "21:00 local is outside 08:00-21:00"


def test_the_window_is_read_in_the_customers_time_zone_not_the_callers():
    # 12:00 UTC is 08:00 in New York (EDT) and 06:00 in Mexico City
    at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert judge(_account(), [], US, at, dpd=10).allowed
    refused = judge(_account("America/Mexico_City"), [], MX, at, dpd=10)
    assert (refused.allowed, refused.reason) == (False, "06:00 local is outside 07:00-22:00")


@pytest.mark.parametrize(("dpd", "allowed"), [(59, False), (60, False), (61, True)])
def test_the_philippine_hours_bind_up_to_60_days_past_due(dpd, allowed):
    # 05:00 in Manila (UTC+8), before the 06:00 start
    at = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    assert judge(_account("Asia/Manila"), [], PH, at, dpd=dpd).allowed is allowed


def test_the_history_carries_the_accounts_holds_opt_outs_notice_and_days_past_due():
    account = _account(holds=(Hold.DISPUTE,), opted_out=("call_task", "sms"))
    known = history(account, [], _at_new_york(12), dpd=45)
    assert known.holds == frozenset({Hold.DISPUTE})
    assert known.opted_out == frozenset({Channel.CALL_TASK, Channel.SMS})
    assert known.dpd == 45
    assert known.call_attempts == () and known.last_conversation is None


def test_a_customer_who_opted_out_of_calls_is_not_dialled():
    decision = judge(_account(opted_out=("call_task",)), [], US, _at_new_york(12), dpd=10)
    assert not decision.allowed


@given(minutes=st.integers(0, 24 * 60 - 1))
def test_a_dial_is_allowed_exactly_inside_the_window(minutes):
    at = _at_new_york(0) + timedelta(minutes=minutes)
    assert judge(_account(), [], US, at, dpd=10).allowed is (8 * 60 <= minutes < 21 * 60)


def test_the_last_conversation_is_the_latest_before_the_call():
    calls = [
        Call(_at_new_york(9) - timedelta(days=3), "promise"),
        Call(_at_new_york(9) - timedelta(days=2), "no_answer"),
        Call(_at_new_york(9) - timedelta(days=1), "refused"),
    ]
    known = history(_account(), calls, _at_new_york(12), dpd=10)
    assert known.last_conversation == _at_new_york(9) - timedelta(days=1)
    assert len(known.call_attempts) == 3
