"""The daily cycle's logic: plain Python over the layer's domain and repositories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from arrears import accounts_repo, bureau_triggers, cycle_repo, workflows
from arrears.account import Account, shard_key
from arrears.census import Change, group_of, roll_forward, transitions
from arrears.errors import AccountVersionConflict, ShardFailed, lambda_error_message
from arrears.letters import LetterCode
from arrears.observability import logger
from arrears.settings import Settings
from arrears.stages import Bucket, Evaluation, Status, evaluate, transition_kind
from arrears.standing import review
from arrears.strategy import Strategy, load_strategies, strategy_for

from dunning.contacts import ContactPlan, plan_contact
from dunning.delivery import DELIVERED, deliver

MAX_ATTEMPTS = 3


def take_lock(portfolio: str, as_of: date, execution: str, started_at: datetime, lease_seconds: int) -> bool:
    return cycle_repo.take_lock(portfolio, as_of, execution, int(started_at.timestamp()), lease_seconds)


def shards(portfolio: str, shard_count: int) -> list[str]:
    return [shard_key(portfolio, i) for i in range(shard_count)]


def plan(account: Account, as_of: date) -> tuple[Account, Evaluation, Change | None, tuple[dict, ...]] | None:
    """What the cycle does to one account today; None when there is nothing to do (already done today)."""
    if account.last_evaluated_on and account.last_evaluated_on >= as_of:
        return None
    if account.next_action_on is None or account.next_action_on > as_of:
        return None  # the index entry was stale: a writer moved it after the page was read
    result = evaluate(account.balance, account.dues, account.status, as_of)
    standing = review(account, result.status, as_of, delinquent=result.dpd > 0)
    before = account.counted_as or group_of(account.bucket, account.status)
    after = group_of(result.bucket, standing.status)
    updated = replace(
        account,
        bucket=result.bucket,
        status=standing.status,
        promise=standing.promise,
        arrangement=standing.arrangement,
        notices=standing.notices,
        dpd=result.dpd,
        past_due=result.past_due,
        oldest_unpaid_on=result.oldest_unpaid_on,
        next_action_on=min((d for d in (result.next_action_on, *standing.checks) if d), default=None),
        last_evaluated_on=as_of,
        census_balance=account.balance,
        counted_as=None,
    )
    moved = before != after or account.balance != account.census_balance
    change = (
        Change(before, after, account.currency, account.census_balance, account.balance) if moved else None
    )
    return updated, result, change, standing.events


def _explanation(account: Account, result: Evaluation, change: Change, execution: str) -> dict:
    """Why the account is where it is, for its timeline."""
    moved_bucket = change.from_group != change.to_group
    # a payment may have moved the account since the census counted it: the move runs from there
    counted = Bucket(account.counted_as) if account.counted_as in set(Bucket) else account.bucket
    return {
        "transition": transition_kind(counted, result.bucket) if moved_bucket else None,
        "dpd": result.dpd,
        "past_due": result.past_due,
        "reason": result.reason,
        "execution": execution,
    }


class Outcome(StrEnum):
    SKIPPED = "skipped"  # already evaluated today, or no longer due
    UNCHANGED = "unchanged"  # looked at; only its next action date moved
    CHANGED = "changed"  # bucket, status or balance moved: a stage record was written


@lru_cache(maxsize=1)
def _strategies() -> dict[str, Strategy]:
    return load_strategies()


def with_contact(account: Account, contact: ContactPlan) -> Account:
    """The ladder's bookkeeping on the account, and the day it next needs looking at."""
    dates = [d for d in (account.next_action_on, contact.next_step_on) if d]
    notices = account.notices if contact.notices is None else contact.notices
    if notices:
        dates.append(account.last_evaluated_on + timedelta(days=1))  # one letter a day: the rest tomorrow
    return replace(
        account,
        episode_on=contact.episode_on,
        fired=contact.fired,
        notices=notices,
        next_action_on=min(dates, default=None),
    )


