"""A processor's payments as stored: the keyed, conditional writes that make each effect happen once.

Permanent dedupe keys live in the Activity table beside the timelines:

- `webhook#<provider>#<event id>` / `event`: the notification, and how far its effects went
  (held, suspense, unpublished, published);
- `payment#<provider>#<payment id>` / `receipt`: the payment, where its money went (account or
  suspense, allocation over the dues) and how much of it was taken back;
- the same pk / `reversal#<refund or dispute id>`: a refund or chargeback, `pending` while its
  payment has not arrived, `applied` once it has; `reinstate#<id>`: a won dispute waiting for it;
- `suspense` / `<provider>#<payment id>`: money we could not post, with the reason.

What to write is decided in `arrears.services.posting` by the rules of `arrears.domain.posting`;
this module reads and writes items and knows no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from pynamodb.exceptions import DoesNotExist

from arrears.domain.ledger import EntryKind
from arrears.domain.money import Money
from arrears.domain.payments import PaymentEvent, Rejected, SuspenseReason
from arrears.domain.posting import (
    APPLIED,
    IN_SUSPENSE,
    OPEN,
    PENDING,
    REINSTATED,
    Allocation,
    HeldReversal,
    Receipt,
)
from arrears.store import accounts_repo
from arrears.store.accounts_repo import Write, put_once
from arrears.store.cycle_repo import cycle_day_key
from arrears.store.models import ActivityModel, timeline_sk
from arrears.store.store_errors import store_errors

SUSPENSE_PK = "suspense"
ACTOR = "payment_webhook"

# How far a notification's effects went, on its event marker.
HELD, UNPUBLISHED, PUBLISHED = "held", "unpublished", "published"
ASSIGNED = "assigned"
REJECTED = "rejected"


def _event_key(event: PaymentEvent) -> tuple[str, str]:
    return f"webhook#{event.provider}#{event.event_id}", "event"


def _payment_pk(provider: str, payment_id: str | None) -> str:
    return f"payment#{provider}#{payment_id}"


def payment_key(event: PaymentEvent) -> str:
    """The payment's key: the name of its credit on the account (Account.credits)."""
    return _payment_pk(event.holder, event.payment_id)


def _reversal_sk(event: PaymentEvent) -> str:
    return "reversal#refunds" if event.cumulative else f"reversal#{event.reversal_id}"


def _dispute_sk(event: PaymentEvent) -> str:
    return f"reversal#{event.reversal_id}"


def _reinstate_sk(event: PaymentEvent) -> str:
    return f"reinstate#{event.reversal_id}"


def _get(pk: str, sk: str) -> ActivityModel | None:
    try:
        with store_errors():
            return ActivityModel.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


# ------------------------------------------------------------------ the notification's marker


def fingerprint(event: PaymentEvent) -> str | None:
    """The fingerprint of what an earlier notification under this event id asked for."""
    marker = _get(*_event_key(event))
    return marker.detail.get("fingerprint") if marker is not None else None


def _marker_detail(event: PaymentEvent, account_id: str | None, applied: dict | None) -> dict:
    return {
        **event.summary(),
        "account_id": account_id,
        "applied": applied,
        "fingerprint": event.fingerprint(),
    }


def marker(
    event: PaymentEvent, status: str, account_id: str | None = None, applied: dict | None = None
) -> Write:
    """The notification, once: where it went and the PaymentApplied detail still to publish."""
    pk, sk = _event_key(event)
    amount = event.amount
    item = ActivityModel(
        pk,
        sk,
        kind="webhook_event",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=status,
        amount=amount.minor if amount else None,
        currency=amount.currency if amount else None,
        detail=_marker_detail(event, account_id, applied),
    )
    return put_once("event", item)


def marker_settled(
    event: PaymentEvent, status: str, applied: dict | None = None, account_id: str | None = None
) -> Write:
    """A held notification's marker, now that its fate is known (and what to publish, if applied)."""
    pk, sk = _event_key(event)
    actions = [ActivityModel.status.set(status)]
    if applied is not None:
        actions.append(ActivityModel.detail.set(_marker_detail(event, account_id, applied)))
    return _update(ActivityModel(pk, sk), "event", actions, ActivityModel.status == HELD)


