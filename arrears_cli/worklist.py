"""`arrears worklist`: today's calls for a collector, most pressing first, each with its reason.

For an operator who decides charge-offs, the recommendations near or past their deadline come
first: they are decisions, not calls, and no contact rule keeps them off the list.

Today's view: days past due, bucket and days to the next bucket are the account's on the
customer's local date of the moment planned for, from its dues through the domain's own
`stages.evaluate`; the figures the cycle stored are as of its last run, days ago perhaps.

A call moves the account (the retry rule). A call attempt (an outcome in calls.ATTEMPTS) works the account
for the customer's day: it is not listed again that day, whatever brought it. A call step of the
strategy is worked once an attempt is logged on or after the day it fell due. An attempt that
reached nobody (no answer, a message left) is retried from the next day, as a callback that says
when it was tried; a later attempt with another outcome replaces it.

Left out: anyone the rules do not let us call right now (holds, opt-outs, the customer's local
hours, the call cap, the quiet period after a conversation); `--show-excluded` lists them with
the rule. Reads the portfolio's accounts (a scan): a collector's screen, not a daily job.

Money in a row is in minor units (`balance_minor`) beside its `currency`; the command's table
shows it to a person. Of the customer, a row says only how they can be reached (`reach`: post,
email, phone); the number to dial is read through the operators' API (`arrears customers show`),
opened for a level that may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.domain import calls, charge_off
from arrears.domain.account import Account
from arrears.domain.commitments import Outcome
from arrears.domain.compliance import PROFILES
from arrears.domain.stages import CLOSED_STATUSES, Evaluation, days_to_next_bucket, evaluate
from arrears.domain.strategy import load_strategies, strategy_for
from arrears.services import call_rules
from arrears.store import accounts_repo

from arrears_cli.output import for_people

CALLBACK = {"no_answer": "no answer", "left_message": "message left"}
RETRY_AFTER_DAYS = 1  # a call that reached nobody is tried again from the next day
RECENT_DAYS = 3  # how far back a broken promise, a call step or a callback still brings an account


def as_of(account: Account, day: date) -> Evaluation:
    """Where the account stands on `day` (DPD, bucket, past due), by the rule the cycle applies."""
    return evaluate(account.balance, account.dues, account.status, day)


@dataclass(frozen=True)
class Attempt:
    on: date  # the customer's local date of the call
    outcome: str


def _attempts(timeline: list, zone: ZoneInfo, today: date) -> list[Attempt]:
    """The calls logged up to `today`, oldest first; a plan for an earlier day ignores later calls."""
    logged = sorted(
        (datetime.fromisoformat(i.detail["at"]), i.detail["outcome"])
        for i in timeline
        if i.kind == "disposition" and i.detail.get("outcome") in calls.ATTEMPTS
    )
    attempts = [Attempt(at.astimezone(zone).date(), outcome) for at, outcome in logged]
    return [a for a in attempts if a.on <= today]


def _call_step_due(recent: list, attempts: list[Attempt]) -> bool:
    """A recent call step of the strategy that no call has worked yet (none on or after its day)."""
    steps = [
        date.fromisoformat(i.occurred_on)
        for i in recent
        if i.kind == "letter" and i.detail.get("channel") == "call_task" and i.status == "task"
    ]
    return any(not any(a.on >= step for a in attempts) for step in steps)


def _callback(attempts: list[Attempt], today: date) -> str | None:
    """The last call reached nobody, recently, and its retry day has come: say when it was tried."""
    if not attempts or attempts[-1].outcome not in CALLBACK:
        return None
    last = attempts[-1]
    retry_on = last.on + timedelta(days=RETRY_AFTER_DAYS)
    if not (today - timedelta(days=RECENT_DAYS) <= last.on and retry_on <= today):
        return None
    return f"callback: {CALLBACK[last.outcome]} {last.on.isoformat()}, retry from {retry_on.isoformat()}"


def _roll_risk(account: Account, standing: Evaluation) -> tuple[int, str]:
    """High balance first, and within it whoever is closest to rolling into the next bucket; in the
    last bucket there is nothing to roll into, so only the balance counts."""
    to_next = days_to_next_bucket(standing.dpd)
    if to_next is None:
        risk, text = 0.2, f"{standing.dpd} DPD, in the last bucket ({standing.bucket})"
    else:
        risk = 0.2 + 0.8 * (max(0, 30 - to_next) / 30)
        text = f"{standing.dpd} DPD, next bucket in {to_next} day{'' if to_next == 1 else 's'}"
    return int(min(500, account.balance * risk / 10_000)), text


def _reason(
    account: Account, standing: Evaluation, today: date, timeline: list, attempts: list[Attempt]
) -> tuple[int, str] | None:
    """Why this account is on today's list, and how pressing (higher first); None: not today."""
    if attempts and attempts[-1].on == today:
        return None  # called today: worked for the day, whatever the call's outcome
    promise = account.promise
    if promise is not None and promise.due_on <= today and promise.outcome(today) is Outcome.PENDING:
        amount = for_people(promise.amount, account.currency)
        return 1000, f"promise of {amount} due {promise.due_on.isoformat()} not yet paid"
    recent = [i for i in timeline if i.occurred_on >= (today - timedelta(days=RECENT_DAYS)).isoformat()]
    if any(i.kind == "promise" and i.sk.endswith("#broken") for i in recent):
        return 900, "broken promise"
    if _call_step_due(recent, attempts):
        return 700, "the strategy's call step is due"
    callback = _callback(attempts, today)
    if callback is not None:
        return 600, callback
    if standing.dpd > 0 and account.promise is None and account.arrangement is None:
        return _roll_risk(account, standing)
    return None


