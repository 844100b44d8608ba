"""Who may decide on a pending request: four eyes by identity, then level, rank and the action itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arrears.domain.authority import Level, beyond, load_authority, refusal, refusal_to_decide

TODAY = date(2026, 3, 2)
SUPERVISOR = Level(
    rank=9, max_promise_days=90, max_instalments=24, max_settlement_discount_pct=60, approve=True
)
SPECIALIST = Level(rank=5, max_promise_days=45, max_instalments=12, max_settlement_discount_pct=40)


def _decide(decider=SUPERVISOR, requester=SPECIALIST, same_person=False, approving=None):
    return refusal_to_decide("sam", decider, "ana", requester, same_person, approving)


def test_a_supervisor_decides_on_a_specialists_request():
    assert _decide() is None
    assert _decide(approving=("settlement", {"discount_pct": "60"}, TODAY)) is None  # at its own limit


def test_nobody_decides_on_their_own_request_whatever_their_level():
    assert _decide(requester=SPECIALIST, same_person=True) == "sam cannot decide on their own request"


def test_a_level_that_does_not_approve_cannot_decide_even_ranking_higher():
    lead = SPECIALIST.model_copy(update={"rank": 8})
    assert _decide(decider=lead) == "sam's level does not approve requests"


@pytest.mark.parametrize("rank, allowed", [(4, False), (5, False), (6, True)])
def test_the_decider_must_rank_above_the_requester(rank, allowed):
    decider = SUPERVISOR.model_copy(update={"rank": rank})
    assert (_decide(decider=decider) is None) is allowed


@pytest.mark.parametrize("discount, allowed", [("60", True), ("61", False)])
def test_approving_needs_the_action_within_the_deciders_own_limits(discount, allowed):
    refused = _decide(approving=("settlement", {"discount_pct": discount}, TODAY))
    assert (refused is None) is allowed
    if not allowed:
        assert refused.startswith("beyond sam's own authority too: a 61% discount")


def test_rejecting_needs_no_authority_over_the_action():
    assert _decide(approving=None) is None  # a 90% discount request may still be turned down


@pytest.mark.parametrize(
    ("amount", "currency", "beyond_it"),
    [
        ("-50.00", "USD", None),  # at the limit, either way
        ("50.01", "USD", "an adjustment of 50.01 USD; this level may adjust up to 50 USD"),
        ("-1000", "MXN", None),  # the same level's limit in pesos
        ("-1.00", "PHP", "this level adjusts no PHP amounts without approval"),
    ],
)
def test_an_adjustment_is_judged_by_its_size_in_the_accounts_currency(amount, currency, beyond_it):
    level = SPECIALIST.model_copy(update={"max_adjustment": {"USD": Decimal(50), "MXN": Decimal(1000)}})
    params = {"amount": amount, "reason": "x", "reage": False, "currency": currency}

    assert beyond(level, "adjust", params, TODAY) == beyond_it
    assert (
        beyond(level, "adjust", {**params, "reage": True}, TODAY) == "re-aging an account needs a supervisor"
    )


@pytest.mark.parametrize(
    ("params", "refused"),
    [
        ({"change": "add", "point": {"email": "x"}}, "adding a contact point"),
        ({"change": "verify", "point_id": "p"}, "verifying a contact point"),
        ({"change": "verify_candidate", "candidate_id": "c"}, "verifying a skip-trace candidate"),
        ({"change": "mark", "status": "do_not_use"}, "marking a contact point do_not_use"),
        ({"change": "mark", "status": "returned_mail"}, None),
        ({"change": "mark", "status": "bounced"}, None),
        ({"change": "mark", "status": "wrong_party"}, None),
    ],
)
def test_a_level_that_does_not_see_personal_data_only_reports_a_contact_points_failure(params, refused):
    rules = load_authority()
    said = refusal(rules.level("specialist_3"), "contact", params)
    if refused is None:
        assert said is None
    else:
        assert said is not None and said.startswith(refused) and "sees personal data" in said
    for seeing in ("specialist_4", "specialist_5", "supervisor"):  # it sees what it changes
        assert refusal(rules.level(seeing), "contact", params) is None
    assert refusal(rules.level("specialist_3"), "promise", {"change": "add"}) is None
