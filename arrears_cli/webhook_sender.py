"""Signed test deliveries, built and signed the way each processor does it (with its own library).

Used by `arrears webhooks send`, by the simulator's paying customers and by the tests, so all
three reach the endpoint exactly as a processor's request would.
"""

from __future__ import annotations

import json
import secrets as random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import requests
import stripe
from Adyen.util import generate_notification_sig
from arrears.domain.money import Money
from standardwebhooks.webhooks import Webhook

PROVIDERS = ("stripe", "adyen", "standard")


class Kind(StrEnum):
    PAYMENT = "payment"
    FAILED = "failed"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    DISPUTE_WON = "dispute_won"  # a chargeback reversed in the merchant's favour


@dataclass(frozen=True)
class Delivery:
    provider: str
    path: str
    headers: dict[str, str]
    body: bytes
    payment_id: str = ""
    reversal_id: str = ""  # as given to build(): pass it again to name this refund or dispute

    def post(self, base_url: str, timeout: float = 30) -> requests.Response:
        return requests.post(base_url + self.path, data=self.body, headers=self.headers, timeout=timeout)


class WebhookRefused(RuntimeError):
    """The endpoint did not take a delivery: the sender's money would be left in limbo."""


@dataclass(frozen=True)
class Processors:
    """Where and with which secrets the processors deliver: one webhook endpoint for all three."""

    url: str
    secrets: dict[str, str]

    @classmethod
    def from_local(cls, described: dict) -> Processors:
        """From what `arrears local up` wrote to .arrears/local.json."""
        return cls(described["webhook_url"], {p: w["secret"] for p, w in described["webhooks"].items()})

    def set_clock(self, at: datetime | None) -> bool:
        """Ask the local HTTP API to stamp requests as received at `at` (the simulated day), or
        with the real clock again (None).

        Only the local cloud has this; a deployed API Gateway stamps its own clock (False).
        """
        epoch = at.timestamp() if at is not None else None
        answer = requests.put(f"{self.url}/_local/clock", json={"epoch": epoch}, timeout=30)
        return answer.status_code == 204

    def deliver(self, provider: str, kind: Kind, **event) -> None:
        delivery = build(provider, kind, [self.secrets[provider]], **event)
        answer = delivery.post(self.url)
        if answer.status_code != 200:
            raise WebhookRefused(f"{delivery.path} answered {answer.status_code}: {answer.text[:300]}")


def new_payment_id(provider: str) -> str:
    if provider == "stripe":
        return "pi_" + random.token_hex(12)
    if provider == "adyen":
        return random.token_hex(8).upper()  # a 16-character PSP reference
    return "pay_" + random.token_hex(12)


def build(
    provider: str,
    kind: Kind,
    secrets: list[str],
    *,
    amount: Money,
    payment_id: str,
    account_id: str | None = None,
    reversal_id: str | None = None,
    refunded_total: Money | None = None,
    occurred_at: datetime | None = None,
    event_id: str | None = None,
    signed_at: int | None = None,
) -> Delivery:
    """One event for one payment; `secrets` lists every key it is signed with (rotation signs with each)."""
    occurred_at = occurred_at or datetime.now(UTC)
    signed_at = signed_at if signed_at is not None else int(datetime.now(UTC).timestamp())
    reversal_id = reversal_id or random.token_hex(6)
    if provider == "stripe":
        payload = _stripe(
            kind, amount, payment_id, account_id, reversal_id, refunded_total, occurred_at, event_id
        )
        body = json.dumps(payload)
        header = ",".join(
            [f"t={signed_at}"]
            + [
                stripe.WebhookSignature.generate_signature_header(body, s, signed_at).split(",", 1)[1]
                for s in secrets
            ]
        )
        return Delivery(
            provider,
            "/webhooks/stripe",
            _json_headers({"Stripe-Signature": header}),
            body.encode(),
            payment_id,
            reversal_id,
        )
    if provider == "adyen":
        item = _adyen_item(kind, amount, payment_id, account_id, reversal_id, occurred_at)
        if secrets:
            item["additionalData"]["hmacSignature"] = generate_notification_sig(item, secrets[0]).decode()
        body = json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]})
        return Delivery(
            provider, "/webhooks/adyen", _json_headers({}), body.encode(), payment_id, reversal_id
        )
    if provider == "standard":
        if kind is Kind.DISPUTE_WON:
            raise ValueError("our Standard Webhooks schema has no dispute outcome (docs/webhooks.md)")
        body = json.dumps(_standard(kind, amount, payment_id, account_id, reversal_id, occurred_at))
        msg_id = event_id or "msg_" + random.token_hex(12)
        at = datetime.fromtimestamp(signed_at, UTC)
        signature = " ".join(Webhook(s).sign(msg_id, at, body) for s in secrets)
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(signed_at), "webhook-signature": signature}
        return Delivery(
            provider, "/webhooks/standard", _json_headers(headers), body.encode(), payment_id, reversal_id
        )
    raise ValueError(f"unknown provider {provider!r}; one of {', '.join(PROVIDERS)}")


