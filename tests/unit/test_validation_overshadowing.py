"""No demand that overshadows the validation notice (Reg F §1006.38(b)): while a debt collector's
validation period runs, a letter that sets a deadline or threatens (the final demand: "please
contact us by ... we will continue to pursue collection") does not go. The ladder's step waits,
unfired and not superseded, until the day after the period; the guardrail refuses it as a second
line; the independent checker flags one that went.

The repro: an agency loan placed 95 days late gets its notice on Friday 16 January 2026 (receipt
Monday 26 January, Martin Luther King Jr. Day skipped; the period ends Wednesday 25 February)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, check
from arrears.domain.customer import Reach
from arrears.domain.ledger import Due
from arrears.domain.letters import SETS_DEADLINE_OR_THREATENS, LetterCode
from arrears.domain.strategy import load_strategies
from arrears.store.models import ActivityModel
from dunning.contacts import plan_contact
from dunning.cycle import plan

from arrears_cli import compliance_check

AGENCY = load_strategies()["agency_loan_us"]  # closed-end, us_reg_f
REG_F = PROFILES["us_reg_f"]
NY = ZoneInfo("America/New_York")
NOTICE_ON = date(2026, 1, 16)  # a Friday
TUESDAY = date(2026, 1, 20)  # two business days after it: Monday the 19th is MLK Day
LAST_DAY = date(2026, 2, 25)  # the validation period's last day, a Wednesday
DAY_AFTER = LAST_DAY + timedelta(days=1)
BEFORE_THE_NOTICE = ("validation_notice",)
AFTER_THE_REMINDERS = ("validation_notice", "first_reminder", "first_call", "past_due_notice")


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), NY)


def _placed(fired: tuple[str, ...], notice_on: date | None = NOTICE_ON) -> Account:
    """Placed with the agency 95 days late on the notice's day, the notice provided that day."""
    oldest = NOTICE_ON - timedelta(days=95)
    return Account(
        "SHADOW-1", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000, (Due(oldest, 5000),),
        "en-US", "America/New_York", "US", home_shard="main#000", next_action_on=NOTICE_ON,
        customer_id="SHADOW-1", reach=(Reach.POSTAL.value,), placement="agency", state="OH",
        fired=fired, validation_notice_on=notice_on, episode_on=NOTICE_ON,
    )  # fmt: skip


def _plan(account: Account, on: date):
    evaluated, *_ = plan(account, on)
    return plan_contact(account, evaluated, AGENCY, on, _at(on))


# --- the catalogue --------------------------------------------------------------------------------


def test_the_final_demand_is_the_letter_that_sets_a_deadline_and_the_reminders_are_not():
    assert LetterCode.FINAL_DEMAND in SETS_DEADLINE_OR_THREATENS
    for code in (LetterCode.FIRST_REMINDER, LetterCode.SECOND_REMINDER, LetterCode.PAST_DUE_NOTICE):
        assert code not in SETS_DEADLINE_OR_THREATENS


# --- the ladder: the final demand waits, the reminder before it goes ------------------------------


def test_two_business_days_after_the_notice_the_final_demand_waits_and_the_reminder_goes():
    # Given the notice provided on Friday, and every later step due by the account's 99 days
    planned = _plan(_placed(BEFORE_THE_NOTICE), TUESDAY)
    # Then the latest step without a deadline goes (the past-due notice asks for payment, no date)
    assert (planned.trigger, planned.letter, planned.decision.allowed) == (
        "past_due_notice", LetterCode.PAST_DUE_NOTICE, True,
    )  # fmt: skip
    assert set(planned.superseded) == {"first_reminder", "first_call"}
    # and the final demand is neither sent, fired nor superseded: it waits for the period to end
    assert "final_demand" not in planned.fired and "final_demand" not in planned.superseded
    assert planned.overshadow_waits_until == DAY_AFTER


@pytest.mark.parametrize("on", [LAST_DAY - timedelta(days=1), LAST_DAY])
def test_on_the_period_s_last_days_the_final_demand_still_waits_for_the_day_after(on):
    planned = _plan(_placed(AFTER_THE_REMINDERS), on)
    assert planned.trigger is None and planned.letter is None
    # the charge-off recommendation after it (120 days) waits with it, the ladder in its order
    assert planned.fired == AFTER_THE_REMINDERS and not planned.recommends_charge_off
    assert planned.next_step_on == DAY_AFTER


def test_the_day_after_the_period_the_final_demand_goes():
    planned = _plan(_placed(AFTER_THE_REMINDERS), DAY_AFTER)
    assert (planned.trigger, planned.letter, planned.decision.allowed) == (
        "final_demand", LetterCode.FINAL_DEMAND, True,
    )  # fmt: skip
    assert planned.overshadow_waits_until is None
    assert planned.recommends_charge_off  # the step that waited with it acts with it


def test_a_first_party_ladder_does_not_wait_for_a_validation_period():
    card = load_strategies()["credit_card_us"]  # us_first_party: no validation notice
    account = replace(_placed(()), product_type=ProductType.OPEN_END, placement=None)
    evaluated, *_ = plan(account, TUESDAY)
    planned = plan_contact(account, evaluated, card, TUESDAY, _at(TUESDAY))
    assert planned.letter is LetterCode.FINAL_DEMAND and planned.decision.allowed


