"""LocalCloud: the whole stack of template.yaml inside moto, in process or behind an HTTP endpoint."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests
from moto import mock_aws
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from localcloud import event_rules, fast_time, moto_patches, moto_speedups, state
from localcloud.http_api import NOT_FOUND, UNAUTHORIZED, HttpResponse, from_result, route_for, to_event
from localcloud.jwt_authorizer import authorize, serve_keys_from_moto
from localcloud.lambda_runtime import LOG_SINK, InProcessLambda
from localcloud.stack import Stack, check_overrides, deploy
from localcloud.template import load_template

# A local-only control path of the HTTP API (not in the template): the simulator's clock.
CLOCK_PATH = "/_local/clock"
MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}

# Local defaults for what a deployed stack gets from its account; the caller's own settings win.
LOCAL_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 # moto's fake credentials, local only
}

_CLIENTS: dict[tuple[str, str, str | None], object] = {}


def _moto_server(port: int):
    """moto's threaded server, whose loop looks for a stop every 50 ms instead of every 500: a
    stopped local cloud (every CLI test stops one) is gone at once. Imported here: an in-process
    cloud never loads the server."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class QuickStop(ThreadedMotoServer):
        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address,
                self._port,
                DomainDispatcherApplication(create_backend_app),
                True,
                request_handler=MotoRequestHandler,
            )
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=0.05)

    return QuickStop(ip_address="127.0.0.1", port=port, verbose=False)


