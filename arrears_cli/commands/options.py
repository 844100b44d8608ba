"""The options most commands take: which stack (given to each command by common.StackCommand), and
the output's format and file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arrears_cli.output import Format

EndpointUrl = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url", help="A running `arrears local up`; leave out to use your AWS configuration."
    ),
]
StackName = Annotated[str, typer.Option("--stack-name", help="CloudFormation stack (AWS only).")]
Region = Annotated[str | None, typer.Option("--region")]
FormatOpt = Annotated[
    Format, typer.Option("--format", help="table, json, csv or xlsx (csv/xlsx with --output).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Write to this file instead of stdout.")]
