"""The schedule of dues the ledger keeps: rebuilt from a snapshot, settled oldest first, changed by
date; what is past due on a day, and the refusals a caller sees for an entry that cannot stand."""

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

JAN = date(2026, 1, 31)


@pytest.mark.parametrize("past_due_minor", [-1, 0])
def test_a_snapshot_with_nothing_past_due_has_no_dues(past_due_minor):
    assert schedule_from_past_due(JAN, past_due_minor, None) == ()
    assert schedule_from_past_due(JAN, past_due_minor, 100) == ()


def test_one_minor_unit_past_due_is_one_due():
    assert schedule_from_past_due(JAN, 1, None) == (Due(JAN, 1),)
    assert schedule_from_past_due(JAN, 1, 100) == (Due(JAN, 1),)


@pytest.mark.parametrize(
    ("instalment", "dues"),
    [
        (0, (Due(JAN, 300),)),
        (301, (Due(JAN, 300),)),
        (300, (Due(JAN, 300),)),
        (299, (Due(JAN, 300),)),  # one instalment, the remainder on it
        (150, (Due(JAN, 150), Due(date(2026, 2, 28), 150))),
        (100, (Due(JAN, 100), Due(date(2026, 2, 28), 100), Due(date(2026, 3, 31), 100))),
        (120, (Due(JAN, 180), Due(date(2026, 2, 28), 120))),
    ],
)
def test_a_snapshot_is_spread_over_monthly_instalments_from_the_oldest_date(instalment, dues):
    assert schedule_from_past_due(JAN, 300, instalment) == dues


def test_settling_with_a_negative_amount_is_refused():
    with pytest.raises(InvalidInput, match="^cannot settle dues with a negative amount$"):
        settle_oldest_first((Due(JAN, 100),), -1)
    assert settle_oldest_first((Due(JAN, 100),), 0) == ((Due(JAN, 100),), 0)


@pytest.mark.parametrize(
    ("paid", "open_dues", "left"),
    [
        (99, (Due(JAN, 1), Due(date(2026, 2, 28), 100)), 0),
        (100, (Due(date(2026, 2, 28), 100),), 0),
        (101, (Due(date(2026, 2, 28), 99),), 0),
        (200, (), 0),
        (201, (), 1),
    ],
)
def test_a_payment_settles_the_oldest_due_first_and_returns_what_is_over(paid, open_dues, left):
    dues = (Due(date(2026, 2, 28), 100), Due(JAN, 100))
    assert settle_oldest_first(dues, paid) == (open_dues, left)


def test_changes_are_added_to_or_taken_from_the_due_on_their_date():
    dues = (Due(JAN, 100), Due(date(2026, 2, 28), 100))
    assert combine(dues, (Due(JAN, 50), Due(date(2026, 3, 31), 10))) == (
        Due(JAN, 150),
        Due(date(2026, 2, 28), 100),
        Due(date(2026, 3, 31), 10),
    )
    assert combine(dues, (Due(JAN, 100), Due(date(2026, 2, 28), 40)), sign=-1) == (
        Due(date(2026, 2, 28), 60),
    )
    assert combine(dues, (Due(JAN, 101),), sign=-1) == (Due(date(2026, 2, 28), 100),)


def test_what_is_past_due_is_what_fell_due_before_the_day():
    dues = (Due(JAN, 100), Due(date(2026, 2, 28), 70))
    assert past_due(dues, JAN) == 0
    assert past_due(dues, date(2026, 2, 1)) == 100
    assert past_due(dues, date(2026, 2, 28)) == 100
    assert past_due(dues, date(2026, 3, 1)) == 170


def test_a_due_counts_as_unpaid_from_the_day_after_it_and_as_next_until_then():
    dues = (Due(JAN, 100), Due(date(2026, 2, 28), 70))
    assert oldest_unpaid_due(dues, JAN) is None
    assert oldest_unpaid_due(dues, date(2026, 2, 1)) == JAN
    assert next_due(dues, JAN) == JAN
    assert next_due(dues, date(2026, 2, 1)) == date(2026, 2, 28)
    assert next_due(dues, date(2026, 3, 1)) is None


def test_a_due_of_nothing_is_neither_unpaid_nor_next():
    dues = (Due(JAN, 0), Due(date(2026, 2, 28), 0))
    assert oldest_unpaid_due(dues, date(2026, 3, 1)) is None
    assert next_due(dues, JAN) is None


def test_an_entry_without_its_dedupe_key_is_refused():
    with pytest.raises(InvalidInput, match="^a ledger entry needs its dedupe key$"):
        LedgerEntry("", EntryKind.FEE, Money(100, "USD"), JAN)


@pytest.mark.parametrize(
    ("kind", "minor"),
    [(EntryKind.PAYMENT, 1), (EntryKind.FEE, -1), (EntryKind.REVERSAL, -1), (EntryKind.ADJUSTMENT, 0)],
)
def test_an_entry_against_the_sign_of_its_kind_is_refused_and_says_which(kind, minor):
    with pytest.raises(InvalidInput, match=f"^a {kind} entry cannot be "):
        LedgerEntry("e-1", kind, Money(minor, "USD"), JAN)


@pytest.mark.parametrize("minor", [-1, 1])
def test_an_adjustment_may_go_either_way(minor):
    assert LedgerEntry("e-1", EntryKind.ADJUSTMENT, Money(minor, "USD"), JAN).amount.minor == minor
