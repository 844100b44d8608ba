"""A processor's notification, normalised: what happened, to which payment, for which account.

Every provider (Stripe, Adyen, a Standard Webhooks sender) is turned into one `PaymentEvent`
before anything is looked up or written, so posting knows nothing about providers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from arrears.errors import InvalidInput
from arrears.money import Money


class Action(StrEnum):
    PAYMENT = "payment"  # money received
    PAYMENT_FAILED = "payment_failed"  # an attempt that failed: on the timeline, no money moves
    REFUND = "refund"  # money given back to the customer
    CHARGEBACK = "chargeback"  # money taken back by the card issuer
    CHARGEBACK_REVERSED = "chargeback_reversed"  # a dispute won: the money comes back
    IGNORED = "ignored"  # an event type we do not act on (answered 2xx so it is not retried)


REVERSALS = frozenset({Action.REFUND, Action.CHARGEBACK})
MONEY_IN = frozenset({Action.PAYMENT, Action.CHARGEBACK_REVERSED})


class SuspenseReason(StrEnum):
    NO_ACCOUNT_REFERENCE = "no_account_reference"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_CLOSED = "account_closed"
    CURRENCY_MISMATCH = "currency_mismatch"


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

    def __post_init__(self) -> None:
        if not self.provider or not self.event_id:
            raise InvalidInput("a payment event needs its provider and event id")
        if self.occurred_at.tzinfo is None:
            raise InvalidInput("a payment event's time must carry its offset")
        if self.action is Action.IGNORED:
            return
        if not self.payment_id:
            raise InvalidInput(f"{self.event_type} carries no payment id")
        if self.amount is None or self.amount.minor <= 0:
            raise InvalidInput(f"{self.event_type} needs a positive amount, not {self.amount}")
        if (self.action in REVERSALS or self.action is Action.CHARGEBACK_REVERSED) and not self.reversal_id:
            raise InvalidInput(f"{self.event_type} carries no refund or dispute id")

    def local_date(self, time_zone: str) -> date:
        """The business date of the event where the customer is."""
        return self.occurred_at.astimezone(ZoneInfo(time_zone)).date()

    def summary(self) -> dict:
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
        }

    def to_dict(self) -> dict:
        return {**self.summary(), "account_ref": self.account_ref, "cumulative": self.cumulative}

    @classmethod
    def from_dict(cls, data: dict) -> PaymentEvent:
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
        )
