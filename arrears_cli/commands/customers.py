"""`arrears customers`: the customer behind an account and the ways to reach them, through the
operators' API as the signed-in operator.

Nothing here reads the Customers table: its values are sealed, and only the operator function may
open them, for a level that may see them (masked for any other), auditing who saw what. A value
typed here goes to the API in the request's body; it is never printed back but by `show`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from arrears_cli.commands.common import StackCommand, _today
from arrears_cli.commands.options import FormatOpt, JsonOpt, OutputOpt
from arrears_cli.commands.signed_in import RequestIdOpt, _asked, _operator_call
from arrears_cli.output import Format, console, emit, json_or

app = typer.Typer(
    help="Customers and their contact points (through the operators' API).", no_args_is_help=True
)

MARKS = ("returned_mail", "bounced", "wrong_party", "do_not_use")
OnOpt = Annotated[str | None, typer.Option("--on", help="Business date (default today).")]


def plain(value):
    """A stored value as itself: rich renders a table cell, a title or a message as markup, so a
    name like `Ana [/bold] Ruiz` would fail and a `[link=...]` would render."""
    return escape(value) if isinstance(value, str) else value


def _plain_rows(rows: list[dict]) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in rows]


def _point_rows(answer: dict) -> list[dict]:
    rows = [
        {
            "point": p["point_id"],
            "kind": p["kind"],
            "value": p["value"],
            "status": p["status"],
            "source": p["source"],
            "consent": ",".join(p["consent"]),
            "employer": p["employer"],
            "changed_on": p["changed_on"] or p["added_on"],
        }
        for p in answer["points"]
    ]
    rows += [
        {
            "point": f"candidate {c['candidate_id']}",
            "kind": c["kind"],
            "value": c["value"],
            "status": c["status"] + (f" as {c['point_id']}" if c["point_id"] else ""),
            "source": f"skiptrace:{c['source']} ({c['confidence']:.2f})",
            "consent": "",
            "employer": None,
            "changed_on": c["found_on"],
        }
        for c in answer["candidates"]
    ]
    return rows


@app.command("show", cls=StackCommand)
def customers_show(
    ctx: typer.Context,
    account_id: str,
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The account's customer: name, contact points with their status, source and consent, and the
    skip-trace candidates. In plaintext for a level that sees personal data, masked for any other;
    the read is audited on the account (what was seen, never the values)."""
    answer = _asked(ctx.obj, "personal_data", account_id, _today(None), {})
    if answer.get("masked"):
        console.print(f"[yellow]masked: {plain(answer['why'])}[/yellow]")
    fmt = json_or(fmt, as_json)
    if fmt is not Format.TABLE:
        emit(answer, fmt, account_id, output)
        return
    if answer["customer_id"] is None:
        console.print(
            plain(
                f"{account_id} has no customer on record (`arrears customers contact {account_id} --add-...`)"
            )
        )
    title = f"{account_id}: customer {answer['customer_id']}, {answer['name'] or 'name not on record'}"
    emit(_plain_rows(_point_rows(answer)), fmt, plain(title), output)


def _point(
    email: str | None,
    phone: str | None,
    address: list[str] | None,
    city: str | None,
    state: str | None,
    postal_code: str | None,
    country: str | None,
    consents: dict[str, bool],
) -> dict:
    """The point's columns as an import row names them; only what was given."""
    lines = address or []
    if len(lines) > 3:
        raise typer.BadParameter("at most three street lines", param_hint="--add-address")
    columns = {
        "email": email,
        "phone": phone,
        **{f"address_line{n}": line for n, line in enumerate(lines, start=1)},
        "city": city,
        "region": state,
        "postal_code": postal_code,
        "country": country,
        **consents,
    }
    return {k: v for k, v in columns.items() if v not in (None, False)}


