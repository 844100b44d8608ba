"""Reports and exports in S3: JSON documents under a predictable key, encrypted at rest by the bucket."""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from arrears.errors import StoreUnavailable


def _s3(region: str):
    # A client per call: a cycle writes one report, and a cached client would outlive a changed endpoint.
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


def get_json(bucket: str, key: str, region: str) -> dict:
    body = _s3(region).get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)
