"""`arrears simulate`: a synthetic portfolio through real daily cycles."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from arrears_cli.commands.common import _date, _stack
from arrears_cli.commands.local import ParameterOverrides, _local_cloud
from arrears_cli.commands.options import EndpointUrl, Region, StackName
from arrears_cli.output import console
from arrears_cli.stackref import LOCAL_FILE, StackRef


def simulate(
    accounts: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000,
    days: Annotated[int, typer.Option(min=1, max=3660)] = 60,
    seed: int = 7,
    start: Annotated[str, typer.Option(help="First business date, YYYY-MM-DD.")] = "2026-01-01",
    out: Annotated[Path, typer.Option(help="Directory for summary.json and report.html.")] = Path(
        "out/simulation"
    ),
    portfolio: str = "main",
    as_json: Annotated[bool, typer.Option("--json", help="Print only the summary JSON on stdout.")] = False,
    log_file: Annotated[Path | None, typer.Option(help="Where the functions' logs and metrics go.")] = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
    parameter_overrides: ParameterOverrides = None,
) -> None:
    """Run a synthetic portfolio through DAYS real daily cycles and write a summary and an HTML report."""
    from arrears_cli.report_html import render_report
    from arrears_cli.simulation import simulate as run
    from arrears_cli.webhook_sender import Processors

    first = _date(start, "--start")
    cloud = webhooks = None
    if endpoint_url:
        stack = _stack(endpoint_url, stack_name, region)
        processors = Processors.from_local(json.loads(LOCAL_FILE.read_text()))
    else:
        from localcloud.webhook_server import WebhookServer

        cloud = _local_cloud(stack_name, parameter_overrides, log_file=log_file)
        stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, None).bind()
        # customers pay through the same HTTP path a processor uses, on a port of its own
        webhooks = WebhookServer(cloud.handle_http, port=0).start()
        cloud.serve_http_at(webhooks.url)  # an email's opt-out link opens on this machine
        processors = Processors(webhooks.url, cloud.webhook_secrets)
        # the local HTTP API serves the operators' routes too: collectors act through it
        stack = replace(stack, operator_api_url=webhooks.url)
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} days"),
            TimeRemainingColumn(),
            console=console,
            disable=as_json,
        ) as progress:
            task = progress.add_task(f"Simulating {accounts} accounts", total=days)

            def advance(day: date, row: dict) -> None:
                progress.update(task, advance=1, description=f"{day.isoformat()} {row['status']}")

            summary = run(stack, accounts, days, seed, first, processors, portfolio, on_day=advance)
    finally:
        if webhooks is not None:
            webhooks.stop()
        if cloud is not None:
            cloud.stop()
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    (out / "report.html").write_text(render_report(summary))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    else:
        console.print(
            f"executions: {summary['executions']}  ledger invariant ok: {summary['ledger_invariant_ok']}"
            f"  census invariant ok: {summary['census_invariant_ok']}"
        )
        mail = summary["mail"]
        console.print(
            f"mail: {mail['returned_mail']} letter(s) returned, {mail['bounced']} email(s) bounced, "
            f"{mail['unreachable']} account(s) left with no address"
        )
        console.print(f"Summary: {out / 'summary.json'}")
        console.print(f"Report:  [bold]{(out / 'report.html').resolve()}[/bold] (open it in a browser)")
    if not summary["ledger_invariant_ok"] or set(summary["executions"]) - {"SUCCEEDED"}:
        raise typer.Exit(1)
    if not summary["census_invariant_ok"]:
        console.print(
            f"[red]the census disagrees with the accounts: {summary['census_disagreements'][0]}[/red]"
        )
        raise typer.Exit(1)
    if summary["compliance_violations"]:
        console.print(
            f"[red]{len(summary['compliance_violations'])} compliance violation(s): see summary.json[/red]"
        )
        raise typer.Exit(1)
