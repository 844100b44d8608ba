"""What every sandbox provider shares: answers decided by the account id, the same on every run.

Markers in an account id pick a branch on purpose (tests, demos, an operator trying things):
`NOHIT`, `THIN`, `HIT2` (only the second provider finds them), `THROTTLE` (the first call
in this environment is throttled), `OUTAGE`, `MALFORMED`. Other ids spread over the real range
of answers by a stable hash.
"""

from __future__ import annotations

import hashlib
import threading

from arrears.domain.errors import ProviderThrottled, ProviderUnavailable

_throttled_once: set[tuple[str, str]] = set()
_lock = threading.Lock()


def roll(*parts: str) -> int:
    """0..9999, stable for the same parts."""
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:4], "big") % 10_000


def has_marker(account_id: str, marker: str) -> bool:
    return marker in account_id.upper().split("-")


def faults(provider: str, account_id: str, throttle_rate: int = 150, outage_rate: int = 40) -> None:
    """Throttling (once per account and provider in this environment) and outages, as real providers do."""
    luck = roll("fault", provider, account_id)
    if has_marker(account_id, "OUTAGE") or luck < outage_rate:
        raise ProviderUnavailable(f"{provider}: service unavailable (sandbox)")
    if has_marker(account_id, "THROTTLE") or luck < outage_rate + throttle_rate:
        with _lock:
            first = (provider, account_id) not in _throttled_once
            _throttled_once.add((provider, account_id))
        if first:
            raise ProviderThrottled(f"{provider}: rate limit exceeded (sandbox)")


def malformed(account_id: str, provider: str, rate: int = 40) -> bool:
    return has_marker(account_id, "MALFORMED") or 9_999 - roll("shape", provider, account_id) < rate
