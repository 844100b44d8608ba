"""The `arrears` command: simulate, local cloud, cycles, executions, accounts."""

from __future__ import annotations

import json
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from arrears import accounts_repo
from arrears.clock import parse_date
from arrears.errors import AccountNotFound, InvalidInput
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from arrears_cli import executions, reshard
from arrears_cli.output import Format, console, emit, json_or
from arrears_cli.stackref import LOCAL_FILE, StackNotFound, StackRef, connect

app = typer.Typer(
    help="Arrears: the collections engine's operator CLI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
local_app = typer.Typer(help="The local cloud (moto) that runs template.yaml.", no_args_is_help=True)
cycle_app = typer.Typer(help="The daily collection cycle.", no_args_is_help=True)
executions_app = typer.Typer(help="Step Functions executions of the cycle.", no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts in collections.", no_args_is_help=True)
app.add_typer(local_app, name="local")
app.add_typer(cycle_app, name="cycle")
app.add_typer(executions_app, name="executions")
app.add_typer(accounts_app, name="accounts")
report_app = typer.Typer(help="Reports over what the engine did.", no_args_is_help=True)
app.add_typer(report_app, name="report")
suspense_app = typer.Typer(help="Payments held in suspense until assigned.", no_args_is_help=True)
app.add_typer(suspense_app, name="suspense")
webhooks_app = typer.Typer(help="Payment processor webhooks.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
operators_app = typer.Typer(help="The operator roster and its levels.", no_args_is_help=True)
app.add_typer(operators_app, name="operators")
approvals_app = typer.Typer(help="Actions waiting for a higher level's approval.", no_args_is_help=True)
app.add_typer(approvals_app, name="approvals")
admin_app = typer.Typer(help="Jobs over a portfolio's stored data (re-shard).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
admin_app.command("reshard")(reshard.command)

EndpointUrl = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url", help="A running `arrears local up`; leave out to use your AWS configuration."
    ),
]
StackName = Annotated[str, typer.Option("--stack-name", help="CloudFormation stack (AWS only).")]
Region = Annotated[str | None, typer.Option("--region")]
ParameterOverrides = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter-overrides",
        help="A template parameter for the local stack, KEY=VALUE (as `sam deploy` takes it); repeatable.",
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", help="table, json, csv or xlsx (csv/xlsx with --output).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Write to this file instead of stdout.")]


def _date(value: str | None, name: str) -> date:
    try:
        return parse_date(value or date.today().isoformat(), name)
    except InvalidInput as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from exc


def _overrides(pairs: list[str] | None) -> dict[str, str]:
    parsed = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--parameter-overrides")
        parsed[key.strip()] = value.strip()
    return parsed


def _local_cloud(stack_name: str, pairs: list[str] | None, **options):
    """The template deployed locally with the caller's parameters; a value it refuses is a usage error."""
    from localcloud import LocalCloud

    try:
        return LocalCloud(stack_name=stack_name, parameters=_overrides(pairs), **options).start()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--parameter-overrides") from exc


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


# ------------------------------------------------------------------ simulate
@app.command()
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
        )
        console.print(f"Summary: {out / 'summary.json'}")
        console.print(f"Report:  [bold]{(out / 'report.html').resolve()}[/bold] (open it in a browser)")
    if not summary["ledger_invariant_ok"] or set(summary["executions"]) - {"SUCCEEDED"}:
        raise typer.Exit(1)
    if summary["compliance_violations"]:
        console.print(
            f"[red]{len(summary['compliance_violations'])} compliance violation(s): see summary.json[/red]"
        )
        raise typer.Exit(1)


# ------------------------------------------------------------------ local cloud
@local_app.command("up")
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
) -> None:
    """Run the stack on a local endpoint until stopped (Ctrl-C); the AWS CLI and `arrears` can reach it."""
    from localcloud.webhook_server import WebhookServer

    cloud = _local_cloud(stack_name, parameter_overrides, port=port, log_file=log_file)
    webhooks = WebhookServer(cloud.handle_http, port=webhook_port).start()
    stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, cloud.endpoint_url).bind()
    if accounts:
        from arrears_cli.portfolio_import import validate
        from arrears_cli.synthetic import generate

        records, _ = generate(accounts, seed, _date(start, "--start"))
        for account in validate(
            list(enumerate(records, 1)), portfolio, _date(start, "--start"), stack.shard_count
        ):
            accounts_repo.create_account(account)
    described = {**cloud.describe(), "webhook_url": webhooks.url}
    LOCAL_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOCAL_FILE.write_text(json.dumps(described, indent=2) + "\n")
    console.print(
        f"[green]Arrears local cloud ready[/green] at {cloud.endpoint_url} (webhooks {webhooks.url})"
    )
    for provider, hook in described["webhooks"].items():
        console.print(f"  {provider:<9} {webhooks.url}{hook['path']}  signing secret {hook['secret']}")
    console.print(f"  operators {webhooks.url}/operator  (arrears operators add, then arrears login)")
    console.print(f"Wrote {LOCAL_FILE}. Try:")
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
        webhooks.stop()
        cloud.stop()


