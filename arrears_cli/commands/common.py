"""What several command groups do alike: read a date, reach the stack, refuse bad input clearly."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import typer
from arrears.domain.clock import parse_date
from arrears.domain.errors import AccountNotFound, InvalidInput

from arrears_cli.output import console
from arrears_cli.stackref import StackNotFound, StackRef, connect


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
