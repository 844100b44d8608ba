"""What money in or out does to an account: dues settled oldest first, credit kept, standing re-read.

Pure: the repository reads the account, calls these, and writes the result with the ledger
entry in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from arrears.domain.account import Account
from arrears.domain.census import group_of
from arrears.domain.commitments import credit_payment
from arrears.domain.errors import AccountVersionConflict, DuplicateEntry, InvalidInput
from arrears.domain.ledger import Due, EntryKind, combine, settle_oldest_first
from arrears.domain.money import Money, bounded
from arrears.domain.payments import PaymentEvent, SuspenseReason
from arrears.domain.stages import CLOSED_STATUSES, Status
from arrears.domain.standing import reread


@dataclass(frozen=True)
class Allocation:
    """Where a payment went: the dues it paid (date, amount) and what was left over as credit."""

    dues: tuple[Due, ...] = ()
    credit: int = 0

    @property
    def total(self) -> int:
        return sum(d.amount for d in self.dues) + self.credit

    def paying(self, dues: tuple[Due, ...]) -> Allocation:
        """This payment's credit moved to pay `dues` (another payment's reversal reopened them, or
        a statement billed them)."""
        return Allocation(tuple(sorted(self.dues + dues)), self.credit - sum(d.amount for d in dues))

    def to_dict(self) -> dict[str, object]:
        return {
            "dues": [{"due_on": d.due_on.isoformat(), "amount": d.amount} for d in self.dues],
            "credit": self.credit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:  # stored JSON: no narrower type to give
        dues = tuple(Due(date.fromisoformat(d["due_on"]), int(d["amount"])) for d in data.get("dues", []))
        return cls(dues, int(data.get("credit", 0)))

    def plus(self, more: Allocation) -> Allocation:
        """This allocation with `more` of the same payment's money (a won dispute gives back)."""
        return Allocation(self.dues + more.dues, self.credit + more.credit)


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
    reopened: list[Due] = []  # an allocation may hold several parts of one due (a won dispute adds one)
    kept: list[Due] = []
    for due in sorted(allocation.dues, reverse=True):
        back = min(due.amount, remaining)
        remaining -= back
        if back:
            reopened.append(Due(due.due_on, back))
        if due.amount - back:
            kept.append(Due(due.due_on, due.amount - back))
    return combine(dues, reopened), Allocation(tuple(sorted(kept)), allocation.credit - credit_back)


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
class Shift:
    """Credit another payment left on the account, now paying a due that a reversal reopened:
    that payment's allocation moves `due.amount` from its credit to this due."""

    payment: str  # the credit's key in Account.credits
    due: Due


@dataclass(frozen=True)
class Posted:
    account: Account
    allocation: Allocation  # a payment: where it went; a reversal: what is left of the payment's
    events: tuple[dict[str, object], ...]  # the promise or arrangement outcomes it decided, for the timeline
    shifts: tuple[Shift, ...] = ()  # other payments' credit that now pays reopened dues
    # a settlement's forgiveness: written off now (positive), or given back as owed (negative)
    written_off: int = 0


def _credits(credits: dict[str, int], payment: str | None, change: int) -> dict[str, int]:
    """The account's credits with one payment's moved by `change`; a credit spent is dropped."""
    if payment is None or change == 0:
        return dict(credits)
    now = credits.get(payment, 0) + change
    if now < 0:  # the allocation it was computed from is not the account's: never paper over it
        raise AccountVersionConflict(f"credit of {payment} would be {now}")
    return {key: value for key, value in {**credits, payment: now}.items() if value > 0}


def cover(
    reopened: tuple[Due, ...], credits: dict[str, int], exclude: str | None
) -> tuple[tuple[Due, ...], dict[str, int], tuple[Shift, ...]]:
    """Pay reopened dues, oldest first, from credit other payments left on the account.

    Returns what stays reopened, the credits left, and which payment's credit paid which due.
    """
    left = dict(credits)
    donors = [key for key in sorted(left) if key != exclude]
    still: list[Due] = []
    shifts: list[Shift] = []
    for due in sorted(reopened):
        owed = due.amount
        for key in donors:
            if owed == 0:
                break
            take = min(left.get(key, 0), owed)
            if take:
                left[key] -= take
                owed -= take
                shifts.append(Shift(key, Due(due.due_on, take)))
        if owed:
            still.append(Due(due.due_on, owed))
    return tuple(still), {k: v for k, v in left.items() if v > 0}, tuple(shifts)


def take_in(account: Account, paid: int, payment: str | None = None) -> tuple[Account, Allocation]:
    """Money in, on the books: dues settled oldest first, commitments credited, what is left kept
    as the account's credit under `payment`. Where the account stands is not re-read here."""
    bounded(paid, "the payment")
    dues, allocation = allocate(account.dues, paid)
    moved = replace(
        account,
        balance=bounded(account.balance - paid, "the balance after it"),
        dues=dues,
        credits=_credits(account.credits, payment, allocation.credit),
        promise=credit_payment(account.promise, paid),
        arrangement=credit_payment(account.arrangement, paid),
    )
    return moved, allocation


