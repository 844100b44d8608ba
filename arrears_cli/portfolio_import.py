"""Portfolio files (CSV or JSON Lines) in: every row validated first; one bad row and nothing is written.

A row's customer columns (`contact_values.CONTACT_FIELDS`, all optional) are recorded by the
customers service, sealed under the personal-data key before they leave this process: the import
needs to seal (kms:GenerateDataKey) and never to open. A bad contact column is a problem of its
field and line like any other, and never quotes the value.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from arrears.adapters.personal_data import Keys
from arrears.domain.account import Account
from arrears.domain.customer import Customer, Source
from arrears.domain.intake import FIELDS_EXPECTED, AccountRecord
from arrears.domain.rows import ROW_ERROR, FieldProblem, RowProblem, is_json_lines, problems_of
from arrears.domain.rows import read_rows as rows_of
from arrears.services import customers
from arrears.store import accounts_repo, customers_repo
from pydantic import ValidationError

IMPORT_ACTOR = "import"  # who the timeline says wrote what an import changes


class ImportRejected(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


def read_rows(path: Path) -> list[tuple[int, dict]]:
    return rows_of(path.read_text(encoding="utf-8-sig"), is_json_lines(path.name))


def _header_problem(rows: list[tuple[int, dict]]) -> RowProblem | None:
    """Columns every row lacks or every row has unknown: said once, with the format expected."""
    if not rows or any(ROW_ERROR in raw for _, raw in rows):
        return None
    columns = [set(raw) for _, raw in rows]
    shared, known = set.intersection(*columns), set(AccountRecord.model_fields)
    required = {name for name, field in AccountRecord.model_fields.items() if field.is_required()}
    unknown, missing = sorted(shared - known), sorted(required - set.union(*columns))
    if not unknown and not missing:
        return None
    said = "; ".join(
        part
        for part in (
            f"unknown column(s) {', '.join(unknown)}" if unknown else "",
            f"missing column(s) {', '.join(missing)}" if missing else "",
        )
        if part
    )
    return RowProblem(1, "header", f"{said}. Expected columns: {FIELDS_EXPECTED}")


def validate(rows: list[tuple[int, dict]], portfolio: str, as_of: date, shard_count: int) -> list[Account]:
    """The rows' accounts, every row valid, or ImportRejected with every problem."""
    return [account for _, account in validated(rows, portfolio, as_of, shard_count)]


def validated(
    rows: list[tuple[int, dict]], portfolio: str, as_of: date, shard_count: int
) -> list[tuple[AccountRecord, Account]]:
    """Each row read with the account it opens (its customer columns are the record's)."""
    return [(record, account) for _, record, account in _numbered(rows, portfolio, as_of, shard_count)]


def _numbered(
    rows: list[tuple[int, dict]], portfolio: str, as_of: date, shard_count: int
) -> list[tuple[int, AccountRecord, Account]]:
    """`validated`, each with its line."""
    header = _header_problem(rows)
    if header is not None:  # every row would fail the same way: one line says it
        raise ImportRejected([header])
    accounts: list[tuple[int, AccountRecord, Account]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        if ROW_ERROR in raw:
            problems.append(RowProblem(number, "row", raw[ROW_ERROR]))
            continue
        try:
            record = AccountRecord.model_validate({k: v for k, v in raw.items() if v not in ("", None)})
            account = record.to_account(portfolio, as_of, shard_count)
        except ValidationError as exc:
            problems.extend(problems_of(number, exc))
            continue
        except FieldProblem as exc:
            problems.append(RowProblem(number, exc.field, exc.reason))
            continue
        if record.account_id in seen:
            problems.append(RowProblem(number, "account_id", f"duplicate of line {seen[record.account_id]}"))
            continue
        seen[record.account_id] = number
        accounts.append((number, record, account))
    if not rows:
        problems.append(RowProblem(0, "file", "has no rows"))
    if not problems:
        existing = {a.account_id for a in accounts_repo.get_accounts([a.account_id for _, _, a in accounts])}
        problems = [RowProblem(seen[i], "account_id", f"{i} already exists") for i in sorted(existing)]
    if problems:
        raise ImportRejected(problems)
    return accounts


def import_rows(
    rows: list[tuple[int, dict]], portfolio: str, as_of: date, shard_count: int, keys: Keys
) -> list[Account]:
    """Every row checked (its customer against those on record too, `_customer_problems`), then
    each account opened with its customer (`customers.open_account`)."""
    accounts = _numbered(rows, portfolio, as_of, shard_count)
    incoming = [(line, customers.of_row(record, Source.IMPORT, as_of)) for line, record, _ in accounts]
    problems = _customer_problems(keys, incoming)
    if problems:
        raise ImportRejected(problems)
    return [
        customers.open_account(keys, account, customer, as_of, IMPORT_ACTOR)
        for (_, _, account), (_, customer) in zip(accounts, incoming, strict=True)
    ]


def _customer_problems(keys: Keys, incoming: list[tuple[int, Customer | None]]) -> list[RowProblem]:
    """Each row's customer as `customers.join_problem` judges it, against the store and the rows
    before it (a customer the file creates is joined as its first row gives them)."""
    recorded: dict[str, Customer | None] = {}
    problems = []
    for line, customer in incoming:
        if customer is None:
            continue
        cid = customer.customer_id
        if cid not in recorded:
            recorded[cid] = customers_repo.find(keys, cid)
        before = recorded[cid]
        problem = customers.join_problem(keys, customer, before)
        if problem is not None:
            problems.append(RowProblem(line, "customer_id", problem))
        elif before is None:
            recorded[cid] = customers.as_recorded(keys, customer)
        else:
            recorded[cid] = replace(before, accounts=(*before.accounts, *customer.accounts))
    return problems


def import_file(path: Path, portfolio: str, as_of: date, shard_count: int, keys: Keys) -> list[Account]:
    return import_rows(read_rows(path), portfolio, as_of, shard_count, keys)
