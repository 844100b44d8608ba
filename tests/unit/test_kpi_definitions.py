"""Each KPI as collections-domain.md defines it, figure by figure, on one hand-built book (no AWS):
roll rates by count and balance, efficiency against its goal, cures by arm, promises kept."""

from __future__ import annotations

from collections import Counter

import pytest
from arrears.domain.census import Census
from arrears.domain.kpis import Move, compute, load_goals, opening

GOALS = {"1-29": 0.8, "30-59": 0.7, "60-89": 0.65}

# The book at the start: 1-29 holds A, B, C in dollars and G in pesos; 30-59 holds D; others none.
START: Census = {
    "accounts": {"current": 5, "1-29": 4, "30-59": 1},
    "balances": {"USD": {"1-29": 300_000, "30-59": 50_000}, "MXN": {"1-29": 1_000}},
}
END: Census = {"accounts": {"current": 5, "1-29": 1}, "balances": {"USD": {"1-29": 9}}}
MOVES = [
    # A rolls twice: only where it began and where it ended count
    Move("A", "2026-03-10", "30-59", "60-89", "USD", 100_000, "champion", 100_000),
    Move("A", "2026-03-03", "1-29", "30-59", "USD", 100_000, "champion", 100_000),
    Move("B", "2026-03-04", "1-29", "60-89", "USD", 120_000, "challenger", 120_000),
    Move("C", "2026-03-05", "1-29", "current", "USD", 80_000, None, 0),  # cured, in no known arm
    Move("D", "2026-03-06", "30-59", "closed", "USD", 50_000, "champion", 0),  # paid in full: cured
    Move("E", "2026-03-07", "current", "1-29", "USD", 9, "champion", 9),  # current is no KPI bucket
    Move("F", "2026-03-08", None, "1-29", "USD", 0, "champion", 7),  # new in the period
]


def figures(start=START, end=END, moves=MOVES, promises=None) -> dict:
    outcomes = Counter({"kept": 3, "broken": 1}) if promises is None else promises
    return compute(
        start, end, moves, outcomes, {"USD": 5_000, "MXN": 100}, Counter({"mail:first_notice": 2}), GOALS
    )


def no_bucket(goal: float | None) -> dict:
    return {
        "accounts_at_start": 0,
        "rolled": 0,
        "roll_rate": None,
        "roll_rate_by_balance": {"MXN": None, "USD": None},
        "efficiency": None,
        "goal": goal,
        "goal_met": None,
    }


def test_every_figure_of_a_period_as_the_report_reads_it():
    assert figures() == {
        "accounts_by_bucket": END["accounts"],
        "balances_by_bucket_minor_units": END["balances"],
        "buckets": {
            "1-29": {
                "accounts_at_start": 4,
                "rolled": 2,  # A and B
                "roll_rate": 0.5,
                "roll_rate_by_balance": {"MXN": 0.0, "USD": 0.7333},  # 2,200.00 of 3,000.00 dollars
                "efficiency": 0.5,
                "goal": 0.8,
                "goal_met": False,
            },
            "30-59": {
                "accounts_at_start": 1,
                "rolled": 0,
                "roll_rate": 0.0,
                "roll_rate_by_balance": {"MXN": None, "USD": 0.0},  # no peso in 30-59 at the start
                "efficiency": 1.0,
                "goal": 0.7,
                "goal_met": True,
            },
            "60-89": no_bucket(0.65),
            "90-119": no_bucket(None),
            "120-179": no_bucket(None),
            "180+": no_bucket(None),
        },
        "cure_rate": 0.4,  # C and D of the five delinquent at the start
        "cured": 2,
        "delinquent_at_start": 5,
        "promises": {"kept": 3, "broken": 1, "kept_rate": 0.75},
        "collected_minor_units": {"MXN": 100, "USD": 5_000},
        "letters": {"mail:first_notice": 2},
        "arms": {
            "challenger": {"delinquent_moved": 1, "cured": 0, "cure_share": 0.0},
            "champion": {"delinquent_moved": 2, "cured": 1, "cure_share": 0.5},
            "unknown": {"delinquent_moved": 1, "cured": 1, "cure_share": 1.0},
        },
    }


