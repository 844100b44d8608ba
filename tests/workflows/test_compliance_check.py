"""The independent checker finds nothing when the guardrail works, and catches it when it does not."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Decision
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from dunning import contacts

from arrears_cli import compliance_check, executions
from tests.people import give_customer

AS_OF = date(2026, 3, 2)  # a Monday: on a weekend the letters would wait, and there would be nothing to check


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
