"""Posting processors' payments to the ledger, exactly once, and keeping what cannot be posted.

Permanent dedupe keys live in the Activity table beside the timelines:

- `webhook#<provider>#<event id>` / `event`: the notification, and how far its effects went
  (held, suspense, unpublished, published);
- `payment#<provider>#<payment id>` / `receipt`: the payment, where its money went (account or
  suspense, allocation over the dues) and how much of it was taken back;
- the same pk / `reversal#<refund or dispute id>`: a refund or chargeback, `pending` while its
  payment has not arrived, `applied` once it has;
- `suspense` / `<provider>#<payment id>`: money we could not post, with the reason.

Every write that moves money is one transaction with the ledger entry and the account update.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pynamodb.exceptions import DoesNotExist

from arrears.domain.errors import (
    AccountNotFound,
    AccountVersionConflict,
    DuplicateEntry,
    EventConflict,
    InvalidInput,
)
from arrears.domain.ledger import EntryKind
from arrears.domain.money import Money
from arrears.domain.payments import (
    MONEY_IN,
    REINSTATEMENTS,
    REVERSALS,
    PaymentEvent,
    Rejected,
    SuspenseReason,
)
from arrears.domain.posting import Allocation, Posted, receive, reverse, suspense_reason
from arrears.store import accounts_repo
from arrears.store.accounts_repo import Write, put_once, transact
from arrears.store.cycle_repo import cycle_day_key
from arrears.store.models import ActivityModel, timeline_sk
from arrears.store.store_errors import store_errors

MAX_ATTEMPTS = 5
SUSPENSE_PK = "suspense"
ACTOR = "payment_webhook"

# How far a notification's effects went, on its event marker.
HELD, SUSPENSE, UNPUBLISHED, PUBLISHED, RECORDED = "held", "suspense", "unpublished", "published", "recorded"
OPEN, ASSIGNED = "open", "assigned"
REJECTED = "rejected"
PENDING, APPLIED = "pending", "applied"


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


def _event_key(event: PaymentEvent) -> tuple[str, str]:
    return f"webhook#{event.provider}#{event.event_id}", "event"


def _payment_pk(provider: str, payment_id: str) -> str:
    return f"payment#{provider}#{payment_id}"


def _reversal_sk(event: PaymentEvent) -> str:
    return "reversal#refunds" if event.cumulative else f"reversal#{event.reversal_id}"


def _get(pk: str, sk: str) -> ActivityModel | None:
    try:
        with store_errors():
            return ActivityModel.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def _marker(event: PaymentEvent, status: str, account_id: str | None, applied: dict | None = None) -> Write:
    pk, sk = _event_key(event)
    item = ActivityModel(
        pk,
        sk,
        kind="webhook_event",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=status,
        amount=event.amount.minor if event.amount else None,
        currency=event.amount.currency if event.amount else None,
        detail=_marker_detail(event, account_id, applied),
    )
    return put_once("event", item)


def _marker_detail(event: PaymentEvent, account_id: str | None, applied: dict | None) -> dict:
    """What the event marker says: the event, where it went, and its fingerprint (see check_identity)."""
    return {
        **event.summary(),
        "account_id": account_id,
        "applied": applied,
        "fingerprint": event.fingerprint(),
    }


def _ledger_item(
    account_id: str, posted_on, entry_id: str, kind: EntryKind, amount: Money, event, shard: str
) -> Write:
    signed = -amount.minor if kind is EntryKind.PAYMENT else amount.minor
    item = ActivityModel(
        account_id,
        timeline_sk(posted_on, "ledger", entry_id),
        kind="ledger",
        cycle_day=cycle_day_key(posted_on, shard),  # the day's KPIs read the money collected from here
        occurred_on=posted_on.isoformat(),
        actor=f"{ACTOR}:{event.provider}",
        amount=signed,
        currency=amount.currency,
        detail={"entry_kind": kind.value, "entry_id": entry_id, "event": event.summary()},
    )
    return put_once("ledger", item)


def _outcome_items(account_id: str, on, events: tuple[dict, ...], shard: str) -> list[Write]:
    """Promise and arrangement outcomes the money decided, keyed as the cycle keys them."""
    return [
        put_once(
            f"{e['kind']}-{e['outcome']}",
            ActivityModel(
                account_id,
                timeline_sk(on, e["kind"], e["outcome"]),
                kind=e["kind"],
                occurred_on=on.isoformat(),
                actor=ACTOR,
                cycle_day=cycle_day_key(on, shard),
                detail=e,
            ),
        )
        for e in events
    ]


def _applied(event: PaymentEvent, account_id: str, kind: EntryKind, amount: Money, posted: Posted) -> dict:
    """The PaymentApplied event's detail: what downstream hand-offs (CFDI complements, GL) need."""
    return {
        **event.summary(),
        "account_id": account_id,
        "entry_kind": kind.value,
        "applied_amount": amount.minor,
        "currency": amount.currency,
        "balance_after": posted.account.balance,
        "past_due_after": posted.account.past_due,
        "bucket_after": posted.account.bucket.value if posted.account.bucket else None,
        "status_after": posted.account.status.value,
    }


