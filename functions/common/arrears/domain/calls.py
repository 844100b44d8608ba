"""Calls under the guardrail: whether a collector may dial now, and whether a call made broke a rule.

The same rules judge a call before it is made (`arrears accounts dial`) and after (a disposition
that broke one is recorded as it happened, and flagged). A call is judged on the calls before it:
the 7-in-7 cap counts earlier attempts, the quiet period runs from an earlier conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from arrears.domain import limitations
from arrears.domain.account import Account
from arrears.domain.compliance import Channel, ContactHistory, Decision, Hold, Profile, check_dial

# Outcomes of a dial: each is an attempt that counts towards the cap (Reg F §1006.14(b)(2)(i)(A)).
ATTEMPTS = frozenset(
    {
        "promise",
        "refused",
        "wrong_number",
        "no_answer",
        "left_message",
        "dispute",
        "paid",
        "deceased",
        "bankrupt",
    }
)
# Outcomes that mean we spoke with the customer: the quiet period (§1006.14(b)(2)(i)(B)) runs from them.
CONVERSATIONS = frozenset({"promise", "refused", "dispute", "paid", "deceased", "bankrupt"})


@dataclass(frozen=True, order=True)
class Call:
    at: datetime  # aware
    outcome: str


def history(account: Account, calls: Iterable[Call], before: datetime, dpd: int) -> ContactHistory:
    """What the rules know of the account's calls when a call is about to be made at `before`."""
    earlier = sorted(c for c in calls if c.at < before)
    spoken = [c.at for c in earlier if c.outcome in CONVERSATIONS]
    return ContactHistory(
        holds=frozenset(Hold(h) for h in account.holds),
        opted_out=frozenset(Channel(c) for c in account.opted_out),
        call_attempts=tuple(c.at for c in earlier if c.outcome in ATTEMPTS),
        last_conversation=spoken[-1] if spoken else None,
        validation_notice_sent_on=account.validation_notice_on,
        dpd=dpd,
        limitations=limitations.of_account(account),
    )


def judge(account: Account, calls: Iterable[Call], profile: Profile, at: datetime, dpd: int) -> Decision:
    """May a collector call this account at `at`? Hours in the customer's time zone, holds,
    opt-outs, the cap and the quiet period, on the calls made before it."""
    local = at.astimezone(ZoneInfo(account.time_zone))
    return check_dial(history(account, calls, at, dpd), profile, local)


def suit_warning(account: Account, on: date) -> str | None:
    """What the collector is told before a call on a debt that is, or may be, time-barred: a call is
    allowed, a threat of suit in it is not (Reg F §1006.26(b)); None when nothing stands in the way."""
    return limitations.of_account(account).no_suit_threat(on)
