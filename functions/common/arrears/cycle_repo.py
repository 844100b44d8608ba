"""Data access for the daily cycle: the per-day lock, the day's stage records and the census.

Portfolio-level items live in the Activity table under pk `portfolio#<name>`, beside the
accounts' timelines, so the whole history of a portfolio's cycles is one query.
"""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import PutError, UpdateError

from arrears.census import Change
from arrears.errors import CycleLockHeld, CycleOutOfOrder
from arrears.models import ActivityModel
from arrears.store_errors import is_conditional_failure, store_errors

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
CYCLE_ACTOR = "collection_cycle"


def portfolio_pk(portfolio: str) -> str:
    return f"portfolio#{portfolio}"


def _lock_key(portfolio: str, as_of: date) -> tuple[str, str]:
    return portfolio_pk(portfolio), f"cycle#{as_of.isoformat()}"


def take_lock(portfolio: str, as_of: date, execution: str, now_epoch: int, lease_seconds: int) -> bool:
    """True when this execution now holds the day; False when the day already ran to completion.

    A lock left by a failed execution, or a running one whose lease has run out, is taken over,
    which is what lets an operator re-run a day after a fault.
    """
    with store_errors():
        later = ActivityModel.query(
            portfolio_pk(portfolio),
            ActivityModel.sk > f"cycle#{as_of.isoformat()}",
            filter_condition=ActivityModel.status == COMPLETED,
        )
        later_run = next(iter(later), None)
    if later_run is not None:
        raise CycleOutOfOrder(f"{portfolio} already completed {later_run.sk}; refusing {as_of.isoformat()}")
    pk, sk = _lock_key(portfolio, as_of)
    lock = ActivityModel(
        pk,
        sk,
        kind="cycle",
        occurred_on=as_of.isoformat(),
        actor=execution,
        status=RUNNING,
        lease_until=now_epoch + lease_seconds,
        detail={"execution": execution},
    )
    free = (
        ActivityModel.sk.does_not_exist()
        | (ActivityModel.status == FAILED)
        | ((ActivityModel.status == RUNNING) & (ActivityModel.lease_until < now_epoch))
        | (ActivityModel.actor == execution)
    )
    try:
        with store_errors():
            lock.save(condition=free)
        return True
    except PutError as exc:
        if not is_conditional_failure(exc):
            raise
    held = ActivityModel.get(pk, sk, consistent_read=True)
    if held.status == COMPLETED:
        return False
    raise CycleLockHeld(f"{portfolio} {as_of.isoformat()} is being run by {held.actor}")


def _finish(portfolio: str, as_of: date, execution: str, status: str, detail: dict) -> None:
    pk, sk = _lock_key(portfolio, as_of)
    try:
        with store_errors():
            ActivityModel(pk, sk).update(
                actions=[
                    ActivityModel.status.set(status),
                    ActivityModel.detail.set({"execution": execution, **detail}),
                ],
                condition=ActivityModel.actor == execution,
            )
    except UpdateError as exc:
        if is_conditional_failure(exc):
            raise CycleLockHeld(f"{portfolio} {as_of.isoformat()} is no longer held by {execution}") from exc
        raise


def complete(portfolio: str, as_of: date, execution: str, summary: dict) -> None:
    _finish(portfolio, as_of, execution, COMPLETED, {"summary_key": summary.get("report_key")})


def release_after_failure(portfolio: str, as_of: date, execution: str, error: dict) -> None:
    _finish(portfolio, as_of, execution, FAILED, {"error": error})


def cycle_day_key(as_of: date, shard: str) -> str:
    return f"{as_of.isoformat()}#{shard}"


def put_stage_record(account_id: str, as_of: date, shard: str, change: Change, detail: dict) -> None:
    """The day's record of an account's move in the census; the key is (account, day).

    Overwrites: only the attempt whose account update lands counts, and it wrote this last.
    """
    record = ActivityModel(
        account_id,
        f"{as_of.isoformat()}#stage#cycle",
        kind="stage",
        occurred_on=as_of.isoformat(),
        actor=CYCLE_ACTOR,
        cycle_day=cycle_day_key(as_of, shard),
        amount=change.balance_after,
        currency=change.currency,
        detail={
            "from": change.from_group,
            "to": change.to_group,
            "balance_before": change.balance_before,
            **detail,
        },
    )
    with store_errors():
        record.save()


def day_records(as_of: date, shards: list[str]) -> list[ActivityModel]:
    """Everything the day recorded under its index key (stage moves, letters), over all shards."""
    with store_errors():
        return [r for shard in shards for r in ActivityModel.by_cycle_day.query(cycle_day_key(as_of, shard))]


def changes_in(records: list[ActivityModel]) -> list[Change]:
    """The census moves among a day's records."""
    return [
        Change(r.detail["from"], r.detail["to"], r.currency, int(r.detail["balance_before"]), int(r.amount))
        for r in records
        if r.kind == "stage"
    ]


def latest_census(portfolio: str, before: date) -> tuple[date | None, dict]:
    with store_errors():
        found = ActivityModel.query(
            portfolio_pk(portfolio),
            ActivityModel.sk.between("census#", f"census#{before.isoformat()}"),
            scan_index_forward=False,
        )
        for item in found:
            if item.occurred_on < before.isoformat():
                return date.fromisoformat(item.occurred_on), item.detail
    return None, {}


def put_census(portfolio: str, as_of: date, census: dict, execution: str) -> None:
    with store_errors():
        ActivityModel(
            portfolio_pk(portfolio),
            f"census#{as_of.isoformat()}",
            kind="census",
            occurred_on=as_of.isoformat(),
            actor=execution,
            detail=census,
        ).save()


def cycle_history(portfolio: str) -> list[ActivityModel]:
    with store_errors():
        return list(ActivityModel.query(portfolio_pk(portfolio), ActivityModel.sk.startswith("cycle#")))
