"""What money in or out does to an account: dues settled oldest first, credit kept, standing re-read.

Pure: the repository reads the account, calls these, and writes the result with the ledger
entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from arrears.account import Account
from arrears.census import group_of
from arrears.commitments import Arrangement, Promise
from arrears.ledger import Due, settle_oldest_first
from arrears.money import bounded
from arrears.payments import PaymentEvent, SuspenseReason
from arrears.stages import CLOSED_STATUSES, Status, evaluate
from arrears.standing import review


@dataclass(frozen=True)
class Allocation:
    """Where a payment went: the dues it paid (date, amount) and what was left over as credit."""

    dues: tuple[Due, ...] = ()
    credit: int = 0

    @property
    def total(self) -> int:
        return sum(d.amount for d in self.dues) + self.credit

    def to_dict(self) -> dict:
        return {
            "dues": [{"due_on": d.due_on.isoformat(), "amount": d.amount} for d in self.dues],
            "credit": self.credit,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Allocation:
        dues = tuple(Due(date.fromisoformat(d["due_on"]), int(d["amount"])) for d in data.get("dues", []))
        return cls(dues, int(data.get("credit", 0)))


def allocate(dues: tuple[Due, ...], paid: int) -> tuple[tuple[Due, ...], Allocation]:
    """Settle the oldest dues first; an overpayment is kept as credit on the balance."""
    open_dues, left = settle_oldest_first(dues, paid)
    still = {d.due_on: d.amount for d in open_dues}
    taken = tuple(
        Due(d.due_on, d.amount - still.get(d.due_on, 0))
        for d in sorted(dues)
        if d.amount - still.get(d.due_on, 0) > 0
    )
    return open_dues, Allocation(taken, left)


def take_back(
    dues: tuple[Due, ...], allocation: Allocation, amount: int
) -> tuple[tuple[Due, ...], Allocation]:
    """Undo `amount` of a payment: its credit first, then the dues it paid, newest first.

    Newest first keeps the customer's oldest dues paid as long as the money allows, so a partial
    refund moves days past due as little as the ledger permits.
    """
    credit_back = min(allocation.credit, amount)
    remaining = amount - credit_back
    reopened: dict[date, int] = {}
    kept: list[Due] = []
    for due in sorted(allocation.dues, reverse=True):
        back = min(due.amount, remaining)
        remaining -= back
        if back:  # an allocation may hold several parts of one due (a won dispute adds one)
            reopened[due.due_on] = reopened.get(due.due_on, 0) + back
        if due.amount - back:
            kept.append(Due(due.due_on, due.amount - back))
    merged = {d.due_on: d.amount for d in dues}
    for day, back in reopened.items():
        merged[day] = merged.get(day, 0) + back
    restored = tuple(sorted(Due(day, value) for day, value in merged.items() if value > 0))
    return restored, Allocation(tuple(sorted(kept)), allocation.credit - credit_back)


def suspense_reason(account: Account | None, event: PaymentEvent) -> SuspenseReason | None:
    """Why money cannot go to the account it names, or None when it can."""
    if not event.account_ref:
        return SuspenseReason.NO_ACCOUNT_REFERENCE
    if account is None:
        return SuspenseReason.UNKNOWN_ACCOUNT
    if account.status in CLOSED_STATUSES:
        return SuspenseReason.ACCOUNT_CLOSED
    if event.amount is not None and event.amount.currency != account.currency:
        return SuspenseReason.CURRENCY_MISMATCH
    return None


@dataclass(frozen=True)
class Posted:
    account: Account
    allocation: Allocation  # a payment: where it went; a reversal: what is left of the payment's
    events: tuple[dict, ...]  # promise or arrangement outcomes the money decided, for the timeline


def _commitment_paid(commitment: dict | None, kind: type, amount: int) -> dict | None:
    if commitment is None:
        return None
    current = kind.from_dict(commitment)
    return replace(current, paid=max(current.paid + amount, 0)).to_dict()


def receive(account: Account, paid: int, as_of: date) -> Posted:
    bounded(paid, "the payment")
    dues, allocation = allocate(account.dues, paid)
    moved = replace(
        account,
        balance=bounded(account.balance - paid, "the balance after it"),
        dues=dues,
        promise=_commitment_paid(account.promise, Promise, paid),
        arrangement=_commitment_paid(account.arrangement, Arrangement, paid),
    )
    updated, events = restand(account, moved, as_of)
    return Posted(updated, allocation, events)


def reverse(account: Account, allocation: Allocation, amount: int, as_of: date) -> Posted:
    bounded(amount, "the reversal")
    dues, remaining = take_back(account.dues, allocation, amount)
    moved = replace(
        account,
        balance=bounded(account.balance + amount, "the balance after it"),
        dues=dues,
        promise=_commitment_paid(account.promise, Promise, -amount),
        arrangement=_commitment_paid(account.arrangement, Arrangement, -amount),
    )
    if moved.status is Status.PAID_IN_FULL and moved.balance > 0:
        moved = replace(moved, status=Status.ACTIVE)  # money taken back reopens what it had closed
    updated, events = restand(account, moved, as_of)
    return Posted(updated, remaining, events)


def restand(before: Account, after: Account, as_of: date) -> tuple[Account, tuple[dict, ...]]:
    """Where the account stands now that money moved, the same minute rather than at the next cycle.

    The cycle still looks at it on its next run (it stays due in the work index): to count the
    move in the census from where the census last had it (`counted_as`) and to send the
    payment-received letter its strategy asks for. Its ladder cannot fire: it is current.
    """
    as_of = max(as_of, before.last_evaluated_on or as_of)
    review_on = min(before.next_action_on or as_of, as_of)
    if before.bucket is None:  # never evaluated: the cycle's first look places it
        return replace(after, next_action_on=review_on), ()
    result = evaluate(after.balance, after.dues, after.status, as_of)
    standing = review(after, result.status, as_of, delinquent=result.dpd > 0)
    updated = replace(
        after,
        bucket=result.bucket,
        dpd=result.dpd,
        past_due=result.past_due,
        oldest_unpaid_on=result.oldest_unpaid_on,
        status=standing.status,
        promise=standing.promise,
        arrangement=standing.arrangement,
        notices=standing.notices,
        counted_as=before.counted_as or group_of(before.bucket, before.status),
        next_action_on=review_on,
    )
    return updated, standing.events
