"""`arrears executions`: Step Functions executions of the cycle."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli import executions
from arrears_cli.commands.common import _date, _stack
from arrears_cli.commands.options import EndpointUrl, FormatOpt, JsonOpt, OutputOpt, Region, StackName
from arrears_cli.output import Format, emit, json_or

app = typer.Typer(help="Step Functions executions of the cycle.", no_args_is_help=True)


@app.command("list")
def executions_list(
    status: Annotated[
        str | None, typer.Option(help="RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.")
    ] = None,
    workflow: Annotated[str, typer.Option(help="all, cycle, skiptrace or credit-review.")] = "all",
    since: Annotated[str | None, typer.Option(help="Only executions started on or after this day.")] = None,
    limit: int = 50,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Executions of the cycle and the bureau workflows, newest first."""
    stack = _stack(endpoint_url, stack_name, region)
    try:
        rows = executions.list_executions(stack, status.upper() if status else None, limit, workflow)
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


@app.command("show")
def executions_show(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Status, output, and for a failure the state that failed and its cause (children included)."""
    stack = _stack(endpoint_url, stack_name, region)
    emit(executions.show(stack, executions.resolve(stack, execution)), json_or(fmt, as_json), "execution")


@app.command("history")
def executions_history(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """The execution's history events."""
    stack = _stack(endpoint_url, stack_name, region)
    emit(
        executions.history(stack, executions.resolve(stack, execution)),
        json_or(fmt, as_json),
        "history",
        output,
    )
