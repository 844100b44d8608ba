"""The credit-review workflow through its real ASL on the local cloud: pull, decide, change, notice.

The sandbox bureau answers by account id (arrears.adapters.sandbox): markers THROTTLE, OUTAGE, MALFORMED,
THIN; other ids get a stable score, so each test picks an id whose score it needs.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.adapters.sandbox import roll
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.adverse_action import ecoa_agencies, score_reasons
from arrears.domain.bureau import KeyFactor
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from credit_review.bureau.sandbox import SandboxBureau

from arrears_cli import compliance_check, executions
from tests.people import give_customer

AS_OF = date(2026, 3, 1)
LIMIT = 500_000


def _card(stack, account_id: str, dpd: int, jurisdiction: str = "US", balance: int = 200_000) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", balance, balance,
            (Due(AS_OF - timedelta(days=dpd) if dpd else AS_OF + timedelta(days=10), 9000),),
            "en-US", "America/New_York", jurisdiction,
            home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=AS_OF,
            credit_limit=LIMIT,
        )
    )  # fmt: skip
    if dpd:
        run_at = datetime.combine(AS_OF, time(12), ZoneInfo("America/New_York"))
        assert executions.run_cycle(stack, "main", AS_OF, run_at)["status"] == "SUCCEEDED"


def _with_score(prefix: str, low: int, high: int, max_elsewhere: int = 9) -> str:
    """An ordinary id (no fault, not thin) whose sandbox score falls in [low, high]."""
    for i in range(5000):
        account_id = f"{prefix}{i}"
        clean = (
            roll("fault", "bureau-soft", account_id) >= 190
            and 9_999 - roll("shape", "bureau-soft", account_id) >= 40
        )
        raw = SandboxBureau("bureau-soft")._raw(account_id, "US", AS_OF)
        scored = raw["outcome"] == "scored" and raw["delinquencies_elsewhere"] <= max_elsewhere
        if clean and scored and low <= raw["score"] <= high:
            return account_id
    raise AssertionError("no such id")


def _review(cloud, stack, account_id: str, name: str | None = None) -> tuple[dict, list[str]]:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=cloud.stack.outputs["CreditReviewStateMachineArn"],
        name=name or f"credit-review-{account_id}-{AS_OF.isoformat()}",
        input=json.dumps({"account_id": account_id, "as_of": AS_OF.isoformat(), "reason": "dpd"}),
    )["executionArn"]
    described = executions.wait(stack, arn, timeout_s=120)
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return described, [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


def _kind(account_id: str, kind: str) -> list:
    return accounts_repo.timeline(account_id, kind=kind)


def _notice(account_id: str) -> dict[str, object]:
    notices = [n for n in accounts_repo.get_account(account_id).notices if n.code == "credit_line_change"]
    assert len(notices) == 1
    return dict(notices[0].extra)


def test_a_seriously_delinquent_card_is_revoked_with_a_notice_that_claims_no_adverse_action_rights(
    cloud, stack
):
    account_id = _with_score("CR-REV", 300, 850)
    _card(stack, account_id, dpd=95)

    described, entered = _review(cloud, stack, account_id)

    assert described["status"] == "SUCCEEDED" and entered[-1] == "Line changed"
    account = accounts_repo.get_account(account_id)
    assert (account.credit_limit, account.charging_frozen) == (0, True)
    [change] = _kind(account_id, "limit_change")
    assert (change.detail["action"], change.detail["reasons"]) == ("close", ["delinquent_with_us"])
    pulls = _kind(account_id, "bureau_pull")
    assert [(p.detail["purpose"], int(p.amount)) for p in pulls] == [("account_review", 45)]
    extra = _notice(account_id)
    # Reg B §1002.2(c)(2)(ii): an action for this account's delinquency is not adverse action;
    # the report was not what decided it, so no §615 notice either
    assert (extra["action"], extra["ecoa_statement"], extra["fcra_disclosure"]) == ("close", False, False)


def test_a_low_score_reduces_the_line_with_the_ecoa_reasons_and_the_fcra_score_disclosure_in_time(
    cloud, stack
):
    account_id = _with_score("CR-LOW", 300, 579)
    _card(stack, account_id, dpd=0)
    give_customer(stack, account_id)  # an address to send the notice to

    described, _ = _review(cloud, stack, account_id)

    assert described["status"] == "SUCCEEDED"
    assert accounts_repo.get_account(account_id).credit_limit == LIMIT * 70 // 100
    extra = _notice(account_id)
    assert extra["ecoa_statement"] and extra["fcra_disclosure"]
    # what lowered the score, from the bureau's key factors by code; never the score itself (Reg B)
    raw = SandboxBureau("bureau-soft")._raw(account_id, "US", AS_OF)
    factors = [KeyFactor.model_validate(f) for f in raw["key_factors"]]
    assert extra["reasons"] == list(score_reasons(factors, raw["score_model"])[:4])
    assert extra["ecoa_agencies"] == ecoa_agencies(["cfpb"])  # the creditor's, from its strategy
    assert extra["score"] <= 579 and (extra["score_low"], extra["score_high"]) == (300, 850)
    assert extra["bureau"]["name"] and 1 <= len(extra["key_factors"]) <= 5
    # the 30 days of Reg B §1002.9(a)(1)(iii), from the day of the decision
    [change] = _kind(account_id, "limit_change")
    assert (change.detail["decided_on"], change.detail["notice_due_by"]) == ("2026-03-01", "2026-03-31")
    assert compliance_check.report(date(2026, 3, 31)) == []
    overdue = [(v["account_id"], v["rule"]) for v in compliance_check.report(date(2026, 4, 1))]
    assert overdue == [(account_id, "adverse_action_notice_overdue")]

    # the next business day's cycle sends it: in time, whenever the report is asked for
    run_at = datetime.combine(date(2026, 3, 2), time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", date(2026, 3, 2), run_at)["status"] == "SUCCEEDED"
    [letter] = [x for x in _kind(account_id, "letter") if x.detail.get("code") == "credit_line_change"]
    assert (letter.status, letter.occurred_on) == ("printed", "2026-03-02")
    assert compliance_check.report(date(2026, 12, 1)) == []


def test_an_average_score_keeps_the_line_and_owes_no_notice(cloud, stack):
    account_id = _with_score("CR-MID", 600, 700, max_elsewhere=1)
    _card(stack, account_id, dpd=0)

    described, entered = _review(cloud, stack, account_id)

    assert described["status"] == "SUCCEEDED" and entered[-1] == "Line kept"
    assert accounts_repo.get_account(account_id).credit_limit == LIMIT
    assert _kind(account_id, "limit_change") == [] and accounts_repo.get_account(account_id).notices == ()
    assert [d.detail["action"] for d in _kind(account_id, "credit_review") if "action" in d.detail] == [
        "keep"
    ]


def test_a_throttled_bureau_is_retried_and_the_review_completes(cloud, stack):
    _card(stack, "CR-THROTTLE", dpd=95)

    described, entered = _review(cloud, stack, "CR-THROTTLE")

    assert described["status"] == "SUCCEEDED" and entered.count("Pull the credit report") == 1
    assert len(_kind("CR-THROTTLE", "bureau_pull")) == 1 and len(_kind("CR-THROTTLE", "limit_change")) == 1


@pytest.mark.parametrize(
    ("account_id", "error"), [("CR-OUTAGE", "ProviderUnavailable"), ("CR-MALFORMED", "ProviderBadResponse")]
)
def test_an_outage_or_a_malformed_report_goes_to_manual_review_and_changes_nothing(
    cloud, stack, account_id, error
):
    _card(stack, account_id, dpd=95)

    described, entered = _review(cloud, stack, account_id)

    assert described["status"] == "FAILED" and described["error"] == error
    assert entered[-2:] == ["Hand the account to an operator", "A provider failed"]
    assert [t.detail["task"] for t in _kind(account_id, "task")] == ["review_credit_line"]
    assert _kind(account_id, "bureau_pull") == [] and _kind(account_id, "limit_change") == []
    assert accounts_repo.get_account(account_id).credit_limit == LIMIT


def test_a_second_review_the_same_day_changes_nothing_twice(cloud, stack):
    account_id = _with_score("CR-TWICE", 300, 850)
    _card(stack, account_id, dpd=95)
    _review(cloud, stack, account_id)

    again, entered = _review(cloud, stack, account_id, name=f"operator-review-{account_id}")

    assert again["status"] == "SUCCEEDED" and entered[-1] == "Not reviewed"
    assert len(_kind(account_id, "limit_change")) == 1 and len(_kind(account_id, "bureau_pull")) == 1
