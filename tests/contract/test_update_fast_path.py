"""The local cloud's fast update path (localcloud.moto_speedups.fast_update_item) against moto's own.

Each case runs twice from the same stored item: once through the fast path and once through
moto's update_item, on tables of their own. The two must leave the same item, or refuse with the
same error. Where the fast path should answer by itself, the test also requires that it did not
hand the call to moto (otherwise it would only be comparing moto with moto).
"""

from __future__ import annotations

import copy

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from localcloud import moto_speedups

ACCOUNT, REGION = "123456789012", "us-east-1"
SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTRS = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "shard", "due")]
WORK_INDEX = {
    "IndexName": "work",
    "KeySchema": [
        {"AttributeName": "shard", "KeyType": "HASH"},
        {"AttributeName": "due", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}
KEY = {"pk": {"S": "A1"}, "sk": {"S": "account"}}
STORED = {
    **KEY,
    "version": {"N": "4"},
    "status": {"S": "active"},
    "balance": {"N": "125000"},
    "shard": {"S": "s03"},
    "due": {"S": "2026-03-02"},
    "notices": {"L": [{"M": {"code": {"S": "first_notice"}}}]},
    "tags": {"SS": ["vip"]},
}


UPDATE_ARGUMENTS = (
    "update_expression",
    "expression_attribute_names",
    "expression_attribute_values",
    "attribute_updates",
    "expected",
    "condition_expression",
    "return_values_on_condition_check_failure",
)


def _table(name: str, schema: list, attrs: list, global_indexes: list) -> DynamoDBBackend:
    backend = DynamoDBBackend(REGION, ACCOUNT)
    backend.tables[name] = Table(
        name,
        ACCOUNT,
        REGION,
        schema=schema,
        attr=attrs,
        global_indexes=global_indexes,
        billing_mode="PAY_PER_REQUEST",
    )
    return backend


def _outcome(update, backend: DynamoDBBackend, table: str, stored: dict | None, call: dict):
    if stored is not None:
        backend.tables[table].put_item(copy.deepcopy(stored))
    try:
        return "updated", update(backend, table, **call).to_json()
    except Exception as refused:  # noqa: BLE001 - the comparison is the point: any refusal, same as moto's
        return "refused", type(refused).__name__, str(refused)


def _both(table: str, schema: list, attrs: list, indexes: list, stored: dict | None, call: dict, monkeypatch):
    """(fast outcome, moto's outcome, how often the fast path handed the call to moto)."""
    handed = []
    moto_own = moto_speedups.MOTO_UPDATE_ITEM

    def counted(*args, **kwargs):
        handed.append(1)
        return moto_own(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(moto_speedups, "MOTO_UPDATE_ITEM", counted)
        fast = _outcome(
            moto_speedups.fast_update_item, _table(table, schema, attrs, indexes), table, stored, call
        )
    own = _outcome(moto_own, _table(table, schema, attrs, indexes), table, stored, call)
    return fast, own, len(handed)


def _call(expression: str, names: dict, values: dict, condition: str | None = None, **extra) -> dict:
    return {
        "key": KEY,
        "update_expression": expression,
        "expression_attribute_names": names,
        "expression_attribute_values": values,
        "condition_expression": condition,
        **extra,
    }


N = {"N": "1"}
# a save made from version 3 of an item now at version 4
STALE_VERSION = _call(
    "SET #0 = :0",
    {"#0": "status", "#1": "version"},
    {":0": {"S": "x"}, ":v": {"N": "3"}},
    condition="#1 = :v",
)
ANSWERED_FAST = [
    pytest.param(
        _call(
            "SET #0 = :0, #1 = :1, #2 = :2, #3 = :3 REMOVE #4 ADD #5 :5",
            {"#0": "status", "#1": "shard", "#2": "due", "#3": "notices", "#4": "tags", "#5": "version"},
            {
                ":0": {"S": "hold"},
                ":1": {"S": "s07"},
                ":2": {"S": "2026-03-09"},
                ":3": {"L": [{"M": {"code": {"S": "second"}, "n": {"N": "2"}}}]},
                ":5": N,
            },
        ),
        id="a cycle's save: several sets (index keys among them), a removal and the version's add",
    ),
    pytest.param(
        _call("ADD #0 :0", {"#0": "payments"}, {":0": {"N": "-3"}}), id="add to an attribute not there yet"
    ),
    pytest.param(
        _call("REMOVE #0, #1", {"#0": "never_there", "#1": "status"}, {}),
        id="remove one missing, one present",
    ),
    pytest.param(
        _call(
            "SET #0 = :0 ADD #1 :1",
            {"#0": "status", "#1": "version"},
            {":0": {"S": "x"}, ":1": N, ":v": {"N": "4"}},
            condition="#1 = :v",
        ),
        id="the version condition holds",
    ),
    pytest.param(STALE_VERSION, id="the version condition fails"),
    pytest.param(
        {**STALE_VERSION, "return_values_on_condition_check_failure": "ALL_OLD"},
        id="the version condition fails and the old item is asked for",
    ),
    pytest.param(
        _call("SET #0 = :0", {"#0": "shard"}, {":0": {"S": ""}}),
        id="an index key set to empty through a name",
    ),
    pytest.param(
        _call(
            "SET #0 = :0, #1 = :1",
            {"#0": "memo", "#1": "more"},
            {":0": {"S": "x" * 250_000}, ":1": {"S": "y" * 154_500}},
        ),
        id="an item just under the size limit",
    ),
]

HANDED_TO_MOTO = [
    pytest.param(_call("SET #0 = :0", {"#0": "sk"}, {":0": {"S": "other"}}), id="a key attribute"),
    pytest.param(
        _call("SET #0 = :0, #1 = :1", {"#0": "status", "#1": "status"}, {":0": {"S": "a"}, ":1": {"S": "b"}}),
        id="one attribute twice",
    ),
    pytest.param(_call("SET #0 = :0", {}, {":0": {"S": "a"}}), id="a name placeholder not defined"),
    pytest.param(_call("SET #0 = :0", {"#0": "status"}, {}), id="a value placeholder not defined"),
    pytest.param(_call("ADD #0 :0", {"#0": "status"}, {":0": N}), id="adding a number to a string"),
    pytest.param(_call("ADD #0 :0", {"#0": "tags"}, {":0": {"SS": ["new"]}}), id="adding to a set"),
    pytest.param(
        _call("SET #0 = :0", {"#0": "memo"}, {":0": {"S": "x" * 404_900}}),
        id="an item pushed over the size limit",
    ),
    pytest.param(
        _call(
            "SET #0 = :0, #1 = :1",
            {"#0": "memo", "#1": "more"},
            {":0": {"S": "x" * 250_000}, ":1": {"S": "y" * 154_900}},
        ),
        id="an item just over the limit after its second set",
    ),
    pytest.param(_call("SET #0.#1 = :0", {"#0": "notices", "#1": "x"}, {":0": N}), id="a nested path"),
    pytest.param(_call("SET #0 = #0 + :0", {"#0": "balance"}, {":0": N}), id="arithmetic"),
    pytest.param(
        _call("SET #0 = :0 SET #1 = :1", {"#0": "a", "#1": "b"}, {":0": N, ":1": N}), id="two SET clauses"
    ),
    pytest.param(_call("SET status = :0", {}, {":0": N}), id="a plain name (a reserved word)"),
    pytest.param(
        _call("SET #0 = :0", {"#0": "status"}, {":0": N}, expected={"status": {"Value": {"S": "active"}}}),
        id="the legacy Expected",
    ),
]


@pytest.mark.parametrize("call", ANSWERED_FAST)
def test_plain_updates_are_answered_by_the_fast_path_exactly_as_moto_answers(call, monkeypatch):
    fast, own, handed = _both("Accounts", SCHEMA, ATTRS, [WORK_INDEX], STORED, call, monkeypatch)
    assert fast == own
    assert handed == 0


@pytest.mark.parametrize("call", HANDED_TO_MOTO)
def test_anything_moto_could_refuse_or_that_is_not_plain_goes_to_moto(call, monkeypatch):
    fast, own, handed = _both("Accounts", SCHEMA, ATTRS, [WORK_INDEX], STORED, call, monkeypatch)
    assert fast == own
    assert handed == 1


def test_an_update_of_an_item_not_stored_yet_is_moto_s(monkeypatch):
    call = _call("SET #0 = :0", {"#0": "status"}, {":0": {"S": "x"}})
    fast, own, handed = _both("Accounts", SCHEMA, ATTRS, [WORK_INDEX], None, call, monkeypatch)
    assert fast == own and fast[0] == "updated" and handed == 1


def record_updates(monkeypatch) -> list:
    """From now on, every update the local cloud is asked for, with the item it found and the
    shape of its table; `replay` runs them again, fast and moto's, from that item."""
    recorded: list = []
    installed = DynamoDBBackend.update_item

    def recording(self, table_name, key, *args, **kwargs):
        table = self.get_table(table_name)
        found = table.get_item(*self.get_keys_value(table, key))
        call = {"key": key, **dict(zip(UPDATE_ARGUMENTS, args, strict=False)), **kwargs}
        shape = (table.schema, table.attr, [i.describe() for i in table.global_indexes])
        stored = None if found is None else found.to_json()["Attributes"]
        recorded.append((table_name, shape, stored, copy.deepcopy(call)))
        return installed(self, table_name, key, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", recording)
    return recorded


def replay(recorded: list, monkeypatch) -> tuple[list, int]:
    """(the updates whose outcomes differ, how many the fast path answered by itself)."""
    differing, fast_answers = [], 0
    for table, (schema, attrs, indexes), stored, call in recorded:
        fast, own, handed = _both(table, schema, attrs, indexes, stored, call, monkeypatch)
        fast_answers += handed == 0
        if fast != own:
            differing.append((table, call["update_expression"], fast, own))
    return differing, fast_answers
