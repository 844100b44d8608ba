"""A card platform reached over HTTPS: limit changes keyed by change id, so a retry never applies twice."""

from __future__ import annotations

from urllib.parse import quote

from arrears.adapters.provider_http import ProviderClient
from arrears.domain.bureau import validated
from arrears.domain.errors import ProviderBadResponse

from credit_review.card_platform.base import LimitChanged


class HttpCardPlatform(ProviderClient):
    def change_limit(
        self, change_id: str, account_id: str, new_limit: int, freeze_charging: bool
    ) -> LimitChanged:
        raw = self.post(
            f"/v1/accounts/{quote(account_id, safe='')}/credit-limit",
            {"new_limit": new_limit, "freeze_charging": freeze_charging},
            idempotency_key=change_id,  # the platform answers a repeat with the first change
        )
        answer = validated(LimitChanged, raw, self.name)
        # The platform is the system of record: an answer about another change must not be recorded as ours.
        if (answer.change_id, answer.account_id) != (change_id, account_id):
            raise ProviderBadResponse(f"{self.name}: answer is not for change {change_id}")
        return answer
