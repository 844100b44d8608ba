"""`arrears cycle`: the daily collection cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli import executions
from arrears_cli.commands.common import StackCommand, _date
from arrears_cli.commands.options import FormatOpt, JsonOpt
from arrears_cli.output import Format, emit, for_people, json_or

app = typer.Typer(help="The daily collection cycle.", no_args_is_help=True)


@app.command("run", cls=StackCommand)
def cycle_run(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="Business date, YYYY-MM-DD.")],
    portfolio: str = "main",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
) -> None:
    """Start the day's cycle and wait for it; exits non-zero unless it succeeded."""
    stack = ctx.obj
    described = executions.run_cycle(stack, portfolio, _date(as_of, "--as-of"))
    shown = executions.show(stack, described["executionArn"])
    fmt = json_or(fmt, as_json)
    emit(_for_people(shown) if fmt is Format.TABLE else shown, fmt, "cycle")
    if described["status"] != "SUCCEEDED":
        raise typer.Exit(1)


def _for_people(shown: dict) -> dict:
    """The run as a person reads it: the day's balances by bucket in major units with their
    currency (the summary holds minor units, by currency then bucket, as JSON keeps them)."""
    summary = shown.get("output")
    if not isinstance(summary, dict) or not summary.get("balances_by_bucket"):
        return shown
    balances = {
        currency: {bucket: for_people(minor, currency) for bucket, minor in by_bucket.items()}
        for currency, by_bucket in summary["balances_by_bucket"].items()
    }
    return {**shown, "output": {**summary, "balances_by_bucket": balances}}
