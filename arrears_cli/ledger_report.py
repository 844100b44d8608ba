"""`arrears report ledger`: the money posted in a period by channel, currency or day, tied to the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arrears.domain.ledger_report import AMOUNT_COLUMNS, By, rows, tie_out
from arrears.domain.money import Money
from arrears.store import accounts_repo, ledger_repo, reshard_repo

from arrears_cli.output import for_people as money_for_people
from arrears_cli.stackref import StackRef


def ledger_report(stack: StackRef, portfolio: str, first: date, last: date, by: By) -> dict:
    """The period's postings added up by `by` and per currency, and the tie-out of those rows against
    the portfolio's accounts' own ledgers. JSON keeps minor units (`amounts`)."""
    # every shard a day's records may be keyed under, before and after a re-shard
    shards = reshard_repo.current_layout(portfolio, stack.shard_count).recorded()
    report_rows = rows(ledger_repo.posted_between(first, last, shards), by)
    accounts = [account.account_id for account in accounts_repo.list_accounts(portfolio)]
    tie = tie_out(report_rows, ledger_repo.ledger_sums(accounts, first, last))
    return {
        "portfolio": portfolio,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "by": by.value,
        "amounts": "minor units",
        "rows": report_rows,
        "tie_out": tie,
        "ties": all(line["ties"] for line in tie),
    }


def _in_major_units(lines: list[dict], money: tuple[str, ...], for_people: bool) -> list[dict]:
    """These lines with their `money` fields in major units (a spreadsheet keeps them as numbers beside
    the currency); `for_people` writes each as text with its currency ("USD 745.00")."""

    def amount(minor: int, currency: str) -> Decimal | str | None:
        return money_for_people(minor, currency) if for_people else Money(int(minor), currency).to_decimal()

    return [{k: amount(v, line["currency"]) if k in money else v for k, v in line.items()} for line in lines]


def ledger_rows(report: dict, for_people: bool = False) -> list[dict]:
    return _in_major_units(report["rows"], AMOUNT_COLUMNS, for_people)


def table_rows(report: dict) -> list[dict]:
    """The rows as a terminal shows them: amounts with their currency, a nothing left blank, and a
    column with nothing in any row left out (json, csv and xlsx keep every column)."""
    empty = {c for c in AMOUNT_COLUMNS if c != "net" and not any(row[c] for row in report["rows"])}
    shown = []
    for row, people in zip(report["rows"], ledger_rows(report, for_people=True), strict=True):
        blank = {c for c in AMOUNT_COLUMNS if c != "net" and not row[c]}
        shown.append({k: "" if k in blank else v for k, v in people.items() if k not in empty})
    return shown


def tie_out_rows(report: dict, for_people: bool = False) -> list[dict]:
    return _in_major_units(report["tie_out"], ("report_net", "ledger_net", "difference"), for_people)


def verdict(report: dict) -> str:
    """One line: the rows tie to the ledger, or by how much each currency does not."""
    if not report["tie_out"]:
        return "no ledger entries posted in the period; nothing to tie"
    if report["ties"]:
        return "ties to the ledger: " + ", ".join(
            f"{money_for_people(line['ledger_net'], line['currency'])} net, {line['ledger_entries']} entries"
            for line in report["tie_out"]
        )
    return "DOES NOT TIE to the ledger: " + "; ".join(
        f"{line['currency']} report {money_for_people(line['report_net'], line['currency'])} in "
        f"{line['report_entries']} entries, ledger {money_for_people(line['ledger_net'], line['currency'])} "
        f"in {line['ledger_entries']}"
        for line in report["tie_out"]
        if not line["ties"]
    )