# --- the guardrail, the second line ---------------------------------------------------------------


def _judged(code: LetterCode, on: date, channel: Channel = Channel.LETTER, profile=REG_F):
    history = ContactHistory(validation_notice_sent_on=NOTICE_ON, dpd=99)
    return check(Contact(channel, code, _at(on)), history, profile)


@pytest.mark.parametrize(
    "on,allowed", [(LAST_DAY - timedelta(days=1), False), (LAST_DAY, False), (DAY_AFTER, True)]
)
def test_the_guardrail_refuses_a_final_demand_through_the_period_s_last_day(on, allowed):
    for channel in (Channel.LETTER, Channel.EMAIL):
        decision = _judged(LetterCode.FINAL_DEMAND, on, channel)
        assert decision.allowed is allowed, (on, channel)
        if not allowed:
            assert decision.rule == "validation_period"
            assert decision.reason == (
                "the validation period runs until 2026-02-25: a letter with a deadline or a threat "
                "before then would overshadow the right to dispute the debt; it may go from 2026-02-26"
            )


def test_the_guardrail_judges_the_day_a_letter_is_provided_not_the_day_it_is_queued():
    # Given a notice provided on Thursday 5 March 2026: receipt Thursday 12 March, the period ends on
    # Saturday 11 April
    history = ContactHistory(validation_notice_sent_on=date(2026, 3, 5), dpd=99)
    saturday = _at(date(2026, 4, 11))
    # an email that day is provided that day, inside; a postal letter queued that day goes in the
    # batch the vendor takes on Monday the 13th, after it
    email = check(Contact(Channel.EMAIL, LetterCode.FINAL_DEMAND, saturday), history, REG_F)
    assert email.rule == "validation_period"
    assert check(Contact(Channel.LETTER, LetterCode.FINAL_DEMAND, saturday), history, REG_F).allowed


def test_the_guardrail_lets_a_reminder_without_a_deadline_through_during_the_period():
    assert _judged(LetterCode.PAST_DUE_NOTICE, LAST_DAY).allowed
    assert _judged(LetterCode.SECOND_REMINDER, TUESDAY).allowed


def test_the_guardrail_does_not_hold_a_first_party_s_final_demand():
    assert _judged(LetterCode.FINAL_DEMAND, TUESDAY, profile=PROFILES["us_first_party"]).allowed


# --- the independent checker ----------------------------------------------------------------------


def _sent(code: str, sent_on: date, profile: str = "us_reg_f") -> ActivityModel:
    detail = {"code": code, "profile": profile, "channel": "letter", "sent_on": sent_on.isoformat()}
    return ActivityModel(
        pk="SHADOW-1", sk=f"{sent_on}#letter#{code}", kind="letter", occurred_on=sent_on.isoformat(),
        detail=detail,
    )  # fmt: skip


def _flagged(*records: ActivityModel) -> list[tuple[str, str, str]]:
    found = compliance_check.check_validation_overshadowing(list(records))
    return [(v.rule, v.letter, v.occurred_on) for v in found]


def test_the_checker_flags_the_repro_s_final_demand_and_says_why():
    found = compliance_check.check_validation_overshadowing(
        [_sent("validation_notice", NOTICE_ON), _sent("final_demand", TUESDAY)]
    )
    assert [(v.rule, v.letter, v.occurred_on) for v in found] == [
        ("validation_overshadowed", "final_demand", "2026-01-20")
    ]
    assert found[0].detail == (
        "final_demand provided on 2026-01-20, inside the validation period of the notice provided on "
        "2026-01-16 (it ends 2026-02-25)"
    )


@pytest.mark.parametrize("on,flagged", [(LAST_DAY, True), (DAY_AFTER, False)])
def test_the_checker_flags_a_final_demand_through_the_last_day_only(on, flagged):
    records = (_sent("validation_notice", NOTICE_ON), _sent("final_demand", on))
    assert bool(_flagged(*records)) is flagged


def test_the_checker_does_not_flag_a_reminder_a_first_party_or_an_account_without_a_notice():
    assert _flagged(_sent("validation_notice", NOTICE_ON), _sent("past_due_notice", TUESDAY)) == []
    notice = _sent("validation_notice", NOTICE_ON, "us_first_party")
    assert _flagged(notice, _sent("final_demand", TUESDAY, "us_first_party")) == []
    # no notice at all: the validation_notice_timely rule's business, not this one's
    assert _flagged(_sent("final_demand", TUESDAY)) == []


def test_the_checker_judges_the_day_the_records_say_the_letters_were_provided():
    # the notice queued on Friday but provided (its sent_on) on Tuesday: the period ends a day later
    notice = _sent("validation_notice", NOTICE_ON)
    notice.detail["sent_on"] = TUESDAY.isoformat()
    assert _flagged(notice, _sent("final_demand", DAY_AFTER)) == [
        ("validation_overshadowed", "final_demand", DAY_AFTER.isoformat())
    ]