def test_a_census_with_nothing_in_it_reads_as_an_empty_book():
    # Given no census at either end (before the first cycle ever closed a day)
    empty = compute({}, {}, [], Counter(), {}, Counter(), GOALS)

    assert empty["accounts_by_bucket"] == {} and empty["balances_by_bucket_minor_units"] == {}
    assert empty["buckets"]["1-29"] == {**no_bucket(0.8), "roll_rate_by_balance": {}}
    assert (empty["delinquent_at_start"], empty["cure_rate"]) == (0, None)


@pytest.mark.parametrize(
    ("outcomes", "kept_rate"),
    [(Counter(), None), (Counter({"kept": 1}), 1.0), (Counter({"broken": 2}), 0.0)],
)
def test_the_promise_kept_rate_is_of_promises_that_came_to_an_outcome(outcomes, kept_rate):
    promises = figures(promises=outcomes)["promises"]
    assert promises == {"kept": outcomes["kept"], "broken": outcomes["broken"], "kept_rate": kept_rate}


@pytest.mark.parametrize(
    ("rolled", "goal_met"),
    [(0, True), (1, True), (2, False)],  # efficiency 1.0, 0.8 (the goal itself), 0.6
)
def test_a_bucket_meets_its_goal_at_the_goal_itself(rolled, goal_met):
    start: Census = {"accounts": {"1-29": 5}, "balances": {"USD": {"1-29": 500}}}
    moves = [Move(f"R{n}", "2026-03-03", "1-29", "30-59", "USD", 100, "champion", 100) for n in range(rolled)]

    bucket = figures(start=start, moves=moves)["buckets"]["1-29"]

    assert (bucket["rolled"], bucket["goal_met"]) == (rolled, goal_met)
    assert bucket["roll_rate_by_balance"] == {"USD": rolled * 100 / 500}


@pytest.mark.parametrize(("owed_after", "cured"), [(-1, True), (0, True), (1, False), (None, False)])
def test_closing_is_a_cure_only_when_nothing_is_left_owed(owed_after, cured):
    # -1: overpaid and closed; 1: charged off with a cent still owed; None: not known
    moves = [Move("D", "2026-03-06", "30-59", "closed", "USD", 50_000, "champion", owed_after)]

    assert figures(moves=moves)["cured"] == (1 if cured else 0)


def test_accounts_placed_on_the_first_day_open_the_book_and_only_they_become_stays():
    placed = Move("P", "2026-03-01", None, "30-59", "USD", 0, "champion", None)  # its balance not known
    later = Move("A", "2026-03-03", "1-29", "60-89", "USD", 100_000, "champion", 100_000)
    new = Move("N", "2026-03-02", None, "1-29", "USD", 0, "champion", 500)

    book, read = opening({}, [placed, later, new], "2026-03-01")

    assert book["accounts"]["30-59"] == 1 and book["balances"]["USD"]["30-59"] == 0
    assert read == [
        Move("P", "2026-03-01", "30-59", "30-59", "USD", 0, "champion", None),
        later,
        new,
    ]


def test_the_efficiency_goals_are_read_from_the_rules():
    assert load_goals() == {"1-29": 0.8, "30-59": 0.7, "60-89": 0.65, "90-119": 0.6, "120-179": 0.55}


def test_accounts_new_or_reopened_in_the_period_count_in_no_rate_and_the_others_still_do():
    # Given, on the first days, an account placed new and one reopened from closed; later a cure
    moves = [
        Move("N", "2026-03-01", None, "30-59", "USD", 0, "champion", 500),
        Move("X", "2026-03-02", "closed", "60-89", "USD", 0, "champion", 700),
        Move("C", "2026-03-05", "1-29", "current", "USD", 80_000, "champion", 0),
        Move("D", "2026-03-06", "30-59", "current", "USD", 50_000, "champion", 0),
    ]

    counted = figures(moves=moves)

    assert (counted["cured"], counted["arms"]) == (
        2,
        {"champion": {"delinquent_moved": 2, "cured": 2, "cure_share": 1.0}},
    )
    assert [counted["buckets"][b]["rolled"] for b in ("1-29", "30-59")] == [0, 0]
