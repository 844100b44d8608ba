"""10 million accounts a day, on paper: the daily cycle's load against AWS's quotas, from measured counts.

Inputs:
- bench/measured.json: what one `make bench` run measured per touched account (write and read units
  by table, DynamoDB calls, transitions, Lambda invocations, workflow starts, accounts per page, page
  time). Refresh it with `python -m bench.scale_model --refresh out/bench.json`.
- bench/kms_measured.json: the KMS requests personal data cost in a simulation (`python -m bench.kms
  --write`): per letter, per account the cycle evaluates, per customer imported.
- the stack as written: the Map's MaxConcurrency (statemachines/collection_cycle.asl.json), the
  template's shard, memory, reserved-concurrency and throttling parameters.
- QUOTAS below, each with the AWS page it comes from.

Outputs: the figures docs/scale.md states, as Markdown blocks between `<!-- scale:NAME -->` markers
(`python -m bench.scale_model --write-doc` rewrites them; tests/unit/test_scale_doc.py fails when the
document disagrees with the model). Arithmetic is Decimal; only rendering rounds.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import textwrap
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from bench import cost_model as cm
from bench.prices import PRICE_TABLE

ROOT = Path(__file__).resolve().parent.parent
MEASURED = ROOT / "bench" / "measured.json"
KMS_MEASURED = ROOT / "bench" / "kms_measured.json"
CYCLE_ASL = ROOT / "statemachines" / "collection_cycle.asl.json"
DOC = ROOT / "docs" / "scale.md"


# ---------------------------------------------------------------- quotas


@dataclass(frozen=True)
class Quota:
    value: int
    what: str
    raisable: bool
    source: str


SFN_QUOTAS = "Step Functions developer guide, Service quotas"
DDB_QUOTAS = "DynamoDB developer guide, Quotas (throughput default quotas)"
QUOTAS: dict[str, Quota] = {
    "sfn_history_events": Quota(
        25_000,
        "events in one Standard execution's history",
        False,
        f"{SFN_QUOTAS}: maximum execution history size",
    ),
    "sfn_payload_bytes": Quota(
        262_144, "bytes of one state's input or output", False, f"{SFN_QUOTAS}: maximum input or output size"
    ),
    "sfn_transitions_per_s": Quota(
        5_000,
        "state transitions per second, refill (bucket 5,000; us-east-1)",
        True,
        f"{SFN_QUOTAS}, state throttling; shared/notes/aws-costs.md",
    ),
    "sfn_starts_per_s": Quota(
        300,
        "StartExecution calls per second, refill (bucket 1,300; us-east-1)",
        True,
        f"{SFN_QUOTAS}, API action throttling; shared/notes/aws-costs.md",
    ),
    "sfn_starts_burst": Quota(
        1_300,
        "StartExecution calls in a burst (bucket size; us-east-1)",
        True,
        f"{SFN_QUOTAS}, API action throttling; shared/notes/aws-costs.md",
    ),
    "sfn_open_map_runs": Quota(
        1_000, "open Distributed Map runs per account", True, f"{SFN_QUOTAS}, accounts"
    ),
    "sfn_map_children": Quota(
        10_000,
        "child executions one Distributed Map runs in parallel",
        False,
        "Step Functions developer guide, Distributed Map (MaxConcurrency; 10,000 when unset)",
    ),
    "lambda_concurrency": Quota(
        1_000,
        "concurrent Lambda executions per Region (new accounts may start lower)",
        True,
        "Lambda developer guide, quotas; shared/notes/aws-costs.md",
    ),
    "lambda_scaling": Quota(
        1_000,
        "new execution environments per function every 10 seconds",
        False,
        "Lambda developer guide, Lambda scaling behavior",
    ),
    "ddb_partition_wcu": Quota(
        1_000,
        "write units per second on one partition (a GSI's too)",
        False,
        "DynamoDB developer guide, warm throughput scenarios; aws-costs.md",
    ),
    "ddb_partition_rcu": Quota(
        3_000,
        "read units per second on one partition (a GSI's too)",
        False,
        "DynamoDB developer guide, warm throughput scenarios; aws-costs.md",
    ),
    "ddb_new_table_wcu": Quota(
        4_000,
        "write units per second a new on-demand table or GSI takes before it has scaled (pre-warm above)",
        True,
        "DynamoDB developer guide, pre-warming a table for on-demand capacity mode",
    ),
    "ddb_new_table_rcu": Quota(
        12_000,
        "read units per second a new on-demand table or GSI takes before it has scaled",
        True,
        "DynamoDB developer guide, pre-warming a table for on-demand capacity mode",
    ),
    "ddb_table_wcu": Quota(40_000, "on-demand write request units per second per table", True, DDB_QUOTAS),
    "ddb_table_rcu": Quota(40_000, "on-demand read request units per second per table", True, DDB_QUOTAS),
    "ddb_transaction_items": Quota(
        100, "actions in one TransactWriteItems", False, "DynamoDB API reference, TransactWriteItems"
    ),
}


# ---------------------------------------------------------------- planning choices (ours, not AWS's)

BOOK = 10_000_000
DEADLINE_SECONDS = 3600
# The Map gets three quarters of the hour; the rest is for the lock, the list, closing the day, retries.
MAP_SHARE = Decimal("0.75")
# A child's history: ExecutionStarted, the Pass state's two events, ExecutionSucceeded; per loop (one
# Lambda call, which works up to dunning.cycle.PAGES_PER_CALL pages) a Task (entered, scheduled,
# started, succeeded, exited) and a Choice (entered, exited); a retry adds a failed, scheduled and
# started event. Planning one retry per call keeps a child under the quota.
CHILD_FIXED_EVENTS = 4
EVENTS_PER_CALL = 7
EVENTS_PER_RETRY = 3
MIN_SHARDS = 16  # the template's default: fewer shards would save nothing a bill shows
# Portfolio names may be 64 characters; the shard list's size grows with them (see shard_ceiling).
PORTFOLIO_NAME_CHARS = 16
BOOK_SIZES = (100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 20_000_000)
READ_BLOCK_BYTES = 8192  # an eventually consistent read unit reads up to 8 KB (the day's records)
# The close of the day reads the day's records a page at a time (a Query page is at most 1 MB) and
# uploads the print manifest as it writes it, one 8 MB part at a time (reports_repo.put_lines).
QUERY_PAGE_BYTES = 2**20
UPLOAD_BUFFER_BYTES = 8 * 2**20
# The close's time per 1 MB page read in AWS (the Query and the manifest's share of the upload) is
# not measured here: an assumption, stated where it is used.
CLOSE_PAGE_SECONDS = Decimal("0.2")
# The re-shard job: one transaction per page; its latency in AWS is not measured here.
RESHARD_PAGE_SECONDS = Decimal("0.5")
MOVES_PER_PAGE = QUOTAS["ddb_transaction_items"].value - 1  # the checkpoint takes one action
INDEX_MOVE_UNITS = 2  # a key change in the keys-only index: a delete and a put of a small entry


def max_pages_per_child(pages_per_call: int = 1) -> int:
    """Pages one child may work before its history could reach the quota."""
    usable = QUOTAS["sfn_history_events"].value - CHILD_FIXED_EVENTS
    return usable // (EVENTS_PER_CALL + EVENTS_PER_RETRY) * pages_per_call


# ---------------------------------------------------------------- the stack as written


@dataclass(frozen=True)
class Stack:
    map_max_concurrency: int  # the collection cycle's Distributed Map
    default_shards: int  # CollectibleShards' default
    shards_parameter_max: int  # CollectibleShards' MaxValue
    memory_mb: int  # every function's memory (Globals)
    reserved_concurrency: int  # kept for the webhook and operator API functions
    webhook_rate: int  # requests per second the webhook API lets through (API Gateway throttling)
    pages_per_call: int  # pages the page Lambda works in one call (dunning.cycle.PAGES_PER_CALL)
    page_call_timeout: int  # seconds the page Lambda may run
    close_call_timeout: int  # seconds the close-day Lambda may run


def _cycle_module():
    for path in (ROOT / "functions", ROOT / "functions" / "common"):
        if str(path) not in sys.path:
            sys.path.append(str(path))
    from dunning import cycle

    return cycle


def stack_config() -> Stack:
    from localcloud.template import load_template

    template = load_template()
    parameters = template["Parameters"]
    asl = json.loads(CYCLE_ASL.read_text())
    the_map = next(s for s in asl["States"].values() if s["Type"] == "Map")
    page_function = template["Resources"]["ProcessPageFunction"]["Properties"]
    close_function = template["Resources"]["CloseDayFunction"]["Properties"]
    return Stack(
        map_max_concurrency=int(the_map["MaxConcurrency"]),
        default_shards=int(parameters["CollectibleShards"]["Default"]),
        shards_parameter_max=int(parameters["CollectibleShards"]["MaxValue"]),
        memory_mb=int(template["Globals"]["Function"]["MemorySize"]),
        reserved_concurrency=int(parameters["WebhookReservedConcurrency"]["Default"])
        + int(parameters["OperatorApiReservedConcurrency"]["Default"]),
        webhook_rate=int(parameters["WebhookThrottleRate"]["Default"]),
        pages_per_call=int(getattr(_cycle_module(), "PAGES_PER_CALL", 1)),
        page_call_timeout=int(page_function.get("Timeout", template["Globals"]["Function"]["Timeout"])),
        close_call_timeout=int(close_function.get("Timeout", template["Globals"]["Function"]["Timeout"])),
    )


# ---------------------------------------------------------------- what was measured


@dataclass(frozen=True)
class Measured:
    touched: int
    page_size: int
    accounts_per_page: Decimal
    page_seconds: Decimal
    write_units: Decimal  # per touched account, every table and index
    write_units_by_table: dict[str, Decimal]
    read_units: Decimal
    read_units_by_table: dict[str, Decimal]
    dynamodb_calls: Decimal
    transitions: Decimal
    lambda_invocations: Decimal
    workflow_starts: Decimal  # skip-trace and credit-review executions started, per touched account
    account_item_bytes_max: int
    account_item_bytes_mean: int
    day_record_python_bytes: int  # memory one day record takes once the close-day step has read it
    touch_rate: Decimal
    touch_rate_basis: str
    # the letters' personal data (bench/kms.py): letters per account the cycle evaluates, the share of
    # them printed (the close of day opens those again), personal fields per customer
    letters_per_account: Decimal = Decimal(0)
    printed_share: Decimal = Decimal(0)
    fields_per_customer: Decimal = Decimal(0)

    @property
    def seconds_per_account(self) -> Decimal:
        return self.page_seconds / self.accounts_per_page


def load_measured(path: Path = MEASURED) -> Measured:
    data = json.loads(path.read_text(), parse_float=Decimal)
    per = data["per_touched_account"]
    return Measured(
        touched=int(data["touched_accounts"]),
        page_size=int(data["page_size"]),
        accounts_per_page=Decimal(data["accounts_per_page"]),
        page_seconds=Decimal(data["page_seconds"]),
        write_units=Decimal(per["write_units"]),
        write_units_by_table={k: Decimal(v) for k, v in per["write_units_by_table"].items()},
        read_units=Decimal(per["read_units"]),
        read_units_by_table={k: Decimal(v) for k, v in per["read_units_by_table"].items()},
        dynamodb_calls=Decimal(per["dynamodb_calls"]),
        transitions=Decimal(per["transitions"]),
        lambda_invocations=Decimal(per["lambda_invocations"]),
        workflow_starts=Decimal(per["workflow_starts"]),
        account_item_bytes_max=int(data["account_item_bytes"]["max"]),
        account_item_bytes_mean=int(data["account_item_bytes"]["mean"]),
        day_record_python_bytes=int(data["day_record_python_bytes"]),
        touch_rate=Decimal(data["touch_rate"]),
        touch_rate_basis=data["touch_rate_basis"],
        **_letters_measured(),
    )


def _letters_measured() -> dict[str, Decimal]:
    if not KMS_MEASURED.exists():
        return {}
    kms = load_kms()
    return {
        "letters_per_account": kms.letters_per_account,
        "printed_share": Decimal(kms.letters_printed) / kms.letters,
        "fields_per_customer": Decimal(kms.fields_sealed) / kms.customers_imported,
    }


@dataclass(frozen=True)
class KmsMeasured:
    """KMS requests for personal data in one simulation (bench/kms.py)."""

    accounts: int
    days: int
    letters_printed: int
    letters_emailed: int
    page_requests: int  # the page Lambda: the customer opened to address and send a letter
    close_requests: int  # the close of day: the customer opened for the print manifest
    skiptrace_requests: int  # skip-trace: each candidate found, sealed
    accounts_evaluated: int
    customers_imported: int
    fields_sealed: int
    import_requests: int
    cycle_function_days: int  # (function, day) pairs that opened a customer, each day with no key cached

    @property
    def letters(self) -> int:
        return self.letters_printed + self.letters_emailed

    @property
    def requests_per_letter(self) -> Decimal:
        return Decimal(self.page_requests + self.close_requests) / self.letters

    @property
    def letters_per_account(self) -> Decimal:
        return Decimal(self.letters) / self.accounts_evaluated

    @property
    def requests_per_account(self) -> Decimal:
        return Decimal(self.page_requests + self.close_requests) / self.accounts_evaluated

    @property
    def requests_per_function_day(self) -> Decimal:
        return Decimal(self.page_requests + self.close_requests) / self.cycle_function_days

    @property
    def requests_per_customer(self) -> Decimal:
        return Decimal(self.import_requests) / self.customers_imported


def load_kms(path: Path = KMS_MEASURED) -> KmsMeasured:
    data = json.loads(path.read_text())
    by_caller = data["kms_by_caller"]
    return KmsMeasured(
        accounts=int(data["run"]["accounts"]),
        days=int(data["run"]["days"]),
        letters_printed=int(data["letters"].get("letter", 0)),
        letters_emailed=int(data["letters"].get("email", 0)),
        page_requests=sum(by_caller.get("ProcessPageFunction", {}).values()),
        close_requests=sum(by_caller.get("CloseDayFunction", {}).values()),
        skiptrace_requests=sum(by_caller.get("SkipTraceSearchFunction", {}).values()),
        accounts_evaluated=int(data["accounts_evaluated"]),
        customers_imported=int(data["customers_imported"]),
        fields_sealed=int(data["fields_sealed_at_import"]),
        import_requests=int(data["import_requests"]),
        cycle_function_days=int(data["cycle_function_days"]),
    )


# ---------------------------------------------------------------- KMS: data keys a day's letters meet

# A field at most this many to a data key (adapters/personal_data.CACHE_MESSAGES), and this many data
# keys a warm Lambda keeps (CACHE_ENTRIES): read from the adapter, so the model follows it.
ALTERNATIVE_FIELDS_PER_KEY = 10_000  # what a data key serving a hundred times fewer fields would cost


def _cache_limits() -> tuple[int, int]:
    _cycle_module()  # the layer on the path
    from arrears.adapters.personal_data import CACHE_ENTRIES, CACHE_MESSAGES

    return CACHE_MESSAGES, CACHE_ENTRIES


def data_keys(book: int, measured: Measured, fields_per_key: int) -> int:
    """Data keys the book's personal fields are sealed under, at the fewest: an import seals a
    field at most `fields_per_key` to a data key (and a new one every five minutes)."""
    return max(1, _ceil(book * measured.fields_per_customer / fields_per_key))


def decrypts(letters: Decimal, environments: int, keys: int, cache_entries: int) -> Decimal:
    """Decrypt requests when `environments` warm Lambdas share `letters` evenly, each letter's
    customer sealed under one of `keys` data keys at random: each key a Lambda meets is one Decrypt;
    meeting it again is free while it is still among the `cache_entries` it keeps (a repeat finds
    it there with the chance the cache holds of the keys met)."""
    if letters <= 0:
        return Decimal(0)
    per = float(letters) / environments
    met = keys * (1 - (1 - 1 / keys) ** per)  # distinct keys among `per` draws
    kept = min(1.0, cache_entries / met)
    return Decimal(str(environments * (met + (per - met) * (1 - kept))))


def kms_requests(due: int, shards: int, book: int, measured: Measured, fields_per_key: int) -> Decimal:
    """A day's Decrypts: the page Lambdas (one warm environment per shard) open each letter's
    customer, the close of day (one environment) each printed letter's again."""
    _, entries = _cache_limits()
    keys = data_keys(book, measured, fields_per_key)
    letters = due * measured.letters_per_account
    return decrypts(letters, shards, keys, entries) + decrypts(
        letters * measured.printed_share, 1, keys, entries
    )


