"""Posting money in and out of an account, without AWS: allocation over the dues, take-backs, standing.

The repository trusts these functions to say where a payment went and how to undo it; a refund
months later is only as exact as the allocation stored with the receipt.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.commitments import Promise
from arrears.domain.errors import AccountVersionConflict, InvalidInput
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent, SuspenseReason
from arrears.domain.posting import (
    Allocation,
    Shift,
    allocate,
    bill,
    charge,
    cover,
    receive,
    reverse,
    suspense_reason,
    take_back,
)
from arrears.domain.stages import CLOSED_STATUSES, Bucket, Status
from hypothesis import given
from hypothesis import strategies as st

AS_OF = date(2026, 3, 1)
JAN, FEB, MAR, APR = date(2026, 1, 13), date(2026, 2, 13), date(2026, 3, 13), date(2026, 4, 13)
NEW_YORK = ZoneInfo("America/New_York")

D0 = date(2026, 1, 5)
# Dues are unique by date in every account the system builds (intake's schedule, add_due merges by date).
dues_strategy = st.lists(
    st.builds(Due, st.integers(0, 400).map(lambda n: D0 + timedelta(days=n)), st.integers(1, 10**7)),
    max_size=8,
    unique_by=lambda d: d.due_on,
).map(lambda ds: tuple(sorted(ds)))


def _total(dues) -> int:
    return sum(d.amount for d in dues)


def _card(
    dues: tuple[Due, ...] = (Due(JAN, 5000), Due(FEB, 5000), Due(MAR, 5000)),
    balance: int = 100_000,
    currency: str = "USD",
    **changes,
) -> Account:
    """A card the cycle last looked at on AS_OF: 47 days past due on the January due, bucket 30-59."""
    account = Account(
        "POST-1",
        "main",
        ProductType.OPEN_END,
        currency,
        balance,
        balance,
        dues,
        "en-US",
        "America/New_York",
        "US",
        home_shard="main#000",
        bucket=Bucket.B30_59,
        dpd=47,
        past_due=10_000,
        oldest_unpaid_on=JAN,
        next_action_on=AS_OF + timedelta(days=13),
        last_evaluated_on=AS_OF,
    )
    return replace(account, **changes)


def _payment(account_ref: str | None = "POST-1", minor: int = 5000, currency: str = "USD") -> PaymentEvent:
    return PaymentEvent(
        provider="standard",
        event_id="evt-1",
        event_type="payment.succeeded",
        action=Action.PAYMENT,
        occurred_at=datetime(2026, 3, 1, 10, tzinfo=NEW_YORK),
        payment_id="pay-1",
        amount=Money(minor, currency),
        account_ref=account_ref,
    )


# ------------------------------------------------------------------ allocate and take_back


def test_allocate_settles_the_oldest_dues_first_and_keeps_the_overpayment_as_credit():
    dues = (Due(FEB, 3000), Due(JAN, 2000), Due(MAR, 4000))  # out of order on purpose: age decides

    open_dues, allocation = allocate(dues, 10_500)

    assert open_dues == ()
    assert allocation.dues == (Due(JAN, 2000), Due(FEB, 3000), Due(MAR, 4000))
    assert allocation.credit == 1500
    assert allocation.total == 10_500


def test_allocate_a_partial_payment_pays_the_oldest_due_and_leaves_the_newer_ones_open():
    open_dues, allocation = allocate((Due(JAN, 2000), Due(FEB, 3000), Due(MAR, 4000)), 3500)

    assert open_dues == (Due(FEB, 1500), Due(MAR, 4000))
    assert allocation == Allocation((Due(JAN, 2000), Due(FEB, 1500)), 0)


def test_take_back_returns_the_credit_before_reopening_any_due():
    _, allocation = allocate((Due(JAN, 2000), Due(FEB, 3000)), 6000)  # 1000 of it is credit

    restored, remaining = take_back((), allocation, 800)

    assert restored == ()  # the dues the customer paid stay paid
    assert remaining == Allocation((Due(JAN, 2000), Due(FEB, 3000)), 200)


def test_take_back_reopens_the_newest_paid_due_first_so_days_past_due_move_the_least():
    open_dues, allocation = allocate((Due(JAN, 2000), Due(FEB, 3000), Due(MAR, 4000)), 9000)
    assert open_dues == ()

    restored, remaining = take_back(open_dues, allocation, 5000)

    # March in full and 1000 of February come back; January, the oldest, stays paid
    assert restored == (Due(FEB, 1000), Due(MAR, 4000))
    assert remaining == Allocation((Due(JAN, 2000), Due(FEB, 2000)), 0)


def test_take_back_merges_a_reopened_due_with_what_is_still_open_on_that_date():
    open_dues, allocation = allocate((Due(JAN, 2000), Due(FEB, 3000)), 3500)
    assert open_dues == (Due(FEB, 1500),)

    restored, remaining = take_back(open_dues, allocation, 3500)

    assert restored == (Due(JAN, 2000), Due(FEB, 3000))
    assert remaining == Allocation((), 0)


@given(dues_strategy, st.integers(0, 10**8))
def test_a_full_take_back_after_allocate_restores_the_dues_exactly(dues, paid):
    open_dues, allocation = allocate(dues, paid)
    assert allocation.total == paid  # every unit of the payment is accounted for: dues or credit
    assert _total(open_dues) + _total(allocation.dues) == _total(dues)

    restored, remaining = take_back(open_dues, allocation, paid)

    assert restored == dues
    assert remaining == Allocation((), 0)


@given(dues_strategy, st.integers(0, 10**8), st.data())
def test_a_partial_take_back_reopens_exactly_what_it_removes_from_the_allocation(dues, paid, data):
    open_dues, allocation = allocate(dues, paid)
    amount = data.draw(st.integers(0, paid), label="taken back")

    restored, remaining = take_back(open_dues, allocation, amount)

    assert remaining.total == paid - amount
    reopened = _total(allocation.dues) - _total(remaining.dues)
    assert _total(restored) == _total(open_dues) + reopened
    assert remaining.credit == max(allocation.credit - amount, 0)  # credit goes back before any due
    # a second take-back of the rest lands exactly where the payment found the account
    assert take_back(restored, remaining, paid - amount) == (dues, Allocation((), 0))


@given(
    st.lists(
        st.builds(Due, st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(1, 10**12)),
        max_size=6,
        unique_by=lambda d: d.due_on,
    ),
    st.integers(0, 10**12),
)
def test_an_allocation_survives_the_round_trip_through_its_stored_form(dues, credit):
    allocation = Allocation(tuple(sorted(dues)), credit)
    assert Allocation.from_dict(allocation.to_dict()) == allocation


def test_a_stored_allocation_without_dues_or_credit_reads_as_empty():
    # receipts written before the field existed, or a payment that was all credit
    assert Allocation.from_dict({}) == Allocation()
    assert Allocation.from_dict({"credit": "250"}) == Allocation((), 250)


# ------------------------------------------------------------------ suspense_reason


def test_money_for_an_account_we_do_not_hold_goes_to_suspense_as_unknown():
    assert suspense_reason(None, _payment()) is SuspenseReason.UNKNOWN_ACCOUNT


def test_money_without_an_account_reference_goes_to_suspense_as_such():
    assert suspense_reason(_card(), _payment(account_ref=None)) is SuspenseReason.NO_ACCOUNT_REFERENCE


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
def test_money_for_a_closed_account_goes_to_suspense(status):
    assert suspense_reason(_card(status=status), _payment()) is SuspenseReason.ACCOUNT_CLOSED


def test_money_in_another_currency_goes_to_suspense_rather_than_being_converted():
    assert suspense_reason(_card(), _payment(currency="EUR")) is SuspenseReason.CURRENCY_MISMATCH


@pytest.mark.parametrize("status", [s for s in Status if s not in CLOSED_STATUSES])
def test_money_in_the_account_currency_for_an_open_account_can_be_posted(status):
    assert suspense_reason(_card(status=status), _payment()) is None


# ------------------------------------------------------------------ receive


def test_a_payment_that_clears_what_is_past_due_cures_the_account_the_same_minute():
    posted = receive(_card(), 10_000, AS_OF)
    account = posted.account

    assert (account.balance, account.dues) == (90_000, (Due(MAR, 5000),))
    assert (account.bucket, account.dpd, account.past_due, account.oldest_unpaid_on) == (
        Bucket.CURRENT,
        0,
        0,
        None,
    )
    assert account.status is Status.ACTIVE
    # the next cycle counts the move in the census from where it last counted the account
    assert account.counted_as == "30-59"
    assert account.next_action_on == AS_OF  # and it still looks at it (payment-received letter)
    assert posted.allocation == Allocation((Due(JAN, 5000), Due(FEB, 5000)), 0)


def test_a_partial_payment_moves_the_oldest_unpaid_date_and_rolls_the_account_back_a_bucket():
    account = receive(_card(), 5000, AS_OF).account

    assert (account.oldest_unpaid_on, account.dpd, account.bucket) == (FEB, 16, Bucket.B1_29)
    assert account.past_due == 5000


def test_a_payment_on_an_account_the_cycle_never_looked_at_is_left_for_its_first_look():
    before = _card(bucket=None, dpd=0, last_evaluated_on=None, next_action_on=date(2026, 3, 5))

    account = receive(before, 10_000, AS_OF).account

    assert account.bucket is None and account.dpd == 0
    assert account.balance == 90_000 and account.dues == (Due(MAR, 5000),)
    assert account.next_action_on == AS_OF  # pulled forward so the cycle places it today


def test_a_payment_that_covers_a_pending_promise_records_it_kept_and_resumes_normal_standing():
    promise = Promise(8000, date(2026, 3, 5), date(2026, 2, 28))
    before = _card(status=Status.PROMISE_PENDING, promise=promise)

    posted = receive(before, 8000, AS_OF)

    assert posted.account.promise is None
    assert posted.account.status is Status.ACTIVE
    assert [(e["kind"], e["outcome"], e["paid"]) for e in posted.events] == [("promise", "kept", 8000)]


def test_a_payment_short_of_the_promise_counts_towards_it_and_keeps_it_pending():
    promise = Promise(8000, date(2026, 3, 5), date(2026, 2, 28))
    before = _card(status=Status.PROMISE_PENDING, promise=promise)

    posted = receive(before, 3000, AS_OF)

    assert posted.events == ()
    assert posted.account.status is Status.PROMISE_PENDING
    assert posted.account.promise == replace(promise, paid=3000)


def test_a_payment_of_the_whole_balance_closes_the_account_as_paid_in_full():
    posted = receive(_card(balance=15_000), 15_000, AS_OF)

    assert posted.account.status is Status.PAID_IN_FULL
    assert (posted.account.balance, posted.account.dues, posted.account.bucket) == (0, (), Bucket.CURRENT)


def test_paying_off_the_account_under_a_promise_records_the_promise_kept():
    # the promise-kept rate would otherwise miss the customers who paid everything
    promise = Promise(8000, date(2026, 3, 5), date(2026, 2, 28))
    before = _card(balance=15_000, status=Status.PROMISE_PENDING, promise=promise)

    posted = receive(before, 15_000, AS_OF)

    assert posted.account.status is Status.PAID_IN_FULL and posted.account.promise is None
    assert [(e["kind"], e["outcome"], e["paid"]) for e in posted.events] == [("promise", "kept", 15_000)]


# ------------------------------------------------------------------ reverse


def test_reversing_a_payment_reopens_its_dues_and_the_account_falls_back_into_its_bucket():
    before = _card()
    posted = receive(before, 12_000, AS_OF)
    assert posted.account.bucket is Bucket.CURRENT

    back = reverse(posted.account, posted.allocation, 12_000, AS_OF)

    assert back.account.dues == before.dues
    assert back.account.balance == before.balance
    assert (back.account.bucket, back.account.dpd, back.account.oldest_unpaid_on) == (Bucket.B30_59, 47, JAN)
    assert back.account.past_due == 10_000
    assert back.allocation == Allocation()


def test_a_partial_refund_keeps_the_oldest_due_paid_and_leaves_the_account_less_late():
    posted = receive(_card(), 10_000, AS_OF)

    back = reverse(posted.account, posted.allocation, 4000, AS_OF)

    assert back.account.dues == (Due(FEB, 4000), Due(MAR, 5000))
    assert (back.account.bucket, back.account.dpd) == (Bucket.B1_29, 16)
    assert back.allocation == Allocation((Due(JAN, 5000), Due(FEB, 1000)), 0)


def test_reversing_a_payment_that_closed_the_account_reopens_it():
    posted = receive(_card(balance=15_000), 15_000, AS_OF)
    assert posted.account.status is Status.PAID_IN_FULL

    back = reverse(posted.account, posted.allocation, 15_000, AS_OF)

    assert back.account.status is Status.ACTIVE
    assert (back.account.balance, back.account.bucket, back.account.dpd) == (15_000, Bucket.B30_59, 47)


def test_a_refund_takes_its_amount_back_from_a_pending_promise():
    promise = Promise(8000, date(2026, 3, 5), date(2026, 2, 28))
    posted = receive(_card(status=Status.PROMISE_PENDING, promise=promise), 3000, AS_OF)

    back = reverse(posted.account, posted.allocation, 3000, AS_OF)

    assert back.account.promise == promise
    assert back.account.status is Status.PROMISE_PENDING


def test_reopened_dues_are_covered_by_credit_another_payment_left_on_the_account():
    # January 100 due; the customer pays 150 (50 credit), then 30 more (all credit); the first is refunded
    card = _card(dues=(Due(JAN, 100),), balance=1000)
    first = receive(card, 150, AS_OF, payment="p1")
    second = receive(first.account, 30, AS_OF, payment="p2")
    assert second.allocation == Allocation((), 30)
    assert second.account.credits == {"p1": 50, "p2": 30}

    back = reverse(second.account, first.allocation, 150, AS_OF, payment="p1")

    # net 30 received against 100 due: 70 is past due, not the whole 100
    assert back.account.balance == 1000 - 30
    assert back.account.dues == (Due(JAN, 70),) and back.account.past_due == 70
    assert back.shifts == (Shift("p2", Due(JAN, 30)),)  # the second payment now pays January
    assert back.account.credits == {}
    assert back.allocation == Allocation((), 0)


@pytest.mark.parametrize(
    "other, reopened, left",
    [(99, 1, {}), (100, 0, {}), (101, 0, {"p2": 1})],  # the other credit one short, exact, one over
)
def test_a_reopened_due_is_paid_from_other_credit_up_to_what_that_credit_holds(other, reopened, left):
    card = _card(dues=(Due(JAN, 100),), balance=1000)
    first = receive(card, 100, AS_OF, payment="p1")  # pays January exactly: no credit of its own
    second = receive(first.account, other, AS_OF, payment="p2")

    back = reverse(second.account, first.allocation, 100, AS_OF, payment="p1")

    assert back.account.dues == ((Due(JAN, reopened),) if reopened else ())
    assert back.account.credits == left
    assert back.shifts == (Shift("p2", Due(JAN, 100 - reopened)),)
    assert back.account.balance == 1000 - other


def test_a_payments_own_credit_is_taken_back_first_and_never_pays_its_own_dues():
    card = _card(dues=(Due(JAN, 100), Due(FEB, 100)), balance=1000)
    paid = receive(card, 260, AS_OF, payment="p1")  # both dues and 60 credit
    assert paid.account.credits == {"p1": 60}

    back = reverse(paid.account, paid.allocation, 120, AS_OF, payment="p1")

    assert back.account.credits == {}  # its 60 back first, then 60 of February, newest first
    assert back.account.dues == (Due(FEB, 60),) and back.shifts == ()
    assert back.allocation == Allocation((Due(JAN, 100), Due(FEB, 40)), 0)


def test_oldest_reopened_dues_are_paid_first_and_donors_are_drawn_in_a_fixed_order():
    reopened = (Due(FEB, 50), Due(JAN, 50))

    still, left, shifts = cover(reopened, {"b": 30, "a": 40, "own": 500}, exclude="own")

    assert shifts == (Shift("a", Due(JAN, 40)), Shift("b", Due(JAN, 10)), Shift("b", Due(FEB, 20)))
    assert still == (Due(FEB, 30),) and left == {"own": 500}


@pytest.mark.parametrize(
    "credit, owed, left",
    [(99, 1, {}), (100, 0, {}), (101, 0, {"p1": 1})],  # one short, exact, one over
)
def test_a_statement_is_paid_from_credit_already_on_the_account(credit, owed, left):
    card = _card(dues=(Due(JAN, 100),), balance=1000)
    paid = receive(card, 100 + credit, AS_OF, payment="p1")

    billed, shifts = bill(paid.account, Due(FEB, 100))

    assert billed.dues == ((Due(FEB, owed),) if owed else ())
    assert billed.credits == left and shifts == (Shift("p1", Due(FEB, 100 - owed)),)
    assert billed.balance == paid.account.balance  # a statement bills what the balance already holds


def test_a_statement_with_no_credit_is_owed_whole_and_merges_with_a_due_on_its_date():
    billed, shifts = bill(_card(dues=(Due(JAN, 100), Due(FEB, 40))), Due(FEB, 100))

    assert billed.dues == (Due(JAN, 100), Due(FEB, 140)) and shifts == ()


@pytest.mark.parametrize("amount", [0, -50])
def test_a_statement_of_nothing_or_less_is_refused_and_creates_no_credit(amount):
    paid = receive(_card(dues=(), balance=1000), 100, AS_OF, payment="p1")

    with pytest.raises(InvalidInput, match="positive amount"):
        bill(paid.account, Due(FEB, amount))


def test_a_reversal_computed_from_an_allocation_the_account_no_longer_holds_is_refused():
    paid = receive(_card(dues=(), balance=1000), 100, AS_OF, payment="p1")  # 100 credit
    billed, _ = bill(paid.account, Due(FEB, 60))  # 60 of it now pays February: 40 left

    with pytest.raises(AccountVersionConflict):  # the stale allocation still says 100 of credit
        reverse(billed, paid.allocation, 100, AS_OF, payment="p1")


def test_a_fee_raises_the_balance_and_owes_nothing_until_billed():
    card = _card()

    charged = charge(card, 2500)

    assert (charged.balance, charged.dues) == (card.balance + 2500, card.dues)
    with pytest.raises(InvalidInput):
        charge(card, 10**20)


def test_take_back_reopens_every_entry_an_allocation_holds_for_one_due_date():
    # what _reinstate stores: the 2000 a partial chargeback left, then the 1000 the won dispute paid
    allocation = Allocation((Due(JAN, 2000), Due(JAN, 1000)), 0)

    restored, remaining = take_back((Due(JAN, 7000),), allocation, 3000)

    assert remaining == Allocation((), 0)
    assert restored == (Due(JAN, 10_000),)


# ------------------------------------------------------------------ currencies without two decimals


@pytest.mark.parametrize(
    "currency, due, paid, credit",
    [
        ("JPY", "5000", "7500", Decimal("2500")),  # no minor unit: 1 yen is 1
        ("KWD", "10.000", "12.345", Decimal("2.345")),  # three decimals: 1 fils is 0.001
    ],
)
def test_a_payment_in_a_currency_without_two_decimals_posts_in_its_own_minor_units(
    currency, due, paid, credit
):
    due_minor, paid_minor = Money.parse(due, currency).minor, Money.parse(paid, currency).minor
    opening = Money.parse("100000", currency).minor
    card = _card(dues=(Due(JAN, due_minor),), balance=opening, currency=currency, past_due=due_minor)
    assert suspense_reason(card, _payment(minor=paid_minor, currency=currency)) is None

    posted = receive(card, paid_minor, AS_OF)

    assert Money(opening - posted.account.balance, currency) == Money.parse(paid, currency)
    assert posted.allocation.dues == (Due(JAN, due_minor),)
    assert Money(posted.allocation.credit, currency).to_decimal() == credit
    assert posted.account.bucket is Bucket.CURRENT
    back = reverse(posted.account, posted.allocation, paid_minor, AS_OF)
    assert (back.account.balance, back.account.dues) == (opening, (Due(JAN, due_minor),))
