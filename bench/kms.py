"""`python -m bench.kms`: the KMS requests personal data costs, counted in a simulation.

The simulator imports a book whose customers carry names, addresses, emails and phones (sealed under
the personal-data key as the import records them) and runs it through real daily cycles, whose
letters open the customer they are addressed to. Every KMS request any botocore client makes is
counted (the AWS Encryption SDK's too: it calls KMS through botocore), and put down to the Lambda
function whose invocation made it, or to the CLI's side (the import, the simulator's mail room).

In AWS each function runs in environments of its own, and a data key the SDK cached lasts five
minutes, never from one day's cycle to the next; in one local process every function and the CLI
would share one cache that never expires over a run of seconds. So the meter keeps the SDK's cache
per caller and per simulated day (a day's cycle finds no data key cached), as AWS would.

Written as JSON on stdout; `--write` keeps the figures the cost model and docs/scale.md use in
bench/kms_measured.json. Not counted: the KMS requests S3 and DynamoDB make for their own encryption
at rest (moto makes none; S3 Bucket Keys and DynamoDB's table keys keep them to a few per key and
hour, not per object or item).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

import botocore.client

from bench.run import ROOT, lambda_stdout, log

MEASURED = ROOT / "bench" / "kms_measured.json"
CLI_SIDE = "cli"  # the import and the simulator's own calls: not a Lambda function
# The functions whose KMS requests are the daily cycle's: the page Lambda addresses and sends the
# letters, the close of day writes the print manifest.
CYCLE_FUNCTIONS = ("ProcessPageFunction", "CloseDayFunction")
DEFAULTS = {"accounts": 150, "days": 30, "seed": 7, "start": "2026-01-01"}


@dataclass
class KmsMeter:
    """KMS requests by (caller, operation): the Lambda function running on the calling thread (the
    local runtime runs each invocation on the thread that invoked it), else the CLI's side."""

    calls: Counter = field(default_factory=Counter)
    day: str = "import"  # the simulated day whose cycle runs: data keys cached that day stay in it
    caches: set = field(default_factory=set)  # (caller, day): the SDK caches made, as AWS environments
    _where: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _caller(self) -> str:
        return getattr(self._where, "function", CLI_SIDE)

    @contextlib.contextmanager
    def counting(self, runtime) -> Iterator[KmsMeter]:
        from arrears.adapters import personal_data

        from arrears_cli import executions

        meter, original_call = self, botocore.client.BaseClient._make_api_call
        original_invoke, original_sdk, original_cycle = (
            runtime.invoke,
            personal_data._sdk,
            executions.run_cycle,
        )
        sdks: dict = {}

        def sdk(key_arn: str, region: str):
            where = (meter._caller(), meter.day)
            meter.caches.add(where)
            if (*where, key_arn, region) not in sdks:
                sdks[(*where, key_arn, region)] = original_sdk.__wrapped__(key_arn, region)
            return sdks[(*where, key_arn, region)]

        sdk.cache_clear = sdks.clear  # type: ignore[attr-defined]  # what a new local cloud calls

        def cycle(stack, portfolio, as_of, *args, **kwargs):
            meter.day = as_of.isoformat()
            return original_cycle(stack, portfolio, as_of, *args, **kwargs)

        def metered(client, operation_name, api_params):
            if client.meta.service_model.service_name == "kms":
                with meter._lock:
                    meter.calls[(meter._caller(), operation_name)] += 1
            return original_call(client, operation_name, api_params)

        def invoked(function_name, body, response_headers):
            outer = meter._caller()
            meter._where.function = runtime.spec(function_name).logical_id
            try:
                return original_invoke(function_name, body, response_headers)
            finally:
                meter._where.function = outer

        botocore.client.BaseClient._make_api_call = metered  # type: ignore[method-assign]
        runtime.invoke = invoked
        personal_data._sdk = sdk
        executions.run_cycle = cycle
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original_call  # type: ignore[method-assign]
            runtime.invoke = original_invoke
            personal_data._sdk = original_sdk
            executions.run_cycle = original_cycle

    def by_caller(self) -> dict[str, dict[str, int]]:
        grouped: dict[str, dict[str, int]] = defaultdict(dict)
        for (caller, operation), n in sorted(self.calls.items()):
            grouped[caller][operation] = n
        return dict(grouped)

    def environments(self, callers: tuple[str, ...]) -> int:
        """(function, day) pairs that used personal data: each a fresh cache, as a day's environments."""
        return sum(1 for caller, _ in self.caches if caller in callers)

    def total(self, callers: tuple[str, ...] | None = None) -> int:
        return sum(n for (caller, _), n in self.calls.items() if callers is None or caller in callers)


