"""Re-billing through the operator function: an adjustment corrects the dues once, within the
operator's authority and with its reason, and queues the corrected statement its strategy asks for
in the customer's language; a re-age stays within FFIEC's limits unless it corrects an error."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from arrears.adapters import reports_repo
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.errors import DuplicateEntry
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import posting, rebilling
from arrears.store import accounts_repo

from arrears_cli import executions
from tests.operators import call_as, sign_up
from tests.people import give_customer

TODAY = date(2026, 3, 2)  # a Monday, and no holiday in Mexico
ACCOUNT = "MX-RB-1"
LATE = (Due(date(2026, 1, 10), 50_000), Due(date(2026, 2, 10), 50_000))  # 51 days past due


@pytest.fixture
def operators(cloud, stack):
    for operator_id, level in (("ana", "specialist_3"), ("sam", "supervisor")):
        sign_up(cloud, operator_id, level)


@pytest.fixture
def account(stack, operators) -> str:
    accounts_repo.create_account(
        Account(
            ACCOUNT, "main", ProductType.OPEN_END, "MXN", 1_000_000, 1_000_000, LATE, "es-MX",
            "America/Mexico_City", "MX", home_shard=shard_of(ACCOUNT, "main", stack.shard_count),
            next_action_on=TODAY,
        )
    )  # fmt: skip
    give_customer(stack, ACCOUNT, jurisdiction="MX")  # someone to write to
    return ACCOUNT


def _balanced(account_id: str) -> bool:
    account = accounts_repo.get_account(account_id)
    entries = accounts_repo.ledger_entries(account_id)
    return account.balance == account.opening_balance + sum(e.amount.minor for e in entries)


def _run(stack, day: date) -> None:
    run_at = datetime.combine(day, time(12), ZoneInfo("America/Mexico_City"))
    assert executions.run_cycle(stack, "main", day, run_at)["status"] == "SUCCEEDED"


def test_an_adjustment_within_the_level_corrects_the_dues_once_and_the_letter_goes_in_spanish(
    cloud, stack, account
):
    answer = call_as(
        cloud, "ana", "adjust", account, TODAY, "req-adjust-0001", amount="-250.00",
        reason="comisión por pago tardío cobrada por error",
    )  # fmt: skip
    again = call_as(
        cloud, "ana", "adjust", account, TODAY, "req-adjust-0001", amount="-250.00",
        reason="comisión por pago tardío cobrada por error",
    )  # fmt: skip

    assert answer["status"] == "done" and again == answer
    assert answer["result"] == {
        "adjusted": "-250.00 MXN",
        "balance_after": "9750.00 MXN",
        "reaged": False,
        "corrects_error": False,
        "letter": "corrected_statement",
    }
    adjusted = accounts_repo.get_account(account)
    # the newest due lowered; the oldest, and so the days past due, as they were
    assert adjusted.balance == 975_000 and adjusted.dues == (LATE[0], Due(date(2026, 2, 10), 25_000))
    assert [(e.entry_id, e.kind, e.amount.minor) for e in accounts_repo.ledger_entries(account)] == [
        ("operator:req-adjust-0001", EntryKind.ADJUSTMENT, -25_000)
    ]
    assert _balanced(account)
    [record] = accounts_repo.timeline(account, kind="adjustment")
    assert (record.actor, record.detail["reason"], record.detail["reage"]) == (
        "ana", "comisión por pago tardío cobrada por error", False,
    )  # fmt: skip
    [notice] = adjusted.notices
    assert notice.code == "corrected_statement"

    _run(stack, TODAY)

    [letter] = [
        r for r in accounts_repo.timeline(account, kind="letter") if r.detail["code"] == "corrected_statement"
    ]
    assert letter.status == "printed"
    html = reports_repo.get_text(stack.letters_bucket, letter.detail["document_key"], stack.region)
    assert "Una corrección en su cuenta" in html and "Monto descontado del saldo" in html
    assert "$250.00" in html and "$9,750.00" in html and "$10,000.00" in html  # es-MX: MXN as $
    assert "comisión por pago tardío cobrada por error" in html
    assert accounts_repo.get_account(account).notices == ()


def test_the_service_refuses_a_replayed_entry_and_changes_nothing_twice(account):
    amount = Money(12_000, "MXN")
    rebilling.adjust(account, amount, "intereses no cobrados", TODAY, "feed", "feed:row-9")

    with pytest.raises(DuplicateEntry):
        rebilling.adjust(account, amount, "intereses no cobrados", TODAY, "feed", "feed:row-9")

    after = accounts_repo.get_account(account)
    assert after.balance == 1_012_000 and _balanced(account)
    assert after.dues == LATE  # nothing ahead: owed when the next statement bills it
    assert len(after.notices) == 1


def test_a_re_age_without_three_minimum_payments_is_refused_with_its_rule_and_changes_nothing(cloud, account):
    refused = call_as(cloud, "sam", "adjust", account, TODAY, amount="0", reason="hardship plan", reage=True)

    assert refused["error"] == "invalid"
    assert refused["message"] == (
        "reage_three_minimum_payments: 0 consecutive minimum payments; a re-age needs 3"
    )
    after = accounts_repo.get_account(account)
    assert (after.balance, after.dues, after.notices) == (1_000_000, LATE, ())
    assert accounts_repo.timeline(account, kind="adjustment") == []


def _paid_three_cycles(account_id: str) -> None:
    """Statements for November, December and January's cycles, each paid its minimum before its date."""
    for month, year in ((11, 2025), (12, 2025), (1, 2026)):
        due = date(year, month, 10)
        posting.add_due(account_id, Due(due, 10_000), "feed")
        entry = LedgerEntry(f"branch-{month}", EntryKind.PAYMENT, Money(-10_000, "MXN"), date(year, month, 8))
        posting.post_ledger_entry(account_id, entry, "feed")


