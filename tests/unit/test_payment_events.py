"""A processor's notification as posting receives it: which events are refused before anything is
looked up (with the reason an operator reads), whose keys a payment's id lives under, the fingerprint
that tells a retry from a conflict (stored, so it must not change between releases), the business
date where the customer is, and the record kept and read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from arrears.domain.errors import InvalidInput
from arrears.domain.money import Money
from arrears.domain.payments import MAX_ID_LENGTH, Action, PaymentEvent, Rejected, SuspenseReason
from hypothesis import given, settings
from hypothesis import strategies as st

AT = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # still March 1st in the Americas


def _payment(**changes: object) -> PaymentEvent:
    event = PaymentEvent(
        "stripe", "evt_1", "payment_intent.succeeded", Action.PAYMENT, AT, "pi_1", Money(2500, "USD"),
        "ACC-1",
    )  # fmt: skip
    return replace(event, **changes)


def _refund(**changes: object) -> PaymentEvent:
    refund = {"event_type": "charge.refunded", "action": Action.REFUND, "reversal_id": "re_1"}
    return _payment(**{**refund, **changes})


# ------------------------------------------------------------------ refused before anything is looked up


@pytest.mark.parametrize("missing", ["provider", "event_id"])
def test_an_event_without_its_provider_or_its_id_is_refused(missing):
    with pytest.raises(InvalidInput, match="^a payment event needs its provider and event id$"):
        _payment(**{missing: ""})


@pytest.mark.parametrize("name", ["event_id", "event_type", "payment_id", "account_ref", "reversal_id"])
def test_an_id_of_the_longest_real_length_stands_and_one_character_more_is_refused(name):
    assert MAX_ID_LENGTH == 128
    assert getattr(_refund(**{name: "x" * 128}), name) == "x" * 128
    with pytest.raises(InvalidInput, match=f"^{name} is longer than 128 or not printable$"):
        _refund(**{name: "x" * 129})


@pytest.mark.parametrize("name", ["event_id", "event_type", "payment_id", "account_ref", "reversal_id"])
def test_an_id_with_a_control_character_is_refused(name):
    with pytest.raises(InvalidInput, match=f"^{name} is longer than 128 or not printable$"):
        _refund(**{name: "re_1\n"})


def test_an_event_without_an_offset_on_its_time_is_refused():
    with pytest.raises(InvalidInput, match="^a payment event's time must carry its offset$"):
        _payment(occurred_at=datetime(2026, 3, 2, 3, 30))
    in_mexico = datetime(2026, 3, 2, tzinfo=timezone(timedelta(hours=-6)))
    assert _payment(occurred_at=in_mexico).occurred_at == in_mexico


def test_an_ignored_event_needs_no_payment_id_nor_amount():
    ignored = PaymentEvent("stripe", "evt_9", "customer.created", Action.IGNORED, AT)
    assert (ignored.payment_id, ignored.amount) == (None, None)


@pytest.mark.parametrize("payment_id", [None, ""])
def test_a_money_event_without_a_payment_id_is_refused(payment_id):
    with pytest.raises(InvalidInput, match="^payment_intent.succeeded carries no payment id$"):
        _payment(payment_id=payment_id)


def test_a_money_event_without_an_amount_is_refused():
    with pytest.raises(InvalidInput, match="^payment_intent.succeeded needs a positive amount, not None$"):
        _payment(amount=None)


@pytest.mark.parametrize(("minor", "refused"), [(-1, True), (0, True), (1, False)])
def test_a_money_event_moves_at_least_one_minor_unit(minor, refused):
    if refused:
        refusal = f"^payment_intent.succeeded needs a positive amount, not {minor / 100:.2f} USD$"
        with pytest.raises(InvalidInput, match=refusal):
            _payment(amount=Money(minor, "USD"))
    else:
        assert _payment(amount=Money(minor, "USD")).money == Money(1, "USD")


@pytest.mark.parametrize(
    "action",
    [Action.REFUND, Action.CHARGEBACK, Action.RETURNED, Action.CHARGEBACK_REVERSED, Action.REFUND_REVERSED],
)
@pytest.mark.parametrize("reversal_id", [None, ""])
def test_a_reversal_or_its_undoing_without_its_own_id_is_refused(action, reversal_id):
    with pytest.raises(InvalidInput, match="^charge.refunded carries no refund or dispute id$"):
        _refund(action=action, reversal_id=reversal_id)


@pytest.mark.parametrize("action", [Action.PAYMENT, Action.PAYMENT_FAILED])
def test_a_payment_or_a_failed_attempt_needs_no_reversal_id(action):
    assert _payment(action=action).reversal_id is None


# ------------------------------------------------------------------ whose keys, what it asks, where


def test_a_payment_relayed_by_another_sender_lives_under_the_processor_that_holds_it():
    assert _payment().holder == "stripe"
    assert _payment(provider="standardwebhooks", payment_provider="stripe").holder == "stripe"


def test_the_fingerprint_of_an_event_is_stable_across_releases():
    # Stored beside every event id: a change here would make every retry after a release a conflict.
    assert _payment().fingerprint() == "df6af8fe9788915f495c9e3f14fd4d1a"
    assert _refund(cumulative=True).fingerprint() == "215df6ddbc1d9584862c6a3a00f7e987"


@pytest.mark.parametrize(
    "changes",
    [
        {"action": Action.PAYMENT_FAILED},
        {"payment_provider": "adyen"},
        {"payment_id": "pi_2"},
        {"account_ref": "ACC-2"},
        {"account_ref": None},
        {"amount": Money(2501, "USD")},
        {"amount": Money(2500, "MXN")},
        {"reversal_id": "re_1"},
    ],
)
def test_an_event_that_asks_anything_else_has_another_fingerprint(changes):
    assert _payment(**changes).fingerprint() != _payment().fingerprint()


def test_a_running_total_and_a_single_refund_of_the_same_amount_ask_different_things():
    assert _refund(cumulative=True).fingerprint() != _refund().fingerprint()


@pytest.mark.parametrize(
    "changes",
    [
        {"event_id": "evt_2"},
        {"event_type": "charge.succeeded"},
        {"occurred_at": AT + timedelta(hours=1)},
        {"channel": "branch"},
        {"provider": "standardwebhooks", "payment_provider": "stripe"},
    ],
)
def test_a_retry_that_only_names_or_times_it_differently_has_the_same_fingerprint(changes):
    assert _payment(**changes).fingerprint() == _payment().fingerprint()


def test_an_ignored_event_has_a_fingerprint_without_amount():
    ignored = PaymentEvent("stripe", "evt_9", "customer.created", Action.IGNORED, AT)
    assert len(ignored.fingerprint()) == 32
    with pytest.raises(InvalidInput, match="^customer.created carries no amount$"):
        ignored.money  # noqa: B018 -- the property refuses


@pytest.mark.parametrize(
    ("time_zone", "day"),
    [
        ("America/New_York", date(2026, 3, 1)),
        ("America/Mexico_City", date(2026, 3, 1)),
        ("UTC", date(2026, 3, 2)),
    ],
)
def test_the_business_date_is_the_customers_not_the_processors(time_zone, day):
    assert _payment().local_date(time_zone) == day


# ------------------------------------------------------------------ the record kept and read back


def test_the_summary_says_what_happened_without_the_account_reference():
    assert _refund().summary() == {
        "provider": "stripe",
        "event_id": "evt_1",
        "event_type": "charge.refunded",
        "action": "refund",
        "payment_id": "pi_1",
        "reversal_id": "re_1",
        "amount": 2500,
        "currency": "USD",
        "occurred_at": "2026-03-02T03:30:00+00:00",
        "payment_provider": None,
    }


def test_the_summary_names_the_channel_only_where_the_system_of_record_gave_one():
    assert "channel" not in _payment().summary()
    assert _payment(channel="branch").summary()["channel"] == "branch"


def test_an_ignored_events_summary_has_no_amount():
    ignored = PaymentEvent("stripe", "evt_9", "customer.created", Action.IGNORED, AT)
    assert (ignored.summary()["amount"], ignored.summary()["currency"]) == (None, None)


def test_the_stored_record_adds_the_reference_the_running_total_flag_and_the_fingerprint():
    event = _refund(cumulative=True, payment_provider="stripe", provider="standardwebhooks")
    assert event.to_dict() == {
        **event.summary(),
        "account_ref": "ACC-1",
        "cumulative": True,
        "fingerprint": event.fingerprint(),
    }


@pytest.mark.parametrize(
    "event",
    [
        _payment(),
        _payment(channel="branch", account_ref=None),
        _refund(cumulative=True, provider="standardwebhooks", payment_provider="stripe"),
        PaymentEvent("stripe", "evt_9", "customer.created", Action.IGNORED, AT),
    ],
)
def test_an_event_read_back_from_its_record_is_the_same_event(event):
    assert PaymentEvent.from_dict(event.to_dict()) == event


def test_a_record_without_the_optional_keys_reads_as_a_single_payment_with_none_of_them():
    record = {
        "provider": "stripe",
        "event_id": "evt_1",
        "event_type": "payment_intent.succeeded",
        "action": "payment",
        "occurred_at": "2026-03-02T03:30:00+00:00",
        "payment_id": "pi_1",
        "amount": "2500",
        "currency": "USD",
    }
    assert PaymentEvent.from_dict(record) == _payment(account_ref=None)


@settings(max_examples=40)
@given(
    minor=st.integers(1, 10**12),
    cumulative=st.booleans(),
    action=st.sampled_from([a for a in Action if a is not Action.IGNORED]),
)
def test_every_money_event_survives_its_record(minor, cumulative, action):
    event = _refund(amount=Money(minor, "MXN"), cumulative=cumulative, action=action)
    assert PaymentEvent.from_dict(event.to_dict()) == event


# ------------------------------------------------------------------ a notification we cannot apply


def _rejected(**changes: object) -> Rejected:
    rejected = Rejected(
        "adyen", "evt_x", "AUTHORISATION", SuspenseReason.MALFORMED, "no amount in the notification", AT
    )
    return replace(rejected, **changes)


def test_a_rejected_notification_is_kept_with_its_reason_and_problem_for_an_operator():
    assert _rejected().summary() == {
        "provider": "adyen",
        "event_id": "evt_x",
        "event_type": "AUTHORISATION",
        "reason": "malformed",
        "problem": "no amount in the notification",
        "received_at": "2026-03-02T03:30:00+00:00",
    }


def test_a_rejected_notifications_type_and_problem_are_bounded():
    long = _rejected(event_type="T" * 129, problem="p" * 301).summary()
    assert (long["event_type"], long["problem"]) == ("T" * 128, "p" * 300)
    exact = _rejected(event_type="T" * 128, problem="p" * 300).summary()
    assert (exact["event_type"], exact["problem"]) == ("T" * 128, "p" * 300)


def test_a_rejected_payment_shows_its_money_under_the_rejections_own_key():
    event = _payment(account_ref="ACC-404")
    summary = _rejected(reason=SuspenseReason.UNKNOWN_ACCOUNT, event=event).summary()
    assert summary["event_id"] == "evt_x"
    assert (summary["amount"], summary["currency"], summary["account_ref"]) == (2500, "USD", "ACC-404")
    assert summary["reason"] == "unknown_account"
    assert summary["fingerprint"] == event.fingerprint()