def _logical(table: str) -> str:
    """`arrears-bench-AccountsTable/collectible` -> `AccountsTable/collectible` (the stack name goes)."""
    name, _, index = table.partition("/")
    logical = name.rsplit("-", 1)[-1]
    return f"{logical}/{index}" if index else logical


def _per(value, touched: int) -> float:
    return round(float(Decimal(str(value)) / touched), 4)


def measured_from_bench(bench: dict) -> dict:
    """The counts the model needs, per touched account, from a bench/run.py report."""
    touched = int(bench["cycle"]["evaluated_accounts"])
    pages = int(bench["cycle"]["pages"])
    ddb, local = bench["dynamodb"], bench["throughput"]["local"]
    accounts_table = next(k for k in ddb["item_bytes_written"] if _logical(k) == "AccountsTable")
    starts = bench["api_calls"].get("stepfunctions", {}).get("StartExecution", 0)
    portfolio = bench["cost"]["per_1m_portfolio_accounts_usd"]
    return {
        "source": "bench/run.py (make bench), one daily cycle in the local cloud; refreshed by "
        "`python -m bench.scale_model --refresh out/bench.json`",
        "bench_run": bench["run"],
        "touched_accounts": touched,
        "page_size": int(bench["run"]["page_size"]),
        "pages": pages,
        "accounts_per_page": round(touched / pages, 2),
        "page_seconds": round(float(local["execution_seconds"]) / pages, 3),
        "page_seconds_how": "the cycle execution's wall time over its pages (lock, list and close-day "
        "included, so slightly high), in moto on this machine; in-process Lambdas run one at a time",
        "per_touched_account": {
            "write_units": ddb["write_units_per_touched_account"],
            "write_units_by_table": {_logical(k): _per(v, touched) for k, v in ddb["write_units"].items()},
            "read_units": ddb["read_units_per_touched_account"],
            "read_units_by_table": {_logical(k): _per(v, touched) for k, v in ddb["read_units"].items()},
            "dynamodb_calls": ddb["dynamodb_calls_per_touched_account"],
            "transitions": bench["step_functions"]["transitions_per_touched_account"],
            "lambda_invocations": bench["lambda"]["invocations_per_touched_account"],
            # the cycle's own start is one of the StartExecution calls the bench counted
            "workflow_starts": _per(max(starts - 1, 0), touched),
        },
        "account_item_bytes": ddb["item_bytes_written"][accounts_table],
        "day_record_python_bytes": day_record_python_bytes(),
        "day_record_python_bytes_how": "tracemalloc over stage records read with ActivityModel, as "
        "cycle_repo.day_records returns them to the close-day step",
        "touch_rate": portfolio["touch_rate"],
        "touch_rate_basis": portfolio["touch_rate_basis"],
    }


