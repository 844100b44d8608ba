"""A local cloud's data kept across restarts (`arrears local up --state DIR`).

moto keeps nothing on disk, so a clean shutdown pickles the backends of the data services
(tables and items, buckets and objects, executions and their history, secrets, keys, user pools
and users, SES identities, event buses) into DIR, and the next start puts them back over a fresh
deploy of the current template. What is deployed from the template (Lambda functions, their
runtime, IAM, the state machines' definitions) is always this start's; what was saved is data.

Three things a plain pickle cannot do are done explicitly here:

- A finished execution keeps its interpreter (locks, events) only to answer for its history and
  map runs: it is saved as that history and those map runs' descriptions. An execution still
  running after a short wait is saved as ABORTED (its thread cannot be saved); what its Lambdas
  wrote is kept, as it would be in AWS.
- Private keys (Cognito's token signing key, asymmetric KMS keys) are saved as PEM.
- A fresh deploy gives KMS keys, user pools, app clients and secrets new random ids. The saved
  ones win: the stack (its outputs, the functions' environment, the JWT authorizers) is pointed
  at them, so data encrypted, users signed up and tokens issued before the restart still match.

SQS is not saved: moto's queues hold a lock (the template's only queue is a dead-letter queue,
emptied by a restart). The saved state names the moto version that wrote it; another version's
state is refused, since moto's classes change between versions.
"""

from __future__ import annotations

import copy
import os
import pickle  # nosec B403 # our own file, written by this process's user, in a directory they chose
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import moto
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

STATE_FILE = "local-state.pickle"
FORMAT = 1
# Saved whole: the service's backend from the state replaces the freshly deployed one.
DATA_SERVICES = ("dynamodb", "s3", "secretsmanager", "kms", "cognito-idp", "ses", "events")
# Step Functions: the state machines are this start's (the template's definitions); their executions are kept.
EXECUTIONS = "stepfunctions-parser"
# Resources whose physical id is random on each deploy: the saved id is kept.
RANDOM_IDS = (
    "AWS::KMS::Key",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::SecretsManager::Secret",
)


AFRESH = "move the state away to start afresh"


class StateRefused(Exception):
    """The saved state cannot be used by this start (another moto version, another stack)."""


# --- what replaces the unpicklable parts -------------------------------------------------------


class SavedMapRun:
    """A map run as describe_map_run and list_map_runs answered for it when it was saved."""

    def __init__(self, described: dict, listed: dict) -> None:
        self.described, self.listed = described, listed

    def describe(self) -> dict:
        return copy.deepcopy(self.described)

    def list_item(self) -> dict:
        return copy.deepcopy(self.listed)


class SavedMapRuns:
    def __init__(self, runs: dict[str, SavedMapRun]) -> None:
        self.runs = runs

    def get(self, arn: str) -> SavedMapRun | None:
        return self.runs.get(arn)

    def get_all(self) -> list[SavedMapRun]:
        return list(self.runs.values())


class SavedEvents:
    def __init__(self, history: list) -> None:
        self.history = history

    def get_event_history(self) -> list:
        return copy.deepcopy(self.history)


class SavedEnvironment:
    def __init__(self, history: list, map_runs: dict[str, SavedMapRun]) -> None:
        self.event_manager = SavedEvents(history)
        self.map_run_record_pool_manager = SavedMapRuns(map_runs)


class SavedWorker:
    """What a finished execution's worker answers for: its history and its map runs."""

    def __init__(self, history: list, map_runs: dict[str, SavedMapRun]) -> None:
        self.env = SavedEnvironment(history, map_runs)

    def stop(self, stop_date=None, cause=None, error=None) -> None:
        return None  # nothing runs


def _saved_worker(worker) -> SavedWorker:
    env = getattr(worker, "env", None)
    if env is None:
        return SavedWorker([], {})
    runs = {}
    pool = getattr(env, "map_run_record_pool_manager", None)
    for record in pool.get_all() if pool is not None else []:
        runs[record.map_run_arn] = SavedMapRun(record.describe(), record.list_item())
    return SavedWorker(env.event_manager.get_event_history(), runs)


