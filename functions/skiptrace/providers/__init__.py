"""The configured skip-trace providers, cheapest first, each behind the same small interface."""

from __future__ import annotations

from arrears.adapters.provider_config import ProviderConfig

from skiptrace.providers.base import SkipTraceProvider
from skiptrace.providers.sandbox import SandboxSkipTrace


def provider_for(config: ProviderConfig, position: int, region: str) -> SkipTraceProvider:
    if config.kind == "http":
        from skiptrace.providers.http import HttpSkipTrace

        return HttpSkipTrace(config, region=region)
    return SandboxSkipTrace(config.name, position)
