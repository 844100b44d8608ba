"""Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), for any other processor.

Our own payload, documented in docs/webhooks.md:
    {"type": "payment.succeeded" | "payment.refunded" | "payment.reversed" | "payment.failed",
     "data": {"account_id", "payment_id", "amount" (minor units), "currency", "occurred_at",
              "refund_id" (refunds), "reversal_id" (reversals)}}
The notification's id is the `webhook-id` header, as the specification says.
"""

from __future__ import annotations

from datetime import UTC, datetime

from arrears.errors import InvalidInput, SignatureInvalid
from arrears.payments import Action, PaymentEvent
from pydantic import BaseModel, Field
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from payment_webhook.payloads import json_of, model_of, money_of

PROVIDER = "standard"
ACTIONS = {
    "payment.succeeded": Action.PAYMENT,
    "payment.failed": Action.PAYMENT_FAILED,
    "payment.refunded": Action.REFUND,
    "payment.reversed": Action.CHARGEBACK,
}


class PaymentData(BaseModel):
    account_id: str | None = None
    payment_id: str = Field(min_length=1)
    amount: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    occurred_at: datetime
    refund_id: str | None = None
    reversal_id: str | None = None


class StandardEvent(BaseModel):
    type: str = Field(min_length=1)
    data: dict


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """The library checks the signature and a five-minute window both ways, as the specification sets."""
    problem = "no signing secret in force"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
            return
        except (WebhookVerificationError, ValueError) as exc:  # ValueError: a garbled signature list
            problem = str(exc)
            if problem != "No matching signature found":
                break  # missing headers or a stale timestamp: no other secret changes that
    raise SignatureInvalid(f"webhook-signature: {problem}")


def normalise(body: str, headers: dict[str, str]) -> list[PaymentEvent]:
    event = model_of(json_of(body), StandardEvent)
    action = ACTIONS.get(event.type, Action.IGNORED)
    event_id = headers.get("webhook-id", "")
    if action is Action.IGNORED:
        # an ignored type carries no occurred_at we read: the signed send time stands in for it
        sent = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        return [PaymentEvent(PROVIDER, event_id, event.type, action, sent)]
    data = model_of(event.data, PaymentData)
    if data.occurred_at.tzinfo is None:
        raise InvalidInput("data.occurred_at must carry its offset")
    reversal_id = data.refund_id if action is Action.REFUND else data.reversal_id
    return [
        PaymentEvent(
            provider=PROVIDER,
            event_id=event_id,
            event_type=event.type,
            action=action,
            occurred_at=data.occurred_at,
            payment_id=data.payment_id,
            amount=money_of(data.amount, data.currency),
            account_ref=data.account_id,
            reversal_id=reversal_id,
        )
    ]
