"""Data access for the daily cycle: the per-day lock, the day's stage records, page logs and tallies,
and the census.

Portfolio-level items live in the Activity table under pk `portfolio#<name>`, beside the
accounts' timelines, so the whole history of a portfolio's cycles is one query. The cycle's own
bookkeeping for a day (page logs, shard tallies) lives under pks of its own (`pages#...`,
`tallies#...`), out of the way of that query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from arrears.domain.census import Change
from arrears.domain.errors import CycleLockHeld, CycleOutOfOrder
from arrears.domain.stages import Bucket
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel, cycle_day_key, timeline_sk
from arrears.store.store_errors import is_conditional_failure, store_errors

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
CYCLE_ACTOR = "collection_cycle"
# A page log serves re-runs of its day, which come before the next day's cycle (CycleOutOfOrder);
# a month is ample, and DynamoDB's TTL deletes it then without a write unit.
PAGE_LOG_DAYS = 35


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


def stage_sk(as_of: date) -> str:
    return timeline_sk(as_of, "stage", "cycle")


def read_by_kpis(change: Change) -> bool:
    """Whether `arrears report kpis` needs this move, and so whether it gets a stage record (in the
    day's index); every move is kept on its account either way (`day_move`).

    The KPIs follow each account from its first move in a period to its last and count only one
    that starts the period delinquent (arrears.domain.kpis.compute). A move that starts new or current and
    ends current can neither make an account start delinquent nor change where a delinquent one
    ends (current either way), so it stays out. The day's census does not read the index: it is
    rolled forward by the shards' tallies.
    """
    current = Bucket.CURRENT.value
    return not (change.from_group in (None, current) and change.to_group == current)


def put_stage_record(account_id: str, as_of: date, shard: str, change: Change, detail: dict) -> None:
    """The day's record of a move the KPIs read (`read_by_kpis`), with why it moved; the key is
    (account, day).

    Overwrites: only the attempt whose account update lands counts, and it wrote this last.
    """
    record = ActivityModel(
        account_id,
        stage_sk(as_of),
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


def day_move(as_of: date, change: Change) -> dict:
    """An account's census move today, as the account keeps it (AccountModel.day_move)."""
    return {
        "on": as_of.isoformat(),
        "from": change.from_group,
        "to": change.to_group,
        "currency": change.currency,
        "before": change.balance_before,
        "after": change.balance_after,
    }


def stage_changes(as_of: date, account_ids: Iterable[str]) -> dict[str, Change]:
    """The census moves these accounts made today (none: the account did not move), as each
    account's own save kept them."""
    moves = accounts_repo.day_moves(account_ids)
    return {
        account_id: Change(m["from"], m["to"], m["currency"], int(m["before"]), int(m["after"]))
        for account_id, m in moves.items()
        if m["on"] == as_of.isoformat()
    }


def day_records(as_of: date, shards: list[str]) -> Iterator[ActivityModel]:
    """What the day indexed under its key, over all shards: letters, promise outcomes, payments, and
    the stage moves the KPIs read (`read_by_kpis`). Read a page at a time as the caller goes: a
    worst day's records do not fit in one function's memory."""
    for shard in shards:
        with store_errors():
            yield from ActivityModel.by_cycle_day.query(cycle_day_key(as_of, shard))


@dataclass(frozen=True)
class PageLog:
    """The accounts a page of a shard set out to advance, in the order read, and where the next page starts.

    Written before any of them moves. A retried call or a re-run of the day finds it and works the
    same page again, so it knows which accounts an attempt that was lost may have advanced.
    """

    ids: tuple[str, ...]
    cursor: dict | None
    execution: str


def _page_key(as_of: date, shard: str, number: int) -> tuple[str, str]:
    return f"pages#{shard}#{as_of.isoformat()}", f"{number:06d}"


def log_page(as_of: date, shard: str, number: int, page: PageLog) -> PageLog | None:
    """Record the page once: None when this attempt is the first. If an earlier attempt (of this
    execution or of a failed one) recorded it, return that record: it, not a fresh read of the work
    index, says what the page is."""
    pk, sk = _page_key(as_of, shard, number)
    expires = datetime.combine(as_of + timedelta(days=PAGE_LOG_DAYS), time(), UTC)
    item = ActivityModel(
        pk,
        sk,
        kind="page",
        occurred_on=as_of.isoformat(),
        actor=page.execution,
        detail={"ids": list(page.ids), "cursor": page.cursor},
        expires_at=int(expires.timestamp()),
    )
    try:
        with store_errors():
            item.save(condition=ActivityModel.sk.does_not_exist())
        return None
    except PutError as exc:
        if not is_conditional_failure(exc):
            raise
    return logged_page(as_of, shard, number)


def logged_page(as_of: date, shard: str, number: int) -> PageLog | None:
    """The page as an earlier attempt recorded it, if one did."""
    try:
        with store_errors():
            logged = ActivityModel.get(*_page_key(as_of, shard, number), consistent_read=True)
    except DoesNotExist:
        return None
    return PageLog(tuple(logged.detail["ids"]), logged.detail.get("cursor"), logged.actor)


def _tally_pk(as_of: date) -> str:
    return f"tallies#{as_of.isoformat()}"


def put_tally(as_of: date, shard: str, rows: list, execution: str) -> None:
    """A shard's census moves for the day, stored by its last page when there are any (a re-run
    stores the same again)."""
    with store_errors():
        ActivityModel(
            _tally_pk(as_of),
            shard,
            kind="tally",
            occurred_on=as_of.isoformat(),
            actor=execution,
            detail={"rows": rows},
        ).save()


def day_tallies(portfolio: str, as_of: date) -> dict[str, list]:
    """The stored tallies of a portfolio's shards for the day, by shard."""
    with store_errors():
        found = ActivityModel.query(_tally_pk(as_of), ActivityModel.sk.startswith(f"{portfolio}#"))
        return {item.sk: item.detail["rows"] for item in found}


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
