"""Changes to moto for speed only; what an API call returns does not change.

- Step Functions builds a new boto3 client for every Lambda task it runs (tens of ms each);
  we keep one per region while the local cloud is up.

- A transaction deep-copies every table it touches before running, so each one costs
  O(table size). We back up only the items it names and restore those on failure, which keeps
  the all-or-nothing behaviour (pinned by tests/contract/test_local_cloud.py). The restore puts
  the backed-up Item objects back into the table's storage itself, never through `put_item`:
  moto checks a number's range on a put but not on an update, so an item it already holds can
  fail a re-put (a number over 9.99E+125), and a rollback must never lose an item.
- A query sorts every item of the table and then keeps those of one partition: queries read
  one partition instead (localcloud/partition_index.py).

Without them a 60-day simulation slows to a crawl as the Activity table grows.

One change is for fidelity: DynamoDB applies each write, with its condition, atomically; moto's
backend checks a condition and then writes, so two threads could both pass the check. Writes
take one lock here, so concurrent webhook deliveries race exactly as they would in AWS.
"""

from __future__ import annotations

import copy
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from localcloud import partition_index
from localcloud.patching import SharedPatch

_saved: dict = {}


def deep_copy(value):
    """A real deep copy, tables included (the patch below makes moto's own table copies shallow)."""
    override = Table.__dict__.get("__deepcopy__")
    if override is None:
        return copy.deepcopy(value)
    with _write_lock:  # no write lands half-copied
        del Table.__deepcopy__
        try:
            return copy.deepcopy(value)
        finally:
            Table.__deepcopy__ = override


def _touched(backend: DynamoDBBackend, transact_items: list[dict]) -> list[tuple]:
    touched = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        key = op.get("Key") or op["Item"]
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        before = table.get_item(hash_value, range_value)
        touched.append((table, hash_value, range_value, copy.deepcopy(before) if before else None))
    return touched


def _restore(table: Table, hash_value: DynamoType, range_value: DynamoType | None, before) -> None:
    """Put an item's storage back as it was before the transaction: the backed-up Item, or none.

    Writes `Table.items` directly (a dict of Items by hash key, or of dicts by range key when the
    table has one), so nothing here validates and nothing can refuse. moto keeps no index
    storage (an index query reads `items`), so `items` is all there is. No stream record is
    written (the template has no streams; moto's own writes inside the transaction would have
    emitted some, where DynamoDB emits none for a cancelled transaction).
    """
    if table.range_key_attr is None:
        if before is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = before
        return
    partition = table.items.get(hash_value)
    if before is not None:
        if partition is None:
            partition = table.items[hash_value] = {}
        partition[range_value] = before
    elif partition is not None:
        partition.pop(range_value, None)
        if not partition:
            del table.items[hash_value]


ATOMIC_WRITES = ("transact_write_items", "put_item", "update_item", "delete_item")
_write_lock = threading.RLock()


def _atomic(write):
    def locked(self, *args, **kwargs):
        with _write_lock:
            return write(self, *args, **kwargs)

    return locked


def _apply() -> None:
    original = DynamoDBBackend.transact_write_items
    _saved["transact"] = original
    _saved["deepcopy"] = Table.__dict__.get("__deepcopy__")

    def transact_write_items(self, transact_items):
        touched = _touched(self, transact_items)
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(touched):
                _restore(table, hash_value, range_value, before)
            raise
        finally:  # moto updates items in place inside a transaction, past the backend's writes
            for table, hash_value, range_value, _ in touched:
                partition_index.refresh(table, hash_value, range_value)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    partition_index.apply()  # inside the lock below: a write and its index refresh are one step
    for name in ATOMIC_WRITES:
        _saved[name] = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _atomic(_saved[name]))
    Table.__deepcopy__ = lambda self, memo: self  # the whole-table backup becomes a no-op
    _install_client_cache()


def _install_client_cache() -> None:
    build = lambda_eval_utils.boto_client_for
    _saved["client_for"] = build
    clients: dict = {}
    lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials=None):
        # moto's builder ignores the state's credentials (it always signs as a dummy user)
        with lock:
            if (region, service) not in clients:
                clients[(region, service)] = build(region=region, service=service)
            return clients[(region, service)]

    lambda_eval_utils.boto_client_for = client_for


def _remove() -> None:
    for name in ATOMIC_WRITES:
        setattr(DynamoDBBackend, name, _saved.pop(name))
    partition_index.remove()
    DynamoDBBackend.transact_write_items = _saved.pop("transact")  # type: ignore[method-assign]
    lambda_eval_utils.boto_client_for = _saved.pop("client_for")
    previous = _saved.pop("deepcopy")
    if previous is None:
        del Table.__deepcopy__
    else:
        Table.__deepcopy__ = previous


_shared = SharedPatch(_apply, _remove)
install, uninstall = _shared.install, _shared.uninstall
