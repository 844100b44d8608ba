"""`arrears worklist`: today's calls for a collector, most pressing first, each with its reason.

For an operator who decides charge-offs, the recommendations near or past their deadline come
first: they are decisions, not calls, and no contact rule keeps them off the list.

Left out: anyone the rules do not let us call right now (holds, opt-outs, the customer's local
hours, the call cap, the quiet period after a conversation); `--show-excluded` lists them with
the rule. Reads the portfolio's accounts (a scan): a collector's screen, not a daily job.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.domain import charge_off
from arrears.domain.account import Account
from arrears.domain.commitments import Outcome
from arrears.domain.compliance import PROFILES, Channel, ContactHistory, Hold, check_dial
from arrears.domain.stages import CLOSED_STATUSES
from arrears.domain.strategy import load_strategies, strategy_for
from arrears.store import accounts_repo

ATTEMPTS = {"no_answer", "left_message", "refused", "promise", "wrong_number", "dispute", "paid"}
CALLBACK = {"no_answer", "left_message"}


def mask(value: str | None) -> str | None:
    """Personal data for an operator whose level may not see it: the first letter and the domain."""
    if not value:
        return value
    name, _, domain = value.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else f"{value[:1]}•••"


def _history(account: Account, dispositions: list) -> ContactHistory:
    attempts = tuple(
        datetime.fromisoformat(d.detail["at"]) for d in dispositions if d.detail.get("outcome") in ATTEMPTS
    )
    return ContactHistory(
        holds=frozenset(Hold(h) for h in account.holds),
        opted_out=frozenset(Channel(c) for c in account.opted_out),
        call_attempts=attempts,
        last_conversation=account.last_conversation_at,
        dpd=account.dpd,
    )


def _reason(account: Account, today: date, timeline: list) -> tuple[int, str] | None:
    """Why this account is on today's list, and how pressing (higher first); None: not today."""
    promise = account.promise
    if promise is not None and promise.due_on <= today and promise.outcome(today) is Outcome.PENDING:
        return 1000, f"promise of {promise.amount} due {promise.due_on.isoformat()} not yet paid"
    recent = [i for i in timeline if i.occurred_on >= (today - timedelta(days=3)).isoformat()]
    if any(i.kind == "promise" and i.sk.endswith("#broken") for i in recent):
        return 900, "broken promise"
    if any(
        i.kind == "letter" and i.detail.get("channel") == "call_task" and i.status == "task" for i in recent
    ):
        return 700, "the strategy's call step is due"
    if any(i.kind == "disposition" and i.detail.get("outcome") in CALLBACK for i in recent):
        return 600, "callback: no answer or a message left"
    if account.dpd > 0 and account.promise is None and account.arrangement is None:
        # high balance first, and within it whoever is closest to rolling into the next bucket
        risk = 0.2 + 0.8 * ((account.dpd % 30) / 30)
        return int(
            min(500, account.balance * risk / 10_000)
        ), f"{account.dpd} DPD, next bucket in {30 - account.dpd % 30} days"
    return None


def _decision_row(account: Account, found: charge_off.Recommendation, local: datetime) -> dict:
    when = "past" if found.days_left < 0 else "due"
    return {
        "priority": 2000 - found.days_left,
        "account_id": account.account_id,
        "why": f"charge-off to decide: deadline {found.deadline.isoformat()} {when} "
        f"(`arrears accounts charge-off {account.account_id} --confirm|--decline`)",
        "balance": account.balance,
        "currency": account.currency,
        "dpd": account.dpd,
        "local_time": local.strftime("%H:%M"),
        "email": None,
        "callable": True,
        "blocked_by": None,
    }


def worklist(
    now: datetime,
    see_personal_data: bool,
    portfolio: str | None = None,
    show_excluded: bool = False,
    decides_charge_off: bool = False,
) -> list[dict]:
    strategies = load_strategies()
    rows = []
    for account in accounts_repo.list_accounts(portfolio):
        if account.status in CLOSED_STATUSES:
            continue
        local = now.astimezone(ZoneInfo(account.time_zone))
        found = charge_off.recommendation(account, local.date()) if decides_charge_off else None
        if found is not None and found.due_soon:
            rows.append(_decision_row(account, found, local))
            continue
        timeline = accounts_repo.timeline(account.account_id)
        why = _reason(account, local.date(), timeline)
        if why is None:
            continue
        strategy = strategy_for(strategies, account.product_type, account.jurisdiction, account.placement)
        profile = PROFILES[strategy.compliance_profile] if strategy else None
        dispositions = [i for i in timeline if i.kind == "disposition"]
        decision = check_dial(_history(account, dispositions), profile, local) if profile else None
        allowed = decision is None or decision.allowed
        if not allowed and not show_excluded:
            continue
        rows.append(
            {
                "priority": why[0],
                "account_id": account.account_id,
                "why": why[1],
                "balance": account.balance,
                "currency": account.currency,
                "dpd": account.dpd,
                "local_time": local.strftime("%H:%M"),
                "email": account.email if see_personal_data else mask(account.email),
                "callable": allowed,
                "blocked_by": None if allowed else f"{decision.rule}: {decision.reason}",
            }
        )
    return sorted(rows, key=lambda r: (not r["callable"], -r["priority"], -r["balance"], r["account_id"]))
