"""What the strategy asks for today, and what the guardrail lets through: pure planning, no I/O.

A letter goes the way the customer can be reached (`Account.reach`, kept from the customer's
contact points): by email only to an address with consent (for a notice the law requires in
writing, consent to receive such notices electronically), otherwise by post. With neither, nothing
is sent: the step is recorded refused ("no usable mailing address") and the account routed, an
active one to skip status (the cycle then starts a skip-trace), any other to an operator's task
(`route_unaddressed`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arrears.domain import business_days, limitations
from arrears.domain.account import Account
from arrears.domain.compliance import (
    HOLDS_THAT_ALLOW_CONTACT,
    PROFILES,
    Channel,
    Contact,
    ContactHistory,
    Decision,
    check,
    overshadowing_until,
)
from arrears.domain.customer import Reach
from arrears.domain.letters import NEEDS_MAILING_ADDRESS, REQUIRED_IN_WRITING, LetterCode, OwedNotice
from arrears.domain.stages import CLOSED_STATUSES, Bucket, Status
from arrears.domain.strategy import Step, Strategy, next_step_dpd, steps_due
from arrears.services.customers import NO_ADDRESS_TASK

CURED = "cured"  # the trigger of the letter that tells a customer the account is current again
NO_ADDRESS = "no_address"  # the rule of a letter refused for want of anywhere to send it
UNADDRESSED = Decision(False, NO_ADDRESS, "no usable mailing address")
# Where an account goes when a letter has nowhere to go, as services.customers.route says it when a
# point is retired: skip status (the cycle then starts a skip-trace), or an operator's task.
SKIP_STATUS, ADDRESS_TASK = Status.SKIP.value, f"task:{NO_ADDRESS_TASK}"
# A validation notice whose itemization cannot be stated truly (domain.itemization) is not sent
# either: the refusal says why, and an operator's task asks for the creditor's data to be mended.
ITEMIZATION = "itemization"
ITEMIZATION_TASK_NAME = "validation_notice_itemization"
ITEMIZATION_TASK = f"task:{ITEMIZATION_TASK_NAME}"


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
    # a step whose letter sets a deadline waits for the validation period to end: the day it may go
    overshadow_waits_until: date | None = None

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
        limitations=limitations.of_account(account),
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
    channel, decision, fallback = addressed(Channel.LETTER, letter, after, strategy, local_time)
    return ContactPlan(
        **base,
        trigger=trigger,
        channel=channel,
        letter=letter,
        decision=decision,
        fallback=fallback,
        record_on=before.episode_on,
        extra={"payment_amount": paid, "payment_received_on": as_of},
    )


def _ladder(
    before: Account, after: Account, strategy: Strategy, as_of: date, local_time: datetime, base: dict
) -> ContactPlan:
    """The steps of the account's ladder that fall due today, and the one contact they make."""
    _, ladder = strategy.ladder_for(after.account_id)
    # a notice step taken back is recorded afresh under a trigger of the facts it is tried on: its
    # refusal stays on record, and while those facts stand it is not tried (nor refused) again
    taken_back = notice_owed_again(ladder.steps, after, strategy) & frozenset(before.fired)
    fired = frozenset(before.fired) - taken_back
    all_due = steps_due(ladder, fired, after.dpd, after.status)
    due = notice_first(all_due, after, strategy)
    held_back = len(due) < len(all_due)
    due, overshadow_waits = outside_validation_period(due, after, strategy, local_time.date())
    waits = base["waits_until"]
    # on a closed day a step that contacts the customer waits, and a recommendation due beside it
    # waits with it (recommended, the account's letter steps would no longer fall due); a
    # recommendation alone goes: it asks the team, not the customer
    acting = () if waits and any(s.channel is not None for s in due) else due
    upcoming = next_step_dpd(ladder, fired | {s.name for s in due}, after.dpd)
    next_on = as_of + timedelta(days=upcoming - after.dpd) if upcoming else None
    # steps held back behind the validation notice fall due again on the next day a letter may go
    after_notice = _next_contact_day(strategy, after.jurisdiction, as_of) if held_back else None
    wakes = (next_on, waits, after_notice, overshadow_waits)
    base["next_step_on"] = min((d for d in wakes if d), default=None)
    base["overshadow_waits_until"] = overshadow_waits
    base["fired"] = tuple(n for n in before.fired if n in fired) + tuple(s.name for s in acting)
    base["recommends_charge_off"] = any(s.recommend_charge_off for s in acting)
    contacts = [s for s in acting if s.channel is not None]
    if not contacts:
        return ContactPlan(**base)
    step = contacts[-1]  # a catch-up sends the latest step only: one letter per account per run
    acted = {
        "trigger": f"{step.name}@{retry_key(after)}" if step.name in taken_back else step.name,
        "step": step,
        "superseded": tuple(s.name for s in contacts[:-1]),
        "record_on": base["episode_on"],
    }
    if step.channel is Channel.CALL_TASK or step.letter is None:
        decision = check(
            Contact(step.channel, None, local_time), _history(after), PROFILES[strategy.compliance_profile]
        )
        return ContactPlan(**base, **acted, channel=step.channel, decision=decision)
    channel, decision, fallback = addressed(step.channel, step.letter, after, strategy, local_time)
    return ContactPlan(
        **base, **acted, channel=channel, letter=step.letter, decision=decision, fallback=fallback
    )


