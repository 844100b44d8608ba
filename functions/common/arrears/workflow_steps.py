"""What every step of a per-account workflow does the same way: parse its input, record itself once,
and refuse a second run of the workflow on the same day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, ValidationError

from arrears import bureau_repo
from arrears.account import Account
from arrears.errors import InvalidInput
from arrears.models import ActivityModel
from arrears.workflow_requests import StepRequest


def parse(model: type[BaseModel], event: dict):
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidInput(str(exc)) from exc


def step_record(
    kind: str, request: StepRequest, key: str, detail: dict
) -> Callable[[Account], ActivityModel]:
    """The timeline item a step leaves, keyed by its execution: written once however often it runs."""

    def build(_account: Account) -> ActivityModel:
        return ActivityModel(
            request.account_id,
            f"{request.as_of.isoformat()}#{kind}#{request.execution}:{key}",
            kind=kind,
            occurred_on=request.as_of.isoformat(),
            actor=request.requested_by,
            detail={"execution": request.execution, "reason": request.reason, **detail},
        )

    return build


def ran_today(kind: str, last_run: date | None, request: StepRequest) -> str | None:
    """Once a day: another execution today is refused; this execution's retried first step is not."""
    if last_run != request.as_of:
        return None
    mine = f"{request.as_of.isoformat()}#{kind}#{request.execution}:started"
    return None if bureau_repo.recorded(request.account_id, mine) else "already ran today"
