"""Business days: letters and calls wait over weekends and public holidays; days past due do not."""

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.business_days import UnknownJurisdiction, is_business_day, next_business_day
from arrears.domain.ledger import Due
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import Bucket
from arrears.domain.strategy import load_strategies
from dunning.contacts import plan_contact
from dunning.cycle import plan, with_contact

FRIDAY, SATURDAY, SUNDAY, MONDAY = date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)
US_INDEPENDENCE_OBSERVED = date(2026, 7, 3)  # 4 July 2026 is a Saturday: kept on Friday the 3rd
MX_CONSTITUTION_OBSERVED = date(2026, 2, 2)  # first Monday of February


@pytest.mark.parametrize(
    "jurisdiction,day,open_",
    [
        ("US", FRIDAY, True),
        ("US", SATURDAY, False),
        ("US", SUNDAY, False),
        ("US", MONDAY, True),
        ("US", US_INDEPENDENCE_OBSERVED, False),
        ("US", date(2026, 7, 2), True),
        ("MX", MX_CONSTITUTION_OBSERVED, False),
        ("US", MX_CONSTITUTION_OBSERVED, True),  # each jurisdiction its own holidays
        ("PH", date(2026, 4, 2), False),  # Maundy Thursday
        ("PH", date(2026, 6, 12), False),  # Independence Day
    ],
)
def test_weekends_and_the_jurisdictions_holidays_are_not_business_days(jurisdiction, day, open_):
    assert is_business_day(jurisdiction, day) is open_


def test_the_next_business_day_skips_weekends_and_holidays():
    assert next_business_day("US", FRIDAY) == MONDAY
    assert next_business_day("US", SATURDAY) == MONDAY
    assert next_business_day("US", date(2026, 7, 2)) == date(2026, 7, 6)  # past the long weekend
    assert next_business_day("MX", date(2026, 1, 30)) == date(2026, 2, 3)
    assert next_business_day("PH", date(2026, 4, 1)) == date(2026, 4, 6)  # Holy Week: Thu, Fri, Sat
    # an observed New Year's Day on the last Friday of the year before belongs to that year's calendar
    assert next_business_day("US", date(2027, 12, 30)) == date(2028, 1, 3)


def test_a_jurisdiction_without_a_calendar_is_refused_not_guessed():
    with pytest.raises(UnknownJurisdiction, match="'XX'"):
        is_business_day("XX", MONDAY)


# --- the contact plan at the calendar's boundaries -------------------------------------------------

CARD_US = load_strategies()["credit_card_us"]
INSURANCE_MX = load_strategies()["insurance_premium_mx"]


def _late(jurisdiction: str, oldest_due: date, **fields) -> Account:
    zone = "America/New_York" if jurisdiction == "US" else "America/Mexico_City"
    product = ProductType.OPEN_END if jurisdiction == "US" else ProductType.CLOSED_END
    currency = "USD" if jurisdiction == "US" else "MXN"
    return Account(
        "CAL-1", "main", product, currency, 100_000, 100_000, (Due(oldest_due, 5000),), "en-US", zone,
        jurisdiction, home_shard="main#000", next_action_on=oldest_due, **fields,
    )  # fmt: skip


def _cycle(account: Account, strategy, as_of: date):
    """One cycle day for the account, without the store: the plan, and the account as it is saved."""
    evaluated, *_ = plan(account, as_of)
    noon = datetime.combine(as_of, time(12), ZoneInfo(account.time_zone))
    contact = plan_contact(account, evaluated, strategy, as_of, noon)
    return contact, with_contact(evaluated, contact)


def _first_step(strategy, account_id: str = "CAL-1") -> str:
    _, ladder = strategy.ladder_for(account_id)
    return ladder.steps[0].name


def test_friday_queues_the_step_that_falls_due():
    # the first step of either arm of the card ladder falls due by 5 DPD; Friday is a business day
    plan, saved = _cycle(_late("US", date(2026, 2, 20)), CARD_US, FRIDAY)
    assert plan.trigger == _first_step(CARD_US) and plan.waits_until is None
    assert plan.letter is LetterCode.FIRST_REMINDER
    assert _first_step(CARD_US) in saved.fired


