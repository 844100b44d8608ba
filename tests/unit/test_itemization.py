"""The validation notice's itemization (Reg F §1006.34(c)(2)(vi)-(viii)): from the lender's amount
on the itemization date and the ledger entries valued after it; a table that does not add up to the
balance now is refused, to the minor unit."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.errors import ItemizationDoesNotAdd, ItemizationRefused, ItemizationUnknown
from arrears.domain.itemization import CreditorData, ItemizationKind, itemize
from arrears.domain.ledger import EntryKind, LedgerEntry
from arrears.domain.money import Money

CHARGED_OFF = date(2025, 11, 30)
DATA = CreditorData(
    "Bank of Rockville", "Rockville Receivables", ItemizationKind.CHARGE_OFF, CHARGED_OFF, 120_000
)


def _entry(n: int, kind: EntryKind, minor: int, on: date) -> LedgerEntry:
    return LedgerEntry(f"e{n}", kind, Money(minor, "USD"), on)


# Before the date: a fee and a payment the amount on the itemization date already counts.
BEFORE = (
    _entry(1, EntryKind.FEE, 2_500, date(2025, 11, 1)),
    _entry(2, EntryKind.PAYMENT, -10_000, CHARGED_OFF),  # on the date itself: in its amount
)
SINCE = (
    _entry(3, EntryKind.INTEREST, 4_156, date(2025, 12, 1)),  # the day after: the first day since
    _entry(4, EntryKind.FEE, 2_900, date(2025, 12, 15)),
    _entry(5, EntryKind.PAYMENT, -5_000, date(2026, 1, 5)),
    _entry(6, EntryKind.REVERSAL, 2_000, date(2026, 1, 9)),  # 20.00 of that payment bounced
    _entry(7, EntryKind.ADJUSTMENT, -600, date(2026, 1, 20)),
)
NOW = 120_000 + 4_156 + 2_900 - 3_000 - 600


def test_the_itemization_counts_only_what_was_valued_after_the_itemization_date():
    table = itemize(DATA, BEFORE + SINCE, NOW, "USD")

    assert table.itemization_date == CHARGED_OFF
    assert table.amount_on_itemization_date == 120_000  # the lender's, not the import's balance
    assert (table.interest, table.fees, table.payments, table.credits) == (4_156, 2_900, 3_000, 600)
    assert table.total == NOW


@pytest.mark.parametrize("off_by", [-1, 1])
def test_a_table_one_minor_unit_away_from_the_balance_is_refused(off_by):
    with pytest.raises(ItemizationDoesNotAdd) as refused:
        itemize(DATA, BEFORE + SINCE, NOW + off_by, "USD")
    # the reason an operator reads, in the currency's major units
    assert str(refused.value) == (
        f"the itemization since 2025-11-30 comes to {NOW / 100:.2f} USD, "
        f"the balance is {(NOW + off_by) / 100:.2f} USD"
    )


def test_a_reversal_of_a_payment_made_before_the_date_cannot_be_itemized_and_is_refused():
    """It raised the debt since the date, yet is neither interest nor a fee: no line may say it."""
    reversed_before = (_entry(8, EntryKind.REVERSAL, 10_000, date(2025, 12, 2)),)
    with pytest.raises(ItemizationDoesNotAdd):
        itemize(DATA, reversed_before, 130_000, "USD")


def test_an_account_without_the_creditors_data_gets_no_notice():
    with pytest.raises(ItemizationUnknown):
        itemize(None, (), NOW, "USD")
    assert issubclass(ItemizationUnknown, ItemizationRefused)
    assert issubclass(ItemizationDoesNotAdd, ItemizationRefused)


def test_the_creditors_data_keeps_what_it_says_when_stored():
    assert CreditorData.from_dict(DATA.to_dict()) == DATA


def test_the_operator_is_told_the_creditors_data_is_missing():
    with pytest.raises(ItemizationUnknown) as refused:
        itemize(None, [], 0, "USD")
    assert str(refused.value) == "the creditor's data for the validation notice is not on the account"