def notice_first(due: tuple[Step, ...], account: Account, strategy: Strategy) -> tuple[Step, ...]:
    """The steps due today, cut after the validation notice while a debt collector has not sent it.

    Under a third-party profile (Reg F) the notice comes first, or within five days of the first
    communication (§1006.34(a)(1)): a catch-up (an account placed, or looked at again, past several
    steps) that would send a later step and mark the notice superseded sends the notice instead, and
    the steps after it stay unfired, to fall due on the next day a letter may go. A notice step that
    fired without a notice provided (refused, or never addressed) does not hold the ladder back:
    what is due then is judged by the guardrail, which refuses a demand until the notice is sent.
    """
    if not PROFILES[strategy.compliance_profile].third_party or account.validation_notice_on is not None:
        return due
    for number, step in enumerate(due):
        if step.letter is LetterCode.VALIDATION_NOTICE:
            return due[: number + 1]
    return due


def retry_key(account: Account) -> str:
    """What a notice taken back is tried on: where the customer can be reached, the creditor's data
    and the balance its itemization must add up to. A refusal for any of them comes again on the
    same facts; a change to one (an address found, the lender's data corrected) is a new attempt."""
    facts = repr((sorted(account.reach), account.creditor_data, account.balance, account.currency))
    return hashlib.sha256(facts.encode()).hexdigest()[:12]


def outside_validation_period(
    due: tuple[Step, ...], account: Account, strategy: Strategy, day: date
) -> tuple[tuple[Step, ...], date | None]:
    """The steps due today, cut before the first whose letter sets a deadline or threatens while a
    debt collector's validation period runs (Reg F §1006.38(b)), and the day after the period, when
    it falls due again.

    As `notice_first` holds the steps after the notice, the held step and the steps after it stay
    unfired, neither sent nor superseded, so the ladder keeps its order: a charge-off recommendation
    after the final demand waits with it (recommended, the demand would never fall due). The steps
    before it act as on any day. `day` is the customer's local date, never later than the day the
    guardrail judges the letter provided on, so a step let through here is one the guardrail allows.
    """
    profile = PROFILES[strategy.compliance_profile]
    for number, step in enumerate(due):
        resumes = overshadowing_until(step.letter, account.validation_notice_on, profile, day)
        if resumes is not None:
            return due[:number], resumes
    return due, None


def notice_owed_again(steps: tuple[Step, ...], account: Account, strategy: Strategy) -> frozenset[str]:
    """The validation notice step to take back from the fired ones: under a third-party profile,
    a notice step that fired without a notice provided (refused for want of an address, or
    superseded by a catch-up before the notice came first) while the customer can now be written
    to. Left fired, every later demand and call would be refused for want of the notice, forever;
    while the customer still cannot be written to it stays fired, so the refusal is not repeated
    each day (the account comes back when an address does: skip-trace, an operator), and so
    while a hold stops contact (it is looked at again when the hold lifts)."""
    if not PROFILES[strategy.compliance_profile].third_party or account.validation_notice_on is not None:
        return frozenset()
    if any(h not in HOLDS_THAT_ALLOW_CONTACT for h in account.holds):
        return frozenset()
    if reachable(Channel.LETTER, LetterCode.VALIDATION_NOTICE, account.reach)[0] is None:
        return frozenset()
    return frozenset(s.name for s in steps if s.letter is LetterCode.VALIDATION_NOTICE)


