"""The local cloud's speed patches change no answer: each is checked against moto's own behaviour."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import botocore.parsers
import botocore.session
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.responses import DynamoHandler

from localcloud import moto_speedups

DYNAMODB_MODEL = botocore.session.get_session().get_service_model("dynamodb")


def _parsed(action: str, answer: tuple) -> dict:
    status, headers, body = answer
    operation = DYNAMODB_MODEL.operation_model(action)
    parsed = botocore.parsers.create_parser("json").parse(
        {"status_code": status, "headers": headers, "body": body.encode()}, operation.output_shape
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def _simulated_days(cloud, stack, accounts: int, days: int, seed: int) -> dict:
    """The simulator's book worked day by day, customers paying through the local HTTP API."""
    from arrears_cli.simulation import simulate
    from arrears_cli.webhook_sender import Processors
    from localcloud.webhook_server import WebhookServer

    server = WebhookServer(cloud.handle_http, port=0).start()
    try:
        return simulate(
            replace(stack, operator_api_url=server.url),
            accounts=accounts,
            days=days,
            seed=seed,
            start=date(2026, 1, 1),
            processors=Processors(server.url, cloud.webhook_secrets),
        )
    finally:
        server.stop()


@pytest.fixture
def both_answers(monkeypatch):
    """Every DynamoDB answer is written both ways; the caller gets the fast one, and we keep both."""
    moto_own = moto_speedups._saved["serialized"]
    fast = DynamoHandler.serialized
    seen: list[tuple[str, dict, dict]] = []

    def compared(self, action_result):
        action = self._get_action()
        quick = fast(self, action_result)
        if action in moto_speedups.DATA_PLANE and not isinstance(action_result.result, Exception):
            seen.append((action, _parsed(action, quick), _parsed(action, moto_own(self, action_result))))
        return quick

    monkeypatch.setattr(DynamoHandler, "serialized", compared)
    return seen


def test_simulated_days_through_every_speed_patch_end_as_moto_alone_would(
    cloud, stack, both_answers, monkeypatch
):
    """Six days of the simulator's book, checked three ways: every DynamoDB answer reads as
    moto's own serializer writes it, every update replayed from the item it found leaves what
    moto's own update_item leaves, and the partition index holds what a full pass finds."""
    from tests.contract.test_update_fast_path import record_updates, replay

    updates = record_updates(monkeypatch)
    summary = _simulated_days(cloud, stack, accounts=15, days=6, seed=5)

    assert (
        summary["payments"]["count"] > 0 and summary["ledger_invariant_ok"] and summary["census_invariant_ok"]
    )
    assert summary["seed"] == 5  # what the run was asked for, not a seed drawn for one customer
    actions = {action for action, _, _ in both_answers}
    assert {"GetItem", "PutItem", "UpdateItem", "Query", "TransactWriteItems"} <= actions
    assert [(a, fast, own) for a, fast, own in both_answers if fast != own] == []
    assert _partition_index_checked(cloud) > 10
    differing, fast_answers = replay(updates, monkeypatch)
    assert differing == []
    assert fast_answers > 0.8 * len(updates) and len(updates) > 30


