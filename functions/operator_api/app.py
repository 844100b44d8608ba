"""Lambda handler of the operator API (invoked with IAM auth): every operator action, whatever the client.

Order of work: parse, answer a repeated request id with its first answer, read the operator's
level from the roster, validate the action's parameters, then carry it out or, beyond the
level, open a pending approval. Every request leaves an audit record.
"""

from __future__ import annotations

from collections.abc import Callable

from arrears import accounts_repo, authority, operators_repo
from arrears.errors import InvalidInput, NotAuthorised
from arrears.models import ActivityModel, bind_models
from arrears.observability import instrumented, logger, metrics
from arrears.settings import get_settings
from arrears.workflow_steps import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from operator_api.actions import ON_ACCOUNT, Audit
from operator_api.requests import PARAMS, DecisionParams, OperatorRequest

operator_call = instrumented(correlation_id_path="request_id")


def _audit_item(
    request: OperatorRequest, level: str, response: dict, account_id: str | None
) -> ActivityModel:
    return ActivityModel(
        account_id or operators_repo.APPROVALS,
        f"{request.on.isoformat()}#operator_action#{request.request_id}",
        kind="operator_action",
        occurred_on=request.on.isoformat(),
        actor=request.operator_id,
        status=response["status"],
        detail={"level": level, "action": request.action, "params": request.params, "response": response},
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
    beyond = authority.beyond(level, request.action, params.model_dump(mode="json"), request.on)
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
    rules = authority.load_authority()
    mine, theirs = rules.level(level_name), rules.level(operators_repo.operator_level(original.operator_id))
    if mine.rank <= theirs.rank or original.operator_id == request.operator_id:
        raise NotAuthorised(f"{request.operator_id} cannot decide on a request by {original.operator_id}")
    if request.action == "approve":
        beyond = authority.beyond(mine, original.action, original.params, original.on)
        if beyond:
            raise NotAuthorised(f"beyond {request.operator_id}'s own authority too: {beyond}")
        account = accounts_repo.get_account(original.account_id or "")

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


@operator_call
def handle(event: dict, context: LambdaContext) -> dict:
    settings = get_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    request = parse(OperatorRequest, event)
    earlier = operators_repo.answered(request.request_id)
    if earlier is not None:
        return earlier
    level_name = operators_repo.operator_level(request.operator_id)
    if request.action in ("approve", "reject"):
        response, account_id = _decide(request, level_name)
    else:
        response, account_id = _on_account(request, level_name), request.account_id
    response = _answer(request, response)
    accounts_repo.put_activity(_audit_item(request, level_name, response, account_id), once=True)
    logger.info("operator action", extra={"action": request.action, "status": response["status"]})
    metrics.add_metric(name=f"OperatorAction_{request.action}", unit="Count", value=1)
    return operators_repo.remember(request.request_id, request.on, request.operator_id, response)
