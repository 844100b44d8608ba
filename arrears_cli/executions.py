"""Step Functions executions as an operator sees them: start, wait, list, explain a failure."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from datetime import date, datetime

from arrears.domain.errors import lambda_error_message

from arrears_cli.stackref import StackRef

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def start_cycle(stack: StackRef, portfolio: str, as_of: date, run_at: datetime | None = None) -> str:
    """Each start gets a fresh name; the day's lock, not the name, makes a second run change nothing."""
    name = f"{portfolio}-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    request = {"portfolio": portfolio, "as_of": as_of.isoformat()}
    if run_at is not None:
        request["run_at"] = run_at.isoformat()
    payload = json.dumps(request)
    return stack.client("stepfunctions").start_execution(
        stateMachineArn=stack.cycle_state_machine, name=name, input=payload
    )["executionArn"]


# A run that ends within its first minute (every local one, a small portfolio's in AWS) is seen
# ending within a quarter second; a long one is then asked every two seconds, a small share of
# the account's DescribeExecution rate that other callers share.
PROMPT_S, PROMPT_POLL_S, LONG_POLL_S = 60.0, 0.25, 2.0


def wait(stack: StackRef, execution_arn: str, timeout_s: float = 900, poll_s: float = 0.02) -> dict:
    sfn = stack.client("stepfunctions")
    started = time.monotonic()
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL:
            return described
        waited = time.monotonic() - started
        if waited > timeout_s:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout_s}s")
        time.sleep(poll_s)
        poll_s = min(poll_s * 1.5, PROMPT_POLL_S if waited < PROMPT_S else LONG_POLL_S)


def run_cycle(
    stack: StackRef, portfolio: str, as_of: date, run_at: datetime | None = None, timeout_s: float = 900
) -> dict:
    return wait(stack, start_cycle(stack, portfolio, as_of, run_at), timeout_s=timeout_s)


def list_executions(
    stack: StackRef, status: str | None = None, limit: int = 100, workflow: str = "cycle"
) -> list[dict]:
    """Executions of one workflow (`cycle`, `skiptrace`, `credit-review`) or of `all`, newest first."""
    sfn = stack.client("stepfunctions")
    machines = stack.workflows()
    if workflow != "all" and workflow not in machines:
        raise ValueError(f"no workflow {workflow!r}; one of all, {', '.join(machines)}")
    rows: list[tuple[str, dict]] = []
    for name, arn in machines.items():
        if workflow not in ("all", name):
            continue
        kwargs = {"stateMachineArn": arn, "maxResults": min(limit, 1000)}
        if status:
            kwargs["statusFilter"] = status
        found = 0
        for page in sfn.get_paginator("list_executions").paginate(**kwargs):
            rows.extend((name, e) for e in page["executions"])
            found += len(page["executions"])
            if found >= limit:
                break
    rows.sort(key=lambda row: row[1]["startDate"], reverse=True)
    return [
        {
            "workflow": name,
            "name": e["name"],
            "as_of": _business_date(sfn, e["executionArn"]) if name == "cycle" else None,
            "status": e["status"],
            "started": e["startDate"].isoformat(),
            "stopped": e["stopDate"].isoformat() if e.get("stopDate") else None,
            "execution_arn": e["executionArn"],
        }
        for name, e in rows[:limit]
    ]


def _business_date(sfn, execution_arn: str) -> str | None:
    """The day a cycle ran for (its input's `as_of`), which is not the day it was started."""
    described = sfn.describe_execution(executionArn=execution_arn)
    try:
        return json.loads(described.get("input") or "{}").get("as_of")
    except (ValueError, AttributeError):
        return None


def child_counts(stack: StackRef, execution_arn: str) -> Counter:
    """Distributed Map children (one per shard) of one cycle execution, by status."""
    sfn = stack.client("stepfunctions")
    counts: Counter = Counter()
    for run in sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", []):
        described = sfn.describe_map_run(mapRunArn=run["mapRunArn"])["executionCounts"]
        counts.update({k.upper(): v for k, v in described.items() if k in STATUS_COUNTS and v})
    return counts


STATUS_COUNTS = ("succeeded", "failed", "timedOut", "aborted", "running", "pending")


TASK_FAILURES = ("lambdaFunctionFailedEventDetails", "taskFailedEventDetails", "mapRunFailedEventDetails")


def _failure_of(sfn, execution_arn: str) -> dict | None:
    """The state that failed first and its error: the root cause, not the Fail state it ended in."""
    state = None
    final = None
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            if entered := event.get("stateEnteredEventDetails"):
                state = entered["name"]
            for key in TASK_FAILURES:
                if key in event:
                    return {
                        "state": state,
                        "error": event[key].get("error"),
                        "cause": event[key].get("cause"),
                    }
            if "executionFailedEventDetails" in event:
                details = event["executionFailedEventDetails"]
                final = {"state": state, "error": details.get("error"), "cause": details.get("cause")}
    return final


