"""What each operator action does to an account, after validation and within authority.

Every effect goes through the layer's account actions and repositories, so the same rules hold
whoever asks: the CLI, a desktop client, a supervisor approving later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from arrears.adapters.observability import logger, metrics
from arrears.adapters.payments_bus import publish_payment_applied
from arrears.domain.account import Account
from arrears.domain.calls import CONVERSATIONS, suit_warning
from arrears.domain.compliance import Hold
from arrears.domain.errors import InvalidInput, PublishFailed
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.rebilling import correction_trigger
from arrears.domain.stages import Status
from arrears.runtime.settings import get_payments_bus_settings, get_settings
from arrears.services import account_actions, call_rules, posting, rebilling
from arrears.store import accounts_repo, bureau_repo, placements_repo
from arrears.store.models import ActivityModel, timeline_entry

from operator_api import contacts
from operator_api.requests import (
    AdjustParams,
    AgencyParams,
    ArrangementParams,
    ChargeOffParams,
    DecisionParams,
    DialParams,
    Disposition,
    HoldParams,
    OperatorRequest,
    PromiseParams,
    ReferParams,
    SettlementParams,
    SuspenseParams,
    UnreachableParams,
)

HOLD_OF = {"dispute": Hold.DISPUTE, "deceased": Hold.DECEASED, "bankrupt": Hold.BANKRUPTCY}

# Given an action's result, the audit record of the request carrying it out: an action whose
# effects must not be on the books unaudited (a settlement) writes it in its own transaction.
Audit = Callable[[dict], ActivityModel]


def _money(account: Account, amount: Decimal, field: str) -> int:
    minor = Money.parse(amount, account.currency).minor
    if minor > account.balance:
        raise InvalidInput(
            f"{field} {amount} is more than the balance {Money(account.balance, account.currency)}"
        )
    return minor


def dial(request: OperatorRequest, params: DialParams, account: Account, _audit: Audit) -> dict:
    """Before a collector dials: allowed or refused, with the rule and why."""
    decision, facts = call_rules.judge_call(account, params.at, request.on)
    local = params.at.astimezone(ZoneInfo(account.time_zone))
    return {
        "allowed": decision.allowed,
        "rule": decision.rule,
        "reason": decision.reason,
        "local_time": local.isoformat(timespec="minutes"),
        "time_zone": facts["time_zone"],
        "no_suit_threat": suit_warning(account, request.on),
    }


def disposition(request: OperatorRequest, params: Disposition, account: Account, _audit: Audit) -> dict:
    # judged before it is recorded (a dispute's hold comes from this call, not before it); a call
    # that broke a rule is still recorded as it happened, flagged
    decision, facts = call_rules.judge_call(account, params.at, request.on)
    flag = None if decision.allowed else f"{decision.rule}: {decision.reason}"
    if flag:
        logger.warning("call outside the rules recorded", extra={"rule": decision.rule})
        metrics.add_metric(name="CallOutsideRules", unit="Count", value=1)

    def change(current: Account) -> Account:
        if params.outcome not in CONVERSATIONS:
            return current
        return replace(
            current, last_conversation_at=max(filter(None, (current.last_conversation_at, params.at)))
        )

    def record(_current: Account) -> ActivityModel:
        local = params.at.astimezone(ZoneInfo(account.time_zone))
        detail = {
            "outcome": params.outcome,
            "at": params.at.isoformat(),
            "note": params.note,
            "local_time": local.isoformat(),
            **facts,
            "flag": flag,
        }
        return timeline_entry(
            account.account_id, request.on, "disposition", request.request_id, request.operator_id, detail
        )

    accounts_repo.apply_with_record(account.account_id, change, record)
    effects = []
    if params.outcome in HOLD_OF:
        account_actions.place_hold(
            account.account_id,
            HOLD_OF[params.outcome],
            request.on,
            request.operator_id,
            f"disposition: {params.note}",
        )
        effects.append(f"hold:{HOLD_OF[params.outcome].value}")
    if params.outcome == "paid":  # the customer says so: someone checks before the ladder stops
        bureau_repo.open_task(
            account.account_id, request.on, "verify_payment", "customer reports paying", params.note,
            request.operator_id,
        )  # fmt: skip
        effects.append("task:verify_payment")
    if params.outcome == "wrong_number":
        effects.append("contact point to verify")
    return {
        "outcome": params.outcome,
        "conversation": params.outcome in CONVERSATIONS,
        "effects": effects,
        "flagged": flag,
    }


def promise(request: OperatorRequest, params: PromiseParams, account: Account, _audit: Audit) -> dict:
    if params.pay_by < request.on:
        raise InvalidInput(f"the promise date {params.pay_by.isoformat()} is in the past")
    amount = _money(account, params.amount, "the promised amount")
    account_actions.take_promise(account.account_id, amount, params.pay_by, request.on, request.operator_id)
    return {"amount": amount, "pay_by": params.pay_by.isoformat()}


def arrangement(request: OperatorRequest, params: ArrangementParams, account: Account, _audit: Audit) -> dict:
    if any(i.due_on < request.on for i in params.instalments):
        raise InvalidInput("an instalment falls before today")
    dues = [Due(i.due_on, _money(account, i.amount, "an instalment")) for i in params.instalments]
    if len({d.due_on for d in dues}) != len(dues):
        raise InvalidInput("two instalments fall on the same day")
    account_actions.make_arrangement(account.account_id, dues, request.on, request.operator_id)
    return {"instalments": len(dues), "total": sum(d.amount for d in dues)}


def settlement(request: OperatorRequest, params: SettlementParams, account: Account, audit: Audit) -> dict:
    """Settle for less, in one transaction with the audit record of the request carrying it out."""
    if params.pay_by < request.on:
        raise InvalidInput(f"the settlement date {params.pay_by.isoformat()} is in the past")
    earlier = account_actions.standing_settlement(account, request.request_id)
    if earlier is not None:  # this very request went through and its answer was lost: answer it again
        return earlier
    return account_actions.settle(
        account.account_id, params.discount_pct, params.pay_by, request.on, request.operator_id,
        request.request_id, audit,
    )  # fmt: skip


def place_hold(request: OperatorRequest, params: HoldParams, account: Account, _audit: Audit) -> dict:
    account_actions.place_hold(
        account.account_id, params.hold, request.on, request.operator_id, params.reason
    )
    return {"hold": params.hold.value, "placed": True}


def release_hold(request: OperatorRequest, params: HoldParams, account: Account, _audit: Audit) -> dict:
    account_actions.release_hold(
        account.account_id, params.hold, request.on, request.operator_id, params.reason
    )
    return {"hold": params.hold.value, "placed": False}


def unreachable(request: OperatorRequest, params: UnreachableParams, account: Account, _audit: Audit) -> dict:
    """Mail came back or the number is dead: skip status; the next cycle hands it to skip-trace.
    Naming the point it happened on, the point is retired and the account routed as `contact`
    routes it: only when no address is left."""
    if params.point_id is not None:
        return contacts.unreachable_at(request, params, account)
    updated = account_actions.mark_unreachable(
        account.account_id, request.on, request.operator_id, params.reason
    )
    return {"status_now": updated.status.value, "reason": params.reason}


def assign_suspense(
    request: OperatorRequest, params: SuspenseParams, account: Account, _audit: Audit
) -> dict:
    """Money held in suspense posted to this account by the one posting path, then announced.

    The posting stands once made: if the announcement fails the answer says so (and the metric
    shows it) rather than failing a request whose retry would find the money already assigned.
    """
    bus = get_payments_bus_settings()
    result = posting.assign_suspense(
        params.provider, params.payment_id, account.account_id, request.operator_id, request.on
    )
    applied = result.applied
    assert applied is not None  # nosec B101 # an assignment either applies or raises
    try:
        publish_payment_applied(bus.payments_bus, applied, bus.region)
        announced = True
    except PublishFailed as exc:
        logger.error("PaymentApplied not announced", extra={"reason": str(exc)})
        metrics.add_metric(name="PaymentAppliedUnannounced", unit="Count", value=1)
        announced = False
    return {
        "posted": str(Money(applied["applied_amount"], applied["currency"])),
        "balance_after": str(Money(applied["balance_after"], applied["currency"])),
        "status_after": applied["status_after"],
        "announced": announced,
    }


def charge_off(request: OperatorRequest, params: ChargeOffParams, account: Account, _audit: Audit) -> dict:
    decided = account_actions.decide_charge_off(
        account.account_id, params.decision, params.exception, request.on, request.operator_id, params.note
    )
    return {"decision": params.decision.value, "status_now": decided.status.value}


def adjust(request: OperatorRequest, params: AdjustParams, account: Account, _audit: Audit) -> dict:
    """Correct the dues by the one re-billing path; a re-age only within FFIEC's limits, unless it
    corrects an error. The adjustment's own timeline record carries who asked and why."""
    amount = Money.parse(params.amount, account.currency)
    entry_id = f"operator:{request.request_id}"
    updated = rebilling.adjust(
        account.account_id, amount, params.reason, request.on, request.operator_id, entry_id,
        reage=params.reage, corrects_error=params.corrects_error,
    )  # fmt: skip
    letter = correction_trigger(entry_id, request.on)
    return {
        "adjusted": str(amount),
        "balance_after": str(Money(updated.balance, updated.currency)),
        "reaged": params.reage,
        "corrects_error": params.corrects_error,
        "letter": "corrected_statement" if any(n.trigger == letter for n in updated.notices) else None,
    }


