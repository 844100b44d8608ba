"""Operators, their requests and pending approvals in DynamoDB.

- `operators` / `<username>`: the roster, bound to the Cognito user's `sub`; an operator's level
  and whether they may act at all are read here on every request, never taken from the caller.
- `request#<request id>` / `response`: the answer to a request, so a repeated request id gets
  the first answer and changes nothing.
- `approvals` / `<request id>`: an action beyond its operator's level, until approved or rejected.
"""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import PutError, UpdateError

from arrears.domain.errors import AccountNotFound, InvalidInput, OperatorDisabled
from arrears.store.models import ActivityModel
from arrears.store.store_errors import is_conditional_failure, store_errors

ROSTER, APPROVALS = "operators", "approvals"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
ACTIVE, DISABLED = "active", "disabled"


def put_operator(
    operator_id: str, level: str, name: str, on: date, actor: str, subject: str | None = None
) -> None:
    """Add an operator (or change their level); `subject` binds the roster entry to one Cognito user."""
    item = ActivityModel(
        ROSTER, operator_id, kind="operator", occurred_on=on.isoformat(), actor=actor, status=ACTIVE,
        detail={"level": level, "name": name, "subject": subject},
    )  # fmt: skip
    with store_errors():
        item.save()


def _entry(operator_id: str) -> ActivityModel:
    with store_errors():
        try:
            return ActivityModel.get(ROSTER, operator_id, consistent_read=True)
        except ActivityModel.DoesNotExist:
            raise OperatorDisabled(f"{operator_id!r} is not on the operators' roster") from None


def operator_level(operator_id: str) -> str:
    return _entry(operator_id).detail["level"]


def verified_level(username: str, subject: str) -> str:
    """The level of the operator a verified token names, read now: a disabled or demoted operator
    loses authority at once, not when their token expires, and a new user given a deleted user's
    name inherits nothing (the roster is bound to the user's `sub`)."""
    entry = _entry(username)
    if entry.status == DISABLED:
        raise OperatorDisabled(f"operator {username!r} is disabled")
    bound = entry.detail.get("subject")
    if bound is not None and bound != subject:
        raise OperatorDisabled(f"operator {username!r} on the roster is another user")
    return entry.detail["level"]


def disable_operator(operator_id: str, on: date, actor: str) -> None:
    entry = _entry(operator_id)
    detail = {**entry.detail, "disabled_on": on.isoformat(), "disabled_by": actor}
    with store_errors():
        entry.update(actions=[ActivityModel.status.set(DISABLED), ActivityModel.detail.set(detail)])


def roster() -> list[ActivityModel]:
    with store_errors():
        return list(ActivityModel.query(ROSTER, consistent_read=True))


def answered(request_id: str) -> dict | None:
    with store_errors():
        try:
            return ActivityModel.get(f"request#{request_id}", "response").detail
        except ActivityModel.DoesNotExist:
            return None


def remember(request_id: str, on: date, actor: str, response: dict) -> dict:
    """Store the answer once; if another call stored one first, that one is the answer."""
    item = ActivityModel(
        f"request#{request_id}", "response", kind="request", occurred_on=on.isoformat(), actor=actor,
        detail=response,
    )  # fmt: skip
    try:
        with store_errors():
            item.save(condition=ActivityModel.pk.does_not_exist())
        return response
    except PutError as exc:
        if is_conditional_failure(exc):
            return answered(request_id) or response
        raise


def open_approval(request_id: str, on: date, request: dict, reason: str) -> None:
    item = ActivityModel(
        APPROVALS, request_id, kind="approval", occurred_on=on.isoformat(), actor=request["operator_id"],
        status=PENDING, detail={"request": request, "reason": reason},
    )  # fmt: skip
    with store_errors():
        item.save(condition=ActivityModel.sk.does_not_exist())


def approval(request_id: str) -> ActivityModel:
    with store_errors():
        try:
            return ActivityModel.get(APPROVALS, request_id)
        except ActivityModel.DoesNotExist:
            raise AccountNotFound(f"no approval {request_id!r}") from None


def decide_approval(item: ActivityModel, status: str, by: str, note: str) -> None:
    """pending -> approved | rejected, once: a second decision finds it decided and is refused."""
    detail = {**item.detail, "decided_by": by, "note": note}
    try:
        with store_errors():
            item.update(
                actions=[ActivityModel.status.set(status), ActivityModel.detail.set(detail)],
                condition=ActivityModel.status == PENDING,
            )
    except UpdateError as exc:
        if is_conditional_failure(exc):
            raise InvalidInput(f"approval {item.sk} was already {approval(item.sk).status}") from exc
        raise


def pending_approvals() -> list[ActivityModel]:
    with store_errors():
        return list(ActivityModel.query(APPROVALS, filter_condition=ActivityModel.status == PENDING))
