"""A skip-trace provider reached over HTTPS: one search per call, its answer validated before use."""

from __future__ import annotations

from arrears.adapters.provider_http import ProviderClient
from arrears.domain.bureau import Purpose, TraceAnswer, validated


class HttpSkipTrace(ProviderClient):
    def search(
        self, account_id: str, jurisdiction: str, purpose: Purpose, request_id: str | None = None
    ) -> TraceAnswer:
        raw = self.post(
            "/v1/skiptrace/search",
            {"account_id": account_id, "jurisdiction": jurisdiction, "purpose": str(purpose)},
            idempotency_key=request_id,  # a retry after a lost answer is not a second paid search
        )
        return validated(TraceAnswer, raw, self.name)
