"""Charge-off as a decision: the strategy recommends it, an operator whose level allows confirms or
declines it. Plain Python.

A charge-off is the lender's accounting entry (the debt is recorded as a loss); it does not reduce
what the customer owes, and nothing tells the customer of it before it is confirmed. FFIEC's
Uniform Retail Credit Classification and Account Management Policy (65 FR 36903) says when it is
due: by the end of the month in which a closed-end account reaches 120 days past due, an open-end
one 180; a decline must name one of the policy's exceptions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from arrears.domain.account import Account, ProductType
from arrears.domain.census import group_of
from arrears.domain.errors import InvalidInput
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import Status, days_past_due

FFIEC_CHARGE_OFF_DPD = {ProductType.CLOSED_END: 120, ProductType.OPEN_END: 180}
# An undecided recommendation this close to its deadline is shown to those who may decide.
DUE_SOON_DAYS = 10


class DeclineReason(StrEnum):
    """The exceptions under which the policy lets an account stay on the books past the deadline."""

    REPAYMENT_LIKELY = "repayment_likely"  # well secured, or repayment clearly demonstrated
    WORKOUT = "workout"  # re-aged into a workout programme within the policy's limits
    BANKRUPTCY = "bankruptcy"  # charged off within 60 days of the bankruptcy notice instead
    FRAUD = "fraud"  # charged off within 90 days of the fraud's discovery instead
    DECEASED = "deceased"  # charged off when the loss is determined from the estate instead


class Decision(StrEnum):
    CONFIRM = "confirm"
    DECLINE = "decline"


@dataclass(frozen=True)
class Recommendation:
    account_id: str
    deadline: date  # the end of the month in which the account reaches the policy's days past due
    days_left: int  # from the day asked; negative once the deadline has passed

    @property
    def due_soon(self) -> bool:
        return self.days_left <= DUE_SOON_DAYS


def deadline(product_type: ProductType, oldest_unpaid_on: date) -> date:
    reached = oldest_unpaid_on + timedelta(days=FFIEC_CHARGE_OFF_DPD[product_type])
    return reached.replace(day=calendar.monthrange(reached.year, reached.month)[1])


def recommendation(account: Account, today: date) -> Recommendation | None:
    """The account's undecided recommendation with its deadline, or None when there is none."""
    if account.status is not Status.CHARGE_OFF_RECOMMENDED or account.oldest_unpaid_on is None:
        return None
    due = deadline(account.product_type, account.oldest_unpaid_on)
    return Recommendation(account.account_id, due, (due - today).days)


def decide(
    account: Account, decision: Decision, reason: DeclineReason | None, today: date
) -> tuple[Account, dict[str, object]]:
    """The account after the decision, and the facts of it for the timeline.

    Confirmed: charged off, the balance still owed, and the notice owed to the customer queued.
    Declined: back on the ladder, with the exception it was declined under.
    """
    if account.status is not Status.CHARGE_OFF_RECOMMENDED:
        raise InvalidInput(
            f"account {account.account_id} is {account.status}: only a recommended charge-off is decided"
        )
    if (decision is Decision.DECLINE) != (reason is not None):
        raise InvalidInput("a decline names its exception, and only a decline does")
    dpd = days_past_due(account.oldest_unpaid_on, today)  # on the day decided, not at the last cycle
    facts: dict[str, object] = {
        "decision": decision.value,
        "exception": reason.value if reason else None,
        "balance": account.balance,
        "currency": account.currency,
        "dpd": dpd,
        "deadline": (
            deadline(account.product_type, account.oldest_unpaid_on).isoformat()
            if account.oldest_unpaid_on
            else None
        ),
    }
    # the census counts the move at the next cycle, from where it last counted the account
    counted = account.counted_as or group_of(account.bucket, account.status)
    if decision is Decision.DECLINE:
        return replace(account, status=Status.ACTIVE, counted_as=counted), facts
    notice = OwedNotice(
        LetterCode.CHARGE_OFF_NOTICE,
        f"{LetterCode.CHARGE_OFF_NOTICE.value}@{today.isoformat()}",
        (("charged_off_on", today.isoformat()), ("dpd", dpd)),
    )
    charged = replace(
        account, status=Status.CHARGED_OFF, notices=(*account.notices, notice), counted_as=counted
    )
    return charged, facts
