"""What every step of a per-account workflow does the same way: parse its input, record itself once,
and refuse a second run of the workflow on the same day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, ValidationError

from arrears import bureau_repo
from arrears.account import Account
from arrears.errors import InvalidInput
from arrears.models import ActivityModel, timeline_sk
from arrears.workflow_requests import StepRequest


def _message(error: dict) -> str:
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
        return ActivityModel(
            request.account_id,
            timeline_sk(request.as_of, kind, f"{request.execution}:{key}"),
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
    mine = timeline_sk(request.as_of, kind, f"{request.execution}:started")
    return None if bureau_repo.recorded(request.account_id, mine) else "already ran today"
