"""The daily feed from the CLI: drop a file where the system of record drops it, and read what
the workflow made of it. The CLI never applies a row itself: the file's S3 event starts the
daily_feed workflow, as it does in AWS."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from arrears.domain import feed
from arrears.store import feed_repo

from arrears_cli.stackref import StackRef


class FeedNotApplied(RuntimeError):
    pass


@dataclass(frozen=True)
class Sent:
    key: str
    status: str  # SUCCEEDED, FAILED (quarantined or stopped), or RUNNING when we stopped waiting
    report: dict | None
    execution_arn: str | None


def feed_key(portfolio: str, on: date, path: Path) -> str:
    return f"feeds/{portfolio}/{on.isoformat()}/{path.name}"


def send(stack: StackRef, path: Path, portfolio: str, on: date, timeout_s: float = 300) -> Sent:
    if not stack.feeds_bucket:
        raise FeedNotApplied("this stack has no feeds bucket (deploy the current template.yaml)")
    body = path.read_bytes()
    if len(body) > feed.MAX_BYTES:
        raise FeedNotApplied(f"{path.name} is larger than {feed.MAX_BYTES} bytes; split the day")
    key = feed_key(portfolio, on, path)
    started = datetime.now(UTC)
    stack.client("s3").put_object(Bucket=stack.feeds_bucket, Key=key, Body=body)
    arn = _execution_for(stack, key, started, timeout_s)
    status = _finished(stack, arn, timeout_s) if arn else "RUNNING"
    return Sent(key, status, read_report(stack, key), arn)


def _execution_for(stack: StackRef, key: str, since: datetime, timeout_s: float) -> str | None:
    """The execution the file's event started (EventBridge names it; we find it by its input)."""
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        listed = sfn.list_executions(stateMachineArn=stack.feed_state_machine, maxResults=50)["executions"]
        for execution in listed:
            if execution["startDate"] < since.replace(microsecond=0):
                continue
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            said = json.loads(described.get("input") or "{}")
            if said.get("detail", {}).get("object", {}).get("key") == key:
                return execution["executionArn"]
        time.sleep(0.2)
    return None


def _finished(stack: StackRef, arn: str, timeout_s: float) -> str:
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            return status
        time.sleep(0.2)
    return "RUNNING"


def read_report(stack: StackRef, key: str) -> dict | None:
    s3 = stack.client("s3")
    try:
        return json.loads(s3.get_object(Bucket=stack.feeds_bucket, Key=feed.report_key(key))["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def day_status(portfolio: str, on: date) -> list[dict]:
    """Each file of the day that ended, applied or quarantined, with its counts."""
    rows = []
    for item in feed_repo.day_files(portfolio, on):
        detail = item.detail or {}
        rows.append(
            {
                "file": detail.get("file", ""),
                "status": item.status,
                "applied": detail.get("applied", 0),
                "duplicates": detail.get("duplicates", 0),
                "problems": detail.get("problems", 0),
                "execution": item.actor,
            }
        )
    return rows


def write_file(rows: list[dict], path: Path) -> Path:
    """A feed file as a system of record writes one: JSON Lines, closed by its trailer (the record
    count and the control total per currency of the amounts as written)."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        if "amount" in row:
            totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + Decimal(str(row["amount"]))
    trailer = {
        "type": "trailer",
        "record_count": len(rows),
        "control_totals": {c: str(a) for c, a in totals.items()},
    }
    path.write_text("".join(json.dumps(row) + "\n" for row in [*rows, trailer]), encoding="utf-8")
    return path