def show(stack: StackRef, execution_arn: str) -> dict:
    sfn = stack.client("stepfunctions")
    described = sfn.describe_execution(executionArn=execution_arn)
    result = {
        "name": described["name"],
        "status": described["status"],
        "started": described["startDate"].isoformat(),
        "stopped": described["stopDate"].isoformat() if described.get("stopDate") else None,
        "input": json.loads(described.get("input") or "{}"),
        "output": json.loads(described["output"]) if described.get("output") else None,
        "error": described.get("error"),
        "cause": described.get("cause"),
        "execution_arn": execution_arn,
    }
    result["cause_message"] = lambda_error_message(described.get("cause")) or None
    # where to look next: the account a bureau workflow ran for, and the console when deployed
    result["account_id"] = result["input"].get("account_id") if isinstance(result["input"], dict) else None
    if stack.endpoint_url is None:
        result["console_url"] = (
            f"https://{stack.region}.console.aws.amazon.com/states/home?region={stack.region}"
            f"#/v2/executions/details/{execution_arn}"
        )
    result["children"] = dict(child_counts(stack, execution_arn))
    if described["status"] != "SUCCEEDED":
        result["failed_state"] = _failure_of(sfn, execution_arn)
        result["shard_errors"] = shard_errors(sfn, execution_arn)
    result["root_cause"] = root_cause(result)
    return result


def shard_errors(sfn, execution_arn: str) -> list[dict]:
    """The shards a cycle's Map left failed, grouped by error, most first: read from what the
    closing step was given (each shard's result), not from the message it wrote, which names five."""
    failed = [r for r in _last_shard_results(sfn, execution_arn) if isinstance(r, dict) and r.get("failed")]
    groups: dict[str, list[dict]] = {}
    for result in failed:
        error = result.get("error") or {}
        groups.setdefault(error.get("Error") or "unknown error", []).append(result)
    return [
        {
            "count": len(results),
            "error": error,
            "example": f"{results[0].get('shard')}: "
            + (lambda_error_message((results[0].get("error") or {}).get("Cause")) or "no cause given"),
        }
        for error, results in sorted(groups.items(), key=lambda group: -len(group[1]))
    ]


def _last_shard_results(sfn, execution_arn: str) -> list:
    found: list = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            parameters = (event.get("taskScheduledEventDetails") or {}).get("parameters")
            if parameters and "shard_results" in parameters:
                found = _find(json.loads(parameters), "shard_results") or found
    return found


def _find(value, key: str):
    """The first value under `key` anywhere in a JSON document."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            if (inner := _find(item, key)) is not None:
                return inner
    return None


def root_cause(shown: dict) -> str:
    """One line: how the execution ended and, for a failure, the state, error and cause behind it."""
    head = f"{shown['name']}: {shown['status']}"
    failed = shown.get("failed_state")
    if not failed:
        return head if shown["status"] == "SUCCEEDED" else f"{head}: {shown.get('error') or 'no error given'}"
    cause = lambda_error_message(failed.get("cause")) or failed.get("cause") or shown.get("cause_message")
    shards = shown.get("shard_errors") or []
    if shards and cause:  # the shards below say why, each once: keep the count of them
        cause = cause.split("; ", 1)[0]
    line = f"{head} in {failed.get('state')!r}: {failed.get('error')}" + (f": {cause}" if cause else "")
    if shards:
        line += "; shards: " + "; ".join(f"{s['count']} × {s['error']} (e.g. {s['example']})" for s in shards)
    return line


def history(stack: StackRef, execution_arn: str) -> list[dict]:
    sfn = stack.client("stepfunctions")
    rows = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            rows.append(
                {
                    "id": event["id"],
                    "time": event["timestamp"].isoformat(),
                    "type": event["type"],
                    "state": details.get("name", ""),
                    "error": details.get("error", ""),
                    "cause": (details.get("cause") or "")[:500],
                }
            )
    return rows


def resolve(stack: StackRef, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    # the name says the workflow: skiptrace-..., credit-review-..., otherwise a cycle
    machine = stack.cycle_state_machine
    for workflow, arn in stack.workflows().items():
        if workflow != "cycle" and name_or_arn.startswith(f"{workflow}-"):
            machine = arn
    return f"{machine.replace(':stateMachine:', ':execution:')}:{name_or_arn}"


def counts_by_status(stack: StackRef) -> tuple[dict, dict]:
    parents = list_executions(stack, limit=100_000)
    children: Counter = Counter()
    for parent in parents:
        children.update(child_counts(stack, parent["execution_arn"]))
    return dict(Counter(p["status"] for p in parents)), dict(children)