def day_record_python_bytes(samples: int = 2000) -> int:
    """Python memory per day record as the close-day step holds it (a stage record, as the cycle
    writes it), measured with tracemalloc."""
    import tracemalloc

    layer = str(ROOT / "functions" / "common")
    if layer not in sys.path:
        sys.path.append(layer)
    from arrears.store.models import ActivityModel

    detail = {
        "from": "new",
        "to": "1-29",
        "balance_before": 100000,
        "transition": None,
        "dpd": 10,
        "past_due": 5000,
        "reason": "10 days past due on the 2026-02-19 instalment of 5000",
        "execution": "arn:aws:states:us-east-1:123456789012:execution:Cycle-AbCdEfGh:main-2026-03-01",
        "arm": "champion",
    }
    raw = {
        "pk": {"S": "ACC-0000123"},
        "sk": {"S": "2026-03-01#stage#cycle"},
        "kind": {"S": "stage"},
        "occurred_on": {"S": "2026-03-01"},
        "actor": {"S": "collection_cycle"},
        "cycle_day": {"S": "2026-03-01#main#003"},
        "amount": {"N": "100000"},
        "currency": {"S": "USD"},
        "detail": {"S": json.dumps(detail)},
    }
    tracemalloc.start()
    try:
        held = [ActivityModel.from_raw_data(json.loads(json.dumps(raw))) for _ in range(samples)]
        size, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(size / len(held))


