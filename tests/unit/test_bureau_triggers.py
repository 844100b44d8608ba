"""When the cycle hands an account to skip-trace or credit review, and when it does not."""

from __future__ import annotations

from datetime import date

from arrears.domain.account import Account, ProductType
from arrears.domain.bureau_triggers import credit_review_reason, skiptrace_reason
from arrears.domain.compliance import Channel
from arrears.domain.stages import Status
from arrears.domain.strategy import Step

AS_OF = date(2026, 3, 1)
LOCATE = Step(name="locate_customer", at_dpd=45, channel=Channel.CALL_TASK, skiptrace=True)
REVIEW = Step(name="limit_review", at_dpd=60, channel=Channel.CALL_TASK, credit_review=True)


def _card(**kw) -> Account:
    kw.setdefault("credit_limit", 5000)
    return Account(
        "CARD-1", "main", ProductType.OPEN_END, "USD", 1000, 1000, (), "en-US", "America/New_York", "US",
        home_shard="main#001", **kw,
    )  # fmt: skip


def test_a_skiptrace_step_or_skip_status_starts_a_trace():
    assert skiptrace_reason(_card(), LOCATE, AS_OF, 30) == "strategy:locate_customer"
    assert skiptrace_reason(_card(status=Status.SKIP), None, AS_OF, 30) == "skip_status"
    assert skiptrace_reason(_card(), None, AS_OF, 30) is None


def test_no_trace_within_the_cooldown_or_on_a_closed_account():
    assert skiptrace_reason(_card(status=Status.SKIP, traced_on=date(2026, 2, 15)), None, AS_OF, 30) is None
    assert skiptrace_reason(_card(status=Status.SKIP, traced_on=date(2026, 1, 30)), None, AS_OF, 30)
    assert skiptrace_reason(_card(status=Status.PAID_IN_FULL), LOCATE, AS_OF, 30) is None


def test_a_credit_review_needs_its_step_a_line_and_the_cooldown_passed():
    assert credit_review_reason(_card(), REVIEW, AS_OF, 90) == "strategy:limit_review"
    assert credit_review_reason(_card(credit_limit=None), REVIEW, AS_OF, 90) is None
    assert credit_review_reason(_card(reviewed_on=date(2026, 1, 1)), REVIEW, AS_OF, 90) is None
    assert credit_review_reason(_card(), LOCATE, AS_OF, 90) is None
