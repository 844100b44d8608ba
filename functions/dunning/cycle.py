"""The daily cycle's logic: plain Python over the layer's domain and repositories."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from arrears.adapters import workflows
from arrears.adapters.observability import logger
from arrears.adapters.personal_data import Keys
from arrears.domain import bureau_triggers, charge_off, limitations
from arrears.domain.account import Account, shard_key
from arrears.domain.census import Change, group_of, roll_forward, transitions
from arrears.domain.errors import (
    AccountVersionConflict,
    ArrearsError,
    InvalidAccountData,
    InvalidInput,
    ShardFailed,
    lambda_error_message,
)
from arrears.domain.letters import LetterCode
from arrears.domain.stages import Bucket, Evaluation, Status, transition_kind
from arrears.domain.standing import reread
from arrears.domain.strategy import Strategy, load_strategies, strategy_for
from arrears.runtime.settings import Settings
from arrears.services.customers import NO_ADDRESS_TASK
from arrears.store import accounts_repo, bureau_repo, cycle_repo

from dunning.contacts import (
    ADDRESS_TASK,
    ITEMIZATION_TASK,
    ITEMIZATION_TASK_NAME,
    SKIP_STATUS,
    ContactPlan,
    plan_contact,
)
from dunning.delivery import DELIVERED, Delivery, deliver
from dunning.tally import Tally

MAX_ATTEMPTS = 3
# Pages one Lambda call works through before handing back to the workflow: 10 pages of 100 accounts
# is about 20 s of the function's 300 s, and a tenth of the state transitions of a call per page.
PAGES_PER_CALL = 10


def take_lock(portfolio: str, as_of: date, execution: str, started_at: datetime, lease_seconds: int) -> bool:
    return cycle_repo.take_lock(portfolio, as_of, execution, int(started_at.timestamp()), lease_seconds)


def shards(portfolio: str, shard_count: int) -> list[str]:
    return [shard_key(portfolio, i) for i in range(shard_count)]


def evaluated_today(account: Account, as_of: date) -> bool:
    return account.last_evaluated_on is not None and account.last_evaluated_on >= as_of


def due(account: Account, as_of: date) -> bool:
    """Whether today's cycle still has to look at the account."""
    if evaluated_today(account, as_of):
        return False
    # not due: the index entry was stale, a writer moved the account after the page was read
    return account.next_action_on is not None and account.next_action_on <= as_of


def plan(account: Account, as_of: date) -> tuple[Account, Evaluation, Change | None, tuple[dict, ...]] | None:
    """What the cycle does to one account today; None when there is nothing to do (already done today)."""
    if not due(account, as_of):
        return None
    stands, result, standing = reread(account, as_of)
    before = account.counted_as or group_of(account.bucket, account.status)
    after = group_of(result.bucket, standing.status)
    evaluated = replace(
        stands,
        next_action_on=min((d for d in (result.next_action_on, *standing.checks) if d), default=None),
        last_evaluated_on=as_of,
        census_balance=account.balance,
        counted_as=None,
    )
    # the day's evaluation is where a bar date is first found, and never moved later
    updated = limitations.kept_bar(account, evaluated, as_of)
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


def _contact_detail(contact: ContactPlan) -> dict:
    """Which strategy version and arm judged the account today, and whether contact waited."""
    detail = {"strategy": contact.strategy, "arm": contact.arm}
    if contact.waits_until is not None:  # written only when it happens: the record stays small
        detail["contact_waits_until"] = contact.waits_until.isoformat()
    if contact.overshadow_waits_until is not None:  # a deadline letter waits out the validation period
        detail["validation_period_waits_until"] = contact.overshadow_waits_until.isoformat()
    return detail


class Outcome(StrEnum):
    DONE = "done"  # already evaluated today (by an earlier attempt at its page)
    SKIPPED = "skipped"  # no longer due
    UNCHANGED = "unchanged"  # looked at; only its next action date moved
    CHANGED = "changed"  # bucket, status or balance moved: a stage record was written
    SET_ASIDE = "set_aside"  # advancing it raised an error no retry fixes: an operator's task says why


# The operator's task an account gets when the cycle cannot advance it; the rest of its shard goes on.
NOT_ADVANCED_TASK = "cycle_could_not_advance"
# Errors that come of one account's own data (a date at the end of the calendar, a value no rule
# expects), the same at every retry. Transient ones (StoreUnavailable, AccountVersionConflict, an
# AWS client's error) still fail the call, for the workflow's Retry.
ACCOUNT_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, InvalidAccountData, InvalidInput)


