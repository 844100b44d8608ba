"""`arrears executions`: Step Functions executions of the cycle."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

import typer

from arrears_cli import executions
from arrears_cli.commands.common import StackCommand, _date
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.output import Format, console, emit, json_or

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
    fmt = json_or(fmt, as_json)
    with _known(execution):
        shown = executions.show(stack, executions.resolve(stack, execution))
    if fmt is Format.TABLE:  # the line a person reads first; JSON keeps it as `root_cause`
        console.print(shown["root_cause"], style="red" if shown["status"] != "SUCCEEDED" else None)
    emit(shown, fmt, "execution")


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
    with _known(execution):
        events = executions.history(stack, executions.resolve(stack, execution))
    emit(events, json_or(fmt, as_json), "history", output)


@contextmanager
def _known(execution: str):
    """A name that is no execution: one line saying where the names are."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("ExecutionDoesNotExist", "InvalidArn"):
            raise
        console.print(f"[red]no execution {execution!r}: `arrears executions list` names them[/red]")
        raise typer.Exit(1) from exc
