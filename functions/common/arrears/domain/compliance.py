"""Compliance profiles and the one guardrail every contact passes through.

The guardrail is pure: given the profile, what is known about the account's contacts and holds,
and the contact being attempted (with its local time), it says allow or deny and why. Every
decision is recorded with the contact, so "why was this letter not sent?" has an answer.
Rules and their sources: docs/compliance.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from arrears.domain import business_days
from arrears.domain.letters import SETS_DEADLINE_OR_THREATENS, THREATENS_SUIT, LetterCode
from arrears.domain.limitations import NOT_APPLICABLE, Limitations


class Channel(StrEnum):
    LETTER = "letter"  # printed and mailed
    EMAIL = "email"
    SMS = "sms"
    CALL_TASK = "call_task"  # a call a collector makes


class Hold(StrEnum):
    DISPUTE = "dispute"
    CEASE_COMMUNICATION = "cease_communication"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    SCRA = "scra"
    LEGAL = "legal"
    FRAUD = "fraud"


# A change to the credit line is told to the customer under any hold: it asks for no money, and
# when it is adverse action the notice is owed by law (ECOA §1002.9, FCRA §615(a)).
OWED_UNDER_ANY_HOLD = frozenset({LetterCode.CREDIT_LINE_CHANGE})

# A corrected statement tells what an adjustment changed and asks for nothing. Under a dispute or a
# fraud investigation it is what the customer is owed: a billing error found is corrected and the
# customer told of it (Reg Z §1026.13(e)). Under bankruptcy, cease-communication, deceased and legal
# holds it is stopped whichever way the balance moved: it states a balance to someone the law
# shields from contact about the debt (the automatic stay; §1006.6(c)(2) lists no statements; the
# estate or the attorney is reached by other means), and the system of record's own periodic
# statement, not a collection letter, is where an informational balance goes then. The refusal is
# recorded with the letter, as every guardrail decision is.
CORRECTION_ALLOWED = frozenset({LetterCode.CORRECTED_STATEMENT})

# What each hold still lets through. Anything not listed is stopped.
HOLD_ALLOWS: dict[Hold, frozenset[LetterCode]] = {
    # collection of a disputed debt pauses until verification is sent (Reg F §1006.38; FCBA for cards)
    Hold.DISPUTE: frozenset({LetterCode.DISPUTE_ACKNOWLEDGEMENT, LetterCode.PAYMENT_RECEIVED})
    | CORRECTION_ALLOWED
    | OWED_UNDER_ANY_HOLD,
    # after a written cease request only the notices §1006.6(c)(2) allows: that efforts end, or that
    # a remedy may be or will be invoked. A charge-off notice is none of them (it tells of an entry
    # in the creditor's books and that the balance is still owed), so it does not go.
    Hold.CEASE_COMMUNICATION: OWED_UNDER_ANY_HOLD,
    # the automatic stay stops every act to collect (11 U.S.C. §362)
    Hold.BANKRUPTCY: OWED_UNDER_ANY_HOLD,
    Hold.DECEASED: OWED_UNDER_ANY_HOLD,
    # SCRA caps interest (50 U.S.C. §3937); it does not stop contact, only what may be charged
    Hold.SCRA: frozenset(LetterCode),
    # represented by an attorney: no direct contact (Reg F §1006.6(b)(2))
    Hold.LEGAL: OWED_UNDER_ANY_HOLD,
    # under fraud investigation: nothing is collected until it is resolved
    Hold.FRAUD: frozenset({LetterCode.DISPUTE_ACKNOWLEDGEMENT}) | CORRECTION_ALLOWED | OWED_UNDER_ANY_HOLD,
}

# Holds that limit what may be charged, not who may be contacted: a call under them is allowed.
HOLDS_THAT_ALLOW_CONTACT = frozenset({Hold.SCRA})

# Letters that tell the customer something rather than ask for money.
INFORMATIONAL = frozenset(
    {
        LetterCode.PAYMENT_RECEIVED,
        LetterCode.DISPUTE_ACKNOWLEDGEMENT,
        LetterCode.PROMISE_CONFIRMATION,
        LetterCode.ARRANGEMENT_CONFIRMATION,
        LetterCode.VALIDATION_NOTICE,
        LetterCode.CREDIT_LINE_CHANGE,
        LetterCode.CORRECTED_STATEMENT,
    }
)


@dataclass(frozen=True)
class Profile:
    name: str
    jurisdiction: str
    contact_start: time  # local time in the customer's zone
    contact_end: time
    third_party: bool = False  # a debt collector under Reg F: validation notice, mini-Miranda
    call_cap: int | None = None  # attempts per debt ...
    call_cap_days: int = 7  # ... in this many consecutive days
    quiet_days_after_conversation: int = 0
    hours_waived_after_dpd: int | None = None  # PH: contact hours bind up to 60 DPD (BSP Circular 454)
    validation_period_days: int = 30
    receipt_business_days: int = 5
    # Each email says how to opt out of further emails to that address, by one link, and the opt-out
    # is honoured at once (Reg F §1006.6(e); US first parties follow it as policy, as its other limits)
    email_opt_out: bool = False


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        # first-party creditors in the US follow Reg F's limits as policy
        Profile(
            "us_first_party",
            "US",
            time(8),
            time(21),
            call_cap=7,
            quiet_days_after_conversation=7,
            email_opt_out=True,
        ),
        Profile(
            "us_reg_f",
            "US",
            time(8),
            time(21),
            third_party=True,
            call_cap=7,
            quiet_days_after_conversation=7,
            email_opt_out=True,
        ),
        # CONDUSEF's rules on collection (financial entities and despachos)
        Profile("mx_condusef", "MX", time(7), time(22)),
        # Collection conduct in the Philippines: BSP Circular No. 454 (2004) for credit cards (no
        # contact before 6:00 or after 22:00 unless more than 60 days past due), SEC Memorandum
        # Circular No. 18, s. 2019 for lending and financing companies (the same hours, lifted after
        # 15 days past due): the profile keeps the stricter 60 for both. BSP Circular No. 1133
        # (2021) caps card interest and fees; it is not a conduct rule.
        Profile("ph_bsp", "PH", time(6), time(22), hours_waived_after_dpd=60),
    )
}


@dataclass(frozen=True)
class ContactHistory:
    """What the guardrail needs to know about the account, from its timeline."""

    holds: frozenset[Hold] = frozenset()
    opted_out: frozenset[Channel] = frozenset()
    call_attempts: tuple[datetime, ...] = ()
    last_conversation: datetime | None = None
    validation_notice_sent_on: date | None = None
    dispute_received_on: date | None = None
    dpd: int = 0
    limitations: Limitations = NOT_APPLICABLE  # the statute of limitations on the debt


@dataclass(frozen=True)
class Contact:
    channel: Channel
    letter: LetterCode | None
    local_time: datetime  # aware, in the customer's time zone


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    reason: str = field(default="")

    @classmethod
    def allow(cls) -> Decision:
        return cls(True, "allowed", "every rule passed")


# §1006.34(a)(1)(i)(B): the validation notice within five days after the initial communication
NOTICE_WITHIN_BUSINESS_DAYS = 5


def validation_period_end(provided: date, profile: Profile) -> date:
    """The last day of a debt collector's validation period (Reg F §1006.34(b)(5)).

    `provided` is the day the notice was provided: the day an email is sent, the day a postal
    letter's print batch is handed to the vendor (`provided_on` below), never the day it was queued.
    Receipt is assumed `receipt_business_days` after it, counting neither Saturdays, Sundays nor the
    legal public holidays of the profile's calendar (US federal: the `holidays` library's, observed
    days included, which only moves the end later, as "at least five days" allows); the period
    ends `validation_period_days` after receipt.
    """
    days = profile.receipt_business_days
    received = business_days.business_days_after(profile.jurisdiction, provided, days)
    return received + timedelta(days=profile.validation_period_days)


def overshadowing_until(
    letter: LetterCode | None, notice_provided_on: date | None, profile: Profile, day: date
) -> date | None:
    """The day after the validation period, when a debt collector's letter that sets a deadline or
    threatens (`SETS_DEADLINE_OR_THREATENS`) would be provided on `day` within it, to overshadow the
    rights the notice discloses (Reg F §1006.38(b)); None when it may go: another letter, another
    profile, no notice provided yet (`_validation` judges that), or the period over.

    The period runs from the notice to `validation_period_end`, the last day included."""
    if not profile.third_party or letter not in SETS_DEADLINE_OR_THREATENS or notice_provided_on is None:
        return None
    end = validation_period_end(notice_provided_on, profile)
    return end + timedelta(days=1) if day <= end else None


def provided_on(channel: Channel, queued_on: date, sent_at: datetime, jurisdiction: str) -> date:
    """The day a letter is provided to the customer, from which its own dates count.

    `queued_on` is the cycle day that queued it, `sent_at` the moment its cycle ran (a day caught up
    on later runs after its date): an email is provided the day it is sent, never before the day it
    was queued; a postal letter the day its print batch goes to the print-and-mail vendor, which
    the day's close writes as the run ends, and which the vendor takes on a business day of the
    jurisdiction's calendar.
    """
    sent = max(queued_on, sent_at.date())
    if channel is Channel.EMAIL:
        return sent
    return business_days.on_or_after(jurisdiction, sent)


def check(contact: Contact, history: ContactHistory, profile: Profile) -> Decision:
    # a letter barred for good (`_time_barred`) is refused for that, not for a wait that would end
    for rule in (_holds, _opt_out, _hours, _calls, _validation, _time_barred, _validation_period):
        decision = rule(contact, history, profile)
        if decision is not None:
            return decision
    return Decision.allow()


def _time_barred(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    """Reg F §1006.26(b): no letter that threatens suit on a time-barred debt, nor on one that may
    be (its limitation period unknown). Judged on the day the letter is provided: a postal letter
    queued on a Friday before the bar date is provided on the Monday after it."""
    if not profile.third_party or contact.letter not in THREATENS_SUIT:
        return None
    day = provided_on(contact.channel, contact.local_time.date(), contact.local_time, profile.jurisdiction)
    why = history.limitations.no_suit_threat(day)
    return Decision(False, "time_barred", why) if why else None


def _validation_period(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    """Reg F §1006.38(b): no letter that sets a deadline or threatens while the validation period
    runs. Judged on the day the letter is provided, as `_time_barred` is: a postal letter queued on
    the period's last day, a Friday, is provided on the Monday after it and may go."""
    day = provided_on(contact.channel, contact.local_time.date(), contact.local_time, profile.jurisdiction)
    resumes = overshadowing_until(contact.letter, history.validation_notice_sent_on, profile, day)
    if resumes is None:
        return None
    end = resumes - timedelta(days=1)
    why = (
        f"the validation period runs until {end.isoformat()}: a letter with a deadline or a threat "
        f"before then would overshadow the right to dispute the debt; it may go from {resumes.isoformat()}"
    )
    return Decision(False, "validation_period", why)


