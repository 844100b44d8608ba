"""A call is judged on the calls before it: the cap counts earlier attempts, the quiet period runs
from an earlier conversation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.calls import Call, history, judge
from arrears.domain.compliance import PROFILES

AT = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # 10:00 in New York
US = PROFILES["us_first_party"]


def _account(time_zone: str = "America/New_York") -> Account:
    return Account("A", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", time_zone, "US", "main#0")


def test_only_calls_before_the_one_judged_count():
    calls = [
        Call(AT - timedelta(days=1), "refused"),
        Call(AT, "promise"),
        Call(AT + timedelta(hours=1), "paid"),
    ]
    known = history(_account(), calls, AT, dpd=10)
    assert known.call_attempts == (AT - timedelta(days=1),)
    assert known.last_conversation == AT - timedelta(days=1)


def test_a_message_left_is_an_attempt_not_a_conversation():
    known = history(_account(), [Call(AT - timedelta(days=1), "left_message")], AT, dpd=10)
    assert known.call_attempts == (AT - timedelta(days=1),) and known.last_conversation is None


def test_seven_attempts_in_the_week_before_refuse_the_eighth_and_six_allow_it():
    seven = [Call(AT - timedelta(days=d, hours=1), "no_answer") for d in range(7)]
    assert judge(_account(), seven, US, AT, dpd=10).rule == "call_frequency"
    assert judge(_account(), seven[:6], US, AT, dpd=10).allowed


def test_the_hour_is_the_customers():
    honolulu = _account(time_zone="Pacific/Honolulu")  # 05:00 there
    decision = judge(honolulu, [], US, AT, dpd=10)
    assert (decision.allowed, decision.rule) == (False, "hours")
    assert judge(_account(), [], US, AT, dpd=10).allowed


@pytest.mark.parametrize(
    "hour,minute,allowed", [(7, 59, False), (8, 0, True), (20, 59, True), (21, 0, False)]
)
def test_calls_are_allowed_from_eight_to_nine_in_the_customers_time_zone(hour, minute, allowed):
    at = datetime(2026, 3, 9, hour, minute, tzinfo=ZoneInfo("Pacific/Honolulu"))
    decision = judge(_account("Pacific/Honolulu"), [], US, at.astimezone(UTC), dpd=10)
    assert decision.allowed is allowed and (allowed or decision.rule == "hours")


def test_a_week_is_seven_times_24_hours_across_the_change_to_daylight_saving_time():
    """Spring forward on 2026-03-08 in New York: the cap counts the calls of the last 168 hours."""
    first = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    calls = [Call(first + timedelta(days=d), "no_answer") for d in range(7)]  # 03-05 .. 03-11, 14:30Z
    eighth = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)  # 10:00 EDT: the 03-05 call is 167.5 hours back
    assert judge(_account(), calls, US, eighth, dpd=10).rule == "call_frequency"
    assert judge(_account(), calls, US, first + timedelta(days=7, minutes=1), dpd=10).allowed


def test_an_scra_hold_caps_interest_and_does_not_stop_a_call():
    from dataclasses import replace

    from arrears.domain.compliance import Hold

    assert judge(replace(_account(), holds=(Hold.SCRA,)), [], US, AT, dpd=10).allowed
    refused = judge(replace(_account(), holds=(Hold.DISPUTE,)), [], US, AT, dpd=10)
    assert (refused.allowed, refused.rule) == (False, "hold:dispute")
