"""The creditor's data of a placed debt as import and feed rows give it (Reg F §1006.34(b)(3),
(c)(2)(iii)-(vii)): required when a row places a US account with an agency, refused naming the
column when missing or wrong, kept on the account it opens."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain import feed
from arrears.domain.intake import CREDITOR_COLUMNS, AccountRecord
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.rows import FieldProblem, RowProblem, problems_of
from pydantic import ValidationError

TODAY = date(2026, 3, 2)
LOAN = {
    "account_id": "AG-1",
    "product_type": "closed_end",
    "currency": "USD",
    "balance": "1200.00",
    "locale": "en-US",
    "time_zone": "America/New_York",
    "jurisdiction": "US",
    "placement": "agency",
}
CREDITOR = {
    "original_creditor": "Bank of Rockville",
    "current_creditor": "Bank of Rockville",
    "itemization_kind": "charge_off",
    "itemization_date": "2026-01-31",
    "itemization_amount": "1200.00",
}


def _problems(row: dict) -> list[tuple[str, str]]:
    try:
        AccountRecord.model_validate(row).to_account("main", TODAY, 4)
    except ValidationError as exc:
        return [(p.field, p.reason) for p in problems_of(0, exc)]
    except FieldProblem as exc:
        return [(exc.field, exc.reason)]
    return []


def test_a_us_agency_row_with_the_creditors_data_opens_an_account_that_keeps_it():
    account = AccountRecord.model_validate(LOAN | CREDITOR).to_account("main", TODAY, 4)
    assert account.creditor_data == CreditorData(
        "Bank of Rockville", "Bank of Rockville", ItemizationKind.CHARGE_OFF, date(2026, 1, 31), 120_000
    )


@pytest.mark.parametrize("missing", CREDITOR_COLUMNS)
def test_a_us_agency_row_without_a_column_of_the_creditors_data_is_refused_naming_it(missing):
    row = LOAN | {k: v for k, v in CREDITOR.items() if k != missing}
    with pytest.raises(ValidationError) as refused:
        AccountRecord.model_validate(row)
    (error,) = refused.value.errors()
    problem = error["ctx"]["error"]
    assert (problem.field, problem.reason) == (
        missing,
        "is required when a US account is placed with an agency (Reg F §1006.34(c)(2))",
    )


def test_a_row_that_places_no_account_needs_no_creditors_data():
    assert _problems({k: v for k, v in LOAN.items() if k != "placement"}) == []
    assert _problems(LOAN | {"jurisdiction": "MX", "currency": "MXN", "locale": "es-MX",
                             "time_zone": "America/Mexico_City"}) == []  # fmt: skip


@pytest.mark.parametrize(
    "day,taken",
    [("2026-03-01", True), ("2026-03-02", True), ("2026-03-03", False)],  # the import's day is today
)
def test_an_itemization_date_after_today_is_refused(day, taken):
    problems = _problems(LOAN | CREDITOR | {"itemization_date": day})
    assert problems == ([] if taken else [("itemization_date", "is after today (2026-03-02)")])


@pytest.mark.parametrize("day,taken", [("2021-05-31", False), ("2021-06-01", True), ("2021-06-02", True)])
def test_an_itemization_date_before_the_account_opened_is_refused(day, taken):
    problems = _problems(LOAN | CREDITOR | {"itemization_date": day, "opened_date": "2021-06-01"})
    assert problems == ([] if taken else [("itemization_date", "is before the account opened (2021-06-01)")])


@pytest.mark.parametrize("amount,taken", [("-0.01", False), ("0", True), ("0.01", True)])
def test_a_negative_amount_on_the_itemization_date_is_refused(amount, taken):
    problems = _problems(LOAN | CREDITOR | {"itemization_amount": amount})
    assert problems == ([] if taken else [("itemization_amount", "cannot be negative")])


def test_an_unknown_kind_of_itemization_date_is_refused_and_the_five_are_taken():
    assert [field for field, _ in _problems(LOAN | CREDITOR | {"itemization_kind": "birthday"})] == [
        "itemization_kind"
    ]
    for kind in ("last_statement", "charge-off", "last_payment", "transaction", "judgment"):
        assert _problems(LOAN | CREDITOR | {"itemization_kind": kind}) == []


def test_the_daily_feed_refuses_an_agency_row_without_the_creditors_data_naming_the_column():
    row = {"type": "account", "record_id": "acct-ag-1", **LOAN}
    read = feed.read([(2, row), (3, {"type": "trailer", "record_count": "1"})])
    assert read.problems == (
        RowProblem(
            2,
            "original_creditor",
            "is required when a US account is placed with an agency (Reg F §1006.34(c)(2))",
        ),
    )
    whole = feed.read([(2, row | CREDITOR), (3, {"type": "trailer", "record_count": "1"})])
    assert whole.problems == ()