def refer(request: OperatorRequest, params: ReferParams, account: Account, _audit: Audit) -> dict:
    opened = bureau_repo.open_task(
        account.account_id, request.on, f"refer:{params.area}", f"referred by {request.operator_id}",
        params.note, request.operator_id,
    )  # fmt: skip
    return {"task": f"refer:{params.area}", "opened": opened}


def place_agency(request: OperatorRequest, params: AgencyParams, account: Account, _audit: Audit) -> dict:
    """The agency works the account from today: our ladder stops, the agency's file lists it."""
    settings = get_settings()

    def change(current: Account) -> Account:
        if current.status is Status.PLACED_WITH_AGENCY:
            raise InvalidInput(f"account {current.account_id} is already with an agency")
        return replace(current, status=Status.PLACED_WITH_AGENCY)

    placed = _change_with_record(request, account, change, {"agency": params.agency, "placed": True})
    placements_repo.record(params.agency, request.on, placed, "placed", request.operator_id)
    key = placements_repo.write_file(params.agency, request.on, settings.reports_bucket, settings.region)
    return {"agency": params.agency, "placed": True, "file": key}


def recall_agency(request: OperatorRequest, params: AgencyParams, account: Account, _audit: Audit) -> dict:
    """Back from the agency: our own ladder resumes from where the account stands."""
    settings = get_settings()

    def change(current: Account) -> Account:
        if current.status is not Status.PLACED_WITH_AGENCY:
            raise InvalidInput(f"account {current.account_id} is not with an agency")
        return replace(current, status=Status.ACTIVE, next_action_on=request.on)

    recalled = _change_with_record(request, account, change, {"agency": params.agency, "placed": False})
    placements_repo.record(params.agency, request.on, recalled, "recalled", request.operator_id)
    key = placements_repo.write_file(params.agency, request.on, settings.reports_bucket, settings.region)
    return {"agency": params.agency, "placed": False, "file": key}


def _change_with_record(request: OperatorRequest, account: Account, change, detail: dict) -> Account:
    def record(_current: Account) -> ActivityModel:
        return timeline_entry(
            account.account_id, request.on, "placement", request.request_id, request.operator_id, detail
        )

    return accounts_repo.apply_with_record(account.account_id, change, record)


ON_ACCOUNT = {
    "place_agency": place_agency,
    "recall_agency": recall_agency,
    "disposition": disposition,
    "promise": promise,
    "arrangement": arrangement,
    "settlement": settlement,
    "place_hold": place_hold,
    "release_hold": release_hold,
    "refer": refer,
    "unreachable": unreachable,
    "contact": contacts.contact,
    "assign_suspense": assign_suspense,
    "charge_off": charge_off,
    "dial": dial,
    "adjust": adjust,
}
__all__ = ["ON_ACCOUNT", "DecisionParams"]