def test_fast_answers_with_paging_empty_results_and_old_values_read_as_motos_own(cloud, both_answers):
    dynamodb = cloud.client("dynamodb")
    table = cloud.stack.tables["ActivityTable"]
    key_names = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    hash_name, range_name = key_names[0], key_names[1]
    for n in range(5):
        dynamodb.put_item(TableName=table, Item={hash_name: {"S": "A"}, range_name: {"S": f"r{n}"}})
    first = dynamodb.query(
        TableName=table,
        KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": hash_name},
        ExpressionAttributeValues={":h": {"S": "A"}},
        Limit=2,
    )
    assert first["Count"] == 2 and "LastEvaluatedKey" in first
    last = dynamodb.query(
        TableName=table,
        KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": hash_name},
        ExpressionAttributeValues={":h": {"S": "A"}},
        ExclusiveStartKey={hash_name: {"S": "A"}, range_name: {"S": "r3"}},
    )
    assert last["Count"] == 1 and "LastEvaluatedKey" not in last  # a missing key ends paging
    none = dynamodb.query(
        TableName=table,
        KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": hash_name},
        ExpressionAttributeValues={":h": {"S": "nobody"}},
    )
    assert none["Items"] == [] and none["Count"] == 0
    missing = {hash_name: {"S": "B"}, range_name: {"S": "x"}}
    assert "Item" not in dynamodb.get_item(TableName=table, Key=missing)
    old = dynamodb.delete_item(
        TableName=table, Key={hash_name: {"S": "A"}, range_name: {"S": "r0"}}, ReturnValues="ALL_OLD"
    )
    assert old["Attributes"][range_name] == {"S": "r0"}
    got = dynamodb.batch_get_item(
        RequestItems={table: {"Keys": [{hash_name: {"S": "A"}, range_name: {"S": "r1"}}]}}
    )
    assert len(got["Responses"][table]) == 1 and got["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as refused:  # errors take moto's own path
        dynamodb.put_item(
            TableName=table,
            Item={hash_name: {"S": "A"}, range_name: {"S": "r1"}},
            ConditionExpression="attribute_not_exists(#h)",
            ExpressionAttributeNames={"#h": hash_name},
        )
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert len(both_answers) >= 7
    assert [(a, fast) for a, fast, own in both_answers if fast != own] == []


def test_a_bad_definition_is_refused_every_time(cloud):
    sfn = cloud.client("stepfunctions")
    broken = '{"StartAt": "Here", "States": {"Here": {"Type": "Pass", "End": true}'  # one brace short
    for attempt in range(2):  # a refused definition is never kept as parsed
        with pytest.raises(ClientError) as refused:
            sfn.create_state_machine(
                name=f"probe-bad-{attempt}", definition=broken, roleArn="arn:aws:iam::123456789012:role/probe"
            )
        assert "ASLParserException" in str(refused.value)  # moto's refusal (it sends no error code)


def test_executions_of_one_cached_definition_keep_their_own_state(cloud):
    """Two executions of one definition, one after the other and with different input, each
    compute from their own input: the cached tree shares no evaluation state."""
    sfn = cloud.client("stepfunctions")
    definition = {
        "StartAt": "Add",
        "States": {
            "Add": {
                "Type": "Pass",
                "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"},
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    arn = sfn.create_state_machine(
        name="probe-add", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/probe"
    )["stateMachineArn"]
    from arrears_cli.executions import wait
    from arrears_cli.stackref import StackRef

    stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
    outputs = []
    for n, (a, b) in enumerate([(1, 2), (40, 2), (-5, 5)]):
        given = json.dumps({"a": a, "b": b})
        started = sfn.start_execution(stateMachineArn=arn, name=f"add-{n}", input=given)
        outputs.append(json.loads(wait(stack, started["executionArn"])["output"]))
    assert outputs == [{"sum": 3}, {"sum": 42}, {"sum": 0}]


def test_symmetric_keys_stay_distinct_and_asymmetric_keys_get_their_own_material(cloud):
    kms = cloud.client("kms")
    first, second = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    sealed = kms.encrypt(KeyId=first, Plaintext=b"ACC-1")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=sealed)["KeyId"].endswith(first)
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=sealed, KeyId=second)
    signers = [
        kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"] for _ in range(2)
    ]
    public = [kms.get_public_key(KeyId=k)["PublicKey"] for k in signers]
    assert public[0] != public[1]


def _full_pass(table, attribute: str, value) -> set:
    """What moto's own query would consider: every item of the table that carries the value."""
    from localcloud.partition_index import _every_item

    return {
        (item.hash_key, item.range_key)
        for item in _every_item(table)
        if (found := item.attrs.get(attribute)) is not None
        and (found.type, found.value) == (value.type, value.value)
    }


def _partition_index_checked(cloud) -> int:
    """Checks every indexed table's partition index against a full pass; how many partitions."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    from localcloud.partition_index import INDEX_ATTRIBUTE, _every_item, index_of

    backend = get_backend("dynamodb")[DEFAULT_ACCOUNT_ID][cloud.region]
    checked = 0
    for name in cloud.stack.tables.values():
        table = backend.get_table(name)
        if not (table.global_indexes or table.indexes):
            continue
        assert INDEX_ATTRIBUTE in table.__dict__  # the run's index queries built and kept it
        index = index_of(table)
        for attribute in index.attributes:
            values = {item.attrs[attribute] for item in _every_item(table) if attribute in item.attrs}
            for value in values:
                kept = {(i.hash_key, i.range_key) for i in index.partition(attribute, value)}
                assert kept == _full_pass(table, attribute, value)
                checked += 1
            # nothing is indexed under a value no item carries any more
            assert sum(len(b) for b in index.buckets[attribute].values()) == sum(
                1 for item in _every_item(table) if attribute in item.attrs
            )
    return checked


def test_an_index_query_sees_a_key_change_a_removal_and_a_rolled_back_transaction(cloud):
    dynamodb = cloud.client("dynamodb")
    table = cloud.stack.tables["AccountsTable"]

    def due(shard: str) -> list[str]:
        answer = dynamodb.query(
            TableName=table,
            IndexName="collectible",
            KeyConditionExpression="#s = :s AND next_action_on <= :d",
            ExpressionAttributeNames={"#s": "shard"},
            ExpressionAttributeValues={":s": {"S": shard}, ":d": {"S": "2026-03-01"}},
        )
        return sorted(i["account_id"]["S"] for i in answer["Items"])

    for n in range(3):
        dynamodb.put_item(
            TableName=table,
            Item={"account_id": {"S": f"A{n}"}, "shard": {"S": "s1"}, "next_action_on": {"S": "2026-02-01"}},
        )
    assert due("s1") == ["A0", "A1", "A2"]
    dynamodb.update_item(
        TableName=table,
        Key={"account_id": {"S": "A0"}},
        UpdateExpression="SET #s = :t",
        ExpressionAttributeNames={"#s": "shard"},
        ExpressionAttributeValues={":t": {"S": "s2"}},
    )
    dynamodb.update_item(
        TableName=table,
        Key={"account_id": {"S": "A1"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "shard"},
    )
    dynamodb.delete_item(TableName=table, Key={"account_id": {"S": "A2"}})
    assert (due("s1"), due("s2")) == ([], ["A0"])
    with pytest.raises(ClientError):  # moves A0 back, then a condition fails: all of it is undone
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"account_id": {"S": "A0"}},
                        "UpdateExpression": "SET #s = :t",
                        "ExpressionAttributeNames": {"#s": "shard"},
                        "ExpressionAttributeValues": {":t": {"S": "s1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"account_id": {"S": "A1"}},
                        "ConditionExpression": "attribute_exists(#s)",
                        "ExpressionAttributeNames": {"#s": "shard"},
                    }
                },
            ]
        )
    assert (due("s1"), due("s2")) == ([], ["A0"])


def test_one_update_expression_text_with_other_values_updates_by_those_values(cloud):
    """The parsed expression is kept by its text: the second use must read its own values."""
    dynamodb = cloud.client("dynamodb")
    table = cloud.stack.tables["AccountsTable"]
    dynamodb.put_item(TableName=table, Item={"account_id": {"S": "U1"}, "n": {"N": "10"}, "tags": {"L": []}})
    expression = "SET n = n + :d, tags = list_append(tags, :t), seen = if_not_exists(seen, :s) REMOVE gone"
    for delta, tag, seen in (("5", "a", "first"), ("-3", "b", "second")):
        dynamodb.update_item(
            TableName=table,
            Key={"account_id": {"S": "U1"}},
            UpdateExpression=expression,
            ExpressionAttributeValues={":d": {"N": delta}, ":t": {"L": [{"S": tag}]}, ":s": {"S": seen}},
        )
    item = dynamodb.get_item(TableName=table, Key={"account_id": {"S": "U1"}})["Item"]
    assert item["n"] == {"N": "12"} and item["tags"] == {"L": [{"S": "a"}, {"S": "b"}]}
    assert item["seen"] == {"S": "first"} and "gone" not in item