def letters_sent(accounts: list[str]) -> Counter:
    """Letters that went out, by channel: postal letters printed, emails sent (or sending)."""
    from arrears.store import accounts_repo, letters_repo

    went = Counter()
    for account_id in accounts:
        for item in accounts_repo.timeline(account_id, kind="letter"):
            if item.status in (letters_repo.PRINTED, letters_repo.SENT, letters_repo.SENDING):
                went[item.detail.get("channel") or "letter"] += 1
    return went


def fields_of(records: list[dict]) -> int:
    """Personal fields an import seals: the name and each contact point (an address is one field)."""
    return sum(
        bool(r.get("name")) + bool(r.get("address_line1")) + bool(r.get("email")) + bool(r.get("phone"))
        for r in records
    )


def measure(accounts: int, days: int, seed: int, start: date) -> dict:
    from arrears_cli.simulation import simulate
    from arrears_cli.stackref import StackRef
    from arrears_cli.synthetic import generate
    from arrears_cli.webhook_sender import Processors
    from localcloud import LocalCloud
    from localcloud.webhook_server import WebhookServer

    records, _ = generate(accounts, seed, start)
    meter = KmsMeter()
    with LocalCloud(stack_name="arrears-kms") as cloud:
        stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
        server = WebhookServer(cloud.handle_http, port=0).start()
        try:
            log(f"simulating {accounts} accounts for {days} days, counting KMS requests")
            started = time.perf_counter()
            with meter.counting(cloud.runtime), lambda_stdout():
                summary = simulate(
                    replace(stack, operator_api_url=server.url),
                    accounts,
                    days,
                    seed,
                    start,
                    Processors(server.url, cloud.webhook_secrets),
                )
            seconds = time.perf_counter() - started
            went = letters_sent([r["account_id"] for r in records])
        finally:
            server.stop()
    evaluated = sum(int(d.get("evaluated_accounts", 0)) for d in summary["per_day"])
    cycle = meter.total(CYCLE_FUNCTIONS)
    letters = sum(went.values())
    by_caller = meter.by_caller()
    return {
        "source": "bench/kms.py: `python -m bench.kms --write`, a simulation in the local cloud, every KMS "
        "request counted at botocore and put down to the Lambda function that made it",
        "run": {"accounts": accounts, "days": days, "seed": seed, "start": start.isoformat()},
        "seconds": round(seconds, 1),
        "executions": summary["executions"],
        "customers_imported": sum(1 for r in records if r.get("name")),
        "fields_sealed_at_import": fields_of(records),
        "letters": dict(sorted(went.items())),
        "accounts_evaluated": evaluated,
        "kms_by_caller": by_caller,
        "import_requests": sum(by_caller.get(CLI_SIDE, {}).values()),
        "cycle_requests": cycle,
        "cycle_requests_per_letter": round(cycle / letters, 3) if letters else None,
        # each of these started the day with no data key cached, as a day's environments in AWS
        "cycle_function_days": meter.environments(CYCLE_FUNCTIONS),
        "letters_per_evaluated_account": round(letters / evaluated, 4) if evaluated else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kms", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=DEFAULTS["accounts"])
    parser.add_argument("--days", type=int, default=DEFAULTS["days"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--start", default=DEFAULTS["start"])
    parser.add_argument("--write", action="store_true", help=f"keep the figures in {MEASURED.name}")
    args = parser.parse_args(argv)
    figures = measure(args.accounts, args.days, args.seed, date.fromisoformat(args.start))
    text = json.dumps(figures, indent=2) + "\n"
    if args.write:
        MEASURED.write_text(text)
        log(f"wrote {MEASURED.relative_to(ROOT)}")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
