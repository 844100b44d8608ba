"""The configured bureau and card platform, each behind its small interface, built once per environment."""

from __future__ import annotations

from functools import lru_cache

from arrears.adapters.aws_clients import on_reset
from arrears.adapters.provider_config import ProviderConfig

from credit_review.bureau.base import Bureau
from credit_review.bureau.sandbox import SandboxBureau
from credit_review.card_platform.base import CardPlatform
from credit_review.card_platform.sandbox import SandboxCardPlatform


@lru_cache(maxsize=4)
def bureau_for(config: ProviderConfig, region: str) -> Bureau:
    if config.kind == "http":
        from credit_review.bureau.http import HttpBureau

        return HttpBureau(config, region=region)
    return SandboxBureau(config.name)


@lru_cache(maxsize=4)
def card_platform_for(config: ProviderConfig, region: str) -> CardPlatform:
    if config.kind == "http":
        from credit_review.card_platform.http import HttpCardPlatform

        return HttpCardPlatform(config, region=region)
    return SandboxCardPlatform(config.name)


on_reset(bureau_for.cache_clear)
on_reset(card_platform_for.cache_clear)
