"""What a collector about to dial is told: the account's opt-outs and its days past due reach the rules."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.calls import history, judge
from arrears.domain.compliance import PROFILES, Channel

# 05:00 in Manila (UTC+8): outside the 06:00-22:00 window of the Philippine profile
EARLY_IN_MANILA = datetime(2026, 3, 8, 21, 0, tzinfo=UTC)
PH = PROFILES["ph_bsp"]


def _account(time_zone: str = "Asia/Manila") -> Account:
    return Account("A", "main", ProductType.OPEN_END, "PHP", 100, 100, (), "en-PH", time_zone, "PH", "main#0")


def test_a_customer_who_opted_out_of_calls_is_not_dialled():
    account = replace(_account(), opted_out=("call_task",))
    known = history(account, [], EARLY_IN_MANILA, dpd=10)
    assert known.opted_out == frozenset({Channel.CALL_TASK})
    decision = judge(account, [], PROFILES["mx_condusef"], datetime(2026, 3, 9, 18, 0, tzinfo=UTC), dpd=10)
    assert (decision.allowed, decision.rule) == (False, "opt_out")


@pytest.mark.parametrize("dpd,allowed", [(59, False), (60, False), (61, True)])
def test_philippine_contact_hours_bind_up_to_sixty_days_past_due(dpd, allowed):
    decision = judge(_account(), [], PH, EARLY_IN_MANILA, dpd=dpd)
    assert decision.allowed is allowed
    assert allowed or decision.rule == "hours"
    assert history(_account(), [], EARLY_IN_MANILA, dpd=dpd).dpd == dpd
