"""Documents in S3 (reports, letters, print batches) under predictable keys, encrypted by the bucket."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from arrears.errors import StoreUnavailable


def _s3(region: str):
    # A client per call: a cycle writes one report, and a cached client would outlive a changed endpoint.
    import boto3  # here, not at import: most calls of the handlers that import this module write no document

    return boto3.client("s3", region_name=region)


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


def put_text(
    bucket: str, key: str, text: str, content_type: str, metadata: dict[str, str], region: str
) -> str:
    try:
        _s3(region).put_object(
            Bucket=bucket, Key=key, Body=text.encode(), ContentType=content_type, Metadata=metadata
        )
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 put {key}: {exc}") from exc
    return key


def copy(bucket: str, source_key: str, target_key: str, region: str) -> None:
    try:
        _s3(region).copy_object(
            Bucket=bucket, Key=target_key, CopySource={"Bucket": bucket, "Key": source_key}
        )
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 copy {source_key}: {exc}") from exc


def get_text(bucket: str, key: str, region: str) -> str:
    try:
        return _s3(region).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(f"S3 get {key}: {exc}") from exc
