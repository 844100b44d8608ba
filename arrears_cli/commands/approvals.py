"""`arrears approvals`: actions waiting for a higher level's approval."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli.commands.common import StackCommand, _today
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.commands.signed_in import _operator_call
from arrears_cli.output import Format, emit, for_people, json_or

BusinessDayOpt = Annotated[
    str | None, typer.Option("--on", help="Business date of the decision (default today).")
]

app = typer.Typer(help="Actions waiting for a higher level's approval.", no_args_is_help=True)


@app.command("list", cls=StackCommand)
def approvals_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Actions waiting for a higher level's approval; a table says what each asks for, amounts
    with the account's currency (JSON keeps the request's parameters as the operator sent them)."""
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
    fmt = json_or(fmt, as_json)
    if fmt is Format.TABLE:
        rows = [_for_people(r) for r in rows]
    emit(rows, fmt, "pending approvals", output)


def _for_people(row: dict) -> dict:
    """A pending action as its approver reads it: what it asks for in place of its raw parameters."""
    asked = _asked(row["action"], row["account_id"], row["params"])
    return {("asked" if k == "params" else k): (asked if k == "params" else v) for k, v in row.items()}


def _asked(action: str, account_id: str | None, params: dict) -> str:
    """What the action asks for, in words; an amount (typed in major units) with its account's
    currency, and a settlement with the balance its discount is taken from."""
    if action not in ("promise", "arrangement", "settlement", "adjust"):
        return ", ".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))
    from arrears.domain.money import Money
    from arrears.store import accounts_repo

    account = accounts_repo.get_account(account_id or "")
    currency = account.currency

    def money(amount) -> str | None:
        return for_people(Money.parse(amount, currency).minor, currency)

    if action == "promise":
        return f"promise of {money(params['amount'])} by {params['pay_by']}"
    if action == "arrangement":
        instalments = params["instalments"]
        total = sum(Money.parse(i["amount"], currency).minor for i in instalments)
        last = max(i["due_on"] for i in instalments)
        return f"{len(instalments)} instalment(s), {for_people(total, currency)} in all, the last {last}"
    if action == "adjust":
        reage = ", re-aged" + (" (corrects an error)" if params.get("corrects_error") else "")
        return (
            f"adjustment of {money(params['amount'])} ({params['reason']})"
            f"{reage if params.get('reage') else ''}, balance {for_people(account.balance, currency)}"
        )
    balance = for_people(account.balance, currency)
    return f"{params['discount_pct']}% off today's balance of {balance}, paid by {params['pay_by']}"


def _decide(ctx: typer.Context, action: str, approval_id: str, note: str, on: str | None) -> None:
    """The decision is dated `on`; the action approved keeps the business date it was asked for."""
    params = {"approval_id": approval_id, "note": note}
    _operator_call(ctx.obj, action, None, _today(on), params, None)


@app.command("approve", cls=StackCommand)
def approvals_approve(
    ctx: typer.Context, approval_id: str, note: str = "", on: BusinessDayOpt = None
) -> None:
    """Approve (and so carry out) an action beyond its operator's level; needs a level that covers it."""
    _decide(ctx, "approve", approval_id, note, on)


@app.command("reject", cls=StackCommand)
def approvals_reject(ctx: typer.Context, approval_id: str, note: str = "", on: BusinessDayOpt = None) -> None:
    """Reject a pending action: it never reaches the account."""
    _decide(ctx, "reject", approval_id, note, on)
