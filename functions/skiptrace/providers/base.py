"""The one thing a skip-trace provider does for us."""

from __future__ import annotations

from typing import Protocol

from arrears.domain.bureau import Purpose, TraceAnswer


class SkipTraceProvider(Protocol):
    name: str

    def search(
        self, account_id: str, jurisdiction: str, purpose: Purpose, request_id: str | None = None
    ) -> TraceAnswer:
        """Contact candidates for the customer of this account, or no hit. `request_id` makes a
        retried search the same billable search at the provider.

        Raises ProviderThrottled, ProviderUnavailable or ProviderBadResponse.
        """
        ...
