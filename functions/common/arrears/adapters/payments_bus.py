"""Announcing applied payments on EventBridge, for hand-offs that listen (CFDI complements, GL feeds)."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from arrears.adapters.aws_clients import client
from arrears.domain.errors import PublishFailed

SOURCE = "arrears.domain.payments"
PAYMENT_APPLIED = "PaymentApplied"


def publish_payment_applied(bus: str, detail: dict, region: str) -> None:
    try:
        answer = client("events", region).put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": PAYMENT_APPLIED,
                    "Detail": json.dumps(detail, default=str),
                    "EventBusName": bus,
                }
            ]
        )
    except (ClientError, BotoCoreError) as exc:
        raise PublishFailed(f"EventBridge: {exc}") from exc
    if answer.get("FailedEntryCount"):
        entry = answer["Entries"][0]
        refused = f"{entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
        raise PublishFailed(f"EventBridge refused the event: {refused}")
