"""The end of a debt collector's validation period (Reg F §1006.34(b)(5)): receipt is assumed five
days after the notice is provided, not counting Saturdays, Sundays and US federal holidays, and the
period ends 30 days after receipt. The count starts on the day the notice is provided (an email
sent, a print batch handed to the vendor), not the day the cycle queued it; the letter, the
guardrail and the letter samples all use the one function."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.compliance import (
    PROFILES,
    Channel,
    Contact,
    ContactHistory,
    check,
    provided_on,
    validation_period_end,
)
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due
from arrears.domain.letters import Addressee, LetterCode, render
from arrears.domain.strategy import load_strategies
from arrears.services import letter_context as letter_context_module
from arrears.services.letter_context import letter_context

from arrears_cli.letter_samples import SENT_ON, sample_context, sample_extra
from tests.unit.test_letters import text_of

REG_F = PROFILES["us_reg_f"]
NY = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
MLK_DAY = date(2026, 1, 19)  # Martin Luther King Jr. Day, a Monday


def _at(day: date, hour: int = 12, zone: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hour), zone)


# --- the five days, and the holidays in them ---------------------------------------------------


def test_a_federal_holiday_inside_the_five_days_moves_the_end_a_day_later():
    # Given a notice provided on Thursday 15 January 2026: the five days are Fri 16, then Tue 20 to
    # Fri 23, because Monday the 19th is Martin Luther King Jr. Day; receipt Fri 23, end 22 February
    assert validation_period_end(date(2026, 1, 15), REG_F) == date(2026, 2, 22)
    # the week before, with no holiday in it: Fri 9 to Thu 15, end 14 February
    assert validation_period_end(date(2026, 1, 8), REG_F) == date(2026, 2, 14)


@pytest.mark.parametrize(
    "provided,end,where_the_holiday_falls",
    [
        (date(2026, 1, 9), date(2026, 2, 15), "the sixth day: outside, receipt Fri 16"),
        (date(2026, 1, 12), date(2026, 2, 19), "the fifth day: skipped, receipt Tue 20"),
        (MLK_DAY, date(2026, 2, 25), "the day provided: never counted, receipt Mon 26"),
        (date(2026, 1, 20), date(2026, 2, 26), "the day before: nothing to skip, receipt Tue 27"),
    ],
)
def test_the_holiday_moves_the_end_only_from_inside_the_five_days(provided, end, where_the_holiday_falls):
    assert validation_period_end(provided, REG_F) == end, where_the_holiday_falls


def test_an_observed_holiday_and_christmas_across_the_new_year_are_skipped_too():
    # Independence Day 2026 is a Saturday, observed on Friday 3 July: Jul 1, 2, 6, 7, 8
    assert validation_period_end(date(2026, 6, 30), REG_F) == date(2026, 8, 7)
    # Christmas on a Friday, then into the new year: Dec 24, 28, 29, 30, 31
    assert validation_period_end(date(2026, 12, 23), REG_F) == date(2027, 1, 30)


@pytest.mark.parametrize("day,timely", [(date(2026, 2, 22), True), (date(2026, 2, 23), False)])
def test_a_dispute_on_the_last_day_is_timely_and_the_day_after_is_not(day, timely):
    # Given the notice of the first test (provided 15 January, the holiday inside the five days)
    history = ContactHistory(validation_notice_sent_on=date(2026, 1, 15), dispute_received_on=day)
    reminder = Contact(Channel.LETTER, LetterCode.SECOND_REMINDER, _at(date(2026, 2, 24)))
    decision = check(reminder, history, REG_F)
    assert (decision.rule == "validation_dispute") is timely


# --- the day a notice is provided -------------------------------------------------------------

MONDAY, WEDNESDAY, SATURDAY = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 7)


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.LETTER])
def test_on_a_day_run_on_time_a_letter_is_provided_the_day_it_is_queued(channel):
    assert provided_on(channel, MONDAY, _at(MONDAY, 6), "US") == MONDAY


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.LETTER])
def test_a_day_caught_up_on_later_provides_its_letters_the_day_it_runs(channel):
    # Monday's cycle failed and ran again on Wednesday: the email went, the batch went, on Wednesday
    assert provided_on(channel, MONDAY, _at(WEDNESDAY, 9), "US") == WEDNESDAY


def test_a_letter_is_never_provided_before_the_day_that_queued_it():
    # a run at 04:00 in New York is still the evening before in Honolulu
    evening_before = _at(MONDAY, 4).astimezone(HONOLULU)
    assert evening_before.date() < MONDAY
    assert provided_on(Channel.EMAIL, MONDAY, evening_before, "US") == MONDAY


def test_a_print_batch_written_on_a_closed_day_goes_to_the_vendor_on_the_next_business_day():
    # a strategy that contacts on any day: Saturday's email goes Saturday, its letter on Monday
    assert provided_on(Channel.EMAIL, SATURDAY, _at(SATURDAY), "US") == SATURDAY
    assert provided_on(Channel.LETTER, SATURDAY, _at(SATURDAY), "US") == date(2026, 3, 9)
    observed = date(2026, 7, 3)  # Independence Day observed
    assert provided_on(Channel.LETTER, observed, _at(observed), "US") == date(2026, 7, 6)


# --- what the letter prints ------------------------------------------------------------------

AGENCY = load_strategies()["agency_loan_us"]


def _placed(as_of: date) -> Account:
    return Account(
        "PLACED-77015", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
        (Due(date(2025, 12, 1), 5000),), "en-US", "America/New_York", "US", home_shard="main#000",
        next_action_on=as_of, placement="agency", episode_on=date(2025, 12, 2),
        creditor_data=CreditorData(
            "Bank of Rockville", "Bank of Rockville", ItemizationKind.LAST_STATEMENT,
            date(2025, 11, 30), 100_000,
        ),
    )  # fmt: skip


def test_the_notice_counts_its_validation_period_from_the_day_it_is_provided(monkeypatch):
    # Given Monday 12 January's notice, sent on Wednesday the 14th (the day was caught up on later)
    monkeypatch.setattr(letter_context_module.accounts_repo, "ledger_entries", lambda account_id: [])
    queued, sent = date(2026, 1, 12), date(2026, 1, 14)
    account, to = _placed(queued), Addressee("A. Person")
    context = letter_context(LetterCode.VALIDATION_NOTICE, account, AGENCY, queued, "ref", to, sent_on=sent)
    # Then it is dated the day it went, and its period counts from then: Jan 15, 16, 20, 21, 22
    assert context.sent_on == sent
    assert context.extra["validation_end"] == date(2026, 2, 21) == validation_period_end(sent, REG_F)
    text = text_of(render(context))
    assert "Date January 14, 2026" in text
    assert "Call or write to us by February 21, 2026 to dispute all or part of the debt" in text


def test_a_final_demand_gives_its_30_days_from_the_day_it_is_provided():
    queued, sent = date(2026, 1, 12), date(2026, 1, 14)
    account, to = _placed(queued), Addressee("A. Person")
    context = letter_context(LetterCode.FINAL_DEMAND, account, AGENCY, queued, "ref", to, sent_on=sent)
    assert context.extra["respond_by"] == date(2026, 2, 13)


def test_the_samples_compute_the_end_with_the_same_function():
    sample = sample_context(LetterCode.VALIDATION_NOTICE, "en-US")
    assert sample.extra["validation_end"] == validation_period_end(SENT_ON, REG_F)
    # a sample dated before Martin Luther King Jr. Day shows the day the holiday adds
    before_the_holiday = sample_extra(LetterCode.VALIDATION_NOTICE, date(2026, 1, 15))
    assert before_the_holiday["validation_end"] == date(2026, 2, 22)
