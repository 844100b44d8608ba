"""Lambda handlers of the skip-trace workflow: parse the event, call the logic, shape the answer."""

from __future__ import annotations

from functools import partial

from arrears.adapters.observability import instrumented, logger, metrics
from arrears.domain.workflow_requests import BeginRequest, ManualReviewRequest
from arrears.runtime import workflow_steps
from arrears.runtime.settings import SkipTraceSettings, get_personal_data_settings, get_skiptrace_settings
from arrears.runtime.workflow_steps import parse, step_record
from arrears.store.models import bind_models
from aws_lambda_powertools.utilities.typing import LambdaContext

from skiptrace import search as searching
from skiptrace import waterfall
from skiptrace.events import FinishRequest, SearchRequest

ACTOR = "skiptrace"
KIND = "skiptrace"  # the timeline kind of the workflow's own records
_record = partial(step_record, KIND)
trace_step = instrumented(correlation_id_path="execution")


def _setup() -> SkipTraceSettings:
    settings = get_skiptrace_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


@trace_step
def begin(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(BeginRequest, event).step()
    context_out = {**request.model_dump(mode="json"), "index": 0}
    refused = workflow_steps.begin(
        KIND,
        request,
        lambda a: waterfall.refusal(a, request.as_of, settings.cooldown_days),
        lambda a: a.traced_on,
        lambda a: waterfall.started(a, request.as_of),
        {"providers": [p.name for p in settings.providers]},
    )
    if refused:
        logger.info("skip-trace refused", extra={"account_id": request.account_id, "why": refused})
        metrics.add_metric(name="SkipTraceRefused", unit="Count", value=1)
        return {**context_out, "eligible": False, "refused": refused}
    return {**context_out, "eligible": True, "providers": len(settings.providers)}


@trace_step
def search(event: dict, context: LambdaContext) -> dict:
    """One provider of the waterfall; a retried step reuses the answer it paid for, never pays twice."""
    settings = _setup()
    request = parse(SearchRequest, event)
    keys = get_personal_data_settings().keys()
    found = searching.search(
        settings, keys, request.account_id, request.as_of, request.execution, request.index
    )
    if found.outcome is not None:
        metrics.add_metric(name=f"SkipTrace_{found.outcome}", unit="Count", value=1)
        logger.info(
            "skip-trace searched",
            extra={"account_id": request.account_id, "provider": found.provider, "outcome": found.outcome},
        )
    last = request.index + 1 >= len(settings.providers)
    return {"located": found.located, "provider": found.provider, "next": request.index + 1, "last": last}


@trace_step
def finish(event: dict, context: LambdaContext) -> dict:
    _setup()
    request = parse(FinishRequest, event)
    account = searching.conclude(request, partial(_record, request, "outcome"))
    metrics.add_metric(
        name="SkipTraceLocated" if request.located else "SkipTraceExhausted", unit="Count", value=1
    )
    return {"located": request.located, "status": account.status.value}


@trace_step
def manual_review(event: dict, context: LambdaContext) -> dict:
    """A provider failed in a way retries do not fix: an operator takes the account, the execution fails."""
    _setup()
    handed = workflow_steps.hand_to_operator(parse(ManualReviewRequest, event), "review_skiptrace", ACTOR)
    metrics.add_metric(name="SkipTraceManualReview", unit="Count", value=1)
    return handed
