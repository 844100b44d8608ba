"""The daily cycle waits for the day's feed until the cut-off, then runs either way."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dunning.feed_wait import POLL, decide

NEW_YORK = "America/New_York"
DAY = date(2026, 3, 2)
CUTOFF = time(8)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo(NEW_YORK))


def test_an_applied_feed_lets_the_cycle_go_on_at_once():
    found = decide(True, DAY, _at(6), 0, CUTOFF, NEW_YORK)
    assert (found.applied, found.wait_seconds) == (True, 0)


def test_before_the_cutoff_it_waits_one_poll():
    found = decide(False, DAY, _at(6), 0, CUTOFF, NEW_YORK)
    assert found.wait_seconds == POLL.total_seconds()
    assert found.waited_seconds == POLL.total_seconds()


def test_the_last_wait_ends_at_the_cutoff_not_past_it():
    found = decide(False, DAY, _at(7, 55), 0, CUTOFF, NEW_YORK)
    assert found.wait_seconds == 5 * 60


def test_at_the_cutoff_and_after_it_runs_without_the_feed():
    assert decide(False, DAY, _at(8), 0, CUTOFF, NEW_YORK).wait_seconds == 0
    assert (
        decide(
            False,
            DAY,
            _at(
                7,
                59,
            ),
            60,
            CUTOFF,
            NEW_YORK,
        ).wait_seconds
        == 0
    )
    assert decide(False, DAY, _at(12), 0, CUTOFF, NEW_YORK).wait_seconds == 0
    # one second before the cut-off it still waits that second
    assert decide(False, DAY, _at(7, 59), 59, CUTOFF, NEW_YORK).wait_seconds == 1


def test_time_waited_counts_towards_the_cutoff_so_the_waits_end():
    waited, steps = 0, 0
    while (found := decide(False, DAY, _at(6), waited, CUTOFF, NEW_YORK)).wait_seconds:
        waited, steps = found.waited_seconds, steps + 1
    assert waited == 2 * 3600
    assert steps == 12


def test_the_cutoff_is_in_the_portfolios_zone():
    manila_morning = datetime(2026, 3, 2, 7, 55, tzinfo=ZoneInfo("Asia/Manila"))
    assert decide(False, DAY, manila_morning, 0, CUTOFF, "Asia/Manila").wait_seconds == 300
    # the same moment is still the evening before in New York: not that day's run
    assert decide(False, DAY, manila_morning, 0, CUTOFF, NEW_YORK).wait_seconds == 0


def test_a_day_run_on_another_day_does_not_wait_for_its_feed():
    next_morning = datetime(2026, 3, 3, 6, tzinfo=ZoneInfo(NEW_YORK))
    day_before = datetime(2026, 3, 1, 6, tzinfo=ZoneInfo(NEW_YORK))
    assert decide(False, DAY, next_morning, 0, CUTOFF, NEW_YORK).wait_seconds == 0
    assert decide(False, DAY, day_before, 0, CUTOFF, NEW_YORK).wait_seconds == 0
