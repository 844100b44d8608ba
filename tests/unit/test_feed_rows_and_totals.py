"""The daily feed read without files: the problems a person reads for a trailer, a broken row and
the totals, repeated rows counted, a row carried between steps read back, and the content hash kept
from one day's file to the next."""

from __future__ import annotations

import pytest
from arrears.domain import feed
from arrears.domain.errors import InvalidInput
from arrears.domain.rows import ROW_ERROR, RowProblem


def _payment(record_id: str = "pay-1", amount: str = "10.00", currency: str = "USD") -> dict:
    return {
        "type": "payment",
        "record_id": record_id,
        "account_id": "A-1",
        "amount": amount,
        "currency": currency,
        "date": "2026-03-02",
        "channel": "branch",
        "reference": f"ref-{record_id}",
    }


def _adjustment(amount: str) -> dict:
    return {
        "type": "adjustment",
        "record_id": "adj-1",
        "account_id": "A-1",
        "amount": amount,
        "currency": "USD",
        "date": "2026-03-03",
        "reason": "interest charged in error",
    }


def _trailer(record_count: object, control_totals: object) -> dict:
    return {"type": "trailer", "record_count": record_count, "control_totals": control_totals}


def _read(*raws: dict) -> feed.ReadFile:
    return feed.read(list(enumerate(raws, start=1)))


def test_a_row_that_could_not_be_read_is_named_with_what_was_wrong():
    result = _read({ROW_ERROR: "not a JSON object"}, _trailer(1, {}))
    assert result.problems == (RowProblem(1, "row", "not a JSON object"),)


def test_a_trailer_with_an_empty_count_says_the_count_is_missing():
    result = _read(_payment(), _trailer("", {"USD": "10.00"}))
    assert result.problems == (RowProblem(2, "record_count", "Field required"),)


def test_totals_that_are_no_amount_are_named():
    result = _read(_payment(), _trailer(1, "USD=abc"))
    assert result.problems == (RowProblem(2, "control_totals", "not an amount: 'abc'"),)


def test_a_total_for_a_currency_no_row_carries_is_set_against_nothing():
    result = _read(_payment(), _trailer(1, {"USD": "10.00", "JPY": "5"}))
    assert result.problems == (RowProblem(2, "control_totals", "JPY 5 is not the rows' 0"),)


def test_rows_that_add_up_to_nothing_need_no_total():
    """A payment and an adjustment taking as much off: nothing in USD, as a trailer without totals says."""
    assert _read(_payment(), _adjustment("-10.00"), _trailer(2, {})).problems == ()


def test_a_single_cent_missing_from_the_totals_is_a_problem():
    result = _read(_payment(amount="0.01"), _trailer(1, {}))
    assert result.problems == (RowProblem(2, "control_totals", "USD 0 is not the rows' 0.01"),)


def test_a_file_of_too_many_rows_is_refused_with_no_rows():
    result = feed.read([(n, {}) for n in range(1, feed.MAX_ROWS + 3)])
    assert result.rows == ()
    assert result.problems == (RowProblem(0, "file", f"has more than {feed.MAX_ROWS} rows; split the day"),)


def test_the_rows_after_a_misplaced_trailer_are_still_checked():
    result = _read(_payment(), _trailer(1, {}), {"type": "fax"}, _trailer(3, {}))
    assert [(p.line, p.field) for p in result.problems] == [(2, "type"), (3, "type")]


def test_each_repeat_of_a_row_is_counted():
    result = _read(_payment(), _payment(), _payment(), _trailer(3, {"USD": "30.00"}))
    assert (len(result.rows), result.repeated, result.problems) == (1, 2, ())


def test_a_row_carried_between_steps_reads_back_as_it_was():
    row = _read(_payment(), _trailer(1, {"USD": "10.00"})).rows[0]
    said = feed.as_said(row)
    assert said == {
        "line": 1,
        "record": {
            "record_id": "pay-1",
            "account_id": "A-1",
            "amount": "10.00",
            "currency": "USD",
            "type": "payment",
            "date": "2026-03-02",
            "channel": "branch",
            "reference": "ref-pay-1",
        },
    }
    assert feed.to_row(said["line"], said["record"]) == row


def test_a_carried_row_that_no_longer_reads_is_refused_naming_its_line_and_first_problem():
    without = {k: v for k, v in _payment().items() if k not in ("channel", "reference")}
    with pytest.raises(InvalidInput) as refused:
        feed.to_row(7, without)
    assert str(refused.value) == "line 7: a validated row no longer reads: line 7: channel: Field required"


def test_the_content_hash_is_the_one_earlier_days_stored():
    """The feed's record of each row keeps this hash: a release that changed it would take a resent
    file of yesterday's rows for rows with other content."""
    row = _read(_payment(), _trailer(1, {"USD": "10.00"})).rows[0]
    assert row.content_hash() == "3949e45d28bd14926520358643245a7d"