def unpublished(event: PaymentEvent) -> dict | None:
    """The PaymentApplied detail of an applied event not yet on the bus (a crash came between)."""
    found = _get(*_event_key(event))
    if found is None or found.status != UNPUBLISHED:
        return None
    return found.detail.get("applied")


def mark_published(event: PaymentEvent) -> None:
    pk, sk = _event_key(event)
    with store_errors():
        ActivityModel(pk, sk).update(actions=[ActivityModel.status.set(PUBLISHED)])


def _update(item: ActivityModel, name: str, actions: list, condition=None, conflict: bool = False) -> Write:
    return Write(name, lambda tx: tx.update(item, actions=actions, condition=condition), conflict)


# ------------------------------------------------------------------ the payment's receipt


def _receipt(item: ActivityModel) -> Receipt:
    provider, payment_id = item.pk[len("payment#") :].split("#", 1)
    allocation = item.detail.get("allocation")
    return Receipt(
        provider=provider,
        payment_id=payment_id,
        amount=Money(int(item.amount), item.currency),
        reversed=int(item.reversed or 0),
        status=item.status,
        account_id=item.detail.get("account_id"),
        received_on=item.occurred_on,
        allocation=Allocation.from_dict(allocation) if allocation is not None else None,
        event_id=item.detail.get("event_id"),
        channel=item.detail.get("channel"),
    )


def receipt(provider: str, payment_id: str | None) -> Receipt | None:
    found = _get(_payment_pk(provider, payment_id), "receipt")
    return _receipt(found) if found is not None else None


def new_receipt(
    event: PaymentEvent, on: date, account_id: str | None, allocation: Allocation | None
) -> Write:
    """The payment, once: posted to an account (with its allocation) or held in suspense."""
    item = ActivityModel(
        payment_key(event),
        "receipt",
        kind="receipt",
        occurred_on=on.isoformat(),
        actor=ACTOR,
        status=APPLIED if account_id is not None else IN_SUSPENSE,
        amount=event.money.minor,
        currency=event.money.currency,
        reversed=0,
        detail={
            "account_id": account_id,
            "allocation": allocation.to_dict() if allocation is not None else None,
            "event_id": event.event_id,
            **({"channel": event.channel} if event.channel else {}),
        },
    )
    return put_once("payment", item)


def receipt_changed(was: Receipt, now: Receipt) -> Write:
    """The receipt as `now` says: how much was taken back, where its money is. Conditioned on the
    total taken back read with `was`, so two reversals of one payment cannot both read the same one;
    an assignment from suspense is conditioned on it still being in suspense."""
    item = ActivityModel(_payment_pk(was.provider, was.payment_id), "receipt")
    detail = {
        "account_id": now.account_id,
        "allocation": now.allocation.to_dict() if now.allocation is not None else None,
        "event_id": now.event_id,
        **({"channel": now.channel} if now.channel else {}),
    }
    actions = [ActivityModel.reversed.set(now.reversed), ActivityModel.detail.set(detail)]
    if now.status != was.status:
        actions.append(ActivityModel.status.set(now.status))
    condition = (ActivityModel.reversed == was.reversed) & (ActivityModel.status == was.status)
    # refused, the receipt changed since it was read (a reversal, an assignment): redo on fresh copies
    return _update(item, "receipt", actions, condition, conflict=True)


# ------------------------------------------------------------------ the ledger and the timeline


def ledger_entry(
    account_id: str,
    value_on: date,
    posted_on: date,
    entry_id: str,
    kind: EntryKind,
    amount: Money,
    event: PaymentEvent,
    shard: str,
    name: str = "ledger",
) -> Write:
    signed = -amount.minor if kind is EntryKind.PAYMENT else amount.minor
    item = ActivityModel(
        account_id,
        timeline_sk(value_on, "ledger", entry_id),  # keyed by its own date: a retry finds it
        kind="ledger",
        cycle_day=cycle_day_key(posted_on, shard),  # the day's KPIs read the money collected from here
        occurred_on=value_on.isoformat(),
        actor=f"{ACTOR}:{event.provider}",
        amount=signed,
        currency=amount.currency,
        detail={
            "entry_kind": kind.value,
            "entry_id": entry_id,
            "posted_on": posted_on.isoformat(),
            "event": event.summary(),
            # how the system of record says the money came (the ledger report's channel)
            **({"channel": event.channel} if event.channel else {}),
        },
    )
    return put_once(name, item)


