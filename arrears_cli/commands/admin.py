"""`arrears admin`: jobs over a portfolio's stored data."""

from __future__ import annotations

import typer

from arrears_cli import reshard
from arrears_cli.commands.common import StackCommand

app = typer.Typer(help="Jobs over a portfolio's stored data (re-shard).", no_args_is_help=True)
app.command("reshard", cls=StackCommand)(reshard.command)
