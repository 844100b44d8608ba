"""The day's census from shard tallies, and the KPIs from the moves the day's index keeps (no AWS)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from arrears.domain.census import GROUPS, Change, roll_forward, transitions
from arrears.domain.errors import InvalidInput
from arrears.domain.kpis import Move, compute
from arrears.store.cycle_repo import read_by_kpis
from dunning.tally import Tally
from hypothesis import given
from hypothesis import strategies as st

from arrears_cli.kpi_report import with_placements

GOALS = {"1-29": 0.8, "30-59": 0.7}
balances = st.integers(min_value=0, max_value=10**15)
changes = st.builds(
    Change,
    from_group=st.one_of(st.none(), st.sampled_from(GROUPS)),
    to_group=st.sampled_from(GROUPS),
    currency=st.sampled_from(("USD", "MXN", "JPY")),
    balance_before=balances,
    balance_after=balances,
)
yesterday = {"accounts": {g: 50 for g in GROUPS}, "balances": {"USD": {g: 10**9 for g in GROUPS}}}


@given(st.lists(changes, max_size=40), st.integers(min_value=0, max_value=40))
def test_a_census_rolled_by_the_shards_tallies_equals_one_rolled_by_every_move(moves, split):
    # Given the day's moves, summed in two shards and carried through the workflow as JSON
    shards = [Tally.of(moves[:split]), Tally.of(moves[split:])]
    carried = [Tally.from_json(json.loads(json.dumps(t.to_json()))) for t in shards]

    # When the close of the day adds the tallies up
    day = sum(carried, Tally())

    # Then the census, the transitions and the count of moved accounts are what the moves give
    assert roll_forward(yesterday, day.changes()) == roll_forward(yesterday, moves)
    assert transitions(day.changes()) == transitions(moves)
    assert day.accounts == len(moves)


def test_a_tally_carries_money_as_text_so_no_json_reader_rounds_it():
    big = Change("1-29", "30-59", "IDR", 9_007_199_254_740_993, 9_007_199_254_740_995)
    (row,) = Tally.of([big]).to_json()
    assert row == ["1-29", "30-59", "IDR", 1, "9007199254740993", "9007199254740995"]


@pytest.mark.parametrize(
    "row",
    [["1-29", "30-59", "USD", 0, "1", "1"], ["1-29", "USD", 1, "1", "1"], ["a", "b", "USD", 1, "x", "1"], 7],
)
def test_a_malformed_tally_row_is_refused(row):
    with pytest.raises(InvalidInput):
        Tally.from_json([row])


# An account's history: where the period found it (None: not yet evaluated), then a group per move.
histories = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(GROUPS)),
        st.lists(st.sampled_from(GROUPS), max_size=6),
        st.sampled_from(("USD", "MXN")),
    ),
    min_size=1,
    max_size=12,
)
PERIOD_START = date(2026, 3, 1)


@given(histories, st.sampled_from(("champion", "challenger")))
def test_the_kpis_read_from_the_indexed_moves_equal_those_read_from_every_move(accounts, arm):
    # Given every account's moves in a period (each one starts where the previous one ended; the arm
    # is the account's stable assignment), the census at the period's start, and the day each
    # account was first evaluated (in the period for those it found new, before it for the others)
    moves: list[Move] = []
    first_evaluated: dict[str, date] = {}
    start = Counter()
    for n, (first, path, currency) in enumerate(accounts):
        account_id = f"A-{n}"
        start[first or "none"] += 1
        first_evaluated[account_id] = PERIOD_START if first is None else date(2026, 2, 1)
        groups = [first, *path]
        for day, (before, after) in enumerate(zip(groups, groups[1:], strict=False)):
            on = f"2026-03-{day + 1:02d}"
            moves.append(Move(account_id, on, before, after, currency, 1000 * (n + 1), arm))
    census = {"accounts": dict(start), "balances": {"USD": {g: 10**6 for g in GROUPS}}}

    # When the KPIs read only the moves the day's index keeps, with the placements put back
    kept = [m for m in moves if read_by_kpis(Change(m.from_group, m.to_group, m.currency, 0, 0))]
    read = with_placements(kept, PERIOD_START, lambda ids: {i: first_evaluated[i] for i in ids})

    # Then every figure is the same
    figures = compute(census, census, moves, Counter(), {}, Counter(), GOALS)
    assert compute(census, census, read, Counter(), {}, Counter(), GOALS) == figures


def test_moves_that_start_new_or_current_and_end_current_are_left_out_of_the_index():
    def kept(before, after):
        return read_by_kpis(Change(before, after, "USD", 0, 0))

    assert not kept(None, "current") and not kept("current", "current")
    assert kept(None, "1-29") and kept("current", "1-29") and kept("1-29", "current")
    assert kept("30-59", "30-59") and kept("current", "closed") and kept("closed", "closed")
