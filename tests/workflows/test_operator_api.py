"""Operator actions through the operator function (Lambda invoke, as the CLI calls it): validation,
authority by level with pending approvals, audit, and idempotency by request id."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.domain.money import Money
from arrears.domain.payments import Action, PaymentEvent
from arrears.domain.stages import Status
from arrears.services import posting
from arrears.services.posting import Outcome
from arrears.store import accounts_repo, operators_repo
from arrears.store.models import ActivityModel

from tests.operators import call_as, sign_up

TODAY = date(2026, 3, 2)


@pytest.fixture
def operators(cloud, stack):
    for operator_id, level in (
        ("ana", "specialist_3"),
        ("cy", "specialist_4"),
        ("bo", "specialist_5"),
        ("sam", "supervisor"),
    ):
        sign_up(cloud, operator_id, level)


def _account(stack, account_id: str = "OP-1") -> str:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=TODAY,
        )
    )  # fmt: skip
    return account_id


def _call(
    cloud, operator_id: str, action: str, account_id: str | None, request_id: str | None = None, **params
):
    return call_as(cloud, operator_id, action, account_id, TODAY, request_id, **params)


def _audit(account_id: str) -> list:
    return accounts_repo.timeline(account_id, kind="operator_action")


def test_a_promise_within_the_level_is_taken_audited_and_not_repeated_for_the_same_request(
    cloud, stack, operators
):
    account_id = _account(stack)
    pay_by = (TODAY + timedelta(days=7)).isoformat()

    first = _call(cloud, "ana", "promise", account_id, "req-promise-1", amount="80.00", pay_by=pay_by)
    again = _call(cloud, "ana", "promise", account_id, "req-promise-1", amount="80.00", pay_by=pay_by)

    assert first["status"] == "done" and first == again
    account = accounts_repo.get_account(account_id)
    assert account.promise.amount == 8000 and account.promise.due_on.isoformat() == pay_by
    [audit] = _audit(account_id)
    assert (audit.actor, audit.detail["level"], audit.detail["action"]) == ("ana", "specialist_3", "promise")


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("promise", {"amount": "80.00", "pay_by": "2026-03-01"}, "in the past"),
        ("promise", {"amount": "5000.00", "pay_by": "2026-03-09"}, "more than the balance"),
        ("arrangement", {"instalments": [{"due_on": "2026-03-10", "amount": "0"}]}, "greater than 0"),
        ("refer", {"area": "legal_dept"}, "area"),
        ("unreachable", {"reason": "moved away, probably"}, "reason"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_error_and_change_nothing(
    cloud, stack, operators, action, params, message
):
    account_id = _account(stack)

    answer = _call(cloud, "bo", action, account_id, **params)

    assert answer["error"] == "invalid" and message in answer["message"]
    assert accounts_repo.get_account(account_id).promise is None and _audit(account_id) == []


def test_unknown_accounts_and_operators_are_refused(cloud, stack, operators):
    _account(stack)
    assert _call(cloud, "ana", "refer", "NO-SUCH", area="retention")["error"] == "not_found"
    # a user of the pool who is not on the roster has no authority at all
    sign_up(cloud, "zoe", "specialist_3")
    ActivityModel(operators_repo.ROSTER, "zoe").delete()
    refused = _call(cloud, "zoe", "refer", "OP-1", area="retention")
    assert refused["error"] == "forbidden" and "roster" in refused["message"]


def test_a_settlement_beyond_a_level_3_limit_waits_for_a_supervisor_and_only_then_reaches_the_ledger(
    cloud, stack, operators
):
    account_id = _account(stack)
    pay_by = (TODAY + timedelta(days=10)).isoformat()

    asked = _call(cloud, "ana", "settlement", account_id, "req-settle-1", discount_pct="30", pay_by=pay_by)

    assert asked["status"] == "pending_approval" and "30% discount" in asked["reason"]
    untouched = accounts_repo.get_account(account_id)
    assert (untouched.balance, untouched.arrangement) == (100_000, None)
    assert [p.sk for p in operators_repo.pending_approvals()] == ["req-settle-1"]
    # a level 4 may grant 25% at most: approving 30% is beyond their own authority too
    assert _call(cloud, "cy", "approve", None, approval_id="req-settle-1")["error"] == "forbidden"
    assert _call(cloud, "ana", "approve", None, approval_id="req-settle-1")["error"] == "forbidden"

    approved = _call(cloud, "sam", "approve", None, approval_id="req-settle-1", note="hardship")

    assert approved["status"] == "done" and approved["result"] == {
        "discount": 30_000,
        "to_pay": 70_000,
        "pay_by": pay_by,
    }
    settled = accounts_repo.get_account(account_id)
    assert settled.balance == 100_000  # nothing is forgiven before the agreed money arrives
    assert settled.arrangement.schedule() == [{"due_on": pay_by, "amount": 70_000}]  # the ladder waits on it
    assert accounts_repo.timeline(account_id, kind="ledger") == []
    assert operators_repo.pending_approvals() == []
    second = _call(cloud, "sam", "approve", None, approval_id="req-settle-1")
    assert second["error"] == "invalid" and "already approved" in second["message"]
    assert _call(cloud, "sam", "reject", None, approval_id="req-settle-1")["error"] == "invalid"


def test_a_rejected_approval_never_reaches_the_account(cloud, stack, operators):
    account_id = _account(stack)
    _call(cloud, "ana", "promise", account_id, "req-far-promise", amount="80.00", pay_by="2026-05-30")

    rejected = _call(cloud, "sam", "reject", None, approval_id="req-far-promise", note="too far out")

    assert rejected["status"] == "rejected" and accounts_repo.get_account(account_id).promise is None


def test_a_conversation_starts_the_quiet_period_and_a_dispute_disposition_places_the_hold(
    cloud, stack, operators
):
    account_id = _account(stack)

    answer = _call(cloud, "ana", "disposition", account_id, outcome="dispute", at="2026-03-02T10:15:00-05:00")

    assert answer["result"]["conversation"] and answer["result"]["effects"] == ["hold:dispute"]
    account = accounts_repo.get_account(account_id)
    assert (
        "dispute" in account.holds and account.last_conversation_at.isoformat() == "2026-03-02T10:15:00-05:00"
    )
    assert [d.detail["outcome"] for d in accounts_repo.timeline(account_id, kind="disposition")] == [
        "dispute"
    ]


def test_releasing_a_bankruptcy_hold_needs_a_supervisor(cloud, stack, operators):
    account_id = _account(stack)
    _call(cloud, "bo", "place_hold", account_id, hold="bankruptcy", reason="chapter 7")

    asked = _call(
        cloud, "bo", "release_hold", account_id, "req-release-bk", hold="bankruptcy", reason="dismissed"
    )

    assert (
        asked["status"] == "pending_approval" and "bankruptcy" in accounts_repo.get_account(account_id).holds
    )
    assert _call(cloud, "sam", "approve", None, approval_id="req-release-bk")["status"] == "done"
    assert "bankruptcy" not in accounts_repo.get_account(account_id).holds


def test_a_referral_opens_a_task_for_the_other_area(cloud, stack, operators):
    account_id = _account(stack)

    answer = _call(cloud, "ana", "refer", account_id, area="retention", note="wants to close the card")

    assert answer["result"]["task"] == "refer:retention"
    assert [t.detail["task"] for t in accounts_repo.timeline(account_id, kind="task")] == ["refer:retention"]


def test_an_unreachable_customer_is_put_in_skip_status_by_a_signed_in_operator_and_audited(
    cloud, stack, operators
):
    account_id = _account(stack)

    answer = _call(cloud, "ana", "unreachable", account_id, "req-skip-1", reason="returned_mail")
    again = _call(cloud, "cy", "unreachable", account_id, reason="disconnected_phone")

    assert answer["status"] == "done" and answer["result"]["status_now"] == "skip"
    assert accounts_repo.get_account(account_id).status.value == "skip"
    assert again["error"] == "invalid" and "not active" in again["message"]  # already in skip status
    [audit] = _audit(account_id)
    assert (audit.actor, audit.detail["action"], audit.detail["params"]) == (
        "ana",
        "unreachable",
        {"reason": "returned_mail"},
    )


def _held_in_suspense(payment_id: str, amount: int = 700) -> None:
    event = PaymentEvent(
        provider="adyen", event_id=f"evt-{payment_id}", event_type="AUTHORISATION", action=Action.PAYMENT,
        occurred_at=datetime.combine(TODAY, time(10), ZoneInfo("America/New_York")), payment_id=payment_id,
        amount=Money(amount, "USD"), account_ref="NO-SUCH",
    )  # fmt: skip
    assert posting.apply(event).outcome is Outcome.SUSPENSE


def _announced(cloud, stack):
    """A queue on the payments bus: what hand-offs listening for PaymentApplied receive."""
    sqs, events = cloud.client("sqs"), cloud.client("events")
    queue = sqs.create_queue(QueueName="operator-applied")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = json.dumps({"source": ["arrears.domain.payments"]})
    events.put_rule(Name="operator-applied", EventBusName=stack.payments_bus, EventPattern=pattern)
    events.put_targets(
        Rule="operator-applied", EventBusName=stack.payments_bus, Targets=[{"Id": "q", "Arn": arn}]
    )
    return lambda: [
        json.loads(m["Body"])["detail"]
        for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    ]


def test_money_in_suspense_is_posted_by_a_level_5_through_the_one_posting_path_and_announced(
    cloud, stack, operators
):
    account_id = _account(stack)
    _held_in_suspense("adyen-susp-1", 700)
    received = _announced(cloud, stack)

    below = _call(cloud, "cy", "assign_suspense", account_id, provider="adyen", payment_id="adyen-susp-1")
    assert below["status"] == "pending_approval" and "level 5" in below["reason"]
    assert accounts_repo.get_account(account_id).balance == 100_000  # nothing posted while it waits

    answer = _call(cloud, "bo", "assign_suspense", account_id, "req-susp-1", provider="adyen",
                   payment_id="adyen-susp-1")  # fmt: skip
    again = _call(cloud, "bo", "assign_suspense", account_id, "req-susp-1", provider="adyen",
                  payment_id="adyen-susp-1")  # fmt: skip

    assert answer["status"] == "done" and again == answer  # a retried request gets its first answer
    assert answer["result"] == {
        "posted": "7.00 USD", "balance_after": "993.00 USD", "status_after": "active", "announced": True,
    }  # fmt: skip
    account = accounts_repo.get_account(account_id)
    assert (account.balance, account.dues) == (100_000 - 700, (Due(date(2026, 2, 1), 7300),))
    [announced] = received()
    assert (announced["payment_id"], announced["applied_amount"], announced["account_id"]) == (
        "adyen-susp-1", 700, account_id,
    )  # fmt: skip
    audited = sorted((a.actor, a.detail["action"], a.status) for a in _audit(account_id))
    assert audited == [("bo", "assign_suspense", "done"), ("cy", "assign_suspense", "pending_approval")]
    twice = _call(cloud, "sam", "assign_suspense", account_id, provider="adyen", payment_id="adyen-susp-1")
    assert twice["error"] == "invalid" and "already assigned" in twice["message"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"provider": "adyen", "payment_id": "nothing-held"}, "nothing in suspense"),
        ({"provider": "paypal", "payment_id": "x-1"}, "provider"),
        ({"provider": "adyen", "payment_id": "../../etc"}, "payment_id"),
    ],
)
def test_an_assignment_of_nothing_held_or_of_a_bad_reference_is_refused(
    cloud, stack, operators, params, message
):
    account_id = _account(stack)

    answer = _call(cloud, "bo", "assign_suspense", account_id, **params)

    assert answer["error"] == "invalid" and message in answer["message"]
    assert accounts_repo.get_account(account_id).balance == 100_000


def test_placing_with_an_agency_needs_level_5_stops_our_ladder_and_writes_the_agencys_file(
    cloud, stack, operators
):
    account_id = _account(stack)

    asked = _call(cloud, "ana", "place_agency", account_id, "req-place-1", agency="acme-recoveries")
    placed = _call(cloud, "bo", "place_agency", account_id, "req-place-2", agency="acme-recoveries")

    assert asked["status"] == "pending_approval"
    assert (
        placed["status"] == "done" and placed["result"]["file"] == "placements/acme-recoveries/2026-03-02.csv"
    )
    assert accounts_repo.get_account(account_id).status is Status.PLACED_WITH_AGENCY
    body = (
        cloud.client("s3")
        .get_object(Bucket=stack.reports_bucket, Key=placed["result"]["file"])["Body"]
        .read()
    )
    assert body.decode().splitlines() == [
        "account_id,action,balance,currency,dpd,bucket,placed_on",
        "OP-1,placed,100000,USD,0,,2026-03-02",
    ]
    recalled = _call(cloud, "bo", "recall_agency", account_id, agency="acme-recoveries")
    assert recalled["status"] == "done" and accounts_repo.get_account(account_id).status is Status.ACTIVE
    again = _call(cloud, "bo", "recall_agency", account_id, agency="acme-recoveries")
    assert again["error"] == "invalid" and "not with an agency" in again["message"]
