"""A processor's notification, normalised: what happened, to which payment, for which account.

Every provider (Stripe, Adyen, a Standard Webhooks sender) is turned into one `PaymentEvent`
before anything is looked up or written, so posting knows nothing about providers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money


class Action(StrEnum):
    PAYMENT = "payment"  # money received
    PAYMENT_FAILED = "payment_failed"  # an attempt that failed: on the timeline, no money moves
    REFUND = "refund"  # money given back to the customer
    CHARGEBACK = "chargeback"  # money taken back by the card issuer
    CHARGEBACK_REVERSED = "chargeback_reversed"  # a dispute won: the money comes back
    REFUND_REVERSED = "refund_reversed"  # a refund that failed or came back: the money returns
    RETURNED = "returned"  # the bank sent a payment back: a bounced cheque, a failed direct debit
    IGNORED = "ignored"  # an event type we do not act on (answered 2xx so it is not retried)


REVERSALS = frozenset({Action.REFUND, Action.CHARGEBACK, Action.RETURNED})
# Undo a reversal already recorded (named by its reversal id): the money comes back to the account.
REINSTATEMENTS = frozenset({Action.CHARGEBACK_REVERSED, Action.REFUND_REVERSED})
MONEY_IN = frozenset({Action.PAYMENT, *REINSTATEMENTS})
MAX_ID_LENGTH = 128  # provider ids, references and account ids; longer is not a real one


class SuspenseReason(StrEnum):
    NO_ACCOUNT_REFERENCE = "no_account_reference"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_CLOSED = "account_closed"
    CURRENCY_MISMATCH = "currency_mismatch"
    PAYMENT_CONFLICT = "payment_conflict"  # a payment id seen before, now with other content
    # Authentic notifications that cannot be applied: acknowledged, kept for an operator.
    AMOUNT_OUT_OF_BOUNDS = "amount_out_of_bounds"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    MALFORMED = "malformed"
    UNSUPPORTED_EVENT = "unsupported_event"
    REVERSAL_CURRENCY_MISMATCH = "reversal_currency_mismatch"
    REVERSAL_EXCEEDS_PAYMENT = "reversal_exceeds_payment"


@dataclass(frozen=True)
class PaymentEvent:
    provider: str
    event_id: str  # the provider's id of this notification: the first dedupe key
    event_type: str  # as the provider names it, for the timeline
    action: Action
    occurred_at: datetime
    payment_id: str | None = None  # the provider's payment object: the second dedupe key
    amount: Money | None = None  # always positive; the action says which way it moves
    account_ref: str | None = None
    reversal_id: str | None = None  # a refund's or dispute's own id
    # Stripe's charge.refunded carries the payment's total refunded so far, not one refund
    cumulative: bool = False
    # The processor that holds the payment, where another one reports it (a Standard Webhooks
    # sender relaying a Stripe payment): the payment's keys are that processor's, so it posts once.
    payment_provider: str | None = None
    # How the money came where the system of record reports it (branch, terminal, transfer...);
    # None for a processor's own notification. Not part of what the event asks: not fingerprinted.
    channel: str | None = None

    def __post_init__(self) -> None:
        if not self.provider or not self.event_id:
            raise InvalidInput("a payment event needs its provider and event id")
        for name in ("event_id", "event_type", "payment_id", "account_ref", "reversal_id"):
            value = getattr(self, name)
            if value is not None and (len(value) > MAX_ID_LENGTH or not value.isprintable()):
                raise InvalidInput(f"{name} is longer than {MAX_ID_LENGTH} or not printable")
        if self.occurred_at.tzinfo is None:
            raise InvalidInput("a payment event's time must carry its offset")
        if self.action is Action.IGNORED:
            return
        if not self.payment_id:
            raise InvalidInput(f"{self.event_type} carries no payment id")
        if self.amount is None or self.amount.minor <= 0:
            raise InvalidInput(f"{self.event_type} needs a positive amount, not {self.amount}")
        if (self.action in REVERSALS or self.action in REINSTATEMENTS) and not self.reversal_id:
            raise InvalidInput(f"{self.event_type} carries no refund or dispute id")

    @property
    def holder(self) -> str:
        """The processor whose payment id this is: the namespace of the payment's keys."""
        return self.payment_provider or self.provider

    def fingerprint(self) -> str:
        """What the event asks us to do. One event id with another fingerprint is not a retry."""
        what = [self.action.value, self.holder, self.payment_id, self.reversal_id, self.account_ref]
        what += [
            str(self.amount.minor) if self.amount else None,
            self.amount.currency if self.amount else None,
        ]
        what += [str(self.cumulative)]
        return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:32]

    @property
    def money(self) -> Money:
        """The amount a money event moves; validation requires one on every event but an ignored one."""
        if self.amount is None:
            raise InvalidInput(f"{self.event_type} carries no amount")
        return self.amount

    def local_date(self, time_zone: str) -> date:
        """The business date of the event where the customer is."""
        return self.occurred_at.astimezone(ZoneInfo(time_zone)).date()

    def summary(self) -> dict[str, object]:
        """What the timeline, suspense and the PaymentApplied event say about it (no personal data)."""
        return {
            "provider": self.provider,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "action": self.action.value,
            "payment_id": self.payment_id,
            "reversal_id": self.reversal_id,
            "amount": self.amount.minor if self.amount else None,
            "currency": self.amount.currency if self.amount else None,
            "occurred_at": self.occurred_at.isoformat(),
            "payment_provider": self.payment_provider,
            **({"channel": self.channel} if self.channel else {}),
        }

    def to_dict(self) -> dict[str, object]:
        return {
            **self.summary(),
            "account_ref": self.account_ref,
            "cumulative": self.cumulative,
            "fingerprint": self.fingerprint(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaymentEvent:  # JSON: no narrower type to give
        amount = data.get("amount")
        return cls(
            provider=data["provider"],
            event_id=data["event_id"],
            event_type=data["event_type"],
            action=Action(data["action"]),
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            payment_id=data.get("payment_id"),
            amount=Money(int(amount), data["currency"]) if amount is not None else None,
            account_ref=data.get("account_ref"),
            reversal_id=data.get("reversal_id"),
            cumulative=bool(data.get("cumulative", False)),
            payment_provider=data.get("payment_provider"),
            channel=data.get("channel"),
        )


@dataclass(frozen=True)
class Rejected:
    """An authentic notification we cannot apply: acknowledged (so it is not retried for days),
    kept in suspense with its reason for an operator, and no balance changes."""

    provider: str
    key: str  # its event id, or a digest of the signed content where it names none
    event_type: str
    reason: SuspenseReason
    problem: str  # what is wrong, in words an operator reads (bounded, no personal data)
    received_at: datetime
    # where the event is a well-formed payment or reversal: what it says, so the money is visible
    event: PaymentEvent | None = None

    def summary(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "event_id": self.key,
            "event_type": self.event_type[:MAX_ID_LENGTH],
            "reason": self.reason.value,
            "problem": self.problem[:300],
            "received_at": self.received_at.isoformat(),
            **(self.event.to_dict() | {"event_id": self.key} if self.event is not None else {}),
        }
