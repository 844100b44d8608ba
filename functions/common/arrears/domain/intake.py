"""Accounts as they arrive from a system of record (a file row), validated before anything is written."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import ConfigDict, Field, field_validator, model_validator

from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.contact_values import CONTACT_FIELDS, ContactColumns, printable
from arrears.domain.customer import Customer, Source
from arrears.domain.errors import InvalidInput
from arrears.domain.itemization import MAX_CREDITOR_NAME, CreditorData, ItemizationKind
from arrears.domain.ledger import Due, schedule_from_past_due
from arrears.domain.letters import language_of
from arrears.domain.limitations import usps_state, usps_states
from arrears.domain.money import Money, known_currency
from arrears.domain.row_dates import debt_window, due_window, opened_window
from arrears.domain.rows import FieldProblem

JURISDICTIONS = ("US", "MX", "PH")
# What an account in each jurisdiction is kept in and written to: its currency, and the countries
# of the locales its letters may take (a Spanish speaker in the US reads es-US).
CURRENCY_OF = {"US": "USD", "MX": "MXN", "PH": "PHP"}
# What the lender says of a placed debt for the validation notice (Reg F §1006.34(c)(2)(iii)-(vii)):
# the creditor on the itemization date, the creditor now, which reference date of §1006.34(b)(3)
# the itemization runs from (last_statement, charge_off, last_payment, transaction, judgment), that
# date, and what was owed on it (major units).
CREDITOR_COLUMNS = (
    "original_creditor", "current_creditor", "itemization_kind", "itemization_date", "itemization_amount",
)  # fmt: skip
FIELDS_EXPECTED = (
    "account_id, product_type, currency, balance, amount_past_due, oldest_due_date, locale, time_zone, "
    "jurisdiction (required: account_id, product_type, currency, balance, locale, time_zone, "
    "jurisdiction; optional: state (US, a USPS code; default: a US mailing address's region), "
    "instalment, credit_limit, next_due_date, portfolio, placement; the creditor's data, required when "
    "a US account is placed with an agency: "
    + ", ".join(CREDITOR_COLUMNS)
    + " (optional: opened_date); the customer: "
    + CONTACT_FIELDS
    + ")"
)
ACCOUNT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


def iso_currency(value: str) -> str:
    """A currency code a row names, if ISO 4217 knows it (for a field validator)."""
    if not known_currency(value):
        raise ValueError(f"{value} is not an ISO 4217 currency")
    return value


class AccountRecord(ContactColumns):
    """One row of an import file. Amounts are in major units as written ("1234.50")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    account_id: str = Field(pattern=ACCOUNT_ID)
    product_type: ProductType
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    balance: str
    amount_past_due: str = "0"
    oldest_due_date: date | None = None
    locale: str
    time_zone: str
    jurisdiction: str
    instalment: str | None = None
    credit_limit: str | None = None  # open-end: the credit line, for credit reviews
    next_due_date: date | None = None
    portfolio: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    placement: str | None = Field(default=None, pattern=r"^agency$")  # worked by a third-party collector
    # US: the USPS code of the state whose statute of limitations applies (domain.limitations); a row
    # without it takes its mailing address's region when that is a US state; other countries ignore it.
    # A US account with neither is imported with its state not recorded, which the guardrail reads as
    # "may be time-barred" (no letter threatens suit) until a feed row gives it (decision in report).
    state: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _state_from_address(cls, raw: object) -> object:
        if (
            not isinstance(raw, dict)
            or raw.get("state")
            or str(raw.get("jurisdiction", "")).strip().upper() != "US"
        ):
            return raw
        region = str(raw.get("region") or "").strip().upper()
        in_the_us = str(raw.get("country") or "US").strip().upper() == "US"
        return {**raw, "state": region} if in_the_us and region in usps_states() else raw

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None, info) -> str | None:  # type: ignore[no-untyped-def]
        if not value or info.data.get("jurisdiction") != "US":
            return None
        try:
            return usps_state(value)
        except ValueError:
            raise ValueError("is not a USPS state code (e.g. CA, NY, DC)") from None

    original_creditor: str | None = Field(default=None, min_length=1, max_length=MAX_CREDITOR_NAME)
    current_creditor: str | None = Field(default=None, min_length=1, max_length=MAX_CREDITOR_NAME)
    itemization_kind: ItemizationKind | None = None
    itemization_date: date | None = None
    itemization_amount: str | None = None
    opened_date: date | None = None  # the day the creditor opened the account, when the row says it

    @field_validator("original_creditor", "current_creditor")
    @classmethod
    def _creditor(cls, value: str | None, info) -> str | None:  # type: ignore[no-untyped-def]
        """Printed on the validation notice and the print manifest, as a customer's name is."""
        if value is None:
            return None
        return printable(value, info.field_name, MAX_CREDITOR_NAME, a_name=True, one_line=True)

    @field_validator("product_type", mode="before")
    @classmethod
    def _product(cls, value: str) -> str:
        aliases = {
            "open-end": "open_end",
            "closed-end": "closed_end",
            "revolving": "open_end",
            "instalment": "closed_end",
        }
        return aliases.get(str(value).strip().lower(), str(value).strip().lower())

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return iso_currency(value)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError(f"unknown locale {value!r}") from exc
        try:  # an account we cannot write to would stop its shard at its first letter
            language_of(value)
        except InvalidInput as exc:
            raise ValueError(f"{exc}; letters exist in English and Spanish") from exc
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        if value.upper() not in JURISDICTIONS:
            raise ValueError(f"must be one of {', '.join(JURISDICTIONS)}")
        return value.upper()

    @field_validator("itemization_kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        return str(value).strip().lower().replace("-", "_").replace(" ", "_") if value is not None else None

    @field_validator("instalment", "amount_past_due", "credit_limit", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @model_validator(mode="after")
    def _of_its_jurisdiction(self) -> AccountRecord:
        expected = CURRENCY_OF[self.jurisdiction]
        if self.currency != expected:
            raise _field_error(
                "currency", f"an account in {self.jurisdiction} is kept in {expected}, not {self.currency}"
            )
        country = Locale.parse(self.locale.replace("-", "_")).territory
        if country != self.jurisdiction:
            raise _field_error(
                "locale",
                f"{self.locale} is not a locale of {self.jurisdiction} (e.g. en-{self.jurisdiction})",
            )
        self.contact_problem(self.jurisdiction)
        return self

    def customer_of(self, source: Source, on: date) -> Customer | None:
        """The row's customer (values in hand, for the customers service to seal), or None."""
        return self.customer(self.account_id, self.jurisdiction, source, on)

    @model_validator(mode="after")
    def _amounts(self) -> AccountRecord:
        balance = self.money(self.balance, "balance")
        past_due = self.money(self.amount_past_due or "0", "amount_past_due")
        if balance.minor < 0:
            raise _field_error("balance", "cannot be negative")
        if past_due.minor < 0:
            raise _field_error("amount_past_due", "cannot be negative")
        if past_due.minor > balance.minor:
            raise _field_error("amount_past_due", "is more than the balance")
        if past_due.minor > 0 and self.oldest_due_date is None:
            raise _field_error("oldest_due_date", "is required when an amount is past due")
        if self.instalment is not None and self.money(self.instalment, "instalment").minor <= 0:
            raise _field_error("instalment", "must be positive")
        if self.credit_limit is not None:
            if self.product_type is not ProductType.OPEN_END:
                raise _field_error("credit_limit", "only an open-end account has a credit line")
            if self.money(self.credit_limit, "credit_limit").minor < 0:
                raise _field_error("credit_limit", "cannot be negative")
        return self

    @model_validator(mode="after")
    def _creditor_columns(self) -> AccountRecord:
        """The creditor's data comes whole, and a US account placed with an agency needs it: its
        validation notice states it (Reg F §1006.34(c)(2))."""
        given = [name for name in CREDITOR_COLUMNS if getattr(self, name) is not None]
        placed_us = self.placement == "agency" and self.jurisdiction == "US"
        if given or placed_us:
            for name in CREDITOR_COLUMNS:
                if getattr(self, name) is None:
                    why = "is required when a US account is placed with an agency (Reg F §1006.34(c)(2))"
                    raise _field_error(name, why if placed_us else "comes with the other creditor's data")
        amount = self.itemization_amount
        if amount is not None and self.money(amount, "itemization_amount").minor < 0:
            raise _field_error("itemization_amount", "cannot be negative")
        day, opened = self.itemization_date, self.opened_date
        if day is not None and opened is not None and day < opened:
            raise _field_error("itemization_date", f"is before the account opened ({opened.isoformat()})")
        return self

    def creditor_data(self, as_of: date) -> CreditorData | None:
        """The creditor's data the row gives, if it gives it; dated in its window up to `as_of` (today)."""
        if self.itemization_date is None:
            return None
        self.check_dates(as_of)
        # _creditor_columns: the row gives all of them or none
        assert self.original_creditor and self.current_creditor and self.itemization_kind  # nosec B101
        assert self.itemization_amount is not None  # nosec B101
        return CreditorData(
            original_creditor=self.original_creditor,
            current_creditor=self.current_creditor,
            kind=self.itemization_kind,
            itemization_date=self.itemization_date,
            amount_on_itemization_date=self.money(self.itemization_amount, "itemization_amount").minor,
        )

    def check_dates(self, as_of: date) -> None:
        """Every date the row gives lies in its window around the file's day `as_of` (row_dates): one
        far outside would overflow the cycle's date arithmetic or print a year 1 on a letter."""
        due_window(as_of).check("oldest_due_date", self.oldest_due_date)
        due_window(as_of).check("next_due_date", self.next_due_date)
        debt_window(as_of).check("itemization_date", self.itemization_date)
        opened_window(as_of).check("opened_date", self.opened_date)

    def money(self, amount: str, field: str) -> Money:
        try:
            return Money.parse(amount, self.currency)
        except InvalidInput as exc:
            raise _field_error(field, str(exc)) from exc

    def to_account(self, portfolio: str, as_of: date, shard_count: int) -> Account:
        """The account as the cycle will first see it; it waits in the work index for the `as_of` cycle."""
        self.check_dates(as_of)
        if (
            self.oldest_due_date
            and self.oldest_due_date >= as_of
            and self.money(self.amount_past_due or "0", "amount_past_due").minor
        ):
            raise _field_error("oldest_due_date", f"must be before the import date {as_of.isoformat()}")
        instalment = self.money(self.instalment, "instalment").minor if self.instalment else None
        dues = schedule_from_past_due(
            self.oldest_due_date or as_of,
            self.money(self.amount_past_due or "0", "amount_past_due").minor,
            instalment,
        )
        if self.next_due_date and instalment:
            dues = (*[d for d in dues if d.due_on < self.next_due_date], Due(self.next_due_date, instalment))
        balance = self.money(self.balance, "balance").minor
        owner = self.portfolio or portfolio
        return Account(
            account_id=self.account_id,
            portfolio=owner,
            product_type=self.product_type,
            currency=self.currency,
            opening_balance=balance,
            balance=balance,
            dues=tuple(sorted(dues)),
            locale=self.locale,
            time_zone=self.time_zone,
            jurisdiction=self.jurisdiction,
            instalment=instalment,
            credit_limit=self.money(self.credit_limit, "credit_limit").minor if self.credit_limit else None,
            customer_id=(self.customer_id or self.account_id) if self.has_contact() else None,
            placement=self.placement,
            state=self.state,
            creditor_data=self.creditor_data(as_of),
            home_shard=shard_of(self.account_id, owner, shard_count),
            next_action_on=as_of,
        )


def _field_error(field: str, reason: str) -> FieldProblem:
    return FieldProblem(field, reason)
