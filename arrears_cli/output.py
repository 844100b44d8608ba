"""One way to print what a read command returns: table, JSON, CSV or XLSX."""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True, soft_wrap=True)  # progress and messages; stdout is kept for the data itself

# Amounts an operator reads: the ISO code first, so USD, MXN and PHP (all "$") cannot be taken for
# one another, and the currency's own digits (JPY 0, KWD 3) whatever the pattern's two.
PEOPLE_MONEY = "¤¤ #,##0.00"
OPERATOR_LOCALE = "en_US"  # the operator's grouping and decimal marks, not the customer's


def for_people(minor, currency: str | None) -> str | None:
    """An amount held in minor units as a person reads it: `for_people(120000, "USD")` is
    "USD 1,200.00". None stays None; an amount without a currency cannot be shown honestly."""
    from arrears.domain.money import Money
    from babel.numbers import format_currency

    if minor is None:
        return None
    if not currency:
        raise ValueError("an amount for people needs its currency")
    money = Money(int(minor), currency)
    return format_currency(
        money.to_decimal(), currency, format=PEOPLE_MONEY, locale=OPERATOR_LOCALE, currency_digits=True
    )


def money_text_for_people(text: str | None) -> str | None:
    """An amount the domain wrote as `str(Money)` ("1200.00 USD") as a person reads it."""
    from arrears.domain.money import Money

    if not text:
        return text
    amount, _, currency = text.rpartition(" ")
    return for_people(Money.parse(amount, currency).minor, currency)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def json_or(fmt: Format, as_json: bool) -> Format:
    """`--json` is the short way to say `--format json`."""
    return Format.JSON if as_json else fmt


def _flat(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def _cell(value):
    """Numbers stay numbers in a spreadsheet (a Decimal amount too), so its sums match the JSON."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return _flat(value)


def emit(data, fmt: Format, title: str = "", output: Path | None = None) -> None:
    """`data` is a list of flat rows (or one dict, shown as field/value rows)."""
    if fmt is Format.JSON:
        text = json.dumps(data, indent=2, default=str)
        if output:
            output.write_text(text + "\n")
        else:
            sys.stdout.write(text + "\n")
        return
    rows = data if isinstance(data, list) else [{"field": k, "value": v} for k, v in data.items()]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: _flat(row.get(k)) for k in columns} for row in rows)
        (output.write_text(buffer.getvalue()) if output else sys.stdout.write(buffer.getvalue()))
        return
    if fmt is Format.XLSX:
        if output is None:
            raise typer.BadParameter("--format xlsx needs --output FILE")
        write_workbook({title or "arrears": rows}, output)
        return
    table = Table(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_flat(row.get(k)) for k in columns])
    Console().print(table)


def write_workbook(tables: dict[str, list[dict]], output: Path) -> None:
    """One sheet per table (by title), its columns in the rows' order; numbers stay numbers."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in tables.items():
        sheet = book.create_sheet(title[:31])
        columns = list(dict.fromkeys(k for row in rows for k in row))
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(k)) for k in columns])
    book.save(output)
