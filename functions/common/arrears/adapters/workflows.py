"""Starting a per-account workflow (skip-trace, credit review) under a name that makes it once a day."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from botocore.exceptions import BotoCoreError, ClientError

from arrears.adapters.aws_clients import client
from arrears.domain.errors import StoreUnavailable

NAME_LIMIT = 80  # Step Functions' limit on an execution name


def execution_name(workflow: str, account_id: str, as_of: date) -> str:
    """`skiptrace-{account}-{as_of}`; an id with other characters, or too long, is shortened by a hash."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", account_id)
    name = f"{workflow}-{safe}-{as_of.isoformat()}"
    if len(name) <= NAME_LIMIT and safe == account_id:
        return name
    digest = hashlib.sha256(account_id.encode()).hexdigest()[:12]
    return f"{workflow}-{safe[: NAME_LIMIT - len(workflow) - 26]}-{digest}-{as_of.isoformat()}"


def start(state_machine_arn: str, name: str, payload: dict, region: str) -> bool:
    """True when this call started it; False when an execution of that name already exists."""
    try:
        client("stepfunctions", region).start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, default=str)
        )
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ExecutionAlreadyExists":
            return False
        raise StoreUnavailable(f"Step Functions refused to start {name}: {exc}") from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(f"Step Functions unreachable: {exc}") from exc