def _find_account(account_ref: str | None):
    if not account_ref:
        return None
    try:
        return accounts_repo.get_account(account_ref)
    except AccountNotFound:
        return None


def _duplicate(exc: DuplicateEntry, account_id: str | None = None) -> Result:
    return Result(Outcome.DUPLICATE, account_id, reason=exc.write)


def check_identity(event: PaymentEvent) -> None:
    """An event id seen before must ask for the same thing: another payload under it is refused."""
    pk, sk = _event_key(event)
    marker = _get(pk, sk)
    stored = marker.detail.get("fingerprint") if marker is not None else None
    if stored is not None and stored != event.fingerprint():
        raise EventConflict(f"event {event.event_id} was received before with other content")


def keep_rejected(rejected: Rejected) -> Result:
    """An authentic notification that cannot be applied, kept once for an operator; no money moves."""
    try:
        transact([put_once("rejected", _rejected_item(rejected))])
    except DuplicateEntry as exc:
        return _duplicate(exc)
    return Result(Outcome.SUSPENSE, reason=rejected.reason.value)


def _rejected_item(rejected: Rejected) -> ActivityModel:
    money = rejected.event.amount if rejected.event is not None else None
    return ActivityModel(
        SUSPENSE_PK,
        f"{REJECTED}#{rejected.provider}#{rejected.key}",
        kind="rejected_webhook",
        occurred_on=rejected.received_at.date().isoformat(),
        actor=ACTOR,
        status=OPEN,
        amount=money.minor if money else None,
        currency=money.currency if money else None,
        detail=rejected.summary(),
    )


def list_rejected() -> list[dict]:
    """Authentic notifications kept aside, oldest first, for an operator to act on."""
    with store_errors():
        items = ActivityModel.query(
            SUSPENSE_PK, ActivityModel.sk.startswith(f"{REJECTED}#"), consistent_read=True
        )
        return [{**i.detail, "status": i.status, "received_on": i.occurred_on} for i in items]


# ------------------------------------------------------------------ money in


def post_payment(event: PaymentEvent) -> Result:
    """A payment received: to its account, or to suspense with the reason. Exactly once."""
    if event.action not in MONEY_IN:
        raise InvalidInput(f"{event.action} is not money in")
    if event.action in REINSTATEMENTS:
        result = _reinstate(event, with_marker=True)
        return replace(result, drained=tuple(drain_pending(event.holder, event.payment_id)))
    for _ in range(MAX_ATTEMPTS):
        account = _find_account(event.account_ref)
        reason = suspense_reason(account, event)
        try:
            if reason is not None:
                _to_suspense(event, reason)
                result = Result(Outcome.SUSPENSE, event.account_ref, reason.value)
            else:
                result = _credit(event, account)
        except DuplicateEntry as exc:
            problem = _conflict(event) if exc.write == "payment" else None
            if problem is not None:  # not a retry: the same payment id says something else now
                try:
                    return _refuse(event, None, SuspenseReason.PAYMENT_CONFLICT, problem, with_marker=True)
                except DuplicateEntry as again:
                    return _duplicate(again)
            result = _duplicate(exc, account.account_id if account else None)
        except AccountVersionConflict:
            continue
        # also on a duplicate: a crash may have come between the payment and its held refunds
        return replace(result, drained=tuple(drain_pending(event.holder, event.payment_id)))
    raise AccountVersionConflict(event.account_ref or "")