def _rebuild(cls, state: dict):
    made = cls.__new__(cls)
    made.__dict__.update(state)
    return made


def _private_key(pem: bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, password=None)


def _private_key_types() -> tuple[type, ...]:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    return (
        rsa.RSAPrivateKey,
        ec.EllipticCurvePrivateKey,
        ed25519.Ed25519PrivateKey,
        ed448.Ed448PrivateKey,
    )


class _Pickler(pickle.Pickler):
    def __init__(self, file, stopped_at: datetime) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.stopped_at = stopped_at
        self.private_keys = _private_key_types()
        self.aborted = 0

    def reducer_override(self, obj):
        if isinstance(obj, ExecutionWorker):
            return _rebuild, (SavedWorker, _saved_worker(obj).__dict__)
        if isinstance(obj, Execution) and obj.status == "RUNNING":
            self.aborted += 1
            state = {
                **obj.__dict__,
                "exec_status": "ABORTED",
                "stop_date": self.stopped_at,
                "error": "States.Aborted",
                "cause": "the local cloud stopped while this execution ran",
            }
            return _rebuild, (type(obj), state)
        if isinstance(obj, self.private_keys):
            from cryptography.hazmat.primitives import serialization

            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _private_key, (pem,)
        return NotImplemented


# --- save and load -----------------------------------------------------------------------------