# ---------------------------------------------------------------- the shard-count rule


class BookTooLarge(ValueError):
    """No shard count within the quotas finishes this book's worst day in the hour."""


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def state_bytes_per_shard(name_chars: int = PORTFOLIO_NAME_CHARS) -> int:
    """What one shard adds to the Map state's output: its item from the list step (kept in the state)
    and its child's result, at their largest: an execution ARN of 256 characters (the API's limit)."""
    name = "p" * name_chars
    item = {
        "portfolio": name,
        "as_of": "2026-03-01",
        "execution": "a" * 256,
        "run_at": "2026-03-01T06:00:00.000000+00:00",
        "shard": f"{name}#999",
    }
    result = {"shard": f"{name}#999", "evaluated": BOOK, "pages": BOOK}  # counts of as many digits
    return sum(len(json.dumps(part, separators=(",", ":"))) + 1 for part in (item, result))


def shard_ceiling(stack: Stack, name_chars: int = PORTFOLIO_NAME_CHARS) -> int:
    """The most shards a cycle can run: the template's MaxValue, Lambda concurrency left after the
    reserved functions, and the shards' items and results fitting one state's output (8 KB kept for
    the rest of it)."""
    by_payload = (QUOTAS["sfn_payload_bytes"].value - 8192) // state_bytes_per_shard(name_chars)
    by_concurrency = QUOTAS["lambda_concurrency"].value - stack.reserved_concurrency
    return min(stack.shards_parameter_max, by_concurrency, by_payload)


@dataclass(frozen=True)
class ShardPlan:
    book: int
    shards: int
    needed: int  # before rounding up to a power of two
    set_by: str  # "minimum", "one hour" or "history"


def shards_for(book: int, measured: Measured, stack: Stack) -> ShardPlan:
    """Shards for a book whose every account may be due on one day (the first, or after an outage).

    Enough children that the worst day's pages fit in the Map's share of the hour at the measured
    time per account, and that no child's history passes the quota; at least MIN_SHARDS; rounded up
    to a power of two, so a later doubling moves half the accounts and each shard set is a prefix.
    """
    budget = Decimal(DEADLINE_SECONDS) * MAP_SHARE
    by_time = _ceil(book * measured.seconds_per_account / budget)
    by_history = math.ceil(book / ((max_pages_per_child(stack.pages_per_call) - 1) * measured.page_size))
    needed, set_by = max((MIN_SHARDS, "minimum"), (by_time, "one hour"), (by_history, "history"))
    shards = 1 << (needed - 1).bit_length()
    ceiling = shard_ceiling(stack)
    if shards > ceiling:
        raise BookTooLarge(f"{book:,} accounts need {shards} shards; at most {ceiling} fit the quotas")
    return ShardPlan(book, shards, needed, set_by)


def largest_book(shards: int, measured: Measured) -> int:
    """The largest book whose time bound `shards` children still meet (the rule's boundary)."""
    budget = Decimal(DEADLINE_SECONDS) * MAP_SHARE
    return int((shards * budget / measured.seconds_per_account).to_integral_value(rounding="ROUND_FLOOR"))


# ---------------------------------------------------------------- one day


