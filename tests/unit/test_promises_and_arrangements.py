"""A promise or an arrangement (convenio) holds, is kept or is broken on the day the caller asks:
the grace period's last day still pends, the day after breaks; paid in full keeps it at once."""

from datetime import date, timedelta

import pytest
from arrears.domain.commitments import (
    GRACE_DAYS,
    Arrangement,
    Outcome,
    Promise,
    Settlement,
    credit_payment,
)
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import Due
from hypothesis import given
from hypothesis import strategies as st

MADE = date(2026, 3, 1)
DUE = date(2026, 3, 10)


def test_the_grace_period_is_three_days():
    assert GRACE_DAYS == 3
    assert Promise(5000, DUE, MADE).settles_on == date(2026, 3, 13)


@pytest.mark.parametrize(
    ("as_of", "outcome"),
    [
        (date(2026, 3, 12), Outcome.PENDING),
        (date(2026, 3, 13), Outcome.PENDING),  # the grace period's last day
        (date(2026, 3, 14), Outcome.BROKEN),
    ],
)
def test_an_unpaid_promise_breaks_the_day_after_its_grace_period(as_of, outcome):
    assert Promise(5000, DUE, MADE).outcome(as_of) == outcome


@pytest.mark.parametrize(
    ("paid", "outcome"), [(4999, Outcome.BROKEN), (5000, Outcome.KEPT), (5001, Outcome.KEPT)]
)
def test_a_promise_is_kept_when_the_payments_cover_it_even_late(paid, outcome):
    assert Promise(5000, DUE, MADE, paid=paid).outcome(date(2026, 4, 30)) == outcome


def test_a_promise_paid_in_full_is_kept_before_its_date():
    assert Promise(5000, DUE, MADE, paid=5000).outcome(MADE) == Outcome.KEPT


def test_a_promise_is_checked_again_the_day_after_its_grace_period():
    assert Promise(5000, DUE, MADE).next_check() == date(2026, 3, 14)
    assert Promise(5000, DUE, MADE, grace_days=0).next_check() == date(2026, 3, 11)


@pytest.mark.parametrize("amount", [0, -1])
def test_a_promise_for_nothing_is_refused_with_its_reason(amount):
    with pytest.raises(InvalidInput, match="^a promise is for a positive amount$"):
        Promise(amount, DUE, MADE)


def test_a_promise_for_one_minor_unit_stands():
    assert Promise(1, DUE, MADE).amount == 1


def test_a_promise_due_before_it_is_made_is_refused_and_one_due_the_same_day_stands():
    with pytest.raises(InvalidInput, match="^a promise cannot fall due before it is made$"):
        Promise(5000, MADE - timedelta(days=1), MADE)
    assert Promise(5000, MADE, MADE).due_on == MADE


def test_a_promise_is_stored_as_its_fields():
    assert Promise(5000, DUE, MADE, paid=1200, grace_days=5).to_dict() == {
        "amount": 5000,
        "due_on": "2026-03-10",
        "created_on": "2026-03-01",
        "paid": 1200,
        "grace_days": 5,
    }


def _plan(paid: int = 0, settlement: Settlement | None = None) -> Arrangement:
    return Arrangement(
        (Due(date(2026, 3, 10), 3000), Due(date(2026, 4, 10), 2000)), MADE, paid, settlement=settlement
    )


@pytest.mark.parametrize(
    ("as_of", "required"),
    [
        (date(2026, 3, 13), 0),  # the first instalment's grace period's last day
        (date(2026, 3, 14), 3000),
        (date(2026, 4, 13), 3000),
        (date(2026, 4, 14), 5000),
    ],
)
def test_an_instalment_is_required_once_its_grace_period_has_ended(as_of, required):
    assert _plan().required_by(as_of) == required


