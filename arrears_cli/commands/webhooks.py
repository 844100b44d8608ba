"""`arrears webhooks`: payment processor webhooks."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import Annotated

import typer

from arrears_cli.commands.common import _refused_clearly
from arrears_cli.commands.options import JsonOpt
from arrears_cli.output import console
from arrears_cli.stackref import LOCAL_ENV, LOCAL_FILE, START_LOCAL, StackNotFound

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
    as_json: JsonOpt = False,
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
        local = _local_cloud()
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
        with _received_at(webhook_sender.Processors(url.rstrip("/"), {}), when):
            answer = delivery.post(url.rstrip("/"))
    except OSError as exc:
        console.print(f"[red]could not reach {url}: {exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"POST {url.rstrip('/')}{delivery.path} -> {answer.status_code}")
    moves_back = event_kind not in (webhook_sender.Kind.PAYMENT, webhook_sender.Kind.FAILED)
    if as_json:
        sys.stdout.write(answer.text + "\n")
    for line in _for_people(provider, delivery, answer, moves_back):
        console.print(line)
    if answer.status_code >= 300:
        raise typer.Exit(1)


@contextmanager
def _received_at(processors, when):
    """A back-dated event (`--at`) is received on its own day, as the simulator's are: the local HTTP
    API stamps requests with that moment for this delivery, so the endpoint's freshness bound (a
    week) does not put it in suspense. A deployed API Gateway stamps its own clock."""
    if when is None:
        yield
        return
    if not processors.set_clock(when):
        console.print(
            "[yellow]this endpoint stamps its own clock: an old --at may be kept in suspense[/yellow]"
        )
        yield
        return
    try:
        yield
    finally:
        processors.set_clock(None)


def _local_cloud() -> dict:
    """The running `arrears local up`'s webhook address and secrets: .arrears/local.json here, or the
    cloud ARREARS_LOCAL names."""
    if LOCAL_FILE.exists():
        return json.loads(LOCAL_FILE.read_text())
    endpoint = os.environ.get(LOCAL_ENV)
    if endpoint:
        try:
            return _described_at(endpoint)
        except StackNotFound as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    console.print(
        f"[red]no local cloud here ({LOCAL_FILE} not found, {LOCAL_ENV} not set): start `arrears local up`, "
        "or pass --url and --secret[/red]"
    )
    raise typer.Exit(2)


def _described_at(endpoint: str) -> dict:
    from arrears_cli.stackref import answering, local_description

    if not answering(endpoint):
        raise StackNotFound(f"{endpoint} is not answering: {START_LOCAL}")
    return local_description(endpoint, "arrears", None)


# What each outcome of the endpoint's answer means, for a person.
OUTCOMES = {
    "applied": "applied to {account}",
    "suspense": "kept in suspense ({reason}): no account was changed",
    "held": "held until the payment it refunds arrives",
    "recorded": "recorded on {account}'s timeline; no money moved",
    "duplicate": "already received: nothing changed",
    "ignored": "an event type Arrears does not act on: nothing changed",
}


def _for_people(provider: str, delivery, answer, moves_back: bool) -> list[str]:
    """One line per event: the payment, and what the endpoint did with it."""
    named = f"payment {delivery.payment_id}" + (f", reversal {delivery.reversal_id}" if moves_back else "")
    if answer.status_code >= 300:
        return [f"[red]{named}: refused ({answer.status_code}): {answer.text[:300]}[/red]"]
    try:
        outcomes = answer.json().get("outcomes")
    except ValueError:
        outcomes = None
    if not outcomes:  # Adyen is answered "[accepted]" whatever happened, as its protocol asks
        return [
            f"{named}: accepted by the {provider} endpoint (see `arrears accounts timeline` for its effect)"
        ]
    return [f"{named}: {_outcome_text(each)}" for each in outcomes]


def _outcome_text(outcome: dict) -> str:
    template = OUTCOMES.get(outcome.get("outcome"), "{outcome}")
    return template.format(
        account=outcome.get("account_id") or "no account",
        reason=(outcome.get("reason") or "no reason given").replace("_", " "),
        outcome=outcome.get("outcome"),
    )
