"""The ledger: immutable entries; balance = opening balance + sum of entries, always.

Payments are negative entries (they reduce what is owed), fees and interest positive.
Payments settle the schedule of dues oldest first, which is what moves the oldest
unpaid due date after a partial payment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from arrears.domain.clock import add_months
from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money


class EntryKind(StrEnum):
    PAYMENT = "payment"
    FEE = "fee"
    INTEREST = "interest"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"  # a refund or chargeback taking back (part of) a payment


# The sign each kind must carry; adjustments may go either way.
_SIGN = {EntryKind.PAYMENT: -1, EntryKind.FEE: 1, EntryKind.INTEREST: 1, EntryKind.REVERSAL: 1}


@dataclass(frozen=True)
class LedgerEntry:
    entry_id: str  # natural dedupe key, e.g. the processor's payment id
    kind: EntryKind
    amount: Money  # signed
    occurred_on: date

    def __post_init__(self) -> None:
        if not self.entry_id:
            raise InvalidInput("a ledger entry needs its dedupe key")
        sign = _SIGN.get(self.kind)
        if self.amount.minor == 0 or (sign is not None and (self.amount.minor > 0) != (sign > 0)):
            raise InvalidInput(f"a {self.kind} entry cannot be {self.amount}")


def balance(opening: Money, entries: Iterable[LedgerEntry]) -> Money:
    total = opening
    for entry in entries:
        total = total + entry.amount
    return total


@dataclass(frozen=True, order=True)
class Due:
    """An instalment or minimum payment that falls due on a date; `amount` is what is still unpaid."""

    due_on: date
    amount: int


def settle_oldest_first(dues: tuple[Due, ...], paid: int) -> tuple[tuple[Due, ...], int]:
    """Apply `paid` minor units to the dues, oldest first. Returns the open dues and what was left over."""
    if paid < 0:
        raise InvalidInput("cannot settle dues with a negative amount")
    remaining = paid
    open_dues: list[Due] = []
    for due in sorted(dues):
        take = min(due.amount, remaining)
        remaining -= take
        if due.amount - take > 0:
            open_dues.append(replace(due, amount=due.amount - take))
    return tuple(open_dues), remaining


def combine(dues: Iterable[Due], changes: Iterable[Due], sign: int = 1) -> tuple[Due, ...]:
    """The dues with each change added to (sign -1: taken from) the due on its date, by date;
    a due left at nothing is gone."""
    by_day: dict[date, int] = {}
    for due in dues:
        by_day[due.due_on] = by_day.get(due.due_on, 0) + due.amount
    for change in changes:
        by_day[change.due_on] = by_day.get(change.due_on, 0) + sign * change.amount
    return tuple(sorted(Due(day, amount) for day, amount in by_day.items() if amount > 0))


def past_due(dues: Iterable[Due], as_of: date) -> int:
    """Unpaid amount of the dues whose date has passed."""
    return sum(d.amount for d in dues if d.due_on < as_of)


def oldest_unpaid_due(dues: Iterable[Due], as_of: date) -> date | None:
    late = [d.due_on for d in dues if d.due_on < as_of and d.amount > 0]
    return min(late) if late else None


def next_due(dues: Iterable[Due], as_of: date) -> date | None:
    upcoming = [d.due_on for d in dues if d.due_on >= as_of and d.amount > 0]
    return min(upcoming) if upcoming else None


def schedule_from_past_due(
    oldest_due_on: date, past_due_minor: int, instalment_minor: int | None
) -> tuple[Due, ...]:
    """Rebuild a schedule from a snapshot (oldest due date + amount past due).

    With an instalment size the past-due amount is spread over monthly dues from the oldest date,
    the oldest carrying any remainder, so that a partial payment later moves the oldest date the way
    the originating system would. Without one it is a single due.
    """
    if past_due_minor <= 0:
        return ()
    if not instalment_minor or instalment_minor >= past_due_minor:
        return (Due(oldest_due_on, past_due_minor),)
    count, remainder = divmod(past_due_minor, instalment_minor)
    amounts = [instalment_minor] * count
    if remainder:
        amounts[0] += remainder
    return tuple(Due(add_months(oldest_due_on, i), amount) for i, amount in enumerate(amounts))