def _notice(after: Account, strategy: Strategy, as_of: date, local_time: datetime, base: dict) -> ContactPlan:
    """The oldest letter owed goes today; the rest on the next days the customer may be contacted."""
    notice = after.notices[0]
    letter = notice.code
    # an owed notice answers what just happened: by email where the customer may be emailed it
    channel, decision, fallback = addressed(Channel.EMAIL, letter, after, strategy, local_time)
    return ContactPlan(
        **base,
        trigger=notice.trigger,
        channel=channel,
        letter=letter,
        decision=decision,
        fallback=fallback,
        record_on=notice.on,
        extra=dict(notice.extra),
        notices=tuple(after.notices[1:]),
        notices_on=_next_contact_day(strategy, after.jurisdiction, as_of) if after.notices[1:] else None,
    )


def reachable(
    preferred: Channel, letter: LetterCode, reach: tuple[str, ...]
) -> tuple[Channel | None, str | None]:
    """The channel a letter can go by, given how the customer can be reached, and why it is not the
    one the step prefers; None when there is no way to send it.

    Email only to an address the customer consented to be emailed at (Reach.EMAIL), and for a
    notice the law requires in writing one with consent to such notices electronically
    (Reach.EMAIL_NOTICES); otherwise by post to a usable mailing address. A letter that states the
    customer's mailing address (the validation notice) needs one whichever way it goes.
    """
    postal = Reach.POSTAL in reach
    required = letter in REQUIRED_IN_WRITING
    email = (Reach.EMAIL_NOTICES if required else Reach.EMAIL) in reach
    if letter in NEEDS_MAILING_ADDRESS and not postal:
        return None, None
    if preferred is Channel.EMAIL:
        if email:
            return Channel.EMAIL, None
        consent = "consent to notices by email" if required else "consent"
        return (Channel.LETTER, f"no email address with {consent}: sent by mail") if postal else (None, None)
    if postal:
        return Channel.LETTER, None
    return (Channel.EMAIL, "no usable mailing address: sent by email") if email else (None, None)


def addressed(
    preferred: Channel,
    letter: LetterCode,
    account: Account,
    strategy: Strategy,
    at: datetime,
    reach: tuple[str, ...] | None = None,
) -> tuple[Channel | None, Decision, str | None]:
    """The channel, the guardrail's decision and the reason for a fallback, for a letter to the
    customer as they can be reached (`reach`, default the account's).

    An email the guardrail refuses for the hour or an opt-out goes by post where it can. A letter
    the customer cannot be sent is judged as a letter first (a hold stops it for its own reason);
    if the guardrail would let it through, it is refused for want of an address.
    """
    reach = account.reach if reach is None else reach
    channel, fallback = reachable(preferred, letter, reach)
    if channel is None:
        decision = _decide(Channel.LETTER, letter, account, strategy, at)
        return None, (UNADDRESSED if decision.allowed else decision), None
    decision = _decide(channel, letter, account, strategy, at)
    if not decision.allowed and channel is Channel.EMAIL and decision.rule in ("hours", "opt_out"):
        by_post, _ = reachable(Channel.LETTER, letter, reach)
        if by_post is Channel.LETTER:
            fallback = f"email refused ({decision.rule}): sent by mail"
            channel, decision = Channel.LETTER, _decide(Channel.LETTER, letter, account, strategy, at)
    return channel, decision, fallback


def route_unaddressed(account: Account) -> str | None:
    """Where an account goes when a letter cannot be addressed, by the rule a retired point routes
    by (services.customers.needs_tracing): an active account, no promise or agreement in hand, to
    skip status (the cycle's skip-trace trigger reads it); one in skip status already stays there
    (traced, or unlocatable: its own work); any other to an operator's task, the reason on it."""
    if account.status is Status.SKIP:
        return None
    tracing = account.status is Status.ACTIVE and account.promise is None and account.arrangement is None
    return SKIP_STATUS if tracing else ADDRESS_TASK


def _next_contact_day(strategy: Strategy, jurisdiction: str, as_of: date) -> date:
    if not strategy.business_days_only:
        return as_of + timedelta(days=1)
    return business_days.next_business_day(jurisdiction, as_of)


def _decide(
    channel: Channel, letter: LetterCode, account: Account, strategy: Strategy, at: datetime
) -> Decision:
    return check(Contact(channel, letter, at), _history(account), PROFILES[strategy.compliance_profile])
