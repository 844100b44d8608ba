"""One agreement (settlement or arrangement) per account at a time, through the operator function.

A settlement's agreement, its timeline record and its audit record are one transaction; nothing
is forgiven until the agreed money arrives. A second settlement, repeated or concurrent, is
refused with the reason (issue "settlements stack")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.commitments import Settlement
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import account_actions, posting
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel

from arrears_cli import executions
from tests.operators import call_as, sign_up

TODAY = date(2026, 3, 2)
PAY_BY = (TODAY + timedelta(days=10)).isoformat()
ACCOUNT = "SETTLE-1"


@pytest.fixture
def operators(cloud, stack):
    for operator_id, level in (("ana", "specialist_3"), ("cy", "specialist_4"), ("sam", "supervisor")):
        sign_up(cloud, operator_id, level)


@pytest.fixture
def account(stack, operators) -> str:
    accounts_repo.create_account(
        Account(
            ACCOUNT, "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(ACCOUNT, "main", stack.shard_count),
            next_action_on=TODAY,
        )
    )  # fmt: skip
    return ACCOUNT


def _call(
    cloud, operator_id: str, action: str, account_id: str | None, request_id: str | None = None,
    on: date = TODAY, **params,
) -> dict:  # fmt: skip
    return call_as(cloud, operator_id, action, account_id, on, request_id, **params)


def _settle(cloud, account_id: str, request_id: str | None = None, on: date = TODAY, pct: str = "10") -> dict:
    pay_by = max(date.fromisoformat(PAY_BY), on + timedelta(days=10)).isoformat()
    return _call(cloud, "ana", "settlement", account_id, request_id, on, discount_pct=pct, pay_by=pay_by)


def _adjustments(account_id: str) -> list[int]:
    return [
        e.amount.minor for e in accounts_repo.ledger_entries(account_id) if e.kind is EntryKind.ADJUSTMENT
    ]


def _audits(account_id: str) -> dict[str, ActivityModel]:
    return {a.sk.rsplit("#", 1)[1]: a for a in accounts_repo.timeline(account_id, kind="operator_action")}


def _balanced(account_id: str) -> bool:
    """The ledger's rule: balance = opening balance + the sum of the entries."""
    account = accounts_repo.get_account(account_id)
    entries = accounts_repo.ledger_entries(account_id)
    return account.balance == account.opening_balance + sum(e.amount.minor for e in entries)


def _cycle(stack, day: date) -> None:
    run_at = datetime.combine(day, time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", day, run_at)["status"] == "SUCCEEDED"


def test_a_settlement_records_its_terms_once_with_its_audit_record_and_forgives_nothing_yet(
    cloud, account, monkeypatch
):
    # the handler's own audit write is switched off: the record must come from the transaction
    monkeypatch.setattr(accounts_repo, "put_activity", lambda item, once: False)

    answer = _settle(cloud, account, "req-settle-1")
    again = _settle(cloud, account, "req-settle-1")

    assert answer["status"] == "done" and again == answer
    assert answer["result"] == {"discount": 10_000, "to_pay": 90_000, "pay_by": PAY_BY}
    settled = accounts_repo.get_account(account)
    assert settled.balance == 100_000 and _adjustments(account) == [] and _balanced(account)
    assert settled.arrangement.schedule() == [{"due_on": PAY_BY, "amount": 90_000}]
    assert settled.arrangement.settlement == Settlement(10_000, "req-settle-1")
    [notice] = settled.notices
    assert notice.code == "settlement_agreement" and dict(notice.extra) == {
        "settlement_amount": 90_000,
        "settlement_date": PAY_BY,
        "forgiven_amount": 10_000,
    }
    [audit] = _audits(account).values()
    assert (audit.sk.endswith("req-settle-1"), audit.actor, audit.detail["response"]) == (True, "ana", answer)


@pytest.mark.parametrize("days_later", [0, 3])
def test_further_settlements_are_refused_with_the_reason_and_leave_the_balance_as_it_was(
    cloud, account, days_later
):
    _settle(cloud, account, "req-settle-1")
    agreed = accounts_repo.get_account(account).arrangement

    refused = [_settle(cloud, account, on=TODAY + timedelta(days=days_later)) for _ in range(7)]

    assert {r.get("error") for r in refused} == {"invalid"}
    assert refused[0]["message"] == (
        f"account {account} already has a standing settlement made on {TODAY.isoformat()}; "
        "one agreement at a time: another can be made once it is kept or broken"
    )
    after = accounts_repo.get_account(account)
    assert (after.balance, after.arrangement) == (100_000, agreed)
    assert _adjustments(account) == [] and _balanced(account)
    assert list(_audits(account)) == ["req-settle-1"]  # a refused request leaves no audit record


def test_an_arrangement_is_refused_while_a_settlement_stands(cloud, account):
    _settle(cloud, account, "req-settle-1")
    agreed = accounts_repo.get_account(account).arrangement

    answer = _call(cloud, "ana", "arrangement", account, instalments=[{"due_on": PAY_BY, "amount": "100.00"}])

    assert answer["error"] == "invalid" and "already has a standing settlement" in answer["message"]
    after = accounts_repo.get_account(account)
    assert (after.balance, after.arrangement) == (100_000, agreed)


def test_a_settlement_is_refused_while_an_arrangement_stands(cloud, account):
    _call(cloud, "ana", "arrangement", account, instalments=[{"due_on": PAY_BY, "amount": "80.00"}])

    answer = _settle(cloud, account)

    assert answer["error"] == "invalid" and "already has a standing arrangement made on" in answer["message"]
    after = accounts_repo.get_account(account)
    assert (after.balance, _adjustments(account)) == (100_000, [])
    assert after.arrangement.schedule() == [{"due_on": PAY_BY, "amount": 8000}]


def test_concurrent_settlements_leave_one_agreement_and_one_discount(cloud, account):
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: _settle(cloud, account, f"req-race-{n:02d}"), range(8)))

    [won] = [a for a in answers if a.get("status") == "done"]
    refused = [a for a in answers if a is not won]
    assert len(refused) == 7 and all(
        a["error"] == "invalid" and "already has a standing settlement" in a["message"] for a in refused
    )
    after = accounts_repo.get_account(account)
    assert after.balance == 100_000 and _adjustments(account) == [] and _balanced(account)
    assert after.arrangement.settlement.request_id == won["request_id"]
    assert list(_audits(account)) == [won["request_id"]]


