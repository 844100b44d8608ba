"""`arrears login` and `arrears logout`: the operator's session."""

from __future__ import annotations

from typing import Annotated

import typer

from arrears_cli.output import console


def login_command(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    new_password: Annotated[
        str | None, typer.Option(help="Where Cognito asks for a new password (first sign-in).")
    ] = None,
) -> None:
    """Sign in to the operators' pool; the tokens stay in your config directory (owner-only)."""
    from arrears_cli.sessions import NotSignedIn, login

    try:
        session = login(ctx.obj, username, password, new_password)
    except NotSignedIn as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"signed in as {session.username}")


def logout_command(ctx: typer.Context) -> None:
    """Sign out: the tokens are removed and the refresh token revoked."""
    from arrears_cli.sessions import logout

    console.print("signed out" if logout(ctx.obj) else "not signed in")
