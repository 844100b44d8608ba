"""Data access for the daily feed: what each record id said when it was applied, and each file's end.

A record's mark lives under a pk of its own (`feedrecord#<portfolio>#<record_id>`), so a file's
check reads the marks of all its rows in batches and no portfolio's feed is one hot partition.
A file's outcome lives beside the portfolio's cycles (pk `portfolio#<name>`, sk
`feed#<date>#<key>`), where the day's cycle asks whether its feed was applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pynamodb.exceptions import PutError

from arrears.store.cycle_repo import portfolio_pk
from arrears.store.models import ActivityModel
from arrears.store.store_errors import is_conditional_failure, store_errors

FEED_ACTOR = "daily_feed"
APPLIED, QUARANTINED, INCOMPLETE = "applied", "quarantined", "incomplete"
_MARK = "mark"
_BATCH = 100  # BatchGetItem's limit


def _mark_pk(portfolio: str, record_id: str) -> str:
    return f"feedrecord#{portfolio}#{record_id}"


def marks(portfolio: str, record_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """record id -> (content hash, outcome) of the rows applied before."""
    ids = sorted(set(record_ids))
    found: dict[str, tuple[str, str]] = {}
    with store_errors():
        for start in range(0, len(ids), _BATCH):
            keys = [(_mark_pk(portfolio, i), _MARK) for i in ids[start : start + _BATCH]]
            for item in ActivityModel.batch_get(keys):
                record_id = item.pk.removeprefix(_mark_pk(portfolio, ""))
                found[record_id] = (item.detail["hash"], item.status or "")
    return found


def mark(
    portfolio: str, record_id: str, content_hash: str, outcome: str, on: date, key: str, line: int
) -> None:
    """The row is done: a later sending of it is a duplicate. The first mark stands."""
    item = ActivityModel(
        _mark_pk(portfolio, record_id),
        _MARK,
        kind="feed_record",
        occurred_on=on.isoformat(),
        actor=FEED_ACTOR,
        status=outcome,
        detail={"hash": content_hash, "file": key, "line": line},
    )
    try:
        with store_errors():
            item.save(condition=ActivityModel.pk.does_not_exist())
    except PutError as exc:  # a retry of the chunk marks what its first run marked
        if not is_conditional_failure(exc):
            raise


def file_done(portfolio: str, feed_date: date, key: str, status: str, summary: dict, execution: str) -> None:
    with store_errors():
        ActivityModel(
            portfolio_pk(portfolio),
            f"feed#{feed_date.isoformat()}#{key}#{execution}",  # each sending of a file keeps its own
            kind="feed",
            occurred_on=feed_date.isoformat(),
            actor=execution,
            status=status,
            detail=summary | {"file": key},
        ).save()


def day_files(portfolio: str, feed_date: date) -> list[ActivityModel]:
    """The day's feed files that ended, applied or quarantined, in the order of their keys."""
    with store_errors():
        return list(
            ActivityModel.query(
                portfolio_pk(portfolio), ActivityModel.sk.startswith(f"feed#{feed_date.isoformat()}#")
            )
        )


def applied_on(portfolio: str, feed_date: date) -> bool:
    return any(item.status == APPLIED for item in day_files(portfolio, feed_date))
