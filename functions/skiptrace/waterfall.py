"""Skip-trace decisions, plain Python: who may be traced, when a match is good enough, what follows.

Candidates a provider returns are stored unverified and never become the account's contact
points by themselves: a number found by a data broker carries none of the consent the customer
gave for the number they gave us (TCPA prior express consent; Reg F §1006.6 on contacting the
right person), so automated calls wait for a collector to verify it. See docs/compliance.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from arrears.domain.account import Account
from arrears.domain.bureau import TraceAnswer
from arrears.domain.compliance import Hold
from arrears.domain.stages import CLOSED_STATUSES, Status

# Holds under which nobody should be looking for the customer: the stay, or no one to find.
NO_TRACE_HOLDS = {Hold.BANKRUPTCY.value, Hold.DECEASED.value, Hold.CEASE_COMMUNICATION.value}


def refusal(account: Account, as_of: date, cooldown_days: int) -> str | None:
    """Why this account must not be traced today, or None when it may."""
    if account.status in CLOSED_STATUSES:
        return f"the account is {account.status.value}"
    held = NO_TRACE_HOLDS & set(account.holds)
    if held:
        return f"the account is on hold ({', '.join(sorted(held))})"
    if account.traced_on and account.traced_on != as_of:
        until = account.traced_on + timedelta(days=cooldown_days)
        if as_of < until:
            return f"traced on {account.traced_on.isoformat()}; cooldown until {until.isoformat()}"
    return None


def started(account: Account, as_of: date) -> Account:
    """Tracing begins: the cooldown runs from today, whatever the providers answer."""
    return replace(account, traced_on=as_of)


def located(answer: TraceAnswer, threshold: float) -> bool:
    return answer.outcome == "hit" and answer.best() >= threshold


def found(account: Account, as_of: date) -> Account:
    """Located: out of skip status; the candidates wait on the timeline for verification."""
    status = Status.ACTIVE if account.status is Status.SKIP else account.status
    return replace(account, status=status, unlocatable_on=None, next_action_on=_review(account, as_of))


def unlocatable(account: Account) -> bool:
    """Whether a search that finds nothing leaves the customer lost: the account is in skip status
    already (its mailing address is gone: `services.customers.route`, or an operator said so), or
    nothing the customer gave us reaches them any more (no usable address, consented email or
    phone in `Account.reach`). A customer we can still write to, email or call is not lost because
    a data broker knows nothing newer."""
    return account.status is Status.SKIP or not account.reach


def exhausted(account: Account, as_of: date) -> Account:
    """No provider found a strong enough match. A customer who can still be reached keeps the
    account where it stands (a ladder's routine search for fresher contact data must not stop its
    letters); one who cannot is skip and unlocatable, for an operator (`unlocatable`)."""
    if not unlocatable(account):
        return account
    status = Status.SKIP if account.status is Status.ACTIVE else account.status
    return replace(account, status=status, unlocatable_on=as_of)


def _review(account: Account, as_of: date) -> date:
    """The next cycle looks at it again: its ladder resumes from where it stands."""
    return min(account.next_action_on, as_of) if account.next_action_on else as_of
