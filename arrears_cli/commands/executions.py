"""`arrears executions`: Step Functions executions of the cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli import executions
from arrears_cli.commands.common import StackCommand, _date
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.output import Format, emit, json_or

app = typer.Typer(help="Step Functions executions of the cycle.", no_args_is_help=True)

ExecutionArg = Annotated[str, typer.Argument(help="Execution name or ARN.")]


@app.command("list", cls=StackCommand)
def executions_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.")
    ] = None,
    workflow: Annotated[str, typer.Option(help="all, cycle, skiptrace or credit-review.")] = "all",
    since: Annotated[str | None, typer.Option(help="Only executions started on or after this day.")] = None,
    limit: int = 50,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Executions of the cycle and the bureau workflows, newest first."""
    try:
        rows = executions.list_executions(ctx.obj, status.upper() if status else None, limit, workflow)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--workflow") from exc
    if since:
        first = _date(since, "--since").isoformat()
        rows = [r for r in rows if r["started"][:10] >= first]
    emit(
        rows,
        json_or(fmt, as_json),
        "executions",
        output,
    )


@app.command("show", cls=StackCommand)
def executions_show(
    ctx: typer.Context,
    execution: ExecutionArg,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
) -> None:
    """Status, output, and for a failure the state that failed and its cause (children included)."""
    stack = ctx.obj
    emit(executions.show(stack, executions.resolve(stack, execution)), json_or(fmt, as_json), "execution")


@app.command("history", cls=StackCommand)
def executions_history(
    ctx: typer.Context,
    execution: ExecutionArg,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The execution's history events."""
    stack = ctx.obj
    emit(
        executions.history(stack, executions.resolve(stack, execution)),
        json_or(fmt, as_json),
        "history",
        output,
    )
