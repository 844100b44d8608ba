"""Collections KPIs over a period, from the census at its two ends and the day records between.

Definitions (../shared/notes/collections-domain.md):
- the period starts with the book as it stood at the start of its first day (`opening`);
- roll rate of bucket b: of the accounts in b at the start, the share in a worse bucket at the
  end (by count, and by balance in each currency);
- bucket efficiency: 1 - roll rate, against the monthly goal kept in rules/kpi_goals.yaml; none
  for a bucket that held no account at the start (nothing was contained, nothing rolled);
- cure rate: of the accounts delinquent at the start, the share current at the end; an account
  paid in full is current (0 DPD) though its status closes it, so it is cured (`_cured`);
- promise-kept rate: promises kept / promises that came to an outcome in the period;
- amount collected: payments less refunds and chargebacks posted in the period, per currency
  in minor units (never summed across currencies).
An account that never moved kept the bucket the census had it in, so only moved accounts need
their first and last record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from arrears.domain.census import CLOSED, GROUPS, Census, Change, roll_forward

GOALS_FILE = Path(__file__).resolve().parents[2] / "rules" / "kpi_goals.yaml"
DELINQUENT = tuple(g for g in GROUPS if g not in ("current", CLOSED))
ORDER = {g: i for i, g in enumerate(GROUPS)}


@dataclass(frozen=True)
class Move:
    account_id: str
    day: str
    from_group: str | None
    to_group: str
    currency: str
    balance_before: int
    arm: str | None = None
    balance_after: int | None = None  # None: not known (a placement put back from the account)


def load_goals(path: Path = GOALS_FILE) -> dict[str, float]:
    return {k: float(v) for k, v in yaml.safe_load(path.read_text())["bucket_efficiency"].items()}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def opening(start: Census, moves: list[Move], first_day: str) -> tuple[Census, list[Move]]:
    """The book as it stood at the start of `first_day`, and the moves read from there.

    The census closed the day before counts every account the cycle had looked at. An account the
    cycle placed on `first_day` (its first look: a move from nowhere) was already on the lender's
    book as the day began, with dues already unpaid; the cycle had not counted it yet. Left out,
    a period that starts on the first cycle day would start with an empty book and no rate at all.
    So each such placement joins the opening book in the group it was placed in, and becomes a
    stay there, from which the account's later moves are followed like any other's.
    """

    def placed(move: Move) -> bool:
        return move.from_group is None and move.day == first_day

    book = roll_forward(
        start,
        [Change(None, m.to_group, m.currency, 0, m.balance_after or 0) for m in moves if placed(m)],
    )
    stays = [
        replace(m, from_group=m.to_group, balance_before=m.balance_after or 0) if placed(m) else m
        for m in moves
    ]
    return book, stays


def _cured(last: Move) -> bool:
    """Current at the end: in the current bucket, or closed by a payment of all it owed (paid in
    full: 0 DPD). A charge-off also closes the account, with its balance still owed: not a cure."""
    if last.to_group == "current":
        return True
    return last.to_group == CLOSED and last.balance_after is not None and last.balance_after <= 0


def compute(
    start: Census,
    end: Census,
    moves: list[Move],
    promise_outcomes: Counter[str],
    collected: dict[str, int],
    letters: Counter[str],
    goals: dict[str, float],
) -> dict[str, object]:
    first: dict[str, Move] = {}
    last: dict[str, Move] = {}
    for move in sorted(moves, key=lambda m: m.day):
        first.setdefault(move.account_id, move)
        last[move.account_id] = move
    start_accounts = start.get("accounts", {})
    start_balances = start.get("balances", {})
    rolled: Counter[str] = Counter()
    rolled_balance: dict[str, Counter[str]] = {}
    cured: Counter[str] = Counter()  # by arm
    delinquent_by_arm: Counter[str] = Counter()
    for account_id, opened in first.items():
        began, ended = opened.from_group, last[account_id].to_group
        if began is None or began == CLOSED:
            continue  # new in the period, or already closed
        worse = ended != CLOSED and ORDER[ended] > ORDER[began]
        if worse:
            rolled[began] += 1
            rolled_balance.setdefault(opened.currency, Counter())[began] += opened.balance_before
        if began in DELINQUENT:
            arm = last[account_id].arm or "unknown"
            delinquent_by_arm[arm] += 1
            if _cured(last[account_id]):
                cured[arm] += 1
    # every currency the book held at the start, rolled or not: a currency that rolled nothing
    # shows 0.0, not silence
    currencies = sorted({*start_balances, *rolled_balance})
    buckets = {}
    for bucket in DELINQUENT:
        held = start_accounts.get(bucket, 0)
        roll = _ratio(rolled[bucket], held)
        efficiency = None if roll is None else round(1 - roll, 4)
        goal = goals.get(bucket)
        buckets[bucket] = {
            "accounts_at_start": held,
            "rolled": rolled[bucket],
            "roll_rate": roll,
            "roll_rate_by_balance": {
                currency: _ratio(
                    rolled_balance.get(currency, Counter()).get(bucket, 0),
                    start_balances.get(currency, {}).get(bucket, 0),
                )
                for currency in currencies
            },
            "efficiency": efficiency,
            "goal": goal,
            "goal_met": None if efficiency is None or goal is None else efficiency >= goal,
        }
    delinquent_at_start = sum(start_accounts.get(b, 0) for b in DELINQUENT)
    kept, broken = promise_outcomes.get("kept", 0), promise_outcomes.get("broken", 0)
    return {
        "accounts_by_bucket": end.get("accounts", {}),
        "balances_by_bucket_minor_units": end.get("balances", {}),
        "buckets": buckets,
        "cure_rate": _ratio(sum(cured.values()), delinquent_at_start),
        "cured": sum(cured.values()),
        "delinquent_at_start": delinquent_at_start,
        "promises": {"kept": kept, "broken": broken, "kept_rate": _ratio(kept, kept + broken)},
        "collected_minor_units": dict(sorted(collected.items())),
        "letters": dict(sorted(letters.items())),
        # champion vs challenger: of the delinquent accounts that moved, the share each arm cured
        "arms": {
            arm: {"delinquent_moved": n, "cured": cured[arm], "cure_share": _ratio(cured[arm], n)}
            for arm, n in sorted(delinquent_by_arm.items())
        },
    }
