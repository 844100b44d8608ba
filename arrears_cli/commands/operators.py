"""`arrears operators`: the operator roster and its levels."""

from __future__ import annotations

from typing import Annotated

import typer
from arrears.domain.errors import InvalidInput

from arrears_cli.commands.common import _refused_clearly, _stack
from arrears_cli.commands.options import EndpointUrl, FormatOpt, JsonOpt, OutputOpt, Region, StackName
from arrears_cli.output import Format, console, emit, json_or

app = typer.Typer(help="The operator roster and its levels.", no_args_is_help=True)


@app.command("add")
def operators_add(
    username: str,
    level: Annotated[str, typer.Option(help="specialist_3, specialist_4, specialist_5 or supervisor.")],
    name: str = "",
    password: Annotated[
        str | None,
        typer.Option(help="A first password; without one Cognito emails a temporary one to --email."),
    ] = None,
    email: str | None = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Add an operator (a user of the operators' pool, and the roster with their level), or change
    the level of one there is; authority comes from rules/authority.yaml. For administrators."""
    from arrears.domain.authority import load_authority

    from arrears_cli.operator_admin import AdminRefused, add_operator

    stack = _stack(endpoint_url, stack_name, region)
    with _refused_clearly():
        load_authority().level(level)
        try:
            added = add_operator(stack, username, level, name or username, password, email)
        except AdminRefused as exc:
            raise InvalidInput(str(exc)) from exc
    console.print(f"{username}: {level}" + ("" if added else " (level changed)"))


@app.command("list")
def operators_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """The roster: who may act, at which level, and who is disabled."""
    from arrears.store import operators_repo

    _stack(endpoint_url, stack_name, region)
    rows = [
        {
            "username": item.sk,
            "name": item.detail.get("name"),
            "level": item.detail["level"],
            "status": item.status or operators_repo.ACTIVE,
            "since": item.occurred_on,
        }
        for item in operators_repo.roster()
    ]
    emit(rows, json_or(fmt, as_json), "operators", output)


@app.command("disable")
def operators_disable(
    username: str,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Take an operator's authority away now (the roster is read on every request) and disable
    their sign-in."""
    from arrears_cli.operator_admin import disable_operator

    stack = _stack(endpoint_url, stack_name, region)
    with _refused_clearly():
        disable_operator(stack, username)
    console.print(f"{username}: disabled")
