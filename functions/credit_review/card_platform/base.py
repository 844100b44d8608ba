"""The card platform (the system of record for credit lines): changes a limit, once per change id."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class LimitChanged(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    change_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    new_limit: int = Field(ge=0)  # minor units
    charging_frozen: bool = False
    reference: str = Field(min_length=1)  # the platform's id of the change


class CardPlatform(Protocol):
    name: str

    def change_limit(
        self, change_id: str, account_id: str, new_limit: int, freeze_charging: bool
    ) -> LimitChanged:
        """Idempotent by change_id: a repeat returns the first answer and changes nothing.

        Raises ProviderThrottled, ProviderUnavailable or ProviderBadResponse.
        """
        ...
