"""One account the cycle cannot advance is set aside for an operator; its shard and its day go on.

Security finding of 2026-12: an account row with a next due date of 9999-12-31 failed its whole
shard at `stages.evaluate` (OverflowError), so every account of the shard went unworked, every day.
Rows are now bounded at intake (tests/unit/test_row_bounds.py); an item stored before that, or any
other account whose own data makes the cycle raise, must still not stop its neighbours."""

from __future__ import annotations

from datetime import date

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from dunning.cycle import NOT_ADVANCED_TASK

from arrears_cli import executions
from tests.people import give_customer

AS_OF = date(2026, 3, 2)  # a Monday


def _late(stack, account_id: str, *dues: Due) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.CLOSED_END, "USD", 100_000, 100_000, dues, "en-US",
            "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
        )
    )  # fmt: skip
    give_customer(stack, account_id)


def test_an_account_whose_dates_overflow_is_set_aside_and_its_shard_is_worked(stack):
    # Given two late accounts of one shard, one stored with a due date at the end of the calendar
    assert shard_of("SA-BAD", "main", stack.shard_count) == shard_of("SA-OK", "main", stack.shard_count)
    _late(stack, "SA-BAD", Due(date(2026, 2, 20), 5000), Due(date(9999, 12, 31), 5000))
    _late(stack, "SA-OK", Due(date(2026, 2, 20), 5000))

    # When the day's cycle runs
    ran = executions.run_cycle(stack, "main", AS_OF)

    # Then the day completes, its neighbour is worked, and the bad one waits for an operator
    assert ran["status"] == "SUCCEEDED", ran.get("cause")
    worked = accounts_repo.get_account("SA-OK")
    assert (worked.last_evaluated_on, worked.bucket.value) == (AS_OF, "1-29")
    assert accounts_repo.get_account("SA-BAD").last_evaluated_on is None
    (task,) = accounts_repo.timeline("SA-BAD", kind="task")
    assert task.detail["task"] == NOT_ADVANCED_TASK and task.detail["reason"] == "OverflowError"
    assert task.detail["cause"] == (
        "OverflowError while the cycle advanced the account on 2026-03-02: date value out of range"
    )
