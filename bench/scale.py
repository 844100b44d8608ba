"""`python -m bench.scale`: a large book imported and worked in the local cloud, at two sizes.

For each size, in a process of its own (so its peak memory is its own): the import, the first
cycle (every account evaluated), then five ordinary days. Written to out/scale.json: time per
account at each size and how it grows between them, peak memory, DynamoDB calls and write units
per touched account, Step Functions transitions per touched account. Exits non-zero when a
figure is outside its limit, so `make scale` says so.

The local path must stay linear in the book: a query that walks the whole table, or a day that
re-reads every account, shows up here as growth between the two sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess  # nosec B404 # runs this same module for one size
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.run import ROOT, ApiMeter, dynamodb_section, log, state_transitions, table_specs

START = date(2026, 3, 1)
ORDINARY_DAYS = 5
PORTFOLIO = "main"
SIZES = (10_000, 100_000)
# Issue 14's limits: per-account time may grow at most 1.2x from the small book to the large one.
MAX_GROWTH = 1.2
MAX_PEAK_GIB = 4.0
MAX_WRITE_UNITS = 4.0
MAX_DYNAMODB_CALLS = 2.5


# A day in which every account of a large book is due runs long in one local process: the wait
# allows this much per account before calling the cycle stuck (never under the CLI's 15 minutes).
WAIT_PER_ACCOUNT_S = 0.1


def _cycle(stack, cloud, day: date, meter: ApiMeter, book_size: int = 0) -> dict:
    from arrears_cli import executions

    before = cloud.runtime.invocations.get("ProcessPageFunction", 0)
    started = time.perf_counter()
    with meter:
        described = executions.run_cycle(
            stack, PORTFOLIO, day, timeout_s=max(900.0, WAIT_PER_ACCOUNT_S * book_size)
        )
    seconds = time.perf_counter() - started
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"the cycle of {day} ended {described['status']}: {described.get('cause')}")
    output = json.loads(described["output"])
    page_calls = cloud.runtime.invocations.get("ProcessPageFunction", 0) - before
    transitions = state_transitions(
        stack.client("stepfunctions"), described["executionArn"], output, page_calls
    )
    return {"as_of": day.isoformat(), "seconds": seconds, "output": output, "transitions": transitions}


def run_one(accounts_wanted: int, seed: int) -> dict:
    """One book: import, first cycle, five ordinary days; figures per touched account."""
    from arrears.store import accounts_repo

    from arrears_cli.portfolio_import import validate
    from arrears_cli.stackref import StackRef
    from arrears_cli.synthetic import generate
    from localcloud import LocalCloud

    cloud = LocalCloud(stack_name="arrears-scale").start()
    try:
        stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
        log(f"{accounts_wanted}: generating and validating")
        # Accounts without their customers: recording a customer (its fields sealed, its lookup items,
        # the account's reach) takes ~12 ms more an account here, over twenty minutes for the large
        # book. Their letters are then refused for want of an address (and the accounts routed);
        # bench/run.py and bench/kms.py measure a book with its customers.
        records, _ = generate(accounts_wanted, seed, START, people=False)
        accounts = validate(list(enumerate(records, 1)), PORTFOLIO, START, stack.shard_count)
        log(f"{accounts_wanted}: importing")
        started = time.perf_counter()
        for account in accounts:
            accounts_repo.create_account(account)
        import_seconds = time.perf_counter() - started
        book_size = len(accounts)
        del records, accounts  # the book now lives in the local cloud; peak memory is the cloud's
        specs = table_specs(stack.client("dynamodb"))
        days = []
        meters = []
        for offset in range(ORDINARY_DAYS + 1):
            day = START + timedelta(days=offset)
            log(f"{accounts_wanted}: cycle of {day}")
            meter = ApiMeter(specs)
            days.append(_cycle(stack, cloud, day, meter, book_size))
            meter.forget_items()
            meters.append(meter)
    finally:
        cloud.stop()
    first, ordinary = days[0], days[1:]
    touched_first = int(first["output"].get("evaluated_accounts", 0))
    touched_ordinary = sum(int(d["output"].get("evaluated_accounts", 0)) for d in ordinary)
    merged = ApiMeter(specs)
    for meter in meters:
        merged.calls.update(meter.calls)
        merged.write_units.update(meter.write_units)
        merged.read_units.update(meter.read_units)
        for table, sizes in meter.write_bytes.items():
            merged.write_bytes[table].extend(sizes)
    touched = touched_first + touched_ordinary
    transitions = sum(d["transitions"]["total"] for d in days)
    worked_seconds = import_seconds + sum(d["seconds"] for d in days)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "accounts": book_size,
        "seconds": {
            "import": round(import_seconds, 2),
            "first_cycle": round(first["seconds"], 2),
            "ordinary_days": [round(d["seconds"], 2) for d in ordinary],
            "total": round(worked_seconds, 2),
        },
        "ms_per_account": {
            "import": round(1000 * import_seconds / book_size, 3),
            "first_cycle": round(1000 * first["seconds"] / max(touched_first, 1), 3),
            "ordinary_day_per_touched": round(
                1000 * sum(d["seconds"] for d in ordinary) / max(touched_ordinary, 1), 3
            ),
            "whole_run": round(1000 * worked_seconds / book_size, 3),
        },
        "touched_accounts": {"first_cycle": touched_first, "ordinary_days": touched_ordinary},
        "peak_memory_mib": round(peak_kib / 1024, 1),
        "dynamodb": dynamodb_section(merged, touched),
        "step_functions_transitions_per_touched_account": round(transitions / touched, 4),
        "days": [
            {"as_of": d["as_of"], **{k: d["output"].get(k) for k in ("evaluated_accounts", "pages")}}
            for d in days
        ],
    }


def _in_own_process(accounts: int, seed: int) -> dict:
    answer = subprocess.run(  # nosec B603 # this module, with our own arguments
        [sys.executable, "-m", "bench.scale", "--one", str(accounts), "--seed", str(seed)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
    )
    return json.loads(answer.stdout)


def verdicts(small: dict, large: dict) -> dict:
    growth = large["ms_per_account"]["whole_run"] / small["ms_per_account"]["whole_run"]
    peak_gib = max(small["peak_memory_mib"], large["peak_memory_mib"]) / 1024
    writes = large["dynamodb"]["write_units_per_touched_account"]
    calls = large["dynamodb"]["dynamodb_calls_per_touched_account"]
    return {
        "growth_per_account": {"value": round(growth, 3), "limit": MAX_GROWTH, "ok": growth <= MAX_GROWTH},
        "peak_memory_gib": {
            "value": round(peak_gib, 3),
            "limit": MAX_PEAK_GIB,
            "ok": peak_gib <= MAX_PEAK_GIB,
        },
        "write_units_per_touched_account": {
            "value": writes,
            "limit": MAX_WRITE_UNITS,
            "ok": writes <= MAX_WRITE_UNITS,
        },
        "dynamodb_calls_per_touched_account": {
            "value": calls,
            "limit": MAX_DYNAMODB_CALLS,
            "ok": calls <= MAX_DYNAMODB_CALLS,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "scale.json")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, JSON on stdout
    args = parser.parse_args(argv)
    if args.one:
        figures = run_one(args.one, args.seed)
        # sys.__stdout__: a bureau workflow the last cycle started may still be running, and the
        # in-process Lambda runtime points sys.stdout at the functions' log while it runs
        json.dump(figures, sys.__stdout__)
        sys.__stdout__.flush()
        return 0
    started = time.perf_counter()
    small, large = (_in_own_process(n, args.seed) for n in args.sizes)
    result = {
        "run": {
            "sizes": list(args.sizes),
            "seed": args.seed,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "small": small,
        "large": large,
        "limits": verdicts(small, large),
        "how": "each size in its own process: import, first cycle, five ordinary days through the local "
        "cloud; "
        "time per account is the whole run's wall time over the book; peak memory is the process's maximum "
        "resident set; DynamoDB and Step Functions figures as `make bench` counts them, over all six cycles",
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    failed = [name for name, verdict in result["limits"].items() if not verdict["ok"]]
    for name, verdict in result["limits"].items():
        log(f"{name}: {verdict['value']} (limit {verdict['limit']}) {'ok' if verdict['ok'] else 'OVER'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
