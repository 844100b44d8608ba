"""`arrears report kpis`: the period's KPIs from the census and the day records (no table scan)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

from arrears.domain.account import shard_key
from arrears.domain.kpis import Move, compute, load_goals, opening
from arrears.domain.money import Money
from arrears.domain.stages import Bucket
from arrears.store import accounts_repo, cycle_repo

from arrears_cli.output import for_people as money_for_people
from arrears_cli.stackref import StackRef

DELIVERED = ("sent", "printed", "sending")
MONEY_MOVES = ("payment", "reversal")
# The ISO code, not the symbol: "$" is a dollar and a peso, and one report holds several
# currencies. Babel still writes each currency's own decimals (JPY none, KWD three).


def kpi_report(stack: StackRef, portfolio: str, first: date, last: date) -> dict:
    _, closed_before = cycle_repo.latest_census(portfolio, before=first)
    _, end = cycle_repo.latest_census(portfolio, before=last + timedelta(days=1))
    shards = [shard_key(portfolio, i) for i in range(stack.shard_count)]
    moves: list[Move] = []
    promises: Counter[str] = Counter()
    collected: Counter[str] = Counter()
    letters: Counter[str] = Counter()
    day = first
    while day <= last:
        for record in cycle_repo.day_records(day, shards):
            detail = record.detail
            if record.kind == "stage":
                moves.append(
                    Move(record.pk, record.occurred_on, detail["from"], detail["to"], record.currency,
                         int(detail["balance_before"]), detail.get("arm"),
                         None if record.amount is None else int(record.amount))
                )  # fmt: skip
            elif record.kind == "promise" and detail.get("outcome") in ("kept", "broken"):
                promises[detail["outcome"]] += 1
            elif record.kind == "ledger" and detail.get("entry_kind") in MONEY_MOVES:
                collected[record.currency] -= int(record.amount)
            elif record.kind == "letter" and record.status in DELIVERED:
                letters[f"{detail.get('channel')}:{detail.get('code')}"] += 1
        day += timedelta(days=1)
    moves = with_placements(moves, first, accounts_repo.first_evaluated)
    # the census closed before `first` is empty when `first` is the first cycle day: the opening
    # book adds the accounts that day's cycle placed (arrears.domain.kpis.opening)
    start, moves = opening(closed_before, moves, first.isoformat())
    figures = compute(start, end, moves, promises, dict(collected), letters, load_goals())
    return {"portfolio": portfolio, "from": first.isoformat(), "to": last.isoformat(), **figures}


def with_placements(
    moves: list[Move], first: date, first_evaluated: Callable[[Iterable[str]], dict[str, date]]
) -> list[Move]:
    """Put back the placements the day index leaves out where the KPIs would see them.

    A move from new to current is not indexed (cycle_repo.read_by_kpis). It matters only when it is
    an account's first move in the period and a later one from current is indexed: the KPIs must
    then see the account as new in the period, not as current at its start. The account item keeps
    the day of that placement.
    """
    opening: dict[str, Move] = {}
    for move in sorted(moves, key=lambda m: m.day):
        opening.setdefault(move.account_id, move)
    current = Bucket.CURRENT.value
    suspects = [m for m in opening.values() if m.from_group == current]
    placed = first_evaluated(m.account_id for m in suspects) if suspects else {}
    restored = [
        Move(m.account_id, placed[m.account_id].isoformat(), None, current, m.currency, 0, m.arm)
        for m in suspects
        if m.account_id in placed and first.isoformat() <= placed[m.account_id].isoformat() < m.day
    ]
    return moves + restored


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


def kpi_tables(report: dict, for_people: bool = False) -> dict[str, list[dict]]:
    """Every KPI of the report as flat tables, by title: one sheet each in a workbook.

    Amounts are in major units beside their currency, one row per currency (a spreadsheet keeps
    them as numbers); `for_people` writes them as text with the currency ("USD 745.00").
    """

    def amount(minor: int, currency: str) -> Decimal | str:
        return money_for_people(minor, currency) if for_people else Money(int(minor), currency).to_decimal()

    promises = report["promises"]
    rates = [
        {"kpi": "cure rate", "rate": report["cure_rate"], "count": report["cured"],
         "of": report["delinquent_at_start"]},
        {"kpi": "promise-kept rate", "rate": promises["kept_rate"], "count": promises["kept"],
         "of": promises["kept"] + promises["broken"]},
    ]  # fmt: skip
    by_balance = [
        {"bucket": bucket, "currency": currency, "roll_rate_by_balance": rate}
        for bucket, figures in report["buckets"].items()
        for currency, rate in figures["roll_rate_by_balance"].items()
    ]
    collected = [
        {"currency": currency, "collected": amount(minor, currency)}
        for currency, minor in report["collected_minor_units"].items()
    ]
    balances = [
        {"bucket": group, "currency": currency, "balance": amount(minor, currency)}
        for currency, groups in report["balances_by_bucket_minor_units"].items()
        for group, minor in groups.items()
        if minor
    ]
    letters = [
        {"channel": key.partition(":")[0], "code": key.partition(":")[2], "delivered": count}
        for key, count in report["letters"].items()
    ]
    arms = [{"arm": arm, **figures} for arm, figures in report["arms"].items()]
    return {
        "buckets": bucket_rows(report),
        "rates": rates,
        "roll rates by balance": by_balance,
        "collected": collected,
        "balances now": balances,
        "letters": letters,
        "arms": arms,
    }


def headline(report: dict) -> str:
    """The period's headline figures in one line; amounts per currency, never added together."""
    promises = report["promises"]
    collected = ", ".join(
        money_for_people(minor, currency) for currency, minor in report["collected_minor_units"].items()
    )
    return (
        f"cure rate {report['cure_rate']} ({report['cured']} of {report['delinquent_at_start']}); "
        f"promises kept {promises['kept_rate']} ({promises['kept']} kept, {promises['broken']} broken); "
        f"collected {collected or 'nothing'}"
    )
