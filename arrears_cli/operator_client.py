"""The CLI's way to act on accounts: every action goes through the stack's operator function, so
validation, authority and audit are the server's, whichever client asks."""

from __future__ import annotations

import json
import uuid
from datetime import date

from arrears_cli.stackref import StackRef


class OperatorRefused(Exception):
    """The operator function refused the request (bad input, unknown account, beyond authority)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error, self.message = error, message


def call(
    stack: StackRef,
    operator_id: str,
    action: str,
    account_id: str | None,
    on: date,
    params: dict,
    request_id: str | None = None,
) -> dict:
    """One request; pass the same `request_id` to retry it safely (the first answer comes back)."""
    event = {
        "request_id": request_id or uuid.uuid4().hex,
        "operator_id": operator_id,
        "action": action,
        "account_id": account_id,
        "on": on.isoformat(),
        "params": params,
    }
    answer = stack.client("lambda").invoke(FunctionName=stack.operator_function, Payload=json.dumps(event))
    body = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise OperatorRefused(body.get("errorType", "Error"), body.get("errorMessage", ""))
    return body
