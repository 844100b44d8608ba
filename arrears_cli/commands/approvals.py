"""`arrears approvals`: actions waiting for a higher level's approval."""

from __future__ import annotations

from datetime import date

import typer

from arrears_cli.commands.common import _stack
from arrears_cli.commands.options import EndpointUrl, FormatOpt, JsonOpt, OutputOpt, Region, StackName
from arrears_cli.commands.signed_in import _operator_call
from arrears_cli.output import Format, emit, json_or

app = typer.Typer(help="Actions waiting for a higher level's approval.", no_args_is_help=True)


@app.command("list")
def approvals_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Actions waiting for a higher level's approval."""
    from arrears.store import operators_repo

    _stack(endpoint_url, stack_name, region)
    rows = [
        {
            "approval_id": item.sk,
            "requested_on": item.occurred_on,
            "operator": item.actor,
            "action": item.detail["request"]["action"],
            "account_id": item.detail["request"]["account_id"],
            "params": item.detail["request"]["params"],
            "why": item.detail["reason"],
        }
        for item in operators_repo.pending_approvals()
    ]
    emit(rows, json_or(fmt, as_json), "pending approvals", output)


def _decide(action: str, approval_id: str, note: str, endpoint_url, stack_name, region) -> None:
    stack = _stack(endpoint_url, stack_name, region)
    params = {"approval_id": approval_id, "note": note}
    _operator_call(stack, action, None, date.today(), params, None)


@app.command("approve")
def approvals_approve(
    approval_id: str,
    note: str = "",
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Approve (and so carry out) an action beyond its operator's level; needs a level that covers it."""
    _decide("approve", approval_id, note, endpoint_url, stack_name, region)


@app.command("reject")
def approvals_reject(
    approval_id: str,
    note: str = "",
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Reject a pending action: it never reaches the account."""
    _decide("reject", approval_id, note, endpoint_url, stack_name, region)