def strategies_in_force() -> list[str]:
    """The strategies' name@version as their files say now; a broken file raises StrategyError naming
    the file, the step and the field, so the cycle fails before any account is touched."""
    labels = sorted(s.label for s in load_strategies().values())
    logger.info("strategies in force", extra={"strategies": labels})
    return labels


def with_contact(account: Account, contact: ContactPlan) -> Account:
    """The ladder's bookkeeping on the account, and the day it next needs looking at."""
    dates = [d for d in (account.next_action_on, contact.next_step_on) if d]
    notices = account.notices if contact.notices is None else contact.notices
    if notices:  # one letter a day: the next on the next day the customer may be contacted
        dates.append(contact.notices_on or account.last_evaluated_on + timedelta(days=1))
    return replace(
        account,
        episode_on=contact.episode_on,
        fired=contact.fired,
        notices=notices,
        next_action_on=min(dates, default=None),
    )


def advance(run: Run, account_id: str, account: Account | None = None) -> tuple[Outcome, Change | None]:
    """Evaluate one account, act on its strategy's step for today, and save the result; say what it
    did, and how the account moved in the census.

    Records are written before the account: if the account write is lost, a re-run
    recomputes the same records (same keys) and then lands the account write. The census move
    itself is kept on the account, in the same write; a stage record on the timeline is written
    only for a move the KPIs read (placed as current, or current with a new balance, is not one:
    decision 49).
    """
    as_of, execution = run.as_of, run.execution
    for attempt in range(MAX_ATTEMPTS):
        current = account if (account is not None and attempt == 0) else accounts_repo.get_account(account_id)
        planned = plan(current, as_of)
        if planned is None:
            return (Outcome.DONE if evaluated_today(current, as_of) else Outcome.SKIPPED), None
        updated, result, change, events = planned
        for event in events:  # a promise or arrangement kept or broken: recorded once, for the KPIs
            day_key = cycle_repo.cycle_day_key(as_of, current.home_shard)
            accounts_repo.record_event(account_id, as_of, event["kind"], event["outcome"], event, day_key)
        strategy = strategy_for(run.strategies, current.product_type, current.jurisdiction, current.placement)
        local_time = run.run_at.astimezone(ZoneInfo(current.time_zone))
        contact = plan_contact(current, updated, strategy, as_of, local_time)
        updated = with_contact(updated, contact)
        if contact.trigger is not None and strategy is not None:
            done = deliver(contact, updated, strategy, as_of, local_time, execution, run.settings, run.keys)
            if contact.letter is LetterCode.VALIDATION_NOTICE and done.status in DELIVERED:
                # the day it was provided, from which its validation period counts (§1006.34(b)(5))
                provided = done.sent_on or as_of
                updated = replace(updated, validation_notice_on=updated.validation_notice_on or provided)
            if done.routed is not None:
                updated = _unaddressed(updated, done, contact, as_of)
        if contact.recommends_charge_off:
            updated = _recommend_charge_off(updated, as_of, execution)
        _hand_over(run, updated, contact.step if contact.trigger is not None else None)
        if change is not None and cycle_repo.read_by_kpis(change):
            cycle_repo.put_stage_record(
                account_id,
                as_of,
                current.home_shard,
                change,
                {**_explanation(current, result, change, execution), **_contact_detail(contact)},
            )
        placed = as_of if change is not None and change.from_group is None else None
        move = cycle_repo.day_move(as_of, change) if change is not None else None
        try:
            accounts_repo.save_account(updated, first_evaluated_on=placed, day_move=move)
            return (Outcome.UNCHANGED, None) if change is None else (Outcome.CHANGED, change)
        except AccountVersionConflict:
            logger.info("version conflict, re-reading", extra={"account_id": account_id, "attempt": attempt})
    raise AccountVersionConflict(account_id)


