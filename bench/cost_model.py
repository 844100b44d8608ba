"""What a daily cycle costs in AWS: billing rules and prices, as pure functions (no AWS calls).

Money is Decimal throughout; only the report rounds to cents. The rules follow
shared/notes/aws-costs.md; where a figure is an assumption rather than a rule, it is named in
ASSUMPTIONS so the report can print it beside the numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

MILLION = 1_000_000
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
CENT = Decimal("0.01")

# The collection_cycle ASL on its success path (statemachines/collection_cycle.asl.json).
PARENT_STATES = 5  # take the lock, has the day run? (Choice), list shards, the Map, close the day
PAGE_STATES = 2  # each loop of a child: the Task (one Lambda call, several pages), the Choice "more?"
CHILD_FINAL_STATES = 1  # the Pass "the shard is done"
CHILD_START_TRANSITIONS = 1  # Distributed Map: one transition per child execution started
PER_CYCLE_LAMBDA_CALLS = 3  # take lock, list shards, close day
PER_CYCLE_S3_PUTS = 1  # the day's summary

# The design argued against: one Standard execution per account (aws-costs.md).
PER_EXECUTION_TRANSITIONS = 10
PER_EXECUTION_LAMBDA_CALLS = 3

ASSUMPTIONS = {
    "lambda_duration": "20 ms of billed Lambda time per account at the template's memory; local wall "
    "time is not representative of AWS and is not used for cost",
    "lambda_fixed_calls": "the 3 per-cycle calls (lock, shards, close) are billed as requests only",
    "transitions": "one per state entered (history *StateEntered events) plus one per Distributed Map "
    "child started; no retries (a retry would add one each)",
    "page_count": "a shard of n due accounts takes n // page_size + 1 pages (DynamoDB returns a "
    "cursor when a page is exactly full, so one more, empty, page follows), worked pages_per_call "
    "pages to a Lambda call (dunning.cycle.PAGES_PER_CALL)",
    "dynamodb_writes": "1 write unit per started KB of the larger of the item before and after; a GSI "
    "key change is a delete and a put in the index, each sized by the projected entry; transactions "
    "double the table's units",
    "dynamodb_reads": "consistent reads 1 unit per started 4 KB per item; a Query is sized by the sum of "
    "the items it returns, rounded up to 4 KB, half for eventually consistent (every GSI query)",
    "dynamodb_per_account": "measured units per touched account are scaled linearly, so the bench's "
    "per-cycle items (lock, census) are counted as if they recurred per account: slightly high",
    "dynamodb_import_day": "the bench runs the import date, when every account leaves 'new' and so writes "
    "a stage record (Activity table; its by_cycle_day index takes only the moves the KPIs read); on a "
    "usual day only accounts whose bucket, status or balance moved do, so the measured write units are "
    "the high end",
    "per_execution_design": "10 transitions and 3 Lambda requests per account, the same 20 ms of Lambda "
    "work and the same DynamoDB units per account as Arrears: only orchestration differs",
    "portfolio": "cost per 1M portfolio accounts = cost per 1M touched accounts x touch rate (the "
    "per-cycle fixed part, under a cent, is scaled too)",
    "kms": "KMS requests for personal data (opening the customer a letter is addressed to): as counted "
    "in the bench's cycle, where every function shares one process and so one data-key cache (the "
    "floor); docs/scale.md models a large book's day (bench/scale_model.kms_requests). Not the "
    "requests S3 and DynamoDB make for encryption at rest, nor the keys' monthly fee",
    "not_included": "CloudWatch Logs (state machine logging at ERROR), X-Ray, storage, PITR, data "
    "transfer, free tiers",
}


# ---------------------------------------------------------------- prices


@dataclass(frozen=True)
class Prices:
    """USD per single unit, exact."""

    transition: Decimal
    map_child_start: Decimal
    lambda_request: Decimal
    lambda_gb_second: Decimal
    write_unit: Decimal
    read_unit: Decimal
    s3_put: Decimal
    kms_request: Decimal

    @classmethod
    def from_table(cls, table: Mapping) -> Prices:
        items = table["items"]

        def unit(name: str) -> Decimal:
            return Decimal(items[name]["usd"]) / Decimal(items[name]["per"])

        return cls(
            transition=unit("sfn_standard_transition"),
            map_child_start=unit("sfn_distributed_map_child_start"),
            lambda_request=unit("lambda_request"),
            lambda_gb_second=unit("lambda_arm64_gb_second"),
            write_unit=unit("dynamodb_write_request_unit"),
            read_unit=unit("dynamodb_read_request_unit"),
            s3_put=unit("s3_standard_put"),
            kms_request=unit("kms_request"),
        )


# ---------------------------------------------------------------- DynamoDB units


def attribute_size(value: Mapping) -> int:
    """Bytes of one low-level AttributeValue, by the DynamoDB developer guide's item-size rules."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in data.items())
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    raise ValueError(f"unknown attribute type {kind}")


