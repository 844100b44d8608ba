"""The days a row's date may name, seen from its file's day: each window's edges and a day either side,
and the refusal a person reads."""

from datetime import date, timedelta

import pytest
from arrears.domain.errors import InvalidInput
from arrears.domain.row_dates import debt_window, due_window, is_file_day, opened_window, years_before
from arrears.domain.rows import FieldProblem

DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    "day,ok",
    [
        (date(1999, 12, 31), False),
        (date(2000, 1, 1), True),
        (date(2999, 12, 31), True),
        (date(2026, 3, 10), True),
    ],
)
def test_the_days_a_file_may_be_of(day, ok):
    assert is_file_day(day) is ok


def test_a_file_day_outside_them_is_refused_and_says_which_days_are_allowed():
    with pytest.raises(InvalidInput) as refused:
        debt_window(date(1999, 12, 31))
    assert str(refused.value) == "a file's day is from 2000-01-01 to 2999-12-31"


def test_years_before_a_29_february_is_28_february():
    assert years_before(date(2024, 2, 29), 30) == date(1994, 2, 28)
    assert years_before(date(2024, 2, 28), 30) == date(1994, 2, 28)
    assert years_before(date(2024, 3, 1), 4) == date(2020, 3, 1)


def _refusal(window, day):
    with pytest.raises(FieldProblem) as refused:
        window.check("due_date", day)
    return str(refused.value)


def test_a_debt_date_is_at_most_30_years_old_and_not_after_today():
    window = debt_window(DAY)
    for ok in (date(1996, 3, 10), DAY, None):
        window.check("oldest_due_date", ok)
    assert _refusal(window, date(1996, 3, 9)) == (
        "due_date: is more than 30 years before the file's day (1996-03-10)"
    )
    assert _refusal(window, date(2026, 3, 11)) == "due_date: is after today (2026-03-10)"


def test_a_due_date_is_at_most_400_days_ahead():
    window = due_window(DAY)
    window.check("due_date", DAY + timedelta(days=400))
    window.check("due_date", date(1996, 3, 10))
    assert _refusal(window, DAY + timedelta(days=401)) == (
        "due_date: is more than 400 days after the file's day (2027-04-14)"
    )
    assert _refusal(window, date(1996, 3, 9)) == (
        "due_date: is more than 30 years before the file's day (1996-03-10)"
    )


def test_an_account_opened_at_most_100_years_ago_and_not_after_today():
    window = opened_window(DAY)
    window.check("opened_on", date(1926, 3, 10))
    window.check("opened_on", DAY)
    assert _refusal(window, date(1926, 3, 9)) == (
        "due_date: is more than 100 years before the file's day (1926-03-10)"
    )
    assert _refusal(window, date(2026, 3, 11)) == "due_date: is after today (2026-03-10)"
