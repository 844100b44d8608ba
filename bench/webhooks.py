"""The payment webhook handler against a bare Powertools handler: cold import and warm latency.

Both are measured in the same run, interleaved, and reported as ratios as well as times; the
warm path runs the real handler in process on the local cloud (moto DynamoDB, Secrets Manager
and EventBridge), so its absolute times say more about moto than about Lambda.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLER, BARE = "payment_webhook.app", "bench.bare_handler"
IMPORT_ROUNDS = 5


def _import_seconds(module: str) -> float:
    """A fresh interpreter importing the module, as a cold Lambda init does (interpreter start excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "functions"), str(ROOT / "functions" / "common"), str(ROOT)]
        ),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(done.stdout.strip().splitlines()[-1])


def cold_import() -> dict:
    handler, bare = [], []
    for _ in range(IMPORT_ROUNDS):  # interleaved, so both see the same machine
        handler.append(_import_seconds(HANDLER))
        bare.append(_import_seconds(BARE))
    h, b = statistics.median(handler), statistics.median(bare)
    return {
        "path": f"median of {IMPORT_ROUNDS} fresh interpreters importing the module, handler and bare "
        "interleaved",
        "handler_ms": round(h * 1000, 1),
        "bare_powertools_ms": round(b * 1000, 1),
        "handler_vs_bare_ratio": round(h / b, 2),
    }


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(cut[49] * 1000, 2), "p99_ms": round(cut[98] * 1000, 2)}


def warm_latency(deliveries: int = 200) -> dict:
    """Each delivery a new signed Stripe payment for one account, through the handler in process."""
    import importlib

    from arrears import accounts_repo
    from arrears.account import Account, ProductType, shard_of
    from arrears.ledger import Due
    from arrears.money import Money

    from arrears_cli.stackref import StackRef
    from arrears_cli.webhook_sender import Kind, build, new_payment_id
    from localcloud import LocalCloud
    from localcloud.http_api import route_for, to_event
    from localcloud.lambda_runtime import FakeContext

    with LocalCloud(stack_name="arrears-bench-webhooks") as cloud:
        stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
        accounts_repo.create_account(
            Account(
                "BENCH-1", "main", ProductType.OPEN_END, "USD", 10**9, 10**9,
                (Due(date(2026, 2, 13), 10**6),),
                "en-US", "America/New_York", "US",
                home_shard=shard_of("BENCH-1", "main", stack.shard_count), next_action_on=date(2026, 3, 1),
            )
        )  # fmt: skip
        handler = importlib.import_module(HANDLER).lambda_handler
        bare = importlib.import_module(BARE).lambda_handler
        spec = cloud.stack.functions["PaymentWebhookFunction"]

        def event() -> dict:
            sent = build(
                "stripe", Kind.PAYMENT, [cloud.webhook_secrets["stripe"]], amount=Money(100, "USD"),
                payment_id=new_payment_id("stripe"), account_id="BENCH-1",
            )  # fmt: skip
            route, params = route_for(cloud.stack.http_routes, "POST", sent.path)
            return to_event(route, params, "POST", sent.path, sent.headers, sent.body)

        def timed(function, payload) -> float:
            context = FakeContext(spec.name, spec.arn, spec.memory_mb, spec.timeout_s)
            started = time.perf_counter()
            answer = function(payload, context)
            elapsed = time.perf_counter() - started
            if answer["statusCode"] != 200:
                raise RuntimeError(f"the handler answered {answer['statusCode']}: {answer.get('body')}")
            return elapsed

        for _ in range(10):  # warm: clients built, secret cached, modules loaded
            timed(handler, event())
            timed(bare, event())
        handler_s, bare_s = [], []
        for _ in range(deliveries):
            payload = event()
            handler_s.append(timed(handler, payload))
            bare_s.append(timed(bare, payload))
        ledger = len(accounts_repo.timeline("BENCH-1", kind="ledger"))
    handler_p, bare_p = _percentiles(handler_s), _percentiles(bare_s)
    return {
        "path": "lambda_handler called in process with API Gateway v2 events of new signed Stripe payments, "
        "local cloud (moto) behind it; the bare Powertools handler gets the same events, interleaved",
        "deliveries": deliveries,
        "ledger_entries_written": ledger,
        "handler": handler_p,
        "bare_powertools": bare_p,
        "p50_handler_vs_bare_ratio": round(handler_p["p50_ms"] / bare_p["p50_ms"], 1),
    }


def report() -> dict:
    return {"cold_import": cold_import(), "warm": warm_latency()}