@app.command("contact", cls=StackCommand)
def customers_contact(
    ctx: typer.Context,
    account_id: str,
    add_email: Annotated[str | None, typer.Option("--add-email", help="Add an email address.")] = None,
    add_phone: Annotated[
        str | None, typer.Option("--add-phone", help="Add a phone, with +country code or as dialled locally.")
    ] = None,
    add_address: Annotated[
        list[str] | None,
        typer.Option(
            "--add-address",
            help="Add a postal address: a street line (again for a second and third), with --city, "
            "--state, --postal-code. With --verify-candidate: the address the customer confirmed.",
        ),
    ] = None,
    city: Annotated[str | None, typer.Option("--city", help="The address's city.")] = None,
    # not --region: that is every command's AWS region (common.StackCommand takes it)
    state: Annotated[
        str | None, typer.Option("--state", help="The address's state, estado or province (e.g. NV, JAL).")
    ] = None,
    postal_code: Annotated[str | None, typer.Option("--postal-code")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code when not the account's.")] = None,
    email_consent: Annotated[bool, typer.Option(help="The customer agreed to be emailed there.")] = False,
    notices_consent: Annotated[
        bool, typer.Option(help="...and to receive the notices the law requires by email (E-SIGN).")
    ] = False,
    employer: Annotated[bool, typer.Option(help="The email is the employer's: never emailed.")] = False,
    sms_consent: Annotated[bool, typer.Option(help="A mobile: the customer agreed to texts.")] = False,
    mobile_calls_consent: Annotated[
        bool, typer.Option(help="A mobile: the customer agreed to autodialled calls.")
    ] = False,
    verify: Annotated[str | None, typer.Option("--verify", help="Verify a point (its id).")] = None,
    mark: Annotated[str | None, typer.Option("--mark", help="Retire a point (its id): with --as.")] = None,
    mark_as: Annotated[str | None, typer.Option("--as", help=", ".join(MARKS))] = None,
    verify_candidate: Annotated[
        str | None,
        typer.Option(
            "--verify-candidate", help="A skip-trace candidate confirmed with the customer (its id)."
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="Why, in your words (no personal data).")] = "",
    on: OnOpt = None,
    request_id: RequestIdOpt = None,
) -> None:
    """Add, verify or retire a contact point of the account's customer. Returned mail or a bounce
    retires the point for good; with no address left an active account goes to skip (the next cycle
    traces it) and any other to an operator's task."""
    adding = [
        k for k, given in (("email", add_email), ("phone", add_phone), ("address", add_address)) if given
    ]
    chosen = [
        c
        for c, given in (("verify", verify), ("mark", mark), ("verify_candidate", verify_candidate))
        if given
    ]
    change = chosen[0] if len(chosen) == 1 else ("add" if not chosen and len(adding) == 1 else None)
    if change is None or (adding and change not in ("add", "verify_candidate")) or len(adding) > 1:
        raise typer.BadParameter(
            "say one of --add-email, --add-phone, --add-address, --verify, --mark or --verify-candidate "
            "(an address candidate: --verify-candidate with --add-address)"
        )
    if mark and mark_as not in MARKS:
        raise typer.BadParameter(f"--mark needs --as {'|'.join(MARKS)}", param_hint="--as")
    consents = {
        "email_consent": email_consent,
        "electronic_notices_consent": notices_consent,
        "email_is_employer": employer,
        "sms_consent": sms_consent,
        "mobile_calls_consent": mobile_calls_consent,
    }
    params: dict = {"change": change, "note": note}
    if adding:
        params["point"] = _point(
            add_email, add_phone, add_address, city, state, postal_code, country, consents
        )
    params |= {
        "point_id": verify or mark,
        "status": mark_as if mark else None,
        "candidate_id": verify_candidate,
    }
    _operator_call(
        ctx.obj,
        "contact",
        account_id,
        _today(on),
        {k: v for k, v in params.items() if v is not None},
        request_id,
    )


@app.command("find", cls=StackCommand)
def customers_find(
    ctx: typer.Context,
    phone: Annotated[str | None, typer.Option(help="A phone as the caller gave it.")] = None,
    email: Annotated[str | None, typer.Option(help="An email, e.g. from a bounce notice.")] = None,
    country: Annotated[str, typer.Option(help="Where a phone without +code is dialled.")] = "US",
    fmt: FormatOpt = Format.TABLE,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """The accounts of the customer with this phone or email (an inbound call, a bounce notice),
    found by keyed hash: the value is never stored or shown, and the find is audited on each
    account found."""
    if (phone is None) == (email is None):
        raise typer.BadParameter("say --phone or --email")
    params = {"phone": phone, "country": country} if phone is not None else {"email": email}
    answer = _asked(ctx.obj, "find_customer", None, _today(None), params)
    if not answer["found"]:
        console.print(f"no customer has this {plain(answer['kind'])}")
    fmt = json_or(fmt, as_json)
    found = _plain_rows(answer["found"]) if fmt is Format.TABLE else answer["found"]
    emit(found, fmt, plain(f"accounts found by {answer['kind']}"), output)
