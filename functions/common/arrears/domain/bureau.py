"""What credit-bureau and skip-trace providers tell us, as plain data, and why we may ask them.

Providers' raw answers are validated into these models (pydantic) by the adapters; anything
that does not validate is a `ProviderBadResponse`, so nothing half-understood is ever stored.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from arrears.domain.errors import ProviderBadResponse


class Purpose(StrEnum):
    """FCRA §604 permissible purposes we pull under; recorded on every pull."""

    # §604(a)(3)(A): "review or collection of an account of the consumer"
    ACCOUNT_REVIEW = "account_review"
    COLLECTION = "collection"


# Providers' answers, validated only by the steps that call a provider: each model is built on
# its first answer (defer_build), not in the import of every skip-trace and credit-review step.
class Candidate(BaseModel):
    """A contact point a skip-trace provider believes is the customer's. Unverified until confirmed."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    kind: Literal["phone", "address", "email"]
    value: str = Field(min_length=3, max_length=300)
    confidence: float = Field(ge=0, le=1)
    last_seen: date | None = None


class TraceAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    reference: str = Field(min_length=1, max_length=100)  # the provider's id of this search
    outcome: Literal["hit", "no_hit", "thin_file"]
    candidates: tuple[Candidate, ...] = ()

    @model_validator(mode="after")
    def _hits_have_candidates(self) -> TraceAnswer:
        if self.outcome == "hit" and not self.candidates:
            raise ValueError("a hit without any candidate")
        return self

    def best(self) -> float:
        return max((c.confidence for c in self.candidates), default=0.0)


class Bureau(BaseModel):
    """Who made the report: the §615(a) notice names it and how to reach it."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    name: str = Field(min_length=2)
    phone: str = Field(min_length=5)
    address: str = Field(min_length=5)
    website: str = Field(min_length=4)


class KeyFactor(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    code: str = Field(min_length=1, max_length=10)
    description: str = Field(min_length=3, max_length=200)


class CreditReport(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    reference: str = Field(min_length=1, max_length=100)
    bureau: Bureau
    outcome: Literal["scored", "thin_file"]
    score: int | None = None
    score_low: int = 300
    score_high: int = 850
    score_model: str = "generic"
    scored_on: date
    key_factors: tuple[KeyFactor, ...] = ()
    delinquencies_elsewhere: int = Field(default=0, ge=0)  # other tradelines 60+ days late

    @model_validator(mode="after")
    def _score_in_range(self) -> CreditReport:
        in_range = self.score is not None and self.score_low <= self.score <= self.score_high
        if self.outcome == "scored" and not in_range:
            raise ValueError(f"score {self.score} outside {self.score_low}-{self.score_high}")
        return self


def validated(model: type[BaseModel], raw: object, provider: str) -> BaseModel:
    """A provider's answer as our model, or ProviderBadResponse naming what was wrong (never the data)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()[:5])
        # `from None`: the validation error quotes the provider's values, which are personal data
        raise ProviderBadResponse(f"{provider}: malformed {model.__name__} ({where})") from None
