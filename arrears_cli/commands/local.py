"""`arrears local`: the local cloud (moto) that runs template.yaml."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from arrears_cli.commands.common import _date
from arrears_cli.commands.options import StackName
from arrears_cli.output import console
from arrears_cli.stackref import LOCAL_ENV, LOCAL_FILE, StackRef, publish_description

app = typer.Typer(help="The local cloud (moto) that runs template.yaml.", no_args_is_help=True)


ParameterOverrides = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter-overrides",
        help="A template parameter for the local stack, KEY=VALUE (as `sam deploy` takes it); repeatable.",
    ),
]


def _overrides(pairs: list[str] | None) -> dict[str, str]:
    parsed = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--parameter-overrides")
        parsed[key.strip()] = value.strip()
    return parsed


def _local_cloud(stack_name: str, pairs: list[str] | None, **options):
    """The template deployed locally with the caller's parameters; a value it refuses is a usage error,
    and so is a saved state (`--state`) it cannot use."""
    from localcloud import LocalCloud
    from localcloud.state import StateRefused

    try:
        return LocalCloud(stack_name=stack_name, parameters=_overrides(pairs), **options).start()
    except StateRefused as exc:
        raise typer.BadParameter(str(exc), param_hint="--state") from exc
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--parameter-overrides") from exc


def exports(endpoint_url: str, region: str) -> list[str]:
    """The shell settings that point the AWS CLI (and `arrears`) at the local cloud; moto takes any
    credentials, and the AWS CLI refuses to run without some."""
    settings = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 # moto's dummy credentials, local only
        LOCAL_ENV: endpoint_url,
    }
    return [f"export {key}={value}" for key, value in settings.items()]


def _print_exports(endpoint_url: str, region: str) -> None:
    """On stdout, so `arrears local up > env.sh` keeps them; the rest goes to the console."""
    sys.stdout.write("\n".join(exports(endpoint_url, region)) + "\n")
    sys.stdout.flush()


@app.command("up")
def local_up(
    port: Annotated[int, typer.Option(help="Port of the AWS endpoint.")] = 4566,
    webhook_port: Annotated[int, typer.Option(help="Port of the webhook HTTP server.")] = 3000,
    accounts: Annotated[int, typer.Option(help="Seed this many synthetic accounts.")] = 0,
    seed: int = 7,
    start: str = "2026-01-01",
    portfolio: str = "main",
    log_file: Annotated[Path, typer.Option(help="Where the functions' logs and metrics go.")] = Path(
        ".arrears/lambda.log"
    ),
    stack_name: StackName = "arrears",
    parameter_overrides: ParameterOverrides = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="Keep the data (tables, objects, executions, secrets, keys, users) in this folder: "
            "saved at a clean stop, put back at the next start.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Run the stack on a local endpoint until stopped (Ctrl-C); the AWS CLI and `arrears` can reach it."""
    from localcloud.webhook_server import WebhookServer

    cloud = _local_cloud(stack_name, parameter_overrides, port=port, log_file=log_file, state_dir=state)
    if cloud.restored_executions is not None:
        console.print(f"Restored the local state from {state} ({cloud.restored_executions} executions)")
    webhooks = WebhookServer(cloud.handle_http, port=webhook_port).start()
    cloud.serve_http_at(webhooks.url)  # an email's opt-out link opens on this machine
    stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, cloud.endpoint_url).bind()
    if accounts:
        from arrears_cli.simulation import import_book
        from arrears_cli.synthetic import generate

        records, _ = generate(accounts, seed, _date(start, "--start"))
        import_book(stack, records, portfolio, _date(start, "--start"))  # with their customers
    described = {**cloud.describe(), "webhook_url": webhooks.url}
    LOCAL_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOCAL_FILE.write_text(json.dumps(described, indent=2) + "\n")
    publish_description(described, stack_name)
    console.print(
        f"[green]Arrears local cloud ready[/green] at {cloud.endpoint_url} (webhooks {webhooks.url})"
    )
    for provider, hook in described["webhooks"].items():
        console.print(f"  {provider:<9} {webhooks.url}{hook['path']}  signing secret {hook['secret']}")
    console.print(f"  operators {webhooks.url}/operator  (arrears operators add, then arrears login)")
    console.print(f"Wrote {LOCAL_FILE}. For the AWS CLI, and for `arrears` in any folder:")
    _print_exports(cloud.endpoint_url, cloud.region)
    console.print("Try:")
    console.print("  arrears webhooks send --provider stripe --account ID --amount 12.34 --currency USD")
    console.print(f"  arrears cycle run --as-of {start} --endpoint-url {cloud.endpoint_url}")
    console.print(
        f"  aws --endpoint-url {cloud.endpoint_url} --region {cloud.region} stepfunctions list-executions "
        f"--state-machine-arn {stack.cycle_state_machine}"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or TERM must not cut the save short (it would keep the previous state anyway).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        webhooks.stop()
        cloud.stop()
        if cloud.saved is not None:
            console.print(str(cloud.saved))
        if cloud.save_error is not None:
            sys.stderr.write(f"arrears: {cloud.save_error}\n")
