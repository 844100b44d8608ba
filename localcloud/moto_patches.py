"""One change to moto's DynamoDB, for speed only: how a transaction backs itself up.

moto deep-copies every table a transaction touches before running it, so each transaction
costs O(table size) and a 60-day simulation slows to a crawl as the Activity table grows.
We back up only the items the transaction names and restore those on failure, which keeps
the all-or-nothing behaviour (pinned by tests/workflows/test_local_cloud.py) at O(1).
"""

from __future__ import annotations

import copy

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_saved: dict = {}


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


def install() -> None:
    if _saved:
        return
    original = DynamoDBBackend.transact_write_items
    _saved["transact"] = original
    _saved["deepcopy"] = Table.__dict__.get("__deepcopy__")

    def transact_write_items(self, transact_items):
        touched = _touched(self, transact_items)
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(touched):
                if table.get_item(hash_value, range_value) is not None:
                    table.delete_item(hash_value, range_value)
                if before is not None:
                    table.put_item(before.to_json()["Attributes"])
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = lambda self, memo: self  # the whole-table backup becomes a no-op


def uninstall() -> None:
    if not _saved:
        return
    DynamoDBBackend.transact_write_items = _saved.pop("transact")  # type: ignore[method-assign]
    previous = _saved.pop("deepcopy")
    if previous is None:
        del Table.__deepcopy__
    else:
        Table.__deepcopy__ = previous
