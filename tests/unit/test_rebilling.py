"""Re-billing without AWS: what an adjustment does to the balance and the dues, and when FFIEC's
limits let a re-age bring a delinquent account current (each limit at its boundary and a step
either side)."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.errors import CurrencyMismatch, InvalidInput
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.rebilling import (
    ONCE_IN_12_MONTHS,
    THREE_MINIMUM_PAYMENTS,
    TWICE_IN_5_YEARS,
    Adjustment,
    EarlierReage,
    ReageRefused,
    consecutive_minimum_payments,
    corrected_statement,
    decide,
)
from arrears.domain.stages import Status

ON = date(2026, 6, 20)
# Statements of a card: a minimum of 50.00 due on the 15th of each month.
STATEMENTS = tuple(Due(date(2026, m, 15), 5000) for m in (1, 2, 3, 4, 5, 6))
LATE = (Due(date(2025, 11, 15), 5000), Due(date(2025, 12, 15), 5000))  # still owed: 187 days past due
AHEAD = Due(date(2026, 7, 15), 5000)


def _account(dues=(*LATE, AHEAD), balance=100_000, **changes) -> Account:
    return Account(
        "RB-1", "main", ProductType.OPEN_END, "USD", balance, balance, tuple(dues), "en-US",
        "America/New_York", "US", home_shard="main#000", **changes,
    )  # fmt: skip


def _paid(*months: int, amount: int = 5000) -> tuple[LedgerEntry, ...]:
    """A payment of `amount` on the 10th of each month (in 2026), before that month's due date."""
    return tuple(
        LedgerEntry(f"pay-{m}", EntryKind.PAYMENT, Money(-amount, "USD"), date(2026, m, 10)) for m in months
    )


def _reage(amount: int = 0, corrects_error: bool = False) -> Adjustment:
    return Adjustment(Money(amount, "USD"), "hardship programme completed", True, corrects_error)


THREE_PAID = _paid(4, 5, 6)


# ------------------------------------------------------------------ money


def test_a_negative_adjustment_lowers_the_balance_and_the_newest_dues_first():
    adjustment = Adjustment(Money(-7500, "USD"), "late fee charged in error")

    decided = decide(_account(), adjustment, ON)

    # 50.00 off July's due (gone), 25.00 off December's; November's, the oldest, stays owed
    assert decided.account.balance == 92_500
    assert decided.account.dues == (Due(date(2025, 11, 15), 5000), Due(date(2025, 12, 15), 2500))
    assert not decided.reaged and decided.moved == ()


def test_a_negative_adjustment_beyond_the_dues_lowers_the_unbilled_balance_but_not_below_nothing():
    decided = decide(_account(), Adjustment(Money(-20_000, "USD"), "rate corrected"), ON)
    assert (decided.account.balance, decided.account.dues) == (80_000, ())

    with pytest.raises(InvalidInput, match="below nothing"):
        decide(_account(), Adjustment(Money(-100_001, "USD"), "too much"), ON)
    assert decide(_account(), Adjustment(Money(-100_000, "USD"), "all"), ON).account.balance == 0


def test_a_positive_adjustment_raises_the_balance_and_the_next_due_never_a_past_one():
    decided = decide(_account(), Adjustment(Money(1200, "USD"), "interest under-charged"), ON)

    assert decided.account.balance == 101_200
    assert decided.account.dues == (*LATE, Due(date(2026, 7, 15), 6200))


def test_a_positive_adjustment_with_no_due_ahead_is_owed_when_the_next_statement_bills_it():
    decided = decide(_account(dues=LATE), Adjustment(Money(1200, "USD"), "interest under-charged"), ON)

    assert (decided.account.balance, decided.account.dues) == (101_200, LATE)


def test_an_adjustment_in_another_currency_or_without_a_reason_or_on_a_closed_account_is_refused():
    with pytest.raises(CurrencyMismatch):
        decide(_account(), Adjustment(Money(-100, "MXN"), "wrong currency"), ON)
    with pytest.raises(InvalidInput, match="reason"):
        Adjustment(Money(-100, "USD"), "  ")
    with pytest.raises(InvalidInput, match="changes nothing"):
        Adjustment(Money(0, "USD"), "nothing")
    with pytest.raises(InvalidInput, match="charged_off"):
        decide(_account(status=Status.CHARGED_OFF), Adjustment(Money(-100, "USD"), "late"), ON)


# ------------------------------------------------------------------ a re-age


def test_a_re_age_moves_every_past_due_due_after_the_last_one_ahead_and_moves_no_money():
    decided = decide(_account(), _reage(), ON, statements=STATEMENTS, entries=THREE_PAID)

    assert decided.reaged and decided.minimum_payments == 3 and decided.set_aside == ()
    assert decided.account.balance == 100_000
    assert decided.account.dues == (AHEAD, Due(date(2026, 8, 15), 5000), Due(date(2026, 9, 15), 5000))
    assert [(d.due_on, to) for d, to in decided.moved] == [
        (date(2025, 11, 15), date(2026, 8, 15)),
        (date(2025, 12, 15), date(2026, 9, 15)),
    ]
    assert all(d.due_on >= ON for d in decided.account.dues)  # current: nothing past due


def test_a_re_age_with_no_due_ahead_keeps_the_billing_day():
    decided = decide(_account(dues=LATE), _reage(), ON, statements=STATEMENTS, entries=THREE_PAID)

    assert decided.account.dues == (Due(date(2026, 7, 15), 5000), Due(date(2026, 8, 15), 5000))


def test_a_re_age_of_an_account_with_nothing_past_due_is_refused():
    with pytest.raises(InvalidInput, match="nothing to re-age"):
        decide(_account(dues=(AHEAD,)), _reage(), ON, statements=STATEMENTS, entries=THREE_PAID)


