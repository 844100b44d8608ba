"""What an operator may ask for, validated before anything is read: one model per action."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from arrears.domain.charge_off import Decision, DeclineReason
from arrears.domain.compliance import Hold
from pydantic import BaseModel, ConfigDict, Field, field_validator

ACTIONS = (
    "disposition", "promise", "arrangement", "settlement", "place_hold", "release_hold", "refer",
    "unreachable", "place_agency", "recall_agency", "assign_suspense", "charge_off", "dial", "approve",
    "reject", "adjust", "whoami",
    "personal_data",
)  # fmt: skip
# Reads: answered from the verified identity, never stored as a request's answer (they may carry
# personal data), the personal-data read audited on the account.
READS = ("whoami", "personal_data")
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
    "assign_suspense": SuspenseParams,
    "place_agency": AgencyParams,
    "recall_agency": AgencyParams,
    "charge_off": ChargeOffParams,
    "dial": DialParams,
    "adjust": AdjustParams,
    "approve": DecisionParams,
    "reject": DecisionParams,
}
