"""`arrears suspense`: payments held in suspense until assigned."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli.commands.common import StackCommand, _today
from arrears_cli.commands.signed_in import RequestIdOpt, _operator_call
from arrears_cli.output import console, money_text_for_people

app = typer.Typer(help="Payments held in suspense until assigned.", no_args_is_help=True)


@app.command("assign", cls=StackCommand)
def suspense_assign(
    ctx: typer.Context,
    provider: str,
    payment_id: str,
    account: Annotated[str, typer.Option("--account", help="The account the money belongs to.")],
    on: Annotated[str | None, typer.Option("--on", help="Posting date (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Post a payment held in suspense to the account it belongs to, as the signed-in operator
    (a level 5 or a supervisor; below, it waits for approval). Announced as PaymentApplied."""
    params = {"provider": provider, "payment_id": payment_id}
    answer = _operator_call(ctx.obj, "assign_suspense", account, _today(on), params, request_id)
    if answer["status"] != "done":
        return
    result = answer["result"]
    # the answer on stdout is the API's; the operator reads the amounts here, with their currency
    posted, after = (money_text_for_people(result[k]) for k in ("posted", "balance_after"))
    console.print(f"posted {posted} to {account}; its balance now {after}")
    if not result["announced"]:
        console.print(
            "[yellow]posted, but PaymentApplied was not announced (see the function's log)[/yellow]"
        )
        raise typer.Exit(1)
