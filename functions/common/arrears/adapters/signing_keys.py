"""Keys the stack signs its own links with, read from Secrets Manager and kept a few minutes.

The opt-out key (template.yaml OptOutSigningSecret, `{"key": ...}` made by CloudFormation): the
cycle signs the opt-out link of each email with it, the opt-out endpoint verifies it.
"""

from __future__ import annotations

import json
import time

from botocore.exceptions import BotoCoreError, ClientError

from arrears.adapters.aws_clients import client, on_reset
from arrears.domain.errors import StoreUnavailable

# A rotated key is read within this; a link signed with the old key stops verifying then (a new
# email carries a new link, and the postal address and phone still reach us).
MAX_AGE_SECONDS = 300

_cache: dict[tuple[str, str], tuple[float, bytes]] = {}


def opt_out_key(secret_id: str, region: str) -> bytes:
    cached = _cache.get((secret_id, region))
    if cached and time.monotonic() - cached[0] < MAX_AGE_SECONDS:
        return cached[1]
    try:
        raw = client("secretsmanager", region).get_secret_value(SecretId=secret_id)["SecretString"]
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"the opt-out key could not be read ({type(exc).__name__})") from None
    key = str(json.loads(raw)["key"]).encode()
    _cache[(secret_id, region)] = (time.monotonic(), key)
    return key


on_reset(_cache.clear)
