"""`arrears letters`: an account's letters, as sent or as they would be sent, through the operators'
API (a letter names its customer: personal data, shown at the operator's verified level)."""

from __future__ import annotations

import sys
import tempfile
import webbrowser
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from arrears_cli.commands.common import StackCommand
from arrears_cli.output import console

app = typer.Typer(help="An account's letters: as sent, or as they would be sent.", no_args_is_help=True)


def _open_in_browser(html: str, code: str) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=f"-{code}.html", delete=False, encoding="utf-8") as page:
        page.write(html)
    webbrowser.open(Path(page.name).as_uri())
    return Path(page.name)


def _out(said: str, answer: dict, open_it: bool) -> None:
    """The letter on stdout, or opened in a browser; what it is on stderr (as itself: what was
    stored is never read as rich markup)."""
    said = escape(said)
    if answer.get("personal_data") == "masked":
        said += "; addressee masked: your level does not see personal data"
    html = answer["html"]
    if open_it:
        console.print(
            f"{said}, opened from {escape(str(_open_in_browser(html, answer['code'] or 'letter')))}"
        )
        return
    console.print(said)
    sys.stdout.write(html if html.endswith("\n") else html + "\n")


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
    """A stored letter's HTML, as the customer received it: printed, or opened in a browser.

    Through the operators' API as the signed-in operator (`arrears login`): a letter names its
    customer, so a level that does not see personal data gets it with the addressee masked."""
    from arrears_cli.commands.signed_in import _asked

    params = {"code": code} if code else {}
    answer = _asked(ctx.obj, "letter_show", account, date.today(), params)
    said = f"{account}: {answer['code']} of {answer['occurred_on']} ({answer.get('channel') or 'letter'})"
    _out(said, answer, open_it)


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
    only while the account is owed it. Through the operators' API, as `show` is."""
    from arrears.domain.letters import LetterCode

    from arrears_cli.commands.common import _today
    from arrears_cli.commands.signed_in import _asked

    if code not in {c.value for c in LetterCode}:
        known = ", ".join(c.value for c in LetterCode)
        console.print(f"[red]{escape(f'no letter {code!r}; the letters are {known}')}[/red]")
        raise typer.Exit(1)
    day = _today(on)
    answer = _asked(ctx.obj, "letter_preview", account, day, {"code": code})
    said = f"{account}: {code} as it would be sent on {day.isoformat()} (a preview: nothing sent)"
    if not answer.get("mailing_address"):
        said += "; no usable mailing address: by post it would not be sent"
    _out(said, answer, open_it)
