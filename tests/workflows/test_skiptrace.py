"""The skip-trace workflow through its real ASL on the local cloud: every branch of the waterfall.

Sandbox providers answer by markers in the account id (arrears.adapters.sandbox): NOHIT, HIT2, THROTTLE,
OUTAGE, MALFORMED.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.stages import Status
from arrears.store import accounts_repo, bureau_repo

from arrears_cli import executions

AS_OF = date(2026, 3, 1)


def _skip_account(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 200_000, 200_000,
            (Due(date(2026, 1, 13), 9000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            status=Status.SKIP, next_action_on=AS_OF,
        )
    )  # fmt: skip


def _trace(cloud, stack, account_id: str, as_of: date = AS_OF) -> tuple[dict, list[str]]:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=cloud.stack.outputs["SkipTraceStateMachineArn"],
        name=f"skiptrace-{account_id}-{as_of.isoformat()}",
        input=json.dumps({"account_id": account_id, "as_of": as_of.isoformat(), "reason": "returned_mail"}),
    )["executionArn"]
    described = executions.wait(stack, arn, timeout_s=120)
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    return described, entered


def _items(account_id: str, kind: str) -> list:
    return accounts_repo.timeline(account_id, kind=kind)


def test_a_strong_match_at_the_first_provider_locates_the_customer_and_stops_the_waterfall(cloud, stack):
    # ST-A1 hashes to a first-provider hit at 0.93 (a stable sandbox answer)
    account_id = next(f"ST-A{i}" for i in range(200) if _first_provider_hits_strongly(f"ST-A{i}"))
    _skip_account(stack, account_id)

    described, entered = _trace(cloud, stack, account_id)

    assert described["status"] == "SUCCEEDED"
    assert entered.count("Ask the next provider") == 1 and "Located" in entered
    account = accounts_repo.get_account(account_id)
    assert account.status is Status.ACTIVE and account.traced_on == AS_OF
    pulls = _items(account_id, "bureau_pull")
    assert [(p.detail["provider"], p.detail["purpose"], int(p.amount)) for p in pulls] == [
        ("locate-basic", "collection", 25)
    ]
    candidates = _items(account_id, "contact_candidate")
    assert candidates and all(c.detail["verified"] is False for c in candidates)


def test_a_scan_of_the_activity_table_shows_no_candidates_value_and_the_operator_side_opens_them(
    cloud, stack
):
    from skiptrace.providers.sandbox import SandboxSkipTrace

    # Given an account the first provider finds, and the values it offers
    account_id = next(f"ST-A{i}" for i in range(200) if _first_provider_hits_strongly(f"ST-A{i}"))
    offered = [c["value"] for c in SandboxSkipTrace("locate-basic", 0)._raw(account_id, "US")["candidates"]]
    _skip_account(stack, account_id)

    # When it is traced
    assert _trace(cloud, stack, account_id)[0]["status"] == "SUCCEEDED"

    # Then the table holds the candidates sealed: no value, whole or in its digits
    scanned = json.dumps(cloud.client("dynamodb").scan(TableName=stack.activity_table)["Items"])
    assert offered and not [v for v in offered if v in scanned or v.replace(" ", "") in scanned]
    stored = bureau_repo.candidates(stack.personal_data(), account_id)
    assert [c.value for c in stored] == [None] * len(offered)
    opened = bureau_repo.candidates(stack.personal_data(), account_id, opened=True)
    assert [c.value for c in opened] == offered and {c.status for c in opened} == {"unverified"}


def _first_provider_hits_strongly(account_id: str) -> bool:
    from arrears.adapters.sandbox import roll
    from skiptrace.providers.sandbox import SandboxSkipTrace

    if (
        roll("fault", "locate-basic", account_id) < 190
        or 9_999 - roll("shape", "locate-basic", account_id) < 40
    ):
        return False
    answer = SandboxSkipTrace("locate-basic", 0)._raw(account_id, "US")
    return answer["outcome"] == "hit" and max(c["confidence"] for c in answer["candidates"]) >= 0.8


def test_a_hit_at_the_second_provider_pays_for_both_pulls(cloud, stack):
    _skip_account(stack, "ST-HIT2")

    described, entered = _trace(cloud, stack, "ST-HIT2")

    assert described["status"] == "SUCCEEDED" and "Located" in entered
    assert entered.count("Ask the next provider") == 2
    pulls = {p.detail["provider"]: int(p.amount) for p in _items("ST-HIT2", "bureau_pull")}
    assert pulls == {"locate-basic": 25, "locate-plus": 110}
    assert accounts_repo.get_account("ST-HIT2").status is Status.ACTIVE


def test_no_hit_anywhere_marks_the_customer_unlocatable_with_an_operator_task(cloud, stack):
    _skip_account(stack, "ST-NOHIT")

    described, entered = _trace(cloud, stack, "ST-NOHIT")

    assert described["status"] == "SUCCEEDED" and entered[-1] == "Unlocatable"
    account = accounts_repo.get_account("ST-NOHIT")
    assert account.status is Status.SKIP and account.unlocatable_on == AS_OF
    assert [t.detail["task"] for t in _items("ST-NOHIT", "task")] == ["locate_customer"]


def test_a_throttled_provider_is_retried_and_the_trace_goes_on(cloud, stack):
    _skip_account(stack, "ST-THROTTLE-HIT2")

    described, entered = _trace(cloud, stack, "ST-THROTTLE-HIT2")

    assert described["status"] == "SUCCEEDED" and "Located" in entered
    sfn = stack.client("stepfunctions")
    history = sfn.get_execution_history(executionArn=described["executionArn"], maxResults=1000)["events"]
    failures = [e for e in history if e["type"] == "LambdaFunctionFailed" or e["type"] == "TaskFailed"]
    assert any("ProviderThrottled" in json.dumps(e, default=str) for e in failures)
    assert (
        len(_items("ST-THROTTLE-HIT2", "bureau_pull")) == 2
    )  # one per provider, none for the throttled call


@pytest.mark.parametrize(
    ("account_id", "error"), [("ST-OUTAGE", "ProviderUnavailable"), ("ST-MALFORMED", "ProviderBadResponse")]
)
def test_an_outage_or_a_malformed_answer_goes_to_manual_review_and_fails_visibly(
    cloud, stack, account_id, error
):
    _skip_account(stack, account_id)

    described, entered = _trace(cloud, stack, account_id)

    assert described["status"] == "FAILED" and described["error"] == error
    assert entered[-2:] == ["Hand the account to an operator", "A provider failed"]
    assert [t.detail["task"] for t in _items(account_id, "task")] == ["review_skiptrace"]
    assert _items(account_id, "bureau_pull") == [] and _items(account_id, "contact_candidate") == []


def test_the_cooldown_refuses_a_second_trace_within_thirty_days(cloud, stack):
    _skip_account(stack, "ST-NOHIT-2")
    _trace(cloud, stack, "ST-NOHIT-2")

    described, entered = _trace(cloud, stack, "ST-NOHIT-2", date(2026, 3, 20))

    assert described["status"] == "SUCCEEDED" and entered[-1] == "Not traced"
    assert len(_items("ST-NOHIT-2", "bureau_pull")) == 2  # only the first trace's
    assert len(bureau_repo.pulls_between(AS_OF, date(2026, 3, 31))) >= 2
