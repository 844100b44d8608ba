"""Re-billing: an adjustment corrects what is owed; a re-age brings a delinquent account current.

Pure: the service reads the account, its earlier re-ages and its statements and ledger, asks
`decide`, and writes what it decided with the adjustment's ledger entry in one transaction.

- A negative adjustment lowers the balance and the newest unpaid dues first (the oldest stays
  owed, so days past due do not move: a credit is not a payment, and only a re-age, under its
  rule, may bring an account current without the money). What it takes beyond the dues lowers
  the part of the balance not yet billed. It may not take the balance below nothing.
- A positive adjustment raises the balance and the next due on or after its day (a correction
  is never past due on the day it is made); with no due ahead it is owed when the next statement
  bills it, as a fee is (`posting.charge`).
- A re-age moves every past-due due to the end of the schedule, a month apart, after the last
  due ahead (or the next monthly date of the last one): the balance and the amounts stay, no money
  moves, nothing is past due. FFIEC's Uniform Retail Credit Classification and Account Management
  Policy limits it: at most once in 12 months, at most twice in 5 years, and only after three
  consecutive minimum monthly payments. An adjustment that corrects our own error is not a re-age
  in the policy's sense: it may set the limits aside, says so, and is not counted against them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from arrears.domain.account import Account
from arrears.domain.clock import add_months
from arrears.domain.errors import CurrencyMismatch, InvalidInput
from arrears.domain.ledger import Due, EntryKind, LedgerEntry, combine
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.limitations import kept_bar
from arrears.domain.money import Money, bounded
from arrears.domain.stages import CLOSED_STATUSES

REAGE_GAP_MONTHS = 12  # at most one re-age in 12 months ...
REAGE_WINDOW_MONTHS = 60  # ... and at most ...
REAGES_IN_WINDOW = 2  # ... two in 5 years
MINIMUM_PAYMENTS = 3  # after three consecutive minimum monthly payments
MAX_REASON = 300

# The rules a re-age is refused under, by name (the name is what the operator and the feed see).
ONCE_IN_12_MONTHS = "reage_once_in_12_months"
TWICE_IN_5_YEARS = "reage_twice_in_5_years"
THREE_MINIMUM_PAYMENTS = "reage_three_minimum_payments"


class ReageRefused(InvalidInput):
    """A re-age the FFIEC limits do not allow; `rule` names the limit."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason


@dataclass(frozen=True)
class Adjustment:
    amount: Money  # signed: negative lowers what is owed; zero only for a re-age alone
    reason: str
    reage: bool = False
    corrects_error: bool = False

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidInput("an adjustment needs its reason")
        if len(self.reason) > MAX_REASON:
            raise InvalidInput(f"an adjustment's reason is at most {MAX_REASON} characters")
        if self.amount.minor == 0 and not self.reage:
            raise InvalidInput("an adjustment of nothing that re-ages nothing changes nothing")


@dataclass(frozen=True)
class EarlierReage:
    """A re-age on the account's timeline; one that corrected an error is not counted."""

    on: date
    corrects_error: bool = False


@dataclass(frozen=True)
class Rebilled:
    account: Account  # balance and dues after the adjustment (standing is the next cycle's to read)
    reaged: bool = False
    moved: tuple[tuple[Due, date], ...] = ()  # each past-due due and the date it now falls due on
    set_aside: tuple[str, ...] = ()  # the re-age rules an error correction set aside
    minimum_payments: int = 0  # consecutive minimum payments found (a re-age's evidence)

    def record(self, adjustment: Adjustment) -> dict[str, object]:
        """What the timeline keeps of it: the decision and its evidence, as JSON."""
        return {
            "amount": adjustment.amount.minor,
            "currency": adjustment.amount.currency,
            "reason": adjustment.reason,
            "reage": self.reaged,
            "corrects_error": adjustment.corrects_error,
            "set_aside": list(self.set_aside),
            "minimum_payments": self.minimum_payments,
            "moved": [
                {"due_on": due.due_on.isoformat(), "amount": due.amount, "now_due_on": to.isoformat()}
                for due, to in self.moved
            ],
            "balance_after": self.account.balance,
        }


def decide(
    account: Account,
    adjustment: Adjustment,
    on: date,
    reages: Iterable[EarlierReage] = (),
    statements: Iterable[Due] = (),
    entries: Iterable[LedgerEntry] = (),
) -> Rebilled:
    """The account after `adjustment` on `on`, or ReageRefused naming the limit a re-age breaks.

    `reages`: the account's earlier re-ages; `statements`: each billing cycle's minimum due
    (its due date and the amount billed); `entries`: the ledger, where the payments are.
    """
    if account.status in CLOSED_STATUSES:
        raise InvalidInput(f"account {account.account_id} is {account.status}")
    if adjustment.amount.currency != account.currency:
        raise CurrencyMismatch(
            f"account {account.account_id} is in {account.currency}, not {adjustment.amount.currency}"
        )
    # a re-age moves the oldest due date, which the limitation period counts from: the bar found
    # before it is kept (an error correction included: the debt is as old as it was)
    adjusted = kept_bar(account, apply_amount(account, adjustment.amount.minor, on), on)
    if not adjustment.reage:
        return Rebilled(adjusted)
    paid_up = consecutive_minimum_payments(statements, entries, on)
    broken = reage_limits(on, reages, paid_up)
    if broken and not adjustment.corrects_error:
        rule, reason = broken[0]
        raise ReageRefused(rule, reason)
    dues, moved = reschedule(adjusted.dues, on)
    if not moved:
        raise InvalidInput(f"nothing on account {account.account_id} is past due: there is nothing to re-age")
    return Rebilled(
        replace(adjusted, dues=dues),
        reaged=True,
        moved=moved,
        set_aside=tuple(rule for rule, _ in broken),
        minimum_payments=paid_up,
    )