@dataclass(frozen=True)
class Day:
    name: str
    due: int
    shards: int
    parallel: int  # children paging at once
    pages: int
    pages_per_child: int
    longest_call_seconds: Decimal  # the page Lambda's longest call: its pages one after another
    history_events: int
    map_seconds: Decimal
    peak_accounts_per_second: Decimal
    lambda_concurrency: int
    transitions: int
    transitions_per_second: Decimal
    workflow_starts: int
    starts_per_second: Decimal
    table_wcu: dict[str, Decimal]  # per second, by table and index, at the peak
    table_rcu: dict[str, Decimal]
    collectible_partition_wcu: Decimal  # one shard's key: its child plus every webhook at the throttle
    collectible_partition_rcu: Decimal
    cycle_day_partition_wcu: Decimal
    close_day_bytes: Decimal  # the records as DynamoDB returns them
    close_day_memory: Decimal  # what the close-day function holds: a page of records, the upload's parts
    close_day_seconds: Decimal  # the close reading the day's records, page after page
    cost_usd: Decimal
    kms_usd: Decimal  # of which KMS requests for the letters' personal data


def day(
    name: str,
    due: int,
    shards: int,
    measured: Measured,
    stack: Stack,
    max_concurrency: int,
    book: int | None = None,
) -> Day:
    """A cycle over `due` accounts of a `book` (default: the due accounts) spread evenly over
    `shards`, `max_concurrency` children at a time."""
    per_account = measured.seconds_per_account
    parallel = min(shards, max_concurrency)
    per_child = math.ceil(due / shards)
    pages_per_child = per_child // measured.page_size + 1
    waves = math.ceil(shards / parallel)
    map_seconds = waves * per_child * per_account
    peak = parallel / per_account
    pages = cm.pages_for(due, shards, measured.page_size)
    calls = cm.page_calls_for(due, shards, measured.page_size, stack.pages_per_call)
    calls_per_child = math.ceil(pages_per_child / stack.pages_per_call)
    starts = _ceil(due * measured.workflow_starts)
    transitions = (
        cm.step_functions_transitions(cm.PARENT_STATES, shards, calls)
        + shards * cm.CHILD_START_TRANSITIONS
        + starts * cm.PER_EXECUTION_TRANSITIONS
    )
    transitions_per_account = Decimal(cm.PAGE_STATES) / (measured.page_size * stack.pages_per_call)
    transitions_per_account += measured.workflow_starts * cm.PER_EXECUTION_TRANSITIONS
    child_rate = 1 / per_account  # a child pages its shard one account after another
    record_bytes = due * measured.read_units_by_table["ActivityTable/by_cycle_day"] * READ_BLOCK_BYTES
    # Python objects per byte read: each record takes at least a write unit of the index, so its
    # units bound the record count, and each record read is held as one ActivityModel
    objects_per_byte = (
        measured.write_units_by_table["ActivityTable/by_cycle_day"]
        * measured.day_record_python_bytes
        / (measured.read_units_by_table["ActivityTable/by_cycle_day"] * READ_BLOCK_BYTES)
    )
    workload = cm.paged_cycle(
        due,
        page_size=measured.page_size,
        shards=shards,
        write_units_per_account=measured.write_units,
        read_units_per_account=measured.read_units,
        ms_per_account=per_account * 1000,
        memory_mb=stack.memory_mb,
        pages_per_call=stack.pages_per_call,
        kms_requests_per_account=kms_requests(due, shards, book or due, measured, _cache_limits()[0]) / due
        if due
        else Decimal(0),
    )
    lines = cm.cost(workload, cm.Prices.from_table(PRICE_TABLE))
    return Day(
        name=name,
        due=due,
        shards=shards,
        parallel=parallel,
        pages=pages,
        pages_per_child=pages_per_child,
        longest_call_seconds=min(pages_per_child, stack.pages_per_call) * measured.page_size * per_account,
        history_events=CHILD_FIXED_EVENTS + calls_per_child * EVENTS_PER_CALL,
        map_seconds=map_seconds,
        peak_accounts_per_second=peak,
        lambda_concurrency=parallel + stack.reserved_concurrency,
        transitions=transitions,
        transitions_per_second=peak * transitions_per_account,
        workflow_starts=starts,
        starts_per_second=peak * measured.workflow_starts,
        table_wcu={t: peak * u for t, u in measured.write_units_by_table.items()},
        table_rcu={t: peak * u for t, u in measured.read_units_by_table.items()},
        collectible_partition_wcu=child_rate * measured.write_units_by_table["AccountsTable/collectible"]
        + stack.webhook_rate * INDEX_MOVE_UNITS,
        collectible_partition_rcu=child_rate * measured.read_units_by_table["AccountsTable/collectible"],
        cycle_day_partition_wcu=child_rate * measured.write_units_by_table["ActivityTable/by_cycle_day"],
        close_day_bytes=record_bytes,
        close_day_memory=min(record_bytes, QUERY_PAGE_BYTES) * objects_per_byte + UPLOAD_BUFFER_BYTES,
        close_day_seconds=_ceil(record_bytes / QUERY_PAGE_BYTES) * CLOSE_PAGE_SECONDS,
        cost_usd=lines["total"],
        kms_usd=lines["kms"],
    )


@dataclass(frozen=True)
class Days:
    plan: ShardPlan
    ordinary: Day
    worst: Day
    ordinary_as_deployed: Day  # with the Map's MaxConcurrency as the ASL has it today
    worst_as_deployed: Day


def ordinary_and_worst(book: int, measured: Measured, stack: Stack) -> Days:
    """The book's two days with the Map running every shard at once, and both as deployed today."""
    plan = shards_for(book, measured, stack)
    ordinary_due = _ceil(book * measured.touch_rate)

    def both(max_concurrency: int) -> tuple[Day, Day]:
        return (
            day("ordinary", ordinary_due, plan.shards, measured, stack, max_concurrency, book),
            day("worst", book, plan.shards, measured, stack, max_concurrency, book),
        )

    ordinary, worst = both(plan.shards)
    ordinary_deployed, worst_deployed = both(stack.map_max_concurrency)
    return Days(plan, ordinary, worst, ordinary_deployed, worst_deployed)


# ---------------------------------------------------------------- the re-shard job


def share_staying(old: int, new: int) -> Decimal:
    """Accounts whose shard is the same for both counts: hash % old == hash % new.

    Over one period of lcm(old, new) hashes that holds for exactly min(old, new) of them (each
    residue below the smaller count once), so the share is min / lcm.
    """
    return Decimal(min(old, new)) / Decimal(math.lcm(old, new))


@dataclass(frozen=True)
class ReshardJob:
    book: int
    source: int
    target: int
    moved: int
    pages: int
    write_units: int
    read_units: Decimal
    cost_usd: Decimal
    hours: Decimal


