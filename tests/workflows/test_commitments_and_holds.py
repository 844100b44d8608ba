"""Promises, arrangements and holds through the real cycle: the ladder pauses, resumes, and says why."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.compliance import Hold
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import account_actions, posting
from arrears.store import accounts_repo

from arrears_cli import executions
from tests.people import give_customer

# A Thursday: every day these tests contact the customer on (START, the next day, the 20- and
# 35-DPD steps, the broken promise) is then a business day, as letters and calls wait for one.
START = date(2026, 2, 26)


def _late_card(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id,
            "main",
            ProductType.OPEN_END,
            "USD",
            100_000,
            100_000,
            (Due(date(2026, 2, 10), 5000),),
            "en-US",
            "America/New_York",
            "US",
            home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=START,
        )
    )
    give_customer(stack, account_id)  # someone to write to: a letter without an address is not sent


def _cycle(stack, day: date) -> None:
    run_at = datetime.combine(day, time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", day, run_at)["status"] == "SUCCEEDED"


def _letters(account_id: str) -> list[tuple[str, str]]:
    return [(r.detail["code"], r.status) for r in accounts_repo.timeline(account_id, kind="letter")]


def _pay(account_id: str, minor: int, day: date) -> None:
    entry = LedgerEntry(f"pay-{day.isoformat()}", EntryKind.PAYMENT, Money(-minor, "USD"), day)
    posting.post_ledger_entry(account_id, entry, "test")


def test_a_kept_promise_pauses_the_ladder_and_is_recorded_as_kept(stack):
    _late_card(stack, "PROMISE-1")
    _cycle(stack, START)  # 16 DPD: the second reminder goes out
    account_actions.take_promise("PROMISE-1", 5000, date(2026, 3, 3), date(2026, 2, 27), "collector-7")
    _cycle(stack, date(2026, 2, 27))
    assert accounts_repo.get_account("PROMISE-1").status.value == "promise_pending"
    _cycle(stack, date(2026, 3, 2))  # the ladder's 20-DPD call would fall here: paused
    _pay("PROMISE-1", 5000, date(2026, 3, 3))
    _cycle(stack, date(2026, 3, 3))

    account = accounts_repo.get_account("PROMISE-1")
    assert (account.status.value, account.bucket.value, account.promise) == ("active", "current", None)
    promises = {r.sk.split("#")[-1]: r.detail for r in accounts_repo.timeline("PROMISE-1", kind="promise")}
    assert promises["2026-03-03"]["amount"] == 5000  # taken by the collector
    assert promises["kept"]["paid"] == 5000  # and recorded kept by the cycle, for the promise-kept rate
    letters = _letters("PROMISE-1")
    assert ("promise_confirmation", "printed") in letters and ("second_reminder", "printed") in letters
    assert not any(code in ("past_due_notice", "broken_promise") for code, _ in letters)


def test_a_broken_promise_resumes_the_ladder_with_a_broken_promise_letter(stack):
    _late_card(stack, "PROMISE-2")
    _cycle(stack, START)
    account_actions.take_promise("PROMISE-2", 5000, date(2026, 3, 1), date(2026, 2, 27), "collector-7")
    _cycle(stack, date(2026, 2, 27))
    _cycle(stack, date(2026, 3, 5))  # due 1 March + 3 days' grace: broken on the 5th

    account = accounts_repo.get_account("PROMISE-2")
    assert (account.status.value, account.promise) == ("active", None)
    assert ("broken_promise", "printed") in _letters("PROMISE-2")


def test_a_dispute_is_acknowledged_and_stops_the_ladder(stack):
    _late_card(stack, "DISPUTE-1")
    _cycle(stack, START)
    account_actions.place_hold(
        "DISPUTE-1", Hold.DISPUTE, date(2026, 2, 27), "collector-7", "charge not recognised"
    )
    _cycle(stack, date(2026, 2, 27))
    for day in (date(2026, 3, 2), date(2026, 3, 17)):  # the 20- and 35-DPD steps fall here
        _cycle(stack, day)

    account = accounts_repo.get_account("DISPUTE-1")
    assert account.status.value == "on_hold"
    delivered = [code for code, status in _letters("DISPUTE-1") if status != "denied"]
    assert delivered == ["second_reminder", "dispute_acknowledgement"]
    refused = [r.detail for r in accounts_repo.timeline("DISPUTE-1", kind="letter") if r.status == "denied"]
    assert {d["rule"] for d in refused} == {"hold:dispute"}  # each step that fell due, refused, and why
    assert "past_due_notice" in {d["code"] for d in refused}


def test_an_arrangement_keeps_the_account_out_of_the_ladder_while_it_is_met(stack):
    _late_card(stack, "CONVENIO-1")
    _cycle(stack, START)
    instalments = [Due(date(2026, 3, 7), 2500), Due(date(2026, 4, 7), 2500)]
    account_actions.make_arrangement("CONVENIO-1", instalments, date(2026, 2, 27), "supervisor-2")
    _cycle(stack, date(2026, 2, 27))
    _pay("CONVENIO-1", 2500, date(2026, 3, 6))
    _cycle(stack, date(2026, 3, 17))  # the 35-DPD notice would fall here; the first instalment was met

    account = accounts_repo.get_account("CONVENIO-1")
    assert account.status.value == "arrangement_active"
    assert [code for code, _ in _letters("CONVENIO-1")] == ["second_reminder", "arrangement_confirmation"]