def apply_amount(account: Account, amount: int, on: date) -> Account:
    """The balance and dues after a signed adjustment (see the module's notes for which dues)."""
    balance = bounded(account.balance + amount, "the balance after it")
    if amount < 0:
        if balance < 0:
            raise InvalidInput(
                f"an adjustment of {Money(amount, account.currency)} would take the balance "
                f"({Money(account.balance, account.currency)}) below nothing"
            )
        return replace(account, balance=balance, dues=_lower_newest_first(account.dues, -amount))
    ahead = [d.due_on for d in account.dues if d.due_on >= on]
    dues = combine(account.dues, (Due(min(ahead), amount),)) if ahead and amount else account.dues
    return replace(account, balance=balance, dues=dues)


def _lower_newest_first(dues: tuple[Due, ...], amount: int) -> tuple[Due, ...]:
    left, taken = amount, []
    for due in sorted(dues, reverse=True):
        take = min(due.amount, left)
        left -= take
        if take:
            taken.append(Due(due.due_on, take))
    return combine(dues, taken, sign=-1)


def reschedule(dues: tuple[Due, ...], on: date) -> tuple[tuple[Due, ...], tuple[tuple[Due, date], ...]]:
    """Every due before `on` moved to the end of the schedule, a month apart, oldest first."""
    late = sorted(d for d in dues if d.due_on < on)
    if not late:
        return dues, ()
    ahead = [d.due_on for d in dues if d.due_on >= on]
    if ahead:
        anchor, first = max(ahead), 1
    else:  # the billing day goes on: the first monthly date of the last late due on or after `on`
        anchor, first = late[-1].due_on, 1
        while add_months(anchor, first) < on:
            first += 1
    moved = tuple((due, add_months(anchor, first + i)) for i, due in enumerate(late))
    kept = tuple(d for d in dues if d.due_on >= on)
    return combine(kept, (Due(to, due.amount) for due, to in moved)), moved


def consecutive_minimum_payments(statements: Iterable[Due], entries: Iterable[LedgerEntry], on: date) -> int:
    """How many billing cycles in a row, back from the latest, were paid at least their minimum.

    A cycle runs from the day after the previous statement's due date (a month before, for the
    first) to its own due date; what was paid in it is its payments less what was reversed of
    them. A cycle whose due date has not come yet counts only once its minimum is paid, and does
    not break the run while it is not.
    """
    money = [
        (e.occurred_on, -e.amount.minor) for e in entries if e.kind in (EntryKind.PAYMENT, EntryKind.REVERSAL)
    ]
    cycles = sorted(statements)
    run = 0
    for index in range(len(cycles) - 1, -1, -1):
        due = cycles[index]
        start = cycles[index - 1].due_on if index else add_months(due.due_on, -1)
        paid = sum(amount for day, amount in money if start < day <= due.due_on)
        if paid >= due.amount:
            run += 1
        elif due.due_on >= on and run == 0:
            continue  # not due yet, not paid yet: the run is read from the cycles before it
        else:
            break
    return run


def reage_limits(on: date, reages: Iterable[EarlierReage], minimum_payments: int) -> list[tuple[str, str]]:
    """The FFIEC limits a re-age on `on` would break, each as (rule, why); empty when it may."""
    counted = sorted(r.on for r in reages if not r.corrects_error and r.on <= on)
    broken = []
    if counted and on < add_months(counted[-1], REAGE_GAP_MONTHS):
        broken.append(
            (
                ONCE_IN_12_MONTHS,
                f"the account was re-aged on {counted[-1].isoformat()}, less than 12 months ago",
            )
        )
    window = [day for day in counted if day > add_months(on, -REAGE_WINDOW_MONTHS)]
    if len(window) >= REAGES_IN_WINDOW:
        days = ", ".join(day.isoformat() for day in window)
        broken.append((TWICE_IN_5_YEARS, f"the account was re-aged twice in the last 5 years ({days})"))
    if minimum_payments < MINIMUM_PAYMENTS:
        broken.append(
            (
                THREE_MINIMUM_PAYMENTS,
                f"{minimum_payments} consecutive minimum payments; a re-age needs {MINIMUM_PAYMENTS}",
            )
        )
    return broken


def corrected_statement(
    before: Account, rebilled: Rebilled, adjustment: Adjustment, on: date, entry_id: str
) -> OwedNotice:
    """The letter that tells the customer what was corrected: the amount, the reason, the balance
    after it, and that the account is current again if it was re-aged. It asks for nothing.

    Keyed by the adjustment's own id (hashed: it comes from outside), so two corrections on one
    day are two letters, and one correction retried is one."""
    facts: dict[str, object] = {
        "adjustment_amount": abs(adjustment.amount.minor),
        "direction": "down" if adjustment.amount.minor < 0 else "up" if adjustment.amount.minor else "none",
        "reason": adjustment.reason,
        "balance_before": before.balance,
        "balance_after": rebilled.account.balance,
        "adjusted_on": on.isoformat(),
        "reaged": rebilled.reaged,
    }
    return OwedNotice(LetterCode.CORRECTED_STATEMENT, correction_trigger(entry_id, on), tuple(facts.items()))


def correction_trigger(entry_id: str, on: date) -> str:
    """The corrected statement's key: the letter's code, the adjustment's id hashed, its day."""
    key = hashlib.sha256(entry_id.encode()).hexdigest()[:12]
    return f"{LetterCode.CORRECTED_STATEMENT.value}-{key}@{on.isoformat()}"
