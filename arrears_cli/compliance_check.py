"""An independent check of what was actually sent or attempted, against the contact rules.

It reads the letters' and the calls' records in the Activity table and judges each again from the
facts recorded with it. It shares nothing with the guardrail (arrears.domain.compliance) but the profiles'
data, so a bug in one shows up in the other. Rules are as written in docs/compliance.md.

It also holds each credit-line change whose notice the law requires (the ECOA reasons or the FCRA
§615(a) notice) to the 30 days of Reg B §1002.9(a)(1)(iii): a notice sent later is late, one not
sent by then is overdue, as of the day the report is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from arrears.domain import business_days
from arrears.domain.compliance import PROFILES
from arrears.domain.limitations import load_limitations
from arrears.store.models import ActivityModel

DELIVERED = ("sent", "printed", "sending")
ELECTRONIC = ("email", "sms")
# What each hold lets through, written from docs/compliance.md (not imported from the guardrail).
LETTERS_A_HOLD_ALLOWS = {
    "dispute": {"dispute_acknowledgement", "payment_received", "credit_line_change", "corrected_statement"},
    "cease_communication": {"charge_off_notice", "credit_line_change"},
    "bankruptcy": {"credit_line_change"},
    "deceased": {"credit_line_change"},
    "legal": {"credit_line_change"},
    "fraud": {"dispute_acknowledgement", "credit_line_change", "corrected_statement"},
}
NOT_A_DEMAND = {
    "payment_received",
    "dispute_acknowledgement",
    "promise_confirmation",
    "arrangement_confirmation",
    "validation_notice",
    "credit_line_change",
    "corrected_statement",
}
# Letters whose wording threatens or implies suit, written from docs/compliance.md (not imported from
# the letter catalogue): none goes once the debt is time-barred (Reg F §1006.26(b)).
THREATEN_SUIT = {"final_demand"}
# Letters that set a deadline or threaten, written from docs/compliance.md (not imported from the
# letter catalogue): none goes during a debt collector's validation period (Reg F §1006.38(b)).
DEADLINE_OR_THREAT = {"final_demand"}


@dataclass(frozen=True)
class Violation:
    account_id: str
    rule: str
    letter: str
    occurred_on: str
    detail: str


def letter_records() -> list[ActivityModel]:
    return [r for r in ActivityModel.scan(ActivityModel.kind == "letter") if r.status in DELIVERED]


def _hours(record: ActivityModel) -> str | None:
    detail = record.detail
    if detail.get("channel") not in ELECTRONIC:
        return None
    profile = PROFILES[detail["profile"]]
    if (
        profile.hours_waived_after_dpd is not None
        and int(detail.get("dpd", 0)) > profile.hours_waived_after_dpd
    ):
        return None
    local = datetime.fromisoformat(detail["local_time"]).time().replace(tzinfo=None)
    if profile.contact_start <= local < profile.contact_end:
        return None
    return f"{detail['channel']} at {local:%H:%M} local ({detail['time_zone']})"


def _holds(record: ActivityModel) -> str | None:
    code = record.detail.get("code")
    for hold in record.detail.get("holds", []):
        if hold in LETTERS_A_HOLD_ALLOWS and code not in LETTERS_A_HOLD_ALLOWS[hold]:
            return f"{code} sent while on a {hold} hold"
    return None


def opt_out_records() -> list[ActivityModel]:
    return list(ActivityModel.scan(ActivityModel.kind == "opt_out"))


def opted_out_at(opt_outs: Sequence[ActivityModel]) -> dict[tuple[str, str], datetime]:
    """(account, channel): the moment the customer first opted out of it, as the opt-out recorded."""
    first: dict[tuple[str, str], datetime] = {}
    for record in opt_outs:
        at = datetime.fromisoformat(record.detail["at"])
        key = (record.pk, record.detail.get("channel", ""))
        first[key] = min(at, first.get(key, at))
    return first


def _opt_out(record: ActivityModel, opted: dict[tuple[str, str], datetime]) -> str | None:
    """A channel used after the customer opted out of it: by the opt-outs the account knew when the
    letter was planned, or by the time of an opt-out recorded before the letter went."""
    channel = record.detail.get("channel")
    if channel in record.detail.get("opted_out", []):
        return f"{channel} used after the customer opted out"
    at = opted.get((record.pk, channel or ""))
    went = record.detail.get("local_time")
    if at is not None and went and datetime.fromisoformat(went) >= at:
        return f"{channel} used at {went} after the customer opted out at {at.isoformat()}"
    return None


def _email_opt_out(record: ActivityModel) -> str | None:
    """Reg F §1006.6(e): each email of a profile that offers the opt-out says how to opt out (the
    letter's record says whether it carried the link)."""
    detail = record.detail
    profile = PROFILES.get(detail.get("profile", ""))
    if detail.get("channel") != "email" or profile is None or not profile.email_opt_out:
        return None
    if detail.get("opt_out_offered") is True:
        return None
    return "an email without the statement and link to opt out of further emails"


def _day_sent(record: ActivityModel) -> date:
    """The day the letter was provided (its record's `sent_on`), else the cycle day that recorded it."""
    return date.fromisoformat(record.detail.get("sent_on") or record.occurred_on)


def _time_barred_threat(record: ActivityModel) -> str | None:
    detail = record.detail
    code = detail.get("code")
    if code not in THREATEN_SUIT or not PROFILES[detail["profile"]].third_party:
        return None
    if detail.get("limitations_unknown"):
        return f"{code} sent while the limitation period was not known ({detail['limitations_unknown']})"
    barred = detail.get("time_barred_on")
    if barred and _day_sent(record) >= date.fromisoformat(barred):
        return f"{code} sent on {_day_sent(record).isoformat()}, the debt time-barred since {barred}"
    return None


def _time_barred_disclosure(record: ActivityModel) -> str | None:
    """A letter to a time-barred debt in a state that requires the disclosure, without it; the
    states are the limitations file's (data, as the profiles are), the judgement this module's."""
    detail = record.detail
    state, barred = detail.get("state"), detail.get("time_barred_on")
    if not (state and barred) or state not in load_limitations().disclosures:
        return None
    if _day_sent(record) < date.fromisoformat(barred) or detail.get("time_barred_disclosure") == state:
        return None
    return (
        f"{detail.get('code')} to a debt time-barred in {state} since {barred} without the {state} disclosure"
    )


def check(records: list[ActivityModel], opt_outs: Sequence[ActivityModel] = ()) -> list[Violation]:
    """`opt_outs`: the customers' opt-out records, whose moments later letters are judged against."""
    found: list[Violation] = []
    opted = opted_out_at(opt_outs)

    def add(record: ActivityModel, rule: str, why: str) -> None:
        found.append(Violation(record.pk, rule, record.detail.get("code") or "", record.occurred_on, why))

    per_day: dict[tuple[str, str], list[ActivityModel]] = defaultdict(list)
    per_account: dict[str, list[ActivityModel]] = defaultdict(list)
    for record in records:
        judges = (
            ("contact_hours", _hours),
            ("hold", _holds),
            ("opt_out", lambda r: _opt_out(r, opted)),
            ("email_opt_out_missing", _email_opt_out),
            ("time_barred_threat", _time_barred_threat),
            ("time_barred_disclosure", _time_barred_disclosure),
        )
        for rule, judge in judges:
            why = judge(record)
            if why:
                add(record, rule, why)
        per_day[(record.pk, record.occurred_on)].append(record)
        per_account[record.pk].append(record)
    for (_, day), sent in per_day.items():
        if len(sent) > 1:
            add(sent[1], "one_letter_per_day", f"{len(sent)} letters on {day}")
    for sent in per_account.values():
        first = min(sent, key=lambda r: (r.occurred_on, r.sk))
        third_party = PROFILES[first.detail["profile"]].third_party
        if third_party and first.detail.get("code") not in NOT_A_DEMAND:
            add(
                first,
                "validation_notice_first",
                "a debt collector's first letter was not the validation notice",
            )
    return sorted(found, key=lambda v: (v.occurred_on, v.account_id, v.rule))


# Reg B §1002.9(a)(1)(iii): notice within 30 days after taking adverse action on an existing account;
# it is given when mailed or delivered (§1002.2(w)), which a letter's record dates.
ADVERSE_ACTION_NOTICE_DAYS = 30


def limit_change_records() -> list[ActivityModel]:
    return list(ActivityModel.scan(ActivityModel.kind == "limit_change"))


def _notice_letter_sk(change: ActivityModel) -> str:
    """The sort key of the letter that carries the change's notice: `<day>#letter#<trigger>`, the
    day being the notice's own (after its `@`)."""
    trigger = change.detail.get("notice_trigger") or f"credit-review@{change.occurred_on}"
    return f"{trigger.rsplit('@', 1)[1]}#letter#{trigger}"


def check_adverse_action_notices(
    changes: list[ActivityModel], letters: list[ActivityModel], today: date
) -> list[Violation]:
    """Each change that owes a notice by law, against the letter that carried it (`letters`: the
    ones sent). Late: sent after the 30 days; overdue: not sent, and the 30 days are over."""
    sent = {(letter.pk, letter.sk): letter for letter in letters}
    found = []
    for change in changes:
        detail = change.detail
        if not (detail.get("ecoa_statement") or detail.get("fcra_disclosure")):
            continue  # not adverse action (an increase, or this account's delinquency): no deadline
        decided = date.fromisoformat(detail.get("decided_on") or change.occurred_on)
        due = decided + timedelta(days=ADVERSE_ACTION_NOTICE_DAYS)
        what = f"the notice of the {detail.get('action', 'change')} of {decided.isoformat()}"
        letter = sent.get((change.pk, _notice_letter_sk(change)))
        sent_on = date.fromisoformat(letter.occurred_on) if letter is not None else None
        if sent_on is not None and sent_on > due:
            rule = "adverse_action_notice_late"
            why = f"{what} was sent on {sent_on.isoformat()}, {(sent_on - decided).days} days after"
        elif sent_on is None and today > due:
            rule = "adverse_action_notice_overdue"
            why = f"{what} is not sent {(today - decided).days} days after"
        else:
            continue
        why += f"; it was due by {due.isoformat()}"
        found.append(Violation(change.pk, rule, "credit_line_change", decided.isoformat(), why))
    return found


# Call outcomes, as docs/compliance.md lists them: every dial is an attempt; these are conversations.
SPOKE_WITH_THE_CUSTOMER = {"promise", "refused", "dispute", "paid", "deceased", "bankrupt"}


def call_records() -> list[ActivityModel]:
    return list(ActivityModel.scan(ActivityModel.kind == "disposition"))


def _call_problems(call: ActivityModel, earlier: list[ActivityModel]) -> list[tuple[str, str]]:
    detail = call.detail
    profile = PROFILES[detail["profile"]]
    at = datetime.fromisoformat(detail["at"])
    found = []
    local = datetime.fromisoformat(detail["local_time"]).time().replace(tzinfo=None)
    waived = (
        profile.hours_waived_after_dpd is not None
        and int(detail.get("dpd", 0)) > profile.hours_waived_after_dpd
    )
    if not waived and not profile.contact_start <= local < profile.contact_end:
        found.append(("call_hours", f"call at {local:%H:%M} local ({detail['time_zone']})"))
    stopping = [h for h in detail.get("holds", []) if h in LETTERS_A_HOLD_ALLOWS]  # SCRA caps interest only
    if stopping:
        found.append(("call_on_hold", f"call while on a {', '.join(stopping)} hold"))
    before = [datetime.fromisoformat(e.detail["at"]) for e in earlier]
    if profile.call_cap is not None:
        window = [t for t in before if at - timedelta(days=profile.call_cap_days) < t < at]
        if len(window) >= profile.call_cap:
            found.append(("call_frequency", f"{len(window) + 1} calls in {profile.call_cap_days} days"))
    if profile.quiet_days_after_conversation:
        quiet = timedelta(days=profile.quiet_days_after_conversation)
        spoken = [
            datetime.fromisoformat(e.detail["at"])
            for e in earlier
            if e.detail.get("outcome") in SPOKE_WITH_THE_CUSTOMER
        ]
        if any(at - quiet < t < at for t in spoken):
            found.append(("call_after_conversation", "a call within 7 days of a conversation"))
    return found


def check_calls(records: list[ActivityModel]) -> list[Violation]:
    """Calls judged again from the facts recorded with each; a record without them (logged before
    calls were recorded with their facts) cannot be judged and is left out."""
    by_account: dict[str, list[ActivityModel]] = defaultdict(list)
    for record in records:
        if record.detail.get("profile") in PROFILES and record.detail.get("local_time"):
            by_account[record.pk].append(record)
    found = []
    for account_id, logged in by_account.items():
        logged.sort(key=lambda r: datetime.fromisoformat(r.detail["at"]))
        for number, call in enumerate(logged):
            for rule, why in _call_problems(call, logged[:number]):
                found.append(Violation(account_id, rule, "call", call.occurred_on, why))
    return found


# §1006.34(a)(1)(i)(B): a debt collector's validation notice within five days (excluding legal public
# holidays, Saturdays and Sundays) after the initial communication, if not in it.
NOTICE_WITHIN_BUSINESS_DAYS = 5


def check_validation_notices(
    letters: list[ActivityModel], calls: list[ActivityModel], today: date
) -> list[Violation]:
    """Each communication of a debt collector's account (a letter sent, a call in which we spoke with
    the customer) without a timely validation notice: one provided on or before the initial
    communication or within five business days after it. Without one, every communication before
    the notice (all of them, once the five days are over and none was sent) is flagged."""
    notices: dict[str, date] = {}
    said: dict[str, list[tuple[date, str, str]]] = defaultdict(list)  # day, what, profile
    for letter in letters:
        profile = letter.detail.get("profile")
        if profile not in PROFILES or not PROFILES[profile].third_party:
            continue
        day = date.fromisoformat(letter.occurred_on)
        code = letter.detail.get("code") or ""
        if code == "validation_notice":
            notices[letter.pk] = min(day, notices.get(letter.pk, day))
        said[letter.pk].append((day, code, profile))
    for call in calls:
        profile = call.detail.get("profile")
        if profile not in PROFILES or not PROFILES[profile].third_party:
            continue
        if call.detail.get("outcome") in SPOKE_WITH_THE_CUSTOMER:
            said[call.pk].append((date.fromisoformat(call.occurred_on), "call", profile))
    found = []
    for account_id, communications in said.items():
        communications.sort()
        first, _, profile = communications[0]
        deadline = business_days.business_days_after(
            PROFILES[profile].jurisdiction, first, NOTICE_WITHIN_BUSINESS_DAYS
        )
        notice = notices.get(account_id)
        if (notice is not None and notice <= deadline) or (notice is None and today <= deadline):
            continue  # timely, or the five days are not over yet
        for day, what, _ in communications:
            if what == "validation_notice" or (notice is not None and day >= notice):
                continue
            state = f"provided on {notice.isoformat()}" if notice else "not provided"
            why = (
                f"{what} on {day.isoformat()} without a timely validation notice ({state}; due by "
                f"{deadline.isoformat()}, five business days after the first communication)"
            )
            found.append(Violation(account_id, "validation_notice_timely", what, day.isoformat(), why))
    return found


def _validation_period_last_day(notice_provided: date, profile: str) -> date:
    """§1006.34(b)(5), counted here from the profile's data: receipt assumed the profile's number of
    business days (no Saturday, Sunday or legal public holiday) after the notice was provided, the
    period ending the profile's number of days after receipt."""
    rules = PROFILES[profile]
    received = business_days.business_days_after(
        rules.jurisdiction, notice_provided, rules.receipt_business_days
    )
    return received + timedelta(days=rules.validation_period_days)


def check_validation_overshadowing(letters: list[ActivityModel]) -> list[Violation]:
    """§1006.38(b): a debt collector's letter that sets a deadline or threatens, provided (its record's
    `sent_on`) on or before the last day of the validation period of the account's first notice
    provided; an account without a notice is `validation_notice_timely`'s to judge."""
    notices: dict[str, date] = {}
    for letter in letters:
        if _third_party_notice(letter):
            day = _day_sent(letter)
            notices[letter.pk] = min(day, notices.get(letter.pk, day))
    found = []
    for letter in letters:
        detail = letter.detail
        profile, code = detail.get("profile"), detail.get("code")
        notice = notices.get(letter.pk)
        if code not in DEADLINE_OR_THREAT or notice is None or not _third_party(profile):
            continue
        last_day, day = _validation_period_last_day(notice, profile), _day_sent(letter)
        if day > last_day:
            continue
        why = (
            f"{code} provided on {day.isoformat()}, inside the validation period of the notice provided "
            f"on {notice.isoformat()} (it ends {last_day.isoformat()})"
        )
        found.append(Violation(letter.pk, "validation_overshadowed", code, letter.occurred_on, why))
    return found


def _third_party(profile: str | None) -> bool:
    return profile in PROFILES and PROFILES[profile].third_party


def _third_party_notice(letter: ActivityModel) -> bool:
    return _third_party(letter.detail.get("profile")) and letter.detail.get("code") == "validation_notice"


def _english(locale: str | None) -> bool:
    return (locale or "").lower().startswith("en")


def check_validation_notice_english(letters: list[ActivityModel]) -> list[Violation]:
    """§1006.34(e): a debt collector's validation notice in another language only with the English
    one in the same communication (a companion of the letter's record) or provided on an earlier day."""
    english_on: dict[str, date] = {}
    for letter in letters:
        if _third_party_notice(letter) and _english(letter.detail.get("locale")):
            day = date.fromisoformat(letter.occurred_on)
            english_on[letter.pk] = min(day, english_on.get(letter.pk, day))
    found = []
    for letter in letters:
        locale = letter.detail.get("locale")
        if not _third_party_notice(letter) or _english(locale):
            continue
        if any(_english(c) for c in letter.detail.get("companions") or ()):
            continue  # the English notice went in the same mailing
        earlier = english_on.get(letter.pk)
        if earlier is not None and earlier < date.fromisoformat(letter.occurred_on):
            continue
        why = f"validation notice in {locale} without the English notice in the same mailing or earlier"
        found.append(
            Violation(letter.pk, "validation_notice_english", "validation_notice", letter.occurred_on, why)
        )
    return found


def report(today: date | None = None) -> list[dict]:
    """Every violation found; `today` (default: the date now) is the day overdue notices are counted to."""
    letters, calls = letter_records(), call_records()
    today = today or date.today()
    found = (
        check(letters, opt_out_records())
        + check_calls(calls)
        + check_adverse_action_notices(limit_change_records(), letters, today)
        + check_validation_notices(letters, calls, today)
        + check_validation_notice_english(letters)
        + check_validation_overshadowing(letters)
    )
    return [asdict(v) for v in sorted(found, key=lambda v: (v.occurred_on, v.account_id, v.rule))]
