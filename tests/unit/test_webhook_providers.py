"""Webhook intake per provider: signatures are checked before parsing, then bodies become PaymentEvents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import stripe
from Adyen.util import generate_notification_sig
from arrears.domain.errors import InvalidInput, SignatureInvalid, UnknownProvider
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent, Rejected, SuspenseReason
from payment_webhook import intake
from standardwebhooks.webhooks import Webhook

from arrears_cli.webhook_sender import Delivery, Kind, build
from localcloud.cloud import new_signing_secret

PROVIDERS = ["stripe", "adyen", "standard"]
TIMESTAMPED = ["stripe", "standard"]  # Adyen's HMAC covers no timestamp
# The Standard Webhooks library has a fixed five-minute window; one value keeps every provider comparable.
TOLERANCE = 300
OCCURRED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
RECEIVED = OCCURRED + timedelta(hours=1)  # API Gateway's stamp of the request
LIMITS = intake.Limits({"*": Decimal(1_000_000)}, timedelta(days=35))
AMOUNT = Money(4321, "USD")
PAYMENT_IDS = {"stripe": "pi_test_1", "adyen": "PSP0000000000001", "standard": "pay_test_1"}
EVENT_IDS = {
    "stripe": "evt_test_1",
    "adyen": "AUTHORISATION:PSP0000000000001:true",  # Adyen has no event id: code, PSP reference, success
    "standard": "msg_test_1",
}


def delivery(
    provider: str, secrets: list[str], kind: Kind = Kind.PAYMENT, amount: Money = AMOUNT, **extra
) -> Delivery:
    return build(
        provider,
        kind,
        secrets,
        amount=amount,
        payment_id=PAYMENT_IDS[provider],
        account_id="acc-1",
        reversal_id="rev1",
        occurred_at=OCCURRED,
        event_id="evt_test_1" if provider == "stripe" else "msg_test_1",
        **extra,
    )


def run(
    provider: str,
    body: str,
    headers: dict[str, str],
    secrets: list[str],
    now: float | None = None,
    received_at: datetime = RECEIVED,
):
    now = time.time() if now is None else now
    return intake.verified_events(provider, body, headers, secrets, TOLERANCE, now, received_at, LIMITS)


def verify(provider: str, sent: Delivery, secrets: list[str]) -> list[PaymentEvent]:
    # the handler lowercases header names before intake sees them
    return run(provider, sent.body.decode(), {k.lower(): v for k, v in sent.headers.items()}, secrets)


def sign_raw(provider: str, secret: str, body: str) -> dict[str, str]:
    """Correct signature headers for any body, JSON or not, for payloads the sender cannot build."""
    now = int(time.time())
    if provider == "stripe":
        return {"stripe-signature": stripe.WebhookSignature.generate_signature_header(body, secret, now)}
    signature = Webhook(secret).sign("msg_raw", datetime.fromtimestamp(now, UTC), body)
    return {"webhook-id": "msg_raw", "webhook-timestamp": str(now), "webhook-signature": signature}


def adyen_item(payload: dict) -> dict:
    return payload["notificationItems"][0]["NotificationRequestItem"]


def resigned(provider: str, secret: str, change: Callable[[dict], object], kind: Kind = Kind.PAYMENT):
    """A sender-built payload, edited, then signed again as the provider would sign the edited one."""
    payload = json.loads(delivery(provider, [secret], kind).body)
    change(payload)
    if provider == "adyen":
        item = adyen_item(payload)
        item["additionalData"]["hmacSignature"] = generate_notification_sig(item, secret).decode()
        body = json.dumps(payload)
        return run(provider, body, {}, [secret])
    body = json.dumps(payload)
    return run(provider, body, sign_raw(provider, secret, body), [secret])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_signed_payment_becomes_one_payment_event_with_its_details(provider):
    secret = new_signing_secret(provider)
    [event] = verify(provider, delivery(provider, [secret]), [secret])
    assert event.provider == provider
    assert event.action is Action.PAYMENT
    assert event.payment_id == PAYMENT_IDS[provider]
    assert event.account_ref == "acc-1"
    assert (event.amount.minor, event.amount.currency) == (4321, "USD")
    assert event.event_id == EVENT_IDS[provider]
    assert event.occurred_at == OCCURRED


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_delivery_signed_with_another_secret_is_refused(provider):
    sent = delivery(provider, [new_signing_secret(provider)])
    with pytest.raises(SignatureInvalid):
        verify(provider, sent, [new_signing_secret(provider)])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_body_changed_after_signing_is_refused(provider):
    secret = new_signing_secret(provider)
    sent = delivery(provider, [secret])
    tampered = sent.body.replace(b"4321", b"1")
    assert tampered != sent.body  # the amount really was rewritten
    with pytest.raises(SignatureInvalid):
        verify(provider, Delivery(provider, sent.path, sent.headers, tampered), [secret])


@pytest.mark.parametrize("offset", [-(TOLERANCE + 60), TOLERANCE + 60], ids=["stale", "future"])
@pytest.mark.parametrize("provider", TIMESTAMPED)
def test_a_timestamp_outside_the_tolerance_is_refused_even_with_a_good_signature(provider, offset):
    secret = new_signing_secret(provider)
    sent = delivery(provider, [secret], signed_at=int(time.time()) + offset)
    with pytest.raises(SignatureInvalid):
        verify(provider, sent, [secret])


def test_an_adyen_item_without_hmac_signature_is_refused():
    sent = delivery("adyen", [])  # the sender adds hmacSignature only when given a key
    assert "hmacSignature" not in sent.body.decode()
    with pytest.raises(SignatureInvalid, match="no hmacSignature"):
        verify("adyen", sent, [new_signing_secret("adyen")])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_old_secret_verifies_during_rotation_and_not_after_it(provider):
    old, new = new_signing_secret(provider), new_signing_secret(provider)
    sent = delivery(provider, [old])
    [event] = verify(provider, sent, [new, old])
    assert event.payment_id == PAYMENT_IDS[provider]
    with pytest.raises(SignatureInvalid):
        verify(provider, sent, [new])


@pytest.mark.parametrize("provider", TIMESTAMPED)
def test_an_unsigned_non_json_body_fails_verification_before_parsing(provider):
    secret = new_signing_secret(provider)
    headers = sign_raw(provider, secret, "{}")
    with pytest.raises(SignatureInvalid):
        run(provider, "{not json", headers, [secret])


@pytest.mark.parametrize("body", ["{not json", "[1, 2]"], ids=["not-json", "not-an-object"])
@pytest.mark.parametrize("provider", TIMESTAMPED)
def test_a_correctly_signed_body_that_is_not_a_json_object_is_kept_aside_not_refused(provider, body):
    # authentic: refusing it would have the processor retry it for days
    secret = new_signing_secret(provider)
    [rejected] = run(provider, body, sign_raw(provider, secret, body), [secret])
    assert isinstance(rejected, Rejected)
    assert rejected.reason is SuspenseReason.MALFORMED
    assert "JSON" in rejected.problem


@pytest.mark.parametrize("body", ["{not json", "[1, 2]"], ids=["not-json", "not-an-object"])
def test_an_adyen_body_that_is_not_a_json_object_is_invalid_input(body):
    # the HMAC lives inside the JSON, so Adyen has to parse before it can verify
    with pytest.raises(InvalidInput):
        run("adyen", body, {}, [new_signing_secret("adyen")])


@pytest.mark.parametrize(
    "provider, change, field",
    [
        ("stripe", lambda p: p["data"]["object"].pop("currency"), "currency"),
        ("standard", lambda p: p["data"].pop("payment_id"), "payment_id"),
        # Adyen's HMAC does not cover eventDate, so the item still verifies without it
        ("adyen", lambda p: adyen_item(p).pop("eventDate"), "eventDate"),
    ],
)
def test_a_signed_payload_missing_a_required_field_is_kept_aside_naming_it(provider, change, field):
    [rejected] = resigned(provider, new_signing_secret(provider), change)
    assert isinstance(rejected, Rejected)
    assert rejected.reason is SuspenseReason.MALFORMED
    assert field in rejected.problem


@pytest.mark.parametrize(
    "provider, change, event_type",
    [
        ("stripe", lambda p: p.update(type="customer.created"), "customer.created"),
        ("standard", lambda p: p.update(type="payment.updated"), "payment.updated"),
        ("adyen", lambda p: adyen_item(p).update(eventCode="REPORT_AVAILABLE"), "REPORT_AVAILABLE"),
    ],
)
def test_an_event_type_we_do_not_act_on_is_ignored_not_refused(provider, change, event_type):
    [event] = resigned(provider, new_signing_secret(provider), change)
    assert event.action is Action.IGNORED
    assert event.event_type == event_type
    assert event.amount is None


@pytest.mark.parametrize("amount", [Money(1500, "JPY"), Money(12345, "KWD")], ids=["JPY", "KWD"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_zero_and_three_decimal_currencies_keep_their_minor_units(provider, amount):
    secret = new_signing_secret(provider)
    [event] = verify(provider, delivery(provider, [secret], amount=amount), [secret])
    assert event.amount == amount


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_unknown_currency_code_is_kept_aside_naming_it(provider):
    secret = new_signing_secret(provider)
    [rejected] = verify(provider, delivery(provider, [secret], amount=Money(100, "XXZ")), [secret])
    assert isinstance(rejected, Rejected)
    assert "unknown currency 'XXZ'" in rejected.problem.replace("'xxz'", "'XXZ'")


@pytest.mark.parametrize(
    "provider, kind, action, reversal_id",
    [
        ("stripe", Kind.REFUND, Action.REFUND, "ch_rev1"),
        ("stripe", Kind.CHARGEBACK, Action.CHARGEBACK, "dp_rev1"),
        ("stripe", Kind.DISPUTE_WON, Action.CHARGEBACK_REVERSED, "dp_rev1"),
        ("adyen", Kind.REFUND, Action.REFUND, "REV1000000000000"),
        ("adyen", Kind.CHARGEBACK, Action.CHARGEBACK, "REV1000000000000"),
        ("adyen", Kind.DISPUTE_WON, Action.CHARGEBACK_REVERSED, "REV1000000000000"),
        ("standard", Kind.REFUND, Action.REFUND, "re_rev1"),
        ("standard", Kind.CHARGEBACK, Action.CHARGEBACK, "rv_rev1"),
    ],
)
def test_refunds_and_chargebacks_name_the_original_payment_and_their_own_id(
    provider, kind, action, reversal_id
):
    secret = new_signing_secret(provider)
    [event] = verify(provider, delivery(provider, [secret], kind), [secret])
    assert event.action is action
    # Adyen: the original payment comes from originalReference; pspReference is the reversal's own
    assert event.payment_id == PAYMENT_IDS[provider]
    assert event.reversal_id == reversal_id
    assert event.amount == AMOUNT
    # only Stripe's charge.refunded reports the total refunded so far rather than one refund
    assert event.cumulative is (provider == "stripe" and kind is Kind.REFUND)


def test_a_stripe_refund_carries_the_charges_cumulative_refunded_total():
    secret = new_signing_secret("stripe")
    sent = delivery(
        "stripe", [secret], Kind.REFUND, amount=Money(500, "USD"), refunded_total=Money(1500, "USD")
    )
    [event] = verify("stripe", sent, [secret])
    assert (event.action, event.amount, event.cumulative) == (Action.REFUND, Money(1500, "USD"), True)


def test_a_stripe_dispute_closed_as_lost_is_ignored():
    # lost: the money the chargeback took back stays taken, so nothing is posted
    [event] = resigned(
        "stripe",
        new_signing_secret("stripe"),
        lambda p: p["data"]["object"].update(status="lost"),
        Kind.DISPUTE_WON,
    )
    assert event.event_type == "charge.dispute.closed"
    assert event.action is Action.IGNORED


def test_an_unknown_provider_is_refused_before_anything_is_verified():
    with pytest.raises(UnknownProvider, match="paypal"):
        intake.verified_events("paypal", "{}", {}, ["secret"], TOLERANCE, time.time(), RECEIVED, LIMITS)


def test_a_standard_signature_header_without_a_version_is_refused_as_a_bad_signature():
    secret = new_signing_secret("standard")
    sent = delivery("standard", [secret])
    headers = {k.lower(): v for k, v in sent.headers.items()} | {"webhook-signature": "garbage"}
    with pytest.raises(SignatureInvalid):
        run("standard", sent.body.decode(), headers, [secret])


def test_an_adyen_item_whose_additional_data_is_not_an_object_is_refused_as_a_bad_signature():
    secret = new_signing_secret("adyen")
    payload = json.loads(delivery("adyen", [secret]).body)
    adyen_item(payload)["additionalData"] = "hmacSignature"
    with pytest.raises(SignatureInvalid):
        run("adyen", json.dumps(payload), {}, [secret])
