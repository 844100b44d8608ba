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
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = (title or "arrears")[:31]
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(k)) for k in columns])
        book.save(output)
        return
    table = Table(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_flat(row.get(k)) for k in columns])
    Console().print(table)
