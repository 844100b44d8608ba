"""Every Lambda handler against a bare Powertools handler (cold import), and the payment webhook
handler against it warm: `python -m bench.webhooks` runs this section alone.

All figures come from one run: the handlers and the bare handler are measured interleaved and
reported as ratios as well as times. The warm path runs the real webhook handler in process on the
local cloud (moto DynamoDB, Secrets Manager and EventBridge); the time its AWS calls spend in moto is
reported apart (`handler_inside_moto`), because locally that is moto parsing, storing and
serialising, where a Lambda would wait on DynamoDB across the network.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLER, BARE = "payment_webhook.app", "bench.bare_handler"
IMPORT_ROUNDS = 11  # a shared machine is noisy: more rounds, and ratios taken within each


def _environment(bytecode: Path, write: bool) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "functions"), str(ROOT / "functions" / "common"), str(ROOT)]
        ),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "PYTHONPYCACHEPREFIX": str(bytecode),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _import_seconds(module: str, bytecode: Path) -> tuple[float, float]:
    """A fresh interpreter importing the module, as a cold Lambda init does (interpreter start excluded):
    wall time, and the process's CPU time, which a busy machine inflates far less."""
    code = (
        f"import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
        "print(time.perf_counter() - t, time.process_time() - c)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_environment(bytecode, write=False),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _bytecode_as_in_lambda(modules: list[str], bytecode: Path) -> None:
    """Bytecode where Lambda has it: the runtime's and the layer's (the layer's Makefile compiles it),
    not the function's own code, which SAM ships as source to a read-only /var/task, so every cold
    start compiles it. One import of each module writes it all; then the functions' own goes."""
    for module in modules:
        subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            env=_environment(bytecode, write=True),
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    mirrored = bytecode / ROOT.relative_to(ROOT.anchor)
    for code in [mirrored / "bench", *(mirrored / "functions").iterdir()]:
        if code.is_dir() and code.name != "common":
            shutil.rmtree(code)


def handler_modules() -> dict[str, list[str]]:
    """Each module template.yaml names in a Handler, with the functions whose cold start imports it."""
    from localcloud.template import load_template, resources_of_type

    functions = resources_of_type(load_template(ROOT / "template.yaml"), "AWS::Serverless::Function")
    modules: dict[str, list[str]] = defaultdict(list)
    for logical, resource in sorted(functions.items()):
        modules[resource["Properties"]["Handler"].rsplit(".", 1)[0]].append(logical)
    return dict(sorted(modules.items()))


def cold_import() -> dict:
    modules = handler_modules()
    samples: dict[str, list[tuple[float, float]]] = {module: [] for module in [BARE, *modules]}
    with tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode:
        _bytecode_as_in_lambda(list(samples), Path(bytecode))
        for _ in range(IMPORT_ROUNDS):  # interleaved, so every module sees the same machine
            for module in samples:
                samples[module].append(_import_seconds(module, Path(bytecode)))
    wall = {m: statistics.median(w for w, _ in runs) for m, runs in samples.items()}
    cpu = {m: statistics.median(c for _, c in runs) for m, runs in samples.items()}

    def ratio(module: str, which: int) -> float:
        """The median of each round's ratio: a round measures both within seconds, so a busy
        machine's drift between rounds cancels out."""
        pairs = zip(samples[module], samples[BARE], strict=True)
        return round(statistics.median(h[which] / b[which] for h, b in pairs), 2)

    handlers = {
        module: {
            "functions": modules[module],
            "ms": round(wall[module] * 1000, 1),
            "vs_bare_ratio": ratio(module, 0),
            "cpu_ms": round(cpu[module] * 1000, 1),
            "cpu_vs_bare_ratio": ratio(module, 1),
        }
        for module in modules
    }
    return {
        "path": f"median of {IMPORT_ROUNDS} rounds of fresh interpreters importing each handler module of "
        "template.yaml and the bare Powertools handler, interleaved; libraries and the layer from "
        "bytecode, each function's own package (and the bare handler) compiled at import, as in Lambda; "
        "ratios are the median of each round's ratio",
        "bare_powertools_ms": round(wall[BARE] * 1000, 1),
        "bare_powertools_cpu_ms": round(cpu[BARE] * 1000, 1),
        "handlers": handlers,
        "worst_vs_bare_ratio": max(h["vs_bare_ratio"] for h in handlers.values()),
    }


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(cut[49] * 1000, 2), "p99_ms": round(cut[98] * 1000, 2)}