def _row(account: Account, standing: Evaluation, local: datetime, priority: int, why: str) -> dict:
    """One line of the list: the account as it stands on the customer's local date."""
    return {
        "priority": priority,
        "account_id": account.account_id,
        "why": why,
        "balance_minor": account.balance,
        "currency": account.currency,
        "dpd": standing.dpd,
        "bucket": standing.bucket.value,
        "days_to_next_bucket": days_to_next_bucket(standing.dpd) if standing.dpd > 0 else None,
        "local_time": local.strftime("%H:%M"),
        "reach": ",".join(account.reach),
        "callable": True,
        "blocked_by": None,
        # a debt that is, or may be, time-barred: the call may go, a threat of suit may not
        "no_suit_threat": calls.suit_warning(account, local.date()),
    }


def _decision_row(account: Account, found: charge_off.Recommendation, local: datetime) -> dict:
    when = "past" if found.days_left < 0 else "due"
    why = (
        f"charge-off to decide: deadline {found.deadline.isoformat()} {when} "
        f"(`arrears accounts charge-off {account.account_id} --confirm|--decline`)"
    )
    return _row(account, as_of(account, local.date()), local, 2000 - found.days_left, why)


def _call_row(account: Account, strategies, local: datetime) -> dict | None:
    """The account's line if it is on the day's calls, callable now or not; None: not today."""
    today = local.date()
    timeline = accounts_repo.timeline(account.account_id)
    standing = as_of(account, today)
    why = _reason(account, standing, today, timeline, _attempts(timeline, local.tzinfo, today))
    if why is None:
        return None
    strategy = strategy_for(strategies, account.product_type, account.jurisdiction, account.placement)
    profile = PROFILES[strategy.compliance_profile] if strategy else None
    logged = call_rules.calls_in(timeline)
    decision = calls.judge(account, logged, profile, local, standing.dpd) if profile else None
    allowed = decision is None or decision.allowed
    return {
        **_row(account, standing, local, *why),
        "callable": allowed,
        "blocked_by": None if allowed else f"{decision.rule}: {decision.reason}",
    }


def worklist(
    now: datetime,
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
        row = _call_row(account, strategies, local)
        if row is not None and (row["callable"] or show_excluded):
            rows.append(row)
    return sorted(
        rows, key=lambda r: (not r["callable"], -r["priority"], -r["balance_minor"], r["account_id"])
    )
