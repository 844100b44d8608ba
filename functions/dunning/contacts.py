"""What the strategy asks for today, and what the guardrail lets through: pure planning, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arrears.account import Account
from arrears.compliance import PROFILES, Channel, Contact, ContactHistory, Decision, check
from arrears.letters import LetterCode
from arrears.stages import CLOSED_STATUSES, Bucket
from arrears.strategy import Step, Strategy, next_step_dpd, steps_due

CURED = "cured"  # the trigger of the letter that tells a customer the account is current again


@dataclass(frozen=True)
class ContactPlan:
    strategy: str  # name@version, recorded on every action
    arm: str
    episode_on: date | None
    fired: tuple[str, ...]
    trigger: str | None = None  # the step name (or CURED) acted on today
    step: Step | None = None
    superseded: tuple[str, ...] = ()
    channel: Channel | None = None
    letter: LetterCode | None = None
    decision: Decision | None = None
    fallback: str | None = None  # why the channel differs from the step's
    next_step_on: date | None = None

    @property
    def sends_letter(self) -> bool:
        return self.letter is not None and self.decision is not None and self.decision.allowed


def _history(account: Account) -> ContactHistory:
    return ContactHistory(
        holds=frozenset(account.holds),  # type: ignore[arg-type]
        opted_out=frozenset(Channel(c) for c in account.opted_out),
        dpd=account.dpd,
    )


def plan_contact(
    before: Account, after: Account, strategy: Strategy | None, as_of: date, local_time: datetime
) -> ContactPlan:
    """`before` is the account as read, `after` as evaluated; `local_time` is now in the customer's zone."""
    if strategy is None:
        return ContactPlan("none", "none", None, ())
    arm, ladder = strategy.ladder_for(after.account_id)
    label = f"{strategy.name}@{strategy.version}"
    delinquent = after.bucket not in (None, Bucket.CURRENT) and after.status not in CLOSED_STATUSES
    if not delinquent:
        if before.episode_on is not None and after.bucket == Bucket.CURRENT:
            letter = LetterCode.PAYMENT_RECEIVED
            decision = _decide(Channel.LETTER, letter, after, strategy, local_time)
            return ContactPlan(
                label, arm, before.episode_on, (), CURED, None, (), Channel.LETTER, letter, decision
            )
        return ContactPlan(label, arm, None, ())
    episode = before.episode_on or as_of
    fired = frozenset(before.fired)
    due = steps_due(ladder, fired, after.dpd, after.status)
    upcoming = next_step_dpd(ladder, fired | {s.name for s in due}, after.dpd)
    next_on = as_of + timedelta(days=upcoming - after.dpd) if upcoming else None
    now_fired = tuple(before.fired) + tuple(s.name for s in due)
    if not due:
        return ContactPlan(label, arm, episode, now_fired, next_step_on=next_on)
    step = due[-1]  # a catch-up sends the latest step only: one letter per account per run
    superseded = tuple(s.name for s in due[:-1])
    if step.channel is Channel.CALL_TASK or step.letter is None:
        return ContactPlan(label, arm, episode, now_fired, step.name, step, superseded, step.channel,
                           None, None, None, next_on)  # fmt: skip
    channel, fallback = step.channel, None
    if channel is Channel.EMAIL and not after.email:
        channel, fallback = Channel.LETTER, "no email address with consent"
    decision = _decide(channel, step.letter, after, strategy, local_time)
    if not decision.allowed and channel is Channel.EMAIL and decision.rule in ("hours", "opt_out"):
        fallback = f"email refused ({decision.rule}): sent by mail"
        channel = Channel.LETTER
        decision = _decide(channel, step.letter, after, strategy, local_time)
    return ContactPlan(label, arm, episode, now_fired, step.name, step, superseded, channel, step.letter,
                       decision, fallback, next_on)  # fmt: skip


def _decide(
    channel: Channel, letter: LetterCode, account: Account, strategy: Strategy, at: datetime
) -> Decision:
    return check(Contact(channel, letter, at), _history(account), PROFILES[strategy.compliance_profile])
