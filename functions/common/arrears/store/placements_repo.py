"""Placements with external collection agencies: a record per account and day, and the agency's
file for the day in S3 (`placements/<agency>/<date>.csv`), rewritten from the day's records so a
repeated placement lists the account once."""

from __future__ import annotations

import csv
import io
from datetime import date

from arrears.adapters import reports_repo
from arrears.domain.account import Account
from arrears.store.models import ActivityModel
from arrears.store.store_errors import store_errors

COLUMNS = ("account_id", "action", "balance", "currency", "dpd", "bucket", "placed_on")


def _pk(agency: str, on: date) -> str:
    return f"placements#{agency}#{on.isoformat()}"


def record(agency: str, on: date, account: Account, action: str, actor: str) -> None:
    item = ActivityModel(
        _pk(agency, on),
        account.account_id,
        kind="placement",
        occurred_on=on.isoformat(),
        actor=actor,
        status=action,
        amount=account.balance,
        currency=account.currency,
        detail={"dpd": account.dpd, "bucket": account.bucket.value if account.bucket else None},
    )
    with store_errors():
        item.save()


def write_file(agency: str, on: date, bucket: str, region: str) -> str:
    """The agency's file for the day, every account placed or recalled that day, one row each."""
    with store_errors():
        items = list(ActivityModel.query(_pk(agency, on)))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow(
            (
                item.sk,
                item.status,
                item.amount,
                item.currency,
                item.detail["dpd"],
                item.detail["bucket"],
                on.isoformat(),
            )
        )
    key = f"placements/{agency}/{on.isoformat()}.csv"
    return reports_repo.put_text(bucket, key, buffer.getvalue(), "text/csv", {"agency": agency}, region)
