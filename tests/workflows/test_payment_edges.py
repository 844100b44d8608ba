"""Refund and dispute edges through the webhook's posting path on the local cloud: what arrives out
of order is applied in order, what can never apply is kept aside without blocking its payment,
one payment reported twice posts once, and an event id reused with other content changes nothing."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.errors import EventConflict
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.services import posting
from arrears.services.posting import Outcome
from arrears.store import accounts_repo, payments_repo

START = date(2026, 3, 1)
NEW_YORK = ZoneInfo("America/New_York")
BALANCE = 50_000
_minutes = itertools.count()


def _account(stack, account_id: str) -> str:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", BALANCE, BALANCE, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=START,
        )
    )  # fmt: skip
    return account_id


def _event(account_id: str, action: Action, amount: int, event_id: str, currency="USD", **kw) -> PaymentEvent:
    return PaymentEvent(
        provider=kw.pop("provider", "adyen"),
        event_id=event_id,
        event_type=action.value,
        action=action,
        occurred_at=datetime.combine(START, time(10), NEW_YORK) + timedelta(minutes=next(_minutes)),
        payment_id=kw.pop("payment_id", "PAY1"),
        amount=Money(amount, currency),
        account_ref=account_id,
        **kw,
    )


def _balance(account_id: str) -> int:
    return accounts_repo.get_account(account_id).balance


def _ledger(account_id: str) -> list[int]:
    return [int(r.amount) for r in accounts_repo.timeline(account_id, kind="ledger")]


def _kept_aside() -> dict[str, str]:
    return {r["event_id"]: r["reason"] for r in payments_repo.list_rejected()}


@pytest.mark.parametrize(
    "refund, reason",
    [
        (Money(2000, "EUR"), "reversal_currency_mismatch"),
        (Money(9001, "USD"), "reversal_exceeds_payment"),
    ],
    ids=["other-currency", "larger-than-payment"],
)
def test_a_held_refund_that_can_never_apply_goes_aside_and_the_payment_still_posts(stack, refund, reason):
    acct = _account(stack, f"EDGE-{reason}")
    held = posting.apply(
        _event(acct, Action.REFUND, refund.minor, "REFUND:R1:true", refund.currency, reversal_id="R1")
    )
    assert held.outcome is Outcome.HELD

    paid = posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))

    assert paid.outcome is Outcome.APPLIED  # delivered and announced, not refused on every retry
    [(_, drained)] = paid.drained
    assert (drained.outcome, drained.reason) == (Outcome.SUSPENSE, reason)
    assert _balance(acct) == BALANCE - 9000 and _ledger(acct) == [-9000]
    assert _kept_aside()["REFUND:R1:true"] == reason


def test_a_refund_as_large_as_its_payment_is_applied_not_set_aside(stack):
    acct = _account(stack, "EDGE-WHOLE")
    posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))
    result = posting.apply(_event(acct, Action.REFUND, 9000, "REFUND:R1:true", reversal_id="R1"))
    assert result.outcome is Outcome.APPLIED
    assert _balance(acct) == BALANCE


def test_a_dispute_won_before_its_chargeback_and_payment_is_applied_in_order(stack):
    acct = _account(stack, "EDGE-WON-FIRST")
    won = posting.apply(
        _event(acct, Action.CHARGEBACK_REVERSED, 9000, "CHARGEBACK_REVERSED:D1:true", reversal_id="D1")
    )
    taken = posting.apply(_event(acct, Action.CHARGEBACK, 9000, "CHARGEBACK:D1:true", reversal_id="D1"))
    assert (won.outcome, taken.outcome) == (Outcome.HELD, Outcome.HELD)
    assert _balance(acct) == BALANCE

    paid = posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))

    assert [r.outcome for _, r in paid.drained] == [Outcome.APPLIED, Outcome.APPLIED]
    assert sorted(_ledger(acct)) == [-9000, -9000, 9000]  # paid, taken back, given back
    assert _balance(acct) == BALANCE - 9000


def test_a_dispute_won_before_its_chargeback_applies_once_the_chargeback_does(stack):
    acct = _account(stack, "EDGE-WON-EARLY")
    posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))
    won = posting.apply(
        _event(acct, Action.CHARGEBACK_REVERSED, 9000, "CHARGEBACK_REVERSED:D1:true", reversal_id="D1")
    )
    assert won.outcome is Outcome.HELD and _balance(acct) == BALANCE - 9000

    taken = posting.apply(_event(acct, Action.CHARGEBACK, 9000, "CHARGEBACK:D1:true", reversal_id="D1"))

    assert taken.outcome is Outcome.APPLIED
    assert [r.outcome for _, r in taken.drained] == [Outcome.APPLIED]
    assert _balance(acct) == BALANCE - 9000
    again = posting.apply(
        _event(acct, Action.CHARGEBACK_REVERSED, 9000, "CHARGEBACK_REVERSED:D1:true", reversal_id="D1")
    )
    assert again.outcome is Outcome.DUPLICATE and _balance(acct) == BALANCE - 9000


def test_a_second_chargeback_after_a_won_dispute_takes_the_money_back_again(stack):
    acct = _account(stack, "EDGE-SECOND")
    posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))
    posting.apply(_event(acct, Action.CHARGEBACK, 9000, "CHARGEBACK:D1:true", reversal_id="D1"))
    posting.apply(
        _event(acct, Action.CHARGEBACK_REVERSED, 9000, "CHARGEBACK_REVERSED:D1:true", reversal_id="D1")
    )
    assert _balance(acct) == BALANCE - 9000

    second = posting.apply(
        _event(acct, Action.CHARGEBACK, 9000, "SECOND_CHARGEBACK:D1:true", reversal_id="D1:second")
    )

    assert second.outcome is Outcome.APPLIED
    assert _balance(acct) == BALANCE


def test_a_failed_refund_gives_the_money_back(stack):
    acct = _account(stack, "EDGE-REFUND-FAILED")
    posting.apply(_event(acct, Action.PAYMENT, 9000, "AUTHORISATION:PAY1:true"))
    posting.apply(_event(acct, Action.REFUND, 4000, "REFUND:R1:true", reversal_id="R1"))
    assert _balance(acct) == BALANCE - 5000

    failed = posting.apply(
        _event(acct, Action.REFUND_REVERSED, 4000, "REFUND_FAILED:R1:true", reversal_id="R1")
    )

    assert failed.outcome is Outcome.APPLIED
    assert _balance(acct) == BALANCE - 9000


def test_one_payment_reported_by_two_providers_posts_once(stack):
    acct = _account(stack, "EDGE-TWICE")
    first = posting.apply(_event(acct, Action.PAYMENT, 9000, "evt_1", provider="stripe", payment_id="pi_1"))
    relayed = posting.apply(
        _event(
            acct,
            Action.PAYMENT,
            9000,
            "msg_1",
            provider="standard",
            payment_id="pi_1",
            payment_provider="stripe",
        )
    )
    assert (first.outcome, relayed.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE)
    assert _ledger(acct) == [-9000]


def test_an_event_id_reused_with_another_amount_is_refused_and_writes_nothing(stack):
    acct = _account(stack, "EDGE-REUSED")
    posting.apply(_event(acct, Action.PAYMENT, 9000, "evt_1", provider="stripe", payment_id="pi_1"))

    with pytest.raises(EventConflict):
        posting.apply(_event(acct, Action.PAYMENT, 90_000, "evt_1", provider="stripe", payment_id="pi_1"))
    with pytest.raises(EventConflict):  # the same amount for another account is no retry either
        posting.apply(
            _event("EDGE-OTHER", Action.PAYMENT, 9000, "evt_1", provider="stripe", payment_id="pi_1")
        )

    assert _ledger(acct) == [-9000] and _balance(acct) == BALANCE - 9000
    same = posting.apply(_event(acct, Action.PAYMENT, 9000, "evt_1", provider="stripe", payment_id="pi_1"))
    assert same.outcome is Outcome.DUPLICATE


def test_a_payment_id_reported_again_with_another_amount_is_kept_aside_with_its_money(stack):
    acct = _account(stack, "EDGE-CONFLICT")
    posting.apply(_event(acct, Action.PAYMENT, 1000, "evt_1", provider="stripe", payment_id="pi_9"))

    again = posting.apply(
        _event(acct, Action.PAYMENT, 900_000, "evt_2", provider="stripe", payment_id="pi_9")
    )

    assert (again.outcome, again.reason) == (Outcome.SUSPENSE, "payment_conflict")
    assert _ledger(acct) == [-1000]
    [kept] = [r for r in payments_repo.list_rejected() if r["event_id"] == "evt_2"]
    assert (kept["amount"], kept["currency"], kept["payment_id"]) == (900_000, "USD", "pi_9")


def test_a_relay_that_claims_a_processors_payment_first_cannot_make_the_real_one_vanish(stack):
    acct, other = _account(stack, "EDGE-RELAY"), _account(stack, "EDGE-REAL")
    relayed = _event(
        acct, Action.PAYMENT, 100, "msg_1", provider="standard", payment_id="pi_7", payment_provider="stripe"
    )
    posting.apply(relayed)

    real = posting.apply(_event(other, Action.PAYMENT, 50_000, "evt_7", provider="stripe", payment_id="pi_7"))

    assert (real.outcome, real.reason) == (Outcome.SUSPENSE, "payment_conflict")
    assert {r["event_id"]: r["amount"] for r in payments_repo.list_rejected()}["evt_7"] == 50_000


# ------------------------------------------------------------------ races between deliveries


def test_a_refund_of_held_money_assigned_meanwhile_comes_out_of_the_account_it_went_to(stack, monkeypatch):
    account_id = _account(stack, "RACE-1")
    assert posting.apply(_event("NOBODY", Action.PAYMENT, 9000, "P-EV")).outcome is Outcome.SUSPENSE
    assigned = []
    read = payments_repo.held_reversal

    def assigned_while_the_refund_reads(event):
        if not assigned:
            assigned.append(posting.assign_suspense("adyen", "PAY1", account_id, "op", START).outcome)
        return read(event)

    monkeypatch.setattr(payments_repo, "held_reversal", assigned_while_the_refund_reads)
    refund = posting.apply(_event(account_id, Action.REFUND, 3000, "R-EV", reversal_id="R1"))

    assert assigned == [Outcome.APPLIED] and refund.outcome is Outcome.APPLIED  # not lost as a "duplicate"
    assert _balance(account_id) == BALANCE - 9000 + 3000
    assert sorted(_ledger(account_id)) == [-9000, 3000]


def test_two_refunds_of_one_payment_racing_each_other_are_both_applied(stack, monkeypatch):
    from arrears.domain import posting as rules

    account_id = _account(stack, "RACE-2")
    posting.apply(_event(account_id, Action.PAYMENT, 9000, "P-EV"))
    first: list = []
    reverse = rules.reverse

    def the_other_refund_lands_first(*args, **kwargs):
        if not first:
            first.append("landing")  # once: the other refund passes through here too
            first.append(
                posting.apply(_event(account_id, Action.REFUND, 2000, "R1-EV", reversal_id="R1")).outcome
            )
        return reverse(*args, **kwargs)

    monkeypatch.setattr(rules, "reverse", the_other_refund_lands_first)
    second = posting.apply(_event(account_id, Action.REFUND, 3000, "R2-EV", reversal_id="R2"))

    assert first == ["landing", Outcome.APPLIED] and second.outcome is Outcome.APPLIED
    assert _balance(account_id) == BALANCE - 9000 + 2000 + 3000
    assert sorted(_ledger(account_id)) == [-9000, 2000, 3000]


def test_a_won_dispute_racing_a_refund_still_gives_its_money_back(stack, monkeypatch):
    from arrears.domain import posting as rules

    account_id = _account(stack, "RACE-3")
    posting.apply(_event(account_id, Action.PAYMENT, 9000, "P-EV"))
    posting.apply(_event(account_id, Action.CHARGEBACK, 4000, "C-EV", reversal_id="D1"))
    refunded: list = []
    receive = rules.receive

    def a_refund_lands_first(*args, **kwargs):
        if not refunded:
            refunded.append("landing")
            refunded.append(
                posting.apply(_event(account_id, Action.REFUND, 2000, "R1-EV", reversal_id="R1")).outcome
            )
        return receive(*args, **kwargs)

    monkeypatch.setattr(rules, "receive", a_refund_lands_first)
    won = posting.apply(_event(account_id, Action.CHARGEBACK_REVERSED, 4000, "W-EV", reversal_id="D1"))

    assert refunded == ["landing", Outcome.APPLIED] and won.outcome is Outcome.APPLIED
    assert _balance(account_id) == BALANCE - 9000 + 4000 + 2000 - 4000


def test_a_refund_that_waited_for_a_payment_kept_in_suspense_says_it_went_to_suspense(stack):
    from arrears.store.models import ActivityModel

    held = posting.apply(_event("NOBODY", Action.REFUND, 3000, "R-EV", reversal_id="R1"))
    paid = posting.apply(_event("NOBODY", Action.PAYMENT, 9000, "P-EV"))

    assert held.outcome is Outcome.HELD and paid.outcome is Outcome.SUSPENSE
    assert [outcome.outcome for _, outcome in paid.drained] == [Outcome.SUSPENSE]
    marker = ActivityModel.get("webhook#adyen#R-EV", "event", consistent_read=True)
    assert marker.status == "suspense"  # no longer "held": an operator sees where it went
    assert [(i.open_amount.minor, i.reason) for i in payments_repo.list_suspense()] == [
        (6000, "unknown_account")
    ]
