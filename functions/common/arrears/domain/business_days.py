"""Business days of a jurisdiction: the days on which letters are queued and collectors call.

A weekend day or a public holiday of the account's jurisdiction is not one. Holidays come from the
`holidays` library with their observed days (Independence Day on a Saturday is kept on the Friday
before), which is the calendar lenders, mail houses and call centres close on. Days past due still
count calendar days: only contact with the customer waits for a business day.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from arrears.domain.errors import ArrearsError

# Saturday and Sunday (date.weekday() numbers): the weekend in every jurisdiction we collect in.
WEEKEND = frozenset({5, 6})
# The longest run of closed days we accept before calling the calendar broken; the longest real one
# (a holiday week beside two weekends, e.g. Holy Week in the Philippines) is well under it.
LONGEST_CLOSURE_DAYS = 21


class UnknownJurisdiction(ArrearsError):
    """A jurisdiction the holiday calendar does not know: contact days cannot be told."""


def knows(jurisdiction: str) -> bool:
    """Whether the holiday calendar has this jurisdiction (an ISO 3166 alpha-2 code)."""
    from holidays import list_supported_countries  # deferred: see holidays_in

    return jurisdiction in list_supported_countries()


@lru_cache(maxsize=64)
def holidays_in(jurisdiction: str, year: int) -> frozenset[date]:
    """The jurisdiction's public holidays of one year, observed days included; built once per
    jurisdiction and year for the life of the process (a cycle asks thousands of times a call)."""
    # Imported here, not at the top: a cold start of a step that never asks pays nothing (decision 47).
    from holidays import country_holidays

    try:
        return frozenset(country_holidays(jurisdiction, years=year))
    except NotImplementedError as exc:
        raise UnknownJurisdiction(f"no holiday calendar for jurisdiction {jurisdiction!r}") from exc


def is_business_day(jurisdiction: str, day: date) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays_in(jurisdiction, day.year)


def business_days_after(jurisdiction: str, start: date, days: int) -> date:
    """The day `days` business days after `start` (`start` itself not counted, whatever it is)."""
    current = start
    for _ in range(days):
        current = next_business_day(jurisdiction, current)
    return current


def on_or_after(jurisdiction: str, day: date) -> date:
    """`day` if it is a business day, else the first business day after it."""
    return day if is_business_day(jurisdiction, day) else next_business_day(jurisdiction, day)


def next_business_day(jurisdiction: str, day: date) -> date:
    """The first business day after `day`."""
    for offset in range(1, LONGEST_CLOSURE_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if is_business_day(jurisdiction, candidate):
            return candidate
    raise UnknownJurisdiction(
        f"{jurisdiction}: no business day in the {LONGEST_CLOSURE_DAYS} days after {day.isoformat()}"
    )
