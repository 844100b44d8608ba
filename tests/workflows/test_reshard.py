"""`arrears admin reshard`: every account moves to its shard for the new count, the job resumes where it
stopped, a second run changes nothing, no concurrent write is lost, and the cycle finds every due account
before, during and after a re-shard (the real ASL in moto, the real handlers)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.errors import AccountVersionConflict
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.money import Money
from arrears.services import posting
from arrears.store import accounts_repo, cycle_repo, reshard_repo
from arrears.store.reshard_repo import CheckpointMoved, CycleRunning, ReshardInProgress

from arrears_cli import executions, reshard
from arrears_cli.reshard import Pace

AS_OF = date(2026, 3, 1)
ACCOUNTS = [f"RS-{i:03d}" for i in range(40)]
# The test stack deploys 4 shards (tests/conftest.py); the job shrinks it to 2 and grows it to 32.
DEPLOYED, SMALLER = 4, 2
NO_WAITING = Pace(wait_for_cycles=False, sleep=lambda _seconds: None)


def _import(stack, ids=ACCOUNTS, count: int = DEPLOYED) -> None:
    """Accounts 10 days late, due today, placed as an import with `count` shards places them."""
    assert stack.shard_count == DEPLOYED
    for account_id in ids:
        accounts_repo.create_account(
            Account(
                account_id,
                "main",
                ProductType.OPEN_END,
                "USD",
                100_000,
                100_000,
                (Due(AS_OF - timedelta(days=10), 5000),),
                "en-US",
                "America/New_York",
                "US",
                home_shard=shard_of(account_id, "main", count),
                next_action_on=AS_OF,
            )
        )


def _reshard(stack, shards: int, **options) -> reshard.Outcome:
    return reshard.run("main", shards, stack.shard_count, "test-operator", pace=NO_WAITING, **options)


def _items(stack) -> dict[str, dict]:
    scanned = boto3.client("dynamodb", region_name=stack.region).scan(TableName=stack.accounts_table)
    return {item["account_id"]["S"]: item for item in scanned["Items"]}


def _placement(stack) -> dict[str, tuple[str, str | None]]:
    return {i: (item["home_shard"]["S"], item.get("shard", {}).get("S")) for i, item in _items(stack).items()}


def _on_their_shards(stack, count: int) -> bool:
    return all(
        home == shard_of(account_id, "main", count) and shard in (None, home)
        for account_id, (home, shard) in _placement(stack).items()
    )


def _cycle(stack, on: date = AS_OF) -> dict:
    result = executions.run_cycle(stack, "main", on)
    assert result["status"] == "SUCCEEDED", result.get("cause")
    return json.loads(result["output"])


def _staying(old: int, new: int) -> set[str]:
    return {a for a in ACCOUNTS if shard_of(a, "main", old) == shard_of(a, "main", new)}


def test_shrinking_moves_every_account_and_the_next_cycle_finds_every_due_one(stack):
    _import(stack)
    before = _items(stack)

    outcome = _reshard(stack, SMALLER)

    assert outcome.finished and (outcome.source, outcome.target) == (DEPLOYED, SMALLER)
    assert outcome.scanned == len(ACCOUNTS)
    assert outcome.moved == len(ACCOUNTS) - len(_staying(DEPLOYED, SMALLER))
    assert _on_their_shards(stack, SMALLER)
    after = _items(stack)
    for account_id in _staying(DEPLOYED, SMALLER):  # already on their shard: not written at all
        assert after[account_id] == before[account_id]
    layout = reshard_repo.current_layout("main", stack.shard_count)
    assert (layout.count, layout.target) == (SMALLER, None)
    summary = _cycle(stack)
    assert summary["evaluated_accounts"] == len(ACCOUNTS)
    assert sum(summary["accounts_by_bucket"].values()) == len(ACCOUNTS)


def test_growing_after_shrinking_keeps_every_due_account_found(stack):
    _import(stack)
    _reshard(stack, SMALLER)

    outcome = _reshard(stack, 32)

    assert outcome.finished and (outcome.source, outcome.target) == (SMALLER, 32)
    assert outcome.moved == len(ACCOUNTS) - len(_staying(SMALLER, 32))
    assert _on_their_shards(stack, 32)
    layout = reshard_repo.current_layout("main", stack.shard_count)
    assert (layout.count, layout.widest, len(layout.paged())) == (32, 32, 32)
    summary = _cycle(stack)
    assert summary["evaluated_accounts"] == len(ACCOUNTS)
    assert sum(summary["accounts_by_bucket"].values()) == len(ACCOUNTS)


def test_an_interrupted_reshard_resumes_where_it_stopped_and_a_cycle_in_between_finds_everyone(stack):
    _import(stack)

    first = _reshard(stack, SMALLER, page_size=10, stop_after_pages=2)

    assert not first.finished and (first.pages, first.scanned) == (2, 20)
    layout = reshard_repo.current_layout("main", stack.shard_count)
    # the old shards and the new ones, all paged
    assert (layout.count, layout.target, len(layout.paged())) == (None, SMALLER, DEPLOYED)
    summary = _cycle(stack)  # half moved, half not: the cycle pages both sets
    assert summary["evaluated_accounts"] == len(ACCOUNTS)
    assert sum(summary["accounts_by_bucket"].values()) == len(ACCOUNTS)

    second = _reshard(stack, SMALLER, page_size=10)  # the cycle that stamped the layout has ended

    assert second.finished
    assert second.scanned == len(ACCOUNTS)  # went on from page 2; did not start over
    assert second.pages in (4, 5)  # 4 full pages, and an empty one when the scan ends on a full page
    assert second.moved == len(ACCOUNTS) - len(_staying(DEPLOYED, SMALLER))
    assert _on_their_shards(stack, SMALLER)


def test_running_a_finished_reshard_again_changes_no_account(stack):
    _import(stack)
    _reshard(stack, SMALLER)
    before = _items(stack)

    again = _reshard(stack, SMALLER)

    assert again.finished and (again.source, again.target, again.moved) == (SMALLER, SMALLER, 0)
    assert _items(stack) == before
    assert reshard_repo.current_layout("main", stack.shard_count).count == SMALLER


def test_a_payment_written_while_its_page_is_moved_is_kept_and_the_account_still_moves(stack, monkeypatch):
    _import(stack)
    mover = next(a for a in ACCOUNTS if a not in _staying(DEPLOYED, SMALLER))
    read_page = reshard_repo.placed_page

    def page_then_a_payment(portfolio, cursor, limit):
        placed = read_page(portfolio, cursor, limit)
        if cursor is None:  # between the job's read and its write, a payment lands on the account
            payment = LedgerEntry("pay-1", EntryKind.PAYMENT, Money(-5000, "USD"), AS_OF)
            posting.post_ledger_entry(mover, payment, "webhook")
        return placed

    read_again, reread = [], reshard_repo.placed_now
    monkeypatch.setattr(reshard_repo, "placed_page", page_then_a_payment)
    monkeypatch.setattr(reshard_repo, "placed_now", lambda ids: read_again.append(ids) or reread(ids))

    outcome = _reshard(stack, SMALLER)

    assert read_again == [[mover]]  # its move was refused on the old version, and planned again
    assert outcome.finished and _on_their_shards(stack, SMALLER)
    account = accounts_repo.get_account(mover)
    assert account.balance == 95_000 and account.home_shard == shard_of(mover, "main", SMALLER)
    assert [e.entry_id for e in accounts_repo.ledger_entries(mover)] == ["pay-1"]


def test_a_writer_holding_a_read_from_before_the_move_retries_on_the_moved_account(stack):
    _import(stack)
    mover = next(a for a in ACCOUNTS if a not in _staying(DEPLOYED, SMALLER))
    stale = accounts_repo.get_account(mover)

    _reshard(stack, SMALLER)

    with pytest.raises(AccountVersionConflict):  # it would put the account back on its old shard
        accounts_repo.save_account(replace(stale, balance=90_000))
    fresh = accounts_repo.get_account(mover)
    accounts_repo.save_account(replace(fresh, balance=90_000))
    assert _placement(stack)[mover] == (shard_of(mover, "main", SMALLER),) * 2


def test_nothing_moves_while_a_cycle_pages_the_shards_and_the_job_goes_on_once_it_ended(stack):
    _import(stack)
    now = datetime.now(UTC)
    cycle_repo.take_lock("main", AS_OF, "exec-1", int(now.timestamp()), 3600)
    listed = reshard_repo.layout_for_cycle("main", stack.shard_count, "exec-1", AS_OF)
    before = _items(stack)

    with pytest.raises(CycleRunning):
        _reshard(stack, SMALLER)

    assert len(listed.paged()) == DEPLOYED and _items(stack) == before
    assert reshard_repo.current_layout("main", stack.shard_count).target is None  # not even begun
    cycle_repo.complete("main", AS_OF, "exec-1", {})
    assert _reshard(stack, SMALLER).finished and _on_their_shards(stack, SMALLER)


def test_a_cycle_whose_lease_ran_out_does_not_hold_the_job(stack):
    _import(stack, ACCOUNTS[:5])
    long_ago = int(time.time()) - 7200
    cycle_repo.take_lock("main", AS_OF, "exec-lost", long_ago, 3600)  # its lease ended an hour ago
    reshard_repo.layout_for_cycle("main", stack.shard_count, "exec-lost", AS_OF)

    assert _reshard(stack, SMALLER).finished


def test_a_second_reshard_to_another_count_waits_for_the_first(stack):
    _import(stack, ACCOUNTS[:10])
    _reshard(stack, SMALLER, page_size=5, stop_after_pages=1)

    with pytest.raises(ReshardInProgress):
        _reshard(stack, 8)

    assert _reshard(stack, SMALLER).finished


def test_two_runs_of_the_same_reshard_cannot_both_advance_it(stack):
    _import(stack, ACCOUNTS[:10])
    checkpoint = reshard_repo.begin("main", SMALLER, stack.shard_count, "test-operator", datetime.now(UTC))
    placed, cursor = reshard_repo.placed_page("main", None, 5)
    reshard_repo.advance(checkpoint, reshard.plan_moves(placed, "main", SMALLER), cursor, len(placed))

    with pytest.raises(CheckpointMoved):  # the other run read the same checkpoint
        reshard_repo.advance(checkpoint, [], cursor, len(placed))