@dataclass
class Saved:
    """What `save` wrote, for the one line `arrears local up` prints."""

    path: Path
    size: int
    aborted: int  # executions still running, saved as ABORTED

    def __str__(self) -> str:
        note = f"; {self.aborted} running execution(s) saved as ABORTED" if self.aborted else ""
        return f"Saved the local state to {self.path} ({self.size / 1e6:.1f} MB){note}"


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def save(state_dir: Path, header: dict, payload: dict) -> Saved:
    """Pickle to a temporary file beside the state, then rename it over: a save that fails
    (or is interrupted) leaves the previous state as it was."""
    target = state_path(state_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{STATE_FILE}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump({**header, "format": FORMAT, "moto": moto.__version__}, out)
            pickler = _Pickler(out, datetime.now(UTC))
            pickler.dump(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Saved(target, target.stat().st_size, pickler.aborted)


def read_header(state_dir: Path, stack_name: str, region: str) -> dict | None:
    """The saved state's header, or None when DIR holds none; refused when this start cannot use it."""
    path = state_path(state_dir)
    if not path.exists():
        return None
    try:
        with path.open("rb") as saved:
            header = pickle.load(saved)  # nosec B301 # see the import
    except Exception as exc:  # noqa: BLE001 # whatever is wrong with the file, it is one line
        raise StateRefused(f"{path} is not a saved local state ({exc}); {AFRESH}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StateRefused(f"{path} is not a saved local state of this format; {AFRESH}")
    if header.get("moto") != moto.__version__:
        raise StateRefused(
            f"{path} was saved with moto {header.get('moto')} and this is moto {moto.__version__}: "
            f"moto's classes change between versions; install that version, or {AFRESH}"
        )
    if (header.get("stack_name"), header.get("region")) != (stack_name, region):
        raise StateRefused(
            f"{path} holds stack {header.get('stack_name')} in {header.get('region')}, "
            f"not {stack_name} in {region}; pass --stack-name {header.get('stack_name')} or another --state"
        )
    return header


def read_payload(state_dir: Path) -> dict:
    path = state_path(state_dir)
    try:
        with path.open("rb") as saved:
            pickle.load(saved)  # nosec B301 # the header, checked by read_header
            return pickle.load(saved)  # nosec B301
    except Exception as exc:  # noqa: BLE001 # a truncated or foreign file is one line too
        raise StateRefused(f"{path} could not be read ({type(exc).__name__}: {exc}); {AFRESH}") from exc


# --- putting it back ---------------------------------------------------------------------------


def saved_ids(stack, template: dict) -> dict[str, str]:
    """Physical ids a deploy made up at random (keys, pools, clients, secrets), by logical id."""
    random = {logical for logical, r in template["Resources"].items() if r.get("Type") in RANDOM_IDS}
    refs = {f"ref:{k}": v for k, v in stack.resolver.refs.items() if k in random}
    attributes = {f"{k[0]}.{k[1]}": v for k, v in stack.resolver.attributes.items() if k[0] in random}
    return {**refs, **attributes}


def id_mapping(fresh: dict[str, str], saved: dict[str, str]) -> dict[str, str]:
    """This deploy's id -> the saved one, for every resource both know."""
    return {fresh[k]: saved[k] for k in fresh.keys() & saved.keys() if fresh[k] != saved[k]}


def remap(value, mapping: dict[str, str]):
    """Strings with each of this deploy's ids replaced by the saved one (longest first: an ARN
    holds its id)."""
    if isinstance(value, str):
        for fresh in sorted(mapping, key=len, reverse=True):
            if fresh in value:
                value = value.replace(fresh, mapping[fresh])
        return value
    if isinstance(value, dict):
        return {remap(k, mapping): remap(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [remap(v, mapping) for v in value]
    if isinstance(value, tuple):
        return tuple(remap(v, mapping) for v in value)
    return value


def remap_stack(stack, mapping: dict[str, str]) -> None:
    """Point the deployed stack's names at the saved resources."""
    if not mapping:
        return
    resolver = stack.resolver
    resolver.refs = remap(resolver.refs, mapping)
    resolver.attributes = remap(resolver.attributes, mapping)
    for name in ("keys", "environment", "outputs", "webhook_secrets", "user_pools"):
        setattr(stack, name, remap(getattr(stack, name), mapping))
    stack.http_routes = [
        route
        if route.authorizer is None
        else replace(
            route,
            authorizer=replace(
                route.authorizer,
                issuer=remap(route.authorizer.issuer, mapping),
                audience=remap(route.authorizer.audience, mapping),
            ),
        )
        for route in stack.http_routes
    ]


def _mentions(key, fresh_ids: set[str]) -> bool:
    return isinstance(key, str) and any(fresh in key for fresh in fresh_ids)


def merge_backend(fresh, saved, fresh_ids: set[str]):
    """The saved backend, plus what this deploy created that it lacks (a resource the template
    gained since): top-level collections only, and never this deploy's twin of a saved resource."""
    for name, collection in vars(fresh).items():
        kept = getattr(saved, name, None)
        if not isinstance(collection, dict) or not isinstance(kept, dict):
            continue
        for key, value in dict.items(collection):
            if not dict.__contains__(kept, key) and not _mentions(key, fresh_ids):
                dict.__setitem__(kept, key, value)
    return saved


def restore_executions(fresh, saved) -> int:
    """Each saved state machine's executions onto this deploy's machine of the same ARN; those of a
    machine the template no longer has are dropped. Returns how many were put back."""
    if fresh is None or saved is None:
        return 0
    machines = {machine.arn: machine for machine in fresh.state_machines}
    restored = 0
    for machine in saved.state_machines:
        if machine.arn in machines:
            machines[machine.arn].executions = machine.executions
            restored += len(machine.executions)
        elif machine.executions:
            print(
                f"arrears: {len(machine.executions)} saved execution(s) of {machine.arn} dropped: "
                "the template has no such state machine",
                file=sys.stderr,
            )
    return restored


def drop_partition_indexes(dynamodb_regions: dict) -> None:
    """Rebuilt at the next index query (they are derived from the items)."""
    from localcloud.partition_index import INDEX_ATTRIBUTE

    for backend in dynamodb_regions.values():
        for table in backend.tables.values():
            table.__dict__.pop(INDEX_ATTRIBUTE, None)
