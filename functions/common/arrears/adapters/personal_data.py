"""Personal fields sealed under the personal-data KMS key, and keyed hashes to look them up.

Each field is its own AWS Encryption SDK message, and names inside it (authenticated with it) the
customer and the field it belongs to: a ciphertext copied onto another customer or another field
does not open. The SDK's caching materials manager reuses a data key for many fields, on sealing
and on opening, so a cycle's letters cost a few KMS requests per warm Lambda, not one per field.
The encryption context is the same for every field (only a shared context lets the cache hit: it
partitions by context), which is why the binding rides in the authenticated plaintext instead.

Lookups (an inbound call, a bounce) hash the normalised value with HMAC-SHA256 under a secret
only the lookup's functions can read; the hash alone tells nothing without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from functools import lru_cache

from arrears.adapters.aws_clients import client, on_reset
from arrears.domain.errors import StoreUnavailable

# A data key is reused for this long or this many fields, whichever comes first; then KMS is
# asked for a new one. A reader keeps the keys it opened as long.
CACHE_SECONDS = 300.0
CACHE_MESSAGES = 1_000_000
CACHE_ENTRIES = 256
SECRET_MAX_AGE = 300.0
CONTEXT = {"purpose": "arrears-personal-data"}


@dataclass(frozen=True)
class Keys:
    """Where customers are kept and what seals and hashes their personal fields."""

    table: str  # the Customers table
    key_arn: str  # the personal-data KMS key
    lookup_secret: str  # the secret holding the lookup hash's key
    region: str


class PersonalDataUnavailable(StoreUnavailable):
    """KMS or the lookup secret did not answer, or a ciphertext is not what it claims: names no value."""


@lru_cache(maxsize=4)
def _botocore_session(region: str):
    """Kept across resets: a new session loads botocore's endpoint and service data again (~0.1 s);
    the clients the SDK builds from it read the endpoint anew, and they are what a reset drops."""
    import botocore.session

    session = botocore.session.Session()
    session.set_config_variable("region", region)
    return session


@lru_cache(maxsize=4)
def _sdk(key_arn: str, region: str):
    # Imported on first use: the SDK and its cryptography cost a cold start ~70 ms, and most calls
    # of most functions never touch personal data.
    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy

    session = _botocore_session(region)
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn], botocore_session=session)
    manager = aws_encryption_sdk.CachingCryptoMaterialsManager(
        master_key_provider=provider,
        cache=aws_encryption_sdk.LocalCryptoMaterialsCache(CACHE_ENTRIES),
        max_age=CACHE_SECONDS,
        max_messages_encrypted=CACHE_MESSAGES,
    )
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    # Key-committing, unsigned: every role that may open may also seal (PersonalDataOpenPolicy), so
    # a signature would tell apart no one, and verifying one costs ~2 ms a field.
    return client, manager, Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY


def seal(keys: Keys, value: object, **bound: str) -> str:
    """`value` (text, or a JSON-able structure such as an address) as ciphertext bound to `bound`."""
    client, manager, algorithm = _sdk(keys.key_arn, keys.region)
    plain = json.dumps({"bound": bound, "value": value}, separators=(",", ":"), sort_keys=True)
    try:
        sealed, _ = client.encrypt(
            source=plain.encode(), materials_manager=manager, encryption_context=CONTEXT, algorithm=algorithm
        )
    except Exception as exc:  # the SDK wraps KMS faults in its own types; none carries the value
        raise PersonalDataUnavailable(f"personal data could not be sealed ({type(exc).__name__})") from None
    return base64.b64encode(sealed).decode()


def unseal(keys: Keys, ciphertext: str, **bound: str) -> object:
    """The value sealed for exactly `bound`; any other place, or a changed byte, refuses."""
    client, manager, _ = _sdk(keys.key_arn, keys.region)
    try:
        plain, header = client.decrypt(source=base64.b64decode(ciphertext), materials_manager=manager)
        opened = json.loads(plain)
    except Exception as exc:
        raise PersonalDataUnavailable(f"personal data could not be opened ({type(exc).__name__})") from None
    context = {k: v for k, v in header.encryption_context.items() if not k.startswith("aws-crypto-")}
    if context != CONTEXT or opened.get("bound") != bound:
        raise PersonalDataUnavailable("a sealed field was found where it does not belong")
    return opened["value"]


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
    _sdk.cache_clear()
    _secret_cache.clear()


on_reset(_forget)
