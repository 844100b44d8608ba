"""Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), for any other processor.

Our own payload, documented in docs/webhooks.md:
    {"type": "payment.succeeded" | "payment.refunded" | "payment.reversed" | "payment.failed",
     "data": {"account_id", "payment_id", "amount" (minor units), "currency", "occurred_at",
              "refund_id" (refunds), "reversal_id" (reversals),
              "processor_reference" (optional: "stripe:pi_..." when relaying another processor's payment)}}
The notification's id is the `webhook-id` header, as the specification says.
"""

from __future__ import annotations

from datetime import UTC, datetime

from arrears.domain.errors import AmountOutOfBounds, InvalidInput, SignatureInvalid
from arrears.domain.payments import MAX_ID_LENGTH, Action, PaymentEvent, Rejected, SuspenseReason
from arrears.runtime.bounded_json import json_of
from pydantic import Field, StrictInt, StrictStr
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from payment_webhook.payloads import Payload, model_of, money_of

PROVIDER = "standard"
ACTIONS = {
    "payment.succeeded": Action.PAYMENT,
    "payment.failed": Action.PAYMENT_FAILED,
    "payment.refunded": Action.REFUND,
    "payment.reversed": Action.CHARGEBACK,
}
HOLDERS = ("stripe", "adyen")  # processors whose payments a relaying sender may name


class PaymentData(Payload):
    account_id: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    payment_id: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    amount: StrictInt = Field(gt=0)
    currency: StrictStr = Field(min_length=3, max_length=3)
    occurred_at: datetime
    refund_id: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    reversal_id: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    # "<processor>:<its payment id>" when this sender relays a payment another processor holds
    processor_reference: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)


class StandardEvent(Payload):
    type: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    data: dict


def _headers(headers: dict[str, str]) -> None:
    """The three headers in the shapes the specification gives, before the library reads them."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not msg_id or len(msg_id) > MAX_ID_LENGTH or not (msg_id.isascii() and msg_id.isprintable()):
        raise SignatureInvalid("webhook-id is missing or malformed")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 11:
        raise SignatureInvalid("webhook-timestamp is missing or malformed")
    parts = signature.split(" ")
    if not signature or len(signature) > 2048 or not signature.isascii() or len(parts) > 8:
        raise SignatureInvalid("webhook-signature is missing or malformed")


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """The library checks the signature and a five-minute window both ways, as the specification sets."""
    _headers(headers)
    if abs(int(headers["webhook-timestamp"]) - now) > tolerance:
        raise SignatureInvalid("webhook-timestamp is outside the tolerance (a replay?)")
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
            return
        except (WebhookVerificationError, ValueError):  # ValueError: a garbled signature list
            continue
    raise SignatureInvalid("webhook-signature does not match any signing secret in force")


def normalise(body: str, headers: dict[str, str], received_at: datetime) -> list[PaymentEvent | Rejected]:
    """The whole body is signed: whatever is wrong with it now is authentic, kept in suspense."""
    event_id = headers["webhook-id"]
    try:
        return [_event(body, event_id, int(headers["webhook-timestamp"]))]
    except InvalidInput as exc:
        reason = SuspenseReason.AMOUNT_OUT_OF_BOUNDS if isinstance(exc, AmountOutOfBounds) else None
        return [
            Rejected(PROVIDER, event_id, "unknown", reason or SuspenseReason.MALFORMED, str(exc), received_at)
        ]


def _holder(reference: str | None, payment_id: str) -> tuple[str | None, str]:
    if reference is None:
        return None, payment_id
    processor, sep, its_id = reference.partition(":")
    if not sep or processor not in HOLDERS or not its_id:
        raise InvalidInput(
            f"processor_reference must be one of {sorted(HOLDERS)} and an id, as stripe:pi_123"
        )
    return processor, its_id


def _event(body: str, event_id: str, sent_at: int) -> PaymentEvent:
    event = model_of(json_of(body), StandardEvent)
    action = ACTIONS.get(event.type, Action.IGNORED)
    if action is Action.IGNORED:
        # an ignored type carries no occurred_at we read: the signed send time stands in for it
        sent = datetime.fromtimestamp(sent_at, UTC)
        return PaymentEvent(PROVIDER, event_id, event.type, action, sent)
    data = model_of(event.data, PaymentData, "data")
    if data.occurred_at.tzinfo is None:
        raise InvalidInput("data.occurred_at must carry its offset")
    holder, payment_id = _holder(data.processor_reference, data.payment_id)
    reversal_id = data.refund_id if action is Action.REFUND else data.reversal_id
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        event_type=event.type,
        action=action,
        occurred_at=data.occurred_at,
        payment_id=payment_id,
        amount=money_of(data.amount, data.currency),
        account_ref=data.account_id,
        reversal_id=reversal_id,
        payment_provider=holder,
    )
