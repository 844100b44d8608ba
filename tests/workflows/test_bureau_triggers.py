"""The daily cycle hands accounts to skip-trace and credit review, once per account and day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.stages import Status
from arrears.store import accounts_repo, letters_repo

from arrears_cli import executions
from tests.people import give_customer

AS_OF = date(2026, 3, 2)  # a Monday: the steps that hand over also call or write, so wait for a business day


def _card(stack, account_id: str, dpd: int, status: Status = Status.ACTIVE) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 300_000, 300_000,
            (Due(AS_OF - timedelta(days=dpd), 9000),), "en-US", "America/New_York", "US",
            home_shard=shard_of(account_id, "main", stack.shard_count), next_action_on=AS_OF,
            credit_limit=400_000, status=status,
        )
    )  # fmt: skip
    give_customer(stack, account_id)  # someone to write to: a letter without an address is not sent


def _cycle(stack, day: date) -> dict:
    return executions.run_cycle(
        stack, "main", day, datetime.combine(day, time(12), ZoneInfo("America/New_York"))
    )


def _runs(cloud, stack, output: str) -> dict[str, str]:
    sfn = stack.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=cloud.stack.outputs[output])["executions"]
    return {e["name"]: executions.wait(stack, e["executionArn"], timeout_s=120)["status"] for e in found}


def test_the_cycle_starts_each_workflow_its_strategy_step_asks_for_once(cloud, stack):
    _card(stack, "TRIG-LOCATE-NOHIT", dpd=46)  # the card ladder's locate_customer step (45 DPD)
    _card(stack, "TRIG-REVIEW", dpd=61)  # limit_review (60 DPD)
    _card(stack, "TRIG-SKIP-NOHIT", dpd=3, status=Status.SKIP)  # returned mail: marked skip

    assert _cycle(stack, AS_OF)["status"] == "SUCCEEDED"
    again = _cycle(stack, AS_OF)  # a second start for the day

    assert again["status"] == "SUCCEEDED"
    traces = _runs(cloud, stack, "SkipTraceStateMachineArn")
    reviews = _runs(cloud, stack, "CreditReviewStateMachineArn")
    assert traces == {
        "skiptrace-TRIG-LOCATE-NOHIT-2026-03-02": "SUCCEEDED",
        "skiptrace-TRIG-SKIP-NOHIT-2026-03-02": "SUCCEEDED",
    }
    assert reviews == {"credit-review-TRIG-REVIEW-2026-03-02": "SUCCEEDED"}
    assert accounts_repo.get_account("TRIG-REVIEW").credit_limit < 400_000  # 61 DPD: halved or frozen
    assert accounts_repo.get_account("TRIG-SKIP-NOHIT").unlocatable_on == AS_OF


def test_an_unlocatable_account_is_not_traced_again_within_the_cooldown(cloud, stack):
    _card(stack, "TRIG-COOL-NOHIT", dpd=3, status=Status.SKIP)
    _cycle(stack, AS_OF)
    _runs(cloud, stack, "SkipTraceStateMachineArn")  # let it finish

    for day in (AS_OF + timedelta(days=1), AS_OF + timedelta(days=10)):
        assert _cycle(stack, day)["status"] == "SUCCEEDED"

    assert list(_runs(cloud, stack, "SkipTraceStateMachineArn")) == ["skiptrace-TRIG-COOL-NOHIT-2026-03-02"]


def test_the_ladders_search_finding_nothing_does_not_stop_the_next_letter_to_a_reachable_customer(
    cloud, stack
):
    # Given a card at 46 DPD whose customer has a good address and a consented email, and whom no
    # skip-trace provider knows (NOHIT)
    _card(stack, "TRIG-REACH-NOHIT", dpd=46)
    give_customer(stack, "TRIG-REACH-NOHIT", email="someone@example.com")

    # When the cycle runs the ladder's locate_customer step (45 DPD) and the search finds nothing
    assert _cycle(stack, AS_OF)["status"] == "SUCCEEDED"
    assert _runs(cloud, stack, "SkipTraceStateMachineArn") == {
        "skiptrace-TRIG-REACH-NOHIT-2026-03-02": "SUCCEEDED"
    }

    # Then the account is still worked: active, not unlocatable, no operator task; the outcome is kept
    account = accounts_repo.get_account("TRIG-REACH-NOHIT")
    assert (account.status, account.unlocatable_on) == (Status.ACTIVE, None)
    assert accounts_repo.timeline("TRIG-REACH-NOHIT", kind="task") == []
    [outcome] = [
        r for r in accounts_repo.timeline("TRIG-REACH-NOHIT", kind="skiptrace") if "located" in r.detail
    ]
    assert (outcome.detail["located"], outcome.detail["unlocatable"]) == (False, False)
    pulls = accounts_repo.timeline("TRIG-REACH-NOHIT", kind="bureau_pull")
    assert len(pulls) == 2 and {p.detail["outcome"] for p in pulls} <= {"no_hit", "thin_file"}

    # And the next letter step (limit_review, 60 DPD) is not sent the day before and goes on its day
    day_before, due_day = AS_OF + timedelta(days=13), AS_OF + timedelta(days=14)
    episode_on = account.episode_on
    assert episode_on is not None
    for day in (day_before, due_day):
        assert _cycle(stack, day)["status"] == "SUCCEEDED"
        letter = letters_repo.find("TRIG-REACH-NOHIT", episode_on, "limit_review")
        assert (letter.status if letter else None) == (letters_repo.PRINTED if day == due_day else None)
