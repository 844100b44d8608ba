"""The account an import row opens (`AccountRecord.to_account`): what the cycle first sees of it
(its balance and dues, its portfolio and shard, its customer) and the refusals an operator reads
in the import report, each naming its column."""

from __future__ import annotations

from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.customer import Source
from arrears.domain.intake import AccountRecord
from arrears.domain.itemization import CreditorData, ItemizationKind
from arrears.domain.ledger import Due
from arrears.domain.rows import FieldProblem, problems_of
from pydantic import ValidationError

TODAY = date(2026, 3, 2)  # the import's day
CARD = {
    "account_id": "IM-1",
    "product_type": "revolving",
    "currency": "USD",
    "balance": "1200.00",
    "locale": "en-US",
    "time_zone": "America/Chicago",
    "jurisdiction": "US",
}


def _account(row: dict, portfolio: str = "main", shard_count: int = 16) -> Account:
    return AccountRecord.model_validate(row).to_account(portfolio, TODAY, shard_count)


def _problems(row: dict) -> list[tuple[str, str]]:
    try:
        _account(row)
    except ValidationError as exc:
        return [(p.field, p.reason) for p in problems_of(0, exc)]
    except FieldProblem as exc:
        return [(exc.field, exc.reason)]
    return []


def test_a_placed_row_with_dues_and_a_customer_opens_the_account_the_cycle_first_sees():
    row = CARD | {
        "portfolio": "cards-tx",
        "amount_past_due": "250.00",
        "oldest_due_date": "2026-01-10",
        "instalment": "100.00",
        "credit_limit": "5000.00",
        "placement": "agency",
        "state": "TX",
        "original_creditor": "Bank of Rockville",
        "current_creditor": "Rockville Recoveries",
        "itemization_kind": "charge_off",
        "itemization_date": "2026-01-31",
        "itemization_amount": "1150.00",
        "customer_id": "C-77",
        "name": "Ana Ruiz",
    }
    assert _account(row, portfolio="main", shard_count=16) == Account(
        account_id="IM-1",
        portfolio="cards-tx",  # the row's own portfolio before the import's
        product_type=ProductType.OPEN_END,
        currency="USD",
        opening_balance=120000,
        balance=120000,
        # 250.00 past due in instalments of 100.00 from the oldest date, the oldest taking the rest
        dues=(Due(date(2026, 1, 10), 15000), Due(date(2026, 2, 10), 10000)),
        locale="en-US",
        time_zone="America/Chicago",
        jurisdiction="US",
        instalment=10000,
        credit_limit=500000,
        customer_id="C-77",
        placement="agency",
        state="TX",
        creditor_data=CreditorData(
            original_creditor="Bank of Rockville",
            current_creditor="Rockville Recoveries",
            kind=ItemizationKind.CHARGE_OFF,
            itemization_date=date(2026, 1, 31),
            amount_on_itemization_date=115000,
        ),
        home_shard="cards-tx#003",  # shard_of("IM-1", "cards-tx", 16): on the row's portfolio
        next_action_on=TODAY,  # waits in the work index for the import day's cycle
    )


def test_a_row_without_a_portfolio_or_a_customer_takes_the_import_s_and_has_none():
    account = _account(CARD, portfolio="book-7", shard_count=4)
    assert (account.portfolio, account.home_shard) == ("book-7", "book-7#003")
    assert (account.customer_id, account.dues, account.instalment, account.credit_limit) == (
        None,
        (),
        None,
        None,
    )
    assert account.placement is None


def test_a_row_naming_its_customer_by_contact_alone_is_the_account_s_own_customer():
    assert _account(CARD | {"name": "Ana Ruiz"}).customer_id == "IM-1"


def test_the_customer_of_a_row_holds_its_account_and_is_dated_the_day_it_arrived():
    record = AccountRecord.model_validate(
        CARD | {"address_line1": "12 Elm St", "city": "Dayton", "region": "OH", "postal_code": "45402"}
    )
    customer = record.customer_of(Source.IMPORT, TODAY)
    assert (customer.customer_id, customer.accounts) == ("IM-1", ("IM-1",))
    assert [(p.point_id, p.added_on) for p in customer.points] == [("import-postal", TODAY)]


def test_a_past_due_amount_without_an_instalment_is_one_due_on_the_oldest_date():
    account = _account(CARD | {"amount_past_due": "250.00", "oldest_due_date": "2026-01-10"})
    assert account.dues == (Due(date(2026, 1, 10), 25000),)


def test_an_amount_past_due_left_blank_is_nothing_past_due():
    assert _account(CARD | {"amount_past_due": "   "}).dues == ()


# --- the next due date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_due,dues",
    [
        # a past due on the next due date itself is that due, not a second one on the same day
        ("2026-02-10", [Due(date(2026, 1, 10), 15000), Due(date(2026, 2, 10), 10000)]),
        (
            "2026-02-11",
            [Due(date(2026, 1, 10), 15000), Due(date(2026, 2, 10), 10000), Due(date(2026, 2, 11), 10000)],
        ),
        (
            "2026-03-10",
            [Due(date(2026, 1, 10), 15000), Due(date(2026, 2, 10), 10000), Due(date(2026, 3, 10), 10000)],
        ),
    ],
)
def test_the_next_due_date_adds_an_instalment_after_the_past_dues(next_due, dues):
    row = CARD | {
        "amount_past_due": "250.00",
        "oldest_due_date": "2026-01-10",
        "instalment": "100.00",
        "next_due_date": next_due,
    }
    assert list(_account(row).dues) == dues


def test_a_next_due_date_without_an_instalment_adds_no_due():
    row = CARD | {"amount_past_due": "250.00", "oldest_due_date": "2026-01-10", "next_due_date": "2026-03-10"}
    assert _account(row).dues == (Due(date(2026, 1, 10), 25000),)


# --- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("oldest,taken", [("2026-03-01", True), ("2026-03-02", False), ("2026-03-03", False)])
def test_an_amount_past_due_must_have_fallen_due_before_the_import_date(oldest, taken):
    problems = _problems(CARD | {"amount_past_due": "50.00", "oldest_due_date": oldest})
    assert problems == ([] if taken else [("oldest_due_date", "must be before the import date 2026-03-02")])


def test_an_oldest_due_date_to_come_is_taken_when_nothing_is_past_due():
    assert _account(CARD | {"amount_past_due": "0.00", "oldest_due_date": "2026-03-09"}).dues == ()


@pytest.mark.parametrize(
    "column", ["balance", "amount_past_due", "instalment", "credit_limit", "itemization_amount"]
)
def test_an_amount_finer_than_its_currency_is_refused_naming_its_column(column):
    creditor = {
        "original_creditor": "Bank of Rockville",
        "current_creditor": "Bank of Rockville",
        "itemization_kind": "charge_off",
        "itemization_date": "2026-01-31",
        "itemization_amount": "100.00",
    }
    row = CARD | creditor | {"oldest_due_date": "2026-01-10", column: "12.345"}
    assert _problems(row) == [(column, "'12.345' has more decimals than USD allows")]


def test_an_unknown_currency_is_refused_by_name():
    assert ("currency", "XYZ is not an ISO 4217 currency") in _problems(CARD | {"currency": "XYZ"})


def test_a_blank_amount_past_due_is_nothing_past_due_whatever_the_oldest_due_date():
    # a spreadsheet's blank cell: no problem naming an empty column, nothing past due
    row = {**CARD, "amount_past_due": "   ", "oldest_due_date": TODAY.isoformat()}
    assert _problems(row) == []
    assert _account(row).past_due == 0
