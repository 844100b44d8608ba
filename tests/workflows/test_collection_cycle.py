"""The real collection_cycle ASL in moto, dispatching to the real handlers over DynamoDB."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import boto3
import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.errors import StoreUnavailable
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import posting
from arrears.store import accounts_repo, cycle_repo

from arrears_cli import executions
from tests.people import give_customer

# A Monday: letters and calls go out on business days only (a Sunday holds them; see the calendar
# tests at the end of this file).
AS_OF = date(2026, 3, 2)


def _account(
    stack, account_id: str, oldest_due: date | None, amount: int = 5000, balance: int = 100_000
) -> Account:
    dues = (Due(oldest_due, amount),) if oldest_due else (Due(date(2026, 3, 20), amount),)
    account = Account(
        account_id,
        "main",
        ProductType.OPEN_END,
        "USD",
        balance,
        balance,
        dues,
        "en-US",
        "America/New_York",
        "US",
        home_shard=shard_of(account_id, "main", stack.shard_count),
        next_action_on=AS_OF,
    )
    accounts_repo.create_account(account)
    give_customer(stack, account_id)  # someone to write to: a letter without an address is not sent
    return account


def _activity_count(stack) -> int:
    table = boto3.client("dynamodb", region_name=stack.region).scan(
        TableName=stack.activity_table, Select="COUNT"
    )
    return table["Count"]


@pytest.fixture
def portfolio(stack):
    """Six accounts: two current, and four late by 10, 35, 65 and 200 days."""
    _account(stack, "CUR-1", None)
    _account(stack, "CUR-2", None)
    for days, name in ((10, "LATE-10"), (35, "LATE-35"), (65, "LATE-65"), (200, "LATE-200")):
        _account(stack, name, date.fromordinal(AS_OF.toordinal() - days))
    return stack


def test_a_cycle_classifies_every_due_account_and_writes_the_days_figures(portfolio, cloud):
    result = executions.run_cycle(portfolio, "main", AS_OF)

    assert result["status"] == "SUCCEEDED"
    summary = json.loads(result["output"])
    assert summary["accounts_by_bucket"] == {
        "current": 2,
        "1-29": 1,
        "30-59": 1,
        "60-89": 1,
        "90-119": 0,
        "120-179": 0,
        "180+": 1,
        "closed": 0,
    }
    assert summary["balances_by_bucket"]["USD"]["180+"] == 100_000
    assert summary["transitions"] == {
        "new->1-29": 1,
        "new->180+": 1,
        "new->30-59": 1,
        "new->60-89": 1,
        "new->current": 2,
    }
    late = accounts_repo.get_account("LATE-35")
    # the card ladder's next step (locate the customer at 45 DPD) comes before the 60-89 bucket
    assert (late.bucket.value, late.dpd, late.next_action_on) == ("30-59", 35, date(2026, 3, 12))
    stage = accounts_repo.timeline("LATE-35", kind="stage")
    assert [s.detail["to"] for s in stage] == ["30-59"] and stage[0].detail["reason"].startswith(
        "35 days past due"
    )
    stored = json.loads(
        boto3.client("s3")
        .get_object(Bucket=portfolio.reports_bucket, Key=summary["report_key"])["Body"]
        .read()
    )
    assert stored["accounts_by_bucket"] == summary["accounts_by_bucket"]


def test_running_the_same_day_again_changes_nothing(portfolio):
    first = executions.run_cycle(portfolio, "main", AS_OF)
    items_after_first = _activity_count(portfolio)

    second = executions.run_cycle(portfolio, "main", AS_OF)

    assert first["status"] == second["status"] == "SUCCEEDED"
    assert json.loads(second["output"])["status"] == "already_ran"
    assert _activity_count(portfolio) == items_after_first


def test_accounts_that_need_nothing_today_are_not_read(portfolio, cloud):
    executions.run_cycle(portfolio, "main", AS_OF)
    result = executions.run_cycle(portfolio, "main", date(2026, 3, 3))
    summary = json.loads(result["output"])
    assert summary["evaluated_accounts"] == 0  # nobody's next action falls on 3 March
    assert summary["accounts_by_bucket"]["current"] == 2  # yet the census carries the portfolio forward


def test_a_payment_cures_the_account_on_the_next_cycle(portfolio):
    executions.run_cycle(portfolio, "main", AS_OF)
    posting.post_ledger_entry(
        "LATE-10", LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-5000, "USD"), date(2026, 3, 3)), "test"
    )
    summary = json.loads(executions.run_cycle(portfolio, "main", date(2026, 3, 3))["output"])
    assert summary["transitions"] == {"1-29->current": 1}
    assert summary["balances_by_bucket"]["USD"]["current"] == 3 * 100_000 - 5000
    assert accounts_repo.get_account("LATE-10").bucket.value == "current"


def test_an_account_looked_at_without_moving_records_nothing(portfolio):
    executions.run_cycle(portfolio, "main", AS_OF)
    # a new statement falls due on 11 March: LATE-10 is looked at on the 12th, still 1-29
    posting.add_due("LATE-10", Due(date(2026, 3, 11), 5000), "test")
    summary = json.loads(executions.run_cycle(portfolio, "main", date(2026, 3, 12))["output"])
    # LATE-35 is due too (its ladder's 45-DPD step): both looked at, neither moved
    assert (summary["evaluated_accounts"], summary["changed_accounts"]) == (2, 0)
    assert len(accounts_repo.timeline("LATE-10", kind="stage")) == 1
    assert accounts_repo.get_account("LATE-10").past_due == 10_000


def test_a_skipped_day_is_caught_up(portfolio):
    executions.run_cycle(portfolio, "main", AS_OF)
    # LATE-10 reaches 30 DPD on 22 March; no cycle runs until the 25th
    summary = json.loads(executions.run_cycle(portfolio, "main", date(2026, 3, 25))["output"])
    assert summary["transitions"].get("1-29->30-59") == 1


def test_a_fault_in_the_page_lambda_fails_visibly_and_a_rerun_has_no_double_effects(portfolio, cloud):
    dynamodb = boto3.client("dynamodb", region_name=portfolio.region)
    dynamodb.update_item(
        TableName=portfolio.accounts_table,
        Key={"account_id": {"S": "LATE-65"}},
        UpdateExpression="SET #s = :bad",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":bad": {"S": "not-a-status"}},
    )

    failed = executions.run_cycle(portfolio, "main", AS_OF)

    assert failed["status"] == "FAILED"
    shown = executions.show(portfolio, failed["executionArn"])
    assert shown["error"] == "ShardFailed"
    assert "InvalidAccountData" in shown["cause"] and "LATE-65" in shown["cause"]
    assert shown["failed_state"]["state"] == "Close the day"
    assert cycle_repo.cycle_history("main")[0].status == "failed"

    dynamodb.update_item(
        TableName=portfolio.accounts_table,
        Key={"account_id": {"S": "LATE-65"}},
        UpdateExpression="SET #s = :ok",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":ok": {"S": "active"}},
    )
    rerun = executions.run_cycle(portfolio, "main", AS_OF)

    assert rerun["status"] == "SUCCEEDED"
    summary = json.loads(rerun["output"])
    assert sum(summary["accounts_by_bucket"].values()) == 6  # each account counted once
    everyone = ("CUR-1", "CUR-2", "LATE-10", "LATE-35", "LATE-65", "LATE-200")
    assert {a: m["on"] for a, m in accounts_repo.day_moves(everyone).items()} == dict.fromkeys(
        everyone, AS_OF.isoformat()
    )
    # a stage record only for a move the KPIs read: placed as current is not one
    assert {a: len(accounts_repo.timeline(a, kind="stage")) for a in everyone} == {
        "CUR-1": 0, "CUR-2": 0, "LATE-10": 1, "LATE-35": 1, "LATE-65": 1, "LATE-200": 1,
    }  # fmt: skip


def test_a_transient_store_error_is_retried_without_waiting(portfolio, cloud):
    calls = {"n": 0}

    def throttle_once(event):
        calls["n"] += 1
        if calls["n"] == 1:
            raise StoreUnavailable("DynamoDB: ThrottlingException")

    cloud.runtime.faults["ProcessPageFunction"] = throttle_once
    result = executions.run_cycle(portfolio, "main", AS_OF)

    assert result["status"] == "SUCCEEDED"
    assert cloud.runtime.invocations["ProcessPageFunction"] == portfolio.shard_count + 1


def _one_shard(stack, count: int) -> list[str]:
    """Ids of `count` late accounts that share a shard, so they are paged together."""
    by_shard: dict[str, list[str]] = {}
    n = 0
    while True:
        account_id = f"SAME-{n}"
        group = by_shard.setdefault(shard_of(account_id, "main", stack.shard_count), [])
        group.append(account_id)
        if len(group) == count:
            for late, chosen in enumerate(group):
                _account(stack, chosen, date.fromordinal(AS_OF.toordinal() - 10 * (late + 1)))
            return group
        n += 1


def _fail_once(monkeypatch, call: int) -> None:
    """The account save fails once, at the `call`th save: the attempt is lost after earlier saves landed."""
    original, calls = accounts_repo.save_account, {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise StoreUnavailable("DynamoDB: ThrottlingException")
        return original(*args, **kwargs)

    monkeypatch.setattr(accounts_repo, "save_account", flaky)


def _census_count(summary: dict) -> int:
    return sum(summary["accounts_by_bucket"].values())


def test_a_page_attempt_lost_midway_is_counted_once_when_the_workflow_retries_it(stack, monkeypatch):
    accounts = _one_shard(stack, 3)
    _fail_once(monkeypatch, call=2)  # the first account is saved, the second is not

    result = executions.run_cycle(stack, "main", AS_OF)

    assert result["status"] == "SUCCEEDED"
    summary = json.loads(result["output"])
    assert (summary["evaluated_accounts"], summary["changed_accounts"], _census_count(summary)) == (3, 3, 3)
    assert sum(summary["transitions"].values()) == 3
    for account_id in accounts:
        assert len(accounts_repo.timeline(account_id, kind="stage")) == 1


def test_a_call_works_several_pages_and_a_retry_redoes_none_of_them_twice(stack, cloud, monkeypatch):
    from arrears.runtime.settings import get_settings
    from dunning import cycle

    monkeypatch.setenv("PAGE_SIZE", "1")
    get_settings.cache_clear()
    monkeypatch.setattr(cycle, "PAGES_PER_CALL", 3)
    accounts = _one_shard(stack, 3)
    _fail_once(monkeypatch, call=3)  # the call is lost on its third page, after two pages moved

    result = executions.run_cycle(stack, "main", AS_OF)

    assert result["status"] == "SUCCEEDED"
    summary = json.loads(result["output"])
    assert (summary["evaluated_accounts"], summary["changed_accounts"], _census_count(summary)) == (3, 3, 3)
    # the shard: 3 pages of one account, then an empty one; every other shard: one empty page
    assert summary["pages"] == 4 + (stack.shard_count - 1)
    # the shard's calls: the lost one, its retry (pages 1-3), then the empty page; one for each other
    assert cloud.runtime.invocations["ProcessPageFunction"] == 3 + (stack.shard_count - 1)
    for account_id in accounts:
        assert len(accounts_repo.timeline(account_id, kind="stage")) == 1
    get_settings.cache_clear()


def test_an_earlier_date_than_the_last_completed_cycle_is_refused(portfolio):
    executions.run_cycle(portfolio, "main", date(2026, 3, 10))
    result = executions.run_cycle(portfolio, "main", AS_OF)
    assert (result["status"], result["error"]) == ("FAILED", "CycleOutOfOrder")


def test_the_scheduler_input_runs_on_the_portfolios_local_date(portfolio):
    sfn = boto3.client("stepfunctions", region_name=portfolio.region)
    arn = sfn.start_execution(
        stateMachineArn=portfolio.cycle_state_machine,
        input=json.dumps(
            {"portfolio": "main", "time_zone": "Asia/Manila", "scheduled_at": "2026-02-28T22:00:00Z"}
        ),
    )["executionArn"]
    result = executions.wait(portfolio, arn)
    assert json.loads(result["output"])["as_of"] == "2026-03-01"  # 06:00 in Manila


@pytest.mark.parametrize(
    "payload,needle",
    [
        ({"as_of": "2026-03-01"}, "portfolio"),
        ({"portfolio": "main", "as_of": "01/03/2026"}, "as_of"),
        (
            {"portfolio": "main", "time_zone": "Mars/Base", "scheduled_at": "2026-02-28T22:00:00Z"},
            "time zone",
        ),
    ],
)
def test_bad_input_fails_with_a_clear_error(portfolio, payload, needle):
    sfn = boto3.client("stepfunctions", region_name=portfolio.region)
    arn = sfn.start_execution(stateMachineArn=portfolio.cycle_state_machine, input=json.dumps(payload))[
        "executionArn"
    ]
    result = executions.wait(portfolio, arn)
    assert (result["status"], result["error"]) == ("FAILED", "InvalidInput")
    assert needle in result["cause"]


# --- strategies read afresh, and the business calendar, through the real cycle ----------------------

FRIDAY, SATURDAY, MONDAY = date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2)


def _cycle_at_noon(stack, day: date, zone: str = "America/New_York") -> dict:
    """A cycle run at noon in the customers' zone, inside every profile's calling hours."""
    run_at = datetime.combine(day, time(12), ZoneInfo(zone))
    return executions.run_cycle(stack, "main", day, run_at)


def _late_account(stack, account_id: str, days_late: int, day: date, jurisdiction: str = "US") -> None:
    """A card account `days_late` days past due on `day`, first looked at that day."""
    mexican = jurisdiction == "MX"
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "MXN" if mexican else "USD", 100_000, 100_000,
            (Due(date.fromordinal(day.toordinal() - days_late), 5000),), "es-MX" if mexican else "en-US",
            "America/Mexico_City" if mexican else "America/New_York", jurisdiction,
            home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=day,
        )
    )  # fmt: skip
    give_customer(stack, account_id, jurisdiction=jurisdiction)


def _letter_codes(account_id: str) -> list[str]:
    return [r.detail["code"] for r in accounts_repo.timeline(account_id, kind="letter")]


def test_friday_queues_saturday_holds_and_monday_queues_the_held_step(stack):
    # Given two late card accounts: one first looked at on a Friday, one on the Saturday after
    _late_account(stack, "FRI-1", 7, FRIDAY)
    _late_account(stack, "SAT-1", 7, SATURDAY)

    # When the Friday and Saturday cycles run
    assert _cycle_at_noon(stack, FRIDAY)["status"] == "SUCCEEDED"
    assert _cycle_at_noon(stack, SATURDAY)["status"] == "SUCCEEDED"

    # Then Friday's reminder went out; Saturday's account was evaluated, counted and held for Monday
    assert _letter_codes("FRI-1") == ["first_reminder"]
    held = accounts_repo.get_account("SAT-1")
    assert (held.dpd, held.bucket.value, held.fired, held.next_action_on) == (7, "1-29", (), MONDAY)
    assert _letter_codes("SAT-1") == []
    (stage,) = accounts_repo.timeline("SAT-1", kind="stage")
    assert stage.detail["strategy"] == "credit_card_us@4"  # which strategy version judged it
    assert stage.detail["contact_waits_until"] == MONDAY.isoformat()

    # When Monday's cycle runs, the held step goes out, nine calendar days past due
    assert _cycle_at_noon(stack, MONDAY)["status"] == "SUCCEEDED"
    assert _letter_codes("SAT-1") == ["first_reminder"]
    assert accounts_repo.get_account("SAT-1").dpd == 9


def test_a_mexican_holiday_holds_the_mexican_account_and_not_the_american_one(stack):
    constitution_day = date(2026, 2, 2)  # observed on the first Monday of February
    _late_account(stack, "MX-1", 7, constitution_day, jurisdiction="MX")
    _late_account(stack, "US-1", 7, constitution_day)

    assert _cycle_at_noon(stack, constitution_day)["status"] == "SUCCEEDED"

    assert _letter_codes("US-1") == ["first_reminder"]
    assert _letter_codes("MX-1") == []
    assert accounts_repo.get_account("MX-1").next_action_on == date(2026, 2, 3)


@pytest.fixture
def strategies_dir(tmp_path, monkeypatch):
    """A copy of the shipped strategies the cycle reads instead, so a test may edit or break one."""
    from arrears.domain import strategy

    folder = tmp_path / "strategies"
    shutil.copytree(strategy.STRATEGY_ROOT, folder)
    monkeypatch.setattr(strategy, "STRATEGY_ROOT", folder)
    return folder


def test_a_strategy_edited_between_cycles_takes_effect_at_the_next_cycle(stack, strategies_dir):
    # Given a cycle run under version 4 of the card strategy (the local cloud keeps its Lambdas warm)
    _late_account(stack, "EDIT-1", 7, MONDAY)
    _cycle_at_noon(stack, MONDAY)
    card = strategies_dir / "credit_card_us.yaml"

    # When the file is edited to version 5 before the next day's cycle
    card.write_text(card.read_text().replace("version: 4", "version: 5"))
    tuesday = date(2026, 3, 3)
    _late_account(stack, "EDIT-2", 7, tuesday)
    assert _cycle_at_noon(stack, tuesday)["status"] == "SUCCEEDED"

    # Then Tuesday's letter and stage record were decided by version 5, Monday's stay version 4's
    [monday_letter] = accounts_repo.timeline("EDIT-1", kind="letter")
    [tuesday_letter] = accounts_repo.timeline("EDIT-2", kind="letter")
    assert (monday_letter.detail["strategy"], tuesday_letter.detail["strategy"]) == (
        "credit_card_us@4",
        "credit_card_us@5",
    )
    assert accounts_repo.timeline("EDIT-2", kind="stage")[0].detail["strategy"] == "credit_card_us@5"


def test_a_broken_strategy_fails_the_next_cycle_naming_file_step_and_field(stack, strategies_dir):
    # Given a cycle that ran, then an edit that gives the card ladder's second step an unknown channel
    _late_account(stack, "BROKEN-1", 7, MONDAY)
    _cycle_at_noon(stack, MONDAY)
    card = strategies_dir / "credit_card_us.yaml"
    good = card.read_text()
    card.write_text(good.replace("at_dpd: 15, channel: letter", "at_dpd: 15, channel: fax", 1))
    tuesday = date(2026, 3, 3)
    _late_account(stack, "BROKEN-2", 7, tuesday)

    # When the next cycle runs
    failed = _cycle_at_noon(stack, tuesday)

    # Then it fails before any account is touched, saying where the strategy is wrong
    assert (failed["status"], failed["error"]) == ("FAILED", "StrategyError")
    assert f"{card}: champion.steps[1] (second_reminder).channel" in failed["cause"]
    assert accounts_repo.get_account("BROKEN-2").last_evaluated_on is None
    assert cycle_repo.cycle_history("main")[-1].status == "failed"  # the day's lock is let go

    # And once the file is mended the day runs
    card.write_text(good)
    assert _cycle_at_noon(stack, tuesday)["status"] == "SUCCEEDED"
    assert _letter_codes("BROKEN-2") == ["first_reminder"]