def _json_headers(extra: dict[str, str]) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "arrears-webhooks-send", **extra}


def _stripe(kind, amount, payment_id, account_id, reversal_id, refunded_total, occurred_at, event_id) -> dict:
    currency = amount.currency.lower()
    if kind in (Kind.PAYMENT, Kind.FAILED):
        event_type = "payment_intent.succeeded" if kind is Kind.PAYMENT else "payment_intent.payment_failed"
        obj = {
            "id": payment_id,
            "object": "payment_intent",
            "amount": amount.minor,
            "amount_received": amount.minor if kind is Kind.PAYMENT else 0,
            "currency": currency,
            "metadata": {"account_id": account_id} if account_id else {},
            "status": "succeeded" if kind is Kind.PAYMENT else "requires_payment_method",
        }
    elif kind is Kind.REFUND:
        event_type = "charge.refunded"
        obj = {
            "id": "ch_" + reversal_id,
            "object": "charge",
            "payment_intent": payment_id,
            "amount_refunded": (refunded_total or amount).minor,
            "currency": currency,
        }
    else:
        won = kind is Kind.DISPUTE_WON
        event_type = "charge.dispute.closed" if won else "charge.dispute.created"
        obj = {
            "id": "dp_" + reversal_id,
            "object": "dispute",
            "payment_intent": payment_id,
            "amount": amount.minor,
            "currency": currency,
            "status": "won" if won else "needs_response",
        }
    return {
        "id": event_id or "evt_" + random.token_hex(12),
        "object": "event",
        "type": event_type,
        "created": int(occurred_at.timestamp()),
        "livemode": False,
        "data": {"object": obj},
    }


ADYEN_CODES = {
    Kind.PAYMENT: "AUTHORISATION",
    Kind.FAILED: "AUTHORISATION",
    Kind.REFUND: "REFUND",
    Kind.CHARGEBACK: "CHARGEBACK",
    Kind.DISPUTE_WON: "CHARGEBACK_REVERSED",
}


def _adyen_item(kind, amount, payment_id, account_id, reversal_id, occurred_at) -> dict:
    item = {
        "eventCode": ADYEN_CODES[kind],
        "success": "false" if kind is Kind.FAILED else "true",
        "pspReference": payment_id,
        "merchantAccountCode": "ArrearsLocal",
        "merchantReference": account_id or "",
        "amount": {"value": amount.minor, "currency": amount.currency},
        "eventDate": occurred_at.isoformat(timespec="seconds"),
        "additionalData": {},
    }
    if kind not in (Kind.PAYMENT, Kind.FAILED):
        item["originalReference"] = payment_id
        item["pspReference"] = reversal_id.upper().ljust(16, "0")[:16]
    return item


def _standard(kind, amount, payment_id, account_id, reversal_id, occurred_at) -> dict:
    data = {
        "account_id": account_id,
        "payment_id": payment_id,
        "amount": amount.minor,
        "currency": amount.currency,
        "occurred_at": occurred_at.isoformat(timespec="seconds"),
    }
    if kind is Kind.REFUND:
        data["refund_id"] = "re_" + reversal_id
    if kind is Kind.CHARGEBACK:
        data["reversal_id"] = "rv_" + reversal_id
    event_type = {
        Kind.PAYMENT: "payment.succeeded",
        Kind.FAILED: "payment.failed",
        Kind.REFUND: "payment.refunded",
        Kind.CHARGEBACK: "payment.reversed",
    }[kind]
    return {"type": event_type, "timestamp": occurred_at.isoformat(timespec="seconds"), "data": data}
