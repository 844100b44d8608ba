"""The money a Mexican agreement letter states: the balance in its four parts (late interest from the
episode's first day, payments to fees, then late, then ordinary interest, then principal), and what
is left owing once the agreement is paid."""

from datetime import date, timedelta
from itertools import count

import pytest
from arrears.domain.agreement_terms import (
    DebtBreakdown,
    arrangement_terms,
    breakdown,
    settlement_terms,
)
from arrears.domain.ledger import EntryKind, LedgerEntry
from arrears.domain.money import Money
from hypothesis import given, settings
from hypothesis import strategies as st

LATE_FROM = date(2026, 3, 1)
_IDS = count(1)  # each entry its own dedupe key


def _entry(kind: EntryKind, minor: int, on: date = date(2026, 2, 1)) -> LedgerEntry:
    return LedgerEntry(f"e{next(_IDS)}", kind, Money(minor, "MXN"), on)


@pytest.mark.parametrize(
    "on,late",
    [(LATE_FROM - timedelta(days=1), False), (LATE_FROM, True), (LATE_FROM + timedelta(days=1), True)],
)
def test_interest_is_late_from_the_first_day_of_the_delinquency(on, late):
    parts = breakdown(10_700, [_entry(EntryKind.INTEREST, 700, on)], LATE_FROM)
    assert (parts.late_interest, parts.ordinary_interest, parts.principal) == (
        (700, 0, 10_000) if late else (0, 700, 10_000)
    )


def test_without_a_delinquency_every_interest_is_ordinary():
    parts = breakdown(10_700, [_entry(EntryKind.INTEREST, 700, LATE_FROM)], None)
    assert (parts.ordinary_interest, parts.late_interest) == (700, 0)


def test_a_payment_pays_fees_then_late_then_ordinary_interest_then_principal():
    entries = [
        _entry(EntryKind.INTEREST, 300),  # ordinary
        _entry(EntryKind.INTEREST, 200, LATE_FROM),  # late
        _entry(EntryKind.FEE, 100),
    ]
    # a payment of 250: the fee (100), then 150 of the late interest
    parts = breakdown(10_350, [*entries, _entry(EntryKind.PAYMENT, -250)], LATE_FROM)
    assert parts == DebtBreakdown(principal=10_000, ordinary_interest=300, late_interest=50, fees=0)
    # 650: all three, and 50 of the principal
    parts = breakdown(9_950, [*entries, _entry(EntryKind.PAYMENT, -650)], LATE_FROM)
    assert parts == DebtBreakdown(principal=9_950, ordinary_interest=0, late_interest=0, fees=0)


def test_a_reversed_payment_owes_its_charges_again():
    entries = [_entry(EntryKind.FEE, 100), _entry(EntryKind.PAYMENT, -100), _entry(EntryKind.REVERSAL, 100)]
    assert breakdown(10_100, entries, LATE_FROM).fees == 100


def test_a_credit_adjustment_pays_like_a_payment_and_a_debit_one_is_principal():
    credit = breakdown(10_000, [_entry(EntryKind.FEE, 100), _entry(EntryKind.ADJUSTMENT, -100)], LATE_FROM)
    assert credit == DebtBreakdown(10_000, 0, 0, 0)
    debit = breakdown(10_200, [_entry(EntryKind.FEE, 100), _entry(EntryKind.ADJUSTMENT, 100)], LATE_FROM)
    assert debit == DebtBreakdown(10_100, 0, 0, 100)


def test_charges_beyond_the_balance_are_cut_fees_first():
    entries = [
        _entry(EntryKind.INTEREST, 300),
        _entry(EntryKind.INTEREST, 200, LATE_FROM),
        _entry(EntryKind.FEE, 100),
    ]
    assert breakdown(450, entries, LATE_FROM) == DebtBreakdown(0, 300, 150, 0)
    assert breakdown(250, entries, LATE_FROM) == DebtBreakdown(0, 250, 0, 0)
    assert breakdown(-10, entries, LATE_FROM) == DebtBreakdown(0, 0, 0, 0)


def test_charges_on_an_account_that_owes_nothing_are_cut_to_nothing():
    assert breakdown(0, [_entry(EntryKind.FEE, 1)], LATE_FROM) == DebtBreakdown(0, 0, 0, 0)


def test_every_fee_and_every_interest_charge_is_added():
    entries = [
        _entry(EntryKind.FEE, 100),
        _entry(EntryKind.FEE, 150),
        _entry(EntryKind.INTEREST, 300),
        _entry(EntryKind.INTEREST, 200),
        _entry(EntryKind.INTEREST, 70, LATE_FROM),
        _entry(EntryKind.INTEREST, 30, LATE_FROM),
    ]
    assert breakdown(10_850, entries, LATE_FROM) == DebtBreakdown(10_000, 500, 100, 250)


AMOUNT = st.integers(1, 100_000)
ENTRIES = st.lists(
    st.one_of(
        st.tuples(st.just(EntryKind.FEE), AMOUNT),
        st.tuples(st.just(EntryKind.INTEREST), AMOUNT),
        st.tuples(st.just(EntryKind.PAYMENT), AMOUNT.map(lambda a: -a)),
        st.tuples(st.just(EntryKind.REVERSAL), AMOUNT),
        st.tuples(st.just(EntryKind.ADJUSTMENT), st.integers(-100_000, 100_000).filter(bool)),
    ),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(st.integers(-1_000, 1_000_000), ENTRIES, st.integers(0, 60))
def test_the_four_parts_always_add_up_to_the_balance_and_none_is_negative(balance, raw, late_after):
    entries = [
        LedgerEntry(f"e{i}", kind, Money(minor, "MXN"), date(2026, 1, 1) + timedelta(days=i * 10))
        for i, (kind, minor) in enumerate(raw)
    ]
    parts = breakdown(balance, entries, date(2026, 1, 1) + timedelta(days=late_after))
    assert parts.total == max(balance, 0)
    assert min(parts.principal, parts.ordinary_interest, parts.late_interest, parts.fees) >= 0


OWED = DebtBreakdown(principal=9_000, ordinary_interest=500, late_interest=300, fees=200)  # 10 000


@pytest.mark.parametrize("paid,settles,left", [(9_999, False, 1), (10_000, True, 0), (10_001, True, 0)])
def test_an_arrangement_settles_the_debt_only_when_its_instalments_cover_it(paid, settles, left):
    terms = arrangement_terms(OWED, paid)
    assert (terms.settles_in_full, terms.left_owing, terms.reduction, terms.to_pay) == (
        settles,
        left,
        0,
        paid,
    )


def test_a_settlement_forgives_the_rest_and_leaves_nothing_owing():
    terms = settlement_terms(OWED, to_pay=6_000, forgiven=4_000)
    assert (terms.settles_in_full, terms.left_owing, terms.reduction, terms.to_pay) == (True, 0, 4_000, 6_000)
