"""A debt collector's validation notice comes first (Reg F §1006.34(a)(1)): no step of a third-party
ladder supersedes it while it is unsent, and no call or demand goes before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType
from arrears.domain.calls import judge
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, check
from arrears.domain.customer import Reach
from arrears.domain.ledger import Due
from arrears.domain.letters import LetterCode
from arrears.domain.strategy import load_strategies
from dunning.contacts import plan_contact, retry_key
from dunning.cycle import plan, with_contact

MONDAY = date(2026, 3, 2)
AGENCY = load_strategies()["agency_loan_us"]
CARD_US = load_strategies()["credit_card_us"]
REG_F = PROFILES["us_reg_f"]
NOON = datetime.combine(MONDAY, time(12), ZoneInfo("America/New_York"))


def _placed(days: int, product=ProductType.CLOSED_END, placement: str | None = "agency", **fields) -> Account:
    return Account(
        "NOTICE-1", "main", product, "USD", 100_000, 100_000,
        (Due(date.fromordinal(MONDAY.toordinal() - days), 5000),), "en-US", "America/New_York", "US",
        home_shard="main#000", next_action_on=MONDAY, customer_id="NOTICE-1",
        reach=(Reach.POSTAL.value,), placement=placement, state="OH", **fields,
    )  # fmt: skip


def _plan(account: Account, strategy=AGENCY, on: date = MONDAY):
    evaluated, *_ = plan(account, on)
    now = datetime.combine(on, time(12), ZoneInfo(account.time_zone))
    return evaluated, plan_contact(account, evaluated, strategy, on, now)


def test_an_account_placed_at_95_days_past_due_gets_the_validation_notice_not_the_final_demand():
    evaluated, planned = _plan(_placed(95))
    assert evaluated.dpd == 95
    assert (planned.trigger, planned.letter, planned.decision.allowed) == (
        "validation_notice", LetterCode.VALIDATION_NOTICE, True,
    )  # fmt: skip
    assert planned.superseded == ()
    # the later steps wait, unfired, and the account is looked at again on the next day
    assert planned.fired == ("validation_notice",)
    assert planned.next_step_on == MONDAY + timedelta(days=1)


def test_once_the_notice_is_provided_the_latest_step_due_without_a_deadline_goes_on_the_next_cycle():
    evaluated, planned = _plan(_placed(95))
    tuesday = MONDAY + timedelta(days=1)
    sent = with_contact(evaluated, planned)
    from dataclasses import replace

    sent = replace(sent, validation_notice_on=MONDAY)
    _, later = _plan(sent, on=tuesday)
    # The final demand sets a deadline: inside the validation period it would overshadow the rights
    # the notice just disclosed (Reg F §1006.38(b)), so it waits, unfired and not superseded, for the
    # period to end (tests/unit/test_validation_overshadowing.py); the latest step before it goes.
    assert later.trigger == "past_due_notice" and later.decision.allowed
    assert set(later.superseded) == {"first_reminder", "first_call"}
    assert "final_demand" not in later.fired


def test_a_first_party_ladder_still_sends_the_latest_step_only():
    _, planned = _plan(_placed(16, product=ProductType.OPEN_END, placement=None), CARD_US)
    assert planned.letter is LetterCode.SECOND_REMINDER and planned.superseded


def _history(sent_on: date | None) -> ContactHistory:
    return ContactHistory(validation_notice_sent_on=sent_on, dpd=95)


def test_the_guardrail_refuses_a_call_and_a_demand_before_the_notice_and_says_why():
    for contact in (
        Contact(Channel.CALL_TASK, None, NOON),
        Contact(Channel.LETTER, LetterCode.FINAL_DEMAND, NOON),
    ):
        decision = check(contact, _history(None), REG_F)
        assert (decision.allowed, decision.rule) == (False, "validation_notice_first")
        assert decision.reason == "a debt collector sends the validation notice first"


def _dial(sent_on: date | None, at: datetime = NOON):
    account = _placed(95, validation_notice_on=sent_on)
    return judge(account, [], REG_F, at.astimezone(UTC), dpd=95)


def test_the_dial_check_refuses_a_call_until_the_notice_is_sent():
    decision = _dial(None)
    assert (decision.allowed, decision.rule) == (False, "validation_notice_first")
    assert decision.reason == "a debt collector sends the validation notice first"


def test_a_notice_sent_on_day_n_allows_a_call_on_day_n():
    assert _dial(MONDAY).allowed
    assert check(Contact(Channel.CALL_TASK, None, NOON), _history(MONDAY), REG_F).allowed


def test_a_notice_provided_within_five_business_days_after_the_call_allows_it():
    # provided on the fifth business day after Monday (the next Monday); the sixth is too late
    assert _dial(MONDAY + timedelta(days=7)).allowed
    late = _dial(MONDAY + timedelta(days=8))
    assert (late.allowed, late.rule) == (False, "validation_notice_first")


def test_a_first_party_profile_needs_no_validation_notice_to_call():
    account = _placed(95, placement=None)
    assert judge(account, [], PROFILES["us_first_party"], NOON.astimezone(UTC), dpd=95).allowed


SKIPPED = ("validation_notice", "first_reminder", "first_call", "past_due_notice")


def test_a_notice_step_fired_without_a_notice_is_owed_again_once_the_customer_can_be_written_to():
    # an account a catch-up skipped past its notice (or whose notice was refused for want of an
    # address that has since come back): the notice goes, not the demand the guardrail would refuse
    account = _placed(95, fired=SKIPPED)
    evaluated, planned = _plan(account)
    # under a trigger of its own: a record of the earlier refusal (same episode, "validation_notice")
    # would otherwise be found and taken for this letter
    assert (planned.trigger, planned.letter, planned.decision.allowed) == (
        f"validation_notice@{retry_key(account)}", LetterCode.VALIDATION_NOTICE, True,
    )  # fmt: skip
    assert sorted(planned.fired) == sorted(SKIPPED)  # taken back and fired again: listed once
    assert planned.next_step_on == MONDAY + timedelta(days=1)


def test_a_notice_step_stays_fired_while_the_customer_cannot_be_written_to():
    from dataclasses import replace

    _, planned = _plan(replace(_placed(95, fired=SKIPPED), reach=()))
    assert planned.trigger == "final_demand" and not planned.decision.allowed
    assert planned.fired.count("validation_notice") == 1


def test_a_notice_step_stays_fired_under_a_hold_that_stops_contact():
    from arrears.domain.compliance import Hold

    _, planned = _plan(_placed(95, fired=SKIPPED, holds=(Hold.DISPUTE,)))
    assert planned.trigger == "final_demand" and not planned.decision.allowed


def test_a_provided_notice_is_not_owed_again():
    _, planned = _plan(_placed(95, fired=SKIPPED, validation_notice_on=MONDAY - timedelta(days=40)))
    assert planned.trigger == "final_demand" and planned.decision.allowed


def test_a_first_party_ladder_takes_nothing_back():
    fired = ("first_reminder",)
    _, planned = _plan(_placed(16, product=ProductType.OPEN_END, placement=None, fired=fired), CARD_US)
    assert planned.trigger == "second_reminder" and planned.fired[0] == "first_reminder"
    assert planned.fired.count("first_reminder") == 1


def test_a_notice_taken_back_is_tried_again_only_when_what_refused_it_may_have_changed():
    from dataclasses import replace

    account = _placed(95, fired=SKIPPED)
    _, tomorrow = _plan(account, on=MONDAY + timedelta(days=1))
    _, today = _plan(account)
    assert today.trigger == tomorrow.trigger  # the same facts: the same record, not a new refusal a day
    moved = [
        replace(account, reach=(Reach.POSTAL.value, Reach.EMAIL.value)),  # reached another way
        replace(account, balance=account.balance - 1),  # money since: an itemization may now add up
        replace(account, creditor_data="corrected"),  # the lender's data corrected
    ]
    assert len({retry_key(a) for a in moved} | {retry_key(account)}) == 4
