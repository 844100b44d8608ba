"""Lambda invokes dispatched in process to the handler the template names.

moto's simple Lambda backend (used with `lambda.use_docker = False`) answers every invoke
with its payload; we replace its `invoke` so the real handler runs. An exception comes back
the way Lambda reports it (`x-amz-function-error` and `errorType`), so ASL Retry and Catch
match our exception class names as they do in AWS.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from moto.awslambda_simple.models import LambdaSimpleBackend

from localcloud.template import ROOT


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str  # module.path.function, relative to code_uri
    code_uri: Path
    layers: list[Path]
    memory_mb: int = 128
    timeout_s: int = 3


@dataclass
class FakeContext:
    """The attributes of LambdaContext that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_s * 1000


class LambdaLogSink(io.TextIOBase):
    """Where handlers' stdout goes: in Lambda it is the function's log stream, not anyone's terminal.

    One per process, never closed, because Powertools' Logger keeps the stream it was created
    with; the local cloud points it at a log file, or at nothing.
    """

    target = None

    def write(self, text: str) -> int:
        if self.target is not None:
            self.target.write(text)
        return len(text)

    def flush(self) -> None:
        if self.target is not None:
            self.target.flush()


LOG_SINK = LambdaLogSink()


# A fault plan: logical id -> callable(event) that may raise before the handler runs.
Fault = Callable[[dict], None]


class InProcessLambda:
    def __init__(self) -> None:
        self._by_name: dict[str, FunctionSpec] = {}
        self._handlers: dict[str, Callable] = {}
        self._lock = threading.Lock()
        # One invocation at a time: in Lambda each concurrent invocation has its own process, so
        # module singletons (Powertools Metrics, caches) are never shared; in one process they are.
        self._invoke_lock = threading.RLock()
        self.faults: dict[str, Fault] = {}
        self.invocations: dict[str, int] = {}
        self._original = None

    def register(self, spec: FunctionSpec) -> None:
        self._by_name[spec.name] = spec
        self._by_name[spec.arn] = spec
        for path in [spec.code_uri, *spec.layers]:
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))  # as Lambda puts /var/task and /opt/python on the path

    def spec(self, name_or_arn: str) -> FunctionSpec:
        key = name_or_arn.split(":$LATEST")[0]
        if key not in self._by_name and ":function:" in key:
            key = key.split(":function:")[1].split(":")[0]
        return self._by_name[key]

    def _handler(self, spec: FunctionSpec) -> Callable:
        with self._lock:
            if spec.handler not in self._handlers:
                module_name, function_name = spec.handler.rsplit(".", 1)
                module = importlib.import_module(module_name)
                self._handlers[spec.handler] = getattr(module, function_name)
            return self._handlers[spec.handler]

    def invoke(self, function_name: str, body: bytes | str | None, response_headers: dict) -> bytes:
        spec = self.spec(function_name)
        event = json.loads(body) if body else {}
        with self._lock:
            self.invocations[spec.logical_id] = self.invocations.get(spec.logical_id, 0) + 1
        context = FakeContext(spec.name, spec.arn, spec.memory_mb, spec.timeout_s)
        try:
            fault = self.faults.get(spec.logical_id)
            if fault is not None:
                fault(event)
            with self._invoke_lock, contextlib.redirect_stdout(LOG_SINK):
                result = self._handler(spec)(event, context)
            return json.dumps(result, default=str).encode()
        except Exception as exc:  # a handler error is a function error, as in Lambda
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_tb(exc.__traceback__)[-5:],
                }
            ).encode()

    def install(self) -> None:
        runtime = self
        self._original = LambdaSimpleBackend.invoke

        def invoke(backend, function_name, qualifier, body, headers, response_headers):  # noqa: ARG001
            return runtime.invoke(function_name, body, response_headers)

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            LambdaSimpleBackend.invoke = self._original  # type: ignore[method-assign]
            self._original = None


def code_path(code_uri: str) -> Path:
    return (ROOT / code_uri).resolve()