def advance(run: Run, account_id: str, account: Account | None = None) -> Outcome:
    """Evaluate one account, act on its strategy's step for today, and save the result.

    Records are written before the account: if the account write is lost, a re-run
    recomputes the same records (same keys) and then lands the account write.
    """
    as_of, execution = run.as_of, run.execution
    for attempt in range(MAX_ATTEMPTS):
        current = account if (account is not None and attempt == 0) else accounts_repo.get_account(account_id)
        planned = plan(current, as_of)
        if planned is None:
            return Outcome.SKIPPED
        updated, result, change, events = planned
        for event in events:  # a promise or arrangement kept or broken: recorded once, for the KPIs
            day_key = cycle_repo.cycle_day_key(as_of, current.home_shard)
            accounts_repo.record_event(account_id, as_of, event["kind"], event["outcome"], event, day_key)
        strategy = strategy_for(_strategies(), current.product_type, current.jurisdiction, current.placement)
        local_time = run.run_at.astimezone(ZoneInfo(current.time_zone))
        contact = plan_contact(current, updated, strategy, as_of, local_time)
        updated = with_contact(updated, contact)
        if contact.trigger is not None and strategy is not None:
            status = deliver(contact, updated, strategy, as_of, local_time, execution, run.settings)
            if contact.letter is LetterCode.VALIDATION_NOTICE and status in DELIVERED:
                updated = replace(updated, validation_notice_on=updated.validation_notice_on or as_of)
            if contact.step is not None and contact.step.recommend_charge_off:
                updated = replace(updated, status=Status.CHARGE_OFF_RECOMMENDED)
        _hand_over(run, updated, contact.step if contact.trigger is not None else None)
        if change is not None:
            cycle_repo.put_stage_record(
                account_id,
                as_of,
                current.home_shard,
                change,
                {**_explanation(current, result, change, execution), "arm": contact.arm},
            )
        try:
            accounts_repo.save_account(updated)
            return Outcome.UNCHANGED if change is None else Outcome.CHANGED
        except AccountVersionConflict:
            logger.info("version conflict, re-reading", extra={"account_id": account_id, "attempt": attempt})
    raise AccountVersionConflict(account_id)


def _hand_over(run: Run, account: Account, step) -> None:
    """Start the bureau workflows today's step or the account's status asks for, once per account and day.

    Started before the account is saved: if the save is lost and the page retried, the start is
    asked again and finds its execution already there (the name is the account and the day).
    """
    settings, as_of = run.settings, run.as_of
    payload = {"account_id": account.account_id, "as_of": as_of.isoformat()}
    wanted = (
        ("skiptrace", settings.skiptrace_state_machine,
         bureau_triggers.skiptrace_reason(account, step, as_of, settings.skiptrace_cooldown_days)),
        ("credit-review", settings.credit_review_state_machine,
         bureau_triggers.credit_review_reason(account, step, as_of, settings.credit_review_cooldown_days)),
    )  # fmt: skip
    for workflow, arn, reason in wanted:
        if arn and reason:
            name = workflows.execution_name(workflow, account.account_id, run.as_of)
            workflows.start(arn, name, {**payload, "reason": reason}, settings.region)


@dataclass(frozen=True)
class Run:
    """The cycle execution an account is advanced by: its business date, its "now", its settings."""

    as_of: date
    execution: str
    run_at: datetime
    settings: Settings


def process_page(run: Run, shard: str, cursor: dict | None) -> dict:
    ids, next_cursor = accounts_repo.collectible_page(shard, run.as_of, run.settings.page_size, cursor)
    outcomes = Counter(advance(run, a.account_id, a) for a in accounts_repo.get_accounts(ids))
    return {
        "evaluated": outcomes[Outcome.UNCHANGED] + outcomes[Outcome.CHANGED],
        "changed": outcomes[Outcome.CHANGED],
        "cursor": next_cursor,
        "has_more": next_cursor is not None,
    }


def check_shards(shard_list: list[str], shard_results: list[dict | None]) -> None:
    """Refuse to close a day on which a shard did not finish; say which and why."""
    finished = {r["shard"] for r in shard_results if r and not r.get("failed")}
    failures = [r for r in shard_results if r and r.get("failed")]
    missing = [s for s in shard_list if s not in finished and s not in {f["shard"] for f in failures}]
    if not failures and not missing:
        return
    reasons = [
        f"{f['shard']}: {f['error'].get('Error')}: {lambda_error_message(f['error'].get('Cause'))}"
        for f in failures
    ]
    reasons += [f"{s}: no result" for s in missing]
    raise ShardFailed(
        f"{len(reasons)} of {len(shard_list)} shard(s) did not finish; " + "; ".join(reasons[:5])
    )


def summarise(portfolio: str, as_of: date, records: list, shard_results: list[dict]) -> dict:
    """The day's figures: yesterday's census carried forward by today's recorded changes."""
    since, previous = cycle_repo.latest_census(portfolio, before=as_of)
    changes = cycle_repo.changes_in(records)
    census = roll_forward(previous, changes)
    contacts = [r for r in records if r.kind == "letter"]
    letters = Counter(f"{r.status}:{r.detail.get('code') or r.detail.get('channel')}" for r in contacts)
    delivered = Counter(
        f"{r.detail['locale'][:2]}:{r.detail['code']}"
        for r in contacts
        if r.status in ("sent", "printed", "sending")
    )
    return {
        "portfolio": portfolio,
        "as_of": as_of.isoformat(),
        "previous_census_on": since.isoformat() if since else None,
        "accounts_by_bucket": census["accounts"],
        "balances_by_bucket": census["balances"],
        "transitions": transitions(changes),
        "changed_accounts": len(changes),
        "evaluated_accounts": sum(int(r.get("evaluated", 0)) for r in shard_results if r),
        "pages": sum(int(r.get("pages", 0)) for r in shard_results if r),
        "contacts": dict(sorted(letters.items())),
        "letters_by_language": dict(sorted(delivered.items())),
    }, census
