"""Translate PynamoDB/botocore failures into our domain errors, once, for every repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PynamoDBException

from arrears.domain.errors import StoreUnavailable

_TRANSIENT = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}


def is_conditional_failure(exc: PynamoDBException) -> bool:
    return exc.cause_response_code in ("ConditionalCheckFailedException", "TransactionCanceledException")


@contextmanager
def store_errors() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        if exc.cause_response_code in _TRANSIENT:
            raise StoreUnavailable(f"DynamoDB: {exc.cause_response_code}") from exc
        raise
