"""What the operator function does with a verified, parsed request: answer a repeat with its first
answer, read the operator's level from the roster (now, so a disabled or demoted operator loses
authority at once), validate the action's parameters, then carry it out or, beyond the level,
open a pending approval. Every request leaves an audit record with the verified subject and
username.
"""

from __future__ import annotations

from collections.abc import Callable

from arrears.adapters.observability import logger, metrics
from arrears.domain import authority
from arrears.domain.account import Account
from arrears.domain.errors import InvalidInput, NotAuthorised
from arrears.runtime import identity
from arrears.runtime.workflow_steps import parse
from arrears.store import accounts_repo, operators_repo
from arrears.store.models import ActivityModel, timeline_entry

from operator_api import contacts, letters
from operator_api.actions import ON_ACCOUNT, Audit
from operator_api.requests import PARAMS, READS, DecisionParams, FindParams, OperatorRequest, audited


def carry_out(request: OperatorRequest, who: identity.Identity) -> dict:
    if request.action in READS:
        return _read(request, operators_repo.verified_level(who.username, who.subject))
    earlier = operators_repo.answered(request.request_id)
    if earlier is not None:
        return earlier
    level_name = operators_repo.verified_level(who.username, who.subject)
    if request.action in ("approve", "reject"):
        response, account_id = _decide(request, level_name)
    else:
        response, account_id = _on_account(request, level_name), request.account_id
    response = _answer(request, response)
    accounts_repo.put_activity(_audit_item(request, level_name, response, account_id), once=True)
    logger.info("operator action", extra={"action": request.action, "status": response["status"]})
    metrics.add_metric(name=f"OperatorAction_{request.action}", unit="Count", value=1)
    return operators_repo.remember(request.request_id, request.on, request.operator_id, response)


def _audit_item(
    request: OperatorRequest, level: str, response: dict, account_id: str | None
) -> ActivityModel:
    detail = {
        "level": level,
        "subject": request.operator_sub,
        "username": request.operator_id,
        "action": request.action,
        "params": audited(request.action, request.params),
        "response": response,
    }
    return timeline_entry(
        account_id or operators_repo.APPROVALS,
        request.on,
        "operator_action",
        request.request_id,
        request.operator_id,
        detail,
        status=response["status"],
    )


def _answer(request: OperatorRequest, response: dict) -> dict:
    return {**response, "request_id": request.request_id, "action": request.action}


def _audit_of(
    request: OperatorRequest, level: str, account_id: str | None, shape: Callable[[dict], dict]
) -> Audit:
    """The audit record an action may write in its own transaction: the same item the handler
    writes after it (put once), so a request leaves one record either way."""
    return lambda result: _audit_item(request, level, _answer(request, shape(result)), account_id)


def _on_account(request: OperatorRequest, level_name: str) -> dict:
    if not request.account_id:
        raise InvalidInput(f"{request.action} needs an account_id")
    params = parse(PARAMS[request.action], request.params)
    account = accounts_repo.get_account(request.account_id)
    level = authority.load_authority().level(level_name)
    judged = _judged(params.model_dump(mode="json"), account)
    refused = authority.refusal(level, request.action, judged)
    if refused:  # not for any approval: the level may not do it at all
        raise NotAuthorised(f"{request.operator_id}'s level ({level_name}): {refused}")
    beyond = authority.beyond(level, request.action, judged, request.on)
    if beyond:
        operators_repo.open_approval(request.request_id, request.on, request.model_dump(mode="json"), beyond)
        metrics.add_metric(name="OperatorActionPending", unit="Count", value=1)
        return {"status": "pending_approval", "reason": beyond}

    def done(result: dict) -> dict:
        return {"status": "done", "result": result}

    audit = _audit_of(request, level_name, request.account_id, done)
    return done(ON_ACCOUNT[request.action](request, params, account, audit))


def _decide(request: OperatorRequest, level_name: str) -> tuple[dict, str | None]:
    params: DecisionParams = parse(DecisionParams, request.params)
    item = operators_repo.approval(params.approval_id)
    if item.status != operators_repo.PENDING:
        raise InvalidInput(f"approval {params.approval_id} was already {item.status}")
    original = OperatorRequest.model_validate(item.detail["request"])
    account = accounts_repo.get_account(original.account_id or "") if request.action == "approve" else None
    rules = authority.load_authority()
    refused = authority.refusal_to_decide(
        request.operator_id,
        rules.level(level_name),
        original.operator_id,
        rules.level(operators_repo.operator_level(original.operator_id)),
        same_person=original.operator_id == request.operator_id
        or (bool(original.operator_sub) and original.operator_sub == request.operator_sub),
        approving=(original.action, _judged(original.params, account), original.on) if account else None,
    )
    if refused:
        raise NotAuthorised(refused)
    if account is not None:

        def done(result: dict) -> dict:
            return {"status": "done", "approved": params.approval_id, "result": result}

        # the approver's request carries the action out: its audit record is the one written with it
        audit = _audit_of(request, level_name, original.account_id, done)
        result = ON_ACCOUNT[original.action](
            original, parse(PARAMS[original.action], original.params), account, audit
        )
        operators_repo.decide_approval(item, operators_repo.APPROVED, request.operator_id, params.note)
        return done(result), original.account_id
    operators_repo.decide_approval(item, operators_repo.REJECTED, request.operator_id, params.note)
    return {"status": "rejected", "rejected": params.approval_id}, original.account_id


def _judged(params: dict, account: Account) -> dict:
    """The parameters authority judges: the request's, with the account's currency (an
    adjustment's limit is per currency)."""
    return {**params, "currency": account.currency}


def _read(request: OperatorRequest, level_name: str) -> dict:
    """Who the token says the caller is; an account's personal data (opened for a level that may
    see it, masked for any other); or the accounts an email or phone belongs to. A read of personal
    data is audited on each account it concerns, naming what was seen, never a value."""
    level = authority.load_authority().level(level_name)
    if request.action in letters.READS:  # a letter, masked below see_personal_data; audited as seen
        answer, seen = letters.read(request, level)
        audit = _audit_item(request, level_name, _answer(request, seen), request.account_id)
        accounts_repo.put_activity(audit, once=True)
        return answer
    if request.action == "whoami":
        return {
            "username": request.operator_id,
            "level": level_name,
            "see_personal_data": level.see_personal_data,
            "decides_charge_off": level.charge_off,
        }
    if request.action == "find_customer":
        answer = contacts.find(parse(FindParams, request.params))
        for account_id in sorted({f["account_id"] for f in answer["found"]}):
            _audit_read(request, level_name, account_id, "read", [f"found_by:{answer['kind']}"])
        return answer
    if not request.account_id:
        raise InvalidInput("personal_data needs an account_id")
    account = accounts_repo.get_account(request.account_id)
    answer, seen = contacts.personal_data(account, level.see_personal_data)
    if not level.see_personal_data:
        answer |= {
            "masked": True,
            "why": f"{request.operator_id}'s level ({level_name}) does not see personal data",
        }
    _audit_read(
        request, level_name, account.account_id, "read" if level.see_personal_data else "read_masked", seen
    )
    return answer


def _audit_read(
    request: OperatorRequest, level_name: str, account_id: str, status: str, seen: list[str]
) -> None:
    audit = {"status": status, "result": {"fields": seen}}  # what was seen, not the values
    accounts_repo.put_activity(
        _audit_item(request, level_name, _answer(request, audit), account_id), once=True
    )
