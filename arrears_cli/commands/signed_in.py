"""The signed-in operator (`arrears login`): who they are, and acting as them through the operators' API."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

import typer

from arrears_cli.output import console
from arrears_cli.stackref import StackRef

RequestIdOpt = Annotated[
    str | None, typer.Option("--request-id", help="Repeat a request safely: the first answer comes back.")
]


def _signed_in(stack: StackRef):
    from arrears_cli.sessions import NotSignedIn, current

    try:
        return current(stack)
    except NotSignedIn as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _asked(
    stack: StackRef, action: str, account_id: str | None, on: date, params: dict, request_id=None
) -> dict:
    """The operators' API's answer to the signed-in operator; a refusal is one red line and exit 1."""
    from arrears_cli.operator_client import OperatorRefused, call

    try:
        return call(stack, _signed_in(stack), action, account_id, on, params, request_id)
    except OperatorRefused as refused:
        console.print(f"[red]{refused.error}: {refused.message}[/red]")
        raise typer.Exit(1) from refused


def _whoami(stack: StackRef) -> dict:
    """The signed-in operator as the API verifies them: username, level, whether they see personal data."""
    return _asked(stack, "whoami", None, date.today(), {})


def _me(stack: StackRef) -> str:
    return _whoami(stack)["username"]


def _operator_call(
    stack: StackRef, action: str, account_id: str | None, on: date, params: dict, request_id
) -> dict:
    """As the signed-in operator (`arrears login`): the API takes who acts from the token alone."""
    answer = _asked(stack, action, account_id, on, params, request_id)
    if answer["status"] == "pending_approval":
        console.print(f"[yellow]pending approval {answer['request_id']}: {answer['reason']}[/yellow]")
    else:
        console.print(f"{action}: {answer['status']}")
    sys.stdout.write(json.dumps(answer, default=str) + "\n")
    return answer
