"""A time-barred debt stays barred when the lender's feed moves its state (Reg F §1006.26(b)).

The debt: an instalment loan placed with the agency, in default since 2021-02-02 in California (4
years): barred since 2025-02-02, its validation notice long provided, so the final demand is the step
due on AS_OF. Rhode Island gives 10 years; the feed naming it (as a column, or as the region of the
customer's new address) must record the state and leave the bar where it was.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from arrears.domain import limitations
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.services import daily_feed
from arrears.store import accounts_repo
from arrears.store.models import ActivityModel

from arrears_cli import compliance_check, executions, feeds
from tests.people import give_customer

AS_OF = date(2026, 3, 2)  # a Monday
BARRED = date(2025, 2, 2)


def _old_california_debt(stack, account_id: str) -> None:
    account = Account(
        account_id, "main", ProductType.CLOSED_END, "USD", 100_000, 100_000,
        (Due(date(2021, 2, 2), 100_000),), "en-US", "America/Los_Angeles", "US",
        home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=AS_OF,
        placement="agency", state="CA",
    )  # fmt: skip
    accounts_repo.create_account(account)
    stored = accounts_repo.get_account(account_id)  # the ladder's bookkeeping, as earlier cycles left it
    accounts_repo.save_account(
        replace(stored, validation_notice_on=date(2021, 6, 1), episode_on=date(2021, 2, 3),
                fired=("validation_notice",))
    )  # fmt: skip
    give_customer(stack, account_id)


def _update(record_id: str, account_id: str, **columns: str) -> dict:
    return {
        "record_id": record_id, "type": "account", "account_id": account_id, "product_type": "closed_end",
        "currency": "USD", "locale": "en-US", "time_zone": "America/Los_Angeles", "jurisdiction": "US",
        **columns,
    }  # fmt: skip


def test_a_feed_state_column_is_recorded_and_the_bar_found_before_it_is_kept(stack):
    # Given the California debt, not yet evaluated by any cycle (only its dues say it is in default)
    _old_california_debt(stack, "TB-STATE")
    # When the day's feed says its state is Rhode Island (applied by the feed's own service)
    key = f"feeds/main/{AS_OF.isoformat()}/day.jsonl"
    rows = [(1, _update("tb-1", "TB-STATE", state="RI")), (2, {"type": "trailer", "record_count": 1})]
    checked = daily_feed.check(key, rows, stack.shard_count)
    assert checked.whole and checked.place is not None, checked.problems
    received = datetime.combine(AS_OF, time(6), UTC)
    shards = stack.shard_count
    daily_feed.apply(list(checked.rows), checked.place, key, shards, lambda _: None, received, None)
    # Then the state is Rhode Island's, and the bar California's, kept with the account
    account = accounts_repo.get_account("TB-STATE")
    assert limitations.of_account(account).no_suit_threat(AS_OF) == (
        "the debt is time-barred since 2025-02-02 (RI, kept from before a change to the account): "
        "do not threaten suit"
    )
    assert (account.state, account.time_barred_on) == ("RI", BARRED)


def test_a_new_address_in_another_state_leaves_the_debt_barred_and_the_letter_records_the_kept_bar(
    stack, tmp_path: Path
):
    # Given the California debt, and a feed row with the customer's new address in Rhode Island only
    _old_california_debt(stack, "TB-MOVE")
    row = _update(
        "tb-2", "TB-MOVE", name="Rosalind Ovalle", address_line1="1 Main St", city="Providence",
        region="RI", postal_code="02903", country="US",
    )  # fmt: skip
    path = tmp_path / "day.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps({"type": "trailer", "record_count": 1}) + "\n")
    assert feeds.send(stack, path, "main", AS_OF, timeout_s=60).status == "SUCCEEDED"
    assert accounts_repo.get_account("TB-MOVE").state == "RI"
    # When the day's cycle reaches the final demand
    run_at = datetime.combine(AS_OF, time(9), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", AS_OF, run_at)["status"] == "SUCCEEDED"
    # Then it is refused as time-barred, its record saying the state now and the bar kept
    (letter,) = [r for r in ActivityModel.query("TB-MOVE") if r.kind == "letter"]
    assert (letter.detail["code"], letter.status, letter.detail["rule"]) == (
        "final_demand", "denied", "time_barred",
    )  # fmt: skip
    assert (letter.detail["state"], letter.detail["time_barred_on"]) == ("RI", "2025-02-02")
    assert letter.detail["time_barred_kept"] is True
    assert accounts_repo.get_account("TB-MOVE").time_barred_on == BARRED
    assert compliance_check.report(AS_OF) == []
