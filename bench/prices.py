"""Dated AWS list prices the cost model uses (copied from shared/notes/aws-costs.md).

Prices are strings so they become exact Decimals; `per` is how many units the quoted price buys.
Several AWS pricing pages render their figures in the browser: re-check one before quoting it.
"""

from __future__ import annotations

PRICE_TABLE: dict = {
    "as_of": "2026-11",
    "region": "us-east-1",
    "currency": "USD",
    "items": {
        "sfn_standard_transition": {
            "usd": "0.025",
            "per": 1000,
            "unit": "state transition (retries count)",
            "source": "AWS Step Functions pricing page (Standard workflows)",
        },
        "sfn_distributed_map_child_start": {
            "usd": "0.025",
            "per": 1000,
            "unit": "child execution started by a Distributed Map (billed as 1 transition)",
            "source": "AWS Step Functions developer guide, 'state transitions' (Distributed Map)",
        },
        "lambda_request": {
            "usd": "0.20",
            "per": 1_000_000,
            "unit": "request",
            "source": "AWS Lambda pricing page",
        },
        "lambda_arm64_gb_second": {
            "usd": "0.0000133334",
            "per": 1,
            "unit": "GB-second, arm64, first tier",
            "source": "AWS Lambda pricing page",
        },
        "dynamodb_write_request_unit": {
            "usd": "0.625",
            "per": 1_000_000,
            "unit": "on-demand write request unit (1 KB)",
            "source": "Amazon DynamoDB pricing page (on-demand); What's New, Nov 2024 (price halved)",
        },
        "dynamodb_read_request_unit": {
            "usd": "0.125",
            "per": 1_000_000,
            "unit": "on-demand read request unit (4 KB strongly consistent, 8 KB eventually consistent)",
            "source": "Amazon DynamoDB pricing page (on-demand); What's New, Nov 2024 (price halved)",
        },
        "s3_standard_put": {
            "usd": "0.005",
            "per": 1000,
            "unit": "PUT request, S3 Standard",
            "source": "Amazon S3 pricing page",
        },
        "kms_request": {
            "usd": "0.03",
            "per": 10_000,
            "unit": "request to a symmetric KMS key (GenerateDataKey, Decrypt), beyond 20,000 free a month",
            "source": "AWS Key Management Service pricing page (also $1 a month per customer managed key)",
        },
    },
}
