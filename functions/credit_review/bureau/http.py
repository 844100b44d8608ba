"""A credit bureau reached over HTTPS: a soft pull under a stated purpose, validated before use."""

from __future__ import annotations

from datetime import date

from arrears.adapters.provider_http import ProviderClient
from arrears.domain.bureau import CreditReport, Purpose, validated


class HttpBureau(ProviderClient):
    def soft_pull(
        self,
        account_id: str,
        jurisdiction: str,
        purpose: Purpose,
        as_of: date,
        request_id: str | None = None,
    ) -> CreditReport:
        payload = {
            "account_id": account_id,
            "jurisdiction": jurisdiction,
            "purpose": str(purpose),  # the permissible purpose travels with every pull
            "as_of": as_of.isoformat(),
        }
        # a retry after a lost answer is the same pull, not a second one on the customer's file
        raw = self.post("/v1/reports/soft", payload, idempotency_key=request_id)
        return validated(CreditReport, raw, self.name)
