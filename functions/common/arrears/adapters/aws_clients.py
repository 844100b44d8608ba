"""boto3 clients shared by the calls of one execution environment (building one costs tens of ms)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=16)
def client(service: str, region: str):
    # boto3 (with s3transfer, ~30 ms) is imported by the first client, not by every handler that
    # imports this module: several never build a client in most of their calls (PynamoDB needs
    # only botocore).
    import boto3

    return boto3.client(service, region_name=region)


# Caches built on clients (a Powertools persistence layer, a secrets provider, PynamoDB's
# connections) register here, to be forgotten with the clients.
_RESET_HOOKS: list = []


def on_reset(forget) -> None:
    _RESET_HOOKS.append(forget)


def reset_connections() -> None:
    """Forget cached clients and what was built on them, for a process whose AWS configuration
    (endpoint) has changed."""
    client.cache_clear()
    for forget in _RESET_HOOKS:
        forget()
