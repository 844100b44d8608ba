"""The inconsistency report finds what a bug or a hand edit would leave behind, and nothing else."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from arrears import accounts_repo
from arrears.account import Account, ProductType, shard_of
from arrears.ledger import Due
from arrears.models import AccountModel

from arrears_cli import executions
from arrears_cli.inconsistencies import inconsistencies

AS_OF = date(2026, 3, 1)


def _card(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 50_000, 50_000, (Due(date(2026, 2, 13), 5000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
        )
    )  # fmt: skip


def test_a_balance_off_its_ledger_and_a_stage_off_its_dpd_are_reported(stack):
    for name in ("INC-OK", "INC-BAL", "INC-STAGE"):
        _card(stack, name)
    run_at = datetime.combine(AS_OF, time(12), ZoneInfo("America/New_York"))
    assert executions.run_cycle(stack, "main", AS_OF, run_at)["status"] == "SUCCEEDED"
    assert inconsistencies() == []  # the engine leaves none

    AccountModel.get("INC-BAL").update(actions=[AccountModel.balance.set(49_000)])  # a hand edit
    AccountModel.get("INC-STAGE").update(actions=[AccountModel.bucket.set("60-89")])

    found = {(f["account_id"], f["problem"]) for f in inconsistencies()}
    assert found == {("INC-BAL", "balance_vs_ledger"), ("INC-STAGE", "stage_vs_dpd")}
