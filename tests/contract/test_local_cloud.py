"""The local cloud is template.yaml, and the moto behaviours it relies on still hold."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from localcloud.template import load_template, resources_of_type

TEMPLATE = load_template()


def test_local_tables_and_indexes_match_the_template(cloud):
    dynamodb = cloud.client("dynamodb")
    for logical_id, resource in resources_of_type(TEMPLATE, "AWS::DynamoDB::Table").items():
        table = dynamodb.describe_table(TableName=cloud.stack.tables[logical_id])["Table"]
        props = resource["Properties"]
        assert table["KeySchema"] == props["KeySchema"]
        local_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        template_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in props.get("GlobalSecondaryIndexes", [])
        }
        assert local_indexes == template_indexes


def test_local_state_machines_are_the_asl_files_with_their_substitutions(cloud):
    sfn = cloud.client("stepfunctions")
    for logical_id in resources_of_type(TEMPLATE, "AWS::Serverless::StateMachine"):
        definition = sfn.describe_state_machine(stateMachineArn=cloud.stack.state_machines[logical_id])[
            "definition"
        ]
        assert "${" not in definition
        for spec in cloud.stack.functions.values():
            if spec.logical_id in definition or spec.arn in definition:
                assert spec.arn in definition


def test_local_functions_get_the_templates_environment(cloud):
    config = cloud.client("lambda").get_function_configuration(
        FunctionName=cloud.stack.functions["ProcessPageFunction"].name
    )
    assert config["Environment"]["Variables"]["ACCOUNTS_TABLE"] == cloud.stack.tables["AccountsTable"]
    assert config["Handler"] == "dunning.app.process_page"


def test_a_parameter_override_reaches_the_functions_and_the_outputs(cloud, stack):
    from tests.conftest import TEST_PARAMETERS

    config = cloud.client("lambda").get_function_configuration(
        FunctionName=cloud.stack.functions["ListShardsFunction"].name
    )
    assert TEST_PARAMETERS["CollectibleShards"] != str(TEMPLATE["Parameters"]["CollectibleShards"]["Default"])
    assert config["Environment"]["Variables"]["COLLECTIBLE_SHARDS"] == TEST_PARAMETERS["CollectibleShards"]
    assert stack.shard_count == int(TEST_PARAMETERS["CollectibleShards"])


@pytest.mark.parametrize(
    "overrides,refusal",
    [
        ({"Shards": "4"}, "declares no parameter Shards"),
        ({"CollectibleShards": "0"}, "between 1 and 1000"),
        ({"CollectibleShards": "1001"}, "between 1 and 1000"),
        ({"CollectibleShards": "four"}, "must be a number"),
        ({"LogLevel": "TRACE"}, "must be one of"),
    ],
)
def test_an_override_the_template_would_refuse_is_refused_before_anything_is_made(overrides, refusal):
    from localcloud.stack import deploy

    def no_clients(service):
        raise AssertionError(f"{service} was called before the parameters were checked")

    with pytest.raises(ValueError, match=refusal):
        deploy(TEMPLATE, no_clients, "refused", "us-east-1", "123456789012", None, overrides)


def test_the_bounds_themselves_are_accepted():
    from localcloud.stack import _check_parameter

    spec = TEMPLATE["Parameters"]["CollectibleShards"]
    for value in ("1", "1000"):
        _check_parameter("CollectibleShards", spec, value)


def test_lines_are_uploaded_in_parts_as_they_are_made_and_read_back_whole(cloud, stack):
    from arrears.adapters import reports_repo

    made = []

    def lines():
        for i in range(600_000):  # about 11 MB: more than one 8 MB part
            made.append(i)
            yield f"{i:09d},letter\n"

    reports_repo.put_lines(stack.letters_bucket, "print/t/manifest.csv", lines(), "text/csv", stack.region)

    stored = cloud.client("s3").get_object(Bucket=stack.letters_bucket, Key="print/t/manifest.csv")
    body = stored["Body"].read().decode().splitlines()
    assert len(made) == len(body) == 600_000
    assert (body[0], body[-1]) == ("000000000,letter", "000599999,letter")
    assert "-" in stored["ETag"]  # a multipart upload: sent in parts, never held whole
    assert stored["ContentType"] == "text/csv"


def test_a_failure_while_the_lines_are_made_reaches_the_caller_and_stores_nothing(cloud, stack):
    from arrears.adapters import reports_repo
    from arrears.domain.errors import StoreUnavailable

    def lines():
        yield from (f"{i:09d},letter\n" for i in range(500_000))  # past the first part
        raise StoreUnavailable("DynamoDB: throttled while reading the day's records")

    with pytest.raises(StoreUnavailable, match="throttled"):
        reports_repo.put_lines(stack.letters_bucket, "print/t/broken.csv", lines(), "text/csv", stack.region)

    listed = cloud.client("s3").list_objects_v2(Bucket=stack.letters_bucket, Prefix="print/t/")
    assert listed.get("KeyCount", 0) == 0  # the day's re-run writes it whole
    uploads = cloud.client("s3").list_multipart_uploads(Bucket=stack.letters_bucket)
    assert not uploads.get("Uploads")  # the parts sent were aborted


def _tiny_machine(cloud, definition: dict) -> str:
    return cloud.client("stepfunctions").create_state_machine(
        name=f"probe-{abs(hash(json.dumps(definition)))}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/probe",
    )["stateMachineArn"]


def test_a_wait_state_does_not_sleep_for_real(cloud, stack):
    from arrears_cli import executions

    arn = _tiny_machine(
        cloud,
        {"StartAt": "Wait a day", "States": {"Wait a day": {"Type": "Wait", "Seconds": 86400, "End": True}}},
    )
    execution = cloud.client("stepfunctions").start_execution(stateMachineArn=arn)["executionArn"]
    assert executions.wait(stack, execution, timeout_s=60)["status"] == "SUCCEEDED"


def test_a_reused_execution_name_is_refused(cloud):
    arn = _tiny_machine(cloud, {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    sfn = cloud.client("stepfunctions")
    sfn.start_execution(stateMachineArn=arn, name="once")
    with pytest.raises(ClientError) as raised:
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"other": 1}')
    assert raised.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


def test_a_cancelled_transaction_leaves_nothing_behind(cloud):
    """Pins the behaviour localcloud/moto_patches.py keeps while making transactions cheap."""
    dynamodb = boto3.client("dynamodb", region_name=cloud.region)
    table = cloud.stack.tables["ActivityTable"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET v = :two",
                        "ConditionExpression": "v = :zero",
                        "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
                    }
                },
            ]
        )
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "2"}})
    assert dynamodb.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["v"] == {
        "N": "1"
    }


# DynamoDB's TransactWriteItems is all or nothing: when any action is refused (a condition, a
# value it cannot store, an item too large) the whole transaction is cancelled and no item it
# names changes, not even for a moment. moto applies the actions one by one and then rolls back;
# localcloud/moto_patches.py backs up the named items and puts them back. The tests below hold
# that rollback to DynamoDB's rule, comparing whole items, both tables (hash-only with a GSI, and
# hash + range) and every kind of action (Put new, Put over, Update, Update creating, Delete).

ACCOUNT = {
    "account_id": {"S": "ACC-1"},
    "balance": {"N": "50000"},
    "currency": {"S": "USD"},
    "shard": {"S": "main#00"},
    "next_action_on": {"S": "2026-03-01"},
    "version": {"N": "3"},
}
ENTRY = {"pk": {"S": "ACC-1"}, "sk": {"S": "2026-02-01#ledger#p1"}, "amount": {"N": "-100"}}
OTHER = {"pk": {"S": "ACC-1"}, "sk": {"S": "2026-02-02#ledger#p2"}, "amount": {"N": "-200"}}


def _tables(cloud) -> tuple:
    return boto3.client("dynamodb", region_name=cloud.region), cloud.stack.tables


def _snapshot(dynamodb, tables) -> dict:
    def key(item):
        return json.dumps({k: item[k] for k in ("account_id", "pk", "sk") if k in item}, sort_keys=True)

    return {
        name: sorted(dynamodb.scan(TableName=tables[name], ConsistentRead=True)["Items"], key=key)
        for name in ("AccountsTable", "ActivityTable")
    }


def _seed(dynamodb, tables) -> dict:
    dynamodb.put_item(TableName=tables["AccountsTable"], Item=ACCOUNT)
    for item in (ENTRY, OTHER):
        dynamodb.put_item(TableName=tables["ActivityTable"], Item=item)
    return _snapshot(dynamodb, tables)


def _every_kind_of_write(tables) -> list[dict]:
    """Each action a transaction can take, on items that exist and on items that do not."""
    accounts, activity = tables["AccountsTable"], tables["ActivityTable"]
    return [
        {
            "Update": {  # changes the account and takes it out of the collectible index
                "TableName": accounts,
                "Key": {"account_id": {"S": "ACC-1"}},
                "UpdateExpression": "SET balance = balance + :paid, version = version + :one REMOVE #shard",
                "ExpressionAttributeNames": {"#shard": "shard"},  # a reserved word
                "ExpressionAttributeValues": {":paid": {"N": "-100"}, ":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": activity, "Key": {"pk": ENTRY["pk"], "sk": ENTRY["sk"]}}},
        {"Put": {"TableName": activity, "Item": {**OTHER, "amount": {"N": "-999"}}}},  # over an item
        {"Put": {"TableName": activity, "Item": {"pk": {"S": "ACC-1"}, "sk": {"S": "2026-03-01#ledger#p3"}}}},
        {
            "Update": {  # creates an account that did not exist
                "TableName": accounts,
                "Key": {"account_id": {"S": "ACC-NEW"}},
                "UpdateExpression": "SET balance = :zero",
                "ExpressionAttributeValues": {":zero": {"N": "0"}},
            }
        },
    ]


def _cancelled(dynamodb, items: list[dict]) -> ClientError:
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=items)
    return raised.value


def _assert_as_before(dynamodb, tables, before: dict) -> None:
    assert _snapshot(dynamodb, tables) == before
    assert "Item" not in dynamodb.get_item(
        TableName=tables["AccountsTable"], Key={"account_id": {"S": "ACC-NEW"}}, ConsistentRead=True
    )
    indexed = dynamodb.query(
        TableName=tables["AccountsTable"],
        IndexName="collectible",
        KeyConditionExpression="shard = :s",
        ExpressionAttributeValues={":s": ACCOUNT["shard"]},
    )["Items"]
    assert [i["account_id"] for i in indexed] == [ACCOUNT["account_id"]]  # back in the index


def _refused_condition(tables) -> dict:
    return {
        "ConditionCheck": {
            "TableName": tables["ActivityTable"],
            "Key": {"pk": {"S": "ACC-1"}, "sk": {"S": "dedupe#p3"}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


def test_a_transaction_cancelled_by_a_condition_restores_every_item_it_touched(cloud):
    dynamodb, tables = _tables(cloud)
    before = _seed(dynamodb, tables)
    error = _cancelled(dynamodb, [*_every_kind_of_write(tables), _refused_condition(tables)])

    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error.response["CancellationReasons"]] == ["None"] * 5 + [
        "ConditionalCheckFailed"
    ]
    _assert_as_before(dynamodb, tables, before)


_OVERFLOW = "2" + "0" * 126  # above DynamoDB's largest number, 9.99...E+125
_LARGE = "x" * 410_000  # above DynamoDB's 400 KB item limit


@pytest.mark.parametrize(
    ("refused", "code"),
    [
        pytest.param(
            lambda t: {
                "Put": {
                    "TableName": t["ActivityTable"],
                    "Item": {
                        "pk": {"S": "ACC-1"},
                        "sk": {"S": "2026-03-01#ledger#p4"},
                        "amount": {"N": _OVERFLOW},
                    },
                }
            },
            "TransactionCanceledException",  # reason: ValidationException, "Number overflow"
            id="number-overflow",
        ),
        pytest.param(
            lambda t: {
                "Put": {
                    "TableName": t["ActivityTable"],
                    "Item": {
                        "pk": {"S": "ACC-1"},
                        "sk": {"S": "2026-03-01#ledger#p4"},
                        "note": {"S": _LARGE},
                    },
                }
            },
            "ValidationException",  # "Item size has exceeded the maximum allowed size"
            id="put-over-400kb",
        ),
        pytest.param(
            lambda t: {
                "Update": {
                    "TableName": t["AccountsTable"],
                    "Key": {"account_id": {"S": "ACC-2"}},
                    "UpdateExpression": "SET note = :large",
                    "ExpressionAttributeValues": {":large": {"S": _LARGE}},
                }
            },
            "ValidationException",  # "Item size to update has exceeded the maximum allowed size"
            id="update-over-400kb",
        ),
    ],
)
def test_a_transaction_failing_midway_on_a_refused_value_leaves_every_item_as_it_was(cloud, refused, code):
    """Not a condition: moto refuses the value after the earlier actions were applied. (It does not
    refuse a number of more than 38 significant digits, which DynamoDB does, so that is no probe.)"""
    dynamodb, tables = _tables(cloud)
    before = _seed(dynamodb, tables)
    after = {"Put": {"TableName": tables["ActivityTable"], "Item": {"pk": {"S": "ACC-1"}, "sk": {"S": "z"}}}}
    writes = _every_kind_of_write(tables)
    error = _cancelled(dynamodb, [*writes[:3], refused(tables), *writes[3:], after])

    assert error.response["Error"]["Code"] == code
    if code == "TransactionCanceledException":
        reasons = [r["Code"] for r in error.response["CancellationReasons"]]
        assert reasons[3] == "ValidationException"
        assert set(reasons) == {"None", "ValidationException"}
    _assert_as_before(dynamodb, tables, before)


def test_a_rollback_restores_an_item_that_moto_would_refuse_to_put_again(cloud):
    """The regression: the rollback deleted the account and re-put it, the put was refused, and the
    account was gone with its ledger orphaned. moto checks a number's range on a put, not on what
    an update stores, so an update can store 2×10^126 (DynamoDB refuses that update); a later
    cancelled transaction on that account must leave it exactly as it was."""
    dynamodb, tables = _tables(cloud)
    _seed(dynamodb, tables)
    dynamodb.update_item(
        TableName=tables["AccountsTable"],
        Key={"account_id": {"S": "ACC-1"}},
        UpdateExpression="SET balance = :huge",
        ExpressionAttributeValues={":huge": {"N": "2E+126"}},  # 1 significant digit: moto can project it
    )
    with pytest.raises(ClientError) as refused:  # the value the old rollback tried to put back
        dynamodb.put_item(
            TableName=tables["AccountsTable"],
            Item=dynamodb.get_item(TableName=tables["AccountsTable"], Key={"account_id": {"S": "ACC-1"}})[
                "Item"
            ],
        )
    assert "Number overflow" in refused.value.response["Error"]["Message"]
    before = _snapshot(dynamodb, tables)

    error = _cancelled(dynamodb, [*_every_kind_of_write(tables), _refused_condition(tables)])

    assert error.response["Error"]["Code"] == "TransactionCanceledException"  # not the restore's error
    _assert_as_before(dynamodb, tables, before)
    account = dynamodb.get_item(TableName=tables["AccountsTable"], Key={"account_id": {"S": "ACC-1"}})["Item"]
    assert account["balance"] == {"N": "2E+126"}


# A fresh interpreter: this one's test session may have imported anything already.
DEFERRED_PROBE = """
import json, sys
import localcloud
import moto.stepfunctions.parser.asl.parse.preprocessor  # what every execution's parse imports
print(json.dumps(["moto.batch.models" in sys.modules, "moto.ec2.models" in sys.modules]))
"""


def test_the_step_functions_interpreter_loads_without_batch_or_ec2():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", DEFERRED_PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == [False, False]  # EC2's catalogue is not built for a stack without Batch


def test_a_deferred_package_becomes_the_real_one_when_first_asked_for(monkeypatch):
    import importlib
    import sys

    from moto.core.base_backend import BackendDict

    from localcloud.moto_imports import _deferred_package

    for name in [m for m in sys.modules if m == "moto.sdb" or m.startswith("moto.sdb.")]:
        monkeypatch.delitem(sys.modules, name)  # as in a process that never imported it
    stand_in = _deferred_package("moto.sdb")
    monkeypatch.setitem(sys.modules, "moto.sdb", stand_in)
    # a submodule imports through the stand-in, as moto's interpreter imports moto.batch.utils
    exceptions = importlib.import_module("moto.sdb.exceptions")

    assert sys.modules["moto.sdb"] is stand_in and "moto.sdb.models" not in sys.modules
    backends = stand_in.sdb_backends  # what moto's server or a reset asks for
    assert isinstance(backends, BackendDict) and sys.modules["moto.sdb"] is not stand_in
    assert sys.modules["moto.sdb"].exceptions is exceptions  # one module, not two copies
