"""What the strategy asks for today, and what the guardrail lets through: pure planning, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arrears.domain import business_days
from arrears.domain.account import Account
from arrears.domain.compliance import PROFILES, Channel, Contact, ContactHistory, Decision, check
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import CLOSED_STATUSES, Bucket
from arrears.domain.strategy import Step, Strategy, next_step_dpd, steps_due

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
    record_on: date | None = None  # the date in the letter's key: the episode's start, or the notice's
    extra: dict[str, object] | None = None  # facts a notice carries (a promise's amount and date, ...)
    notices: tuple[OwedNotice, ...] | None = None  # notices still owed after today's; None: unchanged
    # a step due today recommends charge-off to the team: no contact with the customer says so
    recommends_charge_off: bool = False
    # today is no business day of the account's jurisdiction: what contact is due waits for this day
    waits_until: date | None = None
    # while notices are owed: the next day one may go (None: tomorrow)
    notices_on: date | None = None

    @property
    def sends_letter(self) -> bool:
        return self.letter is not None and self.decision is not None and self.decision.allowed


def _history(account: Account) -> ContactHistory:
    return ContactHistory(
        holds=frozenset(account.holds),
        opted_out=frozenset(Channel(c) for c in account.opted_out),
        validation_notice_sent_on=account.validation_notice_on,
        last_conversation=account.last_conversation_at,
        dpd=account.dpd,
    )


def plan_contact(
    before: Account, after: Account, strategy: Strategy | None, as_of: date, local_time: datetime
) -> ContactPlan:
    """`before` is the account as read, `after` as evaluated; `local_time` is now in the customer's zone.

    On a day that is not a business day of the account's jurisdiction (when the strategy keeps to
    them) the account is evaluated as on any day, but what would contact the customer waits: no step
    is marked fired, no notice is taken off the account, and the plan names the day to come back.
    """
    if strategy is None:
        return ContactPlan("none", "none", None, ())
    arm, _ = strategy.ladder_for(after.account_id)
    delinquent = after.bucket not in (None, Bucket.CURRENT) and after.status not in CLOSED_STATUSES
    episode = (before.episode_on or as_of) if delinquent else None
    base = {
        "strategy": strategy.label,
        "arm": arm,
        "episode_on": episode,
        "fired": tuple(before.fired) if delinquent else (),
        "waits_until": _waits_until(strategy, after.jurisdiction, as_of),
    }
    if after.notices:  # an operator's action owes the customer a letter: it goes before the ladder
        if base["waits_until"] is not None:
            return ContactPlan(**base, notices_on=base["waits_until"])
        return _notice(after, strategy, as_of, local_time, base)
    if not delinquent:
        if before.episode_on is not None and after.bucket == Bucket.CURRENT:
            return _cured(before, after, strategy, as_of, local_time, base)
        return ContactPlan(**base)
    return _ladder(before, after, strategy, as_of, local_time, base)


def _waits_until(strategy: Strategy, jurisdiction: str, as_of: date) -> date | None:
    """None when the customer may be contacted today; else the next business day."""
    if not strategy.business_days_only or business_days.is_business_day(jurisdiction, as_of):
        return None
    return business_days.next_business_day(jurisdiction, as_of)


def _cured(
    before: Account, after: Account, strategy: Strategy, as_of: date, local_time: datetime, base: dict
) -> ContactPlan:
    """The letter that tells the customer the account is current again, with the payment that cured it."""
    assert before.episode_on is not None  # nosec B101 # the caller checked
    letter = LetterCode.PAYMENT_RECEIVED
    trigger = f"{CURED}@{before.episode_on.isoformat()}"
    # what was paid since the cycle last looked: `before` still holds the balance it counted
    paid = max(before.census_balance - after.balance, 0)
    if base["waits_until"] is not None:
        # Owed, as an operator's notice is: the facts are fixed today (the next cycle counts the
        # balance afresh and would find nothing paid), and the letter keeps its key (its `on` is
        # the episode's first day, as `record_on` below).
        facts = (("payment_amount", paid), ("payment_received_on", as_of.isoformat()))
        return ContactPlan(
            **base, notices=(OwedNotice(letter, trigger, facts),), notices_on=base["waits_until"]
        )
    return ContactPlan(
        **base,
        trigger=trigger,
        channel=Channel.LETTER,
        letter=letter,
        decision=_decide(Channel.LETTER, letter, after, strategy, local_time),
        record_on=before.episode_on,
        extra={"payment_amount": paid, "payment_received_on": as_of},
    )


def _ladder(
    before: Account, after: Account, strategy: Strategy, as_of: date, local_time: datetime, base: dict
) -> ContactPlan:
    """The steps of the account's ladder that fall due today, and the one contact they make."""
    _, ladder = strategy.ladder_for(after.account_id)
    fired = frozenset(before.fired)
    due = steps_due(ladder, fired, after.dpd, after.status)
    waits = base["waits_until"]
    # on a closed day a step that contacts the customer waits, and a recommendation due beside it
    # waits with it (recommended, the account's letter steps would no longer fall due); a
    # recommendation alone goes: it asks the team, not the customer
    acting = () if waits and any(s.channel is not None for s in due) else due
    upcoming = next_step_dpd(ladder, fired | {s.name for s in due}, after.dpd)
    next_on = as_of + timedelta(days=upcoming - after.dpd) if upcoming else None
    base["next_step_on"] = min((d for d in (next_on, waits) if d), default=None)
    base["fired"] = tuple(before.fired) + tuple(s.name for s in acting)
    base["recommends_charge_off"] = any(s.recommend_charge_off for s in acting)
    contacts = [s for s in acting if s.channel is not None]
    if not contacts:
        return ContactPlan(**base)
    step = contacts[-1]  # a catch-up sends the latest step only: one letter per account per run
    acted = {
        "trigger": step.name,
        "step": step,
        "superseded": tuple(s.name for s in contacts[:-1]),
        "record_on": base["episode_on"],
    }
    if step.channel is Channel.CALL_TASK or step.letter is None:
        decision = check(
            Contact(step.channel, None, local_time), _history(after), PROFILES[strategy.compliance_profile]
        )
        return ContactPlan(**base, **acted, channel=step.channel, decision=decision)
    channel, fallback = step.channel, None
    if channel is Channel.EMAIL and not after.email:
        channel, fallback = Channel.LETTER, "no email address with consent"
    decision = _decide(channel, step.letter, after, strategy, local_time)
    if not decision.allowed and channel is Channel.EMAIL and decision.rule in ("hours", "opt_out"):
        fallback = f"email refused ({decision.rule}): sent by mail"
        channel = Channel.LETTER
        decision = _decide(channel, step.letter, after, strategy, local_time)
    return ContactPlan(
        **base, **acted, channel=channel, letter=step.letter, decision=decision, fallback=fallback
    )


