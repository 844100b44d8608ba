"""`arrears letters`: the letters an account was sent, as stored."""

from __future__ import annotations

import sys
import tempfile
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from arrears_cli.commands.common import StackCommand, _refused_clearly
from arrears_cli.output import console
from arrears_cli.stackref import StackRef

app = typer.Typer(help="The letters an account was sent, as stored.", no_args_is_help=True)


class NoLetter(LookupError):
    """The account has no stored letter (of the code asked for)."""


def _stored_letters(account_id: str) -> list:
    """The account's letter records that have a stored document, oldest first (timeline order)."""
    from arrears.store import accounts_repo

    return [
        item for item in accounts_repo.timeline(account_id, kind="letter") if item.detail.get("document_key")
    ]


def pick_letter(letters: list, account_id: str, code: str | None):
    """The latest letter, or the latest of `code`."""
    if code:
        letters = [item for item in letters if item.detail.get("code") == code]
    if not letters:
        of = f" {code!r}" if code else ""
        raise NoLetter(f"{account_id} has no stored letter{of}")
    return max(letters, key=lambda item: item.sk)


def letter_html(stack: StackRef, item) -> str:
    from arrears.adapters import reports_repo

    return reports_repo.get_text(stack.letters_bucket, item.detail["document_key"], stack.region)


def _open_in_browser(html: str, code: str) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=f"-{code}.html", delete=False, encoding="utf-8") as page:
        page.write(html)
    webbrowser.open(Path(page.name).as_uri())
    return Path(page.name)


@app.command("show", cls=StackCommand)
def letters_show(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="The account the letter was sent to.")],
    code: Annotated[
        str | None,
        typer.Option("--code", help="A letter code (e.g. first_reminder); default: the latest."),
    ] = None,
    open_it: Annotated[bool, typer.Option("--open", help="Open it in a browser.")] = False,
) -> None:
    """A stored letter's HTML, as the customer received it: printed, or opened in a browser."""
    with _refused_clearly():
        letters = _stored_letters(account)
    try:
        item = pick_letter(letters, account, code)
    except NoLetter as exc:
        codes = sorted({i.detail.get("code") for i in letters})
        console.print(f"[red]{exc}[/red]" + (f" (it has: {', '.join(codes)})" if codes else ""))
        raise typer.Exit(1) from exc
    html = letter_html(ctx.obj, item)
    said = (
        f"{account}: {item.detail.get('code')} of {item.occurred_on} ({item.detail.get('channel', 'letter')})"
    )
    if open_it:
        console.print(f"{said}, opened from {_open_in_browser(html, item.detail.get('code') or 'letter')}")
        return
    console.print(said)
    sys.stdout.write(html if html.endswith("\n") else html + "\n")


@app.command("preview", cls=StackCommand)
def letters_preview(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="The account the letter would go to.")],
    code: Annotated[str, typer.Option("--code", help="A letter code (e.g. final_demand).")],
    on: Annotated[str | None, typer.Option("--on", help="The day it would be sent (default today).")] = None,
    open_it: Annotated[bool, typer.Option("--open", help="Open it in a browser.")] = False,
) -> None:
    """A letter as it would be sent on the day, from the account as it stands then: nothing is sent,
    stored or recorded. A letter owed by an event (a promise, a payment) states that event's facts
    only while the account is owed it."""
    from dataclasses import replace

    from arrears.domain.letters import LetterCode, render
    from arrears.domain.strategy import load_strategies, strategy_for
    from arrears.services.letter_context import letter_context
    from arrears.store import accounts_repo
    from jinja2 import UndefinedError

    from arrears_cli.commands.common import _today
    from arrears_cli.worklist import as_of

    try:
        letter = LetterCode(code)
    except ValueError as exc:
        console.print(
            f"[red]no letter {code!r}; the letters are {', '.join(c.value for c in LetterCode)}[/red]"
        )
        raise typer.Exit(1) from exc
    day = _today(on)
    with _refused_clearly():
        found = accounts_repo.get_account(account)
    standing = as_of(found, day)
    seen = replace(
        found, dpd=standing.dpd, bucket=standing.bucket, past_due=standing.past_due,
        oldest_unpaid_on=standing.oldest_unpaid_on,
    )  # fmt: skip
    strategy = strategy_for(load_strategies(), seen.product_type, seen.jurisdiction, seen.placement)
    if strategy is None:
        console.print(
            f"[red]no strategy works {account} ({seen.product_type.value}, {seen.jurisdiction})[/red]"
        )
        raise typer.Exit(1)
    owed = next((dict(n.extra) for n in seen.notices if n.code is letter), None)
    try:
        html = render(
            letter_context(letter, seen, strategy, day, f"preview-{account}-{day.isoformat()}", owed)
        )
    except UndefinedError as exc:
        console.print(
            f"[red]{account} is owed no {code} now: it states the facts of the event that owes it[/red]"
        )
        raise typer.Exit(1) from exc
    said = f"{account}: {code} as it would be sent on {day.isoformat()} (a preview: nothing sent)"
    if open_it:
        console.print(f"{said}, opened from {_open_in_browser(html, code)}")
        return
    console.print(said)
    sys.stdout.write(html if html.endswith("\n") else html + "\n")
