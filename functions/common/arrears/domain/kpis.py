"""Collections KPIs over a period, from the census at its two ends and the day records between.

Definitions (../shared/notes/collections-domain.md):
- roll rate of bucket b: of the accounts in b at the start, the share in a worse bucket at the
  end (by count, and by balance in each currency);
- bucket efficiency: 1 - roll rate, against the monthly goal kept in rules/kpi_goals.yaml;
- cure rate: of the accounts delinquent at the start, the share current at the end;
- promise-kept rate: promises kept / promises that came to an outcome in the period;
- amount collected: payments less refunds and chargebacks posted in the period.
An account that never moved kept the bucket the census had it in, so only moved accounts need
their first and last record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from arrears.domain.census import CLOSED, GROUPS, Census

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


def load_goals(path: Path = GOALS_FILE) -> dict[str, float]:
    return {k: float(v) for k, v in yaml.safe_load(path.read_text())["bucket_efficiency"].items()}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


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
    rolled: Counter[str] = Counter()
    rolled_balance: dict[str, Counter[str]] = {}
    cured: Counter[str] = Counter()  # by arm
    delinquent_by_arm: Counter[str] = Counter()
    for account_id, opening in first.items():
        began, ended = opening.from_group, last[account_id].to_group
        if began is None or began == CLOSED:
            continue  # new in the period, or already closed
        worse = ended != CLOSED and ORDER[ended] > ORDER[began]
        if worse:
            rolled[began] += 1
            rolled_balance.setdefault(opening.currency, Counter())[began] += opening.balance_before
        if began in DELINQUENT:
            arm = last[account_id].arm or "unknown"
            delinquent_by_arm[arm] += 1
            if ended == "current":
                cured[arm] += 1
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
                    per.get(bucket, 0), start.get("balances", {}).get(currency, {}).get(bucket, 0)
                )
                for currency, per in sorted(rolled_balance.items())
            },
            "efficiency": efficiency,
            "goal": goal,
            "goal_met": None if efficiency is None or goal is None else efficiency >= goal,
        }
    delinquent_at_start = sum(start_accounts.get(b, 0) for b in DELINQUENT)
    kept, broken = promise_outcomes.get("kept", 0), promise_outcomes.get("broken", 0)
    return {
        "accounts_by_bucket": end.get("accounts", {}),
        "balances_by_bucket": end.get("balances", {}),
        "buckets": buckets,
        "cure_rate": _ratio(sum(cured.values()), delinquent_at_start),
        "cured": sum(cured.values()),
        "delinquent_at_start": delinquent_at_start,
        "promises": {"kept": kept, "broken": broken, "kept_rate": _ratio(kept, kept + broken)},
        "collected": dict(sorted(collected.items())),
        "letters": dict(sorted(letters.items())),
        # champion vs challenger: of the delinquent accounts that moved, the share each arm cured
        "arms": {
            arm: {"delinquent_moved": n, "cured": cured[arm], "cure_share": _ratio(cured[arm], n)}
            for arm, n in sorted(delinquent_by_arm.items())
        },
    }
