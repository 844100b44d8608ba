"""`arrears report kpis`: the period's KPIs from the census and the day records (no table scan)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from arrears import cycle_repo
from arrears.account import shard_key
from arrears.kpis import Move, compute, load_goals

from arrears_cli.stackref import StackRef

DELIVERED = ("sent", "printed", "sending")
MONEY_MOVES = ("payment", "reversal")


def kpi_report(stack: StackRef, portfolio: str, first: date, last: date) -> dict:
    _, start = cycle_repo.latest_census(portfolio, before=first)
    _, end = cycle_repo.latest_census(portfolio, before=last + timedelta(days=1))
    shards = [shard_key(portfolio, i) for i in range(stack.shard_count)]
    moves: list[Move] = []
    promises: Counter = Counter()
    collected: Counter = Counter()
    letters: Counter = Counter()
    day = first
    while day <= last:
        for record in cycle_repo.day_records(day, shards):
            detail = record.detail
            if record.kind == "stage":
                moves.append(
                    Move(record.pk, record.occurred_on, detail["from"], detail["to"], record.currency,
                         int(detail["balance_before"]), detail.get("arm"))
                )  # fmt: skip
            elif record.kind == "promise" and detail.get("outcome") in ("kept", "broken"):
                promises[detail["outcome"]] += 1
            elif record.kind == "ledger" and detail.get("entry_kind") in MONEY_MOVES:
                collected[record.currency] -= int(record.amount)
            elif record.kind == "letter" and record.status in DELIVERED:
                letters[f"{detail.get('channel')}:{detail.get('code')}"] += 1
        day += timedelta(days=1)
    figures = compute(start, end, moves, promises, dict(collected), letters, load_goals())
    return {"portfolio": portfolio, "from": first.isoformat(), "to": last.isoformat(), **figures}


def bucket_rows(report: dict) -> list[dict]:
    """The per-bucket figures as flat rows, for a table, CSV or a spreadsheet."""
    rows = []
    for bucket, figures in report["buckets"].items():
        rows.append(
            {
                "bucket": bucket,
                "accounts_now": report["accounts_by_bucket"].get(bucket, 0),
                "accounts_at_start": figures["accounts_at_start"],
                "rolled": figures["rolled"],
                "roll_rate": figures["roll_rate"],
                "efficiency": figures["efficiency"],
                "goal": figures["goal"],
                "goal_met": figures["goal_met"],
            }
        )
    return rows
