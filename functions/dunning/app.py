"""Lambda handlers of the daily cycle: parse the event, call the logic, shape the answer."""

from __future__ import annotations

from dataclasses import asdict

from arrears.adapters import reports_repo
from arrears.adapters.observability import instrumented, logger, metrics
from arrears.domain.errors import InvalidInput
from arrears.runtime.settings import Settings, get_personal_data_settings, get_settings
from arrears.store import cycle_repo, feed_repo
from arrears.store.models import bind_models
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from dunning import cycle, cycle_shards, delivery, feed_wait
from dunning.events import (
    CloseDayEvent,
    CycleDay,
    FeedWaitEvent,
    ReleaseLockEvent,
    ShardPageEvent,
    TakeLockEvent,
)
from dunning.print_settings import get_print_settings
from dunning.tally import Tally

# Every step of the cycle logs under the execution that runs it.
cycle_step = instrumented(correlation_id_path="execution")


def _setup() -> Settings:
    settings = get_settings()
    bind_models(settings.accounts_table, settings.activity_table, settings.region)
    return settings


def _parse(model, event: dict):
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidInput(str(exc)) from exc


@cycle_step
def take_lock(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = _parse(TakeLockEvent, event)
    portfolio, as_of = request.request.portfolio, request.request.business_date()
    acquired = cycle.take_lock(
        portfolio, as_of, request.execution, request.started_at, settings.lock_lease_seconds
    )
    logger.info(
        "cycle lock", extra={"portfolio": portfolio, "as_of": as_of.isoformat(), "acquired": acquired}
    )
    metrics.add_metric(name="CycleStarted" if acquired else "CycleAlreadyRan", unit="Count", value=1)
    return {"acquired": acquired, "as_of": as_of.isoformat(), "run_at": request.run_at().isoformat()}


@cycle_step
def feed_arrived(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = _parse(FeedWaitEvent, event)
    applied = feed_repo.applied_on(request.portfolio, request.as_of)
    waited, cutoff = request.waited_seconds, settings.feed_cutoff
    found = feed_wait.decide(applied, request.as_of, request.run_at, waited, cutoff, settings.time_zone)
    if not found.applied and not found.wait_seconds:
        logger.warning("cycle runs without the day's feed", extra={"portfolio": request.portfolio})
        metrics.add_metric(name="CycleWithoutFeed", unit="Count", value=1)
    return asdict(found)


@cycle_step
def list_shards(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = _parse(CycleDay, event)
    cycle.strategies_in_force()  # a broken strategy file fails the cycle here, before any shard starts
    listed = cycle_shards.to_page(request.portfolio, request.as_of, request.execution, settings.shard_count)
    items = [
        {
            "portfolio": request.portfolio,
            "as_of": request.as_of.isoformat(),
            "execution": request.execution,
            "run_at": request.run_at.isoformat(),
            "shard": s,
        }
        for s in listed
    ]
    metrics.add_metric(name="ShardsListed", unit="Count", value=len(items))
    return {"items": items, "count": len(items)}


@cycle_step
def process_page(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = _parse(ShardPageEvent, event)
    keys = get_personal_data_settings().keys()
    run = cycle.Run.for_call(request.as_of, request.execution, request.run_at, settings, keys)
    so_far = Tally.from_json(request.tally)
    done = cycle.process_pages(run, request.shard, request.cursor, request.pages, so_far)

    metrics.add_metric(name="AccountsEvaluated", unit="Count", value=done.evaluated)
    metrics.add_metric(name="AccountsChanged", unit="Count", value=done.tally.accounts - so_far.accounts)
    if done.set_aside:  # each has an operator's task saying why (cycle.advance_or_set_aside)
        metrics.add_metric(name="AccountsSetAside", unit="Count", value=done.set_aside)
    return {
        **request.model_dump(mode="json", exclude={"cursor", "evaluated", "pages", "tally"}),
        "cursor": done.cursor,
        "has_more": done.cursor is not None,
        "evaluated": request.evaluated + done.evaluated,
        "pages": request.pages + done.pages,
        "tally": done.tally.to_json(),
        "moved": done.tally.accounts,
    }


@cycle_step
def close_day(event: dict, context: LambdaContext) -> dict:
    settings = _setup()
    request = _parse(CloseDayEvent, event)
    shard_list, recorded = cycle_shards.to_close(request.portfolio, settings.shard_count)
    cycle.check_shards(shard_list, request.shard_results)
    contacts = cycle.DayContacts()  # counted as the batch reads the day's records, once
    records = (contacts.seen(r) for r in cycle_repo.day_records(request.as_of, recorded))
    keys, postage = get_personal_data_settings().keys(), get_print_settings().postage_class
    batch = delivery.print_batch(request.portfolio, request.as_of, records, settings, keys, postage)
    summary, census = cycle.summarise(request.portfolio, request.as_of, contacts, request.shard_results)
    summary["print_batch"] = batch
    files = feed_repo.day_files(request.portfolio, request.as_of)
    summary["feed"] = {
        "applied": any(f.status == feed_repo.APPLIED for f in files),
        "files": [{"file": f.detail.get("file"), "status": f.status} for f in files],
    }
    key = f"cycles/{request.portfolio}/{request.as_of.isoformat()}/summary.json"
    summary["report_key"] = reports_repo.put_json(settings.reports_bucket, key, summary, settings.region)
    cycle_repo.put_census(request.portfolio, request.as_of, census, request.execution)
    cycle_repo.complete(request.portfolio, request.as_of, request.execution, summary)
    metrics.add_metric(name="AccountsChangedToday", unit="Count", value=summary["changed_accounts"])
    return summary


@cycle_step
def release_lock(event: dict, context: LambdaContext) -> dict:
    _setup()
    request = _parse(ReleaseLockEvent, event)
    cycle_repo.release_after_failure(request.portfolio, request.as_of, request.execution, request.error)
    metrics.add_metric(name="CycleFailed", unit="Count", value=1)
    logger.error("cycle failed", extra={"portfolio": request.portfolio, "as_of": str(request.as_of)})
    return {"released": True}