def _number_size(text: str) -> int:
    # About one byte per two significant digits, plus one; leading and trailing zeros do not count.
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def item_size(item: Mapping | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size_bytes: int, transactional: bool = False) -> int:
    units = max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))
    return units * 2 if transactional else units


def read_units(size_bytes: int, consistent: bool, transactional: bool = False) -> Decimal:
    blocks = Decimal(max(1, math.ceil(size_bytes / READ_UNIT_BYTES)))
    if transactional:
        return blocks * 2
    return blocks if consistent else blocks / 2


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    included: tuple[str, ...] = ()


def projected(item: Mapping, index: IndexSpec, table_keys: tuple[str, ...]) -> dict:
    if index.projection == "ALL":
        return dict(item)
    wanted = set(index.keys) | set(table_keys) | set(index.included)
    return {k: v for k, v in item.items() if k in wanted}


def _in_index(item: Mapping | None, index: IndexSpec) -> bool:
    return item is not None and all(k in item for k in index.keys)


@dataclass(frozen=True)
class Footprint:
    """What is kept of an item to price its next write without keeping the item: its size, the
    values of its table and index keys, and its entry in each index it is in (size and digest)."""

    size: int
    keys: dict[str, str]
    entries: dict[str, tuple[int, str]]


def footprint(
    item: Mapping | None, indexes: tuple[IndexSpec, ...], table_keys: tuple[str, ...]
) -> Footprint | None:
    if not item:
        return None
    entries = {}
    for index in indexes:
        if _in_index(item, index):
            entry = projected(item, index, table_keys)
            digest = hashlib.sha1(json.dumps(entry, sort_keys=True).encode(), usedforsecurity=False)
            entries[index.name] = (item_size(entry), digest.hexdigest())
    names = set(table_keys).union(*(index.keys for index in indexes))
    keys = {k: json.dumps(item[k], sort_keys=True) for k in names if k in item}
    return Footprint(item_size(item), keys, entries)


def index_write_units(
    old: Mapping | None, new: Mapping | None, index: IndexSpec, table_keys: tuple[str, ...]
) -> int:
    """Write units one base-table write costs in one GSI (sparse indexes skip items without its keys)."""
    return index_units(footprint(old, (index,), table_keys), footprint(new, (index,), table_keys), index)


def index_units(old: Footprint | None, new: Footprint | None, index: IndexSpec) -> int:
    was = old is not None and index.name in old.entries
    now = new is not None and index.name in new.entries
    if not was and not now:
        return 0
    if was and now and all(old.keys.get(k) == new.keys.get(k) for k in index.keys):  # type: ignore[union-attr]
        same = old.entries[index.name] == new.entries[index.name]  # type: ignore[union-attr]
        return 0 if same else write_units(new.entries[index.name][0])  # type: ignore[union-attr]
    deleted = write_units(old.entries[index.name][0]) if was else 0  # type: ignore[union-attr]
    added = write_units(new.entries[index.name][0]) if now else 0  # type: ignore[union-attr]
    return deleted + added  # a key change is a delete and a put


# ---------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Workload:
    """What one daily cycle consumes while it touches `accounts` accounts."""

    accounts: int
    transitions: Decimal
    map_child_starts: Decimal
    lambda_requests: Decimal
    lambda_gb_seconds: Decimal
    write_units: Decimal
    read_units: Decimal
    s3_puts: Decimal
    kms_requests: Decimal = Decimal(0)  # personal data opened for the day's letters


def step_functions_transitions(parent_states_entered: int, children: int, page_calls: int) -> int:
    """States entered in the parent plus in its Distributed Map children (child starts are separate)."""
    return parent_states_entered + children * CHILD_FINAL_STATES + page_calls * PAGE_STATES


