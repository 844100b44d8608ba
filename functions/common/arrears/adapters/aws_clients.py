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
_CONNECTION_HOOKS: list = []


def on_reset(forget, connection: bool = False) -> None:
    """`forget` runs at every reset; with `connection`, it drops only a connection (no state), which
    a reset that keeps the clients keeps too."""
    (_CONNECTION_HOOKS if connection else _RESET_HOOKS).append(forget)


def reset_connections(keep_clients: bool = False) -> None:
    """Forget cached clients and what was built on them, for a process whose AWS configuration
    (endpoint) has changed. `keep_clients`: the endpoint is the same and only what was cached on
    the clients goes (a fresh execution environment against the same cloud, as a test's)."""
    if not keep_clients:
        client.cache_clear()
        for forget in _CONNECTION_HOOKS:
            forget()
    for forget in _RESET_HOOKS:
        forget()
