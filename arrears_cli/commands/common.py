"""What several command groups do alike: read a date, reach the stack, refuse bad input clearly."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from functools import cache

import typer
from arrears.domain.clock import parse_date
from arrears.domain.errors import AccountNotFound, InvalidInput, StoreUnavailable
from typer.core import TyperCommand
from typer.main import get_command

from arrears_cli.commands.options import EndpointUrl, Region, StackName
from arrears_cli.output import console
from arrears_cli.stackref import START_LOCAL, StackNotFound, StackRef, connect


def _date(value: str | None, name: str) -> date:
    try:
        return parse_date(value or date.today().isoformat(), name)
    except InvalidInput as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from exc


def _stack(endpoint_url: str | None, stack_name: str, region: str | None) -> StackRef:
    try:
        return connect(endpoint_url, stack_name, region)
    except StackNotFound as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except StoreUnavailable as exc:
        console.print(f"[red]the stack's store did not answer ({exc}); try again, or check the stack[/red]")
        raise typer.Exit(2) from exc


def _where_the_stack_is(
    endpoint_url: EndpointUrl = None, stack_name: StackName = "arrears", region: Region = None
) -> None:
    """The options that locate the stack, as a signature typer turns into options."""


@cache
def _locating_options() -> tuple:
    template = typer.Typer(add_completion=False)
    template.command()(_where_the_stack_is)
    return tuple(get_command(template).params)


class StackCommand(TyperCommand):
    """A command that works on the stack (`@app.command(..., cls=StackCommand)`).

    Click takes a group's options only before the subcommand, and `arrears accounts show ID
    --endpoint-url URL` gives them after it: so each such command takes them itself, after its own
    options, and finds the stack before its body runs. The body reads it from the typer context,
    `ctx.obj`; the options are declared once, in options.py.
    """

    def __init__(self, *args, params: list | None = None, **kwargs) -> None:
        super().__init__(*args, params=[*(params or []), *_locating_options()], **kwargs)

    def invoke(self, ctx: typer.Context):
        where = [ctx.params.pop(name) for name in ("endpoint_url", "stack_name", "region")]
        ctx.obj = _stack(*where)
        with _stack_reachable(ctx.obj):
            return super().invoke(ctx)


@contextmanager
def _stack_reachable(stack: StackRef):
    """A stack that stops answering halfway (a local cloud stopped): one line, not a traceback."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError
    from requests.exceptions import ConnectionError as HttpConnectionError

    try:
        yield
    except (EndpointConnectionError, ConnectTimeoutError, HttpConnectionError) as exc:
        where = stack.endpoint_url or f"AWS in {stack.region}"
        hint = f": {START_LOCAL}" if stack.endpoint_url else ""
        console.print(f"[red]{where} is not answering{hint}[/red]")
        raise typer.Exit(2) from exc


@contextmanager
def _refused_clearly():
    """An operator's bad input or an unknown account: one red line and exit 1, no traceback."""
    try:
        yield
    except (InvalidInput, AccountNotFound) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _today(on: str | None) -> date:
    return _date(on, "--on")
