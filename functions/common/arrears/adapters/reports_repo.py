"""Documents in S3 (reports, letters, print batches) under predictable keys, encrypted by the bucket.

A document that names a person (a letter, a print manifest) is encrypted under the personal-data
key instead (`kms_key`): only the roles that may open personal data can read it back, whatever
their permission on the bucket. S3 Bucket Keys keep that to a KMS request per key and bucket now
and then, not one per object.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from arrears.adapters import aws_clients
from arrears.domain.errors import PayloadTooLarge, StoreUnavailable


def _s3(region: str):
    return aws_clients.client("s3", region)  # forgotten by reset_connections when the endpoint changes


def put_json(bucket: str, key: str, document: dict, region: str) -> str:
    try:
        _s3(region).put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(document, indent=2, sort_keys=True).encode(),
            ContentType="application/json",
        )
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 put {key}: {exc}") from exc
    return key


def _encryption(kms_key: str | None) -> dict[str, object]:
    """SSE-KMS under `kms_key`; none: the bucket's default encryption. The upload manager takes no
    BucketKeyEnabled: there the bucket's own setting (template.yaml: on) applies."""
    if kms_key is None:
        return {}
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}


def put_text(
    bucket: str,
    key: str,
    text: str,
    content_type: str,
    metadata: dict[str, str],
    region: str,
    kms_key: str | None = None,
) -> str:
    try:
        _s3(region).put_object(
            Bucket=bucket,
            Key=key,
            Body=text.encode(),
            ContentType=content_type,
            Metadata=metadata,
            **_encryption(kms_key),
            **({"BucketKeyEnabled": True} if kms_key else {}),
        )
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 put {key}: {exc}") from exc
    return key


class _LinesReader(io.RawIOBase):
    """A file that reads lines as they are made, so an upload holds a part of them, never all."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            line = next(self._lines, None)
            if line is None:
                return 0
            self._pending = line.encode()
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def put_lines(
    bucket: str,
    key: str,
    lines: Iterable[str],
    content_type: str,
    region: str,
    kms_key: str | None = None,
) -> str:
    """Upload lines as they are made (boto3 sends a large file in 8 MB parts): a day's print
    manifest can be larger than the function that writes it. Without threads: the lines are made
    by the caller's code (its reads, its counters), in the caller's thread, one part at a time."""
    from boto3.s3.transfer import TransferConfig  # boto3 loads on first use (decision 47)

    try:
        _s3(region).upload_fileobj(
            io.BufferedReader(_LinesReader(lines)),
            bucket,
            key,
            ExtraArgs={"ContentType": content_type, **_encryption(kms_key)},
            Config=TransferConfig(use_threads=False),
        )
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 put {key}: {exc}") from exc
    return key


def get_text(bucket: str, key: str, region: str) -> str:
    try:
        return _s3(region).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 get {key}: {exc}") from exc


def get_bounded(bucket: str, key: str, max_bytes: int, region: str) -> bytes:
    """An object's bytes, or PayloadTooLarge before more than `max_bytes` are read."""
    try:
        found = _s3(region).get_object(Bucket=bucket, Key=key)
        if int(found.get("ContentLength", 0)) > max_bytes:
            found["Body"].close()
            raise PayloadTooLarge(f"{key} is larger than {max_bytes} bytes")
        return found["Body"].read(max_bytes + 1)
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 get {key}: {exc}") from exc
