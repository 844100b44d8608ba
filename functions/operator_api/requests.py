"""What an operator may ask for, validated before anything is read: one model per action."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from arrears.domain.charge_off import Decision, DeclineReason
from arrears.domain.compliance import Hold
from arrears.domain.contact_values import POINT_ID, ContactColumns
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ACTIONS = (
    "disposition", "promise", "arrangement", "settlement", "place_hold", "release_hold", "refer",
    "unreachable", "place_agency", "recall_agency", "assign_suspense", "charge_off", "dial", "approve",
    "reject", "adjust", "whoami",
    "personal_data",
    "contact", "find_customer",
    "letter_show", "letter_preview",  # operator_api.letters
)  # fmt: skip
# Reads: answered from the verified identity, never stored as a request's answer (they may carry
# personal data), the personal-data read and a customer found audited on the account.
READS = ("whoami", "personal_data", "find_customer", "letter_show", "letter_preview")
# What of a request's parameters is personal data: its audit record keeps which columns were
# given (their names), never their values.
PERSONAL_PARAMS = {"contact": ("point",), "find_customer": ("phone", "email")}
OUTCOMES = Literal[
    "promise",
    "refused",
    "wrong_number",
    "no_answer",
    "left_message",
    "dispute",
    "paid",
    "deceased",
    "bankrupt",
]


class RequestBody(BaseModel):
    """What a client sends. Who sends it is not in it: that is the verified token's to say."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=8, max_length=100)  # the client's: a retry sends the same one
    action: Literal[ACTIONS]  # type: ignore[valid-type]
    account_id: str | None = Field(default=None, max_length=100)
    on: date  # the operator's business date
    params: dict = {}


class OperatorRequest(RequestBody):
    """A request with the identity its verified token gave it."""

    operator_id: str = Field(min_length=1, max_length=128)  # the Cognito username
    operator_sub: str = Field(default="", max_length=128)  # the Cognito subject


class Params(BaseModel):
    # One action's parameters per request: each is built when its action first comes (defer_build).
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Disposition(Params):
    outcome: OUTCOMES
    at: datetime  # when the call happened, with its offset
    note: str = Field(default="", max_length=500)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry its offset")
        return value


class DialParams(Params):
    """A collector about to call: the moment of the call, with its offset."""

    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry its offset")
        return value


class PromiseParams(Params):
    amount: Decimal = Field(gt=0)  # major units, as the operator says it
    pay_by: date


class InstalmentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    due_on: date
    amount: Decimal = Field(gt=0)


class ArrangementParams(Params):
    instalments: list[InstalmentParams] = Field(min_length=1, max_length=60)


class SettlementParams(Params):
    discount_pct: Decimal = Field(gt=0, lt=100)
    pay_by: date


class HoldParams(Params):
    hold: Hold
    reason: str = Field(default="", max_length=300)


class ReferParams(Params):
    area: Literal["customer_service", "retention", "remedial", "supervisor"]
    note: str = Field(default="", max_length=500)


class UnreachableParams(Params):
    reason: Literal["returned_mail", "disconnected_phone", "wrong_number", "email_bounced"] = "returned_mail"
    # the contact point it happened on: retired, and the account routed only if no address is left
    point_id: str | None = Field(default=None, pattern=POINT_ID)


CONTACT_POINT_COLUMNS = ("address_line1", "email", "phone")


class ContactParams(Params):
    """A change to the customer's contact points: `add` one (`point`: the columns an import row has
    for it, exactly one of an address, an email or a phone, with its consent flags), `verify` one,
    `mark` one retired (`status`), or `verify_candidate`: a skip-trace candidate the operator
    confirmed with the customer becomes a verified point (an address candidate needs `point` with the
    whole address as confirmed: a provider's address is one line of text)."""

    change: Literal["add", "verify", "mark", "verify_candidate"]
    point: ContactColumns | None = None
    point_id: str | None = Field(default=None, pattern=POINT_ID)
    status: Literal["returned_mail", "bounced", "wrong_party", "do_not_use"] | None = None
    candidate_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{2,199}$")
    note: str = Field(default="", max_length=300)  # why: the operator's words, never a value

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        # shown back to operators: no control or invisible formatting characters (a line break,
        # a terminal escape, a bidi override) to disguise what it says
        if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
            raise ValueError("a note is one line of printable text: no control characters")
        return value

    @model_validator(mode="after")
    def _complete(self) -> ContactParams:
        needs = {
            "add": ("point",),
            "verify": ("point_id",),
            "mark": ("point_id", "status"),
            "verify_candidate": ("candidate_id",),
        }[self.change]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.change} needs {' and '.join(missing)}")
        point = self.point
        if point is not None:
            if point.customer_id or point.name or point.language:
                raise ValueError("point carries a contact point's columns only")
            if self.change == "add" and sum(bool(getattr(point, c)) for c in CONTACT_POINT_COLUMNS) != 1:
                raise ValueError(f"point gives exactly one of {', '.join(CONTACT_POINT_COLUMNS)}")
        return self


class FindParams(Params):
    """An email or a phone to find its customer's accounts by (an inbound call, a bounce notice)."""

    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")  # where a phone without +code is dialled

    @model_validator(mode="after")
    def _one(self) -> FindParams:
        if (self.phone is None) == (self.email is None):
            raise ValueError("give a phone or an email")
        return self


class SuspenseParams(Params):
    """A payment held in suspense, by its processor and the processor's id; the request's account
    is where it goes."""

    provider: Literal["stripe", "adyen", "standard"]
    payment_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class AgencyParams(Params):
    agency: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    reason: str = Field(default="", max_length=300)


class ChargeOffParams(Params):
    """Confirm the recommended charge-off, or decline it under one of the policy's exceptions."""

    decision: Decision
    exception: DeclineReason | None = None
    note: str = Field(default="", max_length=500)


class AdjustParams(Params):
    """An adjustment of the dues: a signed amount in major units of the account's currency, as the
    operator writes it ("-25.00" lowers what is owed), and always its reason."""

    amount: Decimal = Field(allow_inf_nan=False, max_digits=20)
    reason: str = Field(min_length=3, max_length=300)
    reage: bool = False  # bring the account current (FFIEC's limits apply)
    corrects_error: bool = False  # it corrects our error: a re-age is then outside the limits, and says so


class DecisionParams(Params):
    approval_id: str = Field(min_length=8, max_length=100)
    note: str = Field(default="", max_length=300)


PARAMS: dict[str, type[Params]] = {
    "disposition": Disposition,
    "promise": PromiseParams,
    "arrangement": ArrangementParams,
    "settlement": SettlementParams,
    "place_hold": HoldParams,
    "release_hold": HoldParams,
    "refer": ReferParams,
    "unreachable": UnreachableParams,
    "contact": ContactParams,
    "assign_suspense": SuspenseParams,
    "place_agency": AgencyParams,
    "recall_agency": AgencyParams,
    "charge_off": ChargeOffParams,
    "dial": DialParams,
    "adjust": AdjustParams,
    "approve": DecisionParams,
    "reject": DecisionParams,
}


def audited(action: str, params: dict) -> dict:
    """A request's parameters as its audit record keeps them: a personal value replaced by the names
    of the columns that were given (`point: ["email", "email_consent"]`)."""
    hidden = PERSONAL_PARAMS.get(action, ())
    kept: dict = {k: v for k, v in params.items() if k not in hidden}
    for name in hidden:
        given = params.get(name)
        if isinstance(given, dict):
            kept[name] = sorted(k for k, v in given.items() if v not in (None, "", False))
        elif given is not None:
            kept[name] = "given"
    return kept
