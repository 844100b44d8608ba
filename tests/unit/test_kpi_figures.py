"""The KPI rules on hand-built moves (no AWS): the opening book, cures, empty buckets, currencies."""

from __future__ import annotations

from collections import Counter

from arrears.domain.census import Census, roll_forward
from arrears.domain.kpis import Move, compute, opening

from arrears_cli.kpi_report import headline, kpi_tables

GOALS = {"1-29": 0.8, "30-59": 0.7, "60-89": 0.65}
FIRST = "2026-02-28"
NOTHING: Census = {}


def _figures(start: Census, moves: list[Move], collected: dict[str, int] | None = None) -> dict:
    book, read = opening(start, moves, FIRST)
    return compute(book, book, read, Counter(), collected or {}, Counter(), GOALS)


def _placed(account: str, group: str, currency: str = "USD", balance: int = 100_000) -> Move:
    return Move(account, FIRST, None, group, currency, 0, "champion", balance)


def test_a_period_starting_on_the_first_cycle_day_opens_with_the_accounts_that_day_placed():
    # Given no census before the first cycle day; that day placed three accounts, one of which
    # later rolls and one of which cures
    moves = [
        _placed("A", "1-29"),
        _placed("B", "1-29"),
        _placed("C", "30-59", balance=50_000),
        Move("A", "2026-03-16", "1-29", "30-59", "USD", 100_000, "champion", 100_000),
        Move("B", "2026-03-03", "1-29", "current", "USD", 100_000, "champion", 95_000),
    ]

    # When the KPIs are read from that day
    book, _ = opening(NOTHING, moves, FIRST)
    figures = _figures(NOTHING, moves)

    # Then the opening book holds them where they were placed, and the rates are real
    assert book["accounts"]["1-29"] == 2 and book["accounts"]["30-59"] == 1
    assert book["balances"]["USD"]["30-59"] == 50_000
    early = figures["buckets"]["1-29"]
    assert (early["accounts_at_start"], early["rolled"], early["roll_rate"], early["efficiency"]) == (
        2,
        1,
        0.5,
        0.5,
    )
    assert early["goal_met"] is False
    assert (figures["cured"], figures["delinquent_at_start"], figures["cure_rate"]) == (1, 3, 0.3333)


def test_placements_after_the_first_day_stay_new_in_the_period():
    # Given a census before the period, and an account first placed on its third day
    start = roll_forward({}, [])
    moves = [Move("N", "2026-03-02", None, "1-29", "USD", 0, "champion", 100_000)]

    # Then it is in no bucket at the start
    figures = _figures(start, moves)
    assert figures["buckets"]["1-29"]["accounts_at_start"] == 0 and figures["delinquent_at_start"] == 0


def test_a_bucket_that_held_no_account_at_the_start_has_no_efficiency_and_no_goal_met():
    figures = _figures(NOTHING, [_placed("A", "1-29")])

    empty = figures["buckets"]["60-89"]
    assert (empty["accounts_at_start"], empty["roll_rate"], empty["efficiency"], empty["goal_met"]) == (
        0,
        None,
        None,
        None,
    )
    # while the bucket that held one, and lost none, contained all of it
    assert figures["buckets"]["1-29"]["efficiency"] == 1.0


def test_paid_in_full_is_a_cure_and_a_charge_off_is_not():
    # Given two delinquent accounts that both close: one pays all it owes, one is charged off
    moves = [
        _placed("PAID", "1-29"),
        _placed("LOST", "30-59"),
        Move("PAID", "2026-03-03", "1-29", "closed", "USD", 100_000, "champion", 0),
        Move("LOST", "2026-03-10", "30-59", "closed", "USD", 100_000, "champion", 100_000),
    ]

    figures = _figures(NOTHING, moves)

    assert (figures["cured"], figures["delinquent_at_start"], figures["cure_rate"]) == (1, 2, 0.5)


def test_roll_rates_by_balance_and_amounts_collected_stay_per_currency():
    # Given 1-29 holding USD 1,000.00 and PHP 1,000.00 + PHP 500.00; the PHP 500.00 rolls
    moves = [
        _placed("U", "1-29", "USD", 100_000),
        _placed("P1", "1-29", "PHP", 100_000),
        _placed("P2", "1-29", "PHP", 50_000),
        Move("P2", "2026-03-16", "1-29", "30-59", "PHP", 50_000, "champion", 50_000),
    ]
    collected = {"USD": 74_500, "MXN": 150_000, "PHP": 250_000}

    figures = _figures(NOTHING, moves, collected)

    # Then each currency's share is its own, a currency that rolled nothing says 0.0
    assert figures["buckets"]["1-29"]["roll_rate_by_balance"] == {"PHP": 0.3333, "USD": 0.0}
    assert figures["collected_minor_units"] == {"MXN": 150_000, "PHP": 250_000, "USD": 74_500}


def test_amounts_read_by_people_carry_their_currency_in_its_own_decimals():
    report = {
        "cure_rate": 0.5,
        "cured": 1,
        "delinquent_at_start": 2,
        "promises": {"kept": 1, "broken": 0, "kept_rate": 1.0},
        "collected_minor_units": {"JPY": 1200, "MXN": 150_000, "USD": 74_500},
        "buckets": {},
        "accounts_by_bucket": {},
        "balances_by_bucket_minor_units": {},
        "letters": {"mail:first_notice": 2},
        "arms": {},
    }

    assert headline(report).endswith("collected JPY 1,200, MXN 1,500.00, USD 745.00")
    tables = kpi_tables(report)
    assert [(r["currency"], str(r["collected"])) for r in tables["collected"]] == [
        ("JPY", "1200"),
        ("MXN", "1500.00"),
        ("USD", "745.00"),
    ]
    assert tables["letters"] == [{"channel": "mail", "code": "first_notice", "delivered": 2}]
    assert tables["rates"][0] == {"kpi": "cure rate", "rate": 0.5, "count": 1, "of": 2}
