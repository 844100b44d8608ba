"""Lambda handlers of the daily_feed workflow: parse the step's event, call the logic, shape the answer."""

from __future__ import annotations

from collections import Counter
from functools import partial

from arrears.adapters import reports_repo
from arrears.adapters.observability import instrumented, logger, metrics
from arrears.adapters.payments_bus import publish_payment_applied
from arrears.domain import feed
from arrears.domain.errors import FeedIncomplete, InvalidInput
from arrears.domain.rows import RowProblem
from arrears.runtime.settings import FeedSettings, get_feed_settings, get_personal_data_settings
from arrears.runtime.workflow_steps import parse
from arrears.services import daily_feed
from arrears.store import feed_repo
from arrears.store.models import bind_models
from aws_lambda_powertools.utilities.typing import LambdaContext

from daily_feed import files
from daily_feed.events import CheckEvent, ChunkEvent, ReportEvent

feed_step = instrumented(correlation_id_path="execution")
MAX_LISTED = 50  # rows named one by one in a step's answer (duplicates are only counted)


def _setup() -> FeedSettings:
    settings = get_feed_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


@feed_step
def check(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(CheckEvent, event)
    if request.bucket != settings.feeds_bucket:
        raise InvalidInput("a feed is read from the stack's feeds bucket only")
    rows = files.read_file(request.bucket, request.key, settings.region)
    checked = (
        daily_feed.Checked(daily_feed.place_of(request.key), problems=[rows])
        if isinstance(rows, RowProblem)
        else daily_feed.check(request.key, rows, settings.shard_count)
    )
    answer = {
        "bucket": request.bucket,
        "key": request.key,
        "rows": len(checked.rows),
        "repeated": checked.repeated,
    }
    where = checked.place
    answer |= {
        "portfolio": where.portfolio if where else None,
        "feed_date": where.feed_date.isoformat() if where else None,
    }
    if not checked.whole:
        _quarantine(settings, request, checked)
        return answer | {"status": feed_repo.QUARANTINED, "chunks": []}
    pieces = feed.chunks(checked.rows, settings.chunk_rows)
    chunks = files.write_chunks(request.bucket, request.key, request.execution, pieces, settings.region)
    metrics.add_metric(name="FeedRowsChecked", unit="Count", value=len(checked.rows))
    return answer | {"status": "checked", "chunks": chunks}


def _quarantine(settings: FeedSettings, request: CheckEvent, checked: daily_feed.Checked) -> None:
    report = {
        "file": request.key,
        "status": feed_repo.QUARANTINED,
        "problems": [p.to_dict() for p in checked.problems],
        "applied": 0,
        "execution": request.execution,
    }
    reports_repo.put_json(request.bucket, feed.report_key(request.key), report, settings.region)
    if checked.place is not None:
        where = checked.place
        summary = {"problems": len(checked.problems), "report": feed.report_key(request.key)}
        feed_repo.file_done(
            where.portfolio, where.feed_date, request.key, feed_repo.QUARANTINED, summary, request.execution
        )
    logger.warning("feed quarantined", extra={"key": request.key, "problems": len(checked.problems)})
    metrics.add_metric(name="FeedQuarantined", unit="Count", value=1)


@feed_step
def apply_chunk(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(ChunkEvent, event)
    where = daily_feed.place_of(request.key)
    if request.bucket != settings.feeds_bucket or where is None:
        raise InvalidInput("a chunk of a file under the stack's feeds/ only")
    rows = files.read_chunk(request.bucket, request.chunk, settings.region)
    publish = partial(publish_payment_applied, settings.payments_bus, region=settings.region)
    keys = get_personal_data_settings().keys()  # an account row's customer is sealed on the way in
    done = daily_feed.apply(
        rows, where, request.key, settings.shard_count, publish, request.received_at, keys
    )
    metrics.add_metric(name="FeedRowsApplied", unit="Count", value=sum(d.outcome == "applied" for d in done))
    noted = [
        d.to_dict()
        for d in done
        if d.outcome not in (daily_feed.Outcome.APPLIED, daily_feed.Outcome.DUPLICATE)
    ]
    return daily_feed.summary(done) | {"noted": noted[:MAX_LISTED], "noted_count": len(noted)}


@feed_step
def report(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = parse(ReportEvent, event)
    key, file = str(request.file["key"]), request.file
    where = daily_feed.place_of(key)
    if where is None:
        raise InvalidInput("a report of a file under feeds/ only")
    totals: dict[str, Counter] = {"by_outcome": Counter(), "by_type": Counter(), "by_channel": Counter()}
    noted: list[dict] = []
    failed = [part for part in request.applied if part.get("failed")]
    for part in request.applied:
        for name, counter in totals.items():
            counter.update(part.get(name, {}))
        noted.extend(part.get("noted", []))
    status = feed_repo.INCOMPLETE if failed else feed_repo.APPLIED
    summary = {
        "file": key,
        "status": status,
        "rows": file.get("rows", 0),
        "repeated_in_file": file.get("repeated", 0),
        "applied": totals["by_outcome"].get(daily_feed.Outcome.APPLIED, 0),
        "duplicates": totals["by_outcome"].get(daily_feed.Outcome.DUPLICATE, 0),
        "by_outcome": dict(sorted(totals["by_outcome"].items())),
        "by_type": dict(sorted(totals["by_type"].items())),
        # minor units of the payments applied, by "channel:currency"
        "by_channel": dict(sorted(totals["by_channel"].items())),
        "amounts": "minor units",
        "noted": noted[:MAX_LISTED],
        # a chunk that stopped: its rows before the stop are applied (once each); send the file again
        "failed_chunks": [
            {"chunk": p.get("chunk"), "error": (p.get("error") or {}).get("Error")} for p in failed
        ],
        "execution": request.execution,
    }
    reports_repo.put_json(settings.feeds_bucket, feed.report_key(key), summary, settings.region)
    feed_repo.file_done(where.portfolio, where.feed_date, key, status, summary, request.execution)
    logger.info("feed ended", extra={"key": key, "status": status, "applied": summary["applied"]})
    if failed:
        raise FeedIncomplete(f"{len(failed)} chunk(s) of {key} stopped; its report names them")
    return summary
