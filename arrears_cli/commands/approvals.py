"""`arrears approvals`: actions waiting for a higher level's approval."""

from __future__ import annotations

from datetime import date

import typer

from arrears_cli.commands.common import StackCommand
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.commands.signed_in import _operator_call
from arrears_cli.output import Format, emit, json_or

app = typer.Typer(help="Actions waiting for a higher level's approval.", no_args_is_help=True)


@app.command("list", cls=StackCommand)
def approvals_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Actions waiting for a higher level's approval."""
    from arrears.store import operators_repo

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


def _decide(ctx: typer.Context, action: str, approval_id: str, note: str) -> None:
    params = {"approval_id": approval_id, "note": note}
    _operator_call(ctx.obj, action, None, date.today(), params, None)


@app.command("approve", cls=StackCommand)
def approvals_approve(ctx: typer.Context, approval_id: str, note: str = "") -> None:
    """Approve (and so carry out) an action beyond its operator's level; needs a level that covers it."""
    _decide(ctx, "approve", approval_id, note)


@app.command("reject", cls=StackCommand)
def approvals_reject(ctx: typer.Context, approval_id: str, note: str = "") -> None:
    """Reject a pending action: it never reaches the account."""
    _decide(ctx, "reject", approval_id, note)
