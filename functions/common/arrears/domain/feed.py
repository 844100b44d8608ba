"""The daily feed from the system of record: typed rows, each checked before any is applied.

A file is whole or it is nothing: every row must read, the trailer must close it (its record count
and control totals per currency), and a `record_id` may appear twice only with the same content.
What this module cannot know (whether an account exists, whether a record id was applied before
with other content) the feed service checks against the store. See docs/feed.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from arrears.domain.compliance import Hold
from arrears.domain.errors import InvalidInput
from arrears.domain.intake import ACCOUNT_ID, AccountRecord, iso_currency
from arrears.domain.money import Money, minor_digits
from arrears.domain.rows import ROW_ERROR, FieldProblem, RowProblem, problems_of

RECORD_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:#/-]{0,99}$"
REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9_.:#/-]{0,99}$"
MAX_ROWS = 50_000  # a day's file per portfolio; a larger day comes as several files
MAX_BYTES = 20 * 1024 * 1024
TRAILER = "trailer"


def report_key(key: str) -> str:
    """Where the report of the file at `key` lies: its whole key under `reports/`, outside `feeds/`
    so that writing it starts nothing."""
    return f"reports/{key}.report.json"


class Channel(StrEnum):
    BRANCH = "branch"
    TERMINAL = "terminal"  # a payment terminal (TPV), or an intermediary's counter
    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    DEPOSIT = "deposit"
    OTHER = "other"


class Processor(StrEnum):
    """Processors whose payments may also arrive by webhook: their id is the payment's key."""

    STRIPE = "stripe"
    ADYEN = "adyen"
    STANDARD = "standard"


class StatusChange(StrEnum):
    CLOSED = "closed"
    FRAUD = "fraud"
    DECEASED = "deceased"
    BANKRUPT = "bankrupt"
    MILITARY_DUTY = "military_duty"


# The hold each status puts on the account; "closed" stops new use of the line, not collection.
HOLD_OF: dict[StatusChange, Hold] = {
    StatusChange.FRAUD: Hold.FRAUD,
    StatusChange.DECEASED: Hold.DECEASED,
    StatusChange.BANKRUPT: Hold.BANKRUPTCY,
    StatusChange.MILITARY_DUTY: Hold.SCRA,
}


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    record_id: str = Field(pattern=RECORD_ID)
    account_id: str = Field(pattern=ACCOUNT_ID)

    def check(self) -> None:
        """Rules across fields, beyond what each field's type says."""


