"""How far from its file's day a date in an import or feed row may lie.

A date outside these windows is a typo or an attack, never a fact: 9999-12-31 as a next due date
overflows the day after it that the cycle computes, and 0001-01-01 as an itemization date prints
"as of January 1, 1" on a validation notice. Each window is wide enough for every true row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from arrears.domain.errors import InvalidInput
from arrears.domain.rows import FieldProblem

# A feed reports what happened lately: money, statements and status changes dated this far back.
MAX_DAYS_BACK = 400
# A due date (a statement's, an account's next instalment) falls at most about 13 months ahead.
MAX_DUE_AHEAD = 400
# A debt's oldest unpaid due date and its itemization date: placed and sold debt is often 5-10
# years old, and a judgment is renewed for 20 years in many states; none is collected at 30.
MAX_DEBT_YEARS = 30
# The day the creditor opened the account: a mortgage or a life policy may be decades old.
MAX_OPENED_YEARS = 100
# The days a file may be of (its key's date, an import's day): every window above fits around them.
FIRST_FILE_DAY, LAST_FILE_DAY = date(2000, 1, 1), date(2999, 12, 31)


def is_file_day(day: date) -> bool:
    return FIRST_FILE_DAY <= day <= LAST_FILE_DAY


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Window:
    """The days a column may name, seen from the file's day; a refusal says which side was crossed."""

    earliest: date
    latest: date
    too_early: str
    too_late: str

    def check(self, field: str, day: date | None) -> None:
        if day is None:
            return
        if day < self.earliest:
            raise FieldProblem(field, f"{self.too_early} ({self.earliest.isoformat()})")
        if day > self.latest:
            raise FieldProblem(field, f"{self.too_late} ({self.latest.isoformat()})")


def _file_day(day: date) -> date:
    if not is_file_day(day):
        raise InvalidInput(f"a file's day is from {FIRST_FILE_DAY} to {LAST_FILE_DAY}")
    return day


def debt_window(file_day: date) -> Window:
    """An oldest due date or itemization date: within MAX_DEBT_YEARS before the file's day, not after it."""
    return Window(
        years_before(_file_day(file_day), MAX_DEBT_YEARS),
        file_day,
        f"is more than {MAX_DEBT_YEARS} years before the file's day",
        "is after today",
    )


def due_window(file_day: date) -> Window:
    """A due date still to come or already missed: no older than a debt's oldest due, at most
    MAX_DUE_AHEAD days ahead (an oldest due date with nothing past due may be next month's)."""
    return Window(
        years_before(_file_day(file_day), MAX_DEBT_YEARS),
        file_day + timedelta(days=MAX_DUE_AHEAD),
        f"is more than {MAX_DEBT_YEARS} years before the file's day",
        f"is more than {MAX_DUE_AHEAD} days after the file's day",
    )


def opened_window(file_day: date) -> Window:
    """The day an account opened: within MAX_OPENED_YEARS, never after today."""
    return Window(
        years_before(_file_day(file_day), MAX_OPENED_YEARS),
        file_day,
        f"is more than {MAX_OPENED_YEARS} years before the file's day",
        "is after today",
    )
