"""The ledger: balance = opening + entries, and payments settle dues oldest first."""

from datetime import date, timedelta

import pytest
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import (
    Due,
    EntryKind,
    LedgerEntry,
    balance,
    next_due,
    oldest_unpaid_due,
    past_due,
    schedule_from_past_due,
    settle_oldest_first,
)
from arrears.domain.money import Money
from hypothesis import given
from hypothesis import strategies as st

D0 = date(2026, 1, 5)
dues_strategy = st.lists(
    st.builds(Due, st.integers(0, 400).map(lambda n: D0 + timedelta(days=n)), st.integers(1, 10**7)),
    max_size=8,
    unique_by=lambda d: d.due_on,
).map(lambda ds: tuple(sorted(ds)))


@given(st.integers(0, 10**9), st.lists(st.integers(-(10**7), 10**7).filter(bool), max_size=30))
def test_balance_is_opening_plus_the_sum_of_entries(opening, amounts):
    entries = [LedgerEntry(f"e{i}", EntryKind.ADJUSTMENT, Money(a, "USD"), D0) for i, a in enumerate(amounts)]
    assert balance(Money(opening, "USD"), entries).minor == opening + sum(amounts)


@given(dues_strategy, st.integers(0, 10**8))
def test_settling_conserves_money_and_pays_the_oldest_first(dues, paid):
    open_dues, left = settle_oldest_first(dues, paid)
    assert sum(d.amount for d in open_dues) + (paid - left) == sum(d.amount for d in dues)
    assert left == max(0, paid - sum(d.amount for d in dues))
    # whatever is still open is a suffix of the schedule: no newer due is paid before an older one
    if open_dues:
        fully_paid = [d for d in dues if d.due_on < open_dues[0].due_on]
        assert all(d.due_on not in {o.due_on for o in open_dues} for d in fully_paid)


def test_a_partial_payment_moves_the_oldest_unpaid_date():
    dues = (Due(date(2026, 1, 5), 100), Due(date(2026, 2, 5), 100), Due(date(2026, 3, 5), 100))
    as_of = date(2026, 3, 10)
    assert oldest_unpaid_due(dues, as_of) == date(2026, 1, 5)
    after, _ = settle_oldest_first(dues, 150)
    assert oldest_unpaid_due(after, as_of) == date(2026, 2, 5)
    assert past_due(after, as_of) == 150


def test_future_dues_are_not_past_due():
    dues = (Due(date(2026, 1, 5), 100), Due(date(2026, 2, 5), 100))
    assert past_due(dues, date(2026, 1, 20)) == 100
    assert next_due(dues, date(2026, 1, 20)) == date(2026, 2, 5)
    assert oldest_unpaid_due(dues, date(2026, 1, 5)) is None  # due today is not late yet


@pytest.mark.parametrize(
    "kind,amount", [(EntryKind.PAYMENT, 100), (EntryKind.FEE, -100), (EntryKind.PAYMENT, 0)]
)
def test_entries_carry_the_sign_of_their_kind(kind, amount):
    with pytest.raises(InvalidInput):
        LedgerEntry("x", kind, Money(amount, "USD"), D0)


def test_a_snapshot_is_spread_over_monthly_dues_with_the_remainder_on_the_oldest():
    dues = schedule_from_past_due(date(2026, 1, 31), 350, 100)
    assert dues == (Due(date(2026, 1, 31), 150), Due(date(2026, 2, 28), 100), Due(date(2026, 3, 31), 100))
    assert schedule_from_past_due(date(2026, 1, 31), 350, None) == (Due(date(2026, 1, 31), 350),)
