"""Where an account stands beside its bucket: on hold, under an arrangement, awaiting a promise, or active.

Reviews the customer's commitments on the day: a promise kept or broken, an arrangement held,
broken or completed. A broken one resumes the ladder and owes the customer a letter saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import accumulate

from arrears.domain.account import Account
from arrears.domain.commitments import Arrangement, Outcome, Promise
from arrears.domain.compliance import Hold
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import CLOSED_STATUSES, Evaluation, Status, evaluate

HOLDS_THAT_PAUSE = {h.value for h in Hold} - {Hold.SCRA.value}


@dataclass(frozen=True)
class Standing:
    status: Status
    promise: Promise | None
    arrangement: Arrangement | None
    notices: tuple[OwedNotice, ...]
    checks: tuple[date, ...] = ()  # days the commitments must be looked at again
    # outcomes to record on the timeline, as its records hold them
    events: tuple[dict[str, object], ...] = field(default_factory=tuple)


def _broken_notice(amount: int, due_on: date, as_of: date, kind: str) -> OwedNotice:
    return OwedNotice(
        LetterCode.BROKEN_PROMISE,
        f"{kind}-broken@{as_of.isoformat()}",
        (("promise_amount", amount), ("promise_date", due_on.isoformat())),
    )


def _void_notice(terms: Arrangement, as_of: date) -> OwedNotice:
    """A settlement whose money did not arrive in time: it ends, and nothing was forgiven."""
    [due] = terms.instalments
    return OwedNotice(
        LetterCode.SETTLEMENT_VOID,
        f"settlement-void@{as_of.isoformat()}",
        (("settlement_amount", due.amount), ("settlement_date", due.due_on.isoformat())),
    )


def _event(commitment: Promise | Arrangement, outcome: Outcome) -> dict[str, object]:
    kind = "promise" if isinstance(commitment, Promise) else "arrangement"
    return {"kind": kind, "outcome": outcome.value, **commitment.to_dict()}


def _kept_on_closing(account: Account) -> tuple[dict[str, object], ...]:
    """Paying the account off keeps the commitments it met; the others simply end with the account."""
    return tuple(
        _event(commitment, Outcome.KEPT)
        for commitment in (account.promise, account.arrangement)
        if commitment is not None and commitment.outcome(date.max) is Outcome.KEPT
    )


def review(account: Account, evaluated_status: Status, as_of: date, delinquent: bool) -> Standing:
    if evaluated_status in CLOSED_STATUSES:
        return Standing(evaluated_status, None, None, account.notices, events=_kept_on_closing(account))
    notices = list(account.notices)
    checks: list[date] = []
    events: list[dict[str, object]] = []
    promise = account.promise
    if promise is not None:
        outcome = promise.outcome(as_of)
        if outcome is Outcome.PENDING:
            checks.append(promise.next_check())
        else:
            events.append(_event(promise, outcome))
            if outcome is Outcome.BROKEN:
                notices.append(
                    _broken_notice(promise.amount - promise.paid, promise.due_on, as_of, "promise")
                )
            promise = None
    arrangement = account.arrangement
    if arrangement is not None:
        outcome = arrangement.outcome(as_of)
        if outcome is Outcome.PENDING:
            checks.extend(d for d in (arrangement.next_check(as_of),) if d)
        else:
            events.append(_event(arrangement, outcome))
            if outcome is Outcome.BROKEN and arrangement.settlement is not None:
                notices.append(_void_notice(arrangement, as_of))
            elif outcome is Outcome.BROKEN:
                # the first instalment what was paid does not reach (an earlier one paid is not missed)
                owed_by = accumulate(i.amount for i in arrangement.instalments)
                missed = next(
                    i
                    for i, owed in zip(arrangement.instalments, owed_by, strict=True)
                    if owed > arrangement.paid
                )
                notices.append(
                    _broken_notice(
                        arrangement.required_by(as_of) - arrangement.paid, missed.due_on, as_of, "arrangement"
                    )
                )
            arrangement = None
    if HOLDS_THAT_PAUSE & set(account.holds):
        status = Status.ON_HOLD
    elif arrangement is not None:
        status = Status.ARRANGEMENT_ACTIVE
    elif promise is not None:
        status = Status.PROMISE_PENDING
    elif evaluated_status is Status.CHARGE_OFF_RECOMMENDED and delinquent:
        status = Status.CHARGE_OFF_RECOMMENDED  # stands until the account is charged off or cured
    elif evaluated_status is Status.SKIP:
        status = Status.SKIP  # stands until a trace or an operator finds the customer
    elif evaluated_status is Status.PLACED_WITH_AGENCY:
        status = Status.PLACED_WITH_AGENCY  # the agency works it until we recall it
    else:
        status = Status.ACTIVE
    return Standing(status, promise, arrangement, tuple(notices), tuple(checks), tuple(events))


def reread(account: Account, as_of: date) -> tuple[Account, Evaluation, Standing]:
    """Where the account stands on `as_of`, the one way the cycle and a posting both read it: bucket,
    days and amount past due from its dues, status and commitments from their review. What else
    changes (the next look, the census) is the caller's."""
    result = evaluate(account.balance, account.dues, account.status, as_of)
    standing = review(account, result.status, as_of, delinquent=result.dpd > 0)
    stands = replace(
        account,
        bucket=result.bucket,
        dpd=result.dpd,
        past_due=result.past_due,
        oldest_unpaid_on=result.oldest_unpaid_on,
        status=standing.status,
        promise=standing.promise,
        arrangement=standing.arrangement,
        notices=standing.notices,
    )
    return stands, result, standing
