"""`arrears report`: reports over what the engine did."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from arrears.domain.ledger_report import By as LedgerBy

from arrears_cli.commands.common import StackCommand, _date, _refused_clearly
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.output import Format, console, emit, json_or

app = typer.Typer(help="Reports over what the engine did.", no_args_is_help=True)

FirstDayOpt = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")]
LastDayOpt = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")]


def _period(first: str, last: str) -> tuple[date, date]:
    start, end = _date(first, "--from"), _date(last, "--to")
    if end < start:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    return start, end


@app.command("kpis", cls=StackCommand)
def report_kpis(
    ctx: typer.Context,
    first: FirstDayOpt,
    last: LastDayOpt,
    portfolio: str = "main",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Roll rates, bucket efficiency against its goal, cure rate, promise-kept rate, amount collected
    per currency, letters. xlsx: one sheet per table; csv: the bucket table."""
    from arrears_cli.kpi_report import bucket_rows, headline, kpi_report, kpi_tables
    from arrears_cli.output import write_workbook

    start, end = _period(first, last)
    fmt = json_or(fmt, as_json)
    if fmt is Format.XLSX and output is None:
        raise typer.BadParameter("--format xlsx needs --output FILE", param_hint="--output")
    report = kpi_report(ctx.obj, portfolio, start, end)
    title = f"KPIs {start.isoformat()} to {end.isoformat()}"
    if fmt is Format.JSON:
        emit(report, fmt, "kpis", output)
        return
    if fmt is Format.XLSX:
        write_workbook(kpi_tables(report), output)
    elif fmt is Format.CSV:  # one table to a CSV file: the buckets; xlsx or json carry every KPI
        emit(bucket_rows(report), fmt, title, output)
    else:
        for name, rows in kpi_tables(report, for_people=True).items():
            if rows:
                emit(rows, fmt, f"{title}: {name}")
    console.print(headline(report))


MAX_LEDGER_DAYS = 366


@app.command("ledger", cls=StackCommand)
def report_ledger(
    ctx: typer.Context,
    first: FirstDayOpt,
    last: LastDayOpt,
    by: Annotated[
        LedgerBy, typer.Option("--by", help="One row per channel (default), currency or posting day.")
    ] = LedgerBy.CHANNEL,
    portfolio: str = "main",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The money posted from --from to --to (by the day it was posted): collected, reversed, fees,
    interest, adjustments, written off, reinstated and net (the entries' signed sum), per currency;
    then the tie-out against each account's own ledger. Exit 1 when it does not tie.
    xlsx: the rows and the tie-out, one sheet each; csv: the rows."""
    from arrears_cli.ledger_report import ledger_report, ledger_rows, table_rows, tie_out_rows, verdict
    from arrears_cli.output import write_workbook

    start, end = _period(first, last)
    if (end - start).days >= MAX_LEDGER_DAYS:  # each day is a query per shard: a year at most
        raise typer.BadParameter(f"at most {MAX_LEDGER_DAYS} days at a time", param_hint="--from/--to")
    fmt = json_or(fmt, as_json)
    if fmt is Format.XLSX and output is None:
        raise typer.BadParameter("--format xlsx needs --output FILE", param_hint="--output")
    report = ledger_report(ctx.obj, portfolio, start, end, by)
    title = f"ledger {start.isoformat()} to {end.isoformat()} by {by.value}"
    if fmt is Format.JSON:
        emit(report, fmt, "ledger", output)
    elif fmt is Format.XLSX:
        write_workbook({"ledger": ledger_rows(report), "tie-out": tie_out_rows(report)}, output)
    elif fmt is Format.CSV:  # one table to a CSV file: the rows; the verdict below, json/xlsx carry it
        emit(ledger_rows(report), fmt, title, output)
    else:
        emit(table_rows(report), fmt, title)
        emit(tie_out_rows(report, for_people=True), fmt, "tie-out against the accounts' ledgers")
    console.print(verdict(report))
    if not report["ties"]:
        raise typer.Exit(1)


@app.command("reconcile", cls=StackCommand)
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
) -> None:
    """Match the payments we posted against what the processor settled; every difference listed."""
    from collections import Counter

    from arrears.store import payments_repo

    from arrears_cli.reconcile import read, reconcile

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


@app.command("inconsistencies", cls=StackCommand)
def report_inconsistencies(
    portfolio: str | None = None,
    on: Annotated[str | None, typer.Option("--on", help="The business date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Accounts whose balance differs from their ledger, whose stage disagrees with their DPD, that
    were dunned while on hold, or whose recommended charge-off is undecided near its deadline."""
    from arrears_cli.inconsistencies import inconsistencies

    rows = inconsistencies(portfolio, _date(on, "--on"))
    emit(rows, json_or(fmt, as_json), "inconsistencies", output)
    console.print(f"{len(rows)} inconsistenc{'y' if len(rows) == 1 else 'ies'}")


@app.command("bureau", cls=StackCommand)
def report_bureau(
    first: FirstDayOpt,
    last: LastDayOpt,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Bureau and skip-trace pulls by provider and permissible purpose, with their count and cost."""
    from arrears.domain.money import Money
    from arrears.store import bureau_repo

    start, end = _period(first, last)
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


@app.command("compliance", cls=StackCommand)
def report_compliance(
    on: Annotated[str | None, typer.Option("--on", help="The business date (default today).")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Every letter sent or attempted, judged again against the contact rules, and every adverse
    action notice sent late or overdue on --on (Reg B: 30 days); lists each violation."""
    from arrears_cli.compliance_check import report

    violations = report(_date(on, "--on"))
    emit(violations, json_or(fmt, as_json), "compliance violations", output)
    console.print(f"{len(violations)} violation(s)")


@app.command("suspense", cls=StackCommand)
def report_suspense(
    include_assigned: Annotated[bool, typer.Option(help="Also list what has been assigned since.")] = False,
    notifications: Annotated[
        bool,
        typer.Option(help="List the authentic notifications kept aside (nothing posted) instead."),
    ] = False,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Payments received that could not be posted to an account, with the amount and the reason."""
    from arrears.store import payments_repo

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
    from arrears.domain.money import Money
    from arrears.store import payments_repo

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
