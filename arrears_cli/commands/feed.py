"""`arrears feed`: the daily feed from the system of record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arrears_cli.commands.common import StackCommand, _today
from arrears_cli.commands.options import FormatOpt, JsonOpt
from arrears_cli.output import Format, console, emit, for_people

app = typer.Typer(help="The daily feed from the system of record.", no_args_is_help=True)


@app.command("send", cls=StackCommand)
def feed_send(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSON Lines.")
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", help="The portfolio the file is for.")],
    on: Annotated[str | None, typer.Option("--on", help="The feed's business date (default today).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workflow.")] = 300,
    json_out: JsonOpt = False,
) -> None:
    """Upload FILE under feeds/<portfolio>/<date>/ (as the system of record does) and wait for the
    daily_feed workflow: what it applied, or why the file was refused (exit 1)."""
    from arrears_cli import feeds

    try:
        sent = feeds.send(ctx.obj, path, portfolio, _today(on), timeout)
    except feeds.FeedNotApplied as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    report = sent.report or {}
    if json_out:
        emit({"key": sent.key, "status": sent.status, "report": report}, Format.JSON)
    elif report.get("status") == "quarantined":
        console.print(f"[red]{sent.key}: refused, nothing of it was applied[/red]")
        for problem in report.get("problems", []):
            console.print(f"  line {problem['line']}: {problem['field']}: {problem['reason']}")
    elif sent.status == "SUCCEEDED":
        _say_applied(sent.key, report)
    if sent.status != "SUCCEEDED":
        if sent.status != "FAILED" or report.get("status") != "quarantined":
            console.print(
                f"[red]the workflow ended {sent.status}: "
                f"see arrears executions show {sent.execution_arn}[/red]"
            )
        raise typer.Exit(1)


def _say_applied(key: str, report: dict) -> None:
    console.print(
        f"{key}: {report.get('applied', 0)} row(s) applied, {report.get('duplicates', 0)} sent before "
        f"(changed nothing), {report.get('repeated_in_file', 0)} repeated in the file"
    )
    for kind, count in report.get("by_type", {}).items():
        console.print(f"  {kind}: {count}")
    for channel_currency, minor in report.get("by_channel", {}).items():
        channel, currency = channel_currency.split(":")
        console.print(f"  paid by {channel}: {for_people(minor, currency)}")
    for noted in report.get("noted", []):
        console.print(
            f"  [yellow]line {noted['line']} ({noted['type']}): {noted['outcome']}: "
            f"{noted.get('reason') or ''}[/yellow]"
        )


@app.command("status", cls=StackCommand)
def feed_status(
    ctx: typer.Context,
    portfolio: Annotated[str, typer.Option("--portfolio", help="The portfolio.")] = "main",
    on: Annotated[str | None, typer.Option("--on", help="The feed's business date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    json_out: JsonOpt = False,
) -> None:
    """The day's feed files that ended, applied or quarantined (none: the cycle runs without)."""
    from arrears_cli import feeds

    rows = feeds.day_status(portfolio, _today(on))
    if not rows and not json_out and fmt is Format.TABLE:
        console.print(f"no feed file ended for {portfolio} on {_today(on).isoformat()}")
        return
    emit(rows, Format.JSON if json_out else fmt, title=f"feed of {portfolio}, {_today(on).isoformat()}")
