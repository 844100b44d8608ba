"""What the webhook does with hostile and odd input, before anything is stored: refused (4xx), or
authentic but kept aside (Rejected), or a PaymentEvent dated and bounded as the rules say."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import stripe
from Adyen.util import generate_notification_sig
from arrears.domain.errors import AmountOutOfBounds, InvalidInput, PayloadTooLarge, SignatureInvalid
from arrears.domain.money import MAX_MINOR, Money
from arrears.domain.payments import Action, PaymentEvent, Rejected, SuspenseReason
from arrears.runtime.bounded_json import MAX_BODY_BYTES, json_of, raw_body
from payment_webhook import adyen_events, intake
from standardwebhooks.webhooks import Webhook

from localcloud.cloud import new_signing_secret

RECEIVED = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
LIMITS = intake.Limits({"*": Decimal(1_000_000), "JPY": Decimal(150_000_000)}, timedelta(days=35))
ADYEN_KEY = new_signing_secret("adyen")


def _adyen_item(value=4321, code="AUTHORISATION", psp="PSP0000000000001", date=RECEIVED, **extra) -> dict:
    item = {
        "eventCode": code,
        "success": "true",
        "pspReference": psp,
        "merchantAccountCode": "ArrearsLocal",
        "merchantReference": "acc-1",
        "amount": {"value": value, "currency": "USD"},
        "eventDate": date.isoformat(),
        "additionalData": {},
        **extra,
    }
    item["additionalData"]["hmacSignature"] = generate_notification_sig(item, ADYEN_KEY).decode()
    return item


def _adyen_body(*items: dict) -> str:
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": i} for i in items]})


def _adyen(body: str, received_at: datetime = RECEIVED) -> list:
    return intake.verified_events("adyen", body, {}, [ADYEN_KEY], 300, time.time(), received_at, LIMITS)


def _stripe(payload: dict, secret: str, header: str | None = None) -> list:
    body = json.dumps(payload)
    header = header or stripe.WebhookSignature.generate_signature_header(body, secret, int(time.time()))
    headers = {"stripe-signature": header}
    return intake.verified_events("stripe", body, headers, [secret], 300, time.time(), RECEIVED, LIMITS)


def _intent(amount=4321, created: datetime = RECEIVED) -> dict:
    return {
        "id": "evt_1",
        "type": "payment_intent.succeeded",
        "created": int(created.timestamp()),
        "data": {
            "object": {
                "id": "pi_1",
                "amount": amount,
                "amount_received": amount,
                "currency": "usd",
                "metadata": {"account_id": "acc-1"},
            }
        },
    }


# ---------------------------------------------------------------- Adyen: no wrapping, no back-dating


def test_a_captured_adyen_item_wrapped_inside_a_forged_one_is_refused():
    captured = _adyen_item(value=100)
    forged = {
        **_adyen_item(value=5_000_000_00),
        "additionalData": {"hmacSignature": captured["additionalData"]["hmacSignature"]},
        "notificationItems": [{"NotificationRequestItem": captured}],
    }
    with pytest.raises(InvalidInput, match="notification of its own"):
        _adyen(_adyen_body(forged))


def test_a_forged_amount_under_a_captured_signature_does_not_verify():
    captured = _adyen_item(value=100)
    forged = {**captured, "amount": {"value": 5_000_000_00, "currency": "USD"}}
    with pytest.raises(SignatureInvalid):
        _adyen(_adyen_body(forged))


def test_fields_adyen_adds_later_are_ignored_not_refused():
    [event] = _adyen(_adyen_body(_adyen_item(paymentMethod="visa", reason="null")))
    assert (event.action, event.amount) == (Action.PAYMENT, Money(4321, "USD"))


def test_more_items_than_the_cap_are_refused_and_the_cap_itself_is_taken():
    items = [_adyen_item(psp=f"PSP{n:013d}") for n in range(adyen_events.MAX_ITEMS + 1)]
    with pytest.raises(PayloadTooLarge):
        _adyen(_adyen_body(*items))
    assert len(_adyen(_adyen_body(*items[:-1]))) == adyen_events.MAX_ITEMS


@pytest.mark.parametrize(
    "event_date, posted",
    [
        (datetime(2020, 1, 1, tzinfo=UTC), RECEIVED - adyen_events.RETRY_PERIOD),  # re-dated: held
        (RECEIVED - timedelta(days=30), RECEIVED - timedelta(days=30)),  # at the bound: kept
        (RECEIVED - timedelta(days=29), RECEIVED - timedelta(days=29)),  # inside: kept
        (RECEIVED + timedelta(days=2), RECEIVED + adyen_events.CLOCK_SKEW),  # ahead of receipt: held
    ],
)
def test_the_unsigned_event_date_is_held_within_the_retry_period_before_receipt(event_date, posted):
    [event] = _adyen(_adyen_body(_adyen_item(date=event_date)))
    assert event.occurred_at == posted


@pytest.mark.parametrize("value", ["100", 100.0, 10**20], ids=["string", "float", "beyond-ledger"])
def test_a_signed_adyen_amount_of_the_wrong_type_or_size_is_kept_aside(value):
    [rejected] = _adyen(_adyen_body(_adyen_item(value=value)))
    assert isinstance(rejected, Rejected)
    assert rejected.reason in (SuspenseReason.MALFORMED, SuspenseReason.AMOUNT_OUT_OF_BOUNDS)


@pytest.mark.parametrize(
    "code, action, reversal_id",
    [
        ("CHARGEBACK", Action.CHARGEBACK, "DSP0000000000001"),
        ("SECOND_CHARGEBACK", Action.CHARGEBACK, "DSP0000000000001:second"),  # keyed apart
        ("CHARGEBACK_REVERSED", Action.CHARGEBACK_REVERSED, "DSP0000000000001"),
        ("REFUND_FAILED", Action.REFUND_REVERSED, "DSP0000000000001"),
        ("REFUNDED_REVERSED", Action.REFUND_REVERSED, "DSP0000000000001"),
        ("CANCEL_OR_REFUND", Action.REFUND, "DSP0000000000001"),
    ],
)
def test_modification_and_dispute_codes_move_money_on_the_original_payment(code, action, reversal_id):
    item = _adyen_item(code=code, psp="DSP0000000000001", originalReference="PSP0000000000001")
    [event] = _adyen(_adyen_body(item))
    assert (event.action, event.payment_id, event.reversal_id) == (action, "PSP0000000000001", reversal_id)


def test_codes_that_may_move_money_we_do_not_model_go_to_suspense_not_silence():
    [rejected] = _adyen(_adyen_body(_adyen_item(code="CAPTURE_FAILED")))
    assert isinstance(rejected, Rejected) and rejected.reason is SuspenseReason.UNSUPPORTED_EVENT
    [informational] = _adyen(_adyen_body(_adyen_item(code="CAPTURE")))
    assert informational.action is Action.IGNORED


# ---------------------------------------------------------------- Stripe: one timestamp, strict amounts


def test_a_stripe_header_with_two_timestamps_is_refused_whichever_comes_first():
    secret = new_signing_secret("stripe")
    body = json.dumps(_intent())
    stale = int(time.time()) - 3600
    signed_stale = stripe.WebhookSignature.generate_signature_header(body, secret, stale)
    for header in (f"t={int(time.time())},{signed_stale}", f"{signed_stale},t={int(time.time())}"):
        with pytest.raises(SignatureInvalid, match="exactly one timestamp"):
            _stripe(_intent(), secret, header)


@pytest.mark.parametrize(
    "header",
    ["t=1,v1=" + "ab" * 32 + ",v1=" * 9, "t=10" + "0" * 30 + ",v1=ab", "t=1,v1=é", "garbage"],
    ids=["ten-signatures", "huge-t", "non-ascii", "no-parts"],
)
def test_stripe_headers_no_sender_would_send_are_a_bad_signature(header):
    with pytest.raises(SignatureInvalid):
        _stripe(_intent(), new_signing_secret("stripe"), header)


@pytest.mark.parametrize("amount", ["100", 100.0, True], ids=["string", "float", "bool"])
def test_a_signed_stripe_amount_that_is_not_an_integer_is_kept_aside(amount):
    [rejected] = _stripe(_intent(amount=amount), new_signing_secret("stripe"))
    assert isinstance(rejected, Rejected) and rejected.reason is SuspenseReason.MALFORMED
    assert rejected.key == "evt_1"


@pytest.mark.parametrize(
    "major, applied",
    [(Decimal(1_000_000), True), (Decimal("1000000.01"), False)],
    ids=["at-the-cap", "a-cent-over"],
)
def test_an_amount_above_the_currency_cap_is_kept_aside(major, applied):
    minor = int(major * 100)
    [found] = _stripe(_intent(amount=minor), new_signing_secret("stripe"))
    assert isinstance(found, PaymentEvent) is applied
    if not applied:
        assert found.reason is SuspenseReason.AMOUNT_OUT_OF_BOUNDS


@pytest.mark.parametrize(
    "age, applied",
    [(timedelta(days=35), True), (timedelta(days=35, seconds=1), False), (timedelta(minutes=-6), False)],
    ids=["at-the-bound", "a-second-older", "ahead-of-receipt"],
)
def test_a_signed_event_dated_outside_its_window_is_kept_aside(age, applied):
    [found] = _stripe(_intent(created=RECEIVED - age), new_signing_secret("stripe"))
    assert isinstance(found, PaymentEvent) is applied
    if not applied:
        assert found.reason is SuspenseReason.DATE_OUT_OF_RANGE


# ---------------------------------------------------------------- Standard Webhooks: relayed payments


def test_a_relayed_payment_is_keyed_by_the_processor_that_holds_it():
    secret = new_signing_secret("standard")
    body = json.dumps(
        {
            "type": "payment.succeeded",
            "data": {
                "account_id": "acc-1",
                "payment_id": "relay-77",
                "amount": 500,
                "currency": "USD",
                "occurred_at": RECEIVED.isoformat(),
                "processor_reference": "stripe:pi_1",
            },
        }
    )
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, UTC), body),
    }
    [event] = intake.verified_events("standard", body, headers, [secret], 300, now, RECEIVED, LIMITS)
    assert (event.holder, event.payment_id) == ("stripe", "pi_1")


# ---------------------------------------------------------------- bytes and JSON, before anything


@pytest.mark.parametrize(
    "body, is_base64, error",
    [
        (base64.b64encode(b"\xff\xfe{}").decode(), True, InvalidInput),
        ("not base64!", True, InvalidInput),
        ("x" * (MAX_BODY_BYTES + 1), False, PayloadTooLarge),
    ],
    ids=["not-utf8", "bad-base64", "too-large"],
)
def test_bodies_that_are_not_text_or_too_large_are_refused(body, is_base64, error):
    with pytest.raises(error):
        raw_body(body, is_base64)


def test_the_largest_body_taken_is_taken():
    assert len(raw_body("x" * MAX_BODY_BYTES, False)) == MAX_BODY_BYTES


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"a":' * 20 + "1" + "}" * 20, '{"n": 1' + "0" * 5000 + "}", '{"n": NaN}'],
    ids=["recursion", "too-deep", "huge-int", "nan"],
)
def test_json_beyond_its_bounds_is_invalid_input(text):
    with pytest.raises(InvalidInput):
        json_of(text)


def test_money_beyond_the_ledger_bound_is_refused_and_the_bound_itself_is_not():
    assert Money(MAX_MINOR, "USD").minor == MAX_MINOR
    with pytest.raises(AmountOutOfBounds):
        Money(MAX_MINOR + 1, "USD")
    with pytest.raises(AmountOutOfBounds):
        Money.parse("1e999999", "USD")


def test_the_fingerprint_changes_with_what_the_event_asks_and_not_with_its_date():
    first = PaymentEvent(
        "adyen", "A:1:true", "AUTHORISATION", Action.PAYMENT, RECEIVED, "1", Money(5, "USD"), "a"
    )
    assert first.fingerprint() == replace(first, occurred_at=RECEIVED - timedelta(days=3)).fingerprint()
    assert first.fingerprint() != replace(first, amount=Money(6, "USD")).fingerprint()
    assert first.fingerprint() != replace(first, account_ref="b").fingerprint()