def test_a_settlement_that_loses_the_race_is_redone_on_the_fresh_account_and_refused(
    cloud, account, monkeypatch
):
    # the local Lambda runs one invocation at a time, so the race is staged: a rival settlement
    # commits between this request's read of the account and its transaction
    transact, raced = accounts_repo.transact, []

    def rival_first(writes, updated=None):
        if not raced:
            raced.append(True)
            account_actions.settle(
                account, Decimal("20"), date.fromisoformat(PAY_BY), TODAY, "cy", "req-rival",
                lambda result: ActivityModel(account, "rival-audit", kind="test", occurred_on="", actor="cy"),
            )  # fmt: skip
        return transact(writes, updated)

    monkeypatch.setattr(accounts_repo, "transact", rival_first)

    answer = _settle(cloud, account, "req-late")

    assert answer["error"] == "invalid" and "already has a standing settlement" in answer["message"]
    after = accounts_repo.get_account(account)
    assert after.balance == 100_000 and _adjustments(account) == [] and _balanced(account)
    assert after.arrangement.settlement.request_id == "req-rival"
    assert after.arrangement.settlement.discount == 20_000


def test_a_request_whose_answer_was_lost_gets_its_first_answer_again(cloud, account):
    first = _settle(cloud, account, "req-settle-1")
    ActivityModel.get("request#req-settle-1", "response").delete()  # the answer never reached the client

    again = _settle(cloud, account, "req-settle-1")

    assert again == first
    assert accounts_repo.get_account(account).arrangement.settlement.request_id == "req-settle-1"
    assert accounts_repo.get_account(account).balance == 100_000 and _adjustments(account) == []


def test_an_approved_settlement_is_one_transaction_under_the_approvers_request(cloud, account, monkeypatch):
    asked = _settle(cloud, account, "req-settle-30", pct="30")
    monkeypatch.setattr(accounts_repo, "put_activity", lambda item, once: False)

    approved = _call(cloud, "sam", "approve", None, "req-approve-30", approval_id="req-settle-30")

    assert asked["status"] == "pending_approval" and approved["status"] == "done"
    after = accounts_repo.get_account(account)
    assert after.balance == 100_000 and _adjustments(account) == []
    assert after.arrangement.settlement == Settlement(30_000, "req-settle-30")
    audit = _audits(account)["req-approve-30"]
    assert (audit.actor, audit.detail["level"], audit.detail["response"]) == ("sam", "supervisor", approved)


def test_an_approval_is_refused_when_an_agreement_was_made_meanwhile(cloud, account):
    _settle(cloud, account, "req-settle-30", pct="30")
    _call(cloud, "cy", "settlement", account, "req-settle-20", discount_pct="20", pay_by=PAY_BY)

    approved = _call(cloud, "sam", "approve", None, approval_id="req-settle-30")

    assert approved["error"] == "invalid" and "already has a standing settlement" in approved["message"]
    assert accounts_repo.get_account(account).arrangement.settlement.request_id == "req-settle-20"


