"""Promises to pay and payment arrangements (convenios): what the customer committed to, and whether it held.

A promise pauses the ladder until its date plus a grace period; it is kept as soon as payments
made since it was taken cover it, and broken if the grace period ends first. An arrangement is
a schedule of instalments; it holds while the payments since it began cover every instalment
whose grace period has ended, and completes when they cover them all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import Due

GRACE_DAYS = 3


class Outcome(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True)
class Promise:
    amount: int
    due_on: date
    created_on: date
    paid: int = 0
    grace_days: int = GRACE_DAYS

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise InvalidInput("a promise is for a positive amount")
        if self.due_on < self.created_on:
            raise InvalidInput("a promise cannot fall due before it is made")

    @property
    def settles_on(self) -> date:
        return self.due_on + timedelta(days=self.grace_days)

    def outcome(self, as_of: date) -> Outcome:
        if self.paid >= self.amount:
            return Outcome.KEPT
        return Outcome.BROKEN if as_of > self.settles_on else Outcome.PENDING

    def next_check(self) -> date:
        return self.settles_on + timedelta(days=1)

    def to_dict(self) -> dict[str, object]:
        """As stored, and as the timeline records it."""
        return {
            "amount": self.amount,
            "due_on": self.due_on.isoformat(),
            "created_on": self.created_on.isoformat(),
            "paid": self.paid,
            "grace_days": self.grace_days,
        }


@dataclass(frozen=True)
class Settlement:
    """The mark of an arrangement that settles for less: the discount given, and the operator
    request that agreed it (a retried request finds its own settlement standing)."""

    discount: int
    request_id: str


@dataclass(frozen=True)
class Arrangement:
    instalments: tuple[Due, ...]
    created_on: date
    paid: int = 0
    grace_days: int = GRACE_DAYS
    # a settlement for less: the rest is this arrangement's one instalment; it is kept or broken
    # like any other arrangement
    settlement: Settlement | None = None

    def __post_init__(self) -> None:
        if not self.instalments or any(i.amount <= 0 for i in self.instalments):
            raise InvalidInput("an arrangement needs instalments of positive amounts")
        if min(i.due_on for i in self.instalments) < self.created_on:
            raise InvalidInput("an instalment cannot fall due before the arrangement is made")

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.instalments)

    def required_by(self, as_of: date) -> int:
        return sum(i.amount for i in self.instalments if i.due_on + timedelta(days=self.grace_days) < as_of)

    def outcome(self, as_of: date) -> Outcome:
        if self.paid >= self.total:
            return Outcome.KEPT
        return Outcome.BROKEN if self.paid < self.required_by(as_of) else Outcome.PENDING

    def next_check(self, as_of: date) -> date | None:
        later = [i.due_on + timedelta(days=self.grace_days + 1) for i in self.instalments]
        upcoming = [d for d in later if d > as_of]
        return min(upcoming) if upcoming else None

    def schedule(self) -> list[dict[str, object]]:
        """The instalments as a letter states them and the store keeps them."""
        return [{"due_on": i.due_on.isoformat(), "amount": i.amount} for i in self.instalments]

    def to_dict(self) -> dict[str, object]:
        """As stored, and as the timeline records it."""
        return {
            "instalments": self.schedule(),
            "created_on": self.created_on.isoformat(),
            "paid": self.paid,
            "grace_days": self.grace_days,
            **({"settlement": asdict(self.settlement)} if self.settlement else {}),
        }


Commitment = TypeVar("Commitment", Promise, Arrangement)


def credit_payment(commitment: Commitment | None, amount: int) -> Commitment | None:
    """Money in (or, negative, taken back) counts towards the promise or arrangement in force."""
    if commitment is None:
        return None
    return replace(commitment, paid=max(commitment.paid + amount, 0))
