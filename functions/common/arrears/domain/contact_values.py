"""Contact data as it arrives (an import row, a feed row, an operator's request): bounded,
normalised, and turned into contact points. A refusal names the field, never the value.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from arrears.domain.customer import Address, Consent, ContactPoint, Customer, PointKind, PointStatus, Source
from arrears.domain.rows import FieldProblem

CUSTOMER_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
POINT_ID = r"^[a-z0-9][a-z0-9_.:-]{0,79}$"
CONTACT_FIELDS = (
    "customer_id, name, address_line1, address_line2, address_line3, city, region, postal_code, country, "
    "email, email_consent, electronic_notices_consent, email_is_employer, phone, sms_consent, "
    "mobile_calls_consent, language"
)
YES = frozenset({"y", "yes", "true", "1", "si", "sí"})
NO = frozenset({"", "n", "no", "false", "0"})


# What a spreadsheet takes for a formula at the start of a cell (OWASP, CSV injection): the print
# vendor's manifest and the operators' exports carry these values, and no name or address starts so.
FORMULA_START = ("=", "+", "-", "@")


def _visible_letter(char: str) -> bool:
    """A letter that prints something: the Hangul fillers are letters to Unicode and print nothing."""
    return unicodedata.category(char).startswith("L") and "FILLER" not in unicodedata.name(char, "")


def printable(value: str, field: str, longest: int, *, a_name: bool = False, one_line: bool = False) -> str:
    """Text a person reads on a letter, a manifest or an export, from a row: runs of white space
    folded to one space, NFC; refused for control or invisible formatting characters (a terminal
    escape, a bidi override, a zero-width joiner), a spreadsheet formula's first character, and,
    for `a_name`, no visible letter. With `one_line` a line break is refused rather than folded."""
    if one_line and len(value.splitlines()) > 1:
        raise ValueError(f"{field} is one line: no line breaks")
    text = unicodedata.normalize("NFC", " ".join(value.split()))
    if len(text) > longest:
        raise ValueError(f"{field} is longer than {longest} characters")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise ValueError(f"{field} has control characters")
    if text.startswith(FORMULA_START):
        raise ValueError(f"{field} may not begin with {', '.join(FORMULA_START)}")
    if a_name and not any(_visible_letter(c) for c in text):
        raise ValueError(f"{field} has no letter")  # blank-looking fillers (U+3164, U+2800) print nothing
    return text


def email(raw: str) -> str:
    """An address as it is sent to and hashed: syntax checked (no DNS), domain lower-cased."""
    try:
        found = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueError("email is not a valid email address") from None
    return found.normalized


def phone(raw: str, country: str) -> tuple[str, bool]:
    """A number in E.164 (read in `country` when written without one) and whether it is a mobile."""
    try:
        number = phonenumbers.parse(raw.strip(), country)
    except phonenumbers.NumberParseException:
        raise ValueError("phone is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"phone is not a valid number for {phonenumbers.region_code_for_number(number) or country}"
        )
    kind = phonenumbers.number_type(number)
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), mobile


def lookup_form(kind: PointKind, value: str) -> str:
    """What a point is looked up by: the whole email lower-cased; a phone as E.164."""
    return value.lower() if kind is PointKind.EMAIL else value


def _flag(value: str | bool | None, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{field} is yes or no")


class ContactColumns(BaseModel):
    """The optional customer columns of an import or feed row."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    customer_id: str | None = Field(default=None, pattern=CUSTOMER_ID)
    name: str | None = Field(default=None, max_length=140)
    address_line1: str | None = Field(default=None, max_length=100)
    address_line2: str | None = Field(default=None, max_length=100)
    address_line3: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=60)
    region: str | None = Field(default=None, max_length=60)
    postal_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    email: str | None = Field(default=None, max_length=254)
    email_consent: str | bool | None = None
    electronic_notices_consent: str | bool | None = None
    email_is_employer: str | bool | None = None
    phone: str | None = Field(default=None, max_length=32)
    sms_consent: str | bool | None = None
    mobile_calls_consent: str | bool | None = None
    language: Literal["en", "es"] | None = None

    @field_validator("name", "address_line1", "address_line2", "address_line3", "city", "region")
    @classmethod
    def _text(cls, value: str | None, info) -> str | None:  # type: ignore[no-untyped-def]
        return printable(value, info.field_name, 140, a_name=info.field_name == "name") if value else None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value and value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("country is not an ISO 3166 country code")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return email(value) if value else None

    @field_validator(
        "email_consent",
        "electronic_notices_consent",
        "email_is_employer",
        "sms_consent",
        "mobile_calls_consent",
    )
    @classmethod
    def _yes_no(cls, value: str | bool | None, info) -> bool:  # type: ignore[no-untyped-def]
        return _flag(value, info.field_name)

    def contact_problem(self, jurisdiction: str) -> None:
        """Raise the first problem of the contact columns as a problem of their field (the address
        is complete, the phone a number of its country); the row's other rules come first."""
        try:
            self.address(jurisdiction)
        except ValueError as exc:
            raise FieldProblem("address_line1", str(exc)) from None
        if self.phone:
            try:
                phone(self.phone, jurisdiction)
            except ValueError as exc:
                raise FieldProblem("phone", str(exc).removeprefix("phone ")) from None
        if (self.city or self.postal_code) and not self.address_line1:
            raise FieldProblem("address_line1", "a city or postal_code needs address_line1")

    def has_contact(self) -> bool:
        return any((self.name, self.address_line1, self.email, self.phone))

    def address(self, jurisdiction: str) -> Address | None:
        if not self.address_line1:
            return None
        if not (self.city and self.postal_code):
            raise ValueError("address_line1 needs city and postal_code")
        lines = tuple(line for line in (self.address_line1, self.address_line2, self.address_line3) if line)
        return Address(
            lines, self.city, self.region or "", self.postal_code.upper(), self.country or jurisdiction
        )

    def points(self, jurisdiction: str, source: Source, on: date) -> tuple[ContactPoint, ...]:
        """The row's contact points, named by kind and source (a later row replaces, not adds)."""
        found: list[ContactPoint] = []
        address = self.address(jurisdiction)
        if address:
            found.append(
                ContactPoint(f"{source.value}-postal", PointKind.POSTAL, address, source, added_on=on)
            )
        if self.email:
            consent = {Consent.EMAIL} if self.email_consent else set()
            if self.email_consent and self.electronic_notices_consent:
                consent.add(Consent.ELECTRONIC_NOTICES)
            # The creditor's record of an address the customer gave with consent to email counts as
            # verified; one without consent is kept, never emailed.
            found.append(
                ContactPoint(
                    f"{source.value}-email", PointKind.EMAIL, self.email, source,
                    status=PointStatus.VERIFIED if self.email_consent else PointStatus.UNVERIFIED,
                    consent=frozenset(consent), employer=bool(self.email_is_employer), added_on=on,
                )
            )  # fmt: skip
        if self.phone:
            number, mobile = phone(self.phone, jurisdiction)
            consent = set()
            if mobile and self.sms_consent:
                consent.add(Consent.SMS)
            if mobile and self.mobile_calls_consent:
                consent.add(Consent.CALLS_TO_MOBILE)
            found.append(
                ContactPoint(
                    f"{source.value}-phone", PointKind.PHONE, number, source,
                    consent=frozenset(consent), mobile=mobile, added_on=on,
                )
            )  # fmt: skip
        return tuple(found)

    def customer(self, account_id: str, jurisdiction: str, source: Source, on: date) -> Customer | None:
        """The customer the row describes, or None when it has no customer columns."""
        if not self.has_contact():
            return None
        return Customer(
            customer_id=self.customer_id or account_id,
            name=self.name,
            language=self.language,
            points=self.points(jurisdiction, source, on),
            accounts=(account_id,),
        )
