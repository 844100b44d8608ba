"""Operators for tests, as an administrator makes them: users of the stack's operators' pool with a
roster entry, signed in with Cognito; their requests reach the operator API through the local
HTTP API (JWT authorizer, then the function), as the CLI's do."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date

from arrears_cli.operator_admin import add_operator
from arrears_cli.sessions import Session, sign_in
from arrears_cli.stackref import StackRef

PASSWORD = "Operator-Test-2026!"
_SESSIONS: dict[tuple[int, str], Session] = {}  # (local cloud, username) -> its signed-in session


def stack_of(cloud) -> StackRef:
    return StackRef.from_outputs(cloud.stack.outputs, cloud.region, cloud.endpoint_url).bind()


def sign_up(cloud, username: str, level: str, password: str = PASSWORD) -> Session:
    stack = stack_of(cloud)
    add_operator(stack, username, level, username.title(), password, None)
    session = _SESSIONS[(id(cloud), username)] = sign_in(stack, username, password)
    return session


def call_as(cloud, username: str, action: str, account_id: str | None, on: date, request_id=None, **params):
    """A request by an operator signed up with `sign_up` on this local cloud."""
    return act(cloud, _SESSIONS[(id(cloud), username)], action, account_id, on, request_id, **params)


def post(cloud, token: str | None, body: dict | bytes) -> tuple[int, dict]:
    """POST /operator through the local HTTP API: the authorizer first, then the function."""
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = cloud.handle_http("POST", "/operator", headers, raw)
    return answer.status, json.loads(answer.body or b"{}")


def act(
    cloud,
    session: Session,
    action: str,
    account_id: str | None,
    on: date,
    request_id: str | None = None,
    **params,
) -> dict:
    """The answer, or {"error", "message", "status"} when refused, as the tests compare them."""
    body = {
        "request_id": request_id or uuid.uuid4().hex,
        "action": action,
        "account_id": account_id,
        "on": on.isoformat(),
        "params": params,
    }
    status, answer = post(cloud, session.access_token, body)
    if status != 200:
        return {**answer, "status_code": status}
    return answer


__all__ = ["PASSWORD", "Session", "act", "call_as", "post", "replace", "sign_up", "stack_of"]
