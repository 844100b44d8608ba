"""The posting service: every movement of money reaches the books here, exactly once.

Each call reads what it needs through the store, asks `arrears.domain.posting` what the money
does (allocation, credit, standing, what a reversal may take back), and writes the result in one
transaction: the event's marker, the receipt, the ledger entry, the outcomes the money decided
and the account, on the version read. A lost race is redone on fresh copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from arrears.domain import posting
from arrears.domain.account import Account
from arrears.domain.errors import (
    AccountNotFound,
    AccountVersionConflict,
    AmountOutOfBounds,
    CurrencyMismatch,
    DuplicateEntry,
    EventConflict,
    InvalidInput,
)
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.domain.payments import (
    MONEY_IN,
    REINSTATEMENTS,
    REVERSALS,
    Action,
    PaymentEvent,
    Rejected,
    SuspenseReason,
)
from arrears.domain.posting import Claim, HeldReversal, Receipt, Refusal
from arrears.domain.stages import Status
from arrears.store import accounts_repo, payments_repo
from arrears.store.accounts_repo import LEDGER_CREDIT, Write, put_once, transact
from arrears.store.payments_repo import HELD, UNPUBLISHED, SuspenseItem

MAX_ATTEMPTS = 5


class Outcome(StrEnum):
    APPLIED = "applied"  # money moved on an account
    SUSPENSE = "suspense"  # money kept aside with a reason
    HELD = "held"  # a refund waiting for its payment
    RECORDED = "recorded"  # on the timeline, no money moved (a failed payment)
    DUPLICATE = "duplicate"  # seen before: nothing changed
    IGNORED = "ignored"  # an event type we do not act on


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    account_id: str | None = None
    reason: str | None = None  # suspense reason, or why a duplicate is one
    applied: dict | None = None  # the PaymentApplied detail, where the caller publishes it
    drained: tuple = ()  # (held refund, its Result): refunds that waited for this payment


def _duplicate(exc: DuplicateEntry, account_id: str | None = None) -> Result:
    return Result(Outcome.DUPLICATE, account_id, reason=exc.write)


# ------------------------------------------------------------------ a processor's notification


def settle(event: PaymentEvent, publish: Callable[[dict], None], received_at: datetime) -> dict:
    """One verified notification applied once, and what it applied announced."""
    try:
        result = apply(event)
    except AmountOutOfBounds as exc:  # the balance it would leave is beyond what the ledger holds
        reason = SuspenseReason.AMOUNT_OUT_OF_BOUNDS
        return keep_aside(
            Rejected(event.provider, event.event_id, event.event_type, reason, str(exc), received_at)
        )
    _announce(event, result, publish)
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "outcome": result.outcome.value,
        "account_id": result.account_id,
        "reason": result.reason,
    }


def keep_aside(found: Rejected) -> dict:
    """An authentic event we cannot apply: in suspense with its reason, acknowledged, no money moved."""
    try:
        transact([payments_repo.rejected(found)])
        outcome = Outcome.SUSPENSE
    except DuplicateEntry:
        outcome = Outcome.DUPLICATE
    return {
        "event_id": found.key,
        "event_type": found.event_type,
        "outcome": outcome.value,
        "account_id": None,
        "reason": found.reason.value,
    }


def apply(event: PaymentEvent) -> Result:
    if event.action is not Action.IGNORED:
        known = payments_repo.fingerprint(event)
        if known is not None and known != event.fingerprint():
            raise EventConflict(f"event {event.event_id} was received before with other content")
    if event.action in MONEY_IN:
        return post_payment(event)
    if event.action in REVERSALS:
        return post_reversal(event)
    if event.action is Action.PAYMENT_FAILED:
        return record_failed(event)
    return Result(Outcome.IGNORED, reason=f"{event.event_type} is not acted on")


def _announce(event: PaymentEvent, result: Result, publish: Callable[[dict], None]) -> None:
    """PaymentApplied for what this call applied, and for what an earlier call applied but never announced."""
    for each, outcome in ((event, result), *result.drained):
        detail = outcome.applied
        if detail is None and outcome.outcome is Outcome.DUPLICATE:
            detail = payments_repo.unpublished(each)
        if detail is not None:
            publish(detail)
            payments_repo.mark_published(each)


# ------------------------------------------------------------------ money in


def post_payment(event: PaymentEvent) -> Result:
    """A payment received: to its account, or to suspense with the reason. Exactly once."""
    if event.action not in MONEY_IN:
        raise InvalidInput(f"{event.action} is not money in")
    if event.action in REINSTATEMENTS:
        return replace(_reinstate(event, held=False), drained=_drain(event))
    for _ in range(MAX_ATTEMPTS):
        account = _find_account(event.account_ref)
        reason = posting.suspense_reason(account, event)
        try:
            if reason is not None or account is None:
                result = _to_suspense(event, reason or SuspenseReason.UNKNOWN_ACCOUNT)
            else:
                result = _credit(event, account)
        except DuplicateEntry as exc:
            refusal = posting.payment_conflict(event, _receipt(event)) if exc.write == "payment" else None
            if refusal is not None:  # not a retry: the same payment id says something else now
                try:
                    return _refuse(event, refusal, None, held=False)
                except DuplicateEntry as again:
                    return _duplicate(again)
            result = _duplicate(exc, account.account_id if account else None)
        except AccountVersionConflict:
            continue
        # also on a duplicate: a crash may have come between the payment and its held refunds
        return replace(result, drained=_drain(event))
    raise AccountVersionConflict(event.account_ref or "")


def _find_account(account_ref: str | None) -> Account | None:
    if not account_ref:
        return None
    try:
        return accounts_repo.get_account(account_ref)
    except AccountNotFound:
        return None


def _receipt(event: PaymentEvent) -> Receipt | None:
    return payments_repo.receipt(event.holder, event.payment_id)


def _credit(event: PaymentEvent, account: Account) -> Result:
    amount = event.money
    on = event.local_date(account.time_zone)
    posted = posting.receive(account, amount.minor, on, payment=payments_repo.payment_key(event))
    applied = posting.applied_detail(event, EntryKind.PAYMENT, amount, posted)
    entry_id = f"{event.holder}:{event.payment_id}"
    _post(
        [
            payments_repo.marker(event, UNPUBLISHED, account.account_id, applied),
            payments_repo.new_receipt(event, on, account.account_id, posted.allocation),
        ],
        event,
        posted,
        on,
        entry_id,
        EntryKind.PAYMENT,
        amount,
    )
    return Result(Outcome.APPLIED, account.account_id, applied=applied)


def _post(
    writes: list[Write],
    event: PaymentEvent,
    posted: posting.Posted,
    on: date,
    entry_id: str,
    kind: EntryKind,
    amount: Money,
) -> None:
    """The writes of one movement, with its ledger entry, the outcomes it decided and the account.

    The entry keeps its value date (`on`, the event's own day) and the day it is posted, on which
    the day's figures count it."""
    account = posted.account
    posted_on = posting.posting_day(account, on)
    forgiveness = []
    if posted.written_off:  # a settlement completed (written off), or undone (owed again)
        key, signed = posting.forgiveness_entry(entry_id, posted.written_off)
        forgiveness.append(
            payments_repo.ledger_entry(
                account.account_id, on, posted_on, key, EntryKind.ADJUSTMENT, Money(signed, amount.currency),
                event, account.home_shard, name="forgiveness",
            )
        )  # fmt: skip
    transact(
        [
            *writes,
            payments_repo.ledger_entry(
                account.account_id, on, posted_on, entry_id, kind, amount, event, account.home_shard
            ),
            *forgiveness,
            *payments_repo.outcomes(account.account_id, posted_on, posted.events, account.home_shard),
            *accounts_repo.credit_shifts(posted.shifts),
        ],
        account,
    )


def _to_suspense(event: PaymentEvent, reason: SuspenseReason) -> Result:
    transact(
        [
            payments_repo.marker(event, posting.IN_SUSPENSE),
            payments_repo.new_receipt(event, event.occurred_at.date(), None, None),
            payments_repo.to_suspense(event, reason),
        ]
    )
    return Result(Outcome.SUSPENSE, event.account_ref, reason.value)


def _read_after_account(receipt: Receipt) -> bool:
    """Whether the receipt is unchanged now that its account has been read.

    A receipt's allocation changes only in a transaction with its account (a reversal, a
    statement paid from its credit), so a copy read after the account is as fresh as the account,
    and the account's version check covers both. A copy read before it may be older.
    """
    return payments_repo.receipt(receipt.provider, receipt.payment_id) == receipt


def _reinstate(event: PaymentEvent, held: bool) -> Result:
    """A dispute won, or a refund that failed: the money its reversal took comes back to the account.

    Arriving before the reversal it undoes (or before the payment), it is held and applied in
    order once that reversal is applied.
    """
    amount = event.money
    for _ in range(MAX_ATTEMPTS):
        receipt, dispute = _receipt(event), payments_repo.held_dispute(event)
        if dispute is not None and dispute.status == posting.REINSTATED:
            return Result(Outcome.DUPLICATE, reason=f"reversal {event.reversal_id} already reinstated")
        if receipt is None or dispute is None or dispute.status != posting.APPLIED:
            if held:  # still waiting: it stays held
                return Result(Outcome.HELD, reason="its reversal is not applied yet")
            return _hold_reinstatement(event)
        back = posting.reinstated(event, dispute)
        settled = [payments_repo.dispute_reinstated(event)]
        if held:
            settled.append(payments_repo.reinstatement_done(event))
        if receipt.account_id is None:
            try:
                return _reinstate_suspense(event, receipt, back, settled, held)
            except AccountVersionConflict:
                continue  # assigned to an account meanwhile: the money goes back there
        account = accounts_repo.get_account(receipt.account_id)
        if not _read_after_account(receipt):
            continue  # it changed after it was read: start again from fresh copies
        on = event.local_date(account.time_zone)
        posted = posting.receive(account, back, on, payment=payments_repo.payment_key(event))
        money = Money(back, amount.currency)
        applied = posting.applied_detail(event, EntryKind.PAYMENT, money, posted)
        allocation = (receipt.allocation or posting.Allocation()).plus(posted.allocation)
        try:
            _post(
                [
                    _applied_marker(event, applied, receipt.account_id, held),
                    *settled,
                    payments_repo.receipt_changed(
                        receipt, replace(receipt, reversed=receipt.reversed - back, allocation=allocation)
                    ),
                ],
                event,
                posted,
                on,
                f"{event.holder}:{event.reversal_id}:won",
                EntryKind.PAYMENT,
                money,
            )
            return Result(Outcome.APPLIED, receipt.account_id, applied=applied)
        except DuplicateEntry as exc:
            if exc.write in ("event", "ledger"):
                return _duplicate(exc, receipt.account_id)
        except AccountVersionConflict:
            pass
    raise AccountVersionConflict(event.payment_id or "")


def _applied_marker(event: PaymentEvent, applied: dict, account_id: str, held: bool) -> Write:
    if held:  # a held event: its marker now says what was applied, to be published
        return payments_repo.marker_settled(event, UNPUBLISHED, applied, account_id)
    return payments_repo.marker(event, UNPUBLISHED, account_id, applied)


def _settled_marker(event: PaymentEvent, status: str, held: bool) -> Write:
    return payments_repo.marker_settled(event, status) if held else payments_repo.marker(event, status)


def _hold_reinstatement(event: PaymentEvent) -> Result:
    try:
        transact([payments_repo.marker(event, HELD), payments_repo.held_reinstatement(event)])
    except DuplicateEntry as exc:
        return _duplicate(exc)
    return Result(Outcome.HELD, reason="the reversal it undoes has not arrived yet")


def _reinstate_suspense(
    event: PaymentEvent, receipt: Receipt, back: int, settled: list[Write], held: bool
) -> Result:
    try:
        transact(
            [
                _settled_marker(event, posting.IN_SUSPENSE, held),
                *settled,
                payments_repo.receipt_changed(receipt, replace(receipt, reversed=receipt.reversed - back)),
                payments_repo.suspense_reversed(event.holder, event.payment_id, -back),
            ]
        )
    except DuplicateEntry as exc:
        return _duplicate(exc)
    return Result(Outcome.SUSPENSE, reason="dispute won on a payment held in suspense")


# ------------------------------------------------------------------ money out


def post_reversal(event: PaymentEvent) -> Result:
    """A refund or chargeback: takes back (part of) its payment, or waits for it if it came first."""
    if event.action not in REVERSALS:
        raise InvalidInput(f"{event.action} is not a reversal")
    for _ in range(MAX_ATTEMPTS):
        receipt = _receipt(event)
        try:
            if receipt is None:
                return _hold(event)
            result = _take_back(event, receipt, held=False)
        except DuplicateEntry as exc:
            result = _duplicate(exc)
        except AccountVersionConflict:
            continue
        # a won dispute that came before its chargeback applies now, after it
        return replace(result, drained=_drain(event))
    raise AccountVersionConflict(event.payment_id or "")


def _hold(event: PaymentEvent) -> Result:
    """Its payment has not arrived: keep the reversal, apply it when the payment comes."""
    amount = event.money
    existing = payments_repo.held_reversal(event)
    was = None
    if existing is not None and event.cumulative and existing.status == posting.PENDING:
        if existing.amount >= amount.minor:
            raise DuplicateEntry("refund total already held", write="reversal")
        was = existing  # the running total rises over the one read, and nothing newer
    transact(
        [payments_repo.marker(event, HELD), payments_repo.reversal(event, posting.PENDING, amount.minor, was)]
    )
    return Result(Outcome.HELD, reason="payment not received yet")


def _take_back(event: PaymentEvent, receipt: Receipt, held: bool) -> Result:
    stored = payments_repo.held_reversal(event)
    decided = posting.claim(event, receipt, stored)
    if isinstance(decided, Refusal):
        return _refuse(event, decided, stored, held)
    was = None
    if stored is not None:  # over the stored one, on what it held when read
        was = HeldReversal(stored.status, stored.amount if stored.status == posting.APPLIED else 0)
    reversal = payments_repo.reversal(event, posting.APPLIED, decided.total, was)
    money = Money(decided.amount, receipt.amount.currency)
    if receipt.account_id is None:  # its payment sits in suspense: the suspense amount shrinks
        transact(
            [
                _settled_marker(event, posting.IN_SUSPENSE, held),  # a held one's marker too
                reversal,
                payments_repo.receipt_changed(
                    receipt, replace(receipt, reversed=receipt.reversed + decided.amount)
                ),
                payments_repo.suspense_reversed(event.holder, event.payment_id, decided.amount),
            ]
        )
        return Result(Outcome.SUSPENSE, reason="reversal of a payment held in suspense")
    return _take_back_from(event, receipt, decided, reversal, money, held)


def _take_back_from(
    event: PaymentEvent, receipt: Receipt, decided: Claim, reversal: Write, money: Money, held: bool
) -> Result:
    account_id = receipt.account_id
    assert account_id is not None and receipt.allocation is not None  # nosec B101 # an applied receipt has both
    event = replace(event, channel=event.channel or receipt.channel)  # money goes back the way it came
    account = accounts_repo.get_account(account_id)
    if not _read_after_account(receipt):
        raise AccountVersionConflict(account_id)  # post_reversal starts again from fresh copies
    on = event.local_date(account.time_zone)
    key = payments_repo.payment_key(event)
    forgiven = _forgiven(account) if account.status is Status.SETTLED else 0
    posted = posting.reverse(account, receipt.allocation, decided.amount, on, payment=key, forgiven=forgiven)
    applied = posting.applied_detail(event, EntryKind.REVERSAL, money, posted)
    entry_id = f"{event.holder}:{event.reversal_id}" + (f"@{decided.total}" if event.cumulative else "")
    now = replace(receipt, reversed=receipt.reversed + decided.amount, allocation=posted.allocation)
    _post(
        [
            _applied_marker(event, applied, account_id, held),
            reversal,
            payments_repo.receipt_changed(receipt, now),
        ],
        event,
        posted,
        on,
        entry_id,
        EntryKind.REVERSAL,
        money,
    )
    return Result(Outcome.APPLIED, account_id, applied=applied)


def _forgiven(account: Account) -> int:
    """What the settlement that closed the account wrote off, read from its ledger."""
    entries = accounts_repo.ledger_entries(account.account_id, consistent=True)  # written with the account
    return posting.forgiven((e.entry_id, e.amount.minor) for e in entries)


def _refuse(event: PaymentEvent, refusal: Refusal, stored: HeldReversal | None, held: bool) -> Result:
    """An event that can never apply (a reversal in another currency, a payment id reused with
    other content): kept in suspense with its reason and its money, nothing blocked or lost."""
    found = Rejected(
        event.provider,
        event.event_id,
        event.event_type,
        refusal.reason,
        refusal.problem,
        event.occurred_at,
        event,
    )
    writes = [_settled_marker(event, posting.IN_SUSPENSE, held), payments_repo.rejected(found)]
    if stored is not None and stored.status == posting.PENDING:
        writes.append(payments_repo.reversal_rejected(event))
    elif stored is None and event.reversal_id is not None and not event.cumulative:
        # its id is kept, so a redelivery of this reversal is known, not kept aside twice
        writes.append(payments_repo.reversal(event, posting.REJECTED, event.money.minor))
    transact(writes)
    return Result(Outcome.SUSPENSE, reason=refusal.reason.value)


def _drain(event: PaymentEvent) -> tuple[tuple[PaymentEvent, Result], ...]:
    """Apply what arrived before its turn, now that the payment is here: the refunds and chargebacks
    that waited for it, then the won disputes and failed refunds that waited for those."""
    waiting = payments_repo.waiting(event.holder, event.payment_id)
    results = []
    for held in waiting.reversals:
        results.append((held, _retried(lambda h=held: _take_back_held(h))))
    for held in waiting.reinstatements:  # applying a reversal never touches these
        outcome = _retried(lambda h=held: _reinstate(h, held=True))
        if outcome.outcome is not Outcome.HELD:
            results.append((held, outcome))
    return tuple(results)


def _take_back_held(held: PaymentEvent) -> Result:
    receipt = _receipt(held)
    if receipt is None:  # a receipt is never deleted: it was read a moment ago
        raise AccountVersionConflict(held.payment_id or "")
    return _take_back(held, receipt, held=True)


def _retried(apply: Callable[[], Result]) -> Result:
    for _ in range(MAX_ATTEMPTS):
        try:
            return apply()
        except DuplicateEntry as exc:
            return _duplicate(exc)
        except AccountVersionConflict:
            continue
    raise AccountVersionConflict("held event")


# ------------------------------------------------------------------ no money


def record_failed(event: PaymentEvent) -> Result:
    """A failed attempt: on the account's timeline for the collector, once; nothing else changes."""
    account = _find_account(event.account_ref)
    if account is None:
        return Result(Outcome.IGNORED, reason="failed payment for an account we do not hold")
    written = payments_repo.failed_attempt(account.account_id, event.local_date(account.time_zone), event)
    return Result(Outcome.RECORDED if written else Outcome.DUPLICATE, account.account_id)


# ------------------------------------------------------------------ an operator's assignment


def assign_suspense(provider: str, payment_id: str, account_id: str, actor: str, on: date) -> Result:
    """An operator posts money held in suspense to the account it belongs to."""
    for _ in range(MAX_ATTEMPTS):
        entry = payments_repo.in_suspense(provider, payment_id)
        if entry is None:
            raise InvalidInput(f"nothing in suspense for {provider} payment {payment_id}")
        account = accounts_repo.get_account(account_id)
        posting.assignable(entry.open_amount, entry.status, account, f"{provider} payment {payment_id}")
        receipt = payments_repo.receipt(provider, payment_id)
        if receipt is None:  # written with the suspense item, in one transaction
            raise AccountVersionConflict(f"{provider}#{payment_id}")
        try:
            return _assign(entry, receipt, account, actor, on)
        except DuplicateEntry as exc:
            now = payments_repo.in_suspense(provider, payment_id)
            if now is not None and now.status == posting.OPEN:
                continue  # refunded in part meanwhile: assign what is open now
            raise InvalidInput(f"{provider} payment {payment_id} was assigned meanwhile") from exc
        except AccountVersionConflict:
            continue
    raise AccountVersionConflict(account_id)


def _assign(entry: SuspenseItem, receipt: Receipt, account: Account, actor: str, on: date) -> Result:
    money, event = entry.open_amount, entry.event
    posted = posting.receive(account, money.minor, on, payment=payments_repo.payment_key(event))
    now = replace(
        receipt, status=posting.APPLIED, account_id=account.account_id, allocation=posted.allocation
    )
    _post(
        [
            payments_repo.assigned(entry, account.account_id, actor),
            payments_repo.receipt_changed(receipt, now),
        ],
        event,
        posted,
        on,
        f"{entry.provider}:{entry.payment_id}",
        EntryKind.PAYMENT,
        money,
    )
    applied = posting.applied_detail(event, EntryKind.PAYMENT, money, posted)
    return Result(Outcome.APPLIED, account.account_id, applied=applied)


# ------------------------------------------------------------------ the system of record's postings


def post_ledger_entry(account_id: str, entry: LedgerEntry, actor: str) -> Account:
    """The system of record's postings (a payment, fee, interest or adjustment) by the posting
    rule; the next cycle re-evaluates the account. Processor money comes by the webhook, which
    keeps each payment's receipt."""

    def change(account: Account) -> tuple[Account, list[Write]]:
        if entry.amount.currency != account.currency:
            raise CurrencyMismatch(
                f"account {account_id} is in {account.currency}, not {entry.amount.currency}"
            )
        posted_on = posting.posting_day(account, entry.occurred_on)
        writes = [
            put_once(
                "record", accounts_repo.ledger_item(account_id, entry, actor, account.home_shard, posted_on)
            )
        ]
        if entry.kind is EntryKind.PAYMENT:
            moved, _ = posting.take_in(account, -entry.amount.minor, f"{LEDGER_CREDIT}{entry.entry_id}")
            moved, written_off = posting.forgive_when_settled(moved)
            if written_off:
                writes.append(_forgiveness_record(account, entry, written_off, actor, posted_on))
        elif entry.kind in (EntryKind.FEE, EntryKind.INTEREST):
            moved = posting.charge(account, entry.amount.minor)
        elif entry.kind is EntryKind.ADJUSTMENT:
            moved = posting.adjust(account, entry.amount.minor)
        else:
            raise InvalidInput(f"a {entry.kind} is posted by the payments path, which holds its payment")
        updated = replace(moved, next_action_on=_for_review(account, entry.occurred_on))
        return updated, writes

    return accounts_repo.apply_with_writes(account_id, change)


def _forgiveness_record(
    account: Account, entry: LedgerEntry, written_off: int, actor: str, posted_on: date
) -> Write:
    key, signed = posting.forgiveness_entry(entry.entry_id, written_off)
    forgiven = Money(signed, entry.amount.currency)
    forgiveness = LedgerEntry(key, EntryKind.ADJUSTMENT, forgiven, entry.occurred_on)
    item = accounts_repo.ledger_item(account.account_id, forgiveness, actor, account.home_shard, posted_on)
    return put_once("forgiveness", item)


def add_due(account_id: str, due: Due, actor: str) -> Account:
    """A statement from the system of record: a new instalment or minimum payment falls due,
    paid at once from any credit payments left on the account (their receipts say so)."""

    def change(account: Account) -> tuple[Account, list[Write]]:
        billed, shifts = posting.bill(account, due)
        updated = replace(billed, next_action_on=_for_review(account, due.due_on + timedelta(days=1)))
        statement = accounts_repo.statement_item(account_id, due, account.currency, actor)
        return updated, [put_once("record", statement), *accounts_repo.credit_shifts(shifts)]

    return accounts_repo.apply_with_writes(account_id, change)


def _for_review(account: Account, day: date) -> date:
    return min(account.next_action_on, day) if account.next_action_on else day
