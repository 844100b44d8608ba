"""`arrears accounts`: accounts in collections, and what an operator does to one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from arrears.store import accounts_repo

from arrears_cli import executions
from arrears_cli.commands.common import StackCommand, _date, _refused_clearly, _today
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.commands.signed_in import RequestIdOpt, _me, _operator_call, _signed_in
from arrears_cli.output import (
    Format,
    console,
    emit,
    for_people,
    json_or,
    money_text_for_people,
)
from arrears_cli.stackref import StackRef

app = typer.Typer(help="Accounts in collections.", no_args_is_help=True)


@app.command("import", cls=StackCommand)
def accounts_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON Lines.")],
    portfolio: str = "main",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Import date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
) -> None:
    """Validate every row, then import; with any bad row nothing is imported. The customer columns
    (name, address, email with its consent, phone: all optional) are sealed before they are stored."""
    from arrears_cli.portfolio_import import ImportRejected, import_file  # its models: this command only

    try:
        imported = import_file(
            file, portfolio, _date(as_of, "--as-of"), ctx.obj.shard_count, ctx.obj.personal_data()
        )
    except ImportRejected as rejected:
        for problem in rejected.problems:
            console.print(f"[red]{file}: {problem}[/red]")
        console.print(f"[red]{rejected}[/red]")
        raise typer.Exit(1) from rejected
    emit({"imported": len(imported), "portfolio": portfolio}, json_or(fmt, as_json), "import")


BusinessDayOpt = Annotated[str | None, typer.Option("--on", help="Business date (default today).")]
AsOfOpt = Annotated[
    str | None, typer.Option("--on", help="DPD, bucket and past due as of this date (default today).")
]
ViewerOpt = Annotated[
    bool,
    typer.Option(
        "--personal-data",
        help="Show personal data if your signed-in level may (read through the operators' API, audited).",
    ),
]


def _personal_data(stack: StackRef, account_id: str, wanted: bool) -> dict | None:
    """The account's customer and skip-trace candidates as the operators' API gives them to the
    signed-in operator (values for a level that may see them, masked for any other), or None: the
    level is the verified one, never a name on the command line, and the API audits the read."""
    if not wanted:
        return None
    from arrears_cli.operator_client import OperatorRefused, call

    try:
        answer = call(stack, _signed_in(stack), "personal_data", account_id, date.today(), {})
    except OperatorRefused as refused:
        console.print(f"[yellow]personal data not shown: {refused.message}[/yellow]")
        return None
    if answer.get("masked"):
        console.print(f"[yellow]personal data masked: {answer['why']}[/yellow]")
    return answer


def _shown(item, personal: dict | None) -> dict:
    """A timeline item's detail as the viewer may see it: a sealed value never; a skip-trace
    candidate's value as the API's answer gives it, else masked."""
    from arrears.store.bureau_repo import CANDIDATE, candidate_id

    detail = {k: v for k, v in item.detail.items() if k not in ("sealed", "value")}
    if item.kind == CANDIDATE or "value" in item.detail:
        values = {c["candidate_id"]: c["value"] for c in (personal or {}).get("candidates", [])}
        detail["value"] = values.get(candidate_id(item.sk), "•••")
    return detail


def _customer_row(personal: dict) -> dict:
    return {"customer_id": personal["customer_id"], "name": personal["name"], "points": personal["points"]}


def _account_row(account, on: date | None = None) -> dict:
    """The account as JSON, CSV and XLSX carry it: money in minor units (the `amounts` field says
    so), and its DPD, bucket and amount past due as of `on` (default today), not as the cycle last
    stored them. Of its customer, only the id and how they can be reached (`reach`): the values
    are in the Customers table, sealed, and a person sees them through the operators' API."""
    row = asdict(account)
    row["promise"] = account.promise.to_dict() if account.promise else None
    row["arrangement"] = account.arrangement.to_dict() if account.arrangement else None
    row["notices"] = [n.to_dict() for n in account.notices]
    row["dues"] = [{"due_on": d.due_on.isoformat(), "amount": d.amount} for d in account.dues]
    row.pop("extra", None)
    row.update(_standing(account, on or date.today()), amounts=AMOUNTS)
    return {
        k: (v.isoformat() if isinstance(v, date) else str(v) if hasattr(v, "value") else v)
        for k, v in row.items()
    }


