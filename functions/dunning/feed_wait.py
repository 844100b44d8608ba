"""Whether the day's cycle waits for the day's feed: a customer who paid at a branch yesterday must
not be dunned today because the file that says so came an hour after the cycle started.

The cycle waits in steps until the feed is applied or the cut-off passes, then runs either way and
its summary says which. Time waited is counted from the run's own time (`run_at`) and the waits
already made, not read from a clock, so a re-run of a day decides as the day did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

POLL = timedelta(minutes=10)


@dataclass(frozen=True)
class FeedWait:
    applied: bool
    wait_seconds: int  # 0: go on now
    waited_seconds: int


def decide(
    applied: bool, as_of: date, run_at: datetime, waited_seconds: int, cutoff: time, time_zone: str
) -> FeedWait:
    if applied:
        return FeedWait(True, 0, waited_seconds)
    zone = ZoneInfo(time_zone)
    if run_at.astimezone(zone).date() != as_of:  # a day caught up on later (or ahead): its feed is long due
        return FeedWait(False, 0, waited_seconds)
    deadline = datetime.combine(as_of, cutoff, zone)
    now = run_at + timedelta(seconds=waited_seconds)
    left = int((deadline - now).total_seconds())
    if left <= 0:
        return FeedWait(False, 0, waited_seconds)
    step = min(left, int(POLL.total_seconds()))
    return FeedWait(False, step, waited_seconds + step)
