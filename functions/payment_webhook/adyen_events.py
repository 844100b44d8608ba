"""Adyen standard notifications: an HMAC per item in `additionalData.hmacSignature`, answered `[accepted]`.

The account is the payment's `merchantReference`; refunds and disputes name their payment in
`originalReference`. Adyen's notifications carry no event id: the documented dedupe key is
event code + PSP reference + success. All events of one dispute share its PSP reference.

The HMAC covers only some fields (see SIGNED). Two consequences shape this module:
- the signature is checked over exactly those fields, rebuilt from the item as plain scalars, so
  no shape of the item (Adyen's library reads a nested `notificationItems` in place of the item
  it was given) can make a captured signature vouch for other content;
- `eventDate` is not signed, and Adyen signs no time: the date we post on is held within Adyen's
  retry period before the request's receipt (API Gateway's stamp), so a re-dated item cannot
  back-date money, and its permanent dedupe key makes a replay change nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from arrears.domain.errors import AmountOutOfBounds, InvalidInput, PayloadTooLarge, SignatureInvalid
from arrears.domain.payments import MAX_ID_LENGTH, Action, PaymentEvent, Rejected, SuspenseReason
from arrears.runtime.bounded_json import json_of
from pydantic import Field, StrictInt, StrictStr

from payment_webhook.payloads import Payload, model_of, money_of

PROVIDER = "adyen"
ACCEPTED = "[accepted]"
MAX_ITEMS = 100  # Adyen sends one item per notification today; batches were a handful
RETRY_PERIOD = timedelta(days=30)  # Adyen retries a failed delivery for up to 30 days
CLOCK_SKEW = timedelta(minutes=5)
SIGNED = (
    "pspReference",
    "originalReference",
    "merchantAccountCode",
    "merchantReference",
    "eventCode",
    "success",
)
# Keys Adyen's library treats as a whole notification: inside an item they can only be a forgery.
ENVELOPE_KEYS = {"notificationItems", "NotificationRequestItem", "live"}

# What each code does to the payment named in originalReference (dispute codes share the
# dispute's PSP reference, so a second chargeback is keyed apart from the first).
REVERSAL_CODES = {
    "REFUND": Action.REFUND,
    "CANCEL_OR_REFUND": Action.REFUND,
    "CHARGEBACK": Action.CHARGEBACK,
    "SECOND_CHARGEBACK": Action.CHARGEBACK,
}
REINSTATE_CODES = {
    "CHARGEBACK_REVERSED": Action.CHARGEBACK_REVERSED,  # the merchant won the dispute
    "REFUND_FAILED": Action.REFUND_REVERSED,
    "REFUNDED_REVERSED": Action.REFUND_REVERSED,
}
# No money moves on our side: answered and logged, nothing posted.
INFORMATIONAL = {
    "CAPTURE",
    "NOTIFICATION_OF_CHARGEBACK",
    "REQUEST_FOR_INFORMATION",
    "NOTIFICATION_OF_FRAUD",
    "DISPUTE_DEFENSE_PERIOD_ENDED",
    "INFORMATION_SUPPLIED",
    "ISSUER_COMMENTS",
    "ISSUER_RESPONSE_TIMEFRAME_EXPIRED",
    "REPORT_AVAILABLE",
    "RECURRING_CONTRACT",
    "PENDING",
    "OFFER_CLOSED",
}
# Anything else (CAPTURE_FAILED or CANCELLATION after a posted authorisation, pre-arbitration,
# codes Adyen adds later) may move money we cannot model: suspense, for an operator.


class Amount(Payload):
    value: StrictInt = Field(ge=0)
    currency: StrictStr = Field(min_length=3, max_length=3)


class NotificationRequestItem(Payload):
    eventCode: StrictStr = Field(min_length=1, max_length=64)
    success: Literal["true", "false"]
    pspReference: StrictStr = Field(min_length=1, max_length=MAX_ID_LENGTH)
    originalReference: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    merchantReference: StrictStr | None = Field(default=None, max_length=MAX_ID_LENGTH)
    merchantAccountCode: StrictStr = Field(max_length=MAX_ID_LENGTH)
    amount: Amount
    eventDate: datetime


def _items(body: str) -> list[dict]:
    data = json_of(body)
    wrappers = data.get("notificationItems")
    if not isinstance(wrappers, list) or not wrappers:
        raise InvalidInput("notificationItems must be a non-empty list")
    if len(wrappers) > MAX_ITEMS:
        raise PayloadTooLarge(f"more than {MAX_ITEMS} notification items in one request")
    items = []
    for wrapper in wrappers:
        item = wrapper.get("NotificationRequestItem") if isinstance(wrapper, dict) else None
        if not isinstance(item, dict) or len(wrapper) != 1:
            raise InvalidInput("each entry of notificationItems must hold exactly one notification item")
        if ENVELOPE_KEYS & item.keys():
            raise InvalidInput("a notification item may not carry a notification of its own")
        items.append(item)
    return items


def _signed_part(item: dict) -> dict:
    """The fields the HMAC covers, and nothing else: Adyen signs each as text (`str(value)`), so a
    value of another type verifies only if its text was signed, and the strict parse that follows
    keeps it from being applied."""
    signed = {name: item[name] for name in SIGNED if item.get(name) is not None}
    amount = item.get("amount")
    if not isinstance(amount, dict) or "value" not in amount or "currency" not in amount:
        raise InvalidInput("amount must be an object with value and currency")
    signed["amount"] = {"value": amount["value"], "currency": amount["currency"]}
    return signed


def _signature(item: dict) -> str:
    extra = item.get("additionalData")
    signature = extra.get("hmacSignature") if isinstance(extra, dict) else None
    if not isinstance(signature, str) or not signature or len(signature) > 128:
        raise SignatureInvalid("a notification item carries no hmacSignature")
    return signature


def verify(body: str, headers: dict[str, str], secrets: list[str], tolerance: int, now: float) -> None:
    """Every item must verify with one of the HMAC keys in force, over exactly its signed fields."""
    for item in _items(body):
        signed = {**_signed_part(item), "additionalData": {"hmacSignature": _signature(item)}}
        if not any(_valid(signed, key) for key in secrets):
            raise SignatureInvalid("an item's hmacSignature does not match any HMAC key in force")


def _valid(signed: dict, key: str) -> bool:
    # Imported here: Adyen's package brings its whole API client (and requests) with it, and
    # one function serves three providers; a Stripe delivery should not load Adyen's SDK.
    from Adyen.util import is_valid_hmac_notification

    try:
        return bool(is_valid_hmac_notification(signed, key))
    except (KeyError, TypeError, ValueError):  # a malformed key cannot verify
        return False


def normalise(body: str, headers: dict[str, str], received_at: datetime) -> list[PaymentEvent | Rejected]:
    return [_normalised(item, received_at) for item in _items(body)]


def _key(item: dict) -> str:
    key = f"{item.get('eventCode')}:{item.get('pspReference')}:{item.get('success')}"
    if len(key) <= MAX_ID_LENGTH and key.isprintable():
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _normalised(raw: dict, received_at: datetime) -> PaymentEvent | Rejected:
    code = str(raw.get("eventCode"))[:64]
    try:
        item = model_of(raw, NotificationRequestItem, "the notification item")
        return _event(item, received_at)
    except AmountOutOfBounds as exc:
        return Rejected(PROVIDER, _key(raw), code, SuspenseReason.AMOUNT_OUT_OF_BOUNDS, str(exc), received_at)
    except InvalidInput as exc:
        return Rejected(PROVIDER, _key(raw), code, SuspenseReason.MALFORMED, str(exc), received_at)


def posting_time(event_date: datetime, received_at: datetime) -> datetime:
    """The unsigned eventDate, held within Adyen's retry period before the request's receipt."""
    earliest, latest = received_at - RETRY_PERIOD, received_at + CLOCK_SKEW
    return min(max(event_date, earliest), latest)


def _event(item: NotificationRequestItem, received_at: datetime) -> PaymentEvent | Rejected:
    if item.eventDate.tzinfo is None:
        raise InvalidInput("eventDate must carry its offset")
    code, succeeded = item.eventCode, item.success == "true"
    base = {
        "provider": PROVIDER,
        "event_id": f"{code}:{item.pspReference}:{item.success}",
        "event_type": code,
        "occurred_at": posting_time(item.eventDate, received_at),
    }
    amount = money_of(item.amount.value, item.amount.currency)
    if code == "AUTHORISATION":
        return PaymentEvent(
            **base,
            action=Action.PAYMENT if succeeded else Action.PAYMENT_FAILED,
            payment_id=item.pspReference,
            amount=amount,
            account_ref=item.merchantReference,
        )
    if code in INFORMATIONAL or (not succeeded and (code in REVERSAL_CODES or code in REINSTATE_CODES)):
        return PaymentEvent(**base, action=Action.IGNORED)
    if code in REVERSAL_CODES or code in REINSTATE_CODES:
        if not item.originalReference:
            raise InvalidInput(f"{code} without originalReference")
        action = REVERSAL_CODES.get(code) or REINSTATE_CODES[code]
        reversal_id = f"{item.pspReference}:second" if code == "SECOND_CHARGEBACK" else item.pspReference
        return PaymentEvent(
            **base,
            action=action,
            payment_id=item.originalReference,
            amount=amount,
            reversal_id=reversal_id,
        )
    return Rejected(
        PROVIDER,
        base["event_id"],
        code,
        SuspenseReason.UNSUPPORTED_EVENT,
        f"{code} ({'succeeded' if succeeded else 'failed'}) is not applied automatically; check it",
        received_at,
    )