def receive(account: Account, paid: int, as_of: date, payment: str | None = None) -> Posted:
    """Money in from a processor: on the books, and where the account stands re-read at once."""
    moved, allocation = take_in(account, paid, payment)
    moved, written_off = forgive_when_settled(moved)
    updated, events = restand(account, moved, as_of)
    return Posted(updated, allocation, events, written_off=written_off)


def posting_day(account: Account, value_date: date) -> date:
    """The business day money counts on: its own date, unless the cycle has already counted the
    account on or after it; then the next cycle day, so a closed day's figures are never restated."""
    counted = account.last_evaluated_on
    if counted is not None and value_date <= counted:
        return counted + timedelta(days=1)
    return value_date


def forgive_when_settled(account: Account) -> tuple[Account, int]:
    """A settlement whose agreed money has all arrived settles the debt in full: what is left of
    the balance is written off now, and never before (an agreement alone forgives nothing)."""
    terms = account.arrangement
    if terms is None or terms.settlement is None or terms.paid < terms.total or account.balance <= 0:
        return account, 0
    written_off = account.balance
    settled = replace(
        adjust(account, -written_off),
        status=Status.SETTLED,
        # the census counts the move at the next cycle, from where it last counted the account
        counted_as=account.counted_as or group_of(account.bucket, account.status),
    )
    return settled, written_off


def forgiveness_entry(entry_id: str, written_off: int) -> tuple[str, int]:
    """The ledger key and signed amount of a settlement's write-off (or of its undoing), beside
    the entry `entry_id` of the money that decided it."""
    kind = "settlement-writeoff" if written_off > 0 else "settlement-reinstated"
    return f"{kind}:{entry_id}", -written_off


def forgiven(entries: Iterable[tuple[str, int]]) -> int:
    """What settlements have written off and not given back, from the ledger's (key, amount) pairs."""
    return -sum(
        amount
        for key, amount in entries
        if key.startswith(("settlement-writeoff:", "settlement-reinstated:"))
    )


def reverse(
    account: Account,
    allocation: Allocation,
    amount: int,
    as_of: date,
    payment: str | None = None,
    forgiven: int = 0,
) -> Posted:
    """Money out of `payment`: its own credit first, then the dues it paid, newest first; a due
    so reopened is paid from credit other payments left on the account before it is owed again.

    On an account a settlement closed, `forgiven` (what the settlement wrote off) is owed again:
    the money that settled it did not stay."""
    bounded(amount, "the reversal")
    taken, remaining = take_back(account.dues, allocation, amount)
    credits = _credits(account.credits, payment, remaining.credit - allocation.credit)
    reopened = combine(taken, account.dues, sign=-1)
    still, credits, shifts = cover(reopened, credits, exclude=payment)
    moved = replace(
        account,
        balance=bounded(account.balance + amount, "the balance after it"),
        dues=combine(account.dues, still),
        credits=credits,
        promise=credit_payment(account.promise, -amount),
        arrangement=credit_payment(account.arrangement, -amount),
    )
    reinstated = 0
    if moved.status is Status.SETTLED and forgiven > 0:
        moved, reinstated = adjust(moved, forgiven), forgiven
    if moved.status in (Status.PAID_IN_FULL, Status.SETTLED) and moved.balance > 0:
        moved = replace(moved, status=Status.ACTIVE)  # money taken back reopens what it had closed
    updated, events = restand(account, moved, as_of)
    return Posted(updated, remaining, events, shifts, written_off=-reinstated)


def bill(account: Account, due: Due) -> tuple[Account, tuple[Shift, ...]]:
    """A statement's new due: paid at once from credit payments left on the account, as far as it
    goes; what is left is owed. Standing is the next cycle's to read."""
    if due.amount <= 0:
        raise InvalidInput(f"a statement bills a positive amount, not {due.amount}")
    still, credits, shifts = cover((due,), account.credits, exclude=None)
    return replace(account, dues=combine(account.dues, still), credits=credits), shifts


def charge(account: Account, amount: int) -> Account:
    """A fee or interest on the balance; it is owed when a statement bills it, not before."""
    bounded(amount, "the charge")
    return replace(account, balance=bounded(account.balance + amount, "the balance after it"))


def adjust(account: Account, amount: int) -> Account:
    """An adjustment of the balance (a settlement's discount, a correction); the dues stay as billed."""
    return replace(account, balance=bounded(account.balance + amount, "the balance after it"))


def restand(before: Account, after: Account, as_of: date) -> tuple[Account, tuple[dict[str, object], ...]]:
    """Where the account stands now that money moved, the same minute rather than at the next cycle.

    The cycle still looks at it on its next run (it stays due in the work index): to count the
    move in the census from where the census last had it (`counted_as`) and to send the
    payment-received letter its strategy asks for. Its ladder cannot fire: it is current.
    """
    as_of = max(as_of, before.last_evaluated_on or as_of)
    review_on = min(before.next_action_on or as_of, as_of)
    if before.bucket is None:  # never evaluated: the cycle's first look places it
        return replace(after, next_action_on=review_on), ()
    stands, _, standing = reread(after, as_of)
    updated = replace(
        stands,
        counted_as=before.counted_as or group_of(before.bucket, before.status),
        next_action_on=review_on,
    )
    return updated, standing.events