def _credit(event: PaymentEvent, account) -> Result:
    assert event.amount is not None and event.payment_id is not None  # nosec B101 # validate() ensures both
    on = event.local_date(account.time_zone)
    pk = _payment_pk(event.holder, event.payment_id)
    posted = receive(account, event.amount.minor, on, payment=pk)
    entry_id = f"{event.holder}:{event.payment_id}"
    receipt = ActivityModel(
        pk,
        "receipt",
        kind="receipt",
        occurred_on=on.isoformat(),
        actor=ACTOR,
        status=APPLIED,
        amount=event.amount.minor,
        currency=event.amount.currency,
        reversed=0,
        detail={
            "account_id": account.account_id,
            "allocation": posted.allocation.to_dict(),
            "event_id": event.event_id,
        },
    )
    applied = _applied(event, account.account_id, EntryKind.PAYMENT, event.amount, posted)
    transact(
        [
            _marker(event, UNPUBLISHED, account.account_id, applied),
            put_once("payment", receipt),
            _ledger_item(
                account.account_id,
                on,
                entry_id,
                EntryKind.PAYMENT,
                event.amount,
                event,
                posted.account.home_shard,
            ),
            *_outcome_items(account.account_id, on, posted.events, posted.account.home_shard),
        ],
        posted.account,
    )
    return Result(Outcome.APPLIED, account.account_id, applied=applied)


def _to_suspense(event: PaymentEvent, reason: SuspenseReason) -> None:
    assert event.amount is not None and event.payment_id is not None  # nosec B101 # validate() ensures both
    receipt = ActivityModel(
        _payment_pk(event.holder, event.payment_id),
        "receipt",
        kind="receipt",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=SUSPENSE,
        amount=event.amount.minor,
        currency=event.amount.currency,
        reversed=0,
        detail={"account_id": None, "allocation": None, "event_id": event.event_id},
    )
    held = ActivityModel(
        SUSPENSE_PK,
        f"{event.holder}#{event.payment_id}",
        kind="suspense",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=OPEN,
        amount=event.amount.minor,
        currency=event.amount.currency,
        reversed=0,
        detail={**event.summary(), "reason": reason.value, "account_ref": event.account_ref},
    )
    transact([_marker(event, SUSPENSE, None), put_once("payment", receipt), put_once("suspense", held)])


def _read_after_account(receipt: ActivityModel) -> ActivityModel | None:
    """The receipt again, now that its account has been read; None if it changed meanwhile.

    A receipt's allocation changes only in a transaction with its account (a reversal, a
    statement paid from its credit), so a copy read after the account is as fresh as the account,
    and the account's version check covers both. A copy read before it may be older.
    """
    fresh = _get(receipt.pk, receipt.sk)
    if fresh is None or fresh.detail != receipt.detail or fresh.reversed != receipt.reversed:
        return None
    return fresh


def _reinstate_sk(event: PaymentEvent) -> str:
    return f"reinstate#{event.reversal_id}"


