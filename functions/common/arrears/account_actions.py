"""What operators do to an account: promises, arrangements, holds. Each is recorded once and atomically.

Each action also queues the letter the customer is owed (a confirmation, an acknowledgement),
which the next cycle sends through the guardrail like any other letter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from arrears.account import Account
from arrears.accounts_repo import apply_with_record
from arrears.commitments import Arrangement, Promise
from arrears.compliance import Hold
from arrears.errors import InvalidInput
from arrears.ledger import Due
from arrears.letters import LetterCode
from arrears.models import ActivityModel
from arrears.stages import CLOSED_STATUSES, Status


def _notice(code: LetterCode, today: date, extra: dict) -> dict:
    return {"code": code.value, "trigger": f"{code.value}@{today.isoformat()}", "extra": extra}


def _act(
    account_id: str,
    today: date,
    kind: str,
    key: str,
    actor: str,
    detail: dict,
    change: Callable[[Account], Account],
) -> Account:
    def guarded(account: Account) -> Account:
        if account.status in CLOSED_STATUSES:
            raise InvalidInput(f"account {account_id} is {account.status}")
        updated = change(account)
        review_on = min(d for d in (account.next_action_on, today) if d)
        return replace(updated, next_action_on=review_on)  # the next cycle acts on it

    def record(account: Account) -> ActivityModel:
        return ActivityModel(
            account_id,
            f"{today.isoformat()}#{kind}#{key}",
            kind=kind,
            occurred_on=today.isoformat(),
            actor=actor,
            detail=detail,
        )

    return apply_with_record(account_id, guarded, record)


def take_promise(account_id: str, amount: int, due_on: date, today: date, actor: str) -> Account:
    promise = Promise(amount, due_on, today)
    extra = {"promise_amount": amount, "promise_date": due_on.isoformat()}

    def change(account: Account) -> Account:
        notice = _notice(LetterCode.PROMISE_CONFIRMATION, today, extra)
        return replace(account, promise=promise.to_dict(), notices=(*account.notices, notice))

    return _act(account_id, today, "promise", due_on.isoformat(), actor, promise.to_dict(), change)


def make_arrangement(account_id: str, instalments: list[Due], today: date, actor: str) -> Account:
    arrangement = Arrangement(tuple(sorted(instalments)), today)
    extra = {
        "instalments": [{"due_on": i.due_on.isoformat(), "amount": i.amount} for i in arrangement.instalments]
    }

    def change(account: Account) -> Account:
        if arrangement.total > account.balance:
            raise InvalidInput(
                f"the instalments ({arrangement.total}) exceed the balance ({account.balance})"
            )
        notice = _notice(LetterCode.ARRANGEMENT_CONFIRMATION, today, extra)
        return replace(
            account, arrangement=arrangement.to_dict(), promise=None, notices=(*account.notices, notice)
        )

    return _act(account_id, today, "arrangement", "schedule", actor, arrangement.to_dict(), change)


def place_hold(account_id: str, hold: Hold, today: date, actor: str, reason: str = "") -> Account:
    def change(account: Account) -> Account:
        notices = account.notices
        if hold is Hold.DISPUTE:
            extra = {"dispute_received_on": today.isoformat()}
            notices = (*notices, _notice(LetterCode.DISPUTE_ACKNOWLEDGEMENT, today, extra))
        return replace(account, holds=tuple(sorted({*account.holds, hold.value})), notices=notices)

    detail = {"hold": hold.value, "placed": True, "reason": reason}
    return _act(account_id, today, "hold", f"{hold.value}:placed", actor, detail, change)


def release_hold(account_id: str, hold: Hold, today: date, actor: str, reason: str = "") -> Account:
    def change(account: Account) -> Account:
        if hold.value not in account.holds:
            raise InvalidInput(f"account {account_id} has no {hold} hold")
        return replace(account, holds=tuple(h for h in account.holds if h != hold.value))

    detail = {"hold": hold.value, "placed": False, "reason": reason}
    return _act(account_id, today, "hold", f"{hold.value}:released", actor, detail, change)


def mark_unreachable(account_id: str, today: date, actor: str, reason: str = "returned_mail") -> Account:
    """Mail came back or the number is dead: skip status, and the next cycle hands it to skip-trace."""

    def change(account: Account) -> Account:
        if account.status is not Status.ACTIVE:
            raise InvalidInput(f"account {account_id} is {account.status}, not active")
        return replace(account, status=Status.SKIP)

    detail = {"reason": reason}
    return _act(account_id, today, "contact", f"unreachable:{reason}", actor, detail, change)
