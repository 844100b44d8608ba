"""`python -m bench.run`: one daily cycle through the local cloud, the same accounts through the bare
logic, the AWS calls the cycle made, what the cycle would cost in AWS, and the payment webhook
handler against a bare Powertools handler. JSON on stdout.

All figures come from one run: a ratio of two timings taken minutes apart on a noisy machine
says little, so throughput is reported as a ratio measured here, never as an absolute claim.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Lambda code lives in functions/ and its layer in functions/common (as /var/task and /opt/python
# in Lambda); `dunning` is not installed, and the direct loop imports it before any local cloud runs.
if importlib.util.find_spec("dunning") is None or importlib.util.find_spec("arrears") is None:
    sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "functions" / "common")]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Iterator, Mapping  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

import botocore.client  # noqa: E402

from bench import cost_model as cm  # noqa: E402
from bench import webhooks  # noqa: E402
from bench.prices import PRICE_TABLE  # noqa: E402

AS_OF = date(2026, 3, 1)
PORTFOLIO = "main"
DEFAULT_TOUCH_RATE = Decimal("0.05")
MS_PER_ACCOUNT = Decimal(20)  # aws-costs.md: billed Lambda time per account on AWS, not measured here
MIN_DIRECT_SECONDS = 0.25  # the bare loop is fast: repeat it until the timing means something
PROJECTED_ACCOUNTS = cm.MILLION


def log(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- counting AWS calls


@dataclass(frozen=True)
class TableSpec:
    keys: tuple[str, ...]
    indexes: tuple[cm.IndexSpec, ...]


def table_specs(client) -> dict[str, TableSpec]:
    """Keys and GSIs of every table, read before metering so these calls are not counted."""
    specs = {}
    for name in client.list_tables()["TableNames"]:
        table = client.describe_table(TableName=name)["Table"]
        indexes = tuple(
            cm.IndexSpec(
                name=i["IndexName"],
                keys=tuple(k["AttributeName"] for k in i["KeySchema"]),
                projection=i["Projection"]["ProjectionType"],
                included=tuple(i["Projection"].get("NonKeyAttributes", ())),
            )
            for i in table.get("GlobalSecondaryIndexes", [])
        )
        specs[name] = TableSpec(tuple(k["AttributeName"] for k in table["KeySchema"]), indexes)
    return specs


@dataclass
class ApiMeter:
    """Counts every botocore call by (service, operation) and prices DynamoDB calls in request units.

    botocore sessions are made in several places (boto3's default, PynamoDB's own, moto's Step
    Functions interpreter), but every client funnels through BaseClient._make_api_call, so the
    meter wraps that one method for the duration of the `with` block.
    """

    tables: dict[str, TableSpec]
    calls: Counter = field(default_factory=Counter)
    write_units: Counter = field(default_factory=Counter)  # by table, or table/index
    read_units: Counter = field(default_factory=Counter)
    write_bytes: dict = field(default_factory=lambda: defaultdict(list))  # by table: item sizes written
    # what was last seen of each item (cm.Footprint, not the item: a 100,000-account book would
    # hold a copy of every item), for before/after sizes
    _images: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> ApiMeter:
        meter, original = self, botocore.client.BaseClient._make_api_call
        self._original = original

        def metered(client, operation_name, api_params):
            service = client.meta.service_model.service_name
            try:
                response = original(client, operation_name, api_params)
            except Exception:
                meter.record(service, operation_name, api_params, None)
                raise
            meter.record(service, operation_name, api_params, response)
            return response

        botocore.client.BaseClient._make_api_call = metered  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        botocore.client.BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    def record(self, service: str, operation: str, params: Mapping, response: Mapping | None) -> None:
        # Step Functions runs executions on threads; the in-process Lambdas run one at a time.
        with self._lock:
            self.calls[(service, operation)] += 1
            if service == "dynamodb":
                handler = getattr(self, f"_on_{operation}", None)
                if handler is not None:
                    handler(params, response or {})

    # -- reads

    def _remember(self, table: str, item: Mapping | None, params: Mapping) -> None:
        spec = self.tables.get(table)
        if item and spec and "ProjectionExpression" not in params:
            self._images[self._key(table, spec, item)] = cm.footprint(item, spec.indexes, spec.keys)

    @staticmethod
    def _key(table: str, spec: TableSpec, item: Mapping) -> tuple:
        return (table, *(json.dumps(item[k], sort_keys=True) for k in spec.keys))

    def _on_GetItem(self, params: Mapping, response: Mapping) -> None:
        item = response.get("Item")
        self.read_units[params["TableName"]] += cm.read_units(
            cm.item_size(item), params.get("ConsistentRead", False)
        )
        self._remember(params["TableName"], item, params)

    def _on_BatchGetItem(self, params: Mapping, response: Mapping) -> None:
        for table, items in response.get("Responses", {}).items():
            request = params["RequestItems"][table]
            for item in items:
                self.read_units[table] += cm.read_units(
                    cm.item_size(item), request.get("ConsistentRead", False)
                )
                self._remember(table, item, request)

    def _on_Query(self, params: Mapping, response: Mapping) -> None:
        # A GSI query is always eventually consistent; a Query is sized by all it returns together.
        index = params.get("IndexName")
        consistent = params.get("ConsistentRead", False) and index is None
        size = sum(cm.item_size(i) for i in response.get("Items", []))
        self.read_units[params["TableName"] + (f"/{index}" if index else "")] += cm.read_units(
            size, consistent
        )

    _on_Scan = _on_Query

    # -- writes

    def _write(
        self, table: str, old: cm.Footprint | None, new: Mapping | None, transactional: bool = False
    ) -> None:
        spec = self.tables.get(table)
        after = cm.footprint(new, spec.indexes if spec else (), spec.keys if spec else ())
        old_size, new_size = old.size if old else 0, after.size if after else 0
        self.write_units[table] += cm.write_units(max(old_size, new_size), transactional)
        self.write_bytes[table].append(new_size if after else old_size)
        for index in spec.indexes if spec else ():
            self.write_units[f"{table}/{index.name}"] += cm.index_units(old, after, index)

    def _on_PutItem(self, params: Mapping, response: Mapping) -> None:
        table, item = params["TableName"], params["Item"]
        spec = self.tables.get(table)
        old = self._images.get(self._key(table, spec, item)) if spec else None
        self._write(table, old, item)
        self._remember(table, item, {})

    def _on_UpdateItem(self, params: Mapping, response: Mapping) -> None:
        table = params["TableName"]
        spec = self.tables.get(table)
        key = self._key(table, spec, params["Key"]) if spec else None
        old = self._images.get(key)
        new = response.get("Attributes") if params.get("ReturnValues") == "ALL_NEW" else None
        if new is None:  # without the new image only the table's minimum can be known
            self.write_units[table] += 1
            self._images.pop(key, None)
            return
        self._write(table, old, new)
        self._remember(table, new, {})

    def _on_DeleteItem(self, params: Mapping, response: Mapping) -> None:
        table = params["TableName"]
        spec = self.tables.get(table)
        old = self._images.pop(self._key(table, spec, params["Key"]), None) if spec else None
        self._write(table, old, None)

    def _on_TransactWriteItems(self, params: Mapping, response: Mapping) -> None:
        for entry in params["TransactItems"]:
            action, body = next(iter(entry.items()))
            if action == "Put":
                self._write(body["TableName"], None, body["Item"], transactional=True)
            else:  # the item's size is not in the request: count the minimum, doubled
                self.write_units[body["TableName"]] += cm.write_units(0, transactional=True)

    def forget_items(self) -> None:
        """Drop what was kept of each item; the counts stay (a finished day's meter)."""
        self._images.clear()

    def dynamodb_calls(self) -> dict[str, int]:
        return {op: n for (service, op), n in sorted(self.calls.items()) if service == "dynamodb"}

    def by_service(self) -> dict[str, dict[str, int]]:
        grouped: dict[str, dict[str, int]] = defaultdict(dict)
        for (service, op), n in sorted(self.calls.items()):
            grouped[service][op] = n
        return dict(grouped)


# ---------------------------------------------------------------- the two paths


@contextlib.contextmanager
def lambda_stdout() -> Iterator[None]:
    """Stdout is for the final JSON only. Powertools' Logger keeps the stream it is created with, and
    the direct loop may import it before any in-process invoke does: send both to the Lambda log sink."""
    from localcloud.lambda_runtime import LOG_SINK

    with contextlib.redirect_stdout(LOG_SINK):
        yield


def run_direct(accounts: list, as_of: date) -> dict:
    """The same accounts through the cycle's pure logic: no AWS, no serialisation, no orchestration."""
    from dunning.cycle import plan

    repeats, planned, started = 0, 0, time.perf_counter()
    while True:
        planned = sum(1 for account in accounts if plan(account, as_of) is not None)
        repeats += 1
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_DIRECT_SECONDS and repeats >= 3:
            break
    return {
        "path": "dunning.cycle.plan(account, as_of) in a Python loop over the validated accounts; no AWS",
        "accounts": len(accounts),
        "planned_per_pass": planned,
        "repeats": repeats,
        "seconds": round(elapsed, 4),
        "accounts_per_second": round(len(accounts) * repeats / elapsed, 1),
    }


def state_transitions(sfn, execution_arn: str, output: Mapping, page_calls: int) -> dict:
    parent = Counter()
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        parent.update(e["type"] for e in page["events"] if e["type"].endswith("StateEntered"))
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    children = sum(sfn.describe_map_run(mapRunArn=r["mapRunArn"])["executionCounts"]["total"] for r in runs)
    pages = int(output.get("pages", 0))
    parent_states = sum(parent.values())
    states = cm.step_functions_transitions(parent_states, children, page_calls)
    return {
        "parent_states_entered": parent_states,
        "parent_states_by_type": dict(sorted(parent.items())),
        "parent_states_modelled": cm.PARENT_STATES,
        "map_runs": len(runs),
        "child_executions": children,
        "child_pages": pages,
        "child_page_calls": page_calls,
        "child_states_entered": states - parent_states,
        "child_starts": children * cm.CHILD_START_TRANSITIONS,
        "total": states + children * cm.CHILD_START_TRANSITIONS,
        "how": "parent: *StateEntered events in get_execution_history. children: moto cannot list a map "
        "run's child executions, so each child is counted by the ASL as page calls x (Task + Choice) + 1 "
        "Pass, with the children from describe_map_run executionCounts.total and the page calls from the "
        "local Lambda runtime's count of ProcessPageFunction invocations; plus 1 transition per child "
        "started",
    }


def run_local(accounts_wanted: int, seed: int, as_of: date) -> dict:
    from arrears_cli import executions
    from arrears_cli.simulation import import_book
    from arrears_cli.stackref import StackRef
    from arrears_cli.synthetic import generate
    from localcloud import LocalCloud

    log("starting the local cloud")
    cloud = LocalCloud(stack_name="arrears-bench").start()
    try:
        stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
        records, _customers = generate(accounts_wanted, seed, as_of)
        log(f"importing {len(records)} accounts and their customers")
        accounts = import_book(stack, records, PORTFOLIO, as_of)
        meter = ApiMeter(table_specs(stack.client("dynamodb")))
        log("running one daily cycle")
        with meter:
            started = time.perf_counter()
            described = executions.run_cycle(stack, PORTFOLIO, as_of)
            seconds = time.perf_counter() - started
        if described["status"] != "SUCCEEDED":
            raise RuntimeError(f"the cycle ended {described['status']}: {described.get('cause')}")
        output = json.loads(described["output"])
        page_calls = cloud.runtime.invocations.get("ProcessPageFunction", 0)
        transitions = state_transitions(
            stack.client("stepfunctions"), described["executionArn"], output, page_calls
        )
        from arrears.runtime.settings import get_settings

        page_size = get_settings().page_size
        return {
            "accounts": accounts,
            "shards": stack.shard_count,
            "page_size": page_size,
            "seconds": seconds,
            "execution_seconds": (described["stopDate"] - described["startDate"]).total_seconds(),
            "output": output,
            "meter": meter,
            "transitions": transitions,
        }
    finally:
        cloud.stop()


# ---------------------------------------------------------------- the report


def per_account(total: Decimal | int, touched: int) -> float:
    return round(float(Decimal(total) / touched), 4)


def dynamodb_section(meter: ApiMeter, touched: int) -> dict:
    calls = meter.dynamodb_calls()
    writes, reads = sum(meter.write_units.values()), sum(meter.read_units.values())
    return {
        "touched_accounts": touched,
        "calls": calls,
        "calls_per_touched_account": {op: per_account(n, touched) for op, n in calls.items()},
        "dynamodb_calls_per_touched_account": per_account(sum(calls.values()), touched),
        "write_units": {k: int(v) for k, v in sorted(meter.write_units.items())},
        "read_units": {k: float(v) for k, v in sorted(meter.read_units.items())},
        "write_units_per_touched_account": per_account(writes, touched),
        "read_units_per_touched_account": per_account(Decimal(reads), touched),
        "item_bytes_written": {
            table: {"max": max(sizes), "mean": round(sum(sizes) / len(sizes))}
            for table, sizes in sorted(meter.write_bytes.items())
        },
        "how": "every botocore call during the cycle only (not the import), by wrapping "
        "BaseClient._make_api_call; units from the request and response items by the DynamoDB size "
        "rules, GSI writes from each table's DescribeTable (a key change is a delete and a put)",
    }


def workloads(local: dict, touched: int) -> dict[str, cm.Workload]:
    from dunning.cycle import PAGES_PER_CALL

    meter: ApiMeter = local["meter"]
    memory_mb = function_memory_mb()
    wru = Decimal(sum(meter.write_units.values())) / touched
    rru = Decimal(sum(meter.read_units.values())) / touched
    transitions = local["transitions"]
    kms = sum(n for (service, _), n in meter.calls.items() if service == "kms")  # the letters' customers
    measured = cm.Workload(
        accounts=touched,
        transitions=Decimal(transitions["parent_states_entered"] + transitions["child_states_entered"]),
        map_child_starts=Decimal(transitions["child_starts"]),
        lambda_requests=Decimal(meter.calls[("lambda", "Invoke")]),
        lambda_gb_seconds=cm.lambda_gb_seconds(touched, MS_PER_ACCOUNT, memory_mb),
        write_units=Decimal(sum(meter.write_units.values())),
        read_units=Decimal(sum(meter.read_units.values())),
        s3_puts=Decimal(meter.calls[("s3", "PutObject")]),
        kms_requests=Decimal(kms),
    )
    shared = dict(
        write_units_per_account=wru,
        read_units_per_account=rru,
        ms_per_account=MS_PER_ACCOUNT,
        memory_mb=memory_mb,
        kms_requests_per_account=Decimal(kms) / touched,
    )
    return {
        "arrears_at_bench_shape": measured,
        "arrears_projected": cm.paged_cycle(
            PROJECTED_ACCOUNTS,
            page_size=local["page_size"],
            shards=local["shards"],
            pages_per_call=PAGES_PER_CALL,
            **shared,
        ),
        "one_execution_per_account": cm.execution_per_account(PROJECTED_ACCOUNTS, **shared),
    }


def function_memory_mb() -> int:
    """The template's Globals.Function.MemorySize: the memory AWS bills the page Lambda at."""
    from localcloud.template import load_template

    return int(load_template()["Globals"]["Function"]["MemorySize"])


def measured_touch_rate(summary_path: Path) -> Decimal | None:
    """Share of the portfolio a usual day's cycle evaluates, from a simulation's summary.json.

    The first day is left out: every imported account is due on its import date.
    """
    if not summary_path.exists():
        return None
    summary = json.loads(summary_path.read_text())
    days = [d for d in summary.get("per_day", [])[1:] if "evaluated_accounts" in d]
    if not days or not summary.get("accounts"):
        return None
    evaluated = sum(int(d["evaluated_accounts"]) for d in days)
    return (Decimal(evaluated) / (len(days) * int(summary["accounts"]))).quantize(Decimal("0.0001"))


def touch_rate_of(args: argparse.Namespace) -> tuple[Decimal, str]:
    if args.touch_rate is not None:
        return args.touch_rate, "given with --touch-rate"
    measured = measured_touch_rate(args.simulation)
    if measured is not None:
        return measured, f"measured: mean accounts evaluated per day after the first, in {args.simulation}"
    return DEFAULT_TOUCH_RATE, f"assumption ({args.simulation} not found: run `make demo` to measure it)"


def cost_section(local: dict, touched: int, touch_rate: Decimal, touch_rate_basis: str) -> dict:
    from dunning.cycle import PAGES_PER_CALL

    prices = cm.Prices.from_table(PRICE_TABLE)
    loads = workloads(local, touched)
    per_touched = {name: cm.per_million_touched(w, prices) for name, w in loads.items()}
    arrears, per_execution = per_touched["arrears_projected"], per_touched["one_execution_per_account"]
    return {
        "prices": PRICE_TABLE,
        "assumptions": {
            **cm.ASSUMPTIONS,
            "lambda_memory_mb": function_memory_mb(),
            "ms_per_account": int(MS_PER_ACCOUNT),
        },
        "projection": {
            "arrears_projected": f"{PROJECTED_ACCOUNTS} due accounts over the stack's {local['shards']} "
            f"shards in pages of {local['page_size']}, {PAGES_PER_CALL} pages to a Lambda call, with the "
            "DynamoDB units per account measured here",
            "arrears_at_bench_shape": f"this run's measured transitions, Lambda requests and DynamoDB units "
            f"for {touched} accounts, scaled linearly (its pages are part-full, so Step Functions is high)",
            "one_execution_per_account": "aws-costs.md's alternative, with the same data units per account",
        },
        "per_1m_touched_accounts_usd": {name: cm.to_cents(lines) for name, lines in per_touched.items()},
        "per_execution_vs_arrears_ratio": round(float(cm.ratio(per_execution, arrears)), 1),
        "per_1m_portfolio_accounts_usd": {
            "touch_rate": float(touch_rate),
            "touch_rate_basis": touch_rate_basis,
            "arrears_projected": cm.to_cents(cm.per_million_portfolio(arrears, touch_rate)),
            "one_execution_per_account": cm.to_cents(cm.per_million_portfolio(per_execution, touch_rate)),
        },
        "workloads": {name: _workload_json(w) for name, w in loads.items()},
    }


def _workload_json(workload: cm.Workload) -> dict:
    return {k: (float(round(v, 4)) if isinstance(v, Decimal) else v) for k, v in vars(workload).items()}


def report(args: argparse.Namespace) -> dict:
    local = run_local(args.accounts, args.seed, AS_OF)
    log("running the direct loop")
    direct = run_direct(local["accounts"], AS_OF)
    output, meter = local["output"], local["meter"]
    touched = int(output["evaluated_accounts"])
    if touched == 0:
        raise RuntimeError("the cycle touched no accounts; nothing to measure")
    local_rate = touched / local["seconds"]
    transitions = local["transitions"]
    return {
        "run": {
            "accounts": args.accounts,
            "seed": args.seed,
            "as_of": AS_OF.isoformat(),
            "shards": local["shards"],
            "page_size": local["page_size"],
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "cycle": {
            "status": "SUCCEEDED",
            "evaluated_accounts": touched,
            "changed_accounts": int(output["changed_accounts"]),
            "pages": int(output.get("pages", 0)),
        },
        "throughput": {
            "local": {
                "path": "one collection_cycle execution in the local cloud (moto Step Functions, in-process "
                "Lambdas, moto DynamoDB), wall time of executions.run_cycle",
                "accounts": touched,
                "seconds": round(local["seconds"], 3),
                "execution_seconds": round(local["execution_seconds"], 3),
                "accounts_per_second": round(local_rate, 1),
            },
            "direct": direct,
            "local_vs_direct_ratio": round(direct["accounts_per_second"] / local_rate, 1),
            "letters": letter_rendering(),
        },
        "api_calls": meter.by_service(),
        "dynamodb": dynamodb_section(meter, touched),
        "step_functions": {
            **transitions,
            "transitions_per_touched_account": per_account(transitions["total"], touched),
        },
        "lambda": {
            "invocations": meter.calls[("lambda", "Invoke")],
            "invocations_per_touched_account": per_account(meter.calls[("lambda", "Invoke")], touched),
        },
        "cost": cost_section(local, touched, *touch_rate_of(args)),
        **webhooks.report(),  # cold_start (every handler) and payment_webhook, from one run
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="One daily cycle through the local cloud and the same accounts through the bare logic: "
        "throughput, AWS calls per account and the AWS cost per 1M accounts, as JSON on stdout.",
    )
    parser.add_argument(
        "--accounts", type=int, default=1000, help="synthetic accounts to import (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--touch-rate",
        type=Decimal,
        default=None,
        help="share of the portfolio touched per day, for the per-portfolio cost (default: measured from "
        "--simulation, else 0.05)",
    )
    parser.add_argument(
        "--simulation",
        type=Path,
        default=Path("out/demo/summary.json"),
        help="summary.json of an `arrears simulate` run (make demo writes one) to measure the touch rate",
    )
    args = parser.parse_args(argv)
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    if args.touch_rate is not None and not Decimal(0) <= args.touch_rate <= Decimal(1):
        parser.error("--touch-rate must be between 0 and 1")
    return args


def letter_rendering(minimum_seconds: float = 0.5) -> dict:
    """Letters rendered per second, warm (templates compiled), over every code in every locale."""
    from arrears.domain.letters import SUPPORTED_LOCALES, LetterCode, render

    from arrears_cli.letter_samples import sample_context

    contexts = [sample_context(code, locale) for code in LetterCode for locale in SUPPORTED_LOCALES]
    for context in contexts:  # warm: compile every template once
        render(context)
    rendered, started = 0, time.perf_counter()
    while time.perf_counter() - started < minimum_seconds:
        for context in contexts:
            render(context)
        rendered += len(contexts)
    seconds = time.perf_counter() - started
    return {
        "path": "arrears.domain.letters.render over every code x locale, templates already compiled",
        "letters": rendered,
        "seconds": round(seconds, 3),
        "letters_per_second": round(rendered / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with lambda_stdout():
        result = report(args)
    text = json.dumps(result, indent=2, default=str) + "\n"
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