def advance_or_set_aside(run: Run, account: Account) -> tuple[Outcome, Change | None]:
    """`advance`, except that an account whose own data makes it raise is set aside for an operator
    (a task on its timeline, the error's type and our own message: never a value of the account)
    instead of failing its shard: it stays in the work index and is tried again at the next cycle."""
    try:
        return advance(run, account.account_id, account)
    except ACCOUNT_ERRORS as exc:
        error = type(exc).__name__
        # our errors' and arithmetic's messages carry no personal data; a library's may quote a value
        said = str(exc)[:300] if isinstance(exc, ArrearsError | ArithmeticError) else "see the account's data"
        cause = f"{error} while the cycle advanced the account on {run.as_of.isoformat()}: {said}"
        bureau_repo.open_task(
            account.account_id, run.as_of, NOT_ADVANCED_TASK, error, cause, "collection_cycle"
        )
        logger.error("account set aside", extra={"account_id": account.account_id, "error": error})
        return Outcome.SET_ASIDE, None


def _unaddressed(account: Account, done: Delivery, contact: ContactPlan, as_of: date) -> Account:
    """A letter had nowhere to go (or a validation notice could not itemize the debt truly: an
    operator's task of its own): an active account to skip status (`_hand_over` then starts its
    skip-trace, reason "skip_status"); any other an operator's task, the reason on its timeline."""
    if done.routed == SKIP_STATUS and account.status is Status.ACTIVE:
        return replace(account, status=Status.SKIP)
    if done.routed in (SKIP_STATUS, ADDRESS_TASK, ITEMIZATION_TASK):
        letter = contact.letter.value if contact.letter else "letter"
        cause = f"{letter} ({contact.trigger}) not sent; the account is {account.status.value}"
        why = done.reason or "no usable mailing address"
        task = ITEMIZATION_TASK_NAME if done.routed == ITEMIZATION_TASK else NO_ADDRESS_TASK
        bureau_repo.open_task(account.account_id, as_of, task, why, cause, "collection_cycle")
    return account


def _recommend_charge_off(account: Account, as_of: date, execution: str) -> Account:
    """The team is asked to decide; the customer is told nothing until a charge-off is confirmed."""
    recommended = replace(account, status=Status.CHARGE_OFF_RECOMMENDED)
    found = charge_off.recommendation(recommended, as_of)
    detail = {
        "decision": "recommended",
        "deadline": found.deadline.isoformat() if found else None,
        "dpd": account.dpd,
        "balance": account.balance,
        "currency": account.currency,
        "execution": execution,
    }
    accounts_repo.record_event(account.account_id, as_of, "charge_off", "recommended", detail)
    return recommended


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
    """The cycle execution an account is advanced by: its business date, its "now", its settings, and
    the strategies in force for this call."""

    as_of: date
    execution: str
    run_at: datetime
    settings: Settings
    strategies: Mapping[str, Strategy]
    keys: Keys  # to open a customer when a letter is sent to them

    @classmethod
    def for_call(cls, as_of: date, execution: str, run_at: datetime, settings: Settings, keys: Keys) -> Run:
        """Strategies are read once per Lambda call (a call works up to PAGES_PER_CALL pages), not once
        per warm container: a file edited between cycles takes effect at the next cycle, and a broken
        one fails the call with a StrategyError instead of the old steps carrying on."""
        return cls(as_of, execution, run_at, settings, load_strategies(), keys)


@dataclass(frozen=True)
class Page:
    evaluated: int  # accounts this execution evaluated
    tally: Tally  # how the page's accounts moved in the census today, whichever attempt moved them
    cursor: dict | None
    set_aside: int = 0  # accounts left for an operator (advance_or_set_aside)


def process_page(run: Run, shard: str, number: int, cursor: dict | None) -> Page:
    """Advance one page of a shard's due accounts.

    The page is logged before any account on it moves. An attempt that finds the log already there
    (a retried call, or a re-run after a failed day) works the logged accounts rather than a fresh
    read of the work index: those an earlier attempt advanced have left the index, and their moves,
    read back from their stage records, still count in the day's tally, once.
    """
    ids, next_cursor = accounts_repo.collectible_page(shard, run.as_of, run.settings.page_size, cursor)
    accounts = [a for a in accounts_repo.get_accounts(ids) if due(a, run.as_of)]
    ours = cycle_repo.PageLog(tuple(a.account_id for a in accounts), next_cursor, run.execution)
    if ours.ids or ours.cursor is not None:
        earlier = cycle_repo.log_page(run.as_of, shard, number, ours)
    else:  # the shard's last page found nothing due: nothing to log, unless an earlier attempt did
        earlier = cycle_repo.logged_page(run.as_of, shard, number)
    if earlier is not None:
        accounts = accounts_repo.get_accounts(list(earlier.ids))
    results = [(a.account_id, *advance_or_set_aside(run, a)) for a in accounts]
    moved = [change for _, _, change in results if change is not None]
    evaluated = sum(1 for _, outcome, _ in results if outcome in (Outcome.UNCHANGED, Outcome.CHANGED))
    done_earlier = [account_id for account_id, outcome, _ in results if outcome is Outcome.DONE]
    if earlier is not None and done_earlier:  # advanced by the attempt that was lost
        moved += cycle_repo.stage_changes(run.as_of, done_earlier).values()
        if earlier.execution == run.execution:
            evaluated += len(done_earlier)
    set_aside = sum(1 for _, outcome, _ in results if outcome is Outcome.SET_ASIDE)
    return Page(evaluated, Tally.of(moved), (earlier or ours).cursor, set_aside)


