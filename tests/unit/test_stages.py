"""Days past due and buckets: deterministic, explainable, and re-anchored by payments."""

from datetime import date, timedelta

import pytest
from arrears.domain.ledger import Due, settle_oldest_first
from arrears.domain.stages import (
    BUCKETS,
    Bucket,
    Status,
    bucket_for,
    days_past_due,
    days_to_next_bucket,
    evaluate,
    transition_kind,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    "dpd,bucket",
    [
        (0, Bucket.CURRENT),
        (1, Bucket.B1_29),
        (29, Bucket.B1_29),
        (30, Bucket.B30_59),
        (59, Bucket.B30_59),
        (60, Bucket.B60_89),
        (90, Bucket.B90_119),
        (119, Bucket.B90_119),
        (120, Bucket.B120_179),
        (179, Bucket.B120_179),
        (180, Bucket.B180_PLUS),
        (2000, Bucket.B180_PLUS),
    ],
)
def test_bucket_boundaries(dpd, bucket):
    assert bucket_for(dpd) is bucket


@given(st.integers(0, 5000))
def test_buckets_never_go_backwards_as_days_pass(dpd):
    assert BUCKETS.index(bucket_for(dpd + 1)) >= BUCKETS.index(bucket_for(dpd))


@given(st.integers(0, 178))
def test_the_next_bucket_starts_exactly_when_announced(dpd):
    step = days_to_next_bucket(dpd)
    assert step is not None
    assert bucket_for(dpd + step) != bucket_for(dpd)
    assert bucket_for(dpd + step - 1) == bucket_for(dpd)


def test_dpd_counts_from_the_oldest_unpaid_due_date():
    assert days_past_due(date(2026, 1, 5), date(2026, 2, 4)) == 30
    assert days_past_due(None, date(2026, 2, 4)) == 0


def test_evaluation_schedules_the_next_look_at_the_bucket_boundary_or_next_due():
    dues = (Due(date(2026, 1, 5), 100), Due(date(2026, 2, 5), 100))
    result = evaluate(1000, dues, Status.ACTIVE, date(2026, 1, 20))
    assert (result.dpd, result.bucket, result.past_due) == (15, Bucket.B1_29, 100)
    assert result.next_action_on == date(2026, 2, 4)  # DPD 30 comes before the Feb 5 due is late
    assert "15 days past due since 2026-01-05" in result.reason


def test_a_current_account_is_looked_at_the_day_after_its_next_due():
    result = evaluate(1000, (Due(date(2026, 2, 5), 100),), Status.ACTIVE, date(2026, 1, 20))
    assert (result.bucket, result.next_action_on) == (Bucket.CURRENT, date(2026, 2, 6))


def test_a_paid_off_account_leaves_the_work_index():
    result = evaluate(0, (), Status.ACTIVE, date(2026, 1, 20))
    assert (result.status, result.next_action_on) == (Status.PAID_IN_FULL, None)


@given(st.integers(1, 400), st.integers(0, 300))
def test_a_partial_payment_never_increases_days_past_due(age, paid):
    as_of = date(2026, 6, 1)
    dues = tuple(
        Due(as_of - timedelta(days=age - 30 * i), 100) for i in range(age // 30 + 1) if age - 30 * i > 0
    )
    before = evaluate(10_000, dues, Status.ACTIVE, as_of)
    after = evaluate(10_000 - paid, settle_oldest_first(dues, paid)[0], Status.ACTIVE, as_of)
    assert after.dpd <= before.dpd


def test_transitions_are_named():
    assert transition_kind(None, Bucket.CURRENT) == "entered"
    assert transition_kind(Bucket.B30_59, Bucket.CURRENT) == "cured"
    assert transition_kind(Bucket.B1_29, Bucket.B30_59) == "rolled_forward"
    assert transition_kind(Bucket.B60_89, Bucket.B30_59) == "rolled_back"
    assert transition_kind(Bucket.B60_89, Bucket.B60_89) is None


@pytest.mark.parametrize("status", [Status.SETTLED, Status.PAID_IN_FULL])
def test_a_closed_account_has_nothing_past_due_and_no_oldest_unpaid_date(status):
    result = evaluate(500, (Due(date(2026, 1, 5), 500),), status, date(2026, 3, 1))
    assert (result.past_due, result.oldest_unpaid_on) == (0, None)


@pytest.mark.parametrize(
    ("age", "reason", "next_look"),
    [
        (0, "no due unpaid before 2026-03-01", date(2026, 3, 2)),  # the day after it falls due
        (1, "1 days past due since 2026-02-28", date(2026, 3, 30)),
        (2, "2 days past due since 2026-02-27", date(2026, 3, 29)),
    ],
)
def test_an_account_a_day_late_is_past_due_and_looked_at_when_it_enters_the_next_bucket(
    age, reason, next_look
):
    as_of = date(2026, 3, 1)
    result = evaluate(1000, (Due(as_of - timedelta(days=age), 100),), Status.ACTIVE, as_of)
    assert (result.reason, result.next_action_on) == (reason, next_look)