def pages_for(accounts: int, shards: int, page_size: int) -> int:
    """Pages a cycle takes when the due accounts are spread evenly over the shards."""
    return sum(n * (due // page_size + 1) for n, due in _shard_loads(accounts, shards))


def page_calls_for(accounts: int, shards: int, page_size: int, pages_per_call: int = 1) -> int:
    """Lambda calls the shards' pages take, `pages_per_call` pages to a call."""
    return sum(n * -(-(due // page_size + 1) // pages_per_call) for n, due in _shard_loads(accounts, shards))


def _shard_loads(accounts: int, shards: int) -> tuple[tuple[int, int], ...]:
    """(shards, due accounts in each) when the due accounts are spread evenly over the shards."""
    base, extra = divmod(accounts, shards)
    return ((extra, base + 1), (shards - extra, base))


def lambda_gb_seconds(accounts: int, ms_per_account: Decimal, memory_mb: int) -> Decimal:
    return Decimal(accounts) * ms_per_account / 1000 * Decimal(memory_mb) / 1024


def paged_cycle(
    accounts: int,
    *,
    page_size: int,
    shards: int,
    write_units_per_account: Decimal,
    read_units_per_account: Decimal,
    ms_per_account: Decimal,
    memory_mb: int,
    pages_per_call: int = 1,
    kms_requests_per_account: Decimal = Decimal(0),
) -> Workload:
    """The Arrears design: a Distributed Map child per shard, pages of accounts worked by each Lambda call."""
    calls = page_calls_for(accounts, shards, page_size, pages_per_call)
    return Workload(
        accounts=accounts,
        transitions=Decimal(step_functions_transitions(PARENT_STATES, shards, calls)),
        map_child_starts=Decimal(shards * CHILD_START_TRANSITIONS),
        lambda_requests=Decimal(calls + PER_CYCLE_LAMBDA_CALLS),
        lambda_gb_seconds=lambda_gb_seconds(accounts, ms_per_account, memory_mb),
        write_units=write_units_per_account * accounts,
        read_units=read_units_per_account * accounts,
        s3_puts=Decimal(PER_CYCLE_S3_PUTS),
        kms_requests=kms_requests_per_account * accounts,
    )


def execution_per_account(
    accounts: int,
    *,
    write_units_per_account: Decimal,
    read_units_per_account: Decimal,
    ms_per_account: Decimal,
    memory_mb: int,
    transitions_per_account: int = PER_EXECUTION_TRANSITIONS,
    lambda_calls_per_account: int = PER_EXECUTION_LAMBDA_CALLS,
    kms_requests_per_account: Decimal = Decimal(0),
) -> Workload:
    """The design argued against: one Standard execution per account per day."""
    return Workload(
        accounts=accounts,
        transitions=Decimal(accounts * transitions_per_account),
        map_child_starts=Decimal(0),
        lambda_requests=Decimal(accounts * lambda_calls_per_account),
        lambda_gb_seconds=lambda_gb_seconds(accounts, ms_per_account, memory_mb),
        write_units=write_units_per_account * accounts,
        read_units=read_units_per_account * accounts,
        s3_puts=Decimal(PER_CYCLE_S3_PUTS),
        kms_requests=kms_requests_per_account * accounts,
    )


def transactional(workload: Workload) -> Workload:
    """The same cycle with the account update and its activity put wrapped in one transaction."""
    return _replace(workload, write_units=workload.write_units * 2)


def _replace(workload: Workload, **changes) -> Workload:
    values = {f.name: getattr(workload, f.name) for f in fields(workload)}
    return Workload(**{**values, **changes})


# ---------------------------------------------------------------- pricing


def cost(workload: Workload, prices: Prices) -> dict[str, Decimal]:
    """USD of one cycle, by line; `total` is their sum."""
    lines = {
        "step_functions": workload.transitions * prices.transition
        + workload.map_child_starts * prices.map_child_start,
        "lambda_requests": workload.lambda_requests * prices.lambda_request,
        "lambda_compute": workload.lambda_gb_seconds * prices.lambda_gb_second,
        "dynamodb_writes": workload.write_units * prices.write_unit,
        "dynamodb_reads": workload.read_units * prices.read_unit,
        "s3_puts": workload.s3_puts * prices.s3_put,
        "kms": workload.kms_requests * prices.kms_request,
    }
    lines["total"] = sum(lines.values(), Decimal(0))
    return lines


def scaled(lines: Mapping[str, Decimal], factor: Decimal) -> dict[str, Decimal]:
    return {name: value * factor for name, value in lines.items()}


def per_million_touched(workload: Workload, prices: Prices) -> dict[str, Decimal]:
    """Cost of a cycle scaled linearly to 1M touched accounts."""
    return scaled(cost(workload, prices), Decimal(MILLION) / Decimal(workload.accounts))


def per_million_portfolio(per_touched: Mapping[str, Decimal], touch_rate: Decimal) -> dict[str, Decimal]:
    """Cost per 1M accounts held, when a fraction `touch_rate` of them is touched each day."""
    if not Decimal(0) <= touch_rate <= Decimal(1):
        raise ValueError(f"touch rate must be between 0 and 1, not {touch_rate}")
    return scaled(per_touched, touch_rate)


def ratio(numerator: Mapping[str, Decimal], denominator: Mapping[str, Decimal]) -> Decimal:
    return numerator["total"] / denominator["total"]


def to_cents(lines: Mapping[str, Decimal]) -> dict[str, float]:
    """For the report: estimated USD rounded to cents (the inputs are estimates too)."""
    return {name: float(value.quantize(CENT, rounding=ROUND_HALF_UP)) for name, value in lines.items()}
