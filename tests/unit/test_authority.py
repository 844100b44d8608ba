"""Who may decide on a pending request: four eyes by identity, then level, rank and the action itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from arrears.domain.authority import Level, beyond, load_authority, refusal, refusal_to_decide
from arrears.domain.errors import InvalidInput

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


# What each level may agree to on its own (`beyond`): at its limit, and one step past it.


def test_an_unknown_operator_level_is_refused_naming_the_levels_there_are():
    with pytest.raises(InvalidInput) as refused:
        load_authority().level("specialist_9")
    assert str(refused.value) == (
        "unknown operator level 'specialist_9'; one of specialist_3, specialist_4, specialist_5, supervisor"
    )


def test_a_change_to_a_contact_point_of_no_known_kind_is_refused_in_full():
    said = refusal(load_authority().level("specialist_3"), "contact", {"change": "merge"})
    assert said == (
        "changing a contact point needs a level that sees personal data; this level may only report a"
        " point's failure (returned_mail, bounced, wrong_party)"
    )


@pytest.mark.parametrize(
    ("pay_by", "beyond_it"),
    [
        ("2026-04-15", None),  # 44 days out
        ("2026-04-16", None),  # 45: the level's limit
        ("2026-04-17", "a promise 46 days out; this level may agree up to 45"),
        ("2026-03-01", None),  # a day already past is not far out
    ],
)
def test_a_promise_is_judged_by_its_days_from_today(pay_by, beyond_it):
    assert beyond(SPECIALIST, "promise", {"pay_by": pay_by}, TODAY) == beyond_it


@pytest.mark.parametrize(
    ("count", "beyond_it"),
    [(11, None), (12, None), (13, "13 instalments; this level may agree up to 12")],
)
def test_an_arrangement_is_judged_by_its_number_of_instalments(count, beyond_it):
    instalments = [{"due_on": "2026-04-01", "amount": "10.00"}] * count
    assert beyond(SPECIALIST, "arrangement", {"instalments": instalments}, TODAY) == beyond_it


@pytest.mark.parametrize(
    ("discount", "beyond_it"),
    [("39.5", None), ("40", None), ("40.5", "a 40.5% discount; this level may agree up to 40%")],
)
def test_a_settlement_is_judged_by_its_discount(discount, beyond_it):
    assert beyond(SPECIALIST, "settlement", {"discount_pct": discount}, TODAY) == beyond_it


def test_a_bankruptcy_hold_is_released_only_by_a_level_allowed_to():
    bankruptcy = {"hold": "bankruptcy"}
    assert beyond(SPECIALIST, "release_hold", bankruptcy, TODAY) == (
        "releasing a bankruptcy hold needs a supervisor"
    )
    supervisor = SPECIALIST.model_copy(update={"release_bankruptcy_hold": True})
    assert beyond(supervisor, "release_hold", bankruptcy, TODAY) is None
    # any other hold is released by any level; a bankruptcy hold is not released by other actions
    assert beyond(SPECIALIST, "release_hold", {"hold": "dispute"}, TODAY) is None
    assert beyond(SPECIALIST, "promise", {"hold": "bankruptcy", "pay_by": "2026-03-09"}, TODAY) is None


@pytest.mark.parametrize(
    ("action", "flag", "beyond_it"),
    [
        (
            "place_agency",
            "place_with_agency",
            "placing an account with an agency (or recalling it) needs a level 5 or a supervisor",
        ),
        (
            "recall_agency",
            "place_with_agency",
            "placing an account with an agency (or recalling it) needs a level 5 or a supervisor",
        ),
        (
            "assign_suspense",
            "assign_suspense",
            "posting money held in suspense to an account needs a level 5 or a supervisor",
        ),
        ("charge_off", "charge_off", "deciding on a charge-off needs a supervisor"),
    ],
)
def test_an_action_a_level_is_not_allowed_needs_approval(action, flag, beyond_it):
    assert beyond(SPECIALIST, action, {}, TODAY) == beyond_it
    assert beyond(SPECIALIST.model_copy(update={flag: True}), action, {}, TODAY) is None


def test_an_action_with_no_limit_is_within_every_level():
    assert beyond(SPECIALIST, "note", {"text": "called"}, TODAY) is None


@pytest.mark.parametrize("amount", [{}, {"amount": "ten dollars"}])
def test_an_adjustment_without_a_readable_amount_is_refused(amount):
    with pytest.raises(InvalidInput) as refused:
        beyond(SPECIALIST, "adjust", {"currency": "USD", **amount}, TODAY)
    assert str(refused.value) == "an adjustment needs its amount"
