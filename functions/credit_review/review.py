"""The credit review's steps that reach outside: the soft pull and the limit change.

Each is safe to retry: a pull this execution already paid for is reused, and a limit change is
made on the card platform under the execution's id and recorded with the account once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from arrears.domain.account import Account
from arrears.domain.adverse_action import notice_due_by
from arrears.domain.bureau import CreditReport, Purpose
from arrears.domain.errors import DuplicateEntry
from arrears.domain.strategy import load_strategies, strategy_for
from arrears.runtime.settings import CreditReviewSettings
from arrears.store import accounts_repo, bureau_repo

from credit_review import decision as rules
from credit_review.providers import bureau_for, card_platform_for

ACTOR = "credit_review"


def soft_pull(settings: CreditReviewSettings, account_id: str, on: date, execution: str) -> tuple[dict, bool]:
    """The report as stored (FCRA §604(a)(3)(A), account review) and whether it was pulled now:
    this execution's earlier pull is reused; a new one is recorded with its cost and purpose."""
    config = settings.bureau
    earlier = bureau_repo.recorded_pull(account_id, on, execution, config.name)
    if earlier is not None:
        return earlier["report"], False
    account = accounts_repo.get_account(account_id)
    report = bureau_for(config, settings.region).soft_pull(
        account.account_id, account.jurisdiction, Purpose.ACCOUNT_REVIEW, on, f"{execution}:{config.name}"
    )
    stored = report.model_dump(mode="json")
    bureau_repo.record_pull(
        bureau_repo.Pull(
            account_id=account.account_id, on=on, workflow="credit_review", execution=execution,
            provider=config.name, purpose=Purpose.ACCOUNT_REVIEW.value, cost_minor=config.cost_minor,
            currency=config.currency, outcome=report.outcome, reference=report.reference, actor=ACTOR,
            findings={"report": stored},
        )
    )  # fmt: skip
    return stored, True


def change_limit(
    settings: CreditReviewSettings,
    account_id: str,
    on: date,
    change_id: str,
    decided: rules.Decision,
    report: CreditReport | None,
) -> dict:
    """The change on the card platform (idempotent by change id), then our record, the account and
    the customer's notice in one transaction: a retry changes nothing twice.

    The notice is written first: one that cannot name what the law asks (AdverseActionIncomplete)
    stops the step before the line changes. The record keeps the day of the decision and, for a
    notice the law requires, the day it is due (Reg B §1002.9(a)(1)(iii)), which the compliance
    report holds the letter's send date to.
    """
    account = accounts_repo.get_account(account_id)
    letter = rules.notice(decided, report, on, _ecoa_agencies(account) if decided.ecoa_statement else ())
    confirmed = card_platform_for(settings.card_platform, settings.region).change_limit(
        change_id, account.account_id, decided.new_limit, decided.freeze
    )
    detail = {
        **decided.to_dict(),
        "change_id": change_id,
        "platform_reference": confirmed.reference,
        "decided_on": on.isoformat(),
        "notice_trigger": letter.trigger,
        "notice_due_by": notice_due_by(on).isoformat() if rules.owed_by_law(decided) else None,
    }

    def change(current: Account) -> tuple[Account, list]:
        updated = replace(
            current,
            credit_limit=confirmed.new_limit,
            charging_frozen=confirmed.charging_frozen,
            notices=(*current.notices, letter),
            next_action_on=min(current.next_action_on or on, on),
        )
        record = bureau_repo.timeline_item(
            current.account_id, on, "limit_change", change_id, ACTOR, detail,
            amount=confirmed.new_limit, currency=current.currency,
        )  # fmt: skip
        return updated, [record]

    try:
        accounts_repo.apply_with_writes(account_id, change)
    except DuplicateEntry:
        return {"changed": False, "change_id": change_id}  # recorded by an earlier try
    return {"changed": True, "change_id": change_id, "new_limit": confirmed.new_limit}


def _ecoa_agencies(account: Account) -> tuple[str, ...]:
    """The agencies the creditor's strategy names (none without a strategy: the notice then stops)."""
    strategy = strategy_for(load_strategies(), account.product_type, account.jurisdiction, account.placement)
    return strategy.creditor.ecoa_agencies if strategy is not None else ()