def _holds(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    for hold in sorted(history.holds):
        if hold in HOLDS_THAT_ALLOW_CONTACT:
            continue
        if contact.letter is None or contact.letter not in HOLD_ALLOWS[hold]:
            return Decision(False, f"hold:{hold}", f"the account is on a {hold} hold")
    return None


def _opt_out(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    if contact.channel in history.opted_out:
        return Decision(False, "opt_out", f"the customer opted out of {contact.channel}")
    return None


def check_dial(history: ContactHistory, profile: Profile, local_time: datetime) -> Decision:
    """A collector about to dial now: the call task's rules, and the contact hours as well."""
    contact = Contact(Channel.CALL_TASK, None, local_time)
    for rule in (_holds, _opt_out, _hours_now, _calls, _validation):
        decision = rule(contact, history, profile)
        if decision is not None:
            return decision
    return Decision.allow()


def _hours(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    if contact.channel in (Channel.LETTER, Channel.CALL_TASK):
        # mail arrives by post; a call task is judged again, hours and all, when a collector dials
        return None
    return _hours_now(contact, history, profile)


def _hours_now(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    if profile.hours_waived_after_dpd is not None and history.dpd > profile.hours_waived_after_dpd:
        return None
    local = contact.local_time.timetz().replace(tzinfo=None)
    if not (profile.contact_start <= local < profile.contact_end):
        window = f"{profile.contact_start:%H:%M}-{profile.contact_end:%H:%M}"
        return Decision(False, "hours", f"{local:%H:%M} local is outside {window}")
    return None


def _calls(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    if contact.channel is not Channel.CALL_TASK:
        return None
    # in UTC: a week is 7 x 24 hours, also across a change to or from daylight saving time
    now = contact.local_time.astimezone(UTC)
    quiet = timedelta(days=profile.quiet_days_after_conversation)
    if history.last_conversation and quiet and now - history.last_conversation < quiet:
        return Decision(
            False, "call_after_conversation", "a telephone conversation took place in the last 7 days"
        )
    if profile.call_cap is not None:
        window_start = now - timedelta(days=profile.call_cap_days)
        recent = [t for t in history.call_attempts if window_start < t <= now]
        if len(recent) >= profile.call_cap:
            return Decision(
                False, "call_frequency", f"{len(recent)} call attempts in {profile.call_cap_days} days"
            )
    return None


def _validation(contact: Contact, history: ContactHistory, profile: Profile) -> Decision | None:
    if not profile.third_party or contact.letter in INFORMATIONAL:
        return None
    sent_on = history.validation_notice_sent_on
    # §1006.34(a)(1)(i): the notice in the initial communication or within five days (excluding
    # legal public holidays, Saturdays and Sundays) after it. Until it is provided nothing that asks
    # for money goes, a call included; one provided on or before today allows it, and so does one
    # already on its way (its day of provision set) that is provided within those five days.
    window = business_days.business_days_after(
        profile.jurisdiction, contact.local_time.date(), NOTICE_WITHIN_BUSINESS_DAYS
    )
    if sent_on is None or sent_on > window:
        return Decision(
            False, "validation_notice_first", "a debt collector sends the validation notice first"
        )
    period_end = validation_period_end(sent_on, profile)
    if history.dispute_received_on and history.dispute_received_on <= period_end:
        return Decision(False, "validation_dispute", "a timely dispute pauses collection until verification")
    return None
