"""Lambda handlers of the credit-review workflow: parse the event, call the logic, shape the answer."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from arrears.adapters.observability import instrumented, logger, metrics
from arrears.domain.bureau import CreditReport, Purpose
from arrears.domain.workflow_requests import BeginRequest, ManualReviewRequest, StepRequest
from arrears.runtime import workflow_steps
from arrears.runtime.settings import CreditReviewSettings, get_credit_review_settings
from arrears.runtime.workflow_steps import parse, step_record
from arrears.store import accounts_repo
from arrears.store.models import bind_models
from aws_lambda_powertools.utilities.typing import LambdaContext

from credit_review import decision as rules
from credit_review import review

ACTOR = "credit_review"
KIND = "credit_review"  # the timeline kind of the workflow's own records
_record = partial(step_record, KIND)
review_step = instrumented(correlation_id_path="execution")


class DecideRequest(StepRequest):
    report: dict | None = None


class ChangeRequest(DecideRequest):
    decision: dict


def _setup() -> CreditReviewSettings:
    settings = get_credit_review_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


@review_step
def begin(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(BeginRequest, event).step()
    out = request.model_dump(mode="json")
    refused = workflow_steps.begin(
        KIND,
        request,
        lambda a: rules.refusal(a, request.as_of, settings.cooldown_days),
        lambda a: a.reviewed_on,
        lambda a: replace(a, reviewed_on=request.as_of),
        {"purpose": Purpose.ACCOUNT_REVIEW.value},
    )
    if refused:
        metrics.add_metric(name="CreditReviewRefused", unit="Count", value=1)
        return {**out, "eligible": False, "refused": refused}
    return {**out, "eligible": True}


@review_step
def pull(event: dict, context: LambdaContext) -> dict:
    """A soft pull for account review; a retried step reuses what it paid for."""
    settings = _setup()
    request = parse(StepRequest, event)
    report, pulled = review.soft_pull(settings, request.account_id, request.as_of, request.execution)
    if pulled:
        metrics.add_metric(name=f"BureauPull_{report['outcome']}", unit="Count", value=1)
    return {"report": report}


@review_step
def decide(event: dict, context: LambdaContext) -> dict:
    _setup()
    request = parse(DecideRequest, event)
    account = accounts_repo.get_account(request.account_id)
    report = CreditReport.model_validate(request.report) if request.report else None
    decided = rules.decide(account, report, rules.load_rules())
    accounts_repo.put_activity(_record(request, "decision", decided.to_dict())(account), once=True)
    logger.info(
        "credit review decided",
        extra={"account_id": account.account_id, "action": decided.action, "rule": decided.rule},
    )
    metrics.add_metric(name=f"CreditReview_{decided.action}", unit="Count", value=1)
    return decided.to_dict()


@review_step
def change_limit(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(ChangeRequest, event)
    decided = rules.Decision(**{**request.decision, "reasons": tuple(request.decision["reasons"])})
    report = CreditReport.model_validate(request.report) if request.report else None
    changed = review.change_limit(
        settings, request.account_id, request.as_of, request.execution, decided, report
    )
    if changed["changed"]:
        metrics.add_metric(name="CreditLimitChanged", unit="Count", value=1)
    return changed


@review_step
def manual_review(event: dict, context: LambdaContext) -> dict:
    _setup()
    handed = workflow_steps.hand_to_operator(parse(ManualReviewRequest, event), "review_credit_line", ACTOR)
    metrics.add_metric(name="CreditReviewManualReview", unit="Count", value=1)
    return handed
