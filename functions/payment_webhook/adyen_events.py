"""Adyen standard notifications: an HMAC per item in `additionalData.hmacSignature`, answered `[accepted]`.

The account is the payment's `merchantReference`; refunds and chargebacks name their payment
in `originalReference`. Adyen's notifications carry no event id: the documented dedupe key is
event code + PSP reference + success.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from Adyen.util import is_valid_hmac_notification
from arrears.errors import InvalidInput, SignatureInvalid
from arrears.payments import Action, PaymentEvent
from pydantic import BaseModel, Field

from payment_webhook.payloads import json_of, model_of, money_of

PROVIDER = "adyen"
ACCEPTED = "[accepted]"
# What each reversal-type notification does to the payment named in originalReference.
REVERSAL_CODES = {
    "REFUND": Action.REFUND,
    "CHARGEBACK": Action.CHARGEBACK,
    "CHARGEBACK_REVERSED": Action.CHARGEBACK_REVERSED,  # the merchant won the dispute
}


class Amount(BaseModel):
    value: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)


class NotificationRequestItem(BaseModel):
    eventCode: str = Field(min_length=1)
    success: Literal["true", "false"]
    pspReference: str = Field(min_length=1)
    originalReference: str | None = None
    merchantReference: str | None = None
    merchantAccountCode: str
    amount: Amount
    eventDate: datetime
    additionalData: dict = {}


class _Wrapped(BaseModel):
    NotificationRequestItem: dict


class Notification(BaseModel):
    live: str | bool
    notificationItems: list[_Wrapped] = Field(min_length=1)


def _items(body: str) -> list[dict]:
    return [w.NotificationRequestItem for w in model_of(json_of(body), Notification).notificationItems]


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """Every item must verify with one of the HMAC keys in force. Adyen signs no timestamp."""
    for item in _items(body):
        extra = item.get("additionalData")
        if not isinstance(extra, dict) or not extra.get("hmacSignature"):
            raise SignatureInvalid("a notification item carries no hmacSignature")
        if not any(_valid(item, key) for key in secrets):
            raise SignatureInvalid("an item's hmacSignature does not match any HMAC key in force")


def _valid(item: dict, key: str) -> bool:
    try:
        return bool(is_valid_hmac_notification(item, key))
    except (KeyError, TypeError, ValueError):  # a malformed item or key cannot verify
        return False


def normalise(body: str, headers: dict[str, str]) -> list[PaymentEvent]:
    return [_event(model_of(item, NotificationRequestItem)) for item in _items(body)]


def _event(item: NotificationRequestItem) -> PaymentEvent:
    if item.eventDate.tzinfo is None:
        raise InvalidInput("eventDate must carry its offset")
    base = {
        "provider": PROVIDER,
        "event_id": f"{item.eventCode}:{item.pspReference}:{item.success}",
        "event_type": item.eventCode,
        "occurred_at": item.eventDate,
    }
    succeeded = item.success == "true"
    amount = money_of(item.amount.value, item.amount.currency)
    if item.eventCode == "AUTHORISATION":
        return PaymentEvent(
            **base,
            action=Action.PAYMENT if succeeded else Action.PAYMENT_FAILED,
            payment_id=item.pspReference,
            amount=amount,
            account_ref=item.merchantReference,
        )
    if item.eventCode in REVERSAL_CODES and succeeded:
        if not item.originalReference:
            raise InvalidInput(f"{item.eventCode} without originalReference")
        return PaymentEvent(
            **base,
            action=REVERSAL_CODES[item.eventCode],
            payment_id=item.originalReference,
            amount=amount,
            reversal_id=item.pspReference,
        )
    return PaymentEvent(**base, action=Action.IGNORED)