def _notice(after: Account, strategy: Strategy, as_of: date, local_time: datetime, base: dict) -> ContactPlan:
    """The oldest letter owed goes today; the rest on the next days the customer may be contacted."""
    notice = after.notices[0]
    letter = notice.code
    channel = Channel.EMAIL if after.email else Channel.LETTER
    decision = _decide(channel, letter, after, strategy, local_time)
    if not decision.allowed and channel is Channel.EMAIL:
        channel, decision = Channel.LETTER, _decide(Channel.LETTER, letter, after, strategy, local_time)
    return ContactPlan(
        **base,
        trigger=notice.trigger,
        channel=channel,
        letter=letter,
        decision=decision,
        record_on=notice.on,
        extra=dict(notice.extra),
        notices=tuple(after.notices[1:]),
        notices_on=_next_contact_day(strategy, after.jurisdiction, as_of) if after.notices[1:] else None,
    )


def _next_contact_day(strategy: Strategy, jurisdiction: str, as_of: date) -> date:
    if not strategy.business_days_only:
        return as_of + timedelta(days=1)
    return business_days.next_business_day(jurisdiction, as_of)


def _decide(
    channel: Channel, letter: LetterCode, account: Account, strategy: Strategy, at: datetime
) -> Decision:
    return check(Contact(channel, letter, at), _history(account), PROFILES[strategy.compliance_profile])