def outcomes(account_id: str, on: date, events: tuple[dict, ...], shard: str) -> list[Write]:
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


def failed_attempt(account_id: str, on: date, event: PaymentEvent) -> bool:
    """A failed payment on the account's timeline, once; False if it was there already."""
    item = ActivityModel(
        account_id,
        timeline_sk(on, "payment_failed", f"{event.provider}:{event.event_id}"),
        kind="payment_failed",
        occurred_on=on.isoformat(),
        actor=ACTOR,
        amount=event.amount.minor if event.amount else None,
        currency=event.amount.currency if event.amount else None,
        detail=event.summary(),
    )
    return accounts_repo.put_activity(item, once=True)


# ------------------------------------------------------------------ reversals and reinstatements


def _beside_payment(
    event: PaymentEvent, sk: str, kind: str, status: str, amount: int, detail: dict
) -> ActivityModel:
    """A reversal or reinstatement, kept under its payment's key."""
    return ActivityModel(
        payment_key(event),
        sk,
        kind=kind,
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=status,
        amount=amount,
        currency=event.money.currency,
        detail=detail,
    )


def held_reversal(event: PaymentEvent) -> HeldReversal | None:
    found = _get(payment_key(event), _reversal_sk(event))
    return HeldReversal(found.status, int(found.amount)) if found is not None else None


def held_dispute(event: PaymentEvent) -> HeldReversal | None:
    """The chargeback a reinstatement undoes."""
    found = _get(payment_key(event), _dispute_sk(event))
    return HeldReversal(found.status, int(found.amount)) if found is not None else None


def reversal(event: PaymentEvent, status: str, amount: int, was: HeldReversal | None = None) -> Write:
    """The reversal as `status` with `amount`: once, or over what was read (`was`) and nothing newer."""
    detail = {"event": event.to_dict(), "cumulative": event.cumulative}
    item = _beside_payment(event, _reversal_sk(event), "reversal", status, amount, detail)
    if was is None:
        return put_once("reversal", item)
    if was.status == PENDING and status != PENDING:
        condition = ActivityModel.status == PENDING
    else:
        condition = ActivityModel.amount == was.amount
    return Write("reversal", lambda tx: tx.save(item, condition=condition))


def reversal_rejected(event: PaymentEvent) -> Write:
    """A held reversal that can never apply, now kept aside."""
    item = ActivityModel(payment_key(event), _reversal_sk(event))
    return _update(item, "reversal", [ActivityModel.status.set(REJECTED)], ActivityModel.status == PENDING)


def dispute_reinstated(event: PaymentEvent) -> Write:
    item = ActivityModel(payment_key(event), _dispute_sk(event))
    return _update(item, "dispute", [ActivityModel.status.set(REINSTATED)], ActivityModel.status == APPLIED)


def held_reinstatement(event: PaymentEvent) -> Write:
    """A won dispute that came before its chargeback (or before the payment), waiting for it."""
    detail = {"event": event.to_dict()}
    item = _beside_payment(event, _reinstate_sk(event), "reinstatement", PENDING, event.money.minor, detail)
    return put_once("reinstatement", item)


def reinstatement_done(event: PaymentEvent) -> Write:
    item = ActivityModel(payment_key(event), _reinstate_sk(event))
    return _update(item, "held", [ActivityModel.status.set(APPLIED)], ActivityModel.status == PENDING)


@dataclass(frozen=True)
class Waiting:
    """What arrived before its payment and waits for it: refunds and chargebacks, then the won
    disputes and failed refunds that wait for those."""

    reversals: tuple[PaymentEvent, ...] = ()
    reinstatements: tuple[PaymentEvent, ...] = ()


def waiting(provider: str, payment_id: str | None) -> Waiting:
    """A payment's receipt and whatever waits for it, in one consistent read. Every payment drains,
    and nearly always finds its receipt alone: one Query, not a GetItem and a Query per prefix."""
    with store_errors():
        items = list(ActivityModel.query(_payment_pk(provider, payment_id), consistent_read=True))
    if not any(item.sk == "receipt" for item in items):
        return Waiting()
    pending = [item for item in items if item.status == PENDING]
    reversals = []
    for item in pending:
        if item.sk.startswith("reversal#"):
            held = _event_from(item.detail["event"], cumulative=bool(item.detail.get("cumulative")))
            if held.cumulative:  # the highest refund total seen while it waited
                held = replace(held, amount=Money(int(item.amount), item.currency))
            reversals.append(held)
    reinstatements = [_event_from(i.detail["event"]) for i in pending if i.sk.startswith("reinstate#")]
    return Waiting(tuple(reversals), tuple(reinstatements))


