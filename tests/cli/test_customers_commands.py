"""`arrears customers`: show, contact and find, through the operators' API as the signed-in operator."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from arrears_cli.main import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
PASSWORD = "Operator-Test-2026!"
BOOK = (
    "account_id,product_type,currency,balance,amount_past_due,oldest_due_date,locale,time_zone,jurisdiction,"
    "customer_id,name,address_line1,city,region,postal_code,phone\n"
    "K-1,open-end,USD,1500.00,100.00,2026-02-05,en-US,America/Phoenix,US,CUST-K,Ines Valdivia Ortega,"
    "4417 Calle Ocotillo,Tucson,AZ,85711,+15205550142\n"
    "K-2,closed-end,USD,900.00,0,,en-US,America/Phoenix,US,CUST-K,,,,,,\n"
)
PLAIN = ("Valdivia", "Ocotillo", "5205550142", "555-0142", "ines.new")


def _run(endpoint, *args):
    return runner.invoke(app, [*args, "--endpoint-url", endpoint.endpoint_url], env=WIDE)


def _ready(endpoint, tmp_path) -> None:
    path = tmp_path / "book.csv"
    path.write_text(BOOK)
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    for operator, level in (("ana", "specialist_3"), ("sam", "supervisor")):
        added = _run(endpoint, "operators", "add", operator, "--level", level, "--password", PASSWORD)
        assert added.exit_code == 0, added.output


def _login(endpoint, operator: str) -> None:
    assert _run(endpoint, "login", "--username", operator, "--password", PASSWORD).exit_code == 0


def _shown(endpoint, account_id: str) -> dict:
    result = _run(endpoint, "customers", "show", account_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_collector_finds_the_caller_adds_an_email_and_marks_the_address_returned(endpoint, tmp_path):
    _ready(endpoint, tmp_path)
    _login(endpoint, "ana")

    # an inbound call: the number as the caller says it finds both accounts of the customer
    found = _run(endpoint, "customers", "find", "--phone", "(520) 555-0142", "--json")
    assert found.exit_code == 0, found.output
    assert sorted(f["account_id"] for f in json.loads(found.stdout)) == ["K-1", "K-2"]

    # a level 3 does not see personal data: it may not choose where the customer is written to
    refused = _run(
        endpoint, "customers", "contact", "K-1", "--add-email", "mine@example.net", "--email-consent"
    )
    assert refused.exit_code == 1 and "forbidden" in refused.output, refused.output
    assert "adding a contact point needs a level that sees personal data" in refused.output

    # the customer gives an email with consent to a supervisor; a level 3 sees the points masked
    _login(endpoint, "sam")
    added = _run(
        endpoint, "customers", "contact", "K-1", "--add-email", "ines.new@example.org", "--email-consent"
    )
    assert added.exit_code == 0, added.output
    _login(endpoint, "ana")
    masked = _shown(endpoint, "K-1")
    assert masked["masked"] is True and masked["name"] == "•••"
    assert sorted(p["value"] for p in masked["points"]) == ["i•••@e•••.org", "•••, US", "•••• 42"]

    # the letter comes back: the address is retired; the phone and email still reach the customer
    postal = next(p["point_id"] for p in masked["points"] if p["kind"] == "postal")
    marked = _run(endpoint, "customers", "contact", "K-1", "--mark", postal, "--as", "returned_mail")
    assert marked.exit_code == 0, marked.output
    result = json.loads(marked.stdout.splitlines()[-1])["result"]
    assert result["routed"] == {"K-1": "skip", "K-2": "skip"}  # both active, no address left
    listed = {a["account_id"]: a for a in json.loads(_run(endpoint, "accounts", "list", "--json").stdout)}
    assert {listed[a]["status"] for a in ("K-1", "K-2")} == {"skip"}

    # a supervisor cannot make the returned address good again; it sees the values; nothing of them
    # is in the account views or the timeline
    _login(endpoint, "sam")
    again = _run(endpoint, "customers", "contact", "K-1", "--verify", postal)
    assert again.exit_code == 1 and "returned_mail: add a new one instead" in again.output
    table = _run(endpoint, "customers", "show", "K-2")
    assert table.exit_code == 0 and "Ines Valdivia Ortega" in table.stdout and "returned_mail" in table.stdout
    opened = _shown(endpoint, "K-2")
    assert opened["name"] == "Ines Valdivia Ortega" and "masked" not in opened
    assert "ines.new@example.org" in [p["value"] for p in opened["points"]]
    views = "".join(
        _run(endpoint, *command).stdout
        for command in (
            ("accounts", "show", "K-1", "--json"),
            ("accounts", "timeline", "K-1", "--json"),
            ("accounts", "list", "--format", "csv"),
            ("worklist", "--at", "2026-03-02T10:00:00-07:00", "--json"),
        )
    )
    assert not [value for value in PLAIN if value in views]


def test_contact_refuses_two_changes_at_once_and_a_mark_without_its_status(endpoint, tmp_path):
    _ready(endpoint, tmp_path)
    _login(endpoint, "sam")

    both = _run(
        endpoint, "customers", "contact", "K-1", "--add-email", "x@example.org", "--add-phone", "+15205550199"
    )
    unsaid = _run(endpoint, "customers", "contact", "K-1", "--mark", "postal-0000000000000000")
    bad = _run(endpoint, "customers", "contact", "K-1", "--add-phone", "555-01")

    assert both.exit_code == 2 and unsaid.exit_code == 2
    assert bad.exit_code == 1 and "point.phone" in bad.output and "555-01" not in bad.output


def test_unreachable_naming_a_point_retires_it_and_keeps_an_account_with_an_address_active(
    endpoint, tmp_path
):
    _ready(endpoint, tmp_path)
    _login(endpoint, "ana")
    phone = next(p["point_id"] for p in _shown(endpoint, "K-1")["points"] if p["kind"] == "phone")

    marked = _run(endpoint, "accounts", "unreachable", "K-1", "--reason", "wrong_number", "--point", phone)

    assert marked.exit_code == 0, marked.output
    result = json.loads(marked.stdout.splitlines()[-1])["result"]
    assert (result["status_now"], result["status"], result["reach"]) == ("active", "wrong_party", ["postal"])


def test_an_address_added_from_the_cli_keeps_its_state(endpoint, tmp_path):
    # --region is every command's AWS region: the address's is --state
    _ready(endpoint, tmp_path)
    _login(endpoint, "sam")

    added = _run(
        endpoint, "customers", "contact", "K-1", "--add-address", "1 Sierra St", "--city", "Reno",
        "--state", "NV", "--postal-code", "89501",
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    values = [p["value"] for p in _shown(endpoint, "K-1")["points"] if p["kind"] == "postal"]
    assert "1 Sierra St, Reno, NV 89501, US" in values, values


def test_show_prints_stored_values_as_they_are_never_as_markup(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK.replace("Ines Valdivia Ortega", "Ana [/bold] [link=https://x.example]Ruiz[/link]"))
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    assert (
        _run(endpoint, "operators", "add", "sam", "--level", "supervisor", "--password", PASSWORD).exit_code
        == 0
    )
    _login(endpoint, "sam")

    table = _run(endpoint, "customers", "show", "K-1")

    assert table.exit_code == 0, table.output
    assert "Ana [/bold] [link=https://x.example]Ruiz[/link]" in table.stdout


def test_show_writes_a_workbook_with_output(endpoint, tmp_path):
    _ready(endpoint, tmp_path)
    _login(endpoint, "sam")
    book = tmp_path / "customer.xlsx"

    written = _run(endpoint, "customers", "show", "K-1", "--format", "xlsx", "--output", str(book))

    assert written.exit_code == 0, written.output
    rows = [tuple(r) for r in load_workbook(book).active.iter_rows(values_only=True)]
    assert rows[0] == ("field", "value") and ("name", "Ines Valdivia Ortega") in rows