# ------------------------------------------------------------------ a processor's payments

# Where a held payment, reversal or reinstatement stands.
PENDING, APPLIED, REJECTED, REINSTATED, IN_SUSPENSE = (
    "pending",
    "applied",
    "rejected",
    "reinstated",
    "suspense",
)
OPEN = "open"  # money held in suspense, not yet assigned to an account


@dataclass(frozen=True)
class Receipt:
    """A payment as we hold it: where its money went (an account, or suspense) and how much of it
    was taken back. `allocation` is None while it sits in suspense."""

    provider: str
    payment_id: str
    amount: Money
    reversed: int
    status: str  # APPLIED or IN_SUSPENSE
    account_id: str | None
    received_on: str
    allocation: Allocation | None = None
    event_id: str | None = None
    channel: str | None = None  # how the money came, where the system of record said (a branch)

    @property
    def open(self) -> int:
        return self.amount.minor - self.reversed


@dataclass(frozen=True)
class HeldReversal:
    """A refund or chargeback as recorded: PENDING (its payment had not come), APPLIED, REJECTED
    or REINSTATED (a won dispute gave its money back)."""

    status: str
    amount: int


@dataclass(frozen=True)
class Claim:
    """What a reversal takes back now, and the total it stands at once applied (a cumulative
    refund reports a running total: the difference is what is new)."""

    amount: int
    total: int


@dataclass(frozen=True)
class Refusal:
    """A notification that can never apply: kept in suspense with its reason, its money untouched."""

    reason: SuspenseReason
    problem: str


def payment_conflict(event: PaymentEvent, receipt: Receipt | None) -> Refusal | None:
    """A payment id received before, now saying something else (not a retry): refused."""
    if receipt is None:
        return None
    reason = SuspenseReason.PAYMENT_CONFLICT
    if receipt.amount != event.amount:
        held = f"was received as {receipt.amount}, now as {event.amount}"
        return Refusal(reason, f"{event.holder} payment {event.payment_id} {held}")
    if receipt.account_id is not None and event.account_ref not in (None, receipt.account_id):
        return Refusal(reason, f"{event.holder} payment {event.payment_id} was posted to another account")
    return None


def claim(event: PaymentEvent, receipt: Receipt, stored: HeldReversal | None) -> Claim | Refusal:
    """How much of its payment a refund or chargeback takes back. Never more than is still open:
    two reversals of one payment cannot take its money twice. A replay raises DuplicateEntry."""
    amount = event.money
    already = stored.amount if stored is not None and stored.status == APPLIED else 0
    if stored is not None and stored.status in (REJECTED, APPLIED) and not event.cumulative:
        state = "kept aside" if stored.status == REJECTED else "applied"
        raise DuplicateEntry(f"reversal {event.reversal_id} already {state}", write="reversal")
    wanted = amount.minor - already if event.cumulative else amount.minor
    if wanted <= 0:
        raise DuplicateEntry("refund total already applied", write="reversal")
    if amount.currency != receipt.amount.currency:
        problem = f"a {amount.currency} reversal of a {receipt.amount.currency} payment"
        return Refusal(SuspenseReason.REVERSAL_CURRENCY_MISMATCH, problem)
    if amount.minor > receipt.amount.minor:
        problem = f"takes back {amount} of a payment of {receipt.amount}"
        return Refusal(SuspenseReason.REVERSAL_EXCEEDS_PAYMENT, problem)
    taken = min(wanted, receipt.open)
    if taken <= 0:
        raise DuplicateEntry("the payment is already fully reversed", write="receipt")
    return Claim(taken, already + taken if event.cumulative else taken)


def reinstated(event: PaymentEvent, dispute: HeldReversal) -> int:
    """What a won dispute (or a failed refund) gives back: never more than its reversal took."""
    return min(event.money.minor, dispute.amount)


def assignable(open_amount: Money, held_status: str, account: Account, what: str) -> None:
    """Money in suspense an operator may post to `account`: still open, in the account's currency."""
    if held_status != OPEN:
        raise InvalidInput(f"{what} was already assigned")
    if account.currency != open_amount.currency:
        raise InvalidInput(
            f"account {account.account_id} is in {account.currency}, the payment in {open_amount.currency}"
        )
    if open_amount.minor <= 0:
        raise InvalidInput(f"{what} has been reversed in full")


def applied_detail(event: PaymentEvent, kind: EntryKind, amount: Money, posted: Posted) -> dict[str, object]:
    """The PaymentApplied event's detail: what downstream hand-offs (CFDI complements, GL) need."""
    account = posted.account
    return {
        **event.summary(),
        "account_id": account.account_id,
        "entry_kind": kind.value,
        "applied_amount": amount.minor,
        "currency": amount.currency,
        "balance_after": account.balance,
        "past_due_after": account.past_due,
        "bucket_after": account.bucket.value if account.bucket else None,
        "status_after": account.status.value,
    }