def _reinstate(event: PaymentEvent, with_marker: bool) -> Result:
    """A dispute won, or a refund that failed: the money its reversal took comes back to the account.

    Arriving before the reversal it undoes (or before the payment), it is held and applied in
    order once that reversal is applied.
    """
    assert event.amount is not None and event.payment_id is not None  # nosec B101 # validate() ensures both
    pk = _payment_pk(event.holder, event.payment_id)
    for _ in range(MAX_ATTEMPTS):
        receipt, dispute = _get(pk, "receipt"), _get(pk, f"reversal#{event.reversal_id}")
        if dispute is not None and dispute.status == "reinstated":
            return Result(Outcome.DUPLICATE, reason=f"reversal {event.reversal_id} already reinstated")
        if receipt is None or dispute is None or dispute.status != APPLIED:
            if not with_marker:  # still waiting: it stays held
                return Result(Outcome.HELD, reason="its reversal is not applied yet")
            return _hold_reinstatement(event)
        account_id = receipt.detail["account_id"]
        if account_id is None:
            return _reinstate_suspense(event, receipt, dispute, with_marker)
        account = accounts_repo.get_account(account_id)
        receipt = _read_after_account(receipt)
        if receipt is None:
            continue  # it changed after it was read: start again from fresh copies
        on = event.local_date(account.time_zone)
        amount = min(event.amount.minor, int(dispute.amount))
        posted = receive(account, amount, on, payment=pk)
        merged = Allocation.from_dict(receipt.detail["allocation"])
        merged = Allocation(merged.dues + posted.allocation.dues, merged.credit + posted.allocation.credit)
        money = Money(amount, event.amount.currency)
        applied = _applied(event, account_id, EntryKind.PAYMENT, money, posted)
        marker = _marker(event, UNPUBLISHED, account_id, applied) if with_marker else None
        try:
            transact(
                [
                    marker or _marker_update(event, applied, account_id),
                    _set_status(dispute, APPLIED, "reinstated", "dispute"),
                    _receipt_update(receipt, int(receipt.reversed) - amount, merged),
                    _ledger_item(
                        account_id,
                        on,
                        f"{event.holder}:{event.reversal_id}:won",
                        EntryKind.PAYMENT,
                        money,
                        event,
                        posted.account.home_shard,
                    ),
                    *_outcome_items(account_id, on, posted.events, posted.account.home_shard),
                    *([] if with_marker else [_held_done(pk, _reinstate_sk(event))]),
                ],
                posted.account,
            )
            return Result(Outcome.APPLIED, account_id, applied=applied)
        except DuplicateEntry as exc:
            if exc.write in ("event", "ledger"):
                return _duplicate(exc, account_id)
        except AccountVersionConflict:
            pass
    raise AccountVersionConflict(event.payment_id)


def _set_status(item: ActivityModel, was: str, now: str, name: str) -> Write:
    return Write(
        name,
        lambda tx: tx.update(
            item, actions=[ActivityModel.status.set(now)], condition=ActivityModel.status == was
        ),
    )


def _held_done(pk: str, sk: str) -> Write:
    return _set_status(ActivityModel(pk, sk), PENDING, APPLIED, "held")


def _hold_reinstatement(event: PaymentEvent) -> Result:
    item = ActivityModel(
        _payment_pk(event.holder, event.payment_id),
        _reinstate_sk(event),
        kind="reinstatement",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=PENDING,
        amount=event.amount.minor,
        currency=event.amount.currency,
        detail={"event": event.to_dict()},
    )
    try:
        transact([_marker(event, HELD, None), put_once("reinstatement", item)])
    except DuplicateEntry as exc:
        return _duplicate(exc)
    return Result(Outcome.HELD, reason="the reversal it undoes has not arrived yet")


