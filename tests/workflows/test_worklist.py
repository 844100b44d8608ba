"""The collector's worklist: who to call first and why, and who may not be called now."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Hold
from arrears.domain.ledger import Due
from arrears.services import account_actions
from arrears.store import accounts_repo

from arrears_cli import executions
from arrears_cli.inconsistencies import inconsistencies
from arrears_cli.worklist import worklist
from tests.operators import call_as, sign_up
from tests.people import give_customer

NEW_YORK = ZoneInfo("America/New_York")
# The worklist's day; the cycle runs the day before, Monday March 2, as calls wait for a business day.
DAY = date(2026, 3, 3)


def _card(stack, account_id: str, due: date, balance: int = 100_000) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", balance, balance, (Due(due, 5000),), "en-US",
            "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=date(2026, 3, 2),
        )
    )  # fmt: skip
    give_customer(stack, account_id, email=f"{account_id.lower()}@example.com", phone="+15205550142")


def _setup(cloud, stack) -> None:
    for name, due in (
        ("WL-PROMISE", date(2026, 2, 14)),
        ("WL-CALLED", date(2026, 2, 14)),
        ("WL-HOLD", date(2026, 2, 14)),
        ("WL-DLQ", date(2026, 2, 6)),
        ("WL-CURRENT", date(2026, 3, 21)),
    ):
        _card(stack, name, due, balance=300_000 if name == "WL-DLQ" else 100_000)  # fmt: skip
    run_at = datetime.combine(date(2026, 3, 2), time(12), NEW_YORK)
    assert executions.run_cycle(stack, "main", date(2026, 3, 2), run_at)["status"] == "SUCCEEDED"
    account_actions.take_promise("WL-PROMISE", 5000, DAY, date(2026, 3, 2), "ana")
    account_actions.place_hold("WL-HOLD", Hold.BANKRUPTCY, date(2026, 3, 2), "ana", "chapter 13")
    sign_up(cloud, "ana", "specialist_3")
    called = call_as(
        cloud, "ana", "disposition", "WL-CALLED", date(2026, 3, 2), "call-wl-called-1",
        outcome="refused", at="2026-03-02T11:00:00-05:00",
    )  # fmt: skip
    assert called["status"] == "done"


def test_the_worklist_puts_promises_first_and_leaves_out_who_may_not_be_called(cloud, stack):
    _setup(cloud, stack)
    morning = datetime.combine(DAY, time(10), NEW_YORK)

    callable_now = worklist(morning)
    everyone = {r["account_id"]: r for r in worklist(morning, show_excluded=True)}

    assert [r["account_id"] for r in callable_now] == ["WL-PROMISE", "WL-DLQ"]
    assert callable_now[0]["why"].startswith("promise of USD 50.00 due 2026-03-03")
    # how the customer can be reached, never a value: the numbers are the operators' API's to give
    assert callable_now[0]["reach"] == "postal,email,phone"
    assert "example.com" not in str(everyone) and "5205550142" not in str(everyone)
    assert everyone["WL-CALLED"]["blocked_by"].startswith("call_after_conversation")  # Reg F 7 days
    assert everyone["WL-HOLD"]["blocked_by"].startswith("hold:bankruptcy")
    assert "WL-CURRENT" not in everyone


def test_nobody_is_called_outside_the_customers_hours(cloud, stack):
    _setup(cloud, stack)
    late = datetime.combine(DAY, time(21, 30), NEW_YORK)

    assert worklist(late) == []
    assert all(
        r["blocked_by"].startswith(("hours", "hold", "call_after")) for r in worklist(late, None, True)
    )


def test_a_charge_off_near_its_deadline_is_first_for_who_decides_it_and_reported_until_decided(cloud, stack):
    _card(stack, "WL-OLD", date(2025, 9, 1))  # 182 DPD on March 2: deadline (Feb 28) passed
    _card(stack, "WL-DLQ", date(2026, 2, 6), balance=300_000)
    run_at = datetime.combine(date(2026, 3, 2), time(12), NEW_YORK)
    assert executions.run_cycle(stack, "main", date(2026, 3, 2), run_at)["status"] == "SUCCEEDED"
    morning = datetime.combine(DAY, time(10), NEW_YORK)

    decider = worklist(morning, decides_charge_off=True)
    collector = worklist(morning)

    assert decider[0]["account_id"] == "WL-OLD" and "charge-off to decide" in decider[0]["why"]
    assert "2026-02-28 past" in decider[0]["why"]
    assert all("charge-off" not in r["why"] for r in collector)
    found = [f for f in inconsistencies(today=DAY) if f["problem"] == "charge_off_undecided"]
    assert [f["account_id"] for f in found] == ["WL-OLD"] and "has passed" in found[0]["detail"]

    sign_up(cloud, "sam", "supervisor")
    declined = call_as(
        cloud, "sam", "charge_off", "WL-OLD", DAY, decision="decline", exception="workout", note="re-aged"
    )
    assert declined["status"] == "done" and declined["result"]["status_now"] == "active"
    assert [f for f in inconsistencies(today=DAY) if f["problem"] == "charge_off_undecided"] == []
    assert all("charge-off" not in r["why"] for r in worklist(morning, decides_charge_off=True))


def test_the_worklist_counts_days_past_due_on_the_customers_date_not_the_last_cycles(cloud, stack):
    _card(stack, "WL-LATE", date(2026, 2, 25))  # 5 DPD at the cycle of March 2
    run_at = datetime.combine(date(2026, 3, 2), time(12), NEW_YORK)
    assert executions.run_cycle(stack, "main", date(2026, 3, 2), run_at)["status"] == "SUCCEEDED"
    three_days_on = datetime.combine(date(2026, 3, 5), time(10), NEW_YORK)

    [row] = [r for r in worklist(three_days_on) if r["account_id"] == "WL-LATE"]

    assert accounts_repo.get_account("WL-LATE").dpd == 5  # what the cycle stored
    assert (row["dpd"], row["bucket"], row["days_to_next_bucket"]) == (8, "1-29", 22)
    assert row["why"] == "8 DPD, next bucket in 22 days"
    assert (row["balance_minor"], row["currency"]) == (100_000, "USD")


def test_a_call_that_reached_nobody_takes_the_account_off_for_the_day_then_brings_it_back_as_a_callback(
    cloud, stack
):
    _setup(cloud, stack)  # WL-DLQ: the strategy's call step fell due at the cycle of March 2
    morning, noon = (datetime.combine(DAY, time(h), NEW_YORK) for h in (10, 12))
    next_morning = datetime.combine(date(2026, 3, 4), time(10), NEW_YORK)
    before = {r["account_id"]: r for r in worklist(morning)}
    called = call_as(
        cloud, "ana", "disposition", "WL-DLQ", DAY, "call-wl-dlq-1", outcome="no_answer",
        at="2026-03-03T10:05:00-05:00",
    )  # fmt: skip
    assert called["status"] == "done"

    same_day = {r["account_id"]: r for r in worklist(noon, show_excluded=True)}
    next_day = {r["account_id"]: r for r in worklist(next_morning)}

    assert before["WL-DLQ"]["why"] == "the strategy's call step is due"
    assert "WL-DLQ" not in same_day  # worked for the day: not "the call step is due" again
    assert next_day["WL-DLQ"]["why"] == "callback: no answer 2026-03-03, retry from 2026-03-04"
    assert next_day["WL-DLQ"]["priority"] < before["WL-DLQ"]["priority"]
