"""The one thing a credit bureau does for us: a soft pull, with the purpose we pull under."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from arrears.domain.bureau import CreditReport, Purpose


class Bureau(Protocol):
    name: str

    def soft_pull(
        self, account_id: str, jurisdiction: str, purpose: Purpose, as_of: date, request_id: str | None = None
    ) -> CreditReport:
        """The customer's score and key factors. Raises ProviderThrottled, ProviderUnavailable or
        ProviderBadResponse."""
        ...
