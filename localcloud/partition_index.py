"""Queries read one partition, as in DynamoDB, instead of every item of the table.

moto answers a query by sorting every item of the table and keeping one partition's: a 100-item
index query took 78 ms at 5,000 items and 228 ms at 20,000, so a book's daily cycle grew with
the square of the book. Here a base-table query is handed its partition straight from moto's
storage (already keyed by hash key), and an index query the items of a partition index kept
beside the table: for each index's hash attribute, value -> the items that carry it.

The index is built at a table's first index query and kept current by every write that goes
through the backend (put, update, delete, transactions and their rollback). moto sorts an index
query's results itself, so the index keeps no order. `tests/contract/test_local_speedups.py`
compares its answers with a full pass over the table after a simulated week.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_query_hint = threading.local()  # (table, hash value, index hash attribute or None) of a running query
INDEX_ATTRIBUTE = "_arrears_partition_index"  # where a table keeps its index (copied with it)
_lock = threading.RLock()  # a query may read an index while a webhook's write refreshes it


def _value_key(value: DynamoType) -> tuple:
    return (value.type, str(value.value))


class PartitionIndex:
    def __init__(self, table: Table) -> None:
        indexes = [*table.global_indexes, *table.indexes]
        self.attributes = {
            next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH") for index in indexes
        }
        self.buckets: dict[str, dict[tuple, dict]] = {a: defaultdict(dict) for a in self.attributes}
        self.placed: dict[tuple, list[tuple[str, tuple]]] = {}
        for item in _every_item(table):
            self._add((item.hash_key, item.range_key), item)

    def _add(self, primary: tuple, item) -> None:
        places = []
        for attribute in self.attributes:
            value = item.attrs.get(attribute)
            if value is not None:
                key = _value_key(value)
                self.buckets[attribute][key][primary] = item
                places.append((attribute, key))
        if places:
            self.placed[primary] = places

    def refresh(self, table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> None:
        primary = (hash_value, range_value)
        for attribute, key in self.placed.pop(primary, ()):
            bucket = self.buckets[attribute][key]
            bucket.pop(primary, None)
            if not bucket:
                del self.buckets[attribute][key]
        item = _stored(table, hash_value, range_value)
        if item is not None:
            self._add(primary, item)

    def partition(self, attribute: str, value: DynamoType) -> list:
        return list(self.buckets[attribute].get(_value_key(value), {}).values())


def _every_item(table: Table) -> list:
    if table.range_key_attr is None:
        return list(table.items.values())
    return [item for partition in table.items.values() for item in partition.values()]


def _stored(table: Table, hash_value: DynamoType, range_value: DynamoType | None):
    stored = table.items.get(hash_value)
    if stored is None or table.range_key_attr is None:
        return stored
    return stored.get(range_value)


def index_of(table: Table) -> PartitionIndex:
    with _lock:
        index = table.__dict__.get(INDEX_ATTRIBUTE)
        if index is None:
            index = PartitionIndex(table)
            setattr(table, INDEX_ATTRIBUTE, index)
        return index


def primary_key(table: Table, key_or_item: dict) -> tuple[DynamoType, DynamoType | None]:
    hash_value = DynamoType(key_or_item[table.hash_key_attr])
    range_value = DynamoType(key_or_item[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def refresh(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> None:
    """After a write of this item: its place in the table's index, if the table has one yet."""
    with _lock:
        index = table.__dict__.get(INDEX_ATTRIBUTE)
        if index is not None:
            index.refresh(table, hash_value, range_value)


def _refreshing(write, key_argument: str):
    def written(self: DynamoDBBackend, table_name: str, *args, **kwargs):
        try:
            return write(self, table_name, *args, **kwargs)
        finally:  # a refused write changed nothing, and refreshing it is harmless
            table = self.get_table(table_name)
            given = args[0] if args else kwargs[key_argument]
            refresh(table, *primary_key(table, given))

    return written


def partition_items(all_items):
    def items(self: Table):
        hint = getattr(_query_hint, "key", None)
        if hint is None or hint[0] is not self:
            return all_items(self)
        _, hash_value, index_attribute = hint
        if index_attribute is not None:
            index = index_of(self)
            with _lock:
                return index.partition(index_attribute, hash_value)
        stored = self.items.get(hash_value)
        if stored is None:
            return []
        found = list(stored.values()) if self.range_key_attr else [stored]
        return sorted(found, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    return items


def partition_query(query):
    def queried(self: Table, hash_key, *args, **kwargs):
        # moto passes index_name as the eighth positional argument (after the projection)
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if hash_key is not None:
            index_hash = None
            if index_name is not None:
                schema = self.get_index(index_name).schema
                index_hash = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
            _query_hint.key = (self, hash_key, index_hash)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _query_hint.key = None

    return queried


WRITES = {"put_item": "item_attrs", "update_item": "key", "delete_item": "key"}
_saved: dict = {}


def apply() -> None:
    """Installed under moto_patches' write lock, which makes each write and its refresh one step."""
    _saved["all_items"], _saved["query"] = Table.all_items, Table.query
    Table.all_items = partition_items(Table.all_items)  # type: ignore[method-assign]
    Table.query = partition_query(Table.query)  # type: ignore[method-assign]
    for name, key_argument in WRITES.items():
        _saved[name] = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _refreshing(_saved[name], key_argument))


def remove() -> None:
    Table.all_items = _saved.pop("all_items")  # type: ignore[method-assign]
    Table.query = _saved.pop("query")  # type: ignore[method-assign]
    for name in WRITES:
        setattr(DynamoDBBackend, name, _saved.pop(name))
