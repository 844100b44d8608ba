"""Where the stack is: its table names, bucket and state machine, from stack outputs or local.json."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import boto3
from arrears.adapters.aws_clients import reset_connections
from arrears.store.models import bind_models

LOCAL_FILE = Path(".arrears/local.json")


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

    def workflows(self) -> dict[str, str]:
        """Each workflow an operator can list, by the name the CLI uses for it."""
        named = {
            "cycle": self.cycle_state_machine,
            "skiptrace": self.skiptrace_state_machine,
            "credit-review": self.credit_review_state_machine,
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
        )

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
    """A running `arrears local up` (by its endpoint and local.json), or a deployed CloudFormation stack."""
    if endpoint_url:
        if not LOCAL_FILE.exists():
            raise StackNotFound(
                f"{LOCAL_FILE} not found: start the local cloud with `arrears local up` first"
            )
        local = json.loads(LOCAL_FILE.read_text())
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(key, "testing")
        stack = StackRef.from_outputs(local["outputs"], region or local["region"], endpoint_url)
        if local.get("webhook_url"):  # the local HTTP API serves every route of the template
            stack = replace(stack, operator_api_url=local["webhook_url"])
        return stack.bind()
    session = boto3.session.Session(region_name=region)
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:  # noqa: BLE001 - any failure here means "no stack to talk to"
        raise StackNotFound(f"stack {stack_name!r} not found: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return StackRef.from_outputs(outputs, session.region_name, None).bind()


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint_url: str | None):
    """One client per service and endpoint for the process: building one costs tens of ms."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url)
