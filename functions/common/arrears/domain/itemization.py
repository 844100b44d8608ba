"""The validation notice's creditor data and itemization (Reg F, 12 CFR 1006.34(b)(3), (c)(2)).

A debt collector's notice states who the debt was owed to on the itemization date, who it is owed
to now, what was owed on that date, and the interest, fees, payments and credits since then. The
lender gives the first three with the placement (`CreditorData`); what changed since comes from
the ledger, by value date. A table that does not add up to the balance now is never printed: the
notice is refused (`ItemizationDoesNotAdd`) and someone looks at the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from arrears.domain.errors import ItemizationDoesNotAdd, ItemizationUnknown
from arrears.domain.ledger import EntryKind, LedgerEntry
from arrears.domain.money import Money

# Longest creditor name a row may give: a legal name with its suffix fits; a paragraph does not.
MAX_CREDITOR_NAME = 120


class ItemizationKind(StrEnum):
    """The five reference dates a collector may itemize from (§1006.34(b)(3)(i)-(v))."""

    LAST_STATEMENT = "last_statement"
    CHARGE_OFF = "charge_off"
    LAST_PAYMENT = "last_payment"
    TRANSACTION = "transaction"
    JUDGMENT = "judgment"


@dataclass(frozen=True)
class CreditorData:
    """What the lender says of a placed debt; amounts in minor units of the account's currency."""

    original_creditor: str  # the creditor to whom the debt was owed on the itemization date
    current_creditor: str  # the creditor to whom it is owed now
    kind: ItemizationKind
    itemization_date: date
    amount_on_itemization_date: int

    def to_dict(self) -> dict[str, object]:
        """As stored on the account."""
        return {
            "original_creditor": self.original_creditor,
            "current_creditor": self.current_creditor,
            "kind": self.kind.value,
            "itemization_date": self.itemization_date.isoformat(),
            "amount": self.amount_on_itemization_date,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, object]) -> CreditorData:
        return cls(
            str(stored["original_creditor"]),
            str(stored["current_creditor"]),
            ItemizationKind(str(stored["kind"])),
            date.fromisoformat(str(stored["itemization_date"])),
            int(str(stored["amount"])),
        )


@dataclass(frozen=True)
class Itemization:
    """The notice's table: every line a non-negative amount in minor units."""

    itemization_date: date
    amount_on_itemization_date: int
    interest: int
    fees: int
    payments: int
    credits: int

    @property
    def total(self) -> int:
        """What the table says is owed now."""
        return self.amount_on_itemization_date + self.interest + self.fees - self.payments - self.credits


def itemize(
    data: CreditorData | None, entries: Iterable[LedgerEntry], balance_now: int, currency: str
) -> Itemization:
    """The table from the lender's data and the ledger entries valued after the itemization date.

    Payments are counted net of their reversals (a refund or chargeback takes back what was paid);
    credits are the adjustments, net. A line cannot be negative (a reversal of a payment made before
    the date, or an adjustment upwards, is neither interest nor a fee): the table would then not add
    up, and it is refused, as is any table whose total is not the balance now, to the minor unit.
    """
    if data is None:
        raise ItemizationUnknown("the creditor's data for the validation notice is not on the account")
    since = [e for e in entries if e.occurred_on > data.itemization_date]
    by_kind = {kind: sum(e.amount.minor for e in since if e.kind is kind) for kind in EntryKind}
    table = Itemization(
        itemization_date=data.itemization_date,
        amount_on_itemization_date=data.amount_on_itemization_date,
        interest=by_kind[EntryKind.INTEREST],
        fees=by_kind[EntryKind.FEE],
        payments=max(-(by_kind[EntryKind.PAYMENT] + by_kind[EntryKind.REVERSAL]), 0),
        credits=max(-by_kind[EntryKind.ADJUSTMENT], 0),
    )
    if table.total != balance_now:
        raise ItemizationDoesNotAdd(
            f"the itemization since {data.itemization_date.isoformat()} comes to "
            f"{Money(table.total, currency)}, the balance is {Money(balance_now, currency)}"
        )
    return table
