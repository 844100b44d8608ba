"""Charge-off is a decision: the deadline FFIEC sets, and what confirming or declining does."""

from dataclasses import replace
from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.charge_off import Decision, DeclineReason, deadline, decide, recommendation
from arrears.domain.errors import InvalidInput
from arrears.domain.letters import LetterCode
from arrears.domain.stages import Status


def _account(status: Status = Status.CHARGE_OFF_RECOMMENDED, product=ProductType.OPEN_END) -> Account:
    return Account(
        account_id="ACC-1",
        portfolio="main",
        product_type=product,
        currency="USD",
        opening_balance=510000,
        balance=510000,
        dues=(),
        locale="en-US",
        time_zone="America/New_York",
        jurisdiction="US",
        home_shard="main#0",
        status=status,
        dpd=181,
        oldest_unpaid_on=date(2026, 1, 15),
    )


@pytest.mark.parametrize(
    "product,oldest,expected",
    [
        # open-end reaches 180 DPD on 2026-07-14: the end of July
        (ProductType.OPEN_END, date(2026, 1, 15), date(2026, 7, 31)),
        # closed-end reaches 120 DPD on the last day of May: still May
        (ProductType.CLOSED_END, date(2026, 1, 31), date(2026, 5, 31)),
        # one day later it reaches 120 DPD on June 1: the end of June
        (ProductType.CLOSED_END, date(2026, 2, 1), date(2026, 6, 30)),
    ],
)
def test_the_deadline_is_the_end_of_the_month_the_account_reaches_the_policys_dpd(product, oldest, expected):
    assert deadline(product, oldest) == expected


@pytest.mark.parametrize(
    "today,days_left,soon", [(date(2026, 7, 20), 11, False), (date(2026, 7, 21), 10, True)]
)
def test_a_recommendation_is_due_soon_ten_days_before_its_deadline(today, days_left, soon):
    found = recommendation(_account(), today)
    assert found is not None
    assert (found.deadline, found.days_left, found.due_soon) == (date(2026, 7, 31), days_left, soon)


def test_only_a_recommended_account_has_a_recommendation():
    assert recommendation(_account(Status.ACTIVE), date(2026, 7, 1)) is None


def test_confirming_charges_off_without_touching_what_is_owed_and_owes_the_notice():
    decided, facts = decide(_account(), Decision.CONFIRM, None, date(2026, 7, 20))
    assert decided.status is Status.CHARGED_OFF
    assert decided.balance == 510000  # a charge-off does not reduce what the customer owes
    [notice] = decided.notices
    assert notice.code is LetterCode.CHARGE_OFF_NOTICE and notice.on == date(2026, 7, 20)
    assert dict(notice.extra) == {"charged_off_on": "2026-07-20", "dpd": 186}  # on the day decided
    assert facts["decision"] == "confirm" and facts["balance"] == 510000 and facts["deadline"] == "2026-07-31"


def test_declining_puts_the_account_back_on_the_ladder_and_sends_nothing():
    decided, facts = decide(_account(), Decision.DECLINE, DeclineReason.WORKOUT, date(2026, 7, 20))
    assert decided.status is Status.ACTIVE
    assert decided.notices == ()
    assert facts["exception"] == "workout"


def test_a_decline_needs_its_exception_and_a_confirmation_takes_none():
    with pytest.raises(InvalidInput, match="names its exception"):
        decide(_account(), Decision.DECLINE, None, date(2026, 7, 20))
    with pytest.raises(InvalidInput, match="names its exception"):
        decide(_account(), Decision.CONFIRM, DeclineReason.FRAUD, date(2026, 7, 20))


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.CHARGED_OFF, Status.ON_HOLD])
def test_only_a_recommended_charge_off_is_decided(status):
    with pytest.raises(InvalidInput, match="only a recommended charge-off"):
        decide(replace(_account(), status=status), Decision.CONFIRM, None, date(2026, 7, 20))
