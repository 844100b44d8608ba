"""How an outside data provider is reached and what each call costs: typed, from the environment.

The same shape serves skip-trace providers, the credit bureau and the card platform. `kind`
picks the adapter: `sandbox` (deterministic, no network) or `http` (JSON over HTTPS).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ProviderConfig(BaseModel):
    # Built when a provider is first read (skip-trace, credit review), not in every handler's import.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: Literal["sandbox", "http"] = "sandbox"
    unit_cost: Decimal = Field(default=Decimal(0), ge=0)  # per call, in major units of `currency`
    currency: str = Field(default="USD", min_length=3, max_length=3)
    url: str | None = None  # http: the provider's base URL
    secret_id: str | None = None  # http: Secrets Manager secret with {"api_key": ...}
    timeout_s: float = Field(default=5.0, gt=0, le=30)
    max_attempts: int = Field(default=3, ge=1, le=5)  # our own bounded retries on connect errors and 5xx

    @model_validator(mode="after")
    def _http_needs_where_and_how(self) -> ProviderConfig:
        if self.kind == "http" and not (self.url and self.secret_id):
            raise ValueError(f"provider {self.name}: an http provider needs url and secret_id")
        return self

    @property
    def cost_minor(self) -> int:
        from arrears.domain.money import Money

        return Money.parse(self.unit_cost, self.currency).minor