class Amounted(_Row):
    # major units as a person writes them in a file: digits, a point, no sign but an adjustment's
    amount: str = Field(pattern=r"^-?[0-9]{1,16}(\.[0-9]{1,4})?$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        return iso_currency(value)

    def money(self) -> Money:
        try:
            return Money.parse(self.amount, self.currency)
        except InvalidInput as exc:
            raise FieldProblem("amount", str(exc)) from exc

    def _positive(self) -> None:
        if self.money().minor <= 0:
            raise FieldProblem("amount", "must be positive")


class AccountRow(AccountRecord):
    """A new account, or new terms for one that exists (product and currency never change), with
    its customer's columns (`contact_values.ContactColumns`): who they are and how to reach them."""

    record_id: str = Field(pattern=RECORD_ID)
    type: Literal["account"]
    balance: str = "0"


class StatementRow(Amounted):
    """A statement: `amount` falls due on `due_date`."""

    type: Literal["statement"]
    statement_date: date
    due_date: date

    def check(self) -> None:
        self._positive()
        if self.due_date < self.statement_date:
            raise FieldProblem("due_date", "is before the statement date")


class PaymentRow(Amounted):
    type: Literal["payment"]
    date: date
    channel: Channel
    reference: str = Field(pattern=REFERENCE)  # the source system's own payment reference
    processor: Processor | None = None
    processor_payment_id: str | None = Field(default=None, pattern=REFERENCE)

    def check(self) -> None:
        self._positive()
        if (self.processor is None) != (self.processor_payment_id is None):
            raise FieldProblem("processor_payment_id", "comes with its processor, and the processor with it")


class ReversalRow(Amounted):
    """Money of an earlier payment (named by its reference) given back: a bounced cheque, a failed debit."""

    type: Literal["reversal"]
    date: date
    reference: str = Field(pattern=REFERENCE)
    reason: str = Field(min_length=1, max_length=200)

    def check(self) -> None:
        self._positive()


class FeeRow(Amounted):
    type: Literal["fee"]
    date: date
    reason: str | None = Field(default=None, max_length=200)

    def check(self) -> None:
        self._positive()


class InterestRow(FeeRow):
    type: Literal["interest"]  # type: ignore[assignment]


class AdjustmentRow(Amounted):
    """A correction: a signed amount (negative lowers the balance) with the reason a person gave."""

    type: Literal["adjustment"]
    date: date
    reason: str = Field(min_length=1, max_length=200)
    reage: bool = False  # brings the account current without the money (FFIEC limits apply)
    corrects_error: bool = False  # a correction of the lender's own error: no re-age limit applies

    def check(self) -> None:
        if self.money().minor == 0 and not self.reage:
            raise FieldProblem("amount", "an adjustment of zero changes nothing")


class StatusRow(_Row):
    type: Literal["status"]
    date: date
    status: StatusChange


FeedRecord = (
    AccountRow | StatementRow | PaymentRow | ReversalRow | FeeRow | InterestRow | AdjustmentRow | StatusRow
)
Record = Annotated[FeedRecord, Field(discriminator="type")]
_RECORD: TypeAdapter[Any] = TypeAdapter(cast(Any, Record))  # a union is no type[...] to mypy
TYPES = ("account", "statement", "payment", "reversal", "fee", "interest", "adjustment", "status")


class Trailer(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    record_count: int = Field(ge=0, le=MAX_ROWS)
    # JSON Lines: {"USD": "1234.50"}; CSV: "USD=1234.50;MXN=10.00"
    control_totals: dict[str, str] = Field(default_factory=dict)

    @field_validator("control_totals", mode="before")
    @classmethod
    def _totals(cls, value: object) -> object:
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            pairs = [part.split("=", 1) for part in value.split(";") if part.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise ValueError("write CURRENCY=AMOUNT pairs separated by ';'")
            totals = {k.strip(): v.strip() for k, v in pairs}
            if len(totals) != len(pairs):  # a second total for a currency would replace the first
                raise ValueError("names a currency twice")
            return totals
        return value


@dataclass(frozen=True)
class Row:
    line: int
    record: (
        AccountRow
        | StatementRow
        | PaymentRow
        | ReversalRow
        | FeeRow
        | InterestRow
        | AdjustmentRow
        | StatusRow
    )

    @property
    def record_id(self) -> str:
        return self.record.record_id

    @property
    def account_id(self) -> str:
        return self.record.account_id

    @property
    def kind(self) -> str:
        return self.record.type

    def content_hash(self) -> str:
        """What the row says, so a record id seen again with other content is told apart from a resend."""
        said = self.record.model_dump(mode="json", exclude_none=True)
        return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ReadFile:
    """A file read: its rows when it is whole, or every problem found, by line."""

    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...]
    repeated: int = 0  # rows that repeat an earlier row of the file word for word: applied once


def _record(number: int, raw: dict[str, Any]) -> Row | list[RowProblem]:
    if ROW_ERROR in raw:
        return [RowProblem(number, "row", str(raw[ROW_ERROR]))]
    said = {k: v for k, v in raw.items() if v not in ("", None)}
    if said.get("type") not in TYPES:
        return [RowProblem(number, "type", f"must be one of {', '.join(TYPES)}")]
    try:
        record = _RECORD.validate_python(said)
        if not isinstance(record, AccountRow):
            record.check()
    except ValidationError as exc:  # pydantic names the field under the row's type: drop that
        tag = f"{said['type']}."
        return [replace(p, field=p.field.removeprefix(tag)) for p in problems_of(number, exc)]
    except FieldProblem as exc:
        return [RowProblem(number, exc.field, exc.reason)]
    return Row(number, record)


def control_totals(rows: tuple[Row, ...] | list[Row]) -> dict[str, int]:
    """Minor units per currency of every amount the rows carry, signed as written."""
    totals: Counter[str] = Counter()
    for row in rows:
        if isinstance(row.record, Amounted):
            money = row.record.money()
            totals[money.currency] += money.minor
    return dict(totals)


def _trailer_problems(number: int, raw: dict[str, Any], rows: list[Row], counted: int) -> list[RowProblem]:
    try:
        trailer = Trailer.model_validate({k: v for k, v in raw.items() if v not in ("", None)})
    except ValidationError as exc:
        return problems_of(number, exc)
    found = []
    if trailer.record_count != counted:
        found.append(
            RowProblem(number, "record_count", f"says {trailer.record_count} records; the file has {counted}")
        )
    try:
        said = {c: Money.parse(a, c).minor for c, a in trailer.control_totals.items()}
    except InvalidInput as exc:
        return [*found, RowProblem(number, "control_totals", str(exc))]
    actual = control_totals(rows)
    for currency in sorted(set(said) | set(actual)):
        if said.get(currency, 0) != actual.get(currency, 0):
            # not Money: a sum of many amounts may pass the bound one amount is held to
            written = Decimal(actual.get(currency, 0)).scaleb(-minor_digits(currency))
            found.append(
                RowProblem(
                    number,
                    "control_totals",
                    f"{currency} {trailer.control_totals.get(currency, '0')} is not the rows' {written}",
                )
            )
    return found


def read(numbered: list[tuple[int, dict[str, Any]]]) -> ReadFile:
    """Every row checked and every problem named; the trailer must be the last row."""
    if len(numbered) > MAX_ROWS + 1:
        return ReadFile((), (RowProblem(0, "file", f"has more than {MAX_ROWS} rows; split the day"),))
    problems: list[RowProblem] = []
    rows: list[Row] = []
    first: dict[str, Row] = {}
    written: list[Row] = []  # every row as written, repeats included: what the trailer counts and totals
    repeated = 0
    body, last = numbered, None
    if numbered and numbered[-1][1].get("type") == TRAILER:
        body, last = numbered[:-1], numbered[-1]
    for number, raw in body:
        if raw.get("type") == TRAILER:
            problems.append(RowProblem(number, "type", "a trailer ends the file; rows follow it"))
            continue
        found = _record(number, raw)
        if isinstance(found, list):
            problems.extend(found)
            continue
        written.append(found)
        earlier = first.get(found.record_id)
        if earlier is None:
            first[found.record_id] = found
            rows.append(found)
        elif earlier.content_hash() == found.content_hash():
            repeated += 1
        else:
            problems.append(
                RowProblem(
                    number, "record_id", f"{found.record_id} is on line {earlier.line} with other content"
                )
            )
    if last is None:
        problems.append(RowProblem(0, "file", "ends without its trailer: it may be truncated"))
    elif not problems:
        problems.extend(_trailer_problems(last[0], last[1], written, len(body)))
    if not body:
        problems.append(RowProblem(0, "file", "has no records"))
    return ReadFile(tuple(rows) if not problems else (), tuple(problems), repeated)


def by_account(rows: tuple[Row, ...]) -> dict[str, list[Row]]:
    """Each account's rows in the file's order: the order they are applied in."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.account_id, []).append(row)
    return grouped


def chunks(rows: tuple[Row, ...], size: int) -> list[list[Row]]:
    """Rows in pieces of about `size`, never splitting one account's rows across two pieces."""
    pieces: list[list[Row]] = []
    current: list[Row] = []
    for group in by_account(rows).values():
        if current and len(current) + len(group) > size:
            pieces.append(current)
            current = []
        current.extend(group)
    if current:
        pieces.append(current)
    return pieces


def to_row(line: int, said: dict[str, Any]) -> Row:
    """A row carried between steps (validated already) read back."""
    found = _record(line, said)
    if isinstance(found, list):
        raise InvalidInput(f"line {line}: a validated row no longer reads: {found[0]}")
    return found


def as_said(row: Row) -> dict[str, Any]:
    return {"line": row.line, "record": row.record.model_dump(mode="json", exclude_none=True)}
