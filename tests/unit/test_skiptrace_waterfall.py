"""What a skip-trace's end does to an account: a search that finds nothing stops the ladder only for
a customer who cannot be reached (skiptrace.waterfall)."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.customer import Reach
from arrears.domain.stages import Status
from arrears.domain.strategy import load_strategies, steps_due
from skiptrace import waterfall
from skiptrace.waterfall import exhausted, found

AS_OF = date(2026, 3, 2)
NEXT_LOOK = date(2026, 3, 16)


def _card(reach: tuple[str, ...], status: Status = Status.ACTIVE, **kw) -> Account:
    return Account(
        "CARD-1", "main", ProductType.OPEN_END, "USD", 300_000, 300_000, (), "en-US", "America/New_York",
        "US", home_shard="main#001", status=status, reach=reach, next_action_on=NEXT_LOOK, **kw,
    )  # fmt: skip


@pytest.mark.parametrize(
    "reach",
    [
        (Reach.POSTAL.value,),
        (Reach.POSTAL.value, Reach.EMAIL.value),
        (Reach.EMAIL.value,),
        (Reach.PHONE.value,),
    ],
)
def test_nothing_found_for_a_customer_we_can_still_reach_leaves_the_account_as_it_stood(reach):
    # Given an active card whose customer can be written to, emailed or called
    account = _card(reach)

    # When the ladder's routine search ends with no provider finding anything
    after = exhausted(account, AS_OF)

    # Then it stays active, is not marked unlocatable, and its next look stays where it was
    assert (after.status, after.unlocatable_on, after.next_action_on) == (Status.ACTIVE, None, NEXT_LOOK)


def test_nothing_found_for_a_customer_with_no_way_left_to_reach_them_makes_the_account_skip():
    account = _card(())

    after = exhausted(account, AS_OF)

    assert (after.status, after.unlocatable_on) == (Status.SKIP, AS_OF)


def test_an_account_in_skip_status_stays_skip_and_unlocatable_whatever_else_reaches_the_customer():
    # skip status: the mailing address is gone (returned mail, a letter with nowhere to go)
    account = _card((Reach.PHONE.value,), status=Status.SKIP)

    after = exhausted(account, AS_OF)

    assert (after.status, after.unlocatable_on) == (Status.SKIP, AS_OF)


def test_a_customer_is_lost_in_skip_status_or_with_no_way_left_to_reach_them():
    assert waterfall.unlocatable(_card(()))
    assert waterfall.unlocatable(_card((Reach.POSTAL.value,), status=Status.SKIP))
    assert not waterfall.unlocatable(_card((Reach.PHONE.value,)))
    assert not waterfall.unlocatable(_card((Reach.POSTAL.value,), status=Status.PROMISE_PENDING))


@pytest.mark.parametrize("status", [Status.PROMISE_PENDING, Status.ON_HOLD])
def test_another_status_is_kept_and_marked_unlocatable_only_without_reach(status):
    assert exhausted(_card((Reach.POSTAL.value,), status=status), AS_OF).unlocatable_on is None
    lost = exhausted(_card((), status=status), AS_OF)
    assert (lost.status, lost.unlocatable_on) == (status, AS_OF)


def test_a_hit_still_takes_an_account_out_of_skip():
    after = found(_card((), status=Status.SKIP, unlocatable_on=date(2026, 2, 1)), AS_OF)

    assert (after.status, after.unlocatable_on, after.next_action_on) == (Status.ACTIVE, None, AS_OF)


@pytest.mark.parametrize(
    ("strategy", "dpd", "letter_step"),
    [("credit_card_us", 60, "limit_review"), ("agency_card_mx", 60, "requerimiento_final")],
)
def test_after_the_ladders_search_finds_nothing_its_next_letter_falls_due(strategy, dpd, letter_step):
    # Given a reachable account whose ladder ran its skip-trace step, and the search found nothing
    ladder = load_strategies()[strategy].champion
    searched = next(s.name for s in ladder.steps if s.skiptrace)
    fired = frozenset(s.name for s in ladder.steps if s.at_dpd < dpd)
    assert searched in fired
    after = exhausted(_card((Reach.POSTAL.value,)), AS_OF)

    # When the ladder reaches its next letter, one day either side of it
    before_due = steps_due(ladder, fired, dpd - 1, after.status)
    due = steps_due(ladder, fired, dpd, after.status)

    # Then it falls due on its day, not before
    assert before_due == ()
    assert [s.name for s in due] == [letter_step]