def test_saturday_evaluates_but_holds_the_step_and_monday_queues_it():
    account = _late("US", date(2026, 2, 21))
    plan, saturday = _cycle(account, CARD_US, SATURDAY)

    assert (saturday.dpd, saturday.bucket) == (7, Bucket.B1_29)  # calendar days still count
    assert plan.trigger is None and plan.waits_until == MONDAY
    assert saturday.fired == ()  # nothing marked fired: the step is still owed
    assert saturday.next_action_on == MONDAY  # and the account comes back for it

    plan, monday = _cycle(saturday, CARD_US, MONDAY)
    assert plan.trigger == _first_step(CARD_US) and plan.letter is LetterCode.FIRST_REMINDER
    assert monday.dpd == 9 and _first_step(CARD_US) in monday.fired


def test_an_account_rolls_to_its_next_bucket_on_a_saturday_as_on_any_day():
    fired = tuple(s.name for s in CARD_US.ladder_for("CAL-1")[1].steps if s.at_dpd <= 20)
    plan, saturday = _cycle(
        _late("US", date(2026, 1, 29), fired=fired, bucket=Bucket.B1_29), CARD_US, SATURDAY
    )
    assert (saturday.dpd, saturday.bucket) == (30, Bucket.B30_59) and plan.trigger is None


def test_a_us_federal_holiday_holds_the_step_to_the_next_business_day():
    plan, saved = _cycle(_late("US", date(2026, 6, 26)), CARD_US, US_INDEPENDENCE_OBSERVED)
    assert plan.trigger is None and plan.waits_until == date(2026, 7, 6)
    assert saved.next_action_on == date(2026, 7, 6) and saved.dpd == 7


def test_a_mexican_holiday_holds_the_step_a_us_account_would_get():
    mx_plan, _ = _cycle(_late("MX", date(2026, 1, 10)), INSURANCE_MX, MX_CONSTITUTION_OBSERVED)
    us_plan, _ = _cycle(_late("US", date(2026, 1, 10)), CARD_US, MX_CONSTITUTION_OBSERVED)
    assert mx_plan.trigger is None and mx_plan.waits_until == date(2026, 2, 3)
    assert us_plan.trigger is not None and us_plan.waits_until is None


def test_a_strategy_may_contact_on_any_day():
    any_day = CARD_US.model_copy(update={"business_days_only": False})
    plan, _ = _cycle(_late("US", date(2026, 2, 21)), any_day, SATURDAY)
    assert plan.trigger is not None and plan.waits_until is None


def test_an_owed_notice_waits_for_a_business_day_too():
    owed = OwedNotice(LetterCode.PROMISE_CONFIRMATION, "promise@2026-02-27", (("promise_amount", 5000),))
    account = _late("US", date(2026, 2, 21), notices=(owed,))
    plan, saturday = _cycle(account, CARD_US, SATURDAY)
    assert plan.trigger is None and saturday.notices == (owed,) and saturday.next_action_on == MONDAY

    plan, monday = _cycle(saturday, CARD_US, MONDAY)
    assert plan.trigger == "promise@2026-02-27" and monday.notices == ()


def test_a_cure_on_a_sunday_owes_the_letter_with_the_payment_it_saw():
    late = _late("US", date(2026, 2, 10), episode_on=date(2026, 2, 15), census_balance=100_000)
    paid = replace(late, balance=95_000, dues=())  # a payment between cycles paid the due off
    plan, sunday = _cycle(paid, CARD_US, SUNDAY)

    assert plan.trigger is None and sunday.next_action_on == MONDAY
    (notice,) = sunday.notices
    assert notice.code is LetterCode.PAYMENT_RECEIVED and notice.on == date(2026, 2, 15)
    assert dict(notice.extra) == {"payment_amount": 5000, "payment_received_on": "2026-03-01"}

    plan, _ = _cycle(sunday, CARD_US, MONDAY)
    assert (plan.trigger, plan.letter, plan.record_on) == ("cured@2026-02-15", notice.code, notice.on)
    assert plan.extra == {"payment_amount": 5000, "payment_received_on": "2026-03-01"}


def test_a_catch_up_that_reaches_charge_off_on_a_saturday_still_sends_its_letter_on_monday():
    # 181 DPD on Saturday, no step fired yet (a late placement): the card ladder's catch-up is the
    # final demand, with the 180-DPD recommendation beside it
    account = _late("US", date(2025, 8, 31))
    plan, saturday = _cycle(account, CARD_US, SATURDAY)
    assert plan.trigger is None and plan.waits_until == MONDAY
    assert not plan.recommends_charge_off  # it waits with the letter beside it

    plan, _ = _cycle(saturday, CARD_US, MONDAY)
    assert plan.letter is LetterCode.FINAL_DEMAND and plan.recommends_charge_off
