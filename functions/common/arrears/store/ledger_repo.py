"""Reading the ledger's postings for `arrears report ledger`, two ways that must agree.

- `posted_between`: by the day index, the way the KPIs read a day's records
  (cycle_repo.day_records): every ledger item is indexed under the day it was posted and its
  account's shard, so a period is one query per day and shard, never a scan;
- `ledger_sums`: account by account, each account's own ledger items (its timeline), kept when
  posted in the period. Raw amounts, apart from the report's own reading and adding up, so the
  report can show that its totals tie to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from arrears.domain.ledger_report import Posting, Sums, channel_of, report_kind
from arrears.store import accounts_repo, cycle_repo
from arrears.store.models import ActivityModel

LEDGER = "ledger"


def posted_on(item: ActivityModel) -> str:
    """The business day an entry counts on (both writers keep it; its value date otherwise)."""
    return item.detail.get("posted_on") or item.occurred_on


def posting_of(item: ActivityModel) -> Posting:
    detail = item.detail
    kind = report_kind(detail["entry_kind"], detail["entry_id"])
    return Posting(
        account_id=item.pk,
        entry_id=detail["entry_id"],
        kind=kind,
        channel=channel_of(detail, kind),
        amount=int(item.amount),
        currency=item.currency,
        posted_on=posted_on(item),
    )


def posted_between(first: date, last: date, shards: list[str]) -> Iterator[Posting]:
    """The ledger entries posted from `first` to `last` (inclusive) on these shards, a page at a time."""
    day = first
    while day <= last:
        for record in cycle_repo.day_records(day, shards):
            if record.kind == LEDGER:
                yield posting_of(record)
        day += timedelta(days=1)


def ledger_sums(account_ids: Iterable[str], first: date, last: date) -> dict[str, Sums]:
    """Per currency, how many ledger entries these accounts posted in the period and their sum,
    read from each account's own ledger."""
    period = (first.isoformat(), last.isoformat())
    sums: dict[str, Sums] = {}
    for account_id in account_ids:
        for item in accounts_repo.timeline(account_id, kind=LEDGER):
            if period[0] <= posted_on(item) <= period[1]:
                seen = sums.get(item.currency, Sums(0, 0))
                sums[item.currency] = Sums(seen.entries + 1, seen.amount + int(item.amount))
    return sums
