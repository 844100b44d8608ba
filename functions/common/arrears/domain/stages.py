"""Delinquency stages: days past due from the oldest unpaid due date, and the buckets they fall in.

Evaluation is deterministic and explainable: the same account state and `as_of` always give the
same result, and the result says why (`reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from arrears.domain.ledger import Due, next_due, oldest_unpaid_due, past_due


class Bucket(StrEnum):
    CURRENT = "current"
    B1_29 = "1-29"
    B30_59 = "30-59"
    B60_89 = "60-89"
    B90_119 = "90-119"
    B120_179 = "120-179"
    B180_PLUS = "180+"


# Lower DPD bound of each bucket, in order.
BUCKET_FLOORS: tuple[tuple[int, Bucket], ...] = (
    (0, Bucket.CURRENT),
    (1, Bucket.B1_29),
    (30, Bucket.B30_59),
    (60, Bucket.B60_89),
    (90, Bucket.B90_119),
    (120, Bucket.B120_179),
    (180, Bucket.B180_PLUS),
)
BUCKETS: tuple[Bucket, ...] = tuple(b for _, b in BUCKET_FLOORS)

# A delinquent account in the last bucket is looked at again at this interval even if nothing happens.
REVIEW_INTERVAL_DAYS = 30


class Status(StrEnum):
    ACTIVE = "active"
    PAID_IN_FULL = "paid_in_full"
    # Set by later workflows (holds, promises, arrangements, charge-off); the cycle leaves them be.
    PROMISE_PENDING = "promise_pending"
    ARRANGEMENT_ACTIVE = "arrangement_active"
    ON_HOLD = "on_hold"
    SKIP = "skip"
    CHARGE_OFF_RECOMMENDED = "charge_off_recommended"
    CHARGED_OFF = "charged_off"
    PLACED_WITH_AGENCY = "placed_with_agency"
    SETTLED = "settled"


CLOSED_STATUSES = frozenset({Status.PAID_IN_FULL, Status.CHARGED_OFF, Status.SETTLED})


def days_past_due(oldest_unpaid: date | None, as_of: date) -> int:
    if oldest_unpaid is None or oldest_unpaid >= as_of:
        return 0
    return (as_of - oldest_unpaid).days


def bucket_for(dpd: int) -> Bucket:
    if dpd < 0:
        raise ValueError("days past due cannot be negative")
    chosen = Bucket.CURRENT
    for floor, bucket in BUCKET_FLOORS:
        if dpd >= floor:
            chosen = bucket
    return chosen


def days_to_next_bucket(dpd: int) -> int | None:
    """Days until a still-unpaid account enters the next bucket; None in the last one."""
    for floor, _ in BUCKET_FLOORS:
        if floor > dpd:
            return floor - dpd
    return None


@dataclass(frozen=True)
class Evaluation:
    dpd: int
    bucket: Bucket
    status: Status
    past_due: int
    oldest_unpaid_on: date | None
    next_action_on: date | None  # None: nothing to do until something new happens (leaves the work index)
    reason: str


def evaluate(balance: int, dues: tuple[Due, ...], status: Status, as_of: date) -> Evaluation:
    """Where an account stands on `as_of`, and when it next needs looking at."""
    if balance <= 0 and status not in CLOSED_STATUSES:
        return Evaluation(0, Bucket.CURRENT, Status.PAID_IN_FULL, 0, None, None, "balance paid in full")
    if status in CLOSED_STATUSES and status is not Status.CHARGED_OFF:
        return Evaluation(0, Bucket.CURRENT, status, 0, None, None, f"closed: {status}")
    oldest = oldest_unpaid_due(dues, as_of)
    dpd = days_past_due(oldest, as_of)
    bucket = bucket_for(dpd)
    if status is Status.CHARGED_OFF:  # still owed and still ageing; the ladder no longer looks at it
        return Evaluation(dpd, bucket, status, past_due(dues, as_of), oldest, None, f"charged off, {dpd} DPD")
    upcoming = next_due(dues, as_of)
    # An unpaid due is looked at the day after it falls due, when it would make the account late.
    candidates = [upcoming + timedelta(days=1)] if upcoming else []
    if dpd > 0:
        step = days_to_next_bucket(dpd) or REVIEW_INTERVAL_DAYS
        candidates.append(as_of + timedelta(days=step))
        reason = f"{dpd} days past due since {oldest.isoformat()}"  # type: ignore[union-attr]
    else:
        reason = f"no due unpaid before {as_of.isoformat()}"
    return Evaluation(
        dpd=dpd,
        bucket=bucket,
        status=status,
        past_due=past_due(dues, as_of),
        oldest_unpaid_on=oldest,
        next_action_on=min(candidates) if candidates else None,
        reason=reason,
    )


def transition_kind(before: Bucket | None, after: Bucket) -> str | None:
    """Name of the stage change, or None when the account stays where it was."""
    if before == after:
        return None
    if before is None:
        return "entered"
    if after == Bucket.CURRENT:
        return "cured"
    return "rolled_forward" if BUCKETS.index(after) > BUCKETS.index(before) else "rolled_back"
