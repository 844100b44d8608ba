"""`arrears webhooks`: payment processor webhooks."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from arrears_cli.commands.common import _refused_clearly
from arrears_cli.output import console
from arrears_cli.stackref import LOCAL_FILE

app = typer.Typer(help="Payment processor webhooks.", no_args_is_help=True)


@app.command("send")
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
    from arrears.domain.money import Money

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
