"""Personal fields sealed under the personal-data KMS key, and keyed hashes to look them up.

Each field is its own AWS Encryption SDK message (Powertools data masking), bound by its encryption
context to the customer and the field it belongs to: a ciphertext copied onto another customer or
another field does not open. Data keys are cached (one KMS GenerateDataKey per many fields, one
Decrypt per data key read back), so a cycle's letters cost a few KMS requests, not one each.

Lookups (an inbound call, a bounce) hash the normalised value with HMAC-SHA256 under a secret
only the lookup's functions can read; the hash alone tells nothing without it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from functools import lru_cache

from arrears.adapters.aws_clients import client, on_reset
from arrears.domain.errors import StoreUnavailable

# A data key is reused for this long or this many fields, whichever comes first (the SDK's
# caching materials manager); then a new one is asked of KMS.
CACHE_SECONDS = 300.0
CACHE_MESSAGES = 10_000
CACHE_ENTRIES = 256
SECRET_MAX_AGE = 300.0


@dataclass(frozen=True)
class Keys:
    """Where customers are kept and what seals and hashes their personal fields."""

    table: str  # the Customers table
    key_arn: str  # the personal-data KMS key
    lookup_secret: str  # the secret holding the lookup hash's key
    region: str


class PersonalDataUnavailable(StoreUnavailable):
    """KMS or the lookup secret did not answer: a retry may succeed. Names no value."""


@lru_cache(maxsize=4)
def _masker(key_arn: str):
    # Imported on first use: the SDK and its cryptography cost a cold start ~70 ms, and most calls
    # of most functions never touch personal data.
    from aws_lambda_powertools.utilities.data_masking import DataMasking
    from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import (
        AWSEncryptionSDKProvider,
    )

    provider = AWSEncryptionSDKProvider(
        keys=[key_arn],
        local_cache_capacity=CACHE_ENTRIES,
        max_cache_age_seconds=CACHE_SECONDS,
        max_messages_encrypted=CACHE_MESSAGES,
    )
    return DataMasking(provider=provider, raise_on_missing_field=True)


def seal(key_arn: str, value: object, **context: str) -> str:
    """`value` (text, or a JSON-able structure such as an address) as ciphertext for `context`."""
    try:
        return str(_masker(key_arn).encrypt(value, **context))
    except Exception as exc:  # the SDK wraps KMS faults in its own types; none carries the value
        raise PersonalDataUnavailable(f"personal data could not be sealed ({type(exc).__name__})") from None


def unseal(key_arn: str, ciphertext: str, **context: str) -> object:
    """The value sealed for exactly this `context`; any other context, or a changed byte, refuses."""
    try:
        return _masker(key_arn).decrypt(ciphertext, **context)
    except Exception as exc:
        raise PersonalDataUnavailable(f"personal data could not be opened ({type(exc).__name__})") from None


_secret_cache: dict[tuple[str, str], tuple[float, bytes]] = {}


def _lookup_key(secret_id: str, region: str) -> bytes:
    cached = _secret_cache.get((secret_id, region))
    if cached and time.monotonic() - cached[0] < SECRET_MAX_AGE:
        return cached[1]
    try:
        raw = client("secretsmanager", region).get_secret_value(SecretId=secret_id)["SecretString"]
        key = str(json.loads(raw)["key"]).encode()
    except Exception as exc:
        raise PersonalDataUnavailable(f"the lookup key could not be read ({type(exc).__name__})") from None
    if len(key) < 32:
        raise PersonalDataUnavailable("the lookup key is shorter than 32 characters")
    _secret_cache[(secret_id, region)] = (time.monotonic(), key)
    return key


def lookup_hash(secret_id: str, region: str, kind: str, normalised: str) -> str:
    """The keyed hash a point is found by; `normalised` as `domain.contact_values` makes it."""
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(_lookup_key(secret_id, region), message, hashlib.sha256).hexdigest()


def _forget() -> None:
    _masker.cache_clear()
    _secret_cache.clear()


on_reset(_forget)
