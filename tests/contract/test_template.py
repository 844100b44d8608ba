"""template.yaml, the ASL files, the handlers and the PynamoDB models agree with one another."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import arrears.errors
import pytest
from arrears.models import AccountModel, ActivityModel

from localcloud.template import ROOT, load_template, resources_of_type

TEMPLATE = load_template()
STATE_MACHINES = resources_of_type(TEMPLATE, "AWS::Serverless::StateMachine")
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")


def _asl(resource: dict) -> dict:
    return json.loads((ROOT / resource["Properties"]["DefinitionUri"]).read_text())


def _all_states(states: dict):
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _all_states(processor["States"])
        for branch in state.get("Branches", []):
            yield from _all_states(branch["States"])


def test_cfn_lint_reports_no_errors():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(ROOT / "template.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_every_substitution_in_the_asl_resolves_to_a_template_resource(logical_id):
    resource = STATE_MACHINES[logical_id]
    text = (ROOT / resource["Properties"]["DefinitionUri"]).read_text()
    named = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))
    substitutions = resource["Properties"]["DefinitionSubstitutions"]
    assert named == set(substitutions), "ASL placeholders and DefinitionSubstitutions differ"
    for value in substitutions.values():
        target = value.get("Fn::GetAtt", value.get("Ref"))
        target = target[0] if isinstance(target, list) else str(target).split(".")[0]
        assert target in TEMPLATE["Resources"], f"{target} is not a resource of template.yaml"


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_retry_and_catch_name_real_error_types(logical_id):
    ours = {
        name
        for name, cls in inspect.getmembers(arrears.errors, inspect.isclass)
        if issubclass(cls, arrears.errors.ArrearsError)
    }
    for state_name, state in _all_states(_asl(STATE_MACHINES[logical_id])["States"]):
        for rule in state.get("Retry", []) + state.get("Catch", []):
            for error in rule["ErrorEquals"]:
                assert error.startswith(("States.", "Lambda.")) or error in ours, f"{state_name}: {error}"
        if state["Type"] == "Task":
            assert state.get("Retry"), f"{state_name} has no Retry"
            assert any("Lambda.TooManyRequestsException" in r["ErrorEquals"] for r in state["Retry"])


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_handler_exists(logical_id):
    module_name, attribute = FUNCTIONS[logical_id]["Properties"]["Handler"].rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module_name), attribute))


def test_functions_ship_only_our_code_and_run_on_arm64_python_312():
    defaults = TEMPLATE["Globals"]["Function"]
    assert defaults["Runtime"] == "python3.12" and defaults["Architectures"] == ["arm64"]
    assert (ROOT / defaults["CodeUri"]).is_dir()


def _key_schema(table: dict) -> dict:
    return {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}


def test_pynamodb_models_match_the_tables_in_the_template():
    tables = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table")
    accounts = tables["AccountsTable"]["Properties"]
    assert _key_schema(accounts) == {"HASH": AccountModel._hash_keyname}
    index = {i["IndexName"]: i for i in accounts["GlobalSecondaryIndexes"]}["collectible"]
    assert _key_schema(index) == {"HASH": "shard", "RANGE": "next_action_on"}
    assert index["Projection"]["ProjectionType"] == "KEYS_ONLY"
    assert AccountModel.collectible.Meta.index_name == "collectible"

    activity = tables["ActivityTable"]["Properties"]
    assert _key_schema(activity) == {
        "HASH": ActivityModel._hash_keyname,
        "RANGE": ActivityModel._range_keyname,
    }
    by_day = {i["IndexName"]: i for i in activity["GlobalSecondaryIndexes"]}["by_cycle_day"]
    assert _key_schema(by_day) == {"HASH": "cycle_day", "RANGE": "pk"}
    assert (
        tables["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "expiration"
    )


def test_buckets_are_encrypted_and_private():
    for name, bucket in resources_of_type(TEMPLATE, "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert props["BucketEncryption"], name
        assert all(props["PublicAccessBlockConfiguration"].values()), name


def test_the_schedule_starts_the_cycle_in_the_portfolios_time_zone():
    schedule = resources_of_type(TEMPLATE, "AWS::Scheduler::Schedule")["DailyCycleSchedule"]["Properties"]
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "PortfolioTimeZone"}
    assert schedule["Target"]["Arn"] == {"Ref": "CollectionCycleStateMachine"}


def test_architecture_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("functions", "functions/common", ".")),
    }
    result = subprocess.run([str(lint_imports)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
