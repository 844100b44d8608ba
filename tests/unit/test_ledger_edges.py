"""The ledger's rules at their edges: the smallest entry of each sign, a due on the day asked, a due
of nothing, and what an operator reads when an entry or a settlement is refused."""

from datetime import date

import pytest
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import (
    Due,
    EntryKind,
    LedgerEntry,
    combine,
    next_due,
    oldest_unpaid_due,
    past_due,
    schedule_from_past_due,
    settle_oldest_first,
)
from arrears.domain.money import Money

DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    "kind,minor",
    [(EntryKind.FEE, 1), (EntryKind.INTEREST, 1), (EntryKind.REVERSAL, 1), (EntryKind.PAYMENT, -1)],
)
def test_one_minor_unit_of_the_right_sign_is_an_entry(kind, minor):
    assert LedgerEntry("e1", kind, Money(minor, "USD"), DAY).amount.minor == minor


@pytest.mark.parametrize(
    "kind,minor", [(EntryKind.FEE, -1), (EntryKind.PAYMENT, 1), (EntryKind.ADJUSTMENT, 0)]
)
def test_an_entry_of_the_wrong_sign_or_of_nothing_is_refused_and_says_so(kind, minor):
    with pytest.raises(InvalidInput) as refused:
        LedgerEntry("e1", kind, Money(minor, "USD"), DAY)
    assert str(refused.value) == f"a {kind} entry cannot be {Money(minor, 'USD')}"


def test_an_entry_without_its_dedupe_key_is_refused_and_says_so():
    with pytest.raises(InvalidInput) as refused:
        LedgerEntry("", EntryKind.FEE, Money(100, "USD"), DAY)
    assert str(refused.value) == "a ledger entry needs its dedupe key"


def test_a_negative_settlement_is_refused_and_says_so():
    with pytest.raises(InvalidInput) as refused:
        settle_oldest_first((Due(DAY, 100),), -1)
    assert str(refused.value) == "cannot settle dues with a negative amount"


def test_dues_on_the_same_day_are_added_together():
    assert combine((Due(DAY, 100), Due(DAY, 50)), ()) == (Due(DAY, 150),)


def test_a_due_falling_on_the_day_asked_is_not_yet_past_due_but_is_next():
    dues = (Due(date(2026, 3, 9), 100), Due(DAY, 40))
    assert past_due(dues, DAY) == 100
    assert oldest_unpaid_due(dues, DAY) == date(2026, 3, 9)
    assert next_due(dues, DAY) == DAY


def test_a_due_of_nothing_is_neither_oldest_nor_next_and_one_unit_is_both():
    nothing = (Due(date(2026, 3, 1), 0), Due(date(2026, 3, 20), 0))
    assert (oldest_unpaid_due(nothing, DAY), next_due(nothing, DAY)) == (None, None)
    one = (Due(date(2026, 3, 1), 1), Due(date(2026, 3, 20), 1))
    assert (oldest_unpaid_due(one, DAY), next_due(one, DAY)) == (date(2026, 3, 1), date(2026, 3, 20))


@pytest.mark.parametrize("past_due_minor,expected", [(-1, ()), (0, ()), (1, (Due(DAY, 1),))])
def test_a_schedule_is_rebuilt_only_from_something_past_due(past_due_minor, expected):
    assert schedule_from_past_due(DAY, past_due_minor, None) == expected
