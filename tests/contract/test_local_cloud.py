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
