"""Stripe: `Stripe-Signature` over `<t>.<raw body>`, events on PaymentIntents, Charges and Disputes.

The account is named in the PaymentIntent's `metadata.account_id`. Refunds and disputes name the
PaymentIntent they belong to, and the payment's receipt says which account it went to.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from arrears.domain.errors import AmountOutOfBounds, InvalidInput, SignatureInvalid
from arrears.domain.payments import MAX_ID_LENGTH, Action, PaymentEvent, Rejected, SuspenseReason
from arrears.runtime.bounded_json import json_of
from pydantic import Field, StrictInt, StrictStr

from payment_webhook.payloads import Payload, model_of, money_of

PROVIDER = "stripe"
LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: a later `created` is no date at all


class _Data(Payload):
    object: dict


class StripeEvent(Payload):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    type: StrictStr = Field(max_length=MAX_ID_LENGTH)
    created: StrictInt = Field(ge=0, le=LATEST_EPOCH)
    data: _Data


class PaymentIntent(Payload):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    amount: StrictInt = Field(ge=0)
    amount_received: StrictInt = Field(default=0, ge=0)
    currency: StrictStr = Field(min_length=3, max_length=3)
    metadata: dict[str, StrictStr] = {}


class Charge(Payload):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    payment_intent: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    amount_refunded: StrictInt = Field(ge=0)
    currency: StrictStr = Field(min_length=3, max_length=3)


class Dispute(Payload):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    charge: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    payment_intent: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    amount: StrictInt = Field(gt=0)
    currency: StrictStr = Field(min_length=3, max_length=3)
    status: StrictStr = Field(max_length=64)


def _header(headers: dict[str, str]) -> tuple[int, str]:
    """Exactly one timestamp and a few v1 signatures: a header Stripe could have sent, or refused."""
    header = headers.get("stripe-signature")
    if not header:
        raise SignatureInvalid("no Stripe-Signature header")
    if len(header) > 2048 or not header.isascii():
        raise SignatureInvalid("Stripe-Signature is malformed")
    stamps, signatures = [], 0
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureInvalid("Stripe-Signature is malformed")
        if key == "t":
            stamps.append(value)
        elif key == "v1":
            signatures += 1
    if len(stamps) != 1 or not stamps[0].isdigit() or len(stamps[0]) > 11:
        raise SignatureInvalid("Stripe-Signature must carry exactly one timestamp")
    if not 1 <= signatures <= 8:
        raise SignatureInvalid("Stripe-Signature must carry between one and eight v1 signatures")
    return int(stamps[0]), header


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """Any secret in force may have signed it (Stripe signs with each while one is rolled)."""
    signed_at, header = _header(headers)
    if signed_at > now + tolerance:
        raise SignatureInvalid("Stripe-Signature timestamp is in the future")
    if signed_at < now - tolerance:
        raise SignatureInvalid("Stripe-Signature timestamp is too old (a replay?)")
    import stripe  # here: one function serves three providers; an Adyen delivery needs no Stripe SDK

    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance)
            return
        except stripe.SignatureVerificationError:
            continue
    raise SignatureInvalid("Stripe-Signature does not match any signing secret in force")


def normalise(body: str, headers: dict[str, str], received_at: datetime) -> list[PaymentEvent | Rejected]:
    """The whole body is signed: whatever is wrong with it now is authentic, kept in suspense."""
    try:
        return [_event(body)]
    except InvalidInput as exc:
        reason = SuspenseReason.AMOUNT_OUT_OF_BOUNDS if isinstance(exc, AmountOutOfBounds) else None
        return [
            Rejected(
                PROVIDER, _key(body), _type(body), reason or SuspenseReason.MALFORMED, str(exc), received_at
            )
        ]


def _key(body: str) -> str:
    found = re.search(r'"id"\s*:\s*"(evt_[A-Za-z0-9_]{1,100})"', body)
    return found.group(1) if found else "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def _type(body: str) -> str:
    found = re.search(r'"type"\s*:\s*"([a-z_.]{1,64})"', body)
    return found.group(1) if found else "unknown"


def _event(body: str) -> PaymentEvent:
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
        return PaymentEvent(
            **base,
            action=Action.PAYMENT if succeeded else Action.PAYMENT_FAILED,
            payment_id=intent.id,
            amount=money_of(amount, intent.currency),
            account_ref=intent.metadata.get("account_id"),
        )
    if event.type == "charge.refunded":
        charge = model_of(obj, Charge)
        return PaymentEvent(
            **base,
            action=Action.REFUND,
            payment_id=charge.payment_intent or charge.id,
            amount=money_of(charge.amount_refunded, charge.currency),
            reversal_id=charge.id,
            cumulative=True,  # amount_refunded is the charge's total so far
        )
    if event.type in ("charge.dispute.created", "charge.dispute.closed"):
        dispute = model_of(obj, Dispute)
        payment_id = dispute.payment_intent or dispute.charge
        if not payment_id:
            raise InvalidInput("the dispute names neither its PaymentIntent nor its charge")
        if event.type == "charge.dispute.closed" and dispute.status != "won":
            return PaymentEvent(**base, action=Action.IGNORED)  # lost: the money stays taken back
        return PaymentEvent(
            **base,
            action=Action.CHARGEBACK
            if event.type == "charge.dispute.created"
            else Action.CHARGEBACK_REVERSED,
            payment_id=payment_id,
            amount=money_of(dispute.amount, dispute.currency),
            reversal_id=dispute.id,
        )
    return PaymentEvent(**base, action=Action.IGNORED)
