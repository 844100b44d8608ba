"""boto3 clients shared by the calls of one execution environment (building one costs tens of ms)."""

from __future__ import annotations

from functools import lru_cache

import boto3


@lru_cache(maxsize=16)
def client(service: str, region: str):
    return boto3.client(service, region_name=region)


def reset() -> None:
    client.cache_clear()
