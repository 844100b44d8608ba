"""Lambda handlers of the credit-review workflow: parse the event, call the logic, shape the answer."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from arrears import accounts_repo, bureau_repo, workflow_steps
from arrears.bureau import CreditReport, Purpose
from arrears.errors import AccountVersionConflict, DuplicateEntry
from arrears.models import bind_models
from arrears.observability import instrumented, logger, metrics
from arrears.settings import CreditReviewSettings, get_credit_review_settings
from arrears.workflow_requests import BeginRequest, ManualReviewRequest, StepRequest
from arrears.workflow_steps import parse, ran_today, step_record
from aws_lambda_powertools.utilities.typing import LambdaContext

from credit_review import decision as rules
from credit_review.providers import bureau_for, card_platform_for

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
    account = accounts_repo.get_account(request.account_id)
    out = request.model_dump(mode="json")
    refused = rules.refusal(account, request.as_of, settings.cooldown_days) or ran_today(
        "credit_review", account.reviewed_on, request
    )
    started = {"purpose": Purpose.ACCOUNT_REVIEW.value}
    if not workflow_steps.begin(
        "credit_review", request, account, refused, lambda a: replace(a, reviewed_on=request.as_of), started
    ):
        metrics.add_metric(name="CreditReviewRefused", unit="Count", value=1)
        return {**out, "eligible": False, "refused": refused}
    return {**out, "eligible": True}


@review_step
def pull(event: dict, context: LambdaContext) -> dict:
    """A soft pull for account review (FCRA §604(a)(3)(A)); a retried step reuses what it paid for."""
    settings = _setup()
    request = parse(StepRequest, event)
    config = settings.bureau
    earlier = bureau_repo.recorded_pull(request.account_id, request.as_of, request.execution, config.name)
    if earlier is not None:
        return {"report": earlier["report"]}
    account = accounts_repo.get_account(request.account_id)
    report = bureau_for(config, settings.region).soft_pull(
        account.account_id,
        account.jurisdiction,
        Purpose.ACCOUNT_REVIEW,
        request.as_of,
        f"{request.execution}:{config.name}",
    )
    stored = report.model_dump(mode="json")
    bureau_repo.record_pull(
        bureau_repo.Pull(
            account_id=account.account_id,
            on=request.as_of,
            workflow="credit_review",
            execution=request.execution,
            provider=config.name,
            purpose=Purpose.ACCOUNT_REVIEW.value,
            cost_minor=config.cost_minor,
            currency=config.currency,
            outcome=report.outcome,
            reference=report.reference,
            actor=ACTOR,
            findings={"report": stored},
        )
    )
    metrics.add_metric(name=f"BureauPull_{report.outcome}", unit="Count", value=1)
    return {"report": stored}


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
    """The change on the card platform (idempotent by change id), then our record, the account and the
    customer's notice in one transaction: a retry changes nothing twice."""
    settings = _setup()
    request = parse(ChangeRequest, event)
    decided = rules.Decision(**{**request.decision, "reasons": tuple(request.decision["reasons"])})
    report = CreditReport.model_validate(request.report) if request.report else None
    change_id = request.execution
    account = accounts_repo.get_account(request.account_id)
    confirmed = card_platform_for(settings.card_platform, settings.region).change_limit(
        change_id, account.account_id, decided.new_limit, decided.freeze
    )
    letter = rules.notice(decided, report, request.as_of)
    for _ in range(accounts_repo.MAX_ATTEMPTS):
        account = accounts_repo.get_account(request.account_id)
        updated = replace(
            account,
            credit_limit=confirmed.new_limit,
            charging_frozen=confirmed.charging_frozen,
            notices=(*account.notices, letter),
            next_action_on=min(account.next_action_on or request.as_of, request.as_of),
        )
        record = bureau_repo.timeline_item(
            account.account_id,
            request.as_of,
            "limit_change",
            change_id,
            ACTOR,
            {**decided.to_dict(), "change_id": change_id, "platform_reference": confirmed.reference},
            amount=confirmed.new_limit,
            currency=account.currency,
        )
        try:
            accounts_repo.transact([record], updated)
            break
        except DuplicateEntry:
            return {"changed": False, "change_id": change_id}  # recorded by an earlier try
        except AccountVersionConflict:
            continue
    else:
        raise AccountVersionConflict(account.account_id)
    metrics.add_metric(name="CreditLimitChanged", unit="Count", value=1)
    return {"changed": True, "change_id": change_id, "new_limit": confirmed.new_limit}


@review_step
def manual_review(event: dict, context: LambdaContext) -> dict:
    _setup()
    handed = workflow_steps.hand_to_operator(parse(ManualReviewRequest, event), "review_credit_line", ACTOR)
    metrics.add_metric(name="CreditReviewManualReview", unit="Count", value=1)
    return handed
