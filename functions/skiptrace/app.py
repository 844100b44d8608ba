"""Lambda handlers of the skip-trace workflow: parse the event, call the logic, shape the answer."""

from __future__ import annotations

from functools import partial

from arrears import accounts_repo, bureau_repo, workflow_steps
from arrears.bureau import Purpose
from arrears.errors import DuplicateEntry, InvalidInput
from arrears.models import bind_models
from arrears.observability import instrumented, logger, metrics
from arrears.settings import SkipTraceSettings, get_skiptrace_settings
from arrears.workflow_requests import BeginRequest, ManualReviewRequest
from arrears.workflow_steps import parse, ran_today, step_record
from aws_lambda_powertools.utilities.typing import LambdaContext

from skiptrace import waterfall
from skiptrace.events import FinishRequest, SearchRequest
from skiptrace.providers import provider_for

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
    account = accounts_repo.get_account(request.account_id)
    context_out = {**request.model_dump(mode="json"), "index": 0}
    refused = waterfall.refusal(account, request.as_of, settings.cooldown_days) or ran_today(
        KIND, account.traced_on, request
    )
    providers = {"providers": [p.name for p in settings.providers]}
    if not workflow_steps.begin(
        KIND, request, account, refused, lambda a: waterfall.started(a, request.as_of), providers
    ):
        logger.info("skip-trace refused", extra={"account_id": account.account_id, "why": refused})
        metrics.add_metric(name="SkipTraceRefused", unit="Count", value=1)
        return {**context_out, "eligible": False, "refused": refused}
    return {**context_out, "eligible": True, "providers": len(settings.providers)}


@trace_step
def search(event: dict, context: LambdaContext) -> dict:
    """One provider of the waterfall; a retried step reuses the answer it paid for, never pays twice."""
    settings = _setup()
    request = parse(SearchRequest, event)
    if request.index >= len(settings.providers):
        raise InvalidInput(f"there is no provider {request.index}; {len(settings.providers)} are configured")
    config = settings.providers[request.index]
    last = request.index + 1 >= len(settings.providers)
    earlier = bureau_repo.recorded_pull(request.account_id, request.as_of, request.execution, config.name)
    if earlier is not None:
        return {
            "located": earlier["located"],
            "provider": config.name,
            "next": request.index + 1,
            "last": last,
        }
    account = accounts_repo.get_account(request.account_id)
    answer = provider_for(config, request.index, settings.region).search(
        account.account_id, account.jurisdiction, Purpose.COLLECTION, f"{request.execution}:{config.name}"
    )
    located = waterfall.located(answer, settings.confidence)
    pull = bureau_repo.Pull(
        account_id=account.account_id,
        on=request.as_of,
        workflow="skiptrace",
        execution=request.execution,
        provider=config.name,
        purpose=Purpose.COLLECTION.value,
        cost_minor=config.cost_minor,
        currency=config.currency,
        outcome=answer.outcome,
        reference=answer.reference,
        actor=ACTOR,
        findings={"located": located, "best_confidence": answer.best(), "candidates": len(answer.candidates)},
    )
    candidates = [
        bureau_repo.timeline_item(
            account.account_id,
            request.as_of,
            "contact_candidate",
            f"{request.execution}:{config.name}:{i}",
            ACTOR,
            {**c.model_dump(mode="json"), "source": config.name, "verified": False},
        )
        for i, c in enumerate(answer.candidates)
    ]
    bureau_repo.record_pull(pull, candidates)
    metrics.add_metric(name=f"SkipTrace_{answer.outcome}", unit="Count", value=1)
    logger.info(
        "skip-trace searched",
        extra={"account_id": account.account_id, "provider": config.name, "outcome": answer.outcome},
    )
    return {"located": located, "provider": config.name, "next": request.index + 1, "last": last}


@trace_step
def finish(event: dict, context: LambdaContext) -> dict:
    _setup()
    request = parse(FinishRequest, event)
    change = waterfall.found if request.located else waterfall.exhausted
    try:
        account = accounts_repo.apply_with_record(
            request.account_id,
            lambda a: change(a, request.as_of),
            _record(request, "outcome", {"located": request.located, "provider": request.provider}),
        )
    except DuplicateEntry:
        account = accounts_repo.get_account(request.account_id)
    if not request.located:
        bureau_repo.open_task(
            request.account_id, request.as_of, "locate_customer", "unlocatable",
            "no provider found a contact point at the confidence threshold", ACTOR,
        )  # fmt: skip
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
