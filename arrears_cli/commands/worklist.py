"""`arrears worklist`: today's calls for the signed-in operator."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.commands.signed_in import _whoami
from arrears_cli.output import Format, emit, for_people, json_or


def _for_people(row: dict) -> dict:
    """A row as a collector reads it: the balance in major units with its currency, in one cell."""
    money = for_people(row["balance_minor"], row["currency"])
    return {
        ("balance" if k == "balance_minor" else k): (money if k == "balance_minor" else v)
        for k, v in row.items()
        if k != "currency"
    }


def worklist_command(
    ctx: typer.Context,
    at: Annotated[
        str | None, typer.Option(help="The moment to plan for, ISO with offset (default now).")
    ] = None,
    portfolio: str | None = None,
    show_excluded: Annotated[
        bool, typer.Option(help="Also list who may not be called now, and why.")
    ] = False,
    limit: int = 50,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Today's calls, most pressing first (promises due, broken promises, call steps, callbacks,
    then balance x roll risk), leaving out anyone who may not be contacted now. DPD and bucket are
    as of the customer's local date of `--at`; an account called that day waits until the next.
    `reach` says how each customer can be reached; `arrears customers show ID` gives the numbers."""
    from datetime import datetime

    from arrears_cli.worklist import worklist

    me = _whoami(ctx.obj)  # who is asking, and whether they decide charge-offs: the API's verified answer
    try:
        now = datetime.fromisoformat(at) if at else datetime.now().astimezone()
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date-time: {at}", param_hint="--at") from exc
    if now.tzinfo is None:
        raise typer.BadParameter("give the offset, e.g. 2026-03-02T10:00:00-05:00", param_hint="--at")
    rows = worklist(now, portfolio, show_excluded, me.get("decides_charge_off", False))[:limit]
    fmt = json_or(fmt, as_json)
    if fmt is Format.TABLE:
        rows = [_for_people(r) for r in rows]
    emit(rows, fmt, f"worklist for {me['username']}", output)
