"""The independent checker finds nothing when the guardrail works, and catches it when it does not."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Decision
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel
from dunning import contacts

from arrears_cli import compliance_check, executions
from tests.people import give_customer

AS_OF = date(2026, 3, 2)  # a Monday: on a weekend the letters would wait, and there would be nothing to check
# What the lender gave with the placement: the debt as of its last statement, the balance since
LENDER = "Arrears Card Services"
PLACED = CreditorData(LENDER, LENDER, ItemizationKind.LAST_STATEMENT, date(2026, 1, 31), 100_000)


def _late(stack, account_id: str, zone: str, email: str | None = None, **fields) -> None:
    accounts_repo.create_account(
        Account(
            account_id,
            "main",
            ProductType.OPEN_END,
            "USD",
            100_000,
            100_000,
            (Due(date(2026, 2, 24), 5000),),
            "en-US",
            zone,
            "US",
            home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
            **fields,
        )
    )
    give_customer(stack, account_id, email=email)  # an address to write to, and `email` to email


def _risky_book(stack) -> None:
    """An early-morning email in Los Angeles, a bankrupt customer, and one who opted out of email."""
    _late(stack, "LA-EMAIL", "America/Los_Angeles", email="la@example.com")
    _late(stack, "BANKRUPT", "America/New_York", holds=("bankruptcy",))
    _late(stack, "NO-EMAIL", "America/New_York", email="no@example.com", opted_out=("email",))


def _run(stack) -> None:
    run_at = datetime.combine(AS_OF, time(9), ZoneInfo("America/New_York"))  # 06:00 in Los Angeles
    assert executions.run_cycle(stack, "main", AS_OF, run_at)["status"] == "SUCCEEDED"


def test_with_the_guardrail_on_the_checker_finds_nothing(stack):
    _risky_book(stack)
    _run(stack)
    assert compliance_check.report() == []
    assert {r.pk for r in compliance_check.letter_records()} == {"LA-EMAIL", "NO-EMAIL"}  # both by post


def test_with_the_guardrail_off_the_checker_reports_each_breach(stack, monkeypatch):
    monkeypatch.setattr(contacts, "check", lambda contact, history, profile: Decision.allow())
    _risky_book(stack)
    _run(stack)
    found = {(v["account_id"], v["rule"]) for v in compliance_check.report()}
    assert found == {("LA-EMAIL", "contact_hours"), ("BANKRUPT", "hold"), ("NO-EMAIL", "opt_out")}


def _placed_past_the_notice(stack) -> None:
    """An instalment loan placed with the agency at 95 days past due (Reg F: the validation notice first)."""
    accounts_repo.create_account(
        Account(
            "AGENCY-95", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
            (Due(AS_OF - timedelta(days=95), 5000),), "en-US", "America/New_York", "US",
            home_shard=shard_of("AGENCY-95", "main", stack.shard_count), next_action_on=AS_OF,
            placement="agency", creditor_data=PLACED,
        )
    )  # fmt: skip
    give_customer(stack, "AGENCY-95")


def test_an_account_placed_past_the_notice_step_gets_the_notice_and_the_checker_finds_nothing(stack):
    _placed_past_the_notice(stack)
    _run(stack)
    sent = [r.detail["code"] for r in compliance_check.letter_records() if r.pk == "AGENCY-95"]
    assert sent == ["validation_notice"]
    assert compliance_check.report(AS_OF + timedelta(days=30)) == []


def test_with_the_guardrail_off_a_demand_without_the_notice_is_flagged(stack, monkeypatch):
    monkeypatch.setattr(contacts, "check", lambda contact, history, profile: Decision.allow())
    monkeypatch.setattr(contacts, "notice_first", lambda due, account, strategy: due)
    _placed_past_the_notice(stack)
    _run(stack)
    sent = [r.detail["code"] for r in compliance_check.letter_records() if r.pk == "AGENCY-95"]
    assert sent == ["final_demand"]
    found = [v for v in compliance_check.report(AS_OF + timedelta(days=30)) if v["account_id"] == "AGENCY-95"]
    assert {v["rule"] for v in found} == {"validation_notice_first", "validation_notice_timely"}
    timely = next(v for v in found if v["rule"] == "validation_notice_timely")
    assert timely["letter"] == "final_demand"
    assert "not provided; due by 2026-03-09" in timely["detail"]
    # within the five business days the breach is not yet one
    assert not [v for v in compliance_check.report(AS_OF) if v["rule"] == "validation_notice_timely"]


def test_a_notice_later_than_five_business_days_after_a_conversation_is_flagged():
    def record(pk, sk, on, **detail):
        return ActivityModel(pk=pk, sk=sk, kind=detail.pop("kind"), occurred_on=on, detail=detail)

    call = record("C", "c", "2026-03-02", kind="disposition", profile="us_reg_f", outcome="promise")
    late = record("C", "l", "2026-03-10", kind="letter", profile="us_reg_f", code="validation_notice")
    in_time = record("C", "l", "2026-03-09", kind="letter", profile="us_reg_f", code="validation_notice")
    flagged = compliance_check.check_validation_notices([late], [call], date(2026, 4, 1))
    assert [(v.rule, v.letter, v.occurred_on) for v in flagged] == [
        ("validation_notice_timely", "call", "2026-03-02")
    ]
    assert compliance_check.check_validation_notices([in_time], [call], date(2026, 4, 1)) == []