def reshard_job(book: int, source: int, target: int, measured: Measured) -> ReshardJob:
    """One pass over every account of the book; the moved ones in transactions of a page each.

    A transactional write costs twice its units; the keys-only index entry moves with a delete and a
    put (every account counted as in the index: the high end); the scan reads every item once,
    eventually consistent.
    """
    moved = _ceil(book * (1 - share_staying(source, target)))
    pages = math.ceil(book / MOVES_PER_PAGE) + 1
    account_units = cm.write_units(measured.account_item_bytes_max, transactional=True)
    checkpoint_units = cm.write_units(0, transactional=True)
    write_units = moved * (account_units + INDEX_MOVE_UNITS) + pages * checkpoint_units
    read_units = cm.read_units(book * measured.account_item_bytes_mean, consistent=False)
    prices = cm.Prices.from_table(PRICE_TABLE)
    cost = write_units * prices.write_unit + read_units * prices.read_unit
    return ReshardJob(
        book, source, target, moved, pages, write_units, read_units, cost, pages * RESHARD_PAGE_SECONDS / 3600
    )


# ---------------------------------------------------------------- rendering


def _n(value, places: int = 0) -> str:
    """Thousands separators; `places` decimals (Decimal arithmetic, rounded half up)."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def _minutes(seconds: Decimal) -> str:
    return _n(seconds / 60, 1)


def _mb(size: Decimal) -> str:
    return _n(size / 2**20, 0)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_quotas() -> str:
    rows = [[q.what, _n(q.value), "yes" if q.raisable else "no", q.source] for q in QUOTAS.values()]
    return _table(["Quota", "Value", "Raisable", "Source"], rows)


def render_measured(measured: Measured, stack: Stack) -> str:
    basis = "measured by the simulation" if measured.touch_rate_basis.startswith("measured") else "assumed"
    rows = [
        ["accounts touched by the measured cycle", _n(measured.touched)],
        ["page size (accounts per Lambda call, at most)", _n(measured.page_size)],
        ["accounts per page, measured (part-full pages)", _n(measured.accounts_per_page, 2)],
        ["seconds per page, measured", _n(measured.page_seconds, 3)],
        ["seconds per account (page time / accounts per page)", _n(measured.seconds_per_account, 4)],
        ["DynamoDB write units per account, all tables", _n(measured.write_units, 3)],
        *[
            [f"... of which `{table}`", _n(units, 3)]
            for table, units in sorted(measured.write_units_by_table.items())
        ],
        ["DynamoDB read units per account, all tables", _n(measured.read_units, 3)],
        *[
            [f"... of which `{table}`", _n(units, 4)]
            for table, units in sorted(measured.read_units_by_table.items())
        ],
        ["DynamoDB calls per account", _n(measured.dynamodb_calls, 3)],
        ["state transitions per account (part-full pages)", _n(measured.transitions, 3)],
        ["Lambda invocations per account (part-full pages)", _n(measured.lambda_invocations, 3)],
        ["bureau workflows started per account", _n(measured.workflow_starts, 3)],
        ["account item bytes written, largest / mean", f"{measured.account_item_bytes_max} / "
         f"{measured.account_item_bytes_mean}"],
        ["share of the book due on an ordinary day", f"{_n(measured.touch_rate * 100, 1)}% ({basis})"],
        ["the Map's MaxConcurrency in the ASL as deployed", _n(stack.map_max_concurrency)],
        ["reserved concurrency (webhook + operator API)", _n(stack.reserved_concurrency)],
        ["webhook API throttle (requests per second)", _n(stack.webhook_rate)],
        ["pages the page Lambda works in one call", _n(stack.pages_per_call)],
        ["function memory (MB)", _n(stack.memory_mb)],
    ]  # fmt: skip
    return _table(["Measured or configured", "Value"], rows)


def _headroom(value: Decimal | int, limit: int) -> str:
    return f"{_n(Decimal(limit) / Decimal(value), 1)}x" if value else "-"


def render_days(measured: Measured, stack: Stack, book: int = BOOK) -> str:
    days = ordinary_and_worst(book, measured, stack)
    ordinary, worst = days.ordinary, days.worst
    q = {k: v.value for k, v in QUOTAS.items()}
    planned = f"{_minutes(Decimal(DEADLINE_SECONDS) * MAP_SHARE)} planned"
    new_and_table = f"{_n(q['ddb_new_table_wcu'])} new / {_n(q['ddb_table_wcu'])}"

    def row(label: str, fmt, attr: str, limit: str = "") -> list[str]:
        return [label, fmt(getattr(ordinary, attr)), fmt(getattr(worst, attr)), limit]

    def rate(places: int = 0):
        return lambda value: _n(value, places)

    rows = [
        row("accounts due", _n, "due"),
        row("shards (the rule, for the book)", _n, "shards"),
        row("children paging at once (MaxConcurrency = shards)", _n, "parallel",
            f"{_n(q['sfn_map_children'])} per Map run"),
        ["open map runs (one per portfolio's cycle)", "1", "1", _n(q["sfn_open_map_runs"])],
        row("page Lambdas started at once", _n, "parallel", f"{_n(q['lambda_scaling'])} per 10 s"),
        row("Lambda concurrency (children + reserved)", _n, "lambda_concurrency",
            _n(q["lambda_concurrency"])),
        row("pages", _n, "pages"),
        row("pages of the busiest child", _n, "pages_per_child",
            f"{_n(max_pages_per_child(stack.pages_per_call))} planned"),
        row(f"longest page Lambda call ({stack.pages_per_call} pages), seconds", rate(),
            "longest_call_seconds", f"{_n(stack.page_call_timeout)} timeout"),
        row("history events of the busiest child", _n, "history_events", _n(q["sfn_history_events"])),
        row("Map time, minutes", _minutes, "map_seconds", planned),
        [f"Map time as deployed (MaxConcurrency {_n(stack.map_max_concurrency)}), minutes",
         _minutes(days.ordinary_as_deployed.map_seconds), _minutes(days.worst_as_deployed.map_seconds),
         planned],
        row("accounts per second at the peak", rate(), "peak_accounts_per_second"),
        row("state transitions per second", rate(), "transitions_per_second", _n(q["sfn_transitions_per_s"])),
        row("bureau workflows started per second", rate(1), "starts_per_second", _n(q["sfn_starts_per_s"])),
        *[
            [f"write units per second, `{t}`", _n(ordinary.table_wcu[t]), _n(worst.table_wcu[t]),
             new_and_table]
            for t in sorted(worst.table_wcu)
        ],
        ["read units per second, `AccountsTable`", _n(ordinary.table_rcu["AccountsTable"]),
         _n(worst.table_rcu["AccountsTable"]),
         f"{_n(q['ddb_new_table_rcu'])} new / {_n(q['ddb_table_rcu'])}"],
        row("write units per second on one `collectible` shard", rate(), "collectible_partition_wcu",
            _n(q["ddb_partition_wcu"])),
        row("read units per second on one `collectible` shard", rate(1), "collectible_partition_rcu",
            _n(q["ddb_partition_rcu"])),
        row("write units per second on one `by_cycle_day` key", rate(), "cycle_day_partition_wcu",
            _n(q["ddb_partition_wcu"])),
        row("day records the close-day step reads, MB", _mb, "close_day_bytes"),
        row("... held at once (a page of records, the upload's parts), MB", _mb, "close_day_memory",
            f"{_n(stack.memory_mb)} MB memory"),
        row(f"... read in minutes, at an assumed {CLOSE_PAGE_SECONDS} s a 1 MB page", _minutes,
            "close_day_seconds", f"{_minutes(Decimal(stack.close_call_timeout))} minutes, its timeout"),
        row("AWS cost of the day, USD (Lambda billed at the measured time)", rate(2), "cost_usd"),
        row("... of which KMS, opening customers for the letters, USD", rate(2), "kms_usd"),
    ]  # fmt: skip
    header = [f"{_n(book)} accounts", f"ordinary day ({_n(measured.touch_rate * 100, 1)}% due)",
              "worst day (all due)", "quota or plan"]  # fmt: skip
    return _table(header, rows)


def render_shards(measured: Measured, stack: Stack) -> str:
    rows = []
    for book in BOOK_SIZES:
        try:
            days = ordinary_and_worst(book, measured, stack)
        except BookTooLarge:
            rows.append([_n(book), f"over {_n(shard_ceiling(stack))}", "no count fits", *["-"] * 6])
            continue
        worst, ordinary = days.worst, days.ordinary
        busiest = max(worst.table_wcu.values())
        rows.append(
            [_n(book), _n(days.plan.shards), days.plan.set_by, _minutes(worst.map_seconds),
             _minutes(ordinary.map_seconds), _n(worst.lambda_concurrency), _n(worst.history_events),
             "yes" if busiest > QUOTAS["ddb_new_table_wcu"].value else "no",
             _minutes(worst.close_day_seconds)]
        )  # fmt: skip
    header = ["Book (accounts)", "Shards", "Set by", "Worst day, Map minutes", "Ordinary day, Map minutes",
              "Peak Lambda concurrency", "History events, busiest child", "Pre-warm DynamoDB",
              "Worst day, close minutes"]  # fmt: skip
    return _table(header, rows)


def render_rule(measured: Measured, stack: Stack) -> str:
    """The rule's constants and its boundaries, as the document states them."""
    budget = Decimal(DEADLINE_SECONDS) * MAP_SHARE
    rows = [
        ["the Map's share of the hour", f"{_n(MAP_SHARE * 100)}% ({_minutes(budget)} min)"],
        [f"pages one child may take ({stack.pages_per_call} to a call; history quota, a retry per call)",
         _n(max_pages_per_child(stack.pages_per_call))],
        ["fewest shards", _n(MIN_SHARDS)],
        [f"bytes one shard adds to the Map's state, names of {PORTFOLIO_NAME_CHARS} characters",
         _n(state_bytes_per_shard())],
        [f"most shards, names of {PORTFOLIO_NAME_CHARS} characters (MaxValue, concurrency, state size)",
         _n(shard_ceiling(stack))],
        ["most shards, names of 64 characters", _n(shard_ceiling(stack, 64))],
        *[
            [f"largest book {_n(shards)} shards finish in time", _n(largest_book(shards, measured))]
            for shards in (16, 64, 256, 512)
        ],
    ]  # fmt: skip
    return _table(["Rule", "Value"], rows)


