"""Where an account stands on a day, and why: days past due at the due date and a day either side,
the closed and charged-off statuses, the reason an operator reads, and the day it is looked at next."""

from datetime import date, timedelta

import pytest
from arrears.domain.ledger import Due
from arrears.domain.stages import (
    REVIEW_INTERVAL_DAYS,
    Bucket,
    Status,
    bucket_for,
    days_past_due,
    days_to_next_bucket,
    evaluate,
)
from hypothesis import given
from hypothesis import strategies as st

AS_OF = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("oldest", "dpd"), [(AS_OF + timedelta(days=1), 0), (AS_OF, 0), (AS_OF - timedelta(days=1), 1)]
)
def test_an_account_is_a_day_past_due_the_day_after_its_due_date(oldest, dpd):
    assert days_past_due(oldest, AS_OF) == dpd


@given(age=st.integers(-400, 400))
def test_days_past_due_is_the_days_since_the_oldest_unpaid_date_and_never_negative(age):
    assert days_past_due(AS_OF - timedelta(days=age), AS_OF) == max(age, 0)


def test_a_negative_days_past_due_is_refused():
    with pytest.raises(ValueError, match="^days past due cannot be negative$"):
        bucket_for(-1)
    assert bucket_for(0) is Bucket.CURRENT


@pytest.mark.parametrize(
    ("dpd", "days"),
    [(0, 1), (1, 29), (29, 1), (30, 30), (119, 1), (120, 60), (179, 1), (180, None), (400, None)],
)
def test_days_to_the_next_bucket(dpd, days):
    assert days_to_next_bucket(dpd) == days


@pytest.mark.parametrize("balance", [0, -1])
def test_a_balance_paid_or_overpaid_is_paid_in_full_whatever_the_dues_say(balance):
    result = evaluate(balance, (Due(AS_OF - timedelta(days=40), 100),), Status.ACTIVE, AS_OF)
    assert (result.dpd, result.bucket, result.status, result.past_due) == (
        0,
        Bucket.CURRENT,
        Status.PAID_IN_FULL,
        0,
    )
    assert (result.oldest_unpaid_on, result.next_action_on) == (None, None)
    assert result.reason == "balance paid in full"


def test_one_minor_unit_still_owed_keeps_the_account_in_collection():
    result = evaluate(1, (Due(AS_OF - timedelta(days=40), 1),), Status.ACTIVE, AS_OF)
    assert (result.status, result.dpd, result.bucket) == (Status.ACTIVE, 40, Bucket.B30_59)


@pytest.mark.parametrize("status", [Status.SETTLED, Status.PAID_IN_FULL])
def test_a_closed_account_stays_closed_and_says_so(status):
    result = evaluate(500, (Due(AS_OF - timedelta(days=40), 500),), status, AS_OF)
    assert (result.dpd, result.bucket, result.status, result.next_action_on) == (
        0,
        Bucket.CURRENT,
        status,
        None,
    )
    assert result.reason == f"closed: {status}"


def test_a_settled_account_with_nothing_owed_stays_settled():
    assert evaluate(0, (), Status.SETTLED, AS_OF).status is Status.SETTLED


def test_a_charged_off_account_still_ages_but_is_never_scheduled():
    dues = (Due(AS_OF - timedelta(days=200), 500), Due(AS_OF + timedelta(days=5), 300))
    result = evaluate(800, dues, Status.CHARGED_OFF, AS_OF)
    assert (result.dpd, result.bucket, result.status) == (200, Bucket.B180_PLUS, Status.CHARGED_OFF)
    assert (result.past_due, result.oldest_unpaid_on, result.next_action_on) == (
        500,
        AS_OF - timedelta(days=200),
        None,
    )
    assert result.reason == "charged off, 200 DPD"


def test_a_charged_off_account_paid_off_stays_charged_off():
    assert evaluate(0, (), Status.CHARGED_OFF, AS_OF).status is Status.CHARGED_OFF


def test_a_current_account_says_no_due_was_unpaid_and_waits_for_its_next_due():
    result = evaluate(1000, (Due(AS_OF, 100),), Status.ACTIVE, AS_OF)
    assert (result.dpd, result.past_due, result.oldest_unpaid_on) == (0, 0, None)
    assert result.reason == "no due unpaid before 2026-03-01"
    assert result.next_action_on == AS_OF + timedelta(days=1)


def test_a_current_account_with_nothing_due_leaves_the_work_index():
    result = evaluate(1000, (), Status.ACTIVE, AS_OF)
    assert (result.bucket, result.next_action_on) == (Bucket.CURRENT, None)


def test_a_late_account_is_looked_at_when_it_would_enter_the_next_bucket():
    result = evaluate(1000, (Due(AS_OF - timedelta(days=29), 100),), Status.ACTIVE, AS_OF)
    assert (result.dpd, result.bucket, result.past_due) == (29, Bucket.B1_29, 100)
    assert result.next_action_on == AS_OF + timedelta(days=1)
    assert result.reason == "29 days past due since 2026-01-31"


def test_an_account_in_the_last_bucket_is_reviewed_every_thirty_days():
    assert REVIEW_INTERVAL_DAYS == 30
    result = evaluate(1000, (Due(AS_OF - timedelta(days=180), 100),), Status.ACTIVE, AS_OF)
    assert (result.bucket, result.next_action_on) == (Bucket.B180_PLUS, AS_OF + timedelta(days=30))


def test_a_due_falling_due_before_the_next_bucket_is_looked_at_the_day_after_it():
    dues = (Due(AS_OF - timedelta(days=10), 100), Due(AS_OF + timedelta(days=3), 100))
    result = evaluate(1000, dues, Status.ACTIVE, AS_OF)
    assert result.next_action_on == AS_OF + timedelta(days=4)
    assert result.past_due == 100


def test_a_status_set_by_another_workflow_is_kept():
    result = evaluate(1000, (Due(AS_OF - timedelta(days=10), 100),), Status.PROMISE_PENDING, AS_OF)
    assert (result.status, result.dpd) == (Status.PROMISE_PENDING, 10)
