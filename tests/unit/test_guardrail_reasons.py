"""What the guardrail records with each decision, and the edges of its call rules.

The reason is what an operator reads when asking why a contact was not made; the call rules are
judged at their boundaries (exactly 7 days after a conversation, an attempt exactly a week back).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.compliance import (
    PROFILES,
    Channel,
    Contact,
    ContactHistory,
    Decision,
    Hold,
    check,
    check_dial,
)
from arrears.domain.letters import LetterCode

NY = ZoneInfo("America/New_York")
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=NY)  # a Wednesday
US = PROFILES["us_first_party"]
REG_F = PROFILES["us_reg_f"]


def _call(at: datetime = NOON) -> Contact:
    return Contact(Channel.CALL_TASK, None, at)


def _decision(decision: Decision) -> tuple[bool, str, str]:
    return decision.allowed, decision.rule, decision.reason


def test_an_allowed_contact_says_every_rule_passed():
    assert _decision(check(_call(), ContactHistory(), US)) == (True, "allowed", "every rule passed")
    assert _decision(check_dial(ContactHistory(), US, NOON)) == (True, "allowed", "every rule passed")


@pytest.mark.parametrize("hold", sorted(set(Hold) - {Hold.SCRA}))
def test_a_hold_refusal_names_the_hold(hold):
    decision = check(_call(), ContactHistory(holds=frozenset({hold})), US)
    assert _decision(decision) == (False, f"hold:{hold}", f"the account is on a {hold} hold")


def test_an_scra_hold_beside_another_does_not_hide_it():
    decision = check(_call(), ContactHistory(holds=frozenset({Hold.SCRA, Hold.LEGAL})), US)
    assert _decision(decision) == (False, "hold:legal", "the account is on a legal hold")


def test_an_opt_out_refusal_names_the_channel():
    contact = Contact(Channel.SMS, LetterCode.SECOND_REMINDER, NOON)
    decision = check(contact, ContactHistory(opted_out=frozenset({Channel.SMS})), US)
    assert _decision(decision) == (False, "opt_out", "the customer opted out of sms")


def test_an_hours_refusal_names_the_local_time_and_the_window():
    early = datetime(2026, 3, 4, 7, 59, tzinfo=NY)
    decision = check_dial(ContactHistory(), US, early)
    assert _decision(decision) == (False, "hours", "07:59 local is outside 08:00-21:00")


QUIET = "a telephone conversation took place in the last 7 days"


@pytest.mark.parametrize(
    "since,allowed",
    [
        (timedelta(days=7, seconds=-1), False),
        (timedelta(days=7), True),
        (timedelta(days=7, seconds=1), True),
    ],
)
def test_a_call_waits_seven_full_days_after_a_conversation(since, allowed):
    history = ContactHistory(last_conversation=NOON.astimezone(UTC) - since)
    decision = check_dial(history, US, NOON)
    expected = (
        (True, "allowed", "every rule passed") if allowed else (False, "call_after_conversation", QUIET)
    )
    assert _decision(decision) == expected


def test_an_attempt_exactly_a_week_back_has_left_the_window():
    now = NOON.astimezone(UTC)
    six = tuple(now - timedelta(days=d) for d in range(1, 7))
    on_the_edge = six + (now - timedelta(days=7),)
    inside = six + (now - timedelta(days=7) + timedelta(seconds=1),)
    assert check_dial(ContactHistory(call_attempts=on_the_edge), US, NOON).allowed
    refused = check_dial(ContactHistory(call_attempts=inside), US, NOON)
    assert _decision(refused) == (False, "call_frequency", "7 call attempts in 7 days")


def test_an_attempt_at_the_very_moment_judged_counts_and_a_later_one_does_not():
    now = NOON.astimezone(UTC)
    six = tuple(now - timedelta(days=d) for d in range(1, 7))
    assert check_dial(ContactHistory(call_attempts=six + (now,)), US, NOON).rule == "call_frequency"
    assert check_dial(ContactHistory(call_attempts=six + (now + timedelta(seconds=1),)), US, NOON).allowed


def test_a_timely_dispute_refusal_says_collection_waits_for_verification():
    history = ContactHistory(validation_notice_sent_on=date(2026, 3, 2), dispute_received_on=date(2026, 3, 3))
    decision = check(Contact(Channel.LETTER, LetterCode.SECOND_REMINDER, NOON), history, REG_F)
    assert _decision(decision) == (
        False,
        "validation_dispute",
        "a timely dispute pauses collection until verification",
    )