def render_reshard(measured: Measured, stack: Stack, book: int = BOOK) -> str:
    target = shards_for(book, measured, stack).shards
    job = reshard_job(book, stack.default_shards, target, measured)
    rows = [
        ["accounts read", _n(job.book)],
        ["accounts moved", _n(job.moved)],
        ["pages (one transaction each, checkpoint included)", _n(job.pages)],
        ["write units", _n(job.write_units)],
        ["read units (the scan)", _n(job.read_units)],
        ["AWS cost, USD", _n(job.cost_usd, 2)],
        [f"hours at {_n(RESHARD_PAGE_SECONDS, 1)} s per page (assumed, not measured)", _n(job.hours, 1)],
    ]
    return _table([f"Re-shard {_n(book)} accounts, {job.source} -> {job.target} shards", "Value"], rows)


def render_kms(measured: Measured, stack: Stack, book: int = BOOK) -> str:
    """KMS requests for personal data: as measured in a simulation, and as modelled for the book."""
    kms = load_kms()
    price = cm.Prices.from_table(PRICE_TABLE).kms_request
    fields_per_key, entries = _cache_limits()
    days = ordinary_and_worst(book, measured, stack)
    ordinary, worst = days.ordinary, days.worst

    def modelled(fields: int) -> tuple[Decimal, Decimal]:
        return (
            kms_requests(ordinary.due, ordinary.shards, book, measured, fields),
            kms_requests(worst.due, worst.shards, book, measured, fields),
        )

    as_is, alternative = modelled(fields_per_key), modelled(ALTERNATIVE_FIELDS_PER_KEY)
    letters = (ordinary.due * measured.letters_per_account, worst.due * measured.letters_per_account)
    rows = [
        ["**measured**: the simulation (bench/kms.py)", f"{_n(kms.accounts)} accounts, {_n(kms.days)} days"],
        ["letters that went out, printed / emailed",
         f"{_n(kms.letters_printed)} / {_n(kms.letters_emailed)}"],
        ["Decrypts of the page Lambda (a customer opened to address each letter)", _n(kms.page_requests)],
        ["Decrypts of the close of day (a customer opened per printed letter, for the manifest)",
         _n(kms.close_requests)],
        ["days times functions that opened a customer (each day's Lambdas start with no key cached)",
         _n(kms.cycle_function_days)],
        ["Decrypts per function and day", _n(kms.requests_per_function_day, 2)],
        ["Decrypts per letter", _n(kms.requests_per_letter, 2)],
        ["GenerateDataKey of the import (all its customers' fields)",
         f"{_n(kms.import_requests)} ({_n(kms.fields_sealed)} fields)"],
        ["GenerateDataKey of skip-trace (candidates sealed)", _n(kms.skiptrace_requests)],
        ["letters per account the cycle evaluates", _n(kms.letters_per_account, 3)],
        [f"**modelled**: personal fields of {_n(book)} customers", _n(book * measured.fields_per_customer)],
        [f"data keys they are sealed under, at {_n(fields_per_key)} fields a key at most",
         _n(data_keys(book, measured, fields_per_key))],
        ["data keys a warm Lambda keeps", _n(entries)],
        ["letters of the ordinary day / the worst day", f"{_n(letters[0])} / {_n(letters[1])}"],
        ["Decrypts of the ordinary day / the worst day", f"{_n(as_is[0])} / {_n(as_is[1])}"],
        ["Decrypts per letter, ordinary day / worst day",
         f"{_n(as_is[0] / letters[0], 2)} / {_n(as_is[1] / letters[1], 2)}"],
        ["KMS of the ordinary day / the worst day, USD",
         f"{_n(as_is[0] * price, 2)} / {_n(as_is[1] * price, 2)}"],
        [f"with {_n(ALTERNATIVE_FIELDS_PER_KEY)} fields a key: data keys",
         _n(data_keys(book, measured, ALTERNATIVE_FIELDS_PER_KEY))],
        ["... Decrypts of the ordinary day / the worst day",
         f"{_n(alternative[0])} / {_n(alternative[1])}"],
        ["price, USD per 10,000 requests", _n(price * 10_000, 2)],
    ]  # fmt: skip
    return _table(["KMS requests for personal data", "Value"], rows)


