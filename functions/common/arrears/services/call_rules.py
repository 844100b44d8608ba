"""A call judged against the contact rules, on what the account's timeline says of earlier calls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from arrears.domain import calls
from arrears.domain.account import Account
from arrears.domain.compliance import PROFILES, Decision
from arrears.domain.stages import evaluate
from arrears.domain.strategy import load_strategies, strategy_for
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel


def calls_in(timeline: Iterable[ActivityModel]) -> list[calls.Call]:
    """The calls logged on an account's timeline (its dispositions)."""
    return [
        calls.Call(datetime.fromisoformat(item.detail["at"]), item.detail["outcome"])
        for item in timeline
        if item.kind == "disposition" and item.detail.get("at") and item.detail.get("outcome")
    ]


def logged_calls(account_id: str) -> list[calls.Call]:
    return calls_in(accounts_repo.timeline(account_id, kind="disposition"))


def profile_name(account: Account) -> str | None:
    found = strategy_for(load_strategies(), account.product_type, account.jurisdiction, account.placement)
    return found.compliance_profile if found else None


def judge_call(account: Account, at: datetime, on: date) -> tuple[Decision, dict[str, object]]:
    """Whether a call to the account at `at` keeps the rules, and the facts it was judged on (to be
    recorded with the call, so an independent check can judge it again)."""
    dpd = evaluate(account.balance, account.dues, account.status, on).dpd
    profile = profile_name(account)
    facts: dict[str, object] = {
        "profile": profile,
        "time_zone": account.time_zone,
        "holds": sorted(account.holds),
        "dpd": dpd,
    }
    if profile is None:
        return Decision(
            False, "no_strategy", "no strategy covers this account: no contact rules to call by"
        ), facts
    return calls.judge(account, logged_calls(account.account_id), PROFILES[profile], at, dpd), facts