# Every amount in an account's JSON, CSV or XLSX is an integer of the currency's minor units: the
# field names are the domain's, which scripts already read, so one field states the unit instead.
AMOUNTS = "minor units"


def _standing(account, on: date) -> dict:
    """Where the account stands on `on`, by the domain's own rule. An account paid or settled keeps
    the figures it closed with; a charged-off one still owes, and its days still count."""
    from arrears.domain.stages import CLOSED_STATUSES, Status, days_to_next_bucket

    from arrears_cli.worklist import as_of

    if account.status in CLOSED_STATUSES and account.status is not Status.CHARGED_OFF:
        return {"as_of": account.last_evaluated_on, "days_to_next_bucket": None}
    standing = as_of(account, on)
    return {
        "as_of": on,
        "dpd": standing.dpd,
        "bucket": standing.bucket,
        "past_due": standing.past_due,
        "oldest_unpaid_on": standing.oldest_unpaid_on,
        "days_to_next_bucket": days_to_next_bucket(standing.dpd) if standing.dpd > 0 else None,
    }


# What an account holds in minor units; a table shows them to a person in major units with their
# currency, while JSON, CSV and XLSX keep the exact minor units a program sums.
MONEY_FIELDS = ("opening_balance", "balance", "past_due", "census_balance", "credit_limit", "instalment")
# Amounts inside a timeline item's detail, a promise, an arrangement or a notice (minor units when
# an integer; an operator's request carries what they typed, in major units).
MONEY_DETAIL = frozenset(
    {"amount", "paid", "balance_before", "balance_after", "past_due", "discount", "to_pay", "total"}
)


def _money_text(value, currency: str):
    """One amount of a detail as a person reads it; what is not an amount is left as it is."""
    from arrears.domain.errors import InvalidInput
    from arrears.domain.money import Money

    if isinstance(value, int) and not isinstance(value, bool):
        return for_people(value, currency)
    if isinstance(value, str) and value:
        try:
            if value.endswith(f" {currency}"):
                return money_text_for_people(value)  # the domain's own str(Money)
            return for_people(Money.parse(value, currency).minor, currency)
        except InvalidInput:
            return value
    return value


def _amounts_for_people(value, currency: str):
    """A detail (dicts and lists, as stored) with each amount in it as a person reads it."""
    if isinstance(value, dict):
        return {
            k: _money_text(v, currency) if k in MONEY_DETAIL else _amounts_for_people(v, currency)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_amounts_for_people(v, currency) for v in value]
    return value


def _for_people(row: dict) -> dict:
    currency = row["currency"]

    def money(minor):
        return for_people(minor, currency)

    shown = {k: (money(v) if k in MONEY_FIELDS else v) for k, v in row.items() if k != "amounts"}
    if "dues" in row:
        shown["dues"] = [f"{d['due_on']}: {money(d['amount'])}" for d in row["dues"]]
    if "credits" in row:
        shown["credits"] = money(sum(row["credits"].values()))  # unapplied, whichever payment left it
    for part in ("promise", "arrangement", "notices"):
        if row.get(part):
            shown[part] = _amounts_for_people(row[part], currency)
    if "timeline" in row:
        shown["timeline"] = [_timeline_for_people(t, currency) for t in row["timeline"]]
    return shown


def _timeline_for_people(item: dict, currency: str) -> dict:
    """A timeline item as a person reads it: its amount in one string with its currency."""
    held_in = item.get("currency") or currency
    shown = {k: v for k, v in item.items() if k != "currency"}
    shown["amount"] = for_people(item.get("amount"), held_in)
    if "detail" in item:
        shown["detail"] = _amounts_for_people(item["detail"], held_in)
    return shown


