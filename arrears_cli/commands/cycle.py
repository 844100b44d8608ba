"""`arrears cycle`: the daily collection cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli import executions
from arrears_cli.commands.common import StackCommand, _date
from arrears_cli.commands.options import FormatOpt, JsonOpt
from arrears_cli.output import Format, emit, json_or

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
    emit(executions.show(stack, described["executionArn"]), json_or(fmt, as_json), "cycle")
    if described["status"] != "SUCCEEDED":
        raise typer.Exit(1)