@dataclass(frozen=True)
class Progress:
    """What one call did in a shard, and the shard's tally so far."""

    evaluated: int
    pages: int
    cursor: dict | None
    tally: Tally
    set_aside: int = 0


def process_pages(run: Run, shard: str, cursor: dict | None, pages_done: int, tally: Tally) -> Progress:
    """Work up to PAGES_PER_CALL pages of a shard from `cursor`; the shard's last page stores its tally
    (if anything moved), which the close of the day rolls the census forward by."""
    evaluated = pages = set_aside = 0
    while True:
        page = process_page(run, shard, pages_done + pages, cursor)
        evaluated, pages, cursor = evaluated + page.evaluated, pages + 1, page.cursor
        set_aside += page.set_aside
        tally += page.tally
        if cursor is None or pages >= PAGES_PER_CALL:
            break
    if cursor is None and tally.accounts:
        cycle_repo.put_tally(run.as_of, shard, tally.to_json(), run.execution)
    return Progress(evaluated, pages, cursor, tally, set_aside)


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


def day_tally(portfolio: str, as_of: date, shard_results: list[dict | None]) -> Tally:
    """The day's census moves: the tallies the finished shards stored, each checked against the
    number of moves the shard reported (a shard that moved nothing stores none)."""
    stored = {s: Tally.from_json(rows) for s, rows in cycle_repo.day_tallies(portfolio, as_of).items()}
    total = Tally()
    for result in shard_results:
        if not result or result.get("failed"):
            continue
        shard, reported = result["shard"], result.get("moved")
        tally = stored.get(shard, Tally())
        if reported is not None and tally.accounts != int(reported):
            stored_moves = tally.accounts
            raise ShardFailed(f"{shard}: reported {reported} census moves, its stored tally {stored_moves}")
        total += tally
    return total


@dataclass
class DayContacts:
    """The day's letters counted as they stream past the print batch: read once, never all held."""

    letters: Counter = field(default_factory=Counter)  # status:code
    delivered: Counter = field(default_factory=Counter)  # language:code of what went out

    def seen(self, record) -> object:
        if record.kind == "letter":
            self.letters[f"{record.status}:{record.detail.get('code') or record.detail.get('channel')}"] += 1
            if record.status in ("sent", "printed", "sending"):
                self.delivered[f"{record.detail['locale'][:2]}:{record.detail['code']}"] += 1
        return record


def summarise(portfolio: str, as_of: date, contacts: DayContacts, shard_results: list[dict]) -> dict:
    """The day's figures: yesterday's census carried forward by the day's tally; its contacts."""
    since, previous = cycle_repo.latest_census(portfolio, before=as_of)
    tally = day_tally(portfolio, as_of, shard_results)
    # a generator, not a list: roll_forward and transitions read the moves once, one per account
    census = roll_forward(previous, tally.changes())
    return {
        "portfolio": portfolio,
        "as_of": as_of.isoformat(),
        "previous_census_on": since.isoformat() if since else None,
        "accounts_by_bucket": census["accounts"],
        "balances_by_bucket": census["balances"],
        "transitions": transitions(tally.changes()),
        "changed_accounts": tally.accounts,
        "evaluated_accounts": sum(int(r.get("evaluated", 0)) for r in shard_results if r),
        "pages": sum(int(r.get("pages", 0)) for r in shard_results if r),
        "contacts": dict(sorted(contacts.letters.items())),
        "letters_by_language": dict(sorted(contacts.delivered.items())),
    }, census