@app.command("list", cls=StackCommand)
def accounts_list(
    portfolio: str | None = None,
    bucket: str | None = None,
    limit: int = 100,
    on: AsOfOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Accounts with their bucket and status as of a date (personal data masked: `accounts show
    --personal-data`)."""
    day = _today(on)
    rows = [_account_row(a, on=day) for a in accounts_repo.list_accounts(portfolio)]
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
        "days_to_next_bucket",
        "status",
        "next_action_on",
        "last_evaluated_on",
        "as_of",
    )
    rows = rows[:limit]
    fmt = json_or(fmt, as_json)
    if fmt is Format.TABLE:
        rows = [_for_people({k: r[k] for k in columns}) for r in rows]
    emit(rows, fmt, "accounts", output)


@app.command("show", cls=StackCommand)
def accounts_show(
    ctx: typer.Context,
    account_id: str,
    personal_data: ViewerOpt = False,
    on: AsOfOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
) -> None:
    """One account as of a date (DPD, bucket, past due) and its timeline."""
    day = _today(on)
    with _refused_clearly():
        account = accounts_repo.get_account(account_id)
    personal = _personal_data(ctx.obj, account_id, personal_data)
    row = _account_row(account, on=day)
    if personal is not None:
        row["customer"] = _customer_row(personal)
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


@app.command("promise", cls=StackCommand)
def accounts_promise(
    ctx: typer.Context,
    account_id: str,
    amount: Annotated[str, typer.Option(help="Amount promised, in major units (e.g. 150.00).")],
    pay_by: Annotated[str, typer.Option("--date", help="The date the customer promised to pay by.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was taken (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Record a promise to pay: the ladder pauses until its date plus grace."""
    params = {"amount": amount, "pay_by": _date(pay_by, "--date").isoformat()}
    _operator_call(ctx.obj, "promise", account_id, _today(on), params, request_id)


@app.command("arrangement", cls=StackCommand)
def accounts_arrangement(
    ctx: typer.Context,
    account_id: str,
    instalment: Annotated[list[str], typer.Option(help="DATE:AMOUNT, once per instalment.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was agreed (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Record a payment arrangement (convenio): the account leaves the ladder while instalments are met."""
    instalments = []
    for item in instalment:
        day, _, amount = item.partition(":")
        instalments.append({"due_on": _date(day, "--instalment").isoformat(), "amount": amount})
    _operator_call(ctx.obj, "arrangement", account_id, _today(on), {"instalments": instalments}, request_id)


@app.command("settle", cls=StackCommand)
def accounts_settle(
    ctx: typer.Context,
    account_id: str,
    discount_pct: Annotated[str, typer.Option("--discount-pct", help="Discount on the balance, in percent.")],
    pay_by: Annotated[str, typer.Option("--pay-by", help="When the settled amount is due.")],
    on: Annotated[str | None, typer.Option("--on", help="When it was offered (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Offer a settlement; beyond your level it waits for approval (`arrears approvals`)."""
    params = {"discount_pct": discount_pct, "pay_by": _date(pay_by, "--pay-by").isoformat()}
    _operator_call(ctx.obj, "settlement", account_id, _today(on), params, request_id)


@app.command("adjust", cls=StackCommand)
def accounts_adjust(
    ctx: typer.Context,
    account_id: str,
    amount: Annotated[
        str,
        typer.Option(
            help='Signed, in major units of the account\'s currency ("-25.00" lowers what is owed).'
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why: kept on the timeline and stated in the letter.")],
    reage: Annotated[
        bool,
        typer.Option(
            "--reage", help="Bring the account current (FFIEC: once in 12 months, twice in 5 years)."
        ),
    ] = False,
    corrects_error: Annotated[
        bool,
        typer.Option("--corrects-error", help="It corrects our error: a re-age outside the limits, said so."),
    ] = False,
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Correct the dues; beyond your level it waits for approval (`arrears approvals`)."""
    params = {"amount": amount, "reason": reason, "reage": reage, "corrects_error": corrects_error}
    _operator_call(ctx.obj, "adjust", account_id, _today(on), params, request_id)


@app.command("call", cls=StackCommand)
def accounts_call(
    ctx: typer.Context,
    account_id: str,
    outcome: Annotated[
        str,
        typer.Option(
            help="promise, refused, wrong_number, no_answer, left_message, dispute, paid, deceased, bankrupt"
        ),
    ],
    at: Annotated[str | None, typer.Option(help="When the call was, ISO with offset (default now).")] = None,
    note: str = "",
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Record a call's outcome (dictamen): a conversation starts the 7-day quiet period, a dispute a hold."""
    from datetime import datetime

    when = at or datetime.now().astimezone().isoformat(timespec="seconds")
    params = {"outcome": outcome, "at": when, "note": note}
    _operator_call(ctx.obj, "disposition", account_id, _today(on), params, request_id)


@app.command("dial", cls=StackCommand)
def accounts_dial(
    ctx: typer.Context,
    account_id: str,
    at: Annotated[
        str | None, typer.Option(help="When you would call, ISO with offset (default now).")
    ] = None,
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Before dialling: may you call this account now? Hours in the customer's time zone, holds,
    7 calls in 7 days, the quiet period after a conversation. Exits 3 when refused."""
    from datetime import datetime

    when = at or datetime.now().astimezone().isoformat(timespec="seconds")
    answer = _operator_call(ctx.obj, "dial", account_id, _today(on), {"at": when}, request_id)
    result = answer.get("result") or {}
    if result.get("allowed"):
        console.print(
            f"[green]allowed[/green]: {result['local_time']} for the customer ({result['time_zone']})"
        )
        if result.get("no_suit_threat"):
            console.print(f"[yellow]time-barred[/yellow]: {result['no_suit_threat']}")
    elif result:
        console.print(f"[red]refused[/red] ({result['rule']}): {result['reason']}")
        raise typer.Exit(3)


@app.command("refer", cls=StackCommand)
def accounts_refer(
    ctx: typer.Context,
    account_id: str,
    area: Annotated[str, typer.Option(help="customer_service, retention, remedial or supervisor.")],
    note: str = "",
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Refer the case to another area: a task on the account for them."""
    params = {"area": area, "note": note}
    _operator_call(ctx.obj, "refer", account_id, _today(on), params, request_id)


@app.command("place", cls=StackCommand)
def accounts_place(
    ctx: typer.Context,
    account_id: str,
    agency: Annotated[str, typer.Option(help="The agency's id, e.g. acme-recoveries.")],
    recall: Annotated[bool, typer.Option(help="Recall the account from the agency instead.")] = False,
    reason: str = "",
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Place the account with an external agency (its daily file in S3 lists it), or recall it."""
    action = "recall_agency" if recall else "place_agency"
    params = {"agency": agency, "reason": reason}
    _operator_call(ctx.obj, action, account_id, _today(on), params, request_id)


@app.command("hold", cls=StackCommand)
def accounts_hold(
    ctx: typer.Context,
    account_id: str,
    kind: Annotated[
        str, typer.Option(help="dispute, cease_communication, bankruptcy, deceased, scra, legal, fraud")
    ],
    release: Annotated[bool, typer.Option(help="Lift the hold instead of placing it.")] = False,
    reason: str = "",
    on: Annotated[str | None, typer.Option("--on", help="When (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Place (or lift) a hold; each stops what the law says it stops (docs/compliance.md)."""
    action = "release_hold" if release else "place_hold"
    _operator_call(ctx.obj, action, account_id, _today(on), {"hold": kind, "reason": reason}, request_id)


@app.command("charge-off", cls=StackCommand)
def accounts_charge_off(
    ctx: typer.Context,
    account_id: str,
    confirm: Annotated[
        bool | None,
        typer.Option("--confirm/--decline", help="Confirm the recommended charge-off, or decline it."),
    ] = None,
    exception: Annotated[
        str | None,
        typer.Option(
            help="Why it is declined: repayment_likely, workout, bankruptcy, fraud or deceased (FFIEC)."
        ),
    ] = None,
    note: str = "",
    on: BusinessDayOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Decide a recommended charge-off; only a confirmed one is booked and told to the customer."""
    if confirm is None:
        raise typer.BadParameter("say --confirm or --decline")
    params = {"decision": "confirm" if confirm else "decline", "exception": exception, "note": note}
    _operator_call(ctx.obj, "charge_off", account_id, _today(on), params, request_id)


def _summary(detail: dict, limit: int = 120) -> str:
    """One line of what a timeline item says; personal data (candidates' values) left out."""
    shown = {
        k: v for k, v in detail.items() if k not in ("value", "report", "event") and v not in (None, "", [])
    }
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timeline_line(row: dict, currency: str) -> dict:
    """A timeline row for a table: amounts with their currency, the detail on one line."""
    shown = _timeline_for_people(row, currency)
    shown["detail"] = _summary(shown["detail"])
    return shown


@app.command("timeline", cls=StackCommand)
def accounts_timeline(
    ctx: typer.Context,
    account_id: str,
    kind: Annotated[
        str | None, typer.Option(help="Only one kind: stage, letter, ledger, promise, disposition, ...")
    ] = None,
    personal_data: ViewerOpt = False,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The account's whole story, oldest first: stages, letters (with their documents), calls,
    promises, arrangements, holds, payments, bureau pulls, limit changes, operator actions."""
    stack = ctx.obj
    with _refused_clearly():
        account = accounts_repo.get_account(account_id)
    fmt = json_or(fmt, as_json)
    personal = _personal_data(stack, account_id, personal_data)
    rows = []
    for item in accounts_repo.timeline(account_id, kind=kind):
        row = {
            "date": item.occurred_on,  # a letter's key dates its episode; this is the day it happened
            "kind": item.kind,
            "key": item.sk.split("#", 2)[-1],
            "actor": item.actor,
            "status": item.status,
            "amount": item.amount,
            "currency": item.currency,
        }
        if item.detail.get("document_key"):
            row["document"] = f"s3://{stack.letters_bucket}/{item.detail['document_key']}"
        row["detail"] = _shown(item, personal)
        rows.append(_timeline_line(row, account.currency) if fmt is Format.TABLE else row)
    emit(rows, fmt, f"{account_id}: timeline", output)


def _start_workflow(stack: StackRef, workflow: str, account_id: str, on: date, actor: str) -> dict:
    from arrears.adapters import workflows

    with _refused_clearly():
        accounts_repo.get_account(account_id)
    name = workflows.execution_name(workflow, account_id, on)
    payload = {"account_id": account_id, "as_of": on.isoformat(), "reason": "operator", "requested_by": actor}
    if not workflows.start(stack.workflows()[workflow], name, payload, stack.region):
        console.print(f"[yellow]{name} already ran today; showing it[/yellow]")
    execution_arn = executions.resolve(stack, name)
    executions.wait(stack, execution_arn, timeout_s=300)
    return executions.show(stack, execution_arn)


@app.command("unreachable", cls=StackCommand)
def accounts_unreachable(
    ctx: typer.Context,
    account_id: str,
    reason: Annotated[
        str, typer.Option(help="returned_mail, disconnected_phone, wrong_number or email_bounced.")
    ] = "returned_mail",
    point: Annotated[
        str | None,
        typer.Option(
            "--point",
            help="The contact point it happened on (`arrears customers show`): it is retired, and the "
            "account goes to skip only if no address is left.",
        ),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="When (default today).")] = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Mark the customer unreachable (skip status): the next cycle starts a skip-trace. Naming the
    point, as `arrears customers contact --mark` does."""
    params = {"reason": reason} | ({"point_id": point} if point else {})
    _operator_call(ctx.obj, "unreachable", account_id, _today(on), params, request_id)


def _run_now(workflow: str, title: str):
    """A command that runs `workflow` for one account now as the signed-in operator, waits for it and
    shows the run; review and trace differ only in the workflow."""

    def run(
        ctx: typer.Context,
        account_id: str,
        on: BusinessDayOpt = None,
        fmt: FormatOpt = Format.TABLE,
        as_json: JsonOpt = False,
    ) -> None:
        stack = ctx.obj
        shown = _start_workflow(stack, workflow, account_id, _today(on), _me(stack))
        emit(shown, json_or(fmt, as_json), title)
        if shown["status"] != "SUCCEEDED":
            raise typer.Exit(1)

    return run


app.command(
    "review",
    cls=StackCommand,
    help="Review the account's credit line now (a soft pull for account review); waits and shows the run.",
)(_run_now("credit-review", "credit review"))
app.command(
    "trace",
    cls=StackCommand,
    help="Skip-trace the customer now (cooldown and holds still apply); waits and shows the run.",
)(_run_now("skiptrace", "skip-trace"))
