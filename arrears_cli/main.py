"""The `arrears` command: simulate, local cloud, cycles, executions, accounts, customers."""

from __future__ import annotations

import typer

from arrears_cli.commands import (
    accounts,
    admin,
    approvals,
    customers,
    cycle,
    executions,
    feed,
    letters,
    local,
    login,
    operators,
    report,
    simulate,
    suspense,
    webhooks,
    worklist,
)
from arrears_cli.commands.common import StackCommand

app = typer.Typer(
    help="Arrears: the collections engine's operator CLI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(local.app, name="local")
app.add_typer(cycle.app, name="cycle")
app.add_typer(executions.app, name="executions")
app.add_typer(accounts.app, name="accounts")
app.add_typer(customers.app, name="customers")
app.add_typer(letters.app, name="letters")
app.add_typer(report.app, name="report")
app.add_typer(suspense.app, name="suspense")
app.add_typer(feed.app, name="feed")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(operators.app, name="operators")
app.add_typer(approvals.app, name="approvals")
app.add_typer(admin.app, name="admin")
app.command()(simulate.simulate)
app.command("worklist", cls=StackCommand)(worklist.worklist_command)
app.command("login", cls=StackCommand)(login.login_command)
app.command("logout", cls=StackCommand)(login.logout_command)


if __name__ == "__main__":
    app()
