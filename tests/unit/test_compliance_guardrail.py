"""The guardrail every contact passes through: holds, opt-outs, hours, call frequency, validation."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.compliance import (
    PROFILES,
    Channel,
    Contact,
    ContactHistory,
    Hold,
    check,
    validation_period_end,
)
from arrears.domain.letters import LetterCode

NY = ZoneInfo("America/New_York")
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=NY)  # a Wednesday


def _letter(code=LetterCode.SECOND_REMINDER, channel=Channel.LETTER, at=NOON):
    return Contact(channel, code, at)


def test_a_plain_reminder_is_allowed():
    assert check(_letter(), ContactHistory(), PROFILES["us_first_party"]).allowed


@pytest.mark.parametrize(
    "hold", [Hold.BANKRUPTCY, Hold.DECEASED, Hold.LEGAL, Hold.CEASE_COMMUNICATION, Hold.DISPUTE]
)
def test_holds_stop_collection_letters(hold):
    decision = check(_letter(), ContactHistory(holds=frozenset({hold})), PROFILES["us_first_party"])
    assert not decision.allowed and decision.rule == f"hold:{hold}"


def test_a_dispute_still_gets_its_acknowledgement_and_scra_does_not_stop_contact():
    profile = PROFILES["us_first_party"]
    assert check(
        _letter(LetterCode.DISPUTE_ACKNOWLEDGEMENT), ContactHistory(holds=frozenset({Hold.DISPUTE})), profile
    ).allowed
    assert check(_letter(), ContactHistory(holds=frozenset({Hold.SCRA})), profile).allowed


def test_an_opted_out_channel_is_refused():
    decision = check(
        _letter(channel=Channel.EMAIL),
        ContactHistory(opted_out=frozenset({Channel.EMAIL})),
        PROFILES["us_first_party"],
    )
    assert (decision.allowed, decision.rule) == (False, "opt_out")


@pytest.mark.parametrize(
    "profile,zone,hour,allowed",
    [
        ("us_first_party", "America/Los_Angeles", 7, False),
        ("us_first_party", "America/Los_Angeles", 8, True),
        ("us_first_party", "America/Chicago", 21, False),
        ("mx_condusef", "America/Mexico_City", 7, True),
        ("mx_condusef", "America/Mexico_City", 22, False),
        ("ph_bsp", "Asia/Manila", 6, True),
        ("ph_bsp", "Asia/Manila", 5, False),
    ],
)
def test_electronic_contact_only_within_local_hours(profile, zone, hour, allowed):
    at = datetime(2026, 3, 4, hour, 30 if hour in (7, 5) else 0, tzinfo=ZoneInfo(zone))
    assert (
        check(_letter(channel=Channel.EMAIL, at=at), ContactHistory(), PROFILES[profile]).allowed is allowed
    )


def test_mail_is_not_bound_by_hours_and_ph_hours_lapse_after_60_dpd():
    night = datetime(2026, 3, 4, 23, 0, tzinfo=ZoneInfo("Asia/Manila"))
    assert check(_letter(at=night), ContactHistory(), PROFILES["ph_bsp"]).allowed
    assert check(_letter(channel=Channel.SMS, at=night), ContactHistory(dpd=61), PROFILES["ph_bsp"]).allowed
    assert not check(
        _letter(channel=Channel.SMS, at=night), ContactHistory(dpd=60), PROFILES["ph_bsp"]
    ).allowed


def test_an_eighth_call_in_seven_days_is_refused():
    profile = PROFILES["us_reg_f"]
    call = Contact(Channel.CALL_TASK, None, NOON)
    seven = tuple(NOON - timedelta(hours=20 * n + 1) for n in range(7))
    history = ContactHistory(call_attempts=seven, validation_notice_sent_on=date(2026, 1, 2))
    assert (check(call, history, profile).rule) == "call_frequency"
    six = ContactHistory(call_attempts=seven[:6], validation_notice_sent_on=date(2026, 1, 2))
    assert check(call, six, profile).allowed


def test_no_call_within_seven_days_of_a_conversation():
    history = ContactHistory(last_conversation=NOON - timedelta(days=6, hours=23))
    decision = check(Contact(Channel.CALL_TASK, None, NOON), history, PROFILES["us_first_party"])
    assert decision.rule == "call_after_conversation"


def test_a_debt_collector_sends_the_validation_notice_before_anything_else():
    profile = PROFILES["us_reg_f"]
    assert check(_letter(), ContactHistory(), profile).rule == "validation_notice_first"
    assert check(_letter(LetterCode.VALIDATION_NOTICE), ContactHistory(), profile).allowed
    assert check(_letter(), ContactHistory(validation_notice_sent_on=date(2026, 2, 2)), profile).allowed


def test_a_timely_dispute_pauses_a_debt_collector():
    profile = PROFILES["us_reg_f"]
    sent = date(2026, 2, 2)  # Monday: receipt assumed Monday 9 Feb, period ends 11 March
    assert validation_period_end(sent, profile) == date(2026, 3, 11)
    timely = ContactHistory(validation_notice_sent_on=sent, dispute_received_on=date(2026, 3, 11))
    late = ContactHistory(validation_notice_sent_on=sent, dispute_received_on=date(2026, 3, 12))
    assert check(_letter(), timely, profile).rule == "validation_dispute"
    assert check(_letter(), late, profile).allowed