def _reinstate_suspense(event, receipt, dispute, with_marker: bool) -> Result:
    amount = int(dispute.amount)
    pk = _payment_pk(event.holder, event.payment_id)
    try:
        transact(
            [
                _marker(event, SUSPENSE, None) if with_marker else _marker_status(event, SUSPENSE),
                _set_status(dispute, APPLIED, "reinstated", "dispute"),
                _receipt_update(receipt, int(receipt.reversed) - amount, None),
                _suspense_reversed(event.holder, event.payment_id, -amount),
                *([] if with_marker else [_held_done(pk, _reinstate_sk(event))]),
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
        receipt = _get(_payment_pk(event.holder, event.payment_id), "receipt")
        try:
            if receipt is None:
                return _hold(event)
            result = _take_back(event, receipt, with_marker=True)
        except DuplicateEntry as exc:
            result = _duplicate(exc)
        except AccountVersionConflict:
            continue
        # a won dispute that came before its chargeback applies now, after it
        return replace(result, drained=tuple(drain_pending(event.holder, event.payment_id)))
    raise AccountVersionConflict(event.payment_id or "")


def _reversal_item(event: PaymentEvent, status: str, amount: int) -> ActivityModel:
    return ActivityModel(
        _payment_pk(event.holder, event.payment_id),
        _reversal_sk(event),
        kind="reversal",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=status,
        amount=amount,
        currency=event.amount.currency,
        detail={"event": event.to_dict(), "cumulative": event.cumulative},
    )


def _hold(event: PaymentEvent) -> Result:
    """Its payment has not arrived: keep the reversal, apply it when the payment comes."""
    existing = _get(_payment_pk(event.holder, event.payment_id), _reversal_sk(event))
    item = _reversal_item(event, PENDING, event.amount.minor)
    if existing is not None and event.cumulative and existing.status == PENDING:
        if int(existing.amount) >= event.amount.minor:
            raise DuplicateEntry("refund total already held", write="reversal")
        write = Write(
            "reversal",
            lambda tx: tx.save(item, condition=ActivityModel.amount == int(existing.amount)),
        )
    else:
        write = put_once("reversal", item)
    transact([_marker(event, HELD, None), write])
    return Result(Outcome.HELD, reason="payment not received yet")


def _receipt_update(receipt: ActivityModel, reversed_total: int, allocation: Allocation | None) -> Write:
    previous = int(receipt.reversed)
    actions = [ActivityModel.reversed.set(reversed_total)]
    if allocation is not None:
        actions.append(ActivityModel.detail.set({**receipt.detail, "allocation": allocation.to_dict()}))
    # the stored total is the version: two reversals of one payment cannot both read the same one
    return Write(
        "receipt",
        lambda tx: tx.update(receipt, actions=actions, condition=ActivityModel.reversed == previous),
    )


def _suspense_reversed(provider: str, payment_id: str, amount: int) -> Write:
    item = ActivityModel(SUSPENSE_PK, f"{provider}#{payment_id}")
    return Write(
        "suspense",
        lambda tx: tx.update(item, actions=[ActivityModel.reversed.add(amount)]),
    )


def _take_back(event: PaymentEvent, receipt: ActivityModel, with_marker: bool) -> Result:
    pk = _payment_pk(event.holder, event.payment_id)
    stored = _get(pk, _reversal_sk(event))
    already = int(stored.amount) if (stored is not None and stored.status == APPLIED) else 0
    if stored is not None and stored.status == REJECTED and not event.cumulative:
        # the same reversal again, under a new notification id: it is already kept aside
        raise DuplicateEntry(f"{_reversal_sk(event)} already kept aside", write="reversal")
    if stored is not None and stored.status == APPLIED and not event.cumulative:
        raise DuplicateEntry(f"{_reversal_sk(event)} already applied", write="reversal")
    wanted = event.amount.minor - already if event.cumulative else event.amount.minor
    if wanted <= 0:
        raise DuplicateEntry("refund total already applied", write="reversal")
    if event.amount.currency != receipt.currency:
        problem = f"a {event.amount.currency} reversal of a {receipt.currency} payment"
        return _refuse(event, stored, SuspenseReason.REVERSAL_CURRENCY_MISMATCH, problem, with_marker)
    if event.amount.minor > int(receipt.amount):
        problem = f"takes back {event.amount} of a payment of {Money(int(receipt.amount), receipt.currency)}"
        return _refuse(event, stored, SuspenseReason.REVERSAL_EXCEEDS_PAYMENT, problem, with_marker)
    open_amount = int(receipt.amount) - int(receipt.reversed)
    amount = min(wanted, open_amount)  # never take back more than was paid
    if amount <= 0:
        raise DuplicateEntry("the payment is already fully reversed", write="receipt")
    new_total = already + amount if event.cumulative else amount
    item = _reversal_item(event, APPLIED, new_total)
    if stored is None:
        reversal_write = put_once("reversal", item)
    else:
        condition = (
            (ActivityModel.status == PENDING)
            if stored.status == PENDING
            else (ActivityModel.amount == already)
        )
        reversal_write = Write("reversal", lambda tx: tx.save(item, condition=condition))
    account_id = receipt.detail["account_id"]
    money = Money(amount, receipt.currency)
    if account_id is None:  # its payment sits in suspense: the suspense amount shrinks
        writes = [
            reversal_write,
            _receipt_update(receipt, int(receipt.reversed) + amount, None),
            _suspense_reversed(event.holder, event.payment_id, amount),
        ]
        if with_marker:
            writes.insert(0, _marker(event, SUSPENSE, None))
        transact(writes)
        return Result(Outcome.SUSPENSE, reason="reversal of a payment held in suspense")
    account = accounts_repo.get_account(account_id)
    if _read_after_account(receipt) is None:
        raise AccountVersionConflict(account_id)  # post_reversal starts again from fresh copies
    on = event.local_date(account.time_zone)
    posted = reverse(account, Allocation.from_dict(receipt.detail["allocation"]), amount, on, payment=pk)
    entry_id = f"{event.holder}:{event.reversal_id}" + (f"@{new_total}" if event.cumulative else "")
    applied = _applied(event, account_id, EntryKind.REVERSAL, money, posted)
    writes = [
        reversal_write,
        _receipt_update(receipt, int(receipt.reversed) + amount, posted.allocation),
        _ledger_item(account_id, on, entry_id, EntryKind.REVERSAL, money, event, posted.account.home_shard),
        *_outcome_items(account_id, on, posted.events, posted.account.home_shard),
        *accounts_repo.credit_shifts(posted.shifts),
    ]
    if with_marker:
        writes.insert(0, _marker(event, UNPUBLISHED, account_id, applied))
    else:  # a held refund: its marker now says what was applied, to be published
        writes.insert(0, _marker_update(event, applied, account_id))
    transact(writes, posted.account)
    return Result(Outcome.APPLIED, account_id, applied=applied)


def _refuse(event: PaymentEvent, stored, reason: SuspenseReason, problem: str, with_marker: bool) -> Result:
    """An event that can never apply (a reversal in another currency, a payment id reused with
    other content): kept in suspense with its reason and its money, nothing blocked or lost."""
    rejected = Rejected(
        event.provider, event.event_id, event.event_type, reason, problem, event.occurred_at, event
    )
    writes = [_marker(event, SUSPENSE, None) if with_marker else _marker_status(event, SUSPENSE)]
    writes.append(put_once("rejected", _rejected_item(rejected)))
    if stored is not None and stored.status == PENDING:
        writes.append(_set_status(stored, PENDING, REJECTED, "reversal"))
    elif stored is None and event.reversal_id is not None and not event.cumulative:
        # its id is kept, so a redelivery of this reversal is known, not kept aside twice
        writes.append(put_once("reversal", _reversal_item(event, REJECTED, event.amount.minor)))
    transact(writes)
    return Result(Outcome.SUSPENSE, reason=reason.value)


def _conflict(event: PaymentEvent) -> str | None:
    """What differs between a payment and the one already received under its id, if anything."""
    receipt = _get(_payment_pk(event.holder, event.payment_id), "receipt")
    if receipt is None:
        return None
    held = Money(int(receipt.amount), receipt.currency)
    posted_to = receipt.detail.get("account_id")
    if held != event.amount:
        return f"{event.holder} payment {event.payment_id} was received as {held}, now as {event.amount}"
    if posted_to is not None and event.account_ref is not None and posted_to != event.account_ref:
        return f"{event.holder} payment {event.payment_id} was posted to another account"
    return None


def _marker_status(event: PaymentEvent, status: str) -> Write:
    """A held event's marker, now that its fate is known."""
    pk, sk = _event_key(event)
    return _set_status(ActivityModel(pk, sk), HELD, status, "event")


def _marker_update(event: PaymentEvent, applied: dict, account_id: str) -> Write:
    pk, sk = _event_key(event)
    marker = ActivityModel(pk, sk)
    detail = _marker_detail(event, account_id, applied)
    return Write(
        "event",
        lambda tx: tx.update(
            marker,
            actions=[ActivityModel.status.set(UNPUBLISHED), ActivityModel.detail.set(detail)],
            condition=ActivityModel.status == HELD,
        ),
    )


def drain_pending(provider: str, payment_id: str) -> list[tuple[PaymentEvent, Result]]:
    """Apply what arrived before its turn, now that the payment is here: the refunds and chargebacks
    that waited for it, then the won disputes and failed refunds that waited for those."""
    pk = _payment_pk(provider, payment_id)
    kept = _payment_items(pk)
    if not any(item.sk == "receipt" for item in kept):
        return []
    results = []
    for item in _waiting(kept, "reversal#"):
        held = _event_from(item.detail["event"], cumulative=bool(item.detail.get("cumulative")))
        if held.cumulative:  # the highest refund total seen while it waited
            held = replace(held, amount=Money(int(item.amount), item.currency))
        results.append((held, _retried(lambda h=held: _take_back(h, _get(pk, "receipt"), with_marker=False))))
    for item in _waiting(kept, "reinstate#"):  # applying a reversal never touches these
        held = _event_from(item.detail["event"])
        outcome = _retried(lambda h=held: _reinstate(h, with_marker=False))
        if outcome.outcome is not Outcome.HELD:
            results.append((held, outcome))
    return results


def _payment_items(pk: str) -> list[ActivityModel]:
    """A payment's receipt and whatever waits for it, in one consistent read. Every payment drains,
    and nearly always finds its receipt alone: one Query, not a GetItem and a Query per prefix."""
    with store_errors():
        return list(ActivityModel.query(pk, consistent_read=True))


def _waiting(items: list[ActivityModel], prefix: str) -> list[ActivityModel]:
    return [item for item in items if item.sk.startswith(prefix) and item.status == PENDING]


def _retried(apply) -> Result:
    for _ in range(MAX_ATTEMPTS):
        try:
            return apply()
        except DuplicateEntry as exc:
            return _duplicate(exc)
        except AccountVersionConflict:
            continue
    raise AccountVersionConflict("held event")


def _event_from(summary: dict, cumulative: bool = False) -> PaymentEvent:
    return PaymentEvent.from_dict({**summary, "cumulative": cumulative})


# ------------------------------------------------------------------ no money


def record_failed(event: PaymentEvent) -> Result:
    """A failed attempt: on the account's timeline for the collector, once; nothing else changes."""
    account = _find_account(event.account_ref)
    if account is None:
        return Result(Outcome.IGNORED, reason="failed payment for an account we do not hold")
    on = event.local_date(account.time_zone)
    item = ActivityModel(
        account.account_id,
        timeline_sk(on, "payment_failed", f"{event.provider}:{event.event_id}"),
        kind="payment_failed",
        occurred_on=on.isoformat(),
        actor=ACTOR,
        amount=event.amount.minor if event.amount else None,
        currency=event.amount.currency if event.amount else None,
        detail=event.summary(),
    )
    written = accounts_repo.put_activity(item, once=True)
    return Result(Outcome.RECORDED if written else Outcome.DUPLICATE, account.account_id)


# ------------------------------------------------------------------ publishing and operators


def unpublished(event: PaymentEvent) -> dict | None:
    """The PaymentApplied detail of an applied event not yet on the bus (a crash came between)."""
    pk, sk = _event_key(event)
    marker = _get(pk, sk)
    if marker is None or marker.status != UNPUBLISHED:
        return None
    return marker.detail.get("applied")


def mark_published(event: PaymentEvent) -> None:
    pk, sk = _event_key(event)
    with store_errors():
        ActivityModel(pk, sk).update(actions=[ActivityModel.status.set(PUBLISHED)])


@dataclass(frozen=True)
class SuspenseItem:
    provider: str
    payment_id: str
    amount: Money
    reversed: int
    reason: str
    account_ref: str | None
    received_on: str
    status: str
    event_id: str
    assigned_to: str | None

    @property
    def open_amount(self) -> Money:
        return Money(self.amount.minor - self.reversed, self.amount.currency)


def _suspense_item(item: ActivityModel) -> SuspenseItem:
    provider, payment_id = item.sk.split("#", 1)
    return SuspenseItem(
        provider=provider,
        payment_id=payment_id,
        amount=Money(int(item.amount), item.currency),
        reversed=int(item.reversed or 0),
        reason=item.detail["reason"],
        account_ref=item.detail.get("account_ref"),
        received_on=item.occurred_on,
        status=item.status,
        event_id=item.detail["event_id"],
        assigned_to=item.detail.get("assigned_to"),
    )


def list_suspense(include_assigned: bool = False) -> list[SuspenseItem]:
    with store_errors():
        condition = ActivityModel.kind == "suspense"
        if not include_assigned:
            condition &= ActivityModel.status == OPEN
        items = ActivityModel.query(SUSPENSE_PK, filter_condition=condition, consistent_read=True)
        return [_suspense_item(i) for i in items]


def assign_suspense(provider: str, payment_id: str, account_id: str, actor: str, on: date) -> Result:
    """An operator posts money held in suspense to the account it belongs to."""
    for _ in range(MAX_ATTEMPTS):
        held = _get(SUSPENSE_PK, f"{provider}#{payment_id}")
        if held is None:
            raise InvalidInput(f"nothing in suspense for {provider} payment {payment_id}")
        if held.status != OPEN:
            raise InvalidInput(f"{provider} payment {payment_id} was already assigned")
        entry = _suspense_item(held)
        account = accounts_repo.get_account(account_id)
        if account.currency != entry.amount.currency:
            raise InvalidInput(
                f"account {account_id} is in {account.currency}, the payment in {entry.amount.currency}"
            )
        if entry.open_amount.minor <= 0:
            raise InvalidInput(f"{provider} payment {payment_id} has been reversed in full")
        receipt = _get(_payment_pk(provider, payment_id), "receipt")
        posted = receive(account, entry.open_amount.minor, on, payment=_payment_pk(provider, payment_id))
        suspense_detail = {**held.detail, "assigned_to": account_id, "assigned_by": actor}
        receipt_detail = {
            **receipt.detail,
            "account_id": account_id,
            "allocation": posted.allocation.to_dict(),
        }
        event = _event_from({**held.detail, "provider": provider})
        try:
            transact(
                [
                    Write(
                        "suspense",
                        lambda tx, h=held, d=suspense_detail, r=entry.reversed: tx.update(
                            h,
                            actions=[
                                ActivityModel.status.set(ASSIGNED),
                                ActivityModel.detail.set(d),
                            ],
                            # a refund of it landing meanwhile changes what is open: start again
                            condition=(ActivityModel.status == OPEN) & (ActivityModel.reversed == r),
                        ),
                    ),
                    Write(
                        "receipt",
                        lambda tx, r=receipt, d=receipt_detail: tx.update(
                            r,
                            actions=[
                                ActivityModel.status.set(APPLIED),
                                ActivityModel.detail.set(d),
                            ],
                            condition=ActivityModel.status == SUSPENSE,
                        ),
                    ),
                    _ledger_item(
                        account_id,
                        on,
                        f"{provider}:{payment_id}",
                        EntryKind.PAYMENT,
                        entry.open_amount,
                        event,
                        posted.account.home_shard,
                    ),
                    *_outcome_items(account_id, on, posted.events, posted.account.home_shard),
                ],
                posted.account,
            )
            applied = _applied(event, account_id, EntryKind.PAYMENT, entry.open_amount, posted)
            return Result(Outcome.APPLIED, account_id, applied=applied)
        except DuplicateEntry as exc:
            now = _get(SUSPENSE_PK, f"{provider}#{payment_id}")
            if now is not None and now.status == OPEN:
                continue  # refunded in part meanwhile: assign what is open now
            raise InvalidInput(f"{provider} payment {payment_id} was assigned meanwhile") from exc
        except AccountVersionConflict:
            continue
    raise AccountVersionConflict(account_id)


@dataclass(frozen=True)
class Receipt:
    """A payment as we hold it: where it went (an account, or suspense) and how much was taken back."""

    provider: str
    payment_id: str
    amount: Money
    reversed: int
    status: str  # applied, suspense
    account_id: str | None
    received_on: str


def receipts(provider: str, first: date, last: date) -> list[Receipt]:
    """Every payment of one processor received in the period (a scan: an operator's report, not a job)."""
    prefix = f"payment#{provider}#"
    condition = (ActivityModel.kind == "receipt") & ActivityModel.pk.startswith(prefix)
    condition &= ActivityModel.occurred_on.between(first.isoformat(), last.isoformat())
    with store_errors():
        return [
            Receipt(
                provider,
                item.pk[len(prefix) :],
                Money(int(item.amount), item.currency),
                int(item.reversed or 0),
                item.status,
                item.detail.get("account_id"),
                item.occurred_on,
            )
            for item in ActivityModel.scan(filter_condition=condition)
        ]
