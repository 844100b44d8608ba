"""Where a payment's money went and where it moves: an allocation paying reopened dues from its
credit, another payment's credit covering them oldest first, the business day money counts on, and
the ledger keys of a settlement's write-off."""

from datetime import date, timedelta

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.ledger import Due
from arrears.domain.posting import Allocation, Shift, cover, forgiven, forgiveness_entry, posting_day
from hypothesis import given
from hypothesis import strategies as st

JAN = date(2026, 1, 31)
FEB = date(2026, 2, 28)


def test_an_allocation_moves_its_credit_to_the_dues_it_pays_and_keeps_them_by_date():
    allocation = Allocation((Due(FEB, 100),), credit=300)
    paid = allocation.paying((Due(JAN, 120),))
    assert paid == Allocation((Due(JAN, 120), Due(FEB, 100)), credit=180)
    assert paid.total == allocation.total == 400


def test_more_of_the_same_payment_adds_its_dues_and_its_credit():
    more = Allocation((Due(FEB, 50),), credit=20).plus(Allocation((Due(JAN, 30),), credit=5))
    assert more == Allocation((Due(FEB, 50), Due(JAN, 30)), credit=25)


def test_an_allocation_is_stored_and_read_back_as_it_was():
    allocation = Allocation((Due(JAN, 120), Due(FEB, 100)), credit=7)
    stored = allocation.to_dict()
    assert stored == {
        "dues": [{"due_on": "2026-01-31", "amount": 120}, {"due_on": "2026-02-28", "amount": 100}],
        "credit": 7,
    }
    assert Allocation.from_dict(stored) == allocation
    assert Allocation.from_dict({}) == Allocation()


def test_reopened_dues_are_paid_oldest_first_from_the_other_payments_credit():
    still, credits, shifts = cover((Due(FEB, 100), Due(JAN, 100)), {"p-b": 50, "p-a": 120, "p-x": 500}, "p-x")
    assert still == (Due(FEB, 30),)
    assert credits == {"p-x": 500}  # the excluded payment's credit is left alone
    assert shifts == (Shift("p-a", Due(JAN, 100)), Shift("p-a", Due(FEB, 20)), Shift("p-b", Due(FEB, 50)))


def test_credit_that_covers_exactly_leaves_nothing_reopened_and_no_empty_credit():
    still, credits, shifts = cover((Due(JAN, 100),), {"p-a": 100}, None)
    assert (still, credits, shifts) == ((), {}, (Shift("p-a", Due(JAN, 100)),))


def test_a_due_is_covered_by_one_donor_when_it_is_enough_and_the_next_is_untouched():
    still, credits, shifts = cover((Due(JAN, 1),), {"p-a": 1, "p-b": 1}, None)
    assert (still, credits, shifts) == ((), {"p-b": 1}, (Shift("p-a", Due(JAN, 1)),))


def test_without_credit_the_dues_stay_reopened():
    assert cover((Due(JAN, 100),), {}, None) == ((Due(JAN, 100),), {}, ())
    assert cover((Due(JAN, 100),), {"p-a": 0}, None) == ((Due(JAN, 100),), {}, ())


@given(
    dues=st.lists(st.tuples(st.integers(0, 90), st.integers(1, 500)), max_size=5),
    credits=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 600)),
)
def test_covering_conserves_money(dues, credits):
    reopened = tuple(Due(JAN + timedelta(days=d), a) for d, a in dues)
    still, left, shifts = cover(reopened, credits, None)
    moved = sum(s.due.amount for s in shifts)
    assert sum(d.amount for d in still) + moved == sum(d.amount for d in reopened)
    assert sum(left.values()) + moved == sum(credits.values())


def _account(last_evaluated_on: date | None) -> Account:
    return Account(
        "A", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", "America/New_York", "US", "main#0",
        last_evaluated_on=last_evaluated_on,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value_date", "counted_on"),
    [
        (date(2026, 3, 9), date(2026, 3, 11)),
        (date(2026, 3, 10), date(2026, 3, 11)),  # the day the cycle counted: the next day
        (date(2026, 3, 11), date(2026, 3, 11)),
        (date(2026, 3, 12), date(2026, 3, 12)),
    ],
)
def test_money_counts_on_its_own_day_unless_the_cycle_has_counted_that_day(value_date, counted_on):
    assert posting_day(_account(date(2026, 3, 10)), value_date) == counted_on


def test_money_for_an_account_never_counted_counts_on_its_own_day():
    assert posting_day(_account(None), date(2026, 3, 9)) == date(2026, 3, 9)


def test_a_settlements_write_off_and_its_undoing_have_their_own_keys_and_signs():
    assert forgiveness_entry("pay-1", 700) == ("settlement-writeoff:pay-1", -700)
    assert forgiveness_entry("rev-1", -700) == ("settlement-reinstated:rev-1", 700)


def test_what_is_forgiven_is_read_from_the_settlement_entries_alone():
    entries = [("settlement-writeoff:pay-1", -700), ("pay-1", -300), ("settlement-reinstated:rev-1", 200)]
    assert forgiven(entries) == 500
    assert forgiven([]) == 0
