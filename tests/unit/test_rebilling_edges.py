"""Re-billing at its edges: the day of the adjustment itself, a due on it, the first billing cycle,
the re-age's new dates, what the timeline and the corrected statement keep, and what an operator
reads when an adjustment is refused."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.errors import CurrencyMismatch, InvalidInput
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import MAX_MINOR, Money
from arrears.domain.rebilling import (
    MAX_REASON,
    ONCE_IN_12_MONTHS,
    Adjustment,
    EarlierReage,
    apply_amount,
    consecutive_minimum_payments,
    corrected_statement,
    correction_trigger,
    decide,
    reage_limits,
    reschedule,
)

ON = date(2026, 6, 20)


def _account(dues=(), balance=100_000) -> Account:
    return Account(
        "RB-2", "main", ProductType.OPEN_END, "USD", balance, balance, tuple(dues), "en-US",
        "America/New_York", "US", home_shard="main#000",
    )  # fmt: skip


def _paid(day: date, amount: int = 5000) -> LedgerEntry:
    return LedgerEntry(f"pay-{day}", EntryKind.PAYMENT, Money(-amount, "USD"), day)


# --- the adjustment itself


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused_and_says_so(reason):
    with pytest.raises(InvalidInput) as refused:
        Adjustment(Money(-100, "USD"), reason)
    assert str(refused.value) == "an adjustment needs its reason"


def test_a_reason_may_be_300_characters_and_no_more():
    assert Adjustment(Money(-100, "USD"), "x" * MAX_REASON).reason == "x" * 300
    with pytest.raises(InvalidInput) as refused:
        Adjustment(Money(-100, "USD"), "x" * (MAX_REASON + 1))
    assert str(refused.value) == "an adjustment's reason is at most 300 characters"


def test_an_adjustment_of_nothing_that_re_ages_nothing_is_refused_and_says_so():
    with pytest.raises(InvalidInput) as refused:
        Adjustment(Money(0, "USD"), "typo")
    assert str(refused.value) == "an adjustment of nothing that re-ages nothing changes nothing"


def test_an_adjustment_in_another_currency_is_refused_naming_both():
    with pytest.raises(CurrencyMismatch) as refused:
        decide(_account(), Adjustment(Money(-100, "MXN"), "refund"), ON)
    assert str(refused.value) == "account RB-2 is in USD, not MXN"


def test_a_credit_beyond_the_balance_is_refused_naming_both_amounts():
    with pytest.raises(InvalidInput) as refused:
        apply_amount(_account(balance=50_000), -60_000, ON)
    assert (
        str(refused.value) == "an adjustment of -600.00 USD would take the balance (500.00 USD) below nothing"
    )


def test_a_balance_beyond_the_ledgers_bound_is_refused_and_says_so():
    with pytest.raises(InvalidInput) as refused:
        apply_amount(_account(balance=MAX_MINOR), 1, ON)
    assert str(refused.value) == "the balance after it would be beyond the ledger's bound"


def test_a_charge_made_on_a_due_date_is_owed_on_that_due():
    account = apply_amount(_account((Due(ON, 5000), Due(date(2026, 7, 20), 5000))), 700, ON)
    assert account.dues == (Due(ON, 5700), Due(date(2026, 7, 20), 5000))
    assert account.balance == 100_700


# --- the re-age's new dates


def test_a_due_on_the_day_of_the_re_age_is_not_late_and_anchors_the_moved_ones():
    dues, moved = reschedule((Due(date(2026, 5, 20), 5000), Due(ON, 4000)), ON)
    assert moved == ((Due(date(2026, 5, 20), 5000), date(2026, 7, 20)),)
    assert dues == (Due(ON, 4000), Due(date(2026, 7, 20), 5000))


def test_with_nothing_ahead_the_late_dues_follow_the_last_one_from_the_first_of_its_dates_on_or_after_today():
    """The last late due is on March 15: its monthly dates are April 15 (before the 20th) and May 15."""
    late = (Due(date(2026, 1, 31), 100), Due(date(2026, 2, 28), 200), Due(date(2026, 3, 15), 300))
    dues, moved = reschedule(late, date(2026, 4, 20))
    assert [to for _, to in moved] == [date(2026, 5, 15), date(2026, 6, 15), date(2026, 7, 15)]
    assert dues == (Due(date(2026, 5, 15), 100), Due(date(2026, 6, 15), 200), Due(date(2026, 7, 15), 300))


def test_with_nothing_ahead_a_monthly_date_falling_on_today_is_the_first():
    dues, moved = reschedule((Due(date(2026, 1, 15), 100), Due(date(2026, 2, 15), 200)), date(2026, 3, 15))
    assert [to for _, to in moved] == [date(2026, 3, 15), date(2026, 4, 15)]


def test_with_nothing_ahead_months_of_arrears_are_skipped_one_by_one():
    """January 15 late, the re-age on April 20: February, March and April 15 have passed; May 15 is next."""
    _, moved = reschedule((Due(date(2026, 1, 15), 100),), date(2026, 4, 20))
    assert moved == ((Due(date(2026, 1, 15), 100), date(2026, 5, 15)),)


def test_an_earlier_re_age_on_the_same_day_counts_against_the_limit():
    broken = reage_limits(ON, (EarlierReage(ON),), minimum_payments=3)
    assert [rule for rule, _ in broken] == [ONCE_IN_12_MONTHS]
    assert reage_limits(ON, (EarlierReage(date(2026, 6, 21)),), minimum_payments=3) == []


# --- the minimum payments a re-age needs

MONTHLY = (Due(date(2026, 1, 10), 5000), Due(date(2026, 2, 10), 5000), Due(date(2026, 3, 10), 5000))


def test_three_cycles_paid_are_three_minimum_payments():
    paid = [_paid(date(2026, m, 5)) for m in (1, 2, 3)]
    assert consecutive_minimum_payments(MONTHLY, paid, date(2026, 4, 1)) == 3


@pytest.mark.parametrize(
    "day,counted",
    [
        (date(2025, 12, 5), 0),  # before the first cycle, a month before its due date
        (date(2025, 12, 10), 0),  # on the day a month before: the previous cycle's
        (date(2025, 12, 11), 1),
        (date(2026, 1, 10), 1),  # on the due date itself
        (date(2026, 1, 11), 0),  # after it: the next cycle's
    ],
)
def test_the_first_cycle_runs_from_a_month_before_its_due_date(day, counted):
    assert consecutive_minimum_payments(MONTHLY[:1], [_paid(day)], date(2026, 2, 1)) == counted


def test_a_cycle_runs_from_the_previous_statements_due_date_however_long_ago():
    """No statement in February: the March cycle runs from January 10, so a payment on January 20 is its."""
    statements = (Due(date(2026, 1, 10), 5000), Due(date(2026, 3, 10), 5000))
    paid = [_paid(date(2026, 1, 5)), _paid(date(2026, 1, 20))]
    assert consecutive_minimum_payments(statements, paid, date(2026, 4, 1)) == 2


def test_a_cycle_due_on_the_day_asked_and_unpaid_does_not_break_the_run():
    paid = [_paid(date(2026, 1, 5)), _paid(date(2026, 2, 5))]
    assert consecutive_minimum_payments(MONTHLY, paid, date(2026, 3, 10)) == 2
    assert consecutive_minimum_payments(MONTHLY, paid, date(2026, 3, 11)) == 0


# --- what is kept of it


def test_the_timeline_keeps_the_decision_and_its_evidence():
    account = _account((Due(date(2026, 5, 20), 5000),), balance=5000)
    adjustment = Adjustment(Money(0, "USD"), "our error", reage=True, corrects_error=True)
    rebilled = decide(account, adjustment, ON)
    assert rebilled.record(adjustment) == {
        "amount": 0,
        "currency": "USD",
        "reason": "our error",
        "reage": True,
        "corrects_error": True,
        "set_aside": ["reage_three_minimum_payments"],
        "minimum_payments": 0,
        "moved": [{"due_on": "2026-05-20", "amount": 5000, "now_due_on": "2026-06-20"}],
        "balance_after": 5000,
    }


@pytest.mark.parametrize("minor,direction", [(-1, "down"), (1, "up")])
def test_the_corrected_statement_says_which_way_the_balance_moved(minor, direction):
    before = _account((Due(date(2026, 7, 20), 5000),))
    adjustment = Adjustment(Money(minor, "USD"), "rounding")
    notice = corrected_statement(before, decide(before, adjustment, ON), adjustment, ON, "adj-1")
    facts = dict(notice.extra)
    assert (facts["direction"], facts["adjustment_amount"]) == (direction, 1)
    assert (facts["balance_before"], facts["balance_after"]) == (100_000, 100_000 + minor)


def test_a_re_age_alone_moves_the_balance_neither_way():
    before = _account((Due(date(2026, 5, 20), 5000),), balance=5000)
    adjustment = Adjustment(Money(0, "USD"), "our error", reage=True, corrects_error=True)
    notice = corrected_statement(before, decide(before, adjustment, ON), adjustment, ON, "adj-2")
    assert dict(notice.extra)["direction"] == "none"


def test_the_corrected_statements_key_is_the_same_for_the_same_adjustment_in_every_release():
    assert correction_trigger("adj-0042", ON) == "corrected_statement-6cadf33a78de@2026-06-20"


def test_a_re_age_alone_leaves_an_account_in_credit_as_it_is():
    """An adjustment of nothing (a re-age's) lowers nothing: it is not refused as taking the balance
    below nothing, even where the balance is already below it."""
    in_credit = _account(balance=-100)
    assert apply_amount(in_credit, 0, ON) == in_credit