def render_summary(measured: Measured, stack: Stack, book: int = BOOK) -> str:
    """The page's conclusions in a paragraph, with the model's figures in it."""
    days = ordinary_and_worst(book, measured, stack)
    worst = days.worst
    busiest = max(worst.table_wcu, key=worst.table_wcu.get)
    return textwrap.fill(
        f"In short: {_n(book)} accounts need {_n(days.plan.shards)} shards at the page time measured "
        f"here. With every shard paged at once, the worst day's pages take {_minutes(worst.map_seconds)} "
        f"minutes and the ordinary day's {_minutes(days.ordinary.map_seconds)}, inside every quota below, "
        + (
            f"with the Map's `MaxConcurrency` ({_n(stack.map_max_concurrency)}) at least the shard count, "
            if stack.map_max_concurrency >= days.plan.shards
            else f"once the Map's `MaxConcurrency` ({_n(stack.map_max_concurrency)} today, which "
            f"stretches the worst day to {_minutes(days.worst_as_deployed.map_seconds)} minutes) "
            f"is raised to the shard count, "
        )
        + f"once the tables and indexes are pre-warmed before the first day "
        f"(the busiest, `{busiest}`, takes {_n(worst.table_wcu[busiest])} write units a second against the "
        f"{_n(QUOTAS['ddb_new_table_wcu'].value)} a new table starts with). The close of the worst day "
        f"reads {_mb(worst.close_day_bytes)} MB of the day's records a page at a time, holding about "
        f"{_mb(worst.close_day_memory)} MB of its {_n(stack.memory_mb)}, in about "
        f"{_minutes(worst.close_day_seconds)} minutes at an assumed {CLOSE_PAGE_SECONDS} s a page: "
        f"{_minutes(worst.map_seconds + worst.close_day_seconds)} minutes for the day.",
        width=100,
        break_on_hyphens=False,
    )


RENDERERS = {
    "summary": render_summary,
    "quotas": lambda m, s: render_quotas(),
    "measured": render_measured,
    "days": render_days,
    "rule": render_rule,
    "shards": render_shards,
    "reshard": render_reshard,
    "kms": render_kms,
}


def render_blocks(measured: Measured, stack: Stack) -> dict[str, str]:
    return {name: render(measured, stack) for name, render in RENDERERS.items()}


BLOCK = re.compile(r"<!-- scale:(?P<name>\w+) -->\n(?P<body>.*?)<!-- /scale:(?P=name) -->", re.S)


def blocks_in(text: str) -> dict[str, str]:
    return {m["name"]: m["body"].rstrip("\n") for m in BLOCK.finditer(text)}


def with_blocks(text: str, blocks: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        name = match["name"]
        return f"<!-- scale:{name} -->\n{blocks[name]}\n<!-- /scale:{name} -->"

    return BLOCK.sub(fill, text)


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_model", description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", type=Path, help="write bench/measured.json from this bench report")
    parser.add_argument("--write-doc", action="store_true", help="rewrite the figures in docs/scale.md")
    args = parser.parse_args(argv)
    if args.refresh:
        measured = measured_from_bench(json.loads(args.refresh.read_text()))
        MEASURED.write_text(json.dumps(measured, indent=2) + "\n")
        sys.stderr.write(f"wrote {MEASURED.relative_to(ROOT)} from {args.refresh}\n")
    blocks = render_blocks(load_measured(), stack_config())
    if args.write_doc:
        DOC.write_text(with_blocks(DOC.read_text(), blocks))
        sys.stderr.write(f"rewrote the figures in {DOC.relative_to(ROOT)}\n")
    else:
        for name, body in blocks.items():
            sys.stdout.write(f"<!-- scale:{name} -->\n{body}\n<!-- /scale:{name} -->\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
