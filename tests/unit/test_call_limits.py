"""Reg F's call limits as the guardrail applies them: the quiet week after a conversation and the
7-in-7 cap, each at its boundary and a step either side, with the reason a collector reads."""

from datetime import UTC, datetime, timedelta

import pytest
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, Hold, check, check_dial
from arrears.domain.letters import LetterCode

US = PROFILES["us_first_party"]
NOW = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # noon in New York, a Wednesday
CALL = Contact(Channel.CALL_TASK, None, NOW)


@pytest.mark.parametrize(
    ("ago", "allowed"),
    [(timedelta(days=7) - timedelta(seconds=1), False), (timedelta(days=7), True), (timedelta(days=8), True)],
)
def test_no_call_for_seven_days_after_a_conversation(ago, allowed):
    decision = check(CALL, ContactHistory(last_conversation=NOW - ago), US)
    assert decision.allowed is allowed
    if not allowed:
        assert (decision.rule, decision.reason) == (
            "call_after_conversation",
            "a telephone conversation took place in the last 7 days",
        )


def test_a_profile_without_a_quiet_period_allows_a_call_after_a_conversation():
    history = ContactHistory(last_conversation=NOW - timedelta(hours=1))
    assert check(CALL, history, PROFILES["mx_condusef"]).allowed


def _attempts(count: int, oldest_ago: timedelta) -> tuple[datetime, ...]:
    """`count` attempts, the oldest `oldest_ago` before now, the rest within the last hours."""
    return (NOW - oldest_ago,) + tuple(NOW - timedelta(hours=h + 1) for h in range(count - 1))


@pytest.mark.parametrize(
    ("attempts", "allowed"),
    [
        (_attempts(6, timedelta(days=6)), True),
        (_attempts(7, timedelta(days=7) - timedelta(seconds=1)), False),
        (_attempts(7, timedelta(days=7)), True),  # the oldest has left the seven days
        (_attempts(8, timedelta(days=7)), False),
    ],
)
def test_seven_attempts_in_seven_days_refuse_the_next(attempts, allowed):
    decision = check(CALL, ContactHistory(call_attempts=attempts), US)
    assert decision.allowed is allowed
    if not allowed:
        assert (decision.rule, decision.reason) == ("call_frequency", "7 call attempts in 7 days")


def test_an_attempt_after_the_moment_judged_does_not_count():
    attempts = _attempts(6, timedelta(days=1)) + (NOW + timedelta(minutes=1),)
    assert check(CALL, ContactHistory(call_attempts=attempts), US).allowed


def test_the_call_limits_bind_calls_not_letters():
    history = ContactHistory(
        last_conversation=NOW - timedelta(hours=1), call_attempts=_attempts(9, timedelta(days=1))
    )
    assert check(Contact(Channel.LETTER, LetterCode.SECOND_REMINDER, NOW), history, US).allowed


def test_a_hold_and_an_opt_out_say_what_stops_the_contact():
    held = check(CALL, ContactHistory(holds=frozenset({Hold.LEGAL})), US)
    assert (held.allowed, held.rule, held.reason) == (False, "hold:legal", "the account is on a legal hold")
    opted = check(CALL, ContactHistory(opted_out=frozenset({Channel.CALL_TASK})), US)
    assert (opted.allowed, opted.rule, opted.reason) == (
        False,
        "opt_out",
        "the customer opted out of call_task",
    )


def test_holds_are_judged_in_a_fixed_order_so_the_reason_is_the_same_every_time():
    history = ContactHistory(holds=frozenset({Hold.LEGAL, Hold.BANKRUPTCY, Hold.DISPUTE}))
    assert check(CALL, history, US).rule == "hold:bankruptcy"


def test_a_dial_under_an_scra_hold_is_allowed():
    local = NOW.astimezone(UTC)
    assert check_dial(ContactHistory(holds=frozenset({Hold.SCRA})), US, local).allowed
