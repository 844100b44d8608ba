"""What every step of a per-account workflow does the same way: parse its input, record itself once,
refuse a second run of the workflow on the same day, begin, and hand an account to an operator."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from arrears.domain.account import Account
from arrears.domain.errors import DuplicateEntry, InvalidInput, lambda_error_message
from arrears.domain.workflow_requests import ManualReviewRequest, StepRequest
from arrears.store import accounts_repo, bureau_repo
from arrears.store.models import ActivityModel, timeline_entry, timeline_sk


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's words, except where they would name one of our models."""
    if error["type"] in ("model_type", "model_attributes_type", "dataclass_type"):
        return "should be an object"
    return error["msg"]


def parse(model: type[BaseModel], event: object, what: str = "the request"):
    """A model of `event`, or InvalidInput naming each problem by its field (never our model)."""
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or what}: {_message(e)}" for e in exc.errors()[:5]
        )
        raise InvalidInput(f"{what} is malformed: {problems}") from exc


def step_record(
    kind: str, request: StepRequest, key: str, detail: dict
) -> Callable[[Account], ActivityModel]:
    """The timeline item a step leaves, keyed by its execution: written once however often it runs."""

    def build(_account: Account) -> ActivityModel:
        return timeline_entry(
            request.account_id,
            request.as_of,
            kind,
            f"{request.execution}:{key}",
            request.requested_by,
            {"execution": request.execution, "reason": request.reason, **detail},
        )

    return build


def ran_today(kind: str, last_run: date | None, request: StepRequest) -> str | None:
    """Once a day: another execution today is refused; this execution's retried first step is not."""
    if last_run != request.as_of:
        return None
    mine = timeline_sk(request.as_of, kind, f"{request.execution}:started")
    return None if bureau_repo.recorded(request.account_id, mine) else "already ran today"


def begin(
    kind: str,
    request: StepRequest,
    refusal: Callable[[Account], str | None],
    last_run: Callable[[Account], date | None],
    start: Callable[[Account], Account],
    started: dict,
) -> str | None:
    """The workflow's first step: why it is refused (recorded, returned), or None once it is
    started on the account (a retried first step finds it started and goes on). Refused by the
    workflow's own rule, or because another execution ran it today."""
    account = accounts_repo.get_account(request.account_id)
    refused = refusal(account) or ran_today(kind, last_run(account), request)
    if refused:
        accounts_repo.put_activity(
            step_record(kind, request, "refused", {"refused": refused})(account), once=True
        )
        return refused
    with contextlib.suppress(DuplicateEntry):
        accounts_repo.apply_with_record(
            account.account_id, start, step_record(kind, request, "started", started)
        )
    return None


def hand_to_operator(request: ManualReviewRequest, task: str, actor: str) -> dict:
    """A failure retries do not fix: an operator takes the account (a task on it); the execution fails."""
    error = str(request.error.get("Error") or "unknown")
    cause = lambda_error_message(request.error.get("Cause"))
    bureau_repo.open_task(request.account_id, request.as_of, task, error, cause, actor)
    return {"task": task, "error": error}
