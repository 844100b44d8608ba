"""A settlement for less, posted: the rest of the balance is written off when the agreed money has all
arrived (and not a cent before), and owed again when money that settled it is taken back. Also what a
reversal does to an arrangement in force, and a payment's own credit never paying its own dues."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.commitments import Arrangement, Settlement
from arrears.domain.errors import AccountVersionConflict
from arrears.domain.ledger import Due
from arrears.domain.posting import Allocation, forgive_when_settled, receive, reverse
from arrears.domain.stages import Bucket, Status

AS_OF = date(2026, 3, 1)
JAN, FEB = date(2026, 1, 13), date(2026, 2, 13)
AGREED = 6_000  # of a 10,000 balance: 4,000 forgiven once the 6,000 has arrived


def settling(paid: int = 0, balance: int = 10_000, settlement: bool = True, **changes) -> Account:
    """An account in 30-59 under a settlement of AGREED, `paid` of it already in."""
    terms = Arrangement(
        (Due(AS_OF + timedelta(days=10), AGREED),),
        AS_OF,
        paid,
        settlement=Settlement(discount=balance - AGREED, request_id="r-1") if settlement else None,
    )
    account = Account(
        "SET-1", "main", ProductType.OPEN_END, "USD", balance, balance, (Due(JAN, 5_000), Due(FEB, 5_000)),
        "en-US", "America/New_York", "US", home_shard="main#000", bucket=Bucket.B30_59, dpd=47,
        past_due=10_000, oldest_unpaid_on=JAN, next_action_on=AS_OF + timedelta(days=13),
        last_evaluated_on=AS_OF, status=Status.ARRANGEMENT_ACTIVE, arrangement=terms,
    )  # fmt: skip
    return replace(account, **changes)


@pytest.mark.parametrize(
    ("paid", "written_off", "balance"),
    [(AGREED - 1, 0, 4_001), (AGREED, 4_000, 0), (AGREED + 1, 3_999, 0)],
)
def test_a_settlement_writes_off_the_rest_only_once_the_agreed_money_has_all_arrived(
    paid, written_off, balance
):
    posted = receive(settling(), paid, AS_OF)

    assert (posted.written_off, posted.account.balance) == (written_off, balance)


def test_a_settled_account_is_closed_as_settled_and_counted_from_where_the_census_had_it():
    settled, written_off = forgive_when_settled(settling(paid=AGREED, balance=4_000))

    assert (written_off, settled.balance, settled.status) == (4_000, 0, Status.SETTLED)
    assert settled.counted_as == "30-59"  # the cycle counts the move from its bucket
    again, _ = forgive_when_settled(settling(paid=AGREED, balance=4_000, counted_as="60-89"))
    assert again.counted_as == "60-89"  # already counted elsewhere since: kept


@pytest.mark.parametrize(
    "account",
    [
        settling(paid=AGREED, balance=0),  # nothing left to forgive
        settling(paid=AGREED, balance=-1),  # overpaid: a credit is never written off
        settling(paid=AGREED - 1, balance=4_000),  # one short of the agreed money
        settling(paid=AGREED, balance=4_000, settlement=False),  # an arrangement forgives nothing
        settling(balance=4_000, arrangement=None),
    ],
)
def test_nothing_is_written_off_without_a_settlement_paid_and_a_balance_left(account):
    assert forgive_when_settled(account) == (account, 0)


def test_one_minor_unit_left_after_the_settlement_is_written_off():
    settled, written_off = forgive_when_settled(settling(paid=AGREED, balance=1))
    assert (written_off, settled.balance, settled.status) == (1, 0, Status.SETTLED)


def test_taking_back_money_that_settled_an_account_owes_the_forgiven_rest_again():
    posted = receive(settling(), AGREED, AS_OF)

    back = reverse(posted.account, posted.allocation, AGREED, AS_OF, forgiven=4_000)

    assert (back.account.balance, back.account.status, back.written_off) == (10_000, Status.ACTIVE, -4_000)


@pytest.mark.parametrize(("forgiven", "balance"), [(0, AGREED), (1, AGREED + 1)])
def test_only_what_the_settlement_forgave_is_owed_again(forgiven, balance):
    posted = receive(settling(), AGREED, AS_OF)

    back = reverse(posted.account, posted.allocation, AGREED, AS_OF, forgiven=forgiven)

    assert (back.account.balance, back.written_off) == (balance, -forgiven)


def test_a_reversal_on_an_account_no_settlement_closed_reinstates_nothing():
    # Given an account still open under its settlement, 1,000 of the agreed money in
    posted = receive(settling(), 1_000, AS_OF)
    assert posted.account.arrangement.paid == 1_000

    back = reverse(posted.account, posted.allocation, 1_000, AS_OF, forgiven=4_000)

    assert (back.account.balance, back.written_off) == (10_000, 0)
    assert back.account.arrangement.paid == 0  # the money taken back no longer counts towards it


def test_a_plain_reversal_writes_nothing_off_and_nothing_back():
    posted = receive(settling(settlement=False), 1_000, AS_OF)
    assert reverse(posted.account, posted.allocation, 400, AS_OF).written_off == 0
    # a settled account whose write-off is not given names nothing forgiven: only the money is owed
    settled = receive(settling(), AGREED, AS_OF)
    back = reverse(settled.account, settled.allocation, AGREED, AS_OF)
    assert (back.account.balance, back.written_off) == (AGREED, 0)


def test_a_payments_own_credit_never_pays_the_dues_its_reversal_reopens():
    # Given the account holding more of p1's credit than the allocation read with it says
    account = replace(
        settling(settlement=False, arrangement=None), dues=(Due(FEB, 100),), credits={"p1": 100}
    )
    allocation = Allocation((Due(JAN, 100),), 0)

    back = reverse(account, allocation, 100, AS_OF, payment="p1")

    # Then January is owed again rather than paid from p1's own money
    assert back.account.dues == (Due(JAN, 100), Due(FEB, 100)) and back.shifts == ()
    assert back.account.credits == {"p1": 100}


def test_a_charged_off_account_settled_is_counted_from_closed():
    charged_off = settling(paid=AGREED, balance=4_000, status=Status.CHARGED_OFF)

    settled, written_off = forgive_when_settled(charged_off)

    assert (written_off, settled.status, settled.counted_as) == (4_000, Status.SETTLED, "closed")


# ------------------------------------------------------------------ credit kept, and the next look


def test_an_overpayment_of_one_minor_unit_is_kept_as_that_payments_credit():
    account = settling(settlement=False, arrangement=None, dues=(Due(JAN, 100),))

    assert receive(account, 101, AS_OF, payment="p1").account.credits == {"p1": 1}
    assert receive(account, 100, AS_OF, payment="p1").account.credits == {}
    # money no payment names is on the balance, but is no payment's credit to move later
    assert receive(account, 150, AS_OF).account.credits == {}


def test_a_reversal_computed_from_a_credit_the_account_no_longer_holds_names_it():
    account = settling(settlement=False, arrangement=None, credits={})

    with pytest.raises(AccountVersionConflict, match="^credit of p1 would be -50$"):
        reverse(account, Allocation((), 50), 50, AS_OF, payment="p1")


def test_money_in_keeps_a_review_already_due_rather_than_putting_it_off():
    # Given a review that fell due two days ago and was not yet done
    account = settling(settlement=False, next_action_on=AS_OF - timedelta(days=2))

    assert receive(account, 1_000, AS_OF + timedelta(days=1)).account.next_action_on == AS_OF - timedelta(
        days=2
    )


def test_money_taken_back_from_a_closed_account_is_counted_from_closed():
    # Given an account paid in full that the census already counts as closed (no move pending)
    closed = settling(settlement=False, arrangement=None, balance=0, status=Status.PAID_IN_FULL, dues=())

    back = reverse(closed, Allocation((), 1_000), 1_000, AS_OF)

    assert (back.account.status, back.account.counted_as) == (Status.ACTIVE, "closed")


# ------------------------------------------------------------------ what a reversal reopens


def test_money_taken_back_from_an_arrangement_already_due_breaks_it_on_the_timeline():
    # Given an arrangement whose one instalment fell due 20 days ago and was paid
    terms = Arrangement((Due(AS_OF - timedelta(days=20), 1_000),), AS_OF - timedelta(days=30), 1_000)
    account = settling(settlement=False, arrangement=terms, balance=5_000)

    back = reverse(account, Allocation((), 1_000), 1_000, AS_OF)

    assert [(e["kind"], e["outcome"]) for e in back.events] == [("arrangement", "broken")]
    assert (back.account.status, back.account.arrangement) == (Status.ACTIVE, None)


def test_money_taken_back_from_a_charged_off_account_leaves_it_charged_off():
    charged_off = settling(settlement=False, arrangement=None, balance=5_000, status=Status.CHARGED_OFF)

    back = reverse(charged_off, Allocation((), 1_000), 1_000, AS_OF)

    assert (back.account.balance, back.account.status, back.events) == (6_000, Status.CHARGED_OFF, ())


@pytest.mark.parametrize(
    ("status", "owed_before", "taken_back", "after"),
    [
        (Status.PAID_IN_FULL, 0, 1, Status.ACTIVE),  # one cent owed again reopens it
        (Status.SETTLED, -100, 100, Status.SETTLED),  # only its overpayment back: nothing is owed
        (Status.SETTLED, -100, 101, Status.ACTIVE),
    ],
)
def test_money_taken_back_reopens_a_closed_account_only_when_something_is_owed(
    status, owed_before, taken_back, after
):
    closed = settling(settlement=False, arrangement=None, balance=owed_before, status=status, dues=())

    back = reverse(closed, Allocation((), taken_back), taken_back, AS_OF)

    assert (back.account.balance, back.account.status) == (owed_before + taken_back, after)
