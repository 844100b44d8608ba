"""Stripe: `Stripe-Signature` over `<t>.<raw body>`, events on PaymentIntents, Charges and Disputes.

The account is named in the PaymentIntent's `metadata.account_id`. Refunds and disputes name the
PaymentIntent they belong to, and the payment's receipt says which account it went to.
"""

from __future__ import annotations

from datetime import UTC, datetime

import stripe
from arrears.errors import InvalidInput, SignatureInvalid
from arrears.payments import Action, PaymentEvent
from pydantic import BaseModel, Field

from payment_webhook.payloads import json_of, model_of, money_of

PROVIDER = "stripe"


class _Data(BaseModel):
    object: dict


class StripeEvent(BaseModel):
    id: str = Field(min_length=1)
    type: str
    created: int
    data: _Data


class PaymentIntent(BaseModel):
    id: str = Field(min_length=1)
    amount: int = Field(ge=0)
    amount_received: int = Field(default=0, ge=0)
    currency: str = Field(min_length=3, max_length=3)
    metadata: dict[str, str] = {}


class Charge(BaseModel):
    id: str = Field(min_length=1)
    payment_intent: str | None = None
    amount_refunded: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)


class Dispute(BaseModel):
    id: str = Field(min_length=1)
    charge: str | None = None
    payment_intent: str | None = None
    amount: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    status: str


def _signed_at(header: str) -> int:
    for part in header.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    raise SignatureInvalid("Stripe-Signature carries no timestamp")


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """Any secret in force may have signed it (Stripe signs with each while one is rolled)."""
    header = headers.get("stripe-signature")
    if not header:
        raise SignatureInvalid("no Stripe-Signature header")
    if _signed_at(header) > now + tolerance:
        raise SignatureInvalid("Stripe-Signature timestamp is in the future")
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance)
            return
        except stripe.SignatureVerificationError as exc:
            if "tolerance" in str(exc):
                raise SignatureInvalid("Stripe-Signature timestamp is too old (a replay?)") from exc
    raise SignatureInvalid("Stripe-Signature does not match any signing secret in force")


def normalise(body: str, headers: dict[str, str]) -> list[PaymentEvent]:
    event = model_of(json_of(body), StripeEvent)
    base = {
        "provider": PROVIDER,
        "event_id": event.id,
        "event_type": event.type,
        "occurred_at": datetime.fromtimestamp(event.created, UTC),
    }
    obj = event.data.object
    if event.type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        intent = model_of(obj, PaymentIntent)
        succeeded = event.type == "payment_intent.succeeded"
        amount = intent.amount_received if succeeded else intent.amount
        return [
            PaymentEvent(
                **base,
                action=Action.PAYMENT if succeeded else Action.PAYMENT_FAILED,
                payment_id=intent.id,
                amount=money_of(amount, intent.currency),
                account_ref=intent.metadata.get("account_id"),
            )
        ]
    if event.type == "charge.refunded":
        charge = model_of(obj, Charge)
        return [
            PaymentEvent(
                **base,
                action=Action.REFUND,
                payment_id=charge.payment_intent or charge.id,
                amount=money_of(charge.amount_refunded, charge.currency),
                reversal_id=charge.id,
                cumulative=True,  # amount_refunded is the charge's total so far
            )
        ]
    if event.type in ("charge.dispute.created", "charge.dispute.closed"):
        dispute = model_of(obj, Dispute)
        payment_id = dispute.payment_intent or dispute.charge
        if not payment_id:
            raise InvalidInput("the dispute names neither its PaymentIntent nor its charge")
        if event.type == "charge.dispute.closed" and dispute.status != "won":
            return [PaymentEvent(**base, action=Action.IGNORED)]  # lost: the money stays taken back
        return [
            PaymentEvent(
                **base,
                action=Action.CHARGEBACK
                if event.type == "charge.dispute.created"
                else Action.CHARGEBACK_REVERSED,
                payment_id=payment_id,
                amount=money_of(dispute.amount, dispute.currency),
                reversal_id=dispute.id,
            )
        ]
    return [PaymentEvent(**base, action=Action.IGNORED)]
