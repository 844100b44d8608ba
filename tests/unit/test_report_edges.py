"""The edges of two small domain rules an operator reads: a date given as text (what an unreadable
one is told), and the ledger report's rows and tie-out where a currency is on one side only."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.clock import parse_date
from arrears.domain.errors import InvalidInput
from arrears.domain.ledger_report import By, Posting, ReportKind, Sums, rows, tie_out


def test_a_date_is_read_from_iso_text_or_taken_as_given():
    assert parse_date("2026-03-02") == date(2026, 3, 2)
    assert parse_date(date(2026, 3, 2)) == date(2026, 3, 2)


def test_an_unreadable_date_is_refused_naming_its_field():
    with pytest.raises(InvalidInput) as refused:
        parse_date("02/03/2026")
    assert str(refused.value) == "date must be an ISO date (YYYY-MM-DD), got '02/03/2026'"
    with pytest.raises(InvalidInput) as named:
        parse_date("soon", "--on")
    assert str(named.value) == "--on must be an ISO date (YYYY-MM-DD), got 'soon'"


def _paid(n: int, amount: int, channel: str = "branch", currency: str = "USD") -> Posting:
    return Posting(f"A-{n}", f"e-{n}", ReportKind.PAYMENT, channel, amount, currency, "2026-03-05")


def test_entries_of_one_group_add_up_in_its_row():
    (row,) = rows([_paid(1, -1000), _paid(2, -250)], By.CHANNEL)
    assert (row["channel"], row["entries"], row["collected"], row["net"]) == ("branch", 2, 1250, -1250)


def test_a_currency_on_one_side_only_does_not_tie_and_says_what_each_side_holds():
    only_reported = tie_out(rows([_paid(1, -1000, currency="MXN")], By.CURRENCY), {})
    assert only_reported == [
        {
            "currency": "MXN",
            "report_entries": 1,
            "ledger_entries": 0,
            "report_net": -1000,
            "ledger_net": 0,
            "difference": -1000,
            "ties": False,
        }
    ]
    only_ledger = tie_out([], {"PHP": Sums(2, -500)})
    assert only_ledger == [
        {
            "currency": "PHP",
            "report_entries": 0,
            "ledger_entries": 2,
            "report_net": 0,
            "ledger_net": -500,
            "difference": 500,
            "ties": False,
        }
    ]
    assert tie_out([], {"USD": Sums(0, 0)})[0]["ties"] is True  # nothing on either side ties


@pytest.mark.parametrize("closed_for", [20, 21, 22])
def test_the_next_business_day_is_looked_for_three_weeks_ahead_and_no_further(monkeypatch, closed_for):
    from datetime import timedelta

    from arrears.domain import business_days
    from arrears.domain.business_days import UnknownJurisdiction

    day = date(2026, 3, 2)
    opens = day + timedelta(days=closed_for)
    monkeypatch.setattr(business_days, "is_business_day", lambda jurisdiction, candidate: candidate >= opens)
    if closed_for <= business_days.LONGEST_CLOSURE_DAYS:
        assert business_days.next_business_day("US", day) == opens
        return
    with pytest.raises(UnknownJurisdiction) as refused:
        business_days.next_business_day("US", day)
    assert str(refused.value) == "US: no business day in the 21 days after 2026-03-02"
