"""A card platform that remembers each change by its id, as a real one does with an idempotency key."""

from __future__ import annotations

import threading

from arrears.adapters.sandbox import faults, roll
from arrears.domain.bureau import validated

from credit_review.card_platform.base import LimitChanged


class SandboxCardPlatform:
    def __init__(self, name: str) -> None:
        self.name = name
        self._changes: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.applied = 0  # changes actually made (a repeat of a change id is not one)

    def change_limit(
        self, change_id: str, account_id: str, new_limit: int, freeze_charging: bool
    ) -> LimitChanged:
        faults(self.name, account_id, throttle_rate=50, outage_rate=10)
        with self._lock:
            if change_id not in self._changes:
                self._changes[change_id] = {
                    "change_id": change_id,
                    "account_id": account_id,
                    "new_limit": new_limit,
                    "charging_frozen": freeze_charging,
                    "reference": f"chg-{roll('chg', change_id):04d}",
                }
                self.applied += 1
            return validated(LimitChanged, self._changes[change_id], self.name)