@dataclass
class LocalCloud:
    stack_name: str = "arrears"
    region: str = "us-east-1"
    port: int | None = None  # set: a ThreadedMotoServer the AWS CLI can reach
    log_file: Path | None = None  # where the functions' stdout (logs, EMF metrics) goes; None: nowhere
    parameters: dict[str, str] | None = None  # the template's parameters that differ from their defaults
    state_dir: Path | None = None  # set: data saved here at a clean stop and put back at the next start

    def __post_init__(self) -> None:
        self.runtime = InProcessLambda()
        self.stack: Stack | None = None
        self._mock = None
        self._server = None
        self._jwks = None
        self._saved_env: dict[str, str | None] = {}
        self.webhook_secrets: dict[str, str] = {}
        # When the simulator drives time, the HTTP API stamps requests with its day (see CLOCK_PATH).
        self.receipt_epoch: float | None = None
        self._snapshot: dict | None = None
        self._queues: set[str] = set()
        self._template: dict | None = None
        self._keep_state = False  # a start that failed half-way must not save over a good state
        self.restored_executions: int | None = None  # None: this start restored no state
        self.saved: state.Saved | None = None  # what the last stop saved
        self.save_error: str | None = None  # or why it could not

    @property
    def endpoint_url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}" if self.port else None

    def client(self, service: str):
        # Kept for the process: a client holds no state of the cloud it called, and building one
        # costs more than deploying a table.
        key = (service, self.region, self.endpoint_url)
        if key not in _CLIENTS:
            _CLIENTS[key] = boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)
        return _CLIENTS[key]

    def _set_env(self, values: dict[str, str], override: bool) -> None:
        for key, value in values.items():
            if not override and key in os.environ:
                continue
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def serve_http_at(self, base_url: str) -> None:
        """The functions' links to the stack's HTTP APIs (an email's opt-out link) point at the local
        server that answers them (`base_url`), not at a public API Gateway host nobody resolves."""
        public = re.compile(r"^https://[^/]+\.execute-api\.[^/]+\.amazonaws\.com")
        environment = self.stack.environment
        local = {k: public.sub(base_url.rstrip("/"), v) for k, v in environment.items() if public.match(v)}
        if local:
            self._set_env(local, override=True)
            forget_cached_state(keep_clients=True)  # settings read before this would keep the old link

    def start(self) -> LocalCloud:
        self._template = template = load_template()
        check_overrides(template, self.parameters)  # a refused value starts nothing
        # a saved state this start cannot use starts nothing either
        saved_state = None
        if self.state_dir is not None:
            saved_state = state.read_header(self.state_dir, self.stack_name, self.region)
        # moto logs every failed state at ERROR with its whole AST; the execution history has the facts.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._set_env({**LOCAL_ENVIRONMENT, "AWS_DEFAULT_REGION": self.region}, override=False)
        self._set_env({"AWS_REGION": self.region}, override=True)
        fast_time.install()
        moto_speedups.install()  # first: the write patches wrap its update path
        moto_patches.install()
        event_rules.install()
        self.runtime.install()
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            LOG_SINK.target = self.log_file.open("a", encoding="utf-8")
        if self.port:
            self._server = _moto_server(self.port)
            self._server.start()
            self._jwks = serve_keys_from_moto()
            # Backends live in this process; a new local cloud starts from nothing, as mock_aws does.
            requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()
            requests.post(
                f"{self.endpoint_url}/moto-api/config", json=MOTO_CONFIG, timeout=10
            ).raise_for_status()
            # The interpreter reaches Lambda through this port; our handlers reach DynamoDB the usual way.
            self._set_env({"MOTO_PORT": str(self.port), "AWS_ENDPOINT_URL": self.endpoint_url}, override=True)
        else:
            self._mock = mock_aws(config=MOTO_CONFIG)
            self._mock.start()
            # from nothing, as the served cloud above: a mock started inside another (a test process's
            # session cloud) does not reset, and that cloud's account-wide names would be in the way
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()
        try:
            self.stack = deploy(
                template,
                self.client,
                self.stack_name,
                self.region,
                DEFAULT_ACCOUNT_ID,
                self.runtime,
                self.parameters,
            )
            restored = self._restore_state() if saved_state is not None else {}
        except Exception:
            self.stop()  # a refused deploy leaves no server or mock behind
            raise
        self._set_env(self.stack.environment, override=True)
        forget_cached_state()  # settings or clients cached for a cloud started before this one
        self.webhook_secrets = self._install_signing_secrets(restored)
        self._keep_state = self.state_dir is not None
        return self

    def _restore_state(self) -> dict[str, str]:
        """The saved data over this fresh deploy (see localcloud/state.py); returns the webhook
        signing secrets it held, by provider."""
        assert self.stack is not None and self.state_dir is not None  # nosec B101 # start() set them
        payload = state.read_payload(self.state_dir)
        mapping = state.id_mapping(state.saved_ids(self.stack, self._template), payload["ids"])
        backends = _account_backends()
        for service in state.DATA_SERVICES:
            regions = backends[service]
            for region, saved in payload["backends"].get(service, {}).items():
                fresh = regions.get(region)
                regions[region] = saved if fresh is None else state.merge_backend(fresh, saved, set(mapping))
        self.restored_executions = sum(
            state.restore_executions(backends[state.EXECUTIONS].get(region), saved)
            for region, saved in payload["backends"].get(state.EXECUTIONS, {}).items()
        )
        state.drop_partition_indexes(backends["dynamodb"])
        state.remap_stack(self.stack, mapping)
        awslambda = self.client("lambda")
        for spec in self.stack.functions.values() if mapping else ():  # what GetFunctionConfiguration shows
            variables = awslambda.get_function_configuration(FunctionName=spec.name)
            variables = variables.get("Environment", {}).get("Variables", {})
            awslambda.update_function_configuration(
                FunctionName=spec.name, Environment={"Variables": state.remap(variables, mapping)}
            )
        for identity in self.stack.ses_identities:  # one the template gained since the save
            self.client("ses").verify_email_identity(EmailAddress=identity)
        restored = {}
        secretsmanager = self.client("secretsmanager")
        for provider, arn in self.stack.webhook_secrets.items():
            try:
                value = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])
            except (secretsmanager.exceptions.ResourceNotFoundException, ValueError, KeyError):
                continue
            if isinstance(value, dict) and value.get("secrets"):
                restored[provider] = value["secrets"][0]  # the newest, as set_signing_secrets lists them
        return restored

    def save_state(self, wait_s: float = 10) -> state.Saved:
        """Write the data services' backends to state_dir (atomically; raises on failure), once the
        executions running have finished or `wait_s` has passed."""
        assert self.stack is not None and self.state_dir is not None  # nosec B101
        self._wait_for_executions(timeout_s=wait_s)
        backends = _account_backends()
        services = (*state.DATA_SERVICES, state.EXECUTIONS)
        header = {
            "stack_name": self.stack_name,
            "region": self.region,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        payload = {
            "ids": state.saved_ids(self.stack, self._template or load_template()),
            "backends": {service: dict(backends[service]) for service in services},
        }
        with moto_patches._write_lock:  # no DynamoDB write lands half-saved (the lock deep_copy takes)
            return state.save(self.state_dir, header, payload)

    def _save_at_stop(self) -> None:
        """Never fails the stop: a save that cannot be made is one line, the previous state kept."""
        self._keep_state = False
        try:
            self.saved, self.save_error = self.save_state(wait_s=0), None  # stop() waited
        except Exception as exc:  # noqa: BLE001 # whatever it is, the shutdown goes on
            self.saved = None
            reason = str(exc).splitlines()[0] if str(exc) else ""
            self.save_error = (
                f"could not save the local state to {self.state_dir} ({type(exc).__name__}: {reason}); "
                "the previous saved state is unchanged"
            )
            logging.getLogger(__name__).error(self.save_error)

    def _install_signing_secrets(self, restored: dict[str, str] | None = None) -> dict[str, str]:
        """A fresh signing secret per provider, as a processor's dashboard would issue one; a secret
        restored from a saved state is kept (the processors were configured with it)."""
        assert self.stack is not None  # nosec B101 # start() set it
        secretsmanager = self.client("secretsmanager")
        issued = dict(restored or {})
        for provider, arn in self.stack.webhook_secrets.items():
            if provider in issued:
                continue
            issued[provider] = new_signing_secret(provider)
            secretsmanager.put_secret_value(
                SecretId=arn, SecretString=json.dumps({"secrets": [issued[provider]]})
            )
        return issued

    def set_signing_secrets(self, provider: str, secrets: list[str]) -> None:
        """Rotation: every secret listed is accepted until the list changes again."""
        assert self.stack is not None  # nosec B101 # start() set it
        self.client("secretsmanager").put_secret_value(
            SecretId=self.stack.webhook_secrets[provider], SecretString=json.dumps({"secrets": secrets})
        )

    def handle_http(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpResponse:
        """What the template's HTTP API answers: the route's function gets a v2 event through Lambda."""
        assert self.stack is not None  # nosec B101 # start() set it
        if target == CLOCK_PATH and method.upper() == "PUT":
            return self._set_receipt_clock(body)
        found = route_for(self.stack.http_routes, method, target)
        if found is None:
            return NOT_FOUND
        route, params = found
        claims = authorize(route.authorizer, headers) if route.authorizer is not None else None
        if route.authorizer is not None and claims is None:
            return UNAUTHORIZED  # as API Gateway answers: the function never runs
        event = to_event(route, params, method, target, headers, body, self.receipt_epoch or time.time())
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        # API Gateway calls its integration directly, not through a client of the Lambda API
        reported: dict = {}
        payload = self.runtime.invoke(route.function.name, json.dumps(event), reported)
        return from_result(payload, "x-amz-function-error" in reported)

    def _set_receipt_clock(self, body: bytes) -> HttpResponse:
        """The simulator's day: requests are stamped as received then, so back-dated events are on time.

        Local only (API Gateway stamps its own clock); `{"epoch": null}` returns to the real clock.
        """
        try:
            epoch = json.loads(body or b"{}").get("epoch")
            self.receipt_epoch = None if epoch is None else float(epoch)
        except (ValueError, TypeError, AttributeError):
            return HttpResponse(400, {"content-type": "application/json"}, b'{"message":"epoch expected"}')
        return HttpResponse(204, {}, b"")

    def snapshot(self) -> None:
        """Keep the deployed stack as it is now, for `restore` to return to.

        A served cloud's backends live in this process too; what its port answered is in them.
        """
        self._snapshot = {
            service: {region: moto_patches.deep_copy(backend) for region, backend in regions.items()}
            for service, regions in _account_backends().items()
        }
        self._queues = set(_sqs(self.region).queues)

    def restore(self) -> None:
        """Back to the snapshot: what a test left (items, objects, executions, users, messages,
        faults, a receipt clock) is gone, and the next test meets a freshly deployed stack.

        Copying a few empty tables back costs milliseconds where deploying costs a second.
        """
        assert self._snapshot is not None, "restore needs a snapshot"  # nosec B101
        self._wait_for_executions()
        for service, regions in _account_backends().items():
            saved = self._snapshot.get(service, {})
            for region in list(regions):
                if region in saved:
                    regions[region] = moto_patches.deep_copy(saved[region])
                else:
                    del regions[region]
        sqs = _sqs(self.region)  # moto's queues hold a lock and cannot be copied: emptied instead
        for name in list(sqs.queues):
            if name in self._queues:  # what PurgeQueue does, without its once-a-minute limit
                queue = sqs.queues[name]
                queue._messages, queue._pending_messages, queue.last_purged_at = [], set(), None
            else:
                del sqs.queues[name]
        self.runtime.faults.clear()
        self.runtime.invocations.clear()
        self.receipt_epoch = None
        forget_cached_state(keep_clients=True)  # the same cloud: its endpoint has not moved

    def _wait_for_executions(self, timeout_s: float = 30) -> None:
        """An execution a test left running would write into the next test's stack."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            backend = _account_backends()["stepfunctions-parser"].get(self.region)
            machines = backend.state_machines if backend is not None else []
            if not any(e.status == "RUNNING" for m in machines for e in m.executions):
                return
            time.sleep(0.01)

    def stop(self) -> None:
        if self._keep_state:  # while Lambda still answers on the port: what can finish, finishes
            self._wait_for_executions(timeout_s=10)
        if self._server is not None:
            self._server.stop()  # no request lands while the state is saved; moto's backends stay
            self._server = None
        if self._keep_state:
            self._save_at_stop()
        if self._mock is not None:
            self._mock.stop()  # resets moto's backends
            self._mock = None
        if self._jwks is not None:
            self._jwks.stop()
            self._jwks = None
        self.runtime.uninstall()
        fast_time.uninstall()
        moto_patches.uninstall()
        event_rules.uninstall()
        moto_speedups.uninstall()
        if LOG_SINK.target is not None:
            LOG_SINK.target.close()
            LOG_SINK.target = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        forget_cached_state()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> dict:
        """What an operator needs to point tools at this cloud (written to .arrears/local.json)."""
        assert self.stack is not None  # nosec B101 # start() set it
        return {
            "region": self.region,
            "endpoint_url": self.endpoint_url,
            "stack_name": self.stack_name,
            "tables": self.stack.tables,
            "buckets": self.stack.buckets,
            "state_machines": self.stack.state_machines,
            "outputs": self.stack.outputs,
            "webhooks": {
                provider: {"secret": secret, "path": f"/webhooks/{provider}"}
                for provider, secret in self.webhook_secrets.items()
            },
        }


# Copied whole by a snapshot: what a deployed stack and a test's calls put in moto. SQS is apart.
SNAPSHOT_SERVICES = (
    "dynamodb",
    "s3",
    "stepfunctions",
    "lambda",
    "cognito-idp",
    "secretsmanager",
    "kms",
    "ses",
    "events",
    "iam",
    "logs",
)


def _account_backends() -> dict[str, dict]:
    """Each service's backends of the local account, by region: the ones that answer calls.

    With `execute_state_machine` and without Docker, Step Functions and Lambda are answered by
    moto's parser and simple backends, which live in backend dicts of their own.
    """
    from moto.awslambda_simple.models import lambda_simple_backends
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    found = {service: get_backend(service)[DEFAULT_ACCOUNT_ID] for service in SNAPSHOT_SERVICES}
    found["stepfunctions-parser"] = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID]
    found["lambda-simple"] = lambda_simple_backends[DEFAULT_ACCOUNT_ID]
    return found


def _sqs(region: str):
    return get_backend("sqs")[DEFAULT_ACCOUNT_ID][region]


def forget_cached_state(keep_clients: bool = False) -> None:
    """A fresh set of execution environments: nothing the functions cached survives. `keep_clients`:
    against the same cloud (a restore), the clients and connections stay; what was cached on them goes."""
    from arrears.adapters.aws_clients import reset_connections
    from arrears.runtime import identity, settings

    for cached in (
        settings.get_settings,
        settings.get_feed_settings,  # else a second cloud in a process reads the first one's feeds bucket
        settings.get_webhook_settings,
        settings.get_payments_bus_settings,
        settings.get_skiptrace_settings,
        settings.get_credit_review_settings,
        settings.get_operator_identity_settings,
        settings.get_personal_data_settings,
    ):
        cached.cache_clear()
    identity.KEYS.clear()
    reset_connections(keep_clients=keep_clients)


def new_signing_secret(provider: str) -> str:
    if provider == "adyen":  # Adyen's HMAC key: 32 bytes in hex
        return secrets.token_hex(32)
    if provider == "standard":  # Standard Webhooks: whsec_ + base64 of the key bytes
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return "whsec_" + secrets.token_hex(16)  # Stripe: an opaque string used whole as the HMAC key