# ------------------------------------------------------------------ cycle
@cycle_app.command("run")
def cycle_run(
    as_of: Annotated[str, typer.Option("--as-of", help="Business date, YYYY-MM-DD.")],
    portfolio: str = "main",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Start the day's cycle and wait for it; exits non-zero unless it succeeded."""
    stack = _stack(endpoint_url, stack_name, region)
    described = executions.run_cycle(stack, portfolio, _date(as_of, "--as-of"))
    emit(executions.show(stack, described["executionArn"]), json_or(fmt, as_json), "cycle")
    if described["status"] != "SUCCEEDED":
        raise typer.Exit(1)


# ------------------------------------------------------------------ executions
@executions_app.command("list")
def executions_list(
    status: Annotated[
        str | None, typer.Option(help="RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.")
    ] = None,
    workflow: Annotated[str, typer.Option(help="all, cycle, skiptrace or credit-review.")] = "all",
    since: Annotated[str | None, typer.Option(help="Only executions started on or after this day.")] = None,
    limit: int = 50,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Executions of the cycle and the bureau workflows, newest first."""
    stack = _stack(endpoint_url, stack_name, region)
    try:
        rows = executions.list_executions(stack, status.upper() if status else None, limit, workflow)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--workflow") from exc
    if since:
        first = _date(since, "--since").isoformat()
        rows = [r for r in rows if r["started"][:10] >= first]
    emit(
        rows,
        json_or(fmt, as_json),
        "executions",
        output,
    )


@executions_app.command("show")
def executions_show(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Status, output, and for a failure the state that failed and its cause (children included)."""
    stack = _stack(endpoint_url, stack_name, region)
    emit(executions.show(stack, executions.resolve(stack, execution)), json_or(fmt, as_json), "execution")


@executions_app.command("history")
def executions_history(
    execution: Annotated[str, typer.Argument(help="Execution name or ARN.")],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """The execution's history events."""
    stack = _stack(endpoint_url, stack_name, region)
    emit(
        executions.history(stack, executions.resolve(stack, execution)),
        json_or(fmt, as_json),
        "history",
        output,
    )


# ------------------------------------------------------------------ accounts
@accounts_app.command("import")
def accounts_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON Lines.")],
    portfolio: str = "main",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Import date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Validate every row, then import; with any bad row nothing is imported."""
    from arrears_cli.portfolio_import import ImportRejected, import_file  # its models: this command only

    stack = _stack(endpoint_url, stack_name, region)
    try:
        imported = import_file(file, portfolio, _date(as_of, "--as-of"), stack.shard_count)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            console.print(f"[red]{file}: {problem}[/red]")
        console.print(f"[red]{rejected}[/red]")
        raise typer.Exit(1) from rejected
    emit({"imported": len(imported), "portfolio": portfolio}, json_or(fmt, as_json), "import")


ViewerOpt = Annotated[
    bool,
    typer.Option(
        "--personal-data",
        help="Show personal data if your signed-in level may (read through the operators' API, audited).",
    ),
]


def _personal_data(stack: StackRef, account_id: str, wanted: bool) -> dict | None:
    """The account's personal data as the operators' API gives it to the signed-in operator, or
    None (masked): the level that may see it is the verified one, never a name on the command line."""
    if not wanted:
        return None
    from arrears_cli.operator_client import OperatorRefused, call

    try:
        return call(stack, _signed_in(stack), "personal_data", account_id, date.today(), {})
    except OperatorRefused as refused:
        console.print(f"[yellow]personal data masked: {refused.message}[/yellow]")
        return None


def _shown(item, personal: dict | None) -> dict:
    """A timeline item's detail, its personal values from the API's answer or masked."""
    values = (personal or {}).get("values", {})
    return {k: (values.get(item.sk, "•••") if k == "value" else v) for k, v in item.detail.items()}


def _account_row(account, see_personal_data: bool = False) -> dict:
    from arrears_cli.worklist import mask

    row = asdict(account)
    if not see_personal_data:
        row["email"] = mask(row.get("email"))
    row["dues"] = [{"due_on": d.due_on.isoformat(), "amount": d.amount} for d in account.dues]
    row.pop("extra", None)
    return {
        k: (v.isoformat() if isinstance(v, date) else str(v) if hasattr(v, "value") else v)
        for k, v in row.items()
    }


# What an account holds in minor units; a table shows them to a person in major units with their
# currency, while JSON, CSV and XLSX keep the exact minor units a program sums.
MONEY_FIELDS = ("opening_balance", "balance", "past_due", "census_balance", "credit_limit", "instalment")


def _for_people(row: dict) -> dict:
    from arrears.money import Money

    currency = row["currency"]

    def money(minor):
        return None if minor is None else str(Money(int(minor), currency))

    shown = {k: (money(v) if k in MONEY_FIELDS else v) for k, v in row.items()}
    if "dues" in row:
        shown["dues"] = [f"{d['due_on']}: {money(d['amount'])}" for d in row["dues"]]
    if "credits" in row:
        shown["credits"] = money(sum(row["credits"].values()))  # unapplied, whichever payment left it
    if "timeline" in row:
        shown["timeline"] = [
            {**t, "amount": str(Money(int(t["amount"]), t["currency"]))}
            if t.get("amount") is not None and t.get("currency")
            else t
            for t in row["timeline"]
        ]
    return shown


@accounts_app.command("list")
def accounts_list(
    portfolio: str | None = None,
    bucket: str | None = None,
    limit: int = 100,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Accounts with their bucket and status (personal data masked: `accounts show --personal-data`)."""
    _stack(endpoint_url, stack_name, region)
    rows = [_account_row(a) for a in accounts_repo.list_accounts(portfolio)]
    rows = [r for r in rows if bucket is None or r["bucket"] == bucket]
    rows.sort(key=lambda r: r["account_id"])
    columns = (
        "account_id",
        "portfolio",
        "currency",
        "balance",
        "past_due",
        "bucket",
        "dpd",
        "status",
        "next_action_on",
        "last_evaluated_on",
    )
    rows = rows[:limit]
    fmt = json_or(fmt, as_json)
    if fmt is Format.TABLE:
        rows = [_for_people({k: r[k] for k in columns}) for r in rows]
    emit(rows, fmt, "accounts", output)


@accounts_app.command("show")
def accounts_show(
    account_id: str,
    personal_data: ViewerOpt = False,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """One account and its timeline."""
    stack = _stack(endpoint_url, stack_name, region)
    with _refused_clearly():
        account = accounts_repo.get_account(account_id)
    personal = _personal_data(stack, account_id, personal_data)
    row = _account_row(account, see_personal_data=personal is not None)
    if personal is not None:
        row["email"] = personal["email"]
    row["timeline"] = [
        {
            "sk": t.sk,
            "kind": t.kind,
            "occurred_on": t.occurred_on,
            "actor": t.actor,
            "amount": t.amount,
            "currency": t.currency,
            "detail": _shown(t, personal),
        }
        for t in accounts_repo.timeline(account_id)
    ]
    fmt = json_or(fmt, as_json)
    emit(_for_people(row) if fmt is Format.TABLE else row, fmt, account_id)


def _today(on: str | None) -> date:
    return _date(on, "--on")


RequestIdOpt = Annotated[
    str | None, typer.Option("--request-id", help="Repeat a request safely: the first answer comes back.")
]


def _signed_in(stack: StackRef):
    from arrears_cli.sessions import NotSignedIn, current

    try:
        return current(stack)
    except NotSignedIn as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _asked(
    stack: StackRef, action: str, account_id: str | None, on: date, params: dict, request_id=None
) -> dict:
    """The operators' API's answer to the signed-in operator; a refusal is one red line and exit 1."""
    from arrears_cli.operator_client import OperatorRefused, call

    try:
        return call(stack, _signed_in(stack), action, account_id, on, params, request_id)
    except OperatorRefused as refused:
        console.print(f"[red]{refused.error}: {refused.message}[/red]")
        raise typer.Exit(1) from refused


def _whoami(stack: StackRef) -> dict:
    """The signed-in operator as the API verifies them: username, level, whether they see personal data."""
    return _asked(stack, "whoami", None, date.today(), {})


def _me(stack: StackRef) -> str:
    return _whoami(stack)["username"]


def _operator_call(
    stack: StackRef, action: str, account_id: str | None, on: date, params: dict, request_id
) -> dict:
    """As the signed-in operator (`arrears login`): the API takes who acts from the token alone."""
    answer = _asked(stack, action, account_id, on, params, request_id)
    if answer["status"] == "pending_approval":
        console.print(f"[yellow]pending approval {answer['request_id']}: {answer['reason']}[/yellow]")
    else:
        console.print(f"{action}: {answer['status']}")
    sys.stdout.write(json.dumps(answer, default=str) + "\n")
    return answer


@accounts_app.command("promise")
def accounts_promise(
    account_id: str,
    amount: Annotated[str, typer.Option(help="Amount promised, in major units (e.g. 150.00).")],
    pay_by: Annotated[str, typer.Option("--date", help="The date the customer promised to pay by.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was taken (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Record a promise to pay: the ladder pauses until its date plus grace."""
    stack = _stack(endpoint_url, stack_name, region)
    params = {"amount": amount, "pay_by": _date(pay_by, "--date").isoformat()}
    _operator_call(stack, "promise", account_id, _today(on), params, request_id)


@accounts_app.command("arrangement")
def accounts_arrangement(
    account_id: str,
    instalment: Annotated[list[str], typer.Option(help="DATE:AMOUNT, once per instalment.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was agreed (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Record a payment arrangement (convenio): the account leaves the ladder while instalments are met."""
    stack = _stack(endpoint_url, stack_name, region)
    instalments = []
    for item in instalment:
        day, _, amount = item.partition(":")
        instalments.append({"due_on": _date(day, "--instalment").isoformat(), "amount": amount})
    _operator_call(stack, "arrangement", account_id, _today(on), {"instalments": instalments}, request_id)


@accounts_app.command("settle")
def accounts_settle(
    account_id: str,
    discount_pct: Annotated[str, typer.Option("--discount-pct", help="Discount on the balance, in percent.")],
    pay_by: Annotated[str, typer.Option("--pay-by", help="When the settled amount is due.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was offered (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Offer a settlement; beyond your level it waits for approval (`arrears approvals`)."""
    stack = _stack(endpoint_url, stack_name, region)
    params = {"discount_pct": discount_pct, "pay_by": _date(pay_by, "--pay-by").isoformat()}
    _operator_call(stack, "settlement", account_id, _today(on), params, request_id)


@accounts_app.command("call")
def accounts_call(
    account_id: str,
    outcome: Annotated[
        str,
        typer.Option(
            help="promise, refused, wrong_number, no_answer, left_message, dispute, paid, deceased, bankrupt"
        ),
    ],
    at: Annotated[str | None, typer.Option(help="When the call was, ISO with offset (default now).")] = None,
    note: str = "",
    on: Annotated[str | None, typer.Option("--on", help="Business date (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Record a call's outcome (dictamen): a conversation starts the 7-day quiet period, a dispute a hold."""
    from datetime import datetime

    stack = _stack(endpoint_url, stack_name, region)
    when = at or datetime.now().astimezone().isoformat(timespec="seconds")
    params = {"outcome": outcome, "at": when, "note": note}
    _operator_call(stack, "disposition", account_id, _today(on), params, request_id)


@accounts_app.command("refer")
def accounts_refer(
    account_id: str,
    area: Annotated[str, typer.Option(help="customer_service, retention, remedial or supervisor.")],
    note: str = "",
    on: Annotated[str | None, typer.Option("--on", help="Business date (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Refer the case to another area: a task on the account for them."""
    stack = _stack(endpoint_url, stack_name, region)
    params = {"area": area, "note": note}
    _operator_call(stack, "refer", account_id, _today(on), params, request_id)


@accounts_app.command("place")
def accounts_place(
    account_id: str,
    agency: Annotated[str, typer.Option(help="The agency's id, e.g. acme-recoveries.")],
    recall: Annotated[bool, typer.Option(help="Recall the account from the agency instead.")] = False,
    reason: str = "",
    on: Annotated[str | None, typer.Option("--on", help="Business date (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Place the account with an external agency (its daily file in S3 lists it), or recall it."""
    stack = _stack(endpoint_url, stack_name, region)
    action = "recall_agency" if recall else "place_agency"
    params = {"agency": agency, "reason": reason}
    _operator_call(stack, action, account_id, _today(on), params, request_id)


@accounts_app.command("hold")
def accounts_hold(
    account_id: str,
    kind: Annotated[
        str, typer.Option(help="dispute, cease_communication, bankruptcy, deceased, scra, legal, fraud")
    ],
    release: Annotated[bool, typer.Option(help="Lift the hold instead of placing it.")] = False,
    reason: str = "",
    on: Annotated[str | None, typer.Option("--on", help="When (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Place (or lift) a hold; each stops what the law says it stops (docs/compliance.md)."""
    stack = _stack(endpoint_url, stack_name, region)
    action = "release_hold" if release else "place_hold"
    _operator_call(stack, action, account_id, _today(on), {"hold": kind, "reason": reason}, request_id)


@app.command("worklist")
def worklist_command(
    at: Annotated[
        str | None, typer.Option(help="The moment to plan for, ISO with offset (default now).")
    ] = None,
    portfolio: str | None = None,
    show_excluded: Annotated[
        bool, typer.Option(help="Also list who may not be called now, and why.")
    ] = False,
    limit: int = 50,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Today's calls, most pressing first (promises due, broken promises, call steps, callbacks,
    then balance x roll risk), leaving out anyone who may not be contacted now."""
    from datetime import datetime

    from arrears_cli.worklist import worklist

    stack = _stack(endpoint_url, stack_name, region)
    me = _whoami(stack)  # who is asking, and whether they see personal data: the API's verified answer
    try:
        now = datetime.fromisoformat(at) if at else datetime.now().astimezone()
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date-time: {at}", param_hint="--at") from exc
    if now.tzinfo is None:
        raise typer.BadParameter("give the offset, e.g. 2026-03-02T10:00:00-05:00", param_hint="--at")
    rows = worklist(now, me["see_personal_data"], portfolio, show_excluded)[:limit]
    emit(rows, json_or(fmt, as_json), f"worklist for {me['username']}", output)


# ------------------------------------------------------------------ operators and approvals
@operators_app.command("add")
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
    from arrears.authority import load_authority

    from arrears_cli.operator_admin import AdminRefused, add_operator

    stack = _stack(endpoint_url, stack_name, region)
    with _refused_clearly():
        load_authority().level(level)
        try:
            added = add_operator(stack, username, level, name or username, password, email)
        except AdminRefused as exc:
            raise InvalidInput(str(exc)) from exc
    console.print(f"{username}: {level}" + ("" if added else " (level changed)"))


@operators_app.command("list")
def operators_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """The roster: who may act, at which level, and who is disabled."""
    from arrears import operators_repo

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


@operators_app.command("disable")
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


@app.command("login")
def login_command(
    username: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    new_password: Annotated[
        str | None, typer.Option(help="Where Cognito asks for a new password (first sign-in).")
    ] = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Sign in to the operators' pool; the tokens stay in your config directory (owner-only)."""
    from arrears_cli.sessions import NotSignedIn, login

    stack = _stack(endpoint_url, stack_name, region)
    try:
        session = login(stack, username, password, new_password)
    except NotSignedIn as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"signed in as {session.username}")


@app.command("logout")
def logout_command(
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Sign out: the tokens are removed and the refresh token revoked."""
    from arrears_cli.sessions import logout

    stack = _stack(endpoint_url, stack_name, region)
    console.print("signed out" if logout(stack) else "not signed in")


@approvals_app.command("list")
def approvals_list(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Actions waiting for a higher level's approval."""
    from arrears import operators_repo

    _stack(endpoint_url, stack_name, region)
    rows = [
        {
            "approval_id": item.sk,
            "requested_on": item.occurred_on,
            "operator": item.actor,
            "action": item.detail["request"]["action"],
            "account_id": item.detail["request"]["account_id"],
            "params": item.detail["request"]["params"],
            "why": item.detail["reason"],
        }
        for item in operators_repo.pending_approvals()
    ]
    emit(rows, json_or(fmt, as_json), "pending approvals", output)


def _decide(action: str, approval_id: str, note: str, endpoint_url, stack_name, region) -> None:
    stack = _stack(endpoint_url, stack_name, region)
    params = {"approval_id": approval_id, "note": note}
    _operator_call(stack, action, None, date.today(), params, None)


@approvals_app.command("approve")
def approvals_approve(
    approval_id: str,
    note: str = "",
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Approve (and so carry out) an action beyond its operator's level; needs a level that covers it."""
    _decide("approve", approval_id, note, endpoint_url, stack_name, region)


@approvals_app.command("reject")
def approvals_reject(
    approval_id: str,
    note: str = "",
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Reject a pending action: it never reaches the account."""
    _decide("reject", approval_id, note, endpoint_url, stack_name, region)


def _summary(detail: dict, limit: int = 120) -> str:
    """One line of what a timeline item says; personal data (candidates' values) left out."""
    shown = {
        k: v for k, v in detail.items() if k not in ("value", "report", "event") and v not in (None, "", [])
    }
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@accounts_app.command("timeline")
def accounts_timeline(
    account_id: str,
    kind: Annotated[
        str | None, typer.Option(help="Only one kind: stage, letter, ledger, promise, disposition, ...")
    ] = None,
    personal_data: ViewerOpt = False,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """The account's whole story, oldest first: stages, letters (with their documents), calls,
    promises, arrangements, holds, payments, bureau pulls, limit changes, operator actions."""
    stack = _stack(endpoint_url, stack_name, region)
    with _refused_clearly():
        accounts_repo.get_account(account_id)
    fmt = json_or(fmt, as_json)
    personal = _personal_data(stack, account_id, personal_data)
    rows = []
    for item in accounts_repo.timeline(account_id, kind=kind):
        row = {
            "date": item.sk.split("#", 1)[0],
            "kind": item.kind,
            "key": item.sk.split("#", 2)[-1],
            "actor": item.actor,
            "status": item.status,
            "amount": item.amount,
            "currency": item.currency,
        }
        if item.detail.get("document_key"):
            row["document"] = f"s3://{stack.letters_bucket}/{item.detail['document_key']}"
        detail = _shown(item, personal)
        row["detail"] = detail if fmt is not Format.TABLE else _summary(detail)
        rows.append(row)
    emit(rows, fmt, f"{account_id}: timeline", output)


def _start_workflow(stack: StackRef, workflow: str, account_id: str, on: date, actor: str) -> dict:
    from arrears import workflows

    with _refused_clearly():
        accounts_repo.get_account(account_id)
    name = workflows.execution_name(workflow, account_id, on)
    payload = {"account_id": account_id, "as_of": on.isoformat(), "reason": "operator", "requested_by": actor}
    if not workflows.start(stack.workflows()[workflow], name, payload, stack.region):
        console.print(f"[yellow]{name} already ran today; showing it[/yellow]")
    execution_arn = executions.resolve(stack, name)
    executions.wait(stack, execution_arn, timeout_s=300)
    return executions.show(stack, execution_arn)


@accounts_app.command("unreachable")
def accounts_unreachable(
    account_id: str,
    reason: Annotated[
        str, typer.Option(help="returned_mail, disconnected_phone, wrong_number or email_bounced.")
    ] = "returned_mail",
    on: Annotated[str | None, typer.Option("--on", help="When (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Mark the customer unreachable (skip status): the next cycle starts a skip-trace."""
    stack = _stack(endpoint_url, stack_name, region)
    _operator_call(stack, "unreachable", account_id, _today(on), {"reason": reason}, request_id)


@accounts_app.command("review")
def accounts_review(
    account_id: str,
    on: Annotated[str | None, typer.Option("--on", help="Business date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Review the account's credit line now (a soft pull for account review); waits and shows the run."""
    stack = _stack(endpoint_url, stack_name, region)
    shown = _start_workflow(stack, "credit-review", account_id, _today(on), _me(stack))
    emit(shown, json_or(fmt, as_json), "credit review")
    if shown["status"] != "SUCCEEDED":
        raise typer.Exit(1)


@accounts_app.command("trace")
def accounts_trace(
    account_id: str,
    on: Annotated[str | None, typer.Option("--on", help="Business date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Skip-trace the customer now (cooldown and holds still apply); waits and shows the run."""
    stack = _stack(endpoint_url, stack_name, region)
    shown = _start_workflow(stack, "skiptrace", account_id, _today(on), _me(stack))
    emit(shown, json_or(fmt, as_json), "skip-trace")
    if shown["status"] != "SUCCEEDED":
        raise typer.Exit(1)


@report_app.command("kpis")
def report_kpis(
    first: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    portfolio: str = "main",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Roll rates, bucket efficiency against its goal, cure rate, promise-kept rate, amount collected."""
    from arrears_cli.kpi_report import bucket_rows, kpi_report

    stack = _stack(endpoint_url, stack_name, region)
    start, end = _date(first, "--from"), _date(last, "--to")
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    report = kpi_report(stack, portfolio, start, end)
    fmt = json_or(fmt, as_json)
    if fmt is Format.JSON:
        emit(report, fmt, "kpis", output)
        return
    emit(bucket_rows(report), fmt, f"KPIs {start.isoformat()} to {end.isoformat()}", output)
    promises = report["promises"]
    console.print(
        f"cure rate {report['cure_rate']} ({report['cured']} of {report['delinquent_at_start']}); "
        f"promises kept {promises['kept_rate']} ({promises['kept']} kept, {promises['broken']} broken); "
        f"collected {report['collected']}"
    )


@report_app.command("reconcile")
def report_reconcile(
    processor_report: Annotated[
        Path,
        typer.Option(
            "--processor-report", help="Stripe itemized balance CSV or Adyen settlement details CSV."
        ),
    ],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Match the payments we posted against what the processor settled; every difference listed."""
    from collections import Counter

    from arrears import payments_repo

    from arrears_cli.reconcile import read, reconcile

    _stack(endpoint_url, stack_name, region)
    if not processor_report.exists():
        raise typer.BadParameter(f"{processor_report} not found", param_hint="--processor-report")
    with _refused_clearly():
        settlement = read(processor_report.read_text(encoding="utf-8"))
    first, last = settlement.period
    rows = reconcile(settlement, payments_repo.receipts(settlement.provider, first, last))
    emit(
        rows,
        json_or(fmt, as_json),
        f"{settlement.provider} {first.isoformat()} to {last.isoformat()}",
        output,
    )
    console.print(", ".join(f"{k} {v}" for k, v in sorted(Counter(r["result"] for r in rows).items())))


@report_app.command("inconsistencies")
def report_inconsistencies(
    portfolio: str | None = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Accounts whose balance differs from their ledger, whose stage disagrees with their DPD, or
    that were dunned while on hold."""
    from arrears_cli.inconsistencies import inconsistencies

    _stack(endpoint_url, stack_name, region)
    rows = inconsistencies(portfolio)
    emit(rows, json_or(fmt, as_json), "inconsistencies", output)
    console.print(f"{len(rows)} inconsistenc{'y' if len(rows) == 1 else 'ies'}")


@report_app.command("bureau")
def report_bureau(
    first: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Bureau and skip-trace pulls by provider and permissible purpose, with their count and cost."""
    from arrears import bureau_repo
    from arrears.money import Money

    _stack(endpoint_url, stack_name, region)
    start, end = _date(first, "--from"), _date(last, "--to")
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    totals: dict[tuple, list[int]] = {}
    for pull in bureau_repo.pulls_between(start, end):
        key = (pull.detail["workflow"], pull.detail["provider"], pull.detail["purpose"], pull.currency)
        count_cost = totals.setdefault(key, [0, 0])
        count_cost[0] += 1
        count_cost[1] += int(pull.amount or 0)
    rows = [
        {
            "workflow": workflow,
            "provider": provider,
            "purpose": purpose,
            "pulls": count,
            "cost": Money(cost, currency).to_decimal(),
            "currency": currency,
        }
        for (workflow, provider, purpose, currency), (count, cost) in sorted(totals.items())
    ]
    emit(rows, json_or(fmt, as_json), f"bureau pulls {start.isoformat()} to {end.isoformat()}", output)
    console.print(f"{sum(r['pulls'] for r in rows)} pull(s)")


@report_app.command("compliance")
def report_compliance(
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Every letter sent or attempted, judged again against the contact rules; lists each violation."""
    from arrears_cli.compliance_check import report

    _stack(endpoint_url, stack_name, region)
    violations = report()
    emit(violations, json_or(fmt, as_json), "compliance violations", output)
    console.print(f"{len(violations)} violation(s)")


@report_app.command("suspense")
def report_suspense(
    include_assigned: Annotated[bool, typer.Option(help="Also list what has been assigned since.")] = False,
    notifications: Annotated[
        bool,
        typer.Option(help="List the authentic notifications kept aside (nothing posted) instead."),
    ] = False,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Payments received that could not be posted to an account, with the amount and the reason."""
    from arrears import payments_repo

    _stack(endpoint_url, stack_name, region)
    if notifications:
        _kept_aside(json_or(fmt, as_json), output)
        return
    rows = [
        {
            "provider": item.provider,
            "payment_id": item.payment_id,
            "amount": item.amount.to_decimal(),
            "open_amount": item.open_amount.to_decimal(),
            "currency": item.amount.currency,
            "reason": item.reason,
            "account_ref": item.account_ref,
            "received_on": item.received_on,
            "status": item.status,
            "assigned_to": item.assigned_to,
            "event_id": item.event_id,
        }
        for item in payments_repo.list_suspense(include_assigned)
    ]
    fmt = json_or(fmt, as_json)
    if fmt is Format.TABLE:  # what fits a terminal; json, csv and xlsx carry every field
        columns = (
            "provider",
            "payment_id",
            "open_amount",
            "currency",
            "reason",
            "account_ref",
            "received_on",
        )
        rows = [{k: r[k] for k in columns} for r in rows]
    emit(rows, fmt, "suspense", output)
    console.print(f"{len(rows)} payment(s) in suspense")
    aside = len(payments_repo.list_rejected())
    if aside:
        console.print(f"{aside} notification(s) kept aside: arrears report suspense --notifications")


def _kept_aside(fmt: Format, output) -> None:
    """Signed notifications we could not apply: the processor was answered, no balance changed."""
    from arrears import payments_repo
    from arrears.money import Money

    columns = ("provider", "event_id", "event_type", "reason", "problem", "received_on", "status")
    rows = []
    for item in payments_repo.list_rejected():
        row = {k: item.get(k) for k in columns}
        money = Money(int(item["amount"]), item["currency"]) if item.get("amount") is not None else None
        row.update(
            amount=money.to_decimal() if money else None,  # major units, with its currency beside it
            currency=money.currency if money else None,
            payment_id=item.get("payment_id"),
            account_ref=item.get("account_ref"),
        )
        rows.append(row)
    emit(rows, fmt, "notifications kept aside", output)
    console.print(f"{len(rows)} notification(s) kept aside")


@suspense_app.command("assign")
def suspense_assign(
    provider: str,
    payment_id: str,
    account: Annotated[str, typer.Option("--account", help="The account the money belongs to.")],
    on: Annotated[str | None, typer.Option("--on", help="Posting date (default today).")] = None,
    request_id: RequestIdOpt = None,
    endpoint_url: EndpointUrl = None,
    stack_name: StackName = "arrears",
    region: Region = None,
) -> None:
    """Post a payment held in suspense to the account it belongs to, as the signed-in operator
    (a level 5 or a supervisor; below, it waits for approval). Announced as PaymentApplied."""
    stack = _stack(endpoint_url, stack_name, region)
    params = {"provider": provider, "payment_id": payment_id}
    answer = _operator_call(stack, "assign_suspense", account, _today(on), params, request_id)
    if answer["status"] == "done" and not answer["result"]["announced"]:
        console.print(
            "[yellow]posted, but PaymentApplied was not announced (see the function's log)[/yellow]"
        )
        raise typer.Exit(1)


# ------------------------------------------------------------------ webhooks
@webhooks_app.command("send")
def webhooks_send(
    provider: Annotated[str, typer.Option(help="stripe, adyen or standard.")],
    account: Annotated[str | None, typer.Option("--account", help="Account the payment is for.")] = None,
    amount: Annotated[str, typer.Option(help="Amount in major units, e.g. 12.34.")] = "10.00",
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "USD",
    kind: Annotated[
        str, typer.Option(help="payment, failed, refund, chargeback or dispute_won.")
    ] = "payment",
    payment_id: Annotated[
        str | None, typer.Option(help="The payment a refund or chargeback reverses (new for a payment).")
    ] = None,
    reversal_id: Annotated[
        str | None,
        typer.Option(help="The refund's or dispute's id (a dispute_won names its chargeback's)."),
    ] = None,
    occurred_at: Annotated[
        str | None, typer.Option("--at", help="When it happened, ISO with offset (default now).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Webhook base URL (default: the running local cloud's).")
    ] = None,
    secret: Annotated[str | None, typer.Option(help="Signing secret (default: the local cloud's).")] = None,
) -> None:
    """Sign a test event the way the processor does and post it to the webhook endpoint."""
    from arrears.money import Money

    from arrears_cli import webhook_sender

    if provider not in webhook_sender.PROVIDERS:
        raise typer.BadParameter(f"one of {', '.join(webhook_sender.PROVIDERS)}", param_hint="--provider")
    try:
        event_kind = webhook_sender.Kind(kind)
    except ValueError as exc:
        raise typer.BadParameter(
            "payment, failed, refund, chargeback or dispute_won", param_hint="--kind"
        ) from exc
    if event_kind is webhook_sender.Kind.DISPUTE_WON and not reversal_id:
        raise typer.BadParameter("a won dispute names its chargeback", param_hint="--reversal-id")
    when = None
    if occurred_at is not None:
        from datetime import datetime

        try:
            when = datetime.fromisoformat(occurred_at)
        except ValueError as exc:
            raise typer.BadParameter(f"not an ISO date-time: {occurred_at}", param_hint="--at") from exc
        if when.tzinfo is None:
            raise typer.BadParameter("give the offset, e.g. 2026-03-02T10:00:00-05:00", param_hint="--at")
    if event_kind not in (webhook_sender.Kind.PAYMENT, webhook_sender.Kind.FAILED) and not payment_id:
        raise typer.BadParameter(
            "a refund or chargeback names the payment it reverses", param_hint="--payment-id"
        )
    if url is None or secret is None:
        if not LOCAL_FILE.exists():
            console.print(
                f"[red]{LOCAL_FILE} not found: start `arrears local up`, or pass --url and --secret[/red]"
            )
            raise typer.Exit(2)
        local = json.loads(LOCAL_FILE.read_text())
        url = url or local["webhook_url"]
        secret = secret or local["webhooks"][provider]["secret"]
    with _refused_clearly():
        money = Money.parse(amount, currency.upper())
    delivery = webhook_sender.build(
        provider,
        event_kind,
        [secret],
        amount=money,
        payment_id=payment_id or webhook_sender.new_payment_id(provider),
        account_id=account,
        reversal_id=reversal_id,
        occurred_at=when,
        refunded_total=money if event_kind is webhook_sender.Kind.REFUND else None,
    )
    try:
        answer = delivery.post(url.rstrip("/"))
    except OSError as exc:
        console.print(f"[red]could not reach {url}: {exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"POST {url.rstrip('/')}{delivery.path} -> {answer.status_code}")
    moves_back = event_kind not in (webhook_sender.Kind.PAYMENT, webhook_sender.Kind.FAILED)
    console.print(
        f"payment {delivery.payment_id}" + (f", reversal {delivery.reversal_id}" if moves_back else "")
    )
    sys.stdout.write(answer.text + "\n")
    if answer.status_code >= 300:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
