"""What operators do to an account: promises, arrangements, settlements, holds. Each is recorded
once and atomically.

Each action also queues the letter the customer is owed (a confirmation, an acknowledgement),
which the next cycle sends through the guardrail like any other letter.

One agreement (arrangement or settlement) stands at a time: it ends when the cycle finds it kept
or broken. A second one would silently replace the first, or stack another discount on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import ROUND_DOWN, Decimal

from arrears.domain import charge_off
from arrears.domain.account import Account
from arrears.domain.commitments import Arrangement, Promise, Settlement
from arrears.domain.compliance import Hold
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger import Due
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.stages import CLOSED_STATUSES, Status
from arrears.store.accounts_repo import Write, apply_with_record, apply_with_writes, put_once
from arrears.store.models import ActivityModel, timeline_entry


def _notice(code: LetterCode, today: date, extra: dict[str, object]) -> OwedNotice:
    return OwedNotice(code, f"{code.value}@{today.isoformat()}", tuple(extra.items()))


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
        _refuse_closed(account)
        return _for_review(change(account), account, today)

    def record(_account: Account) -> ActivityModel:
        return timeline_entry(account_id, today, kind, key, actor, detail)

    return apply_with_record(account_id, guarded, record)


def _refuse_closed(account: Account) -> None:
    if account.status in CLOSED_STATUSES:
        raise InvalidInput(f"account {account.account_id} is {account.status}")


def _for_review(updated: Account, before: Account, today: date) -> Account:
    review_on = min(d for d in (before.next_action_on, today) if d)
    return replace(updated, next_action_on=review_on)  # the next cycle acts on it


def _refuse_a_second_agreement(account: Account) -> None:
    standing = account.arrangement
    if standing is None:
        return
    kind = "settlement" if standing.settlement else "arrangement"
    raise InvalidInput(
        f"account {account.account_id} already has a standing {kind} made on {standing.created_on}; "
        "one agreement at a time: another can be made once it is kept or broken"
    )


def take_promise(account_id: str, amount: int, due_on: date, today: date, actor: str) -> Account:
    promise = Promise(amount, due_on, today)
    extra = {"promise_amount": amount, "promise_date": due_on.isoformat()}

    def change(account: Account) -> Account:
        notice = _notice(LetterCode.PROMISE_CONFIRMATION, today, extra)
        return replace(account, promise=promise, notices=(*account.notices, notice))

    return _act(account_id, today, "promise", due_on.isoformat(), actor, promise.to_dict(), change)


def make_arrangement(account_id: str, instalments: list[Due], today: date, actor: str) -> Account:
    arrangement = Arrangement(tuple(sorted(instalments)), today)
    extra: dict[str, object] = {"instalments": arrangement.schedule()}

    def change(account: Account) -> Account:
        _refuse_a_second_agreement(account)
        if arrangement.total > account.balance:
            raise InvalidInput(
                f"the instalments ({arrangement.total}) exceed the balance ({account.balance})"
            )
        notice = _notice(LetterCode.ARRANGEMENT_CONFIRMATION, today, extra)
        return replace(account, arrangement=arrangement, promise=None, notices=(*account.notices, notice))

    return _act(account_id, today, "arrangement", "schedule", actor, arrangement.to_dict(), change)


def settle(
    account_id: str,
    discount_pct: Decimal,
    pay_by: date,
    today: date,
    actor: str,
    request_id: str,
    audit: Callable[[dict], ActivityModel],
) -> dict:
    """Settle for less: an agreement to accept `pay_by`'s payment in full settlement. Nothing is
    forgiven now: the posting that completes the agreed money writes the rest off, and a missed
    date ends the agreement with nothing written off.

    The account (agreement, the settlement letter owed), the timeline record and the request's
    `audit` record (built from the result) are one transaction on the version read: the
    agreement is never on the books unaudited, nor made twice.
    """

    def change(account: Account) -> tuple[Account, list[Write]]:
        _refuse_closed(account)
        _refuse_a_second_agreement(account)
        if account.balance <= 0:
            raise InvalidInput("nothing is owed on this account")
        discount = int((Decimal(account.balance) * discount_pct / 100).to_integral_value(ROUND_DOWN))
        if discount == 0:
            raise InvalidInput(f"a {discount_pct}% discount on this balance rounds to nothing")
        to_pay = account.balance - discount
        terms = Arrangement((Due(pay_by, to_pay),), today, settlement=Settlement(discount, request_id))
        extra: dict[str, object] = {
            "settlement_amount": to_pay,
            "settlement_date": pay_by.isoformat(),
            "forgiven_amount": discount,
        }
        notice = _notice(LetterCode.SETTLEMENT_AGREEMENT, today, extra)
        updated = replace(account, arrangement=terms, promise=None, notices=(*account.notices, notice))
        writes = [
            # keyed by the request, not the day: an agreement may follow one that ended the same day
            put_once(
                "record",
                timeline_entry(
                    account_id, today, "arrangement", f"settlement-{request_id}", actor, terms.to_dict()
                ),
            ),
            put_once("audit", audit(settlement_result(updated))),
        ]
        return _for_review(updated, account, today), writes

    return settlement_result(apply_with_writes(account_id, change))


def settlement_result(account: Account) -> dict[str, object]:
    """What a settlement standing on the account agreed: the discount, what is left to pay and by when."""
    terms = account.arrangement
    assert terms is not None and terms.settlement is not None  # nosec B101 # a settlement stands on it
    [due] = terms.instalments
    return {"discount": terms.settlement.discount, "to_pay": due.amount, "pay_by": due.due_on.isoformat()}


def standing_settlement(account: Account, request_id: str) -> dict[str, object] | None:
    """The result of settlement request `request_id` if it is the agreement standing on the account."""
    terms = account.arrangement.settlement if account.arrangement else None
    return settlement_result(account) if terms and terms.request_id == request_id else None


def place_hold(account_id: str, hold: Hold, today: date, actor: str, reason: str = "") -> Account:
    def change(account: Account) -> Account:
        notices = account.notices
        if hold is Hold.DISPUTE:
            extra = {"dispute_received_on": today.isoformat()}
            notices = (*notices, _notice(LetterCode.DISPUTE_ACKNOWLEDGEMENT, today, extra))
        return replace(account, holds=tuple(sorted({*account.holds, hold})), notices=notices)

    detail = {"hold": hold.value, "placed": True, "reason": reason}
    return _act(account_id, today, "hold", f"{hold.value}:placed", actor, detail, change)


def release_hold(account_id: str, hold: Hold, today: date, actor: str, reason: str = "") -> Account:
    def change(account: Account) -> Account:
        if hold not in account.holds:
            raise InvalidInput(f"account {account_id} has no {hold} hold")
        return replace(account, holds=tuple(h for h in account.holds if h != hold.value))

    detail = {"hold": hold.value, "placed": False, "reason": reason}
    return _act(account_id, today, "hold", f"{hold.value}:released", actor, detail, change)


def decide_charge_off(
    account_id: str,
    decision: charge_off.Decision,
    reason: charge_off.DeclineReason | None,
    today: date,
    actor: str,
    note: str = "",
) -> Account:
    """Confirm or decline the strategy's recommendation; confirmed, the next cycle sends the notice."""
    facts: dict[str, object] = {"note": note}  # the timeline record's detail, filled by the change

    def change(account: Account) -> Account:
        decided, found = charge_off.decide(account, decision, reason, today)
        facts.update(found)
        return decided

    return _act(account_id, today, "charge_off", decision.value, actor, facts, change)


def mark_unreachable(account_id: str, today: date, actor: str, reason: str = "returned_mail") -> Account:
    """Mail came back or the number is dead: skip status, and the next cycle hands it to skip-trace."""

    def change(account: Account) -> Account:
        if account.status is not Status.ACTIVE:
            raise InvalidInput(f"account {account_id} is {account.status}, not active")
        return replace(account, status=Status.SKIP)

    detail = {"reason": reason}
    return _act(account_id, today, "contact", f"unreachable:{reason}", actor, detail, change)


def close_line(account_id: str, today: date, actor: str, reason: str = "") -> Account:
    """The lender closed the line (the system of record says so): no new charges or drawings.
    What is owed is still owed and still collected."""

    def change(account: Account) -> Account:
        closed_limit = 0 if account.credit_limit is not None else None
        return replace(account, charging_frozen=True, credit_limit=closed_limit)

    return _act(account_id, today, "credit_line", "closed", actor, {"reason": reason}, change)