class MotoClock:
    """Time spent inside moto, which stands where the network and AWS would be, and on which calls.

    botocore hands every prepared request, boto3's and PynamoDB's alike, to moto's stubber on its
    `before-send` event; wrapping the stubber for the `with` block splits a delivery's time into
    moto's part and ours (the handler, Powertools, and botocore building and parsing the calls,
    all of which a Lambda does too).
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls: list[str] = []

    def __enter__(self) -> MotoClock:
        from moto.core.botocore_stubber import BotocoreStubber

        clock, self._original = self, BotocoreStubber.__call__

        def timed(stubber, event_name, request, **kwargs):
            started = time.perf_counter()
            try:
                return clock._original(stubber, event_name, request, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - started
                clock.calls.append(event_name.removeprefix("before-send."))

        BotocoreStubber.__call__ = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        BotocoreStubber.__call__ = self._original  # type: ignore[method-assign]

    def lap(self) -> tuple[float, list[str]]:
        """moto's time and the calls it answered since the last lap."""
        done = self.seconds, self.calls
        self.seconds, self.calls = 0.0, []
        return done


def warm_latency(deliveries: int = 200) -> dict:
    """Each delivery a new signed Stripe payment for one account, through the handler in process."""
    import importlib

    from arrears.domain.account import Account, ProductType, shard_of
    from arrears.domain.ledger import Due
    from arrears.domain.money import Money
    from arrears.store import accounts_repo

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
        handler_s, moto_s, bare_s, calls = [], [], [], []
        with MotoClock() as clock:
            for _ in range(deliveries):
                payload = event()
                clock.lap()
                handler_s.append(timed(handler, payload))
                spent, made = clock.lap()
                moto_s.append(spent)
                calls.append(made)
                bare_s.append(timed(bare, payload))
        ledger = len(accounts_repo.timeline("BENCH-1", kind="ledger"))
    return _warm_report(deliveries, ledger, handler_s, moto_s, bare_s, calls)


def _warm_report(deliveries, ledger, handler_s, moto_s, bare_s, calls) -> dict:
    handler_p, bare_p = _percentiles(handler_s), _percentiles(bare_s)
    ours = [total - moto for total, moto in zip(handler_s, moto_s, strict=True)]
    p99_cut = statistics.quantiles(sorted(handler_s), n=100, method="inclusive")[98]
    slowest = [(t, m) for t, m in zip(handler_s, moto_s, strict=True) if t >= p99_cut]
    per_delivery = defaultdict(int)
    for made in calls:
        for call in made:
            per_delivery[call] += 1
    return {
        "path": "lambda_handler called in process with API Gateway v2 events of new signed Stripe payments, "
        "local cloud (moto) behind it; the bare Powertools handler gets the same events, interleaved; "
        "moto's part timed around its botocore stubber (where a Lambda would wait on the network)",
        "deliveries": deliveries,
        "ledger_entries_written": ledger,
        "handler": handler_p,
        "bare_powertools": bare_p,
        "p50_handler_vs_bare_ratio": round(handler_p["p50_ms"] / bare_p["p50_ms"], 1),
        "handler_inside_moto": _percentiles(moto_s),
        "handler_outside_moto": _percentiles(ours),
        "p99_share_inside_moto": round(sum(m for _, m in slowest) / sum(t for t, _ in slowest), 2),
        "aws_calls_per_delivery": {c: round(n / deliveries, 2) for c, n in sorted(per_delivery.items())},
    }


def report() -> dict:
    """`cold_start` for every handler; the webhook's own figures beside its warm path, from the same run."""
    cold = cold_import()
    webhook = {
        "handler_ms": cold["handlers"][HANDLER]["ms"],
        "bare_powertools_ms": cold["bare_powertools_ms"],
        "handler_vs_bare_ratio": cold["handlers"][HANDLER]["vs_bare_ratio"],
    }
    return {"cold_start": cold, "payment_webhook": {"cold_import": webhook, "warm": warm_latency()}}


def main(argv: list[str]) -> int:
    """`python -m bench.webhooks [cold|warm]`: this section alone, or half of it, as JSON."""
    for path in (ROOT / "functions" / "common", ROOT / "functions"):  # /opt/python and /var/task
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from localcloud.lambda_runtime import LOG_SINK

    sections = {"cold": cold_import, "warm": warm_latency}
    with contextlib.redirect_stdout(LOG_SINK):  # handlers' logs are not the report
        result = {argv[0]: sections[argv[0]]()} if argv else report()
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