@pytest.mark.parametrize(
    ("paid", "as_of", "outcome"),
    [
        (0, date(2026, 3, 13), Outcome.PENDING),
        (0, date(2026, 3, 14), Outcome.BROKEN),
        (2999, date(2026, 3, 14), Outcome.BROKEN),
        (3000, date(2026, 3, 14), Outcome.PENDING),
        (3000, date(2026, 4, 14), Outcome.BROKEN),
        (4999, date(2026, 4, 14), Outcome.BROKEN),
        (5000, date(2026, 4, 14), Outcome.KEPT),
        (5000, MADE, Outcome.KEPT),
    ],
)
def test_an_arrangement_holds_while_payments_cover_the_instalments_past_grace(paid, as_of, outcome):
    assert _plan(paid).outcome(as_of) == outcome


def test_an_arrangement_totals_its_instalments():
    assert _plan().total == 5000


@pytest.mark.parametrize(
    ("as_of", "next_check"),
    [
        (date(2026, 3, 13), date(2026, 3, 14)),
        (date(2026, 3, 14), date(2026, 4, 14)),  # the day of a check looks to the next one
        (date(2026, 4, 13), date(2026, 4, 14)),
        (date(2026, 4, 14), None),
    ],
)
def test_an_arrangement_is_checked_the_day_after_each_instalments_grace_period(as_of, next_check):
    assert _plan().next_check(as_of) == next_check


def test_an_arrangement_without_instalments_or_with_an_empty_one_is_refused():
    with pytest.raises(InvalidInput, match="^an arrangement needs instalments of positive amounts$"):
        Arrangement((), MADE)
    with pytest.raises(InvalidInput, match="^an arrangement needs instalments of positive amounts$"):
        Arrangement((Due(DUE, 3000), Due(DUE, 0)), MADE)
    assert Arrangement((Due(DUE, 1),), MADE).total == 1


def test_an_instalment_due_before_the_arrangement_is_refused_and_one_due_that_day_stands():
    with pytest.raises(InvalidInput, match="^an instalment cannot fall due before the arrangement is made$"):
        Arrangement((Due(DUE, 3000), Due(MADE - timedelta(days=1), 100)), MADE)
    assert Arrangement((Due(MADE, 3000),), MADE).created_on == MADE


def test_an_arrangement_is_stored_with_its_schedule_and_its_settlement_if_any():
    assert _plan(1000).to_dict() == {
        "instalments": [{"due_on": "2026-03-10", "amount": 3000}, {"due_on": "2026-04-10", "amount": 2000}],
        "created_on": "2026-03-01",
        "paid": 1000,
        "grace_days": 3,
    }
    settled = _plan(settlement=Settlement(discount=700, request_id="r-1")).to_dict()
    assert settled["settlement"] == {"discount": 700, "request_id": "r-1"}


def test_no_commitment_takes_no_payment():
    assert credit_payment(None, 500) is None


def test_a_payment_counts_towards_the_commitment_and_a_take_back_never_below_nothing():
    promise = Promise(5000, DUE, MADE, paid=1000)
    assert credit_payment(promise, 500).paid == 1500
    assert credit_payment(promise, -1000).paid == 0
    assert credit_payment(promise, -1001).paid == 0
    assert credit_payment(_plan(200), 300).paid == 500


@given(
    amounts=st.lists(st.integers(1, 10_000), min_size=1, max_size=5),
    paid=st.integers(0, 60_000),
    offset=st.integers(0, 200),
)
def test_an_arrangement_is_broken_exactly_when_payments_fall_short_of_what_is_required(amounts, paid, offset):
    instalments = tuple(Due(MADE + timedelta(days=30 * n), a) for n, a in enumerate(amounts))
    plan = Arrangement(instalments, MADE, paid)
    as_of = MADE + timedelta(days=offset)
    required = sum(a for n, a in enumerate(amounts) if MADE + timedelta(days=30 * n + GRACE_DAYS) < as_of)
    expected = (
        Outcome.KEPT if paid >= sum(amounts) else Outcome.BROKEN if paid < required else Outcome.PENDING
    )
    assert plan.outcome(as_of) == expected
