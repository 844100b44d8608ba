"""The CLI's way to act on accounts: every action goes to the operators' API with the signed-in
operator's token, so identity, validation, authority and audit are the server's, whichever client asks."""

from __future__ import annotations

import uuid
from datetime import date

import requests

from arrears_cli.sessions import Session
from arrears_cli.stackref import StackRef


class OperatorRefused(Exception):
    """The operator API refused the request (not signed in, bad input, unknown account, beyond authority)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error, self.message = error, message


def call(
    stack: StackRef,
    session: Session,
    action: str,
    account_id: str | None,
    on: date,
    params: dict,
    request_id: str | None = None,
) -> dict:
    """One request; pass the same `request_id` to retry it safely (the first answer comes back)."""
    body = {
        "request_id": request_id or uuid.uuid4().hex,
        "action": action,
        "account_id": account_id,
        "on": on.isoformat(),
        "params": params,
    }
    if not stack.operator_api_url:
        raise OperatorRefused("unavailable", "this stack has no operators' API")
    answer = requests.post(
        f"{stack.operator_api_url}/operator",
        json=body,
        headers={"Authorization": f"Bearer {session.access_token}"},
        timeout=60,
    )
    try:
        payload = answer.json()
    except ValueError:
        payload = {"message": answer.text[:300]}
    if answer.status_code != 200:
        raise OperatorRefused(payload.get("error", f"HTTP {answer.status_code}"), payload.get("message", ""))
    return payload
