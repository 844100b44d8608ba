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

import arrears.domain.errors
import pytest
from arrears.store.models import AccountModel, ActivityModel

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


def test_the_local_cloud_reads_the_template_as_cfn_lint_does():
    from cfnlint.decode import cfn_yaml

    from localcloud.template import TEMPLATE as PATH
    from localcloud.template import _plain

    linted = _plain(cfn_yaml.load(str(PATH)))
    assert linted == TEMPLATE
    # the short forms were read as intrinsic functions, not as strings
    assert TEMPLATE["Outputs"]["CollectibleShards"]["Value"] == {"Ref": "CollectibleShards"}


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
        for name, cls in inspect.getmembers(arrears.domain.errors, inspect.isclass)
        if issubclass(cls, arrears.domain.errors.ArrearsError)
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


# ---------------------------------------------------------------- hardening (docs/security.md)
RESOURCES = TEMPLATE["Resources"]
KEYS = resources_of_type(TEMPLATE, "AWS::KMS::Key")
ASYNC_EVENT_TYPES = {"S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "IoTRule"}


def _target(value) -> str | None:
    """The logical id a Ref or GetAtt names, or None for anything else."""
    if not isinstance(value, dict):
        return None
    if "Ref" in value:
        return value["Ref"]
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return target[0] if isinstance(target, list) else target.split(".")[0]
    return None


def _is_stack_key(value) -> bool:
    return _target(value) in KEYS


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _allow_statements():
    """Every Allow of an identity policy: roles, managed policies, inline ones of functions and machines."""
    for logical, resource in RESOURCES.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents = [props["PolicyDocument"]]
        elif resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            documents = [p for p in props.get("Policies", []) if isinstance(p, dict) and "Statement" in p]
        for document in documents:
            for statement in _as_list(document["Statement"]):
                if statement["Effect"] == "Allow":
                    yield logical, statement


def test_keys_rotate_have_a_policy_and_outlive_the_data_they_protect():
    assert KEYS, "the template has no customer-managed key"
    for name, key in KEYS.items():
        props = key["Properties"]
        assert props["EnableKeyRotation"] is True, name
        assert props["KeyPolicy"]["Statement"], name
        assert key.get("DeletionPolicy") == "Retain", f"{name}: deleting it strands retained data"
        for statement in props["KeyPolicy"]["Statement"]:
            principal = statement["Principal"]
            assert principal != "*" and principal.get("AWS") != "*", f"{name}: wildcard principal"


def test_personal_data_has_a_key_of_its_own_with_an_alias():
    """DESIGN.md: personal fields are encrypted with a KMS key kept for personal data alone."""
    assert "PersonalDataKey" in KEYS and len(KEYS) >= 2
    aliases = resources_of_type(TEMPLATE, "AWS::KMS::Alias").values()
    assert "PersonalDataKey" in {_target(a["Properties"]["TargetKeyId"]) for a in aliases}


@pytest.mark.parametrize("logical_id", sorted(resources_of_type(TEMPLATE, "AWS::DynamoDB::Table")))
def test_every_table_has_point_in_time_recovery_and_a_customer_managed_key(logical_id):
    props = RESOURCES[logical_id]["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    assert _is_stack_key(sse["KMSMasterKeyId"])


def test_the_tables_that_hold_money_are_retained():
    for name in ("AccountsTable", "ActivityTable"):
        assert RESOURCES[name]["DeletionPolicy"] == "Retain", name


@pytest.mark.parametrize("logical_id", sorted(resources_of_type(TEMPLATE, "AWS::SecretsManager::Secret")))
def test_every_secret_is_encrypted_with_a_customer_managed_key(logical_id):
    assert _is_stack_key(RESOURCES[logical_id]["Properties"]["KmsKeyId"])


@pytest.mark.parametrize("logical_id", sorted(resources_of_type(TEMPLATE, "AWS::Logs::LogGroup")))
def test_every_log_group_is_encrypted_and_expires(logical_id):
    props = RESOURCES[logical_id]["Properties"]
    assert _is_stack_key(props["KmsKeyId"])
    assert props["RetentionInDays"]


def test_functions_log_to_an_encrypted_group_and_encrypt_their_environment():
    defaults = TEMPLATE["Globals"]["Function"]
    assert _is_stack_key(defaults["KmsKeyArn"])
    assert _target(defaults["LoggingConfig"]["LogGroup"]) in resources_of_type(
        TEMPLATE, "AWS::Logs::LogGroup"
    )
    for name, function in FUNCTIONS.items():
        props = function["Properties"]
        assert "KmsKeyArn" not in props or _is_stack_key(props["KmsKeyArn"]), name
        assert "LoggingConfig" not in props, f"{name} logs outside the encrypted group"


def _bucket_policies() -> dict[str, list[dict]]:
    policies: dict[str, list[dict]] = {}
    for policy in resources_of_type(TEMPLATE, "AWS::S3::BucketPolicy").values():
        props = policy["Properties"]
        policies.setdefault(_target(props["Bucket"]), []).extend(
            _as_list(props["PolicyDocument"]["Statement"])
        )
    return policies


@pytest.mark.parametrize("logical_id", sorted(resources_of_type(TEMPLATE, "AWS::S3::Bucket")))
def test_every_bucket_is_private_versioned_logged_and_refuses_plain_http(logical_id):
    props = RESOURCES[logical_id]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    denies_plain_http = [
        s
        for s in _bucket_policies().get(logical_id, [])
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and "s3:*" in _as_list(s["Action"])
        and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        and len(_as_list(s["Resource"])) == 2  # the bucket and its objects
    ]
    assert denies_plain_http, f"{logical_id} accepts requests without TLS"
    logs = props.get("LoggingConfiguration")
    if logs is None:  # only the destination of the access logs itself goes unlogged
        destinations = {
            _target(RESOURCES[b]["Properties"]["LoggingConfiguration"]["DestinationBucketName"])
            for b in resources_of_type(TEMPLATE, "AWS::S3::Bucket")
            if "LoggingConfiguration" in RESOURCES[b]["Properties"]
        }
        assert destinations == {logical_id}
    else:
        assert _target(logs["DestinationBucketName"]) in RESOURCES


@pytest.mark.parametrize("logical_id", ["LettersBucket", "ReportsBucket"])
def test_records_are_encrypted_with_the_stacks_key_and_never_expire_by_age(logical_id):
    """Reg F keeps records three years after the LAST collection activity on the debt: no age tells that."""
    props = RESOURCES[logical_id]["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert _is_stack_key(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
    assert RESOURCES[logical_id]["DeletionPolicy"] == "Retain"
    for lifecycle in props.get("LifecycleConfiguration", {}).get("Rules", []):
        assert not {"ExpirationInDays", "ExpirationDate", "Transitions"} & set(lifecycle), lifecycle["Id"]


def test_both_http_apis_write_access_logs_to_a_log_group_of_the_stack():
    apis = resources_of_type(TEMPLATE, "AWS::Serverless::HttpApi")
    assert {"WebhooksApi", "OperatorApi"} <= set(apis)
    for name, api in apis.items():
        settings = api["Properties"]["AccessLogSettings"]
        assert RESOURCES[_target(settings["DestinationArn"])]["Type"] == "AWS::Logs::LogGroup", name
        assert "$context.requestId" in settings["Format"], name


def _dead_letter_queue_is_encrypted(value) -> bool:
    queue = RESOURCES.get(_target(value) or "", {})
    return queue.get("Type") == "AWS::SQS::Queue" and _is_stack_key(queue["Properties"]["KmsMasterKeyId"])


def test_every_asynchronous_invocation_has_an_encrypted_dead_letter_queue():
    for name, schedule in resources_of_type(TEMPLATE, "AWS::Scheduler::Schedule").items():
        assert _dead_letter_queue_is_encrypted(schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]), (
            name
        )
    for name, rule in resources_of_type(TEMPLATE, "AWS::Events::Rule").items():
        for target in rule["Properties"].get("Targets", []):
            assert _dead_letter_queue_is_encrypted(target["DeadLetterConfig"]["Arn"]), (
                f"{name}/{target['Id']}"
            )
    default_dlq = TEMPLATE["Globals"]["Function"].get("DeadLetterQueue")
    for name, function in FUNCTIONS.items():
        props = function["Properties"]
        dlq = props.get("DeadLetterQueue", default_dlq)
        assert dlq and dlq["Type"] == "SQS" and _dead_letter_queue_is_encrypted(dlq["TargetArn"]), name
        for event_name, event in props.get("Events", {}).items():
            if event["Type"] in ASYNC_EVENT_TYPES:
                target = (event["Properties"].get("DeadLetterConfig") or {}).get("Arn")
                assert target is None or _dead_letter_queue_is_encrypted(target), f"{name}/{event_name}"


def test_no_policy_grants_a_wildcard_action_on_data():
    for logical, statement in _allow_statements():
        for action in _as_list(statement["Action"]):
            assert action != "*", f"{logical} allows every action"
            service, _, verb = action.partition(":")
            if service in ("dynamodb", "s3", "kms", "secretsmanager", "sqs"):
                assert "*" not in verb, f"{logical} allows {action}"
        if "*" in _as_list(statement.get("Resource")):  # only vended log delivery has no resource-level form
            assert all(a.startswith("logs:") for a in _as_list(statement["Action"])), logical
    for name, function in FUNCTIONS.items():
        for policy in function["Properties"].get("Policies", []):
            if isinstance(policy, str):
                assert "FullAccess" not in policy, f"{name}: {policy}"
            elif isinstance(policy, dict) and "Statement" not in policy and "Ref" not in policy:
                (template_name,) = policy
                # SAM templates that grant s3 ACL, lifecycle or bucket-wide rights beyond objects
                assert template_name not in ("S3CrudPolicy", "S3WritePolicy", "S3FullAccessPolicy"), name


def test_checkov_skips_carry_their_reason():
    for name, resource in RESOURCES.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
            assert len(skip.get("comment", "")) >= 40, f"{name}: {skip['id']} has no real reason"


def test_the_schedule_starts_the_cycle_in_the_portfolios_time_zone():
    schedule = resources_of_type(TEMPLATE, "AWS::Scheduler::Schedule")["DailyCycleSchedule"]["Properties"]
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "PortfolioTimeZone"}
    assert schedule["Target"]["Arn"] == {"Ref": "CollectionCycleStateMachine"}


def test_only_the_system_of_records_role_writes_under_feeds():
    policy = TEMPLATE["Resources"]["FeedsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in policy if s.get("Sid") == "OnlyTheSystemOfRecordWritesFeeds")
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert "s3:PutObject" in deny["Action"]
    assert deny["Resource"] == {"Fn::Sub": "${FeedsBucket.Arn}/feeds/*"}
    assert deny["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["FeedSenderRole", "Arn"]}}
    }
    # the role may put feeds and read their reports, nothing else of the bucket
    sender = TEMPLATE["Resources"]["FeedSenderRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    s3 = {(s["Action"], s["Resource"]["Fn::Sub"]) for s in sender if str(s["Action"]).startswith("s3:")}
    assert s3 == {
        ("s3:PutObject", "${FeedsBucket.Arn}/feeds/*"),
        ("s3:GetObject", "${FeedsBucket.Arn}/reports/*"),
    }


def test_the_feed_workflow_starts_on_files_under_feeds_only():
    machine = TEMPLATE["Resources"]["DailyFeedStateMachine"]["Properties"]
    pattern = machine["Events"]["FeedArrived"]["Properties"]["Pattern"]
    assert pattern["detail"]["object"]["key"] == [{"prefix": "feeds/"}]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "FeedsBucket"}]
    bucket = TEMPLATE["Resources"]["FeedsBucket"]["Properties"]
    assert bucket["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"] is True
    # what the workflow itself writes lies outside feeds/, so it never starts itself again
    for logical in ("FeedCheckFunction", "FeedReportFunction"):
        written = [
            r["Fn::Sub"]
            for p in TEMPLATE["Resources"][logical]["Properties"]["Policies"]
            if isinstance(p, dict) and "Statement" in p
            for s in p["Statement"]
            if s["Action"] == "s3:PutObject"
            for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        ]
        assert written and not any("/feeds/" in r for r in written)


def test_architecture_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("functions", "functions/common", ".")),
    }
    result = subprocess.run([str(lint_imports)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_timeline_key_is_the_stored_format_and_sorts_by_date():
    from datetime import date

    from arrears.store.models import timeline_sk

    assert timeline_sk(date(2026, 3, 2), "letter", "first_reminder") == "2026-03-02#letter#first_reminder"
    days = [date(2026, 12, 31), date(2026, 3, 2), date(2027, 1, 1)]
    assert sorted(timeline_sk(d, "ledger", "z") for d in days) == [
        timeline_sk(d, "ledger", "z") for d in sorted(days)
    ]


def _grants_on(policy: dict, key: str) -> set[str]:
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return {
        action
        for s in statements
        if s["Resource"] == {"Fn::GetAtt": [key, "Arn"]}
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }


def test_only_the_functions_that_address_letters_or_answer_operators_may_open_personal_data():
    """DESIGN.md, Privacy: the personal-data key decrypts for the letters' pages, the print manifest's
    close of day and the operator function; the import's paths may seal, never open."""
    policies = resources_of_type(TEMPLATE, "AWS::IAM::ManagedPolicy")
    opening = {name for name, p in policies.items() if "kms:Decrypt" in _grants_on(p, "PersonalDataKey")}
    sealing = {
        name for name, p in policies.items() if "kms:GenerateDataKey" in _grants_on(p, "PersonalDataKey")
    }
    assert opening == {"PersonalDataOpenPolicy"}
    assert sealing == {"PersonalDataOpenPolicy", "PersonalDataSealPolicy"}

    def holders(policy: str) -> set[str]:
        return {
            name for name, f in FUNCTIONS.items() if {"Ref": policy} in f["Properties"].get("Policies", [])
        }

    assert holders("PersonalDataOpenPolicy") == {
        "ProcessPageFunction",
        "CloseDayFunction",
        "OperatorApiFunction",
    }
    assert holders("PersonalDataSealPolicy") == {"FeedApplyFunction", "SkipTraceSearchFunction"}
    inline = [
        name
        for name, f in FUNCTIONS.items()
        for p in f["Properties"].get("Policies", [])
        if "PersonalDataKey" in json.dumps(p)
    ]
    assert inline == []  # no function reaches the key but through the two policies
