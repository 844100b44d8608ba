"""The daily feed file (domain/feed): which files are taken whole and which are refused, with each
problem's line and field; amounts in minor units; how rows are grouped and cut for applying.

Files are written as text (CSV and JSON Lines) and read by `rows.read_rows`, so the line numbers
asserted are the ones an editor shows. The examples in docs/feed.md are read the same way.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from arrears.domain import feed
from arrears.domain.compliance import Hold
from arrears.domain.money import Money
from arrears.domain.rows import RowProblem, read_rows

DOC = Path(__file__).resolve().parents[2] / "docs" / "feed.md"
FORMATS = ("csv", "jsonl")


# --- writing files -------------------------------------------------------------------------------


def payment(record_id: str = "pay-1", account_id: str = "A-1", amount: str = "10.00", **more) -> dict:
    return {
        "type": "payment",
        "record_id": record_id,
        "account_id": account_id,
        "amount": amount,
        "currency": "USD",
        "date": "2026-03-02",
        "channel": "branch",
        "reference": f"ref-{record_id}",
        **more,
    }


def statement(statement_date: str = "2026-03-01", due_date: str = "2026-03-25", **more) -> dict:
    return {
        "type": "statement",
        "record_id": "stmt-1",
        "account_id": "A-1",
        "amount": "75.00",
        "currency": "USD",
        "statement_date": statement_date,
        "due_date": due_date,
        **more,
    }


def adjustment(amount: str, **more) -> dict:
    return {
        "type": "adjustment",
        "record_id": "adj-1",
        "account_id": "A-1",
        "amount": amount,
        "currency": "USD",
        "date": "2026-03-02",
        "reason": "interest charged in error",
        **more,
    }


def money_row(kind: str, amount: str) -> dict:
    """A row of a type whose amount must be positive, otherwise valid."""
    extra = {
        "statement": {"statement_date": "2026-03-01", "due_date": "2026-03-25"},
        "payment": {"date": "2026-03-02", "channel": "transfer", "reference": "T-1"},
        "reversal": {"date": "2026-03-02", "reference": "T-1", "reason": "debit failed"},
        "fee": {"date": "2026-03-02"},
        "interest": {"date": "2026-03-02"},
    }[kind]
    return {
        "type": kind,
        "record_id": f"{kind}-1",
        "account_id": "A-1",
        "amount": amount,
        "currency": "USD",
    } | extra


def trailer(record_count: int, **totals: str) -> dict:
    return {"type": "trailer", "record_count": record_count, "control_totals": totals}


def closed(records: list[dict]) -> list[dict]:
    """The records with the trailer their sender would write: every row counted and added up."""
    totals: dict[str, int] = {}
    for record in records:
        if "amount" in record:
            minor = Money.parse(record["amount"], record["currency"])
            totals[minor.currency] = totals.get(minor.currency, 0) + minor.minor
    written = {c: str(Money(m, c).to_decimal()) for c, m in totals.items()}
    return [*records, trailer(len(records), **written)]


def as_text(rows: list[dict], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(k, v) for k, v in row.items()})
    return out.getvalue()


def _cell(key: str, value: object) -> object:
    if key == "control_totals" and isinstance(value, dict):
        return ";".join(f"{c}={a}" for c, a in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def read(rows: list[dict], fmt: str) -> feed.ReadFile:
    return feed.read(read_rows(as_text(rows, fmt), fmt == "jsonl"))


def line(index: int, fmt: str) -> int:
    """The editor's line of the file's row `index` (0-based): a CSV header is line 1."""
    return index + (2 if fmt == "csv" else 1)


def where(result: feed.ReadFile) -> list[tuple[int, str]]:
    return [(p.line, p.field) for p in result.problems]


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


# --- the trailer: record count -------------------------------------------------------------------


@pytest.mark.parametrize(("said", "taken"), [(3, True), (4, False), (2, False)])
def test_the_trailer_count_must_be_exactly_the_rows_before_it(fmt, said, taken):
    # Given three payments and a trailer that says `said` records
    records = [payment("p1"), payment("p2"), payment("p3")]
    rows = [*records, trailer(said, USD="30.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then it is taken only when the count is exact; otherwise the trailer's line names the count
    if taken:
        assert result.problems == ()
        assert [r.record_id for r in result.rows] == ["p1", "p2", "p3"]
    else:
        assert result.rows == ()
        assert result.problems == (
            RowProblem(line(3, fmt), "record_count", f"says {said} records; the file has 3"),
        )


def test_the_trailer_count_includes_repeated_rows(fmt):
    # Given a payment sent twice word for word, and a trailer counting both rows
    rows = closed([payment("p1"), payment("p1")])

    # When the file is read
    result = read(rows, fmt)

    # Then it is taken, the payment once
    assert result.problems == ()
    assert [r.record_id for r in result.rows] == ["p1"]
    assert result.repeated == 1


# --- the trailer: control totals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("usd", "jpy", "taken"),
    [
        ("30.00", "1500", True),
        ("30.01", "1500", False),  # one cent over
        ("29.99", "1500", False),  # one cent under
        ("30.00", "1501", False),  # one yen over: JPY's minor unit is the yen
        ("30.00", "1499", False),
    ],
)
def test_control_totals_must_match_to_the_minor_unit(fmt, usd, jpy, taken):
    # Given 30.00 USD and 1500 JPY of payments and a trailer with the given totals
    records = [
        payment("p1", amount="10.00"),
        payment("p2", amount="20.00"),
        payment("p3", amount="1500", currency="JPY"),
    ]
    rows = [*records, trailer(3, USD=usd, JPY=jpy)]

    # When the file is read
    result = read(rows, fmt)

    # Then it is taken only when both totals are exact; a wrong one is named on the trailer's line
    if taken:
        assert result.problems == ()
        assert feed.control_totals(result.rows) == {"USD": 3000, "JPY": 1500}
    else:
        assert result.rows == ()
        assert where(result) == [(line(3, fmt), "control_totals")]
        wrong = "USD" if usd != "30.00" else "JPY"
        assert result.problems[0].reason.startswith(f"{wrong} ")


def test_control_totals_are_signed_as_written_and_a_reversal_adds(fmt):
    # Given a payment, its reversal (written positive) and a negative adjustment
    records = [
        payment("p1", amount="100.00"),
        money_row("reversal", "40.00"),
        adjustment("-0.50"),
    ]

    # When the file is read with the sender's totals (100 + 40 - 0.50)
    result = read([*records, trailer(3, USD="139.50")], fmt)

    # Then they match, in minor units
    assert result.problems == ()
    assert feed.control_totals(result.rows) == {"USD": 13950}


def test_control_totals_add_repeated_rows_as_written(fmt):
    # Given a payment of 10.00 sent twice: the sender's trailer counts two rows and adds 20.00
    rows = [payment("p1"), payment("p1"), trailer(2, USD="20.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then the trailer is right (the count and the totals are over the same rows), the money once
    assert result.problems == ()
    assert result.repeated == 1
    assert feed.control_totals(result.rows) == {"USD": 1000}


def test_control_totals_that_leave_the_repeat_out_are_refused(fmt):
    # Given the same file whose totals add the payment once but count it twice
    rows = [payment("p1"), payment("p1"), trailer(2, USD="10.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then the totals do not match the rows as written
    assert result.problems == (
        RowProblem(line(2, fmt), "control_totals", "USD 10.00 is not the rows' 20.00"),
    )


def test_a_currency_missing_from_the_totals_is_a_problem_and_a_zero_one_is_not(fmt):
    # Given USD and MXN payments
    records = [payment("p1"), payment("p2", amount="5.00", currency="MXN")]

    # When the trailer leaves MXN out, or adds a PHP total of zero
    missing = read([*records, trailer(2, USD="10.00")], fmt)
    zero = read([*records, trailer(2, USD="10.00", MXN="5.00", PHP="0.00")], fmt)

    # Then MXN left out is named; a zero total of a currency no row has is right
    assert missing.problems == (RowProblem(line(2, fmt), "control_totals", "MXN 0 is not the rows' 5.00"),)
    assert zero.problems == ()


def test_a_csv_trailer_naming_a_currency_twice_is_refused():
    # Given a CSV trailer that names USD twice (the second would silently replace the first)
    rows = [payment("p1"), payment("p2"), trailer(2) | {"control_totals": "USD=10.00;USD=10.00"}]

    # When the file is read
    result = read(rows, "csv")

    # Then the trailer's totals are refused as written
    assert result.problems == (RowProblem(4, "control_totals", "names a currency twice"),)


@pytest.mark.parametrize("written", ["USD:10.00", "USD=10.00;MXN"])
def test_csv_control_totals_must_be_currency_amount_pairs(written):
    # Given a CSV trailer whose totals are not CURRENCY=AMOUNT pairs
    rows = [payment("p1"), trailer(1) | {"control_totals": written}]

    # When the file is read
    result = read(rows, "csv")

    # Then the trailer's line names its totals
    assert result.problems == (
        RowProblem(3, "control_totals", "write CURRENCY=AMOUNT pairs separated by ';'"),
    )


def test_totals_beyond_the_ledger_bound_are_a_problem_not_a_crash(fmt):
    # Given two amounts each within the ledger's bound whose sum is beyond it, and a wrong trailer
    big = "9000000000000.00"
    rows = [payment("p1", amount=big), payment("p2", amount=big), trailer(2, USD="1.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then it is refused with the trailer's problem, not an exception
    assert result.problems == (
        RowProblem(line(2, fmt), "control_totals", "USD 1.00 is not the rows' 18000000000000.00"),
    )


# --- a file that is not closed -------------------------------------------------------------------


def test_a_file_without_its_trailer_is_refused_as_truncated(fmt):
    # Given a file whose last rows (the trailer among them) were cut off
    rows = [payment("p1"), payment("p2")]

    # When it is read
    result = read(rows, fmt)

    # Then nothing of it is taken, and the file as a whole (line 0) is named
    assert result.rows == ()
    assert result.problems == (RowProblem(0, "file", "ends without its trailer: it may be truncated"),)


def test_a_row_after_the_trailer_is_refused(fmt):
    # Given a trailer that closes the file, then one more payment
    rows = [*closed([payment("p1")]), payment("p2")]

    # When it is read
    result = read(rows, fmt)

    # Then the trailer's line says rows follow it, and the file has no trailer at its end
    assert result.rows == ()
    assert where(result) == [(line(1, fmt), "type"), (0, "file")]
    assert result.problems[0].reason == "a trailer ends the file; rows follow it"


def test_a_trailer_alone_is_a_file_without_records(fmt):
    # Given a file that is only its trailer
    result = read([trailer(0)], fmt)

    # Then it is refused
    assert result.problems == (RowProblem(0, "file", "has no records"),)


# --- exactly once within a file ------------------------------------------------------------------


def test_the_same_record_id_with_other_content_refuses_the_file_naming_the_earlier_line(fmt):
    # Given p1 on the first row, and p1 again two rows later with another amount
    rows = [payment("p1"), payment("p2"), payment("p1", amount="10.01"), trailer(3, USD="30.01")]

    # When the file is read
    result = read(rows, fmt)

    # Then the later line is refused, naming the earlier one
    assert result.rows == ()
    assert result.problems == (
        RowProblem(line(2, fmt), "record_id", f"p1 is on line {line(0, fmt)} with other content"),
    )


def test_an_amount_written_another_way_is_other_content(fmt):
    # Given p1 twice, once "10.00" and once "10.0": the same money, not the same row as written
    rows = [payment("p1", amount="10.00"), payment("p1", amount="10.0"), trailer(2, USD="20.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then the second is other content
    assert where(result) == [(line(1, fmt), "record_id")]


# --- rows: payments and processors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "taken"),
    [
        ({"processor": "stripe", "processor_payment_id": "pi_3OqZk2"}, True),
        ({}, True),
        ({"processor": "stripe"}, False),
        ({"processor_payment_id": "pi_3OqZk2"}, False),
    ],
)
def test_a_processor_and_its_payment_id_come_together(fmt, given, taken):
    # Given a payment with or without its processor and the processor's payment id
    rows = closed([payment("p1", **given)])

    # When the file is read
    result = read(rows, fmt)

    # Then one without the other is named on the processor_payment_id column
    if taken:
        assert result.problems == ()
    else:
        assert result.problems == (
            RowProblem(
                line(0, fmt),
                "processor_payment_id",
                "comes with its processor, and the processor with it",
            ),
        )


def test_a_processor_not_known_is_refused(fmt):
    rows = [payment("p1", processor="paypal", processor_payment_id="X1"), trailer(1, USD="10.00")]

    result = read(rows, fmt)

    assert where(result) == [(line(0, fmt), "processor")]


def test_a_channel_not_known_is_refused(fmt):
    rows = [payment("p1", channel="atm"), trailer(1, USD="10.00")]

    result = read(rows, fmt)

    assert where(result) == [(line(0, fmt), "channel")]


# --- rows: amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "minor"),
    [
        ("USD", "1.01", 101),
        ("USD", "1.1", 110),
        ("USD", "1", 100),
        ("USD", "1.001", None),
        ("JPY", "15", 15),
        ("JPY", "15.5", None),
        ("KWD", "1.001", 1001),
        ("KWD", "1.0001", None),
    ],
)
def test_an_amount_has_no_more_decimals_than_its_currency(fmt, currency, amount, minor):
    # Given a payment of `amount` in `currency`
    rows = [payment("p1", amount=amount, currency=currency), trailer(1, **{currency: amount})]

    # When the file is read
    result = read(rows, fmt)

    # Then it is taken in minor units, or refused on its amount
    if minor is not None:
        assert result.problems == ()
        assert result.rows[0].record.money() == Money(minor, currency)
    else:
        assert result.problems == (
            RowProblem(line(0, fmt), "amount", f"'{amount}' has more decimals than {currency} allows"),
        )


@pytest.mark.parametrize("kind", ["statement", "payment", "reversal", "fee", "interest"])
@pytest.mark.parametrize(("amount", "minor"), [("0.01", 1), ("0", None), ("0.00", None), ("-0.01", None)])
def test_amounts_that_must_be_positive(fmt, kind, amount, minor):
    # Given a row of a type that moves money one way, for `amount`
    rows = [money_row(kind, amount), trailer(1, USD=amount)]

    # When the file is read
    result = read(rows, fmt)

    # Then a cent is taken; zero or less is refused on the amount
    if minor is not None:
        assert result.problems == ()
        assert result.rows[0].record.money().minor == minor
    else:
        assert result.problems == (RowProblem(line(0, fmt), "amount", "must be positive"),)


def test_an_amount_that_is_a_json_number_is_refused():
    # Given a JSON line whose amount is a number: "10.10" and 10.1 are not told apart by JSON
    rows = [payment("p1") | {"amount": 10.1}, trailer(1, USD="10.10")]

    result = read(rows, "jsonl")

    assert where(result) == [(1, "amount")]


@pytest.mark.parametrize("written", ["1,234.50", "ten", "NaN"])
def test_an_amount_that_is_not_a_number_is_refused(fmt, written):
    rows = [payment("p1", amount=written), trailer(1, USD="0")]

    result = read(rows, fmt)

    assert where(result) == [(line(0, fmt), "amount")]


# --- rows: adjustments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "more", "minor"),
    [
        ("-0.01", {}, -1),
        ("0.01", {}, 1),
        ("-250.00", {"corrects_error": True}, -25000),
        ("0", {"reage": True}, 0),
        ("0.00", {"reage": True, "corrects_error": True}, 0),
        ("0", {}, None),
        ("0", {"reage": False}, None),
        ("-0.00", {}, None),
    ],
)
def test_an_adjustment_is_signed_and_zero_only_as_a_reage(fmt, amount, more, minor):
    # Given an adjustment of `amount`
    rows = [adjustment(amount, **more), trailer(1, USD=amount)]

    # When the file is read
    result = read(rows, fmt)

    # Then a negative one is taken; a zero one only when it re-ages
    if minor is not None:
        assert result.problems == ()
        record = result.rows[0].record
        assert record.money().minor == minor
        assert record.reage is more.get("reage", False)
        assert record.corrects_error is more.get("corrects_error", False)
    else:
        assert result.problems == (
            RowProblem(line(0, fmt), "amount", "an adjustment of zero changes nothing"),
        )


def test_an_adjustment_needs_its_reason(fmt):
    record = adjustment("-1.00")
    del record["reason"]

    result = read([record, trailer(1, USD="-1.00")], fmt)

    assert where(result) == [(line(0, fmt), "reason")]


# --- rows: statements ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_date", "taken"), [("2026-03-01", True), ("2026-03-02", True), ("2026-02-28", False)]
)
def test_a_statement_is_not_due_before_its_date(fmt, due_date, taken):
    # Given a statement dated 2026-03-01 due on `due_date`
    rows = [statement("2026-03-01", due_date), trailer(1, USD="75.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then it is taken when due that day or later; refused on due_date the day before
    if taken:
        assert result.problems == ()
    else:
        assert result.problems == (RowProblem(line(0, fmt), "due_date", "is before the statement date"),)


@pytest.mark.parametrize("written", ["2026-02-30", "2026-3-1", "01/03/2026"])
def test_a_date_that_is_not_a_calendar_date_is_refused(fmt, written):
    rows = [statement(written, "2026-03-25"), trailer(1, USD="75.00")]

    result = read(rows, fmt)

    assert where(result) == [(line(0, fmt), "statement_date")]


# --- rows: types and columns ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["refund", "Payment", ""])
def test_an_unknown_type_is_named(fmt, kind):
    # Given a row whose type is not one of the feed's
    rows = [payment("p1") | {"type": kind}, trailer(1, USD="10.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then its line names the type, listing the types there are
    assert result.problems == (RowProblem(line(0, fmt), "type", f"must be one of {', '.join(feed.TYPES)}"),)


def test_an_unknown_column_is_named(fmt):
    # Given a payment with a column no record has
    rows = [payment("p1", colour="red"), trailer(1, USD="10.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then the column is named
    assert result.problems == (RowProblem(line(0, fmt), "colour", "unknown column"),)


def test_a_column_of_another_type_is_unknown_to_this_one(fmt):
    # Given a fee with a channel (a payment's column): in CSV the other rows leave it empty
    fee = money_row("fee", "25.00") | {"channel": "branch"}
    rows = [payment("p1"), fee, trailer(2, USD="35.00")]

    # When the file is read
    result = read(rows, fmt)

    # Then the fee's line names it
    assert result.problems == (RowProblem(line(1, fmt), "channel", "unknown column"),)


def test_a_missing_column_is_named(fmt):
    record = payment("p1")
    del record["reference"]

    result = read([record, trailer(1, USD="10.00")], fmt)

    assert where(result) == [(line(0, fmt), "reference")]


def test_every_bad_row_is_reported_and_nothing_is_taken(fmt):
    # Given a good row between two bad ones
    rows = [
        payment("p1", amount="0"),
        payment("p2"),
        statement(due_date="2026-02-01"),
        trailer(3, USD="85.00"),
    ]

    # When the file is read
    result = read(rows, fmt)

    # Then both bad rows are named by line, and not even the good row is taken
    assert result.rows == ()
    assert where(result) == [(line(0, fmt), "amount"), (line(2, fmt), "due_date")]


def test_a_json_line_that_is_not_an_object_is_named_by_its_line():
    text = as_text([payment("p1")], "jsonl") + "[1, 2]\nnot json\n" + json.dumps(trailer(1, USD="10.00"))

    result = feed.read(read_rows(text, json_lines=True))

    assert where(result) == [(2, "row"), (3, "row")]


def test_account_and_status_rows_are_read_and_carry_no_amount(fmt):
    # Given a new account and a status change on it
    account = {
        "type": "account",
        "record_id": "acct-1",
        "account_id": "A-1",
        "product_type": "open_end",
        "currency": "USD",
        "balance": "1250.00",
        "locale": "en-US",
        "time_zone": "America/New_York",
        "jurisdiction": "US",
        "credit_limit": "2000.00",
    }
    status = {
        "type": "status",
        "record_id": "st-1",
        "account_id": "A-1",
        "date": "2026-03-02",
        "status": "bankrupt",
    }

    # When the file is read with a trailer of no totals
    result = read([account, status, trailer(2)], fmt)

    # Then both are taken; they add nothing to the totals; bankruptcy is the hold a bankrupt status puts
    assert result.problems == ()
    assert [r.kind for r in result.rows] == ["account", "status"]
    assert feed.control_totals(result.rows) == {}
    assert feed.HOLD_OF[result.rows[1].record.status] is Hold.BANKRUPTCY
    assert feed.StatusChange.CLOSED not in feed.HOLD_OF


def test_a_credit_limit_is_for_open_end_accounts_only(fmt):
    account = {
        "type": "account",
        "record_id": "acct-1",
        "account_id": "A-1",
        "product_type": "closed_end",
        "currency": "USD",
        "locale": "en-US",
        "time_zone": "America/New_York",
        "jurisdiction": "US",
        "credit_limit": "2000.00",
    }

    result = read([account, trailer(1)], fmt)

    assert result.problems == (
        RowProblem(line(0, fmt), "credit_limit", "only an open-end account has a credit line"),
    )


# --- limits --------------------------------------------------------------------------------------


def test_more_than_max_rows_is_refused_before_any_row_is_read():
    # Given MAX_ROWS + 1 records and a trailer (the rows themselves are not even valid)
    numbered = [(n, {"type": "payment"}) for n in range(2, feed.MAX_ROWS + 3)]
    numbered.append((feed.MAX_ROWS + 3, {"type": "trailer", "record_count": str(feed.MAX_ROWS + 1)}))

    # When the file is read
    result = feed.read(numbered)

    # Then the file as a whole is refused, and no row is judged
    assert result.problems == (RowProblem(0, "file", f"has more than {feed.MAX_ROWS} rows; split the day"),)


@pytest.mark.parametrize(("records", "taken"), [(2, True), (3, True), (4, False)])
def test_max_rows_records_are_taken_and_one_more_is_not(fmt, monkeypatch, records, taken):
    # Given a limit of three records per file
    monkeypatch.setattr(feed, "MAX_ROWS", 3)
    rows = closed([payment(f"p{n}") for n in range(records)])

    # When a file of `records` records is read
    result = read(rows, fmt)

    # Then up to the limit it is taken; one more is refused whole
    if taken:
        assert result.problems == ()
        assert len(result.rows) == records
    else:
        assert result.problems == (RowProblem(0, "file", "has more than 3 rows; split the day"),)


def test_the_trailer_cannot_count_beyond_max_rows():
    rows = read_rows(as_text([payment("p1"), trailer(feed.MAX_ROWS + 1, USD="10.00")], "csv"), False)

    result = feed.read(rows)

    assert where(result) == [(3, "record_count")]


# --- by_account and chunks -----------------------------------------------------------------------


def interleaved() -> tuple[feed.Row, ...]:
    """A, B, A, C, B, A: accounts whose rows are spread through the file."""
    accounts = ["A", "B", "A", "C", "B", "A"]
    records = [payment(f"p{n}", account_id=a) for n, a in enumerate(accounts)]
    result = read(closed(records), "csv")
    assert result.problems == ()
    return result.rows


def test_by_account_keeps_each_accounts_rows_in_file_order():
    # Given rows of three accounts interleaved
    rows = interleaved()

    # When they are grouped
    grouped = feed.by_account(rows)

    # Then each account has its rows in the file's order; accounts come in order of first appearance
    assert list(grouped) == ["A", "B", "C"]
    assert {a: [r.record_id for r in g] for a, g in grouped.items()} == {
        "A": ["p0", "p2", "p5"],
        "B": ["p1", "p4"],
        "C": ["p3"],
    }
    assert {a: [r.line for r in g] for a, g in grouped.items()} == {"A": [2, 4, 7], "B": [3, 6], "C": [5]}


@pytest.mark.parametrize(
    ("size", "pieces"),
    [
        (1, [["A"] * 3, ["B"] * 2, ["C"]]),  # A's three rows are not split to fit one
        (3, [["A"] * 3, ["B"] * 2 + ["C"]]),
        (4, [["A"] * 3, ["B"] * 2 + ["C"]]),  # A and B would be five: one over
        (5, [["A"] * 3 + ["B"] * 2, ["C"]]),  # A and B exactly fill a piece
        (6, [["A"] * 3 + ["B"] * 2 + ["C"]]),
    ],
)
def test_chunks_never_split_an_account_and_keep_its_order(size, pieces):
    # Given rows of three accounts interleaved (A has three, B two, C one)
    rows = interleaved()

    # When they are cut in pieces of about `size`
    found = feed.chunks(rows, size)

    # Then each account is in one piece, its rows in file order, every row once
    assert [[r.account_id for r in piece] for piece in found] == pieces
    flat = [r for piece in found for r in piece]
    assert sorted(r.line for r in flat) == [r.line for r in rows]
    for account, group in feed.by_account(rows).items():
        assert [r for r in flat if r.account_id == account] == group


def test_chunks_of_no_rows_are_none():
    assert feed.chunks((), 10) == []


# --- docs/feed.md --------------------------------------------------------------------------------


def doc_examples(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


@pytest.mark.parametrize("kind", FORMATS)
def test_the_examples_in_the_document_are_files_the_feed_takes(kind):
    # Given the document's example files
    examples = doc_examples(kind)
    assert examples, f"docs/feed.md has no ```{kind} example"

    for text in examples:
        # When each is read
        result = feed.read(read_rows(text, json_lines=kind == "jsonl"))

        # Then it is taken whole, and it shows every record type
        assert result.problems == ()
        assert {r.kind for r in result.rows} == set(feed.TYPES)


def test_the_csv_and_json_lines_examples_are_the_same_day():
    # Given the document's CSV and JSON Lines examples
    (csv_text,) = doc_examples("csv")
    (jsonl_text,) = doc_examples("jsonl")

    # When both are read
    from_csv = feed.read(read_rows(csv_text, json_lines=False))
    from_jsonl = feed.read(read_rows(jsonl_text, json_lines=True))

    # Then they hold the same records, with the same totals
    assert [r.content_hash() for r in from_csv.rows] == [r.content_hash() for r in from_jsonl.rows]
    assert feed.control_totals(from_csv.rows) == feed.control_totals(from_jsonl.rows)
