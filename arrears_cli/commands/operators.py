"""`arrears operators`: the operator roster and its levels."""

from __future__ import annotations

from typing import Annotated

import typer
from arrears.domain.errors import InvalidInput

from arrears_cli.commands.common import StackCommand, _refused_clearly
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.output import Format, console, emit, json_or

app = typer.Typer(help="The operator roster and its levels.", no_args_is_help=True)


@app.command("add", cls=StackCommand)
def operators_add(
    ctx: typer.Context,
    username: str,
    level: Annotated[str, typer.Option(help="specialist_3, specialist_4, specialist_5 or supervisor.")],
    name: str = "",
    password: Annotated[
        str | None,
        typer.Option(help="A first password; without one Cognito emails a temporary one to --email."),
    ] = None,
    email: str | None = None,
) -> None:
    """Add an operator (a user of the operators' pool, and the roster with their level), or change
    the level of one there is; authority comes from rules/authority.yaml. For administrators."""
    from arrears.domain.authority import load_authority

    from arrears_cli.operator_admin import AdminRefused, add_operator

    with _refused_clearly():
        load_authority().level(level)
        try:
            added = add_operator(ctx.obj, username, level, name or username, password, email)
        except AdminRefused as exc:
            raise InvalidInput(str(exc)) from exc
    console.print(f"{username}: {level}" + ("" if added else " (level changed)"))


@app.command("list", cls=StackCommand)
def operators_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The roster: who may act, at which level, and who is disabled."""
    from arrears.store import operators_repo

    fmt = json_or(fmt, as_json)
    rows = [_roster_row(item, operators_repo.DISABLED) for item in operators_repo.roster()]
    if fmt is Format.TABLE:
        rows = [{**row, "enabled": "yes" if row["enabled"] else "no"} for row in rows]
    if not rows and fmt is Format.TABLE:
        console.print("No operators yet: add one with `arrears operators add USERNAME --level LEVEL`.")
        return
    emit(rows, fmt, "operators", output)


def _roster_row(item, disabled: str) -> dict:
    """One operator as the roster shows them (what `operators add` and `disable` wrote)."""
    return {
        "username": item.sk,
        "level": item.detail["level"],
        "name": item.detail.get("name"),
        "enabled": item.status != disabled,
        "since": item.occurred_on,
    }


@app.command("disable", cls=StackCommand)
def operators_disable(ctx: typer.Context, username: str) -> None:
    """Take an operator's authority away now (the roster is read on every request) and disable
    their sign-in."""
    from arrears_cli.operator_admin import disable_operator

    with _refused_clearly():
        disable_operator(ctx.obj, username)
    console.print(f"{username}: disabled")