def _event_from(summary: dict, cumulative: bool = False) -> PaymentEvent:
    return PaymentEvent.from_dict({**summary, "cumulative": cumulative})


# ------------------------------------------------------------------ suspense


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
    detail: dict = field(default_factory=dict, compare=False, repr=False)  # as stored

    @property
    def event(self) -> PaymentEvent:
        """The notification that brought the money, read only when it is to be posted."""
        return _event_from({**self.detail, "provider": self.provider})

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
        detail=dict(item.detail),
    )


def in_suspense(provider: str, payment_id: str) -> SuspenseItem | None:
    found = _get(SUSPENSE_PK, f"{provider}#{payment_id}")
    return _suspense_item(found) if found is not None else None


def list_suspense(include_assigned: bool = False) -> list[SuspenseItem]:
    with store_errors():
        condition = ActivityModel.kind == "suspense"
        if not include_assigned:
            condition &= ActivityModel.status == OPEN
        items = ActivityModel.query(SUSPENSE_PK, filter_condition=condition, consistent_read=True)
        return [_suspense_item(i) for i in items]


def to_suspense(event: PaymentEvent, reason: SuspenseReason) -> Write:
    """Money kept aside with the reason it could not be posted, for an operator to assign."""
    item = ActivityModel(
        SUSPENSE_PK,
        f"{event.holder}#{event.payment_id}",
        kind="suspense",
        occurred_on=event.occurred_at.date().isoformat(),
        actor=ACTOR,
        status=OPEN,
        amount=event.money.minor,
        currency=event.money.currency,
        reversed=0,
        detail={**event.summary(), "reason": reason.value, "account_ref": event.account_ref},
    )
    return put_once("suspense", item)


def suspense_reversed(provider: str, payment_id: str | None, amount: int) -> Write:
    """A reversal (or, negative, its reinstatement) of money held in suspense."""
    item = ActivityModel(SUSPENSE_PK, f"{provider}#{payment_id}")
    return _update(item, "suspense", [ActivityModel.reversed.add(amount)])


def assigned(held: SuspenseItem, account_id: str, actor: str) -> Write:
    """Held money now posted to `account_id`; a refund of it landing meanwhile changes what is
    open, so the write is conditioned on the amount reversed that was read."""
    item = ActivityModel(SUSPENSE_PK, f"{held.provider}#{held.payment_id}")
    detail = {**held.detail, "assigned_to": account_id, "assigned_by": actor}
    condition = (ActivityModel.status == OPEN) & (ActivityModel.reversed == held.reversed)
    return _update(
        item, "suspense", [ActivityModel.status.set(ASSIGNED), ActivityModel.detail.set(detail)], condition
    )


def rejected(found: Rejected) -> Write:
    """An authentic notification that cannot be applied, kept once for an operator."""
    money = found.event.amount if found.event is not None else None
    item = ActivityModel(
        SUSPENSE_PK,
        f"{REJECTED}#{found.provider}#{found.key}",
        kind="rejected_webhook",
        occurred_on=found.received_at.date().isoformat(),
        actor=ACTOR,
        status=OPEN,
        amount=money.minor if money else None,
        currency=money.currency if money else None,
        detail=found.summary(),
    )
    return put_once("rejected", item)


def list_rejected() -> list[dict]:
    """Authentic notifications kept aside, oldest first, for an operator to act on."""
    with store_errors():
        items = ActivityModel.query(
            SUSPENSE_PK, ActivityModel.sk.startswith(f"{REJECTED}#"), consistent_read=True
        )
        return [{**i.detail, "status": i.status, "received_on": i.occurred_on} for i in items]


def receipts(provider: str, first: date, last: date) -> list[Receipt]:
    """Every payment of one processor received in the period (a scan: an operator's report, not a job)."""
    condition = (ActivityModel.kind == "receipt") & ActivityModel.pk.startswith(f"payment#{provider}#")
    condition &= ActivityModel.occurred_on.between(first.isoformat(), last.isoformat())
    with store_errors():
        return [_receipt(item) for item in ActivityModel.scan(filter_condition=condition)]
