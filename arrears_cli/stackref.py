"""Where the stack is: its table names, bucket and state machine, from stack outputs or local.json."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from arrears.adapters.aws_clients import reset_connections
from arrears.adapters.personal_data import Keys
from arrears.store.models import bind_models

LOCAL_FILE = Path(".arrears/local.json")
LOCAL_ENV = "ARREARS_LOCAL"  # a running `arrears local up`'s endpoint, for when --endpoint-url is left out
# Where `arrears local up` leaves its description inside the local cloud itself, so a command run
# from any folder finds the stack with the endpoint alone (.arrears/local.json is a copy of it).
DESCRIPTION_BUCKET = "arrears-local"
START_LOCAL = "start the local cloud with `arrears local up`"


class StackNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class StackRef:
    region: str
    endpoint_url: str | None
    accounts_table: str
    activity_table: str
    reports_bucket: str
    letters_bucket: str
    cycle_state_machine: str
    shard_count: int
    payments_bus: str = ""
    skiptrace_state_machine: str = ""
    credit_review_state_machine: str = ""
    operator_api_url: str = ""  # the operators' HTTP API (locally: the local HTTP API's address)
    user_pool_id: str = ""
    cli_client_id: str = ""
    feeds_bucket: str = ""
    feed_state_machine: str = ""
    customers_table: str = ""
    personal_data_key: str = ""
    lookup_key_secret: str = ""

    def workflows(self) -> dict[str, str]:
        """Each workflow an operator can list, by the name the CLI uses for it."""
        named = {
            "cycle": self.cycle_state_machine,
            "skiptrace": self.skiptrace_state_machine,
            "credit-review": self.credit_review_state_machine,
            "feed": self.feed_state_machine,
        }
        return {name: arn for name, arn in named.items() if arn}

    @classmethod
    def from_outputs(cls, outputs: dict, region: str, endpoint_url: str | None) -> StackRef:
        return cls(
            region=region,
            endpoint_url=endpoint_url,
            accounts_table=outputs["AccountsTableName"],
            activity_table=outputs["ActivityTableName"],
            reports_bucket=outputs["ReportsBucketName"],
            letters_bucket=outputs["LettersBucketName"],
            cycle_state_machine=outputs["CollectionCycleStateMachineArn"],
            shard_count=int(outputs["CollectibleShards"]),
            payments_bus=outputs.get("PaymentsBusName", ""),
            skiptrace_state_machine=outputs.get("SkipTraceStateMachineArn", ""),
            credit_review_state_machine=outputs.get("CreditReviewStateMachineArn", ""),
            operator_api_url=outputs.get("OperatorApiUrl", ""),
            user_pool_id=outputs.get("OperatorsUserPoolId", ""),
            cli_client_id=outputs.get("OperatorsCliClientId", ""),
            feeds_bucket=outputs.get("FeedsBucketName", ""),
            feed_state_machine=outputs.get("DailyFeedStateMachineArn", ""),
            customers_table=outputs.get("CustomersTableName", ""),
            personal_data_key=outputs.get("PersonalDataKeyArn", ""),
            lookup_key_secret=outputs.get("LookupKeySecretId", ""),
        )

    def personal_data(self) -> Keys:
        """What the import seals customers with (it never opens them: that is the operator API's)."""
        return Keys(self.customers_table, self.personal_data_key, self.lookup_key_secret, self.region)

    def client(self, service: str):
        # boto3 reads AWS_ENDPOINT_URL when no endpoint is given: it is part of what a client is
        return _client(service, self.region, self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))

    def bind(self) -> StackRef:
        """Point the layer's repositories at this stack (the endpoint through the usual AWS variable)."""
        if self.endpoint_url and os.environ.get("AWS_ENDPOINT_URL") != self.endpoint_url:
            os.environ["AWS_ENDPOINT_URL"] = self.endpoint_url
            reset_connections()
        bind_models(self.accounts_table, self.activity_table, self.region)
        return self


def connect(endpoint_url: str | None, stack_name: str, region: str | None) -> StackRef:
    """A running `arrears local up` (its endpoint, or ARREARS_LOCAL's), or a deployed stack."""
    endpoint_url = endpoint_url or os.environ.get(LOCAL_ENV) or None
    if endpoint_url:
        return _local_stack(endpoint_url, stack_name, region)
    session = boto3.session.Session(region_name=region)
    if session.region_name is None:
        raise StackNotFound(
            f"no stack to talk to: {START_LOCAL} and pass the endpoint it prints with --endpoint-url "
            f"(or set {LOCAL_ENV} to it); for a deployed stack, set AWS_REGION or give --region"
        )
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:  # noqa: BLE001 - any failure here means "no stack to talk to"
        raise StackNotFound(f"stack {stack_name!r} not found in {session.region_name}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return StackRef.from_outputs(outputs, session.region_name, None).bind()


def _local_stack(endpoint_url: str, stack_name: str, region: str | None) -> StackRef:
    if not answering(endpoint_url):
        raise StackNotFound(f"{endpoint_url} is not answering: {START_LOCAL} (it prints the endpoint to use)")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(key, "testing")
    local = local_description(endpoint_url, stack_name, region)
    stack = StackRef.from_outputs(local["outputs"], region or local["region"], endpoint_url)
    if local.get("webhook_url"):  # the local HTTP API serves every route of the template
        stack = replace(stack, operator_api_url=local["webhook_url"])
    return stack.bind()


def answering(endpoint_url: str, timeout_s: float = 2.0) -> bool:
    """Something listens at the endpoint's host and port (a stopped `local up` leaves nothing)."""
    parts = urlsplit(endpoint_url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def local_description(endpoint_url: str, stack_name: str, region: str | None) -> dict:
    """What `arrears local up` wrote: .arrears/local.json here if it is this cloud's, else the copy
    the cloud keeps of it."""
    if LOCAL_FILE.exists():
        local = json.loads(LOCAL_FILE.read_text())
        if local.get("endpoint_url") in (None, endpoint_url):
            return local
    s3 = _client("s3", region or "us-east-1", endpoint_url)
    try:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=DESCRIPTION_BUCKET).get("Contents", [])]
    except Exception as exc:  # noqa: BLE001 - any failure: this endpoint is no `arrears local up`
        raise StackNotFound(f"{endpoint_url} answers but is no `arrears local up`: {START_LOCAL}") from exc
    wanted = f"{stack_name}.json"
    if wanted not in keys and len(keys) != 1:  # a cloud started with another --stack-name: the only one
        raise StackNotFound(f"{endpoint_url} runs no stack {stack_name!r}; it runs {_names(keys)}")
    key = wanted if wanted in keys else keys[0]
    return json.loads(s3.get_object(Bucket=DESCRIPTION_BUCKET, Key=key)["Body"].read())


def _names(keys: list[str]) -> str:
    return ", ".join(repr(k.removesuffix(".json")) for k in keys) or "none"


def publish_description(described: dict, stack_name: str) -> None:
    """Keep the local cloud's description inside it, for commands run from another folder."""
    s3 = _client("s3", described["region"], described["endpoint_url"])
    where = (
        {}
        if described["region"] == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": described["region"]}}
    )
    s3.create_bucket(Bucket=DESCRIPTION_BUCKET, **where)
    s3.put_object(
        Bucket=DESCRIPTION_BUCKET,
        Key=f"{stack_name}.json",
        Body=json.dumps(described).encode(),
        ContentType="application/json",
    )


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint_url: str | None):
    """One client per service and endpoint for the process: building one costs tens of ms."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url)
