"""The posting rule's decisions about a processor's payments, without AWS: what a refund or
chargeback may take back, what a won dispute gives back, when a payment id reused is a conflict,
when held money may go to an account. The posting service writes exactly what these decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.errors import AmountOutOfBounds, DuplicateEntry, InvalidInput
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent, SuspenseReason
from arrears.domain.posting import (
    APPLIED,
    PENDING,
    REJECTED,
    Claim,
    HeldReversal,
    Receipt,
    Refusal,
    adjust,
    assignable,
    claim,
    payment_conflict,
    reinstated,
)

AT = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _refund(minor: int, currency: str = "USD", cumulative: bool = False) -> PaymentEvent:
    return PaymentEvent(
        "stripe", "evt_r", "charge.refunded", Action.REFUND, AT, "pi_1", Money(minor, currency), "ACC-1",
        reversal_id="re_1", cumulative=cumulative,
    )  # fmt: skip


def _payment(minor: int, account_ref: str | None = "ACC-1") -> PaymentEvent:
    return PaymentEvent(
        "stripe", "evt_p", "payment_intent.succeeded", Action.PAYMENT, AT, "pi_1", Money(minor, "USD"),
        account_ref,
    )  # fmt: skip


def _receipt(paid: int = 100, reversed_: int = 0, account_id: str | None = "ACC-1") -> Receipt:
    return Receipt("stripe", "pi_1", Money(paid, "USD"), reversed_, APPLIED, account_id, "2026-03-01")


def _account(currency: str = "USD", balance: int = 1000) -> Account:
    return Account(
        "ACC-1", "main", ProductType.OPEN_END, currency, balance, balance, (), "en-US", "America/New_York",
        "US", home_shard="main#000",
    )  # fmt: skip


# ------------------------------------------------------------------ claim


def test_a_refund_takes_back_its_amount_up_to_the_whole_payment_and_no_more():
    assert claim(_refund(99), _receipt(100), None) == Claim(99, 99)
    assert claim(_refund(100), _receipt(100), None) == Claim(100, 100)
    refused = claim(_refund(101), _receipt(100), None)
    assert isinstance(refused, Refusal) and refused.reason is SuspenseReason.REVERSAL_EXCEEDS_PAYMENT


def test_a_refund_takes_only_what_earlier_reversals_left_open():
    assert claim(_refund(30), _receipt(100, reversed_=71), None) == Claim(29, 29)
    assert claim(_refund(30), _receipt(100, reversed_=70), None) == Claim(30, 30)
    assert claim(_refund(30), _receipt(100, reversed_=99), None) == Claim(1, 1)
    with pytest.raises(DuplicateEntry) as taken:
        claim(_refund(30), _receipt(100, reversed_=100), None)
    assert taken.value.write == "receipt"


def test_a_refund_in_another_currency_is_refused_never_converted():
    refused = claim(_refund(50, "MXN"), _receipt(100), None)
    assert isinstance(refused, Refusal) and refused.reason is SuspenseReason.REVERSAL_CURRENCY_MISMATCH


@pytest.mark.parametrize("status", [APPLIED, REJECTED])
def test_the_same_reversal_again_is_a_replay_whether_it_was_applied_or_kept_aside(status):
    with pytest.raises(DuplicateEntry) as again:
        claim(_refund(30), _receipt(100), HeldReversal(status, 30))
    assert again.value.write == "reversal"


def test_a_reversal_held_for_its_payment_applies_in_full_once_the_payment_is_here():
    assert claim(_refund(30), _receipt(100), HeldReversal(PENDING, 30)) == Claim(30, 30)


def test_a_cumulative_refund_takes_back_only_the_rise_in_its_running_total():
    assert claim(
        _refund(50, cumulative=True), _receipt(100, reversed_=30), HeldReversal(APPLIED, 30)
    ) == Claim(20, 50)
    assert claim(
        _refund(31, cumulative=True), _receipt(100, reversed_=30), HeldReversal(APPLIED, 30)
    ) == Claim(1, 31)
    for same_or_lower in (30, 29):
        with pytest.raises(DuplicateEntry):
            claim(
                _refund(same_or_lower, cumulative=True),
                _receipt(100, reversed_=30),
                HeldReversal(APPLIED, 30),
            )


def test_a_cumulative_total_held_before_its_payment_counts_nothing_as_already_taken():
    assert claim(_refund(50, cumulative=True), _receipt(100), HeldReversal(PENDING, 50)) == Claim(50, 50)


# ------------------------------------------------------------------ reinstatement, conflicts, suspense


def test_a_won_dispute_gives_back_what_its_chargeback_took_and_never_more():
    won = replace(_refund(80), action=Action.CHARGEBACK_REVERSED)
    assert reinstated(won, HeldReversal(APPLIED, 81)) == 80
    assert reinstated(won, HeldReversal(APPLIED, 80)) == 80
    assert reinstated(won, HeldReversal(APPLIED, 79)) == 79


def test_a_payment_id_seen_before_is_a_conflict_only_when_it_says_something_else():
    assert payment_conflict(_payment(100), None) is None
    assert payment_conflict(_payment(100), _receipt(100)) is None  # a retry
    assert payment_conflict(_payment(100, account_ref=None), _receipt(100)) is None
    assert payment_conflict(_payment(100), _receipt(100, account_id=None)) is None  # held in suspense
    for other in (
        payment_conflict(_payment(101), _receipt(100)),
        payment_conflict(_payment(100, "ACC-2"), _receipt(100)),
    ):
        assert isinstance(other, Refusal) and other.reason is SuspenseReason.PAYMENT_CONFLICT


def test_held_money_goes_to_an_account_only_while_open_and_in_its_currency():
    assignable(Money(1, "USD"), "open", _account(), "stripe payment pi_1")
    with pytest.raises(InvalidInput, match="reversed in full"):
        assignable(Money(0, "USD"), "open", _account(), "stripe payment pi_1")
    with pytest.raises(InvalidInput, match="already assigned"):
        assignable(Money(100, "USD"), "assigned", _account(), "stripe payment pi_1")
    with pytest.raises(InvalidInput, match="is in MXN"):
        assignable(Money(100, "USD"), "open", _account("MXN"), "stripe payment pi_1")


def test_an_adjustment_moves_the_balance_and_leaves_the_dues_as_billed():
    account = _account(balance=1000)
    assert adjust(account, -300).balance == 700
    assert adjust(account, -300).dues == account.dues
    with pytest.raises(AmountOutOfBounds):
        adjust(account, 10**20)


def test_dates_are_the_events_not_the_machines():
    assert _refund(1).local_date("America/New_York") == date(2026, 3, 2)