@pytest.mark.parametrize("ended", ["kept", "broken"])
def test_a_settlement_is_allowed_once_the_previous_agreement_has_ended(cloud, stack, account, ended):
    if ended == "kept":  # an arrangement for the past-due amount, paid
        _call(cloud, "ana", "arrangement", account, instalments=[{"due_on": PAY_BY, "amount": "80.00"}])
        payment = LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-8000, "USD"), TODAY + timedelta(days=5))
        posting.post_ledger_entry(account, payment, "test")
        later = TODAY + timedelta(days=6)
    else:  # a settlement nobody paid: broken once its grace period is over
        _settle(cloud, account, "req-settle-1")
        later = TODAY + timedelta(days=14)
    assert "standing" in _settle(cloud, account, on=later)["message"]  # until the cycle finds it ended
    _cycle(stack, later)
    before = accounts_repo.get_account(account)

    answer = _settle(cloud, account, "req-settle-2", on=later)

    assert before.arrangement is None and answer["status"] == "done"
    assert f"{later.isoformat()}#arrangement#{ended}" in {r.sk for r in accounts_repo.timeline(account)}
    after = accounts_repo.get_account(account)
    assert after.balance == before.balance and _balanced(account)
    assert _adjustments(account) == []  # the broken settlement forgave nothing
    assert after.arrangement.settlement.request_id == "req-settle-2"


def test_a_payment_towards_a_settlement_keeps_it_marked_as_a_settlement(cloud, account):
    settled = _settle(cloud, account)
    assert settled["status"] == "done"

    posting.post_ledger_entry(
        account, LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-5000, "USD"), TODAY), "test"
    )

    stored = accounts_repo.get_account(account).arrangement
    assert stored.paid == 5000
    assert stored.settlement.discount == 10_000  # 10% of 1,000.00
    second = _settle(cloud, account)
    assert "standing settlement" in second["message"]


def test_the_agreed_money_arriving_settles_the_account_and_only_then_writes_off_the_rest(
    cloud, stack, account
):
    _settle(cloud, account, "req-settle-1")
    part = LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-89_999, "USD"), TODAY + timedelta(days=2))
    posting.post_ledger_entry(account, part, "test")
    short = accounts_repo.get_account(account)
    assert (short.balance, short.status.value, _adjustments(account)) == (
        10_001,
        "active",
        [],
    )  # one cent short

    last = LedgerEntry("pay-2", EntryKind.PAYMENT, Money(-1, "USD"), TODAY + timedelta(days=3))
    posting.post_ledger_entry(account, last, "test")

    settled = accounts_repo.get_account(account)
    assert (settled.balance, settled.status.value) == (0, "settled")
    assert _adjustments(account) == [-10_000] and _balanced(account)
    _cycle(stack, TODAY + timedelta(days=3))
    assert f"{(TODAY + timedelta(days=3)).isoformat()}#arrangement#kept" in {
        r.sk for r in accounts_repo.timeline(account)
    }


def test_a_missed_settlement_date_voids_it_with_its_letter_and_nothing_forgiven(cloud, stack, account):
    _settle(cloud, account, "req-settle-1")
    _cycle(stack, TODAY)  # the settlement letter
    posting.post_ledger_entry(
        account,
        LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-50_000, "USD"), TODAY + timedelta(days=4)),
        "test",
    )
    _cycle(stack, TODAY + timedelta(days=14))  # pay-by plus grace has passed

    after = accounts_repo.get_account(account)
    assert (after.balance, after.arrangement, _adjustments(account)) == (50_000, None, [])
    codes = [r.detail["code"] for r in accounts_repo.timeline(account, kind="letter")]
    assert codes[:1] == ["settlement_agreement"] and "settlement_void" in codes


def test_a_settling_payment_that_bounces_makes_the_forgiven_amount_owed_again(cloud, stack, account):
    from arrears.domain.payments import Action, PaymentEvent
    from arrears.services.posting import Outcome

    _settle(cloud, account, "req-settle-1")
    at = datetime.combine(TODAY + timedelta(days=2), time(12), ZoneInfo("America/New_York"))
    paid = PaymentEvent(
        "stripe", "evt-settle-pay", "charge.succeeded", Action.PAYMENT, at, "ch_settle",
        Money(90_000, "USD"), account,
    )  # fmt: skip
    assert posting.apply(paid).outcome is Outcome.APPLIED
    assert accounts_repo.get_account(account).status.value == "settled" and _adjustments(account) == [-10_000]

    bounced = PaymentEvent(
        "stripe", "evt-settle-cb", "charge.dispute.created", Action.CHARGEBACK, at + timedelta(days=1),
        "ch_settle", Money(90_000, "USD"), account, reversal_id="dp_settle",
    )  # fmt: skip
    assert posting.apply(bounced).outcome is Outcome.APPLIED

    after = accounts_repo.get_account(account)
    assert (after.balance, after.status.value) == (100_000, "active")
    assert _adjustments(account) == [-10_000, 10_000] and _balanced(account)