def test_a_re_age_after_three_minimum_payments_brings_the_account_current_and_a_second_is_refused(
    cloud, stack, account
):
    _paid_three_cycles(account)
    before = accounts_repo.get_account(account)

    done = call_as(cloud, "sam", "adjust", account, TODAY, amount="0", reason="plan cumplido", reage=True)

    assert done["status"] == "done" and done["result"]["reaged"] is True
    reaged = accounts_repo.get_account(account)
    assert reaged.balance == before.balance and sum(d.amount for d in reaged.dues) == sum(
        d.amount for d in before.dues
    )
    assert all(d.due_on >= TODAY for d in reaged.dues)  # nothing past due
    [record] = accounts_repo.timeline(account, kind="adjustment")
    assert record.detail["reage"] is True and record.detail["minimum_payments"] == 3

    _run(stack, TODAY)
    assert accounts_repo.get_account(account).bucket.value == "current"

    later = date(2026, 9, 1)
    again = call_as(cloud, "sam", "adjust", account, later, amount="0", reason="otra vez", reage=True)
    assert again["error"] == "invalid" and again["message"].startswith("reage_once_in_12_months: ")

    # our own error: the limits are set aside, and the record says which
    fixed = call_as(
        cloud, "sam", "adjust", account, later, amount="-100.00", reason="cargo duplicado", reage=True,
        corrects_error=True,
    )  # fmt: skip
    assert fixed["status"] == "done", fixed
    records = accounts_repo.timeline(account, kind="adjustment")
    assert records[-1].detail["corrects_error"] is True
    assert "reage_once_in_12_months" in records[-1].detail["set_aside"]


def test_an_adjustment_beyond_the_level_or_a_re_age_by_a_specialist_waits_for_a_supervisor(cloud, account):
    big = call_as(cloud, "ana", "adjust", account, TODAY, amount="-1500.00", reason="tasa mal aplicada")
    reage = call_as(cloud, "ana", "adjust", account, TODAY, amount="0", reason="plan cumplido", reage=True)

    assert big["status"] == "pending_approval"
    assert big["reason"] == "an adjustment of 1500.00 MXN; this level may adjust up to 1000 MXN"
    assert (
        reage["status"] == "pending_approval" and reage["reason"] == "re-aging an account needs a supervisor"
    )
    assert accounts_repo.get_account(account).balance == 1_000_000

    approved = call_as(cloud, "sam", "approve", None, TODAY, approval_id=big["request_id"])

    assert approved["status"] == "done" and approved["result"]["balance_after"] == "8500.00 MXN"
    assert accounts_repo.get_account(account).balance == 850_000 and _balanced(account)
