"""What posting says when money cannot move as asked: the refusal an operator reads in suspense, the
replay a processor's retry is answered with (and which write caught it), a bound's refusal, and the
PaymentApplied event's detail the hand-offs (GL, CFDI complements) read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.errors import AmountOutOfBounds, DuplicateEntry, InvalidInput
from arrears.domain.ledger import Due, EntryKind
from arrears.domain.money import MAX_MINOR, Money
from arrears.domain.payments import Action, PaymentEvent, SuspenseReason
from arrears.domain.posting import (
    APPLIED,
    PENDING,
    REJECTED,
    Allocation,
    Claim,
    HeldReversal,
    Posted,
    Receipt,
    Refusal,
    adjust,
    applied_detail,
    bill,
    charge,
    claim,
    forgiveness_entry,
    payment_conflict,
    receive,
    reverse,
)
from arrears.domain.stages import Bucket, Status

AT = datetime(2026, 3, 2, 15, tzinfo=UTC)


def refund(minor: int, currency: str = "USD", cumulative: bool = False) -> PaymentEvent:
    return PaymentEvent(
        "stripe", "evt_r", "charge.refunded", Action.REFUND, AT, "pi_1", Money(minor, currency), "ACC-1",
        reversal_id="re_1", cumulative=cumulative,
    )  # fmt: skip


def payment(minor: int, account_ref: str | None = "ACC-1", holder: str | None = None) -> PaymentEvent:
    return PaymentEvent(
        "relay", "evt_p", "payment.succeeded", Action.PAYMENT, AT, "pi_1", Money(minor, "USD"), account_ref,
        payment_provider=holder,
    )  # fmt: skip


def receipt(paid: int = 100, reversed_: int = 0, account_id: str | None = "ACC-1") -> Receipt:
    return Receipt("stripe", "pi_1", Money(paid, "USD"), reversed_, APPLIED, account_id, "2026-03-01")


def account(balance: int = 10_000, **changes) -> Account:
    base = Account(
        "ACC-1", "main", ProductType.OPEN_END, "USD", balance, balance, (), "en-US", "America/New_York",
        "US", home_shard="main#000",
    )  # fmt: skip
    return replace(base, **changes)


def replay(*args) -> DuplicateEntry:
    with pytest.raises(DuplicateEntry) as again:
        claim(*args)
    return again.value


# ------------------------------------------------------------------ a reversal's claim


@pytest.mark.parametrize(("status", "state"), [(APPLIED, "applied"), (REJECTED, "kept aside")])
def test_a_reversal_seen_before_is_a_replay_that_says_what_became_of_it(status, state):
    again = replay(refund(30), receipt(100), HeldReversal(status, 30))

    assert (str(again), again.write) == (f"reversal re_1 already {state}", "reversal")


def test_a_running_refund_total_already_applied_is_a_replay_of_the_reversal_not_of_the_receipt():
    # the same total again: nothing new to take back (one minor unit more is a new refund of 1)
    again = replay(refund(30, cumulative=True), receipt(100, reversed_=30), HeldReversal(APPLIED, 30))

    assert (str(again), again.write) == ("refund total already applied", "reversal")
    assert claim(refund(31, cumulative=True), receipt(100, reversed_=30), HeldReversal(APPLIED, 30)) == Claim(
        1, 31
    )


def test_a_refund_of_a_payment_already_fully_reversed_is_a_replay_of_the_receipt():
    again = replay(refund(30), receipt(100, reversed_=100), None)

    assert (str(again), again.write) == ("the payment is already fully reversed", "receipt")


def test_a_reversal_held_before_its_payment_came_takes_back_its_own_amount():
    # Given a refund kept pending (its payment had not come): nothing of it was applied yet
    assert claim(refund(30), receipt(100, reversed_=20), HeldReversal(PENDING, 30)) == Claim(30, 30)


def test_a_reversal_that_cannot_apply_tells_the_operator_why():
    assert claim(refund(50, "MXN"), receipt(100), None) == Refusal(
        SuspenseReason.REVERSAL_CURRENCY_MISMATCH, "a MXN reversal of a USD payment"
    )
    assert claim(refund(101), receipt(100), None) == Refusal(
        SuspenseReason.REVERSAL_EXCEEDS_PAYMENT, "takes back 1.01 USD of a payment of 1.00 USD"
    )


# ------------------------------------------------------------------ a payment id seen before


def test_a_payment_id_received_before_with_another_amount_is_refused_saying_both():
    assert payment_conflict(payment(101, holder="stripe"), receipt(100)) == Refusal(
        SuspenseReason.PAYMENT_CONFLICT, "stripe payment pi_1 was received as 1.00 USD, now as 1.01 USD"
    )


def test_a_payment_id_received_before_for_another_account_is_refused_saying_so():
    assert payment_conflict(payment(100, "ACC-2"), receipt(100)) == Refusal(
        SuspenseReason.PAYMENT_CONFLICT, "relay payment pi_1 was posted to another account"
    )


# ------------------------------------------------------------------ the ledger's bound


def test_a_charge_beyond_the_bound_is_refused_naming_the_charge():
    with pytest.raises(AmountOutOfBounds, match="^the charge would be beyond the ledger's bound$"):
        charge(account(), MAX_MINOR + 1)


@pytest.mark.parametrize("move", [lambda a: charge(a, 1), lambda a: adjust(a, 1)])
def test_a_balance_pushed_past_the_bound_is_refused_naming_the_balance(move):
    assert move(account(MAX_MINOR - 1)).balance == MAX_MINOR  # at the bound: held
    with pytest.raises(AmountOutOfBounds, match="^the balance after it would be beyond the ledger's bound$"):
        move(account(MAX_MINOR))


def test_a_payment_beyond_the_bound_is_refused_before_the_balance_it_would_leave():
    on = AT.date()
    with pytest.raises(AmountOutOfBounds, match="^the payment would be beyond the ledger's bound$"):
        receive(account(), MAX_MINOR + 1, on)
    with pytest.raises(AmountOutOfBounds, match="^the balance after it would be beyond the ledger's bound$"):
        receive(account(-MAX_MINOR), 1, on)


def test_a_reversal_beyond_the_bound_is_refused_before_the_balance_it_would_leave():
    on = AT.date()
    with pytest.raises(AmountOutOfBounds, match="^the reversal would be beyond the ledger's bound$"):
        reverse(account(), Allocation(), MAX_MINOR + 1, on)
    with pytest.raises(AmountOutOfBounds, match="^the balance after it would be beyond the ledger's bound$"):
        reverse(account(MAX_MINOR), Allocation(credit=1), 1, on)


# ------------------------------------------------------------------ ledger keys and the applied event


@pytest.mark.parametrize(
    ("written_off", "entry"),
    [(1, ("settlement-writeoff:pay-1", -1)), (-1, ("settlement-reinstated:pay-1", 1))],
)
def test_the_smallest_write_off_and_its_undoing_keep_their_own_keys(written_off, entry):
    assert forgiveness_entry("pay-1", written_off) == entry


@pytest.mark.parametrize(("bucket", "bucket_after"), [(Bucket.B30_59, "30-59"), (None, None)])
def test_the_applied_event_tells_the_hand_offs_where_the_account_now_stands(bucket, bucket_after):
    event = payment(2_500)
    after = account(7_500, past_due=1_000, bucket=bucket, status=Status.ACTIVE, dues=(Due(AT.date(), 1_000),))
    posted = Posted(after, Allocation(), ())

    detail = applied_detail(event, EntryKind.PAYMENT, Money(2_500, "USD"), posted)

    assert detail == {
        **event.summary(),
        "account_id": "ACC-1",
        "entry_kind": "payment",
        "applied_amount": 2_500,
        "currency": "USD",
        "balance_after": 7_500,
        "past_due_after": 1_000,
        "bucket_after": bucket_after,
        "status_after": "active",
    }


@pytest.mark.parametrize("amount", [0, -1])
def test_a_statement_of_nothing_is_refused_saying_what_it_billed(amount):
    with pytest.raises(InvalidInput, match=f"^a statement bills a positive amount, not {amount}$"):
        bill(account(), Due(AT.date(), amount))


def test_a_statement_of_one_minor_unit_is_owed():
    billed, shifts = bill(account(), Due(AT.date(), 1))

    assert (billed.dues, shifts) == ((Due(AT.date(), 1),), ())