@pytest.mark.parametrize(
    ("last", "allowed"),
    [
        (date(2025, 6, 20), True),  # exactly 12 months before
        (date(2025, 6, 21), False),  # one day less than 12 months
        (date(2025, 6, 19), True),  # a day more
    ],
)
def test_one_re_age_in_12_months(last, allowed):
    reages = [EarlierReage(last)]
    if allowed:
        assert decide(_account(), _reage(), ON, reages, STATEMENTS, THREE_PAID).reaged
    else:
        with pytest.raises(ReageRefused) as refused:
            decide(_account(), _reage(), ON, reages, STATEMENTS, THREE_PAID)
        assert refused.value.rule == ONCE_IN_12_MONTHS
        assert "re-aged on 2025-06-21, less than 12 months ago" in str(refused.value)


@pytest.mark.parametrize(
    ("first", "allowed"),
    [
        (date(2021, 6, 20), True),  # exactly 5 years before: outside the window, this is the second
        (date(2021, 6, 21), False),  # a day inside it: this would be the third
        (date(2021, 6, 19), True),
    ],
)
def test_two_re_ages_in_5_years(first, allowed):
    reages = [EarlierReage(first), EarlierReage(date(2024, 1, 10))]
    if allowed:
        assert decide(_account(), _reage(), ON, reages, STATEMENTS, THREE_PAID).reaged
    else:
        with pytest.raises(ReageRefused) as refused:
            decide(_account(), _reage(), ON, reages, STATEMENTS, THREE_PAID)
        assert refused.value.rule == TWICE_IN_5_YEARS
        assert "(2021-06-21, 2024-01-10)" in refused.value.reason


def test_an_error_correction_re_age_is_not_counted_against_the_limits():
    reages = [EarlierReage(date(2026, 1, 5), corrects_error=True), EarlierReage(date(2023, 1, 5))]

    assert decide(_account(), _reage(), ON, reages, STATEMENTS, THREE_PAID).set_aside == ()


@pytest.mark.parametrize(
    ("entries", "count", "allowed"),
    [
        (_paid(4, 5, 6), 3, True),  # exactly three consecutive minimum payments
        (_paid(3, 4, 5, 6), 4, True),
        (_paid(5, 6), 2, False),  # two
        (_paid(3, 5, 6), 2, False),  # three, but April's cycle was missed
        (_paid(4, 5) + _paid(6, amount=4999), 0, False),  # June's a cent short breaks the run
    ],
)
def test_three_consecutive_minimum_payments(entries, count, allowed):
    assert consecutive_minimum_payments(STATEMENTS, entries, ON) == count
    if allowed:
        assert decide(_account(), _reage(), ON, (), STATEMENTS, entries).minimum_payments == count
    else:
        with pytest.raises(ReageRefused) as refused:
            decide(_account(), _reage(), ON, (), STATEMENTS, entries)
        assert refused.value.rule == THREE_MINIMUM_PAYMENTS
        assert refused.value.reason == f"{count} consecutive minimum payments; a re-age needs 3"


def test_a_payment_reversed_does_not_count_and_the_cumulative_amount_in_a_cycle_does():
    reversed_june = (LedgerEntry("rev-6", EntryKind.REVERSAL, Money(5000, "USD"), date(2026, 6, 12)),)
    in_two_parts = _paid(4, 5) + _paid(6, amount=2500) + (
        LedgerEntry("pay-6b", EntryKind.PAYMENT, Money(-2500, "USD"), date(2026, 6, 14)),
    )  # fmt: skip

    assert consecutive_minimum_payments(STATEMENTS, THREE_PAID + reversed_june, ON) == 0
    assert consecutive_minimum_payments(STATEMENTS, in_two_parts, ON) == 3


def test_a_cycle_not_yet_due_neither_counts_nor_breaks_the_run_until_it_is_paid():
    july = (*STATEMENTS, AHEAD)
    assert consecutive_minimum_payments(july, THREE_PAID, ON) == 3
    assert consecutive_minimum_payments(july, _paid(5, 6, 7), ON) == 3  # July paid early: it counts


def test_an_error_correction_sets_the_limits_aside_and_says_which():
    reages = [EarlierReage(date(2026, 1, 5)), EarlierReage(date(2023, 1, 5))]

    decided = decide(_account(), _reage(-2500, corrects_error=True), ON, reages, STATEMENTS, _paid(6))

    assert decided.reaged and decided.account.balance == 97_500
    assert decided.set_aside == (ONCE_IN_12_MONTHS, TWICE_IN_5_YEARS, THREE_MINIMUM_PAYMENTS)
    record = decided.record(_reage(-2500, corrects_error=True))
    assert record["corrects_error"] is True and record["set_aside"] == list(decided.set_aside)
    assert record["moved"][0] == {"due_on": "2025-11-15", "amount": 5000, "now_due_on": "2026-08-15"}


def test_the_corrected_statement_states_the_amount_the_reason_and_the_balances():
    before = _account()
    adjustment = Adjustment(Money(-2500, "USD"), "late fee charged in error")
    decided = decide(before, adjustment, ON)

    notice = corrected_statement(before, decided, adjustment, ON, "feed:row-17")

    assert notice.code == "corrected_statement" and notice.on == ON
    assert notice.trigger.startswith("corrected_statement-") and notice.trigger.endswith("@2026-06-20")
    assert dict(notice.extra) == {
        "adjustment_amount": 2500,
        "direction": "down",
        "reason": "late fee charged in error",
        "balance_before": 100_000,
        "balance_after": 97_500,
        "adjusted_on": "2026-06-20",
        "reaged": False,
    }
    assert corrected_statement(before, decided, adjustment, ON, "feed:row-18").trigger != notice.trigger
