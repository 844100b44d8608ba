"""Dates come from inputs (the cycle's as_of, an event's occurred_at), never from the wall clock."""

from __future__ import annotations

import calendar
from datetime import date

from arrears.domain.errors import InvalidInput


def parse_date(value: str | date, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be an ISO date (YYYY-MM-DD), got {value!r}") from exc


def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
    """Same day-of-month `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    wanted = anchor_day or day.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))
