"""`arrears accounts import`: every row validated first; one bad row and nothing is imported."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from arrears_cli.main import app

runner = CliRunner()
HEADER = (
    "account_id,product_type,currency,balance,amount_past_due,oldest_due_date,locale,time_zone,jurisdiction\n"
)
GOOD = [
    "A-1,open-end,USD,1500.00,100.00,2026-02-05,en-US,America/New_York,US\n",
    "A-2,closed-end,MXN,25000,0,,es-MX,America/Mexico_City,MX\n",
    "A-3,open-end,PHP,80000.50,2000,2026-01-10,en-PH,Asia/Manila,PH\n",
]


def _run(endpoint, *args):
    return runner.invoke(app, [*args, "--endpoint-url", endpoint.endpoint_url])


def _listed(endpoint) -> list[dict]:
    result = _run(endpoint, "accounts", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_good_csv_imports_every_row_in_minor_units(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + "".join(GOOD))

    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01", "--format", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 3, "portfolio": "main"}
    accounts = {a["account_id"]: a for a in _listed(endpoint)}
    assert accounts["A-1"]["balance"] == 150000 and accounts["A-1"]["currency"] == "USD"
    assert accounts["A-3"]["balance"] == 8000050
    assert accounts["A-1"]["next_action_on"] == "2026-03-01"  # waits for the import day's cycle


def test_json_lines_are_accepted(endpoint, tmp_path):
    path = tmp_path / "book.jsonl"
    row = {
        "account_id": "J-1",
        "product_type": "closed_end",
        "currency": "MXN",
        "balance": "1200.50",
        "locale": "es-MX",
        "time_zone": "America/Mexico_City",
        "jurisdiction": "MX",
    }
    path.write_text(json.dumps(row) + "\n")
    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert [a["balance"] for a in _listed(endpoint)] == [120050]


def test_a_file_with_bad_rows_imports_nothing_and_names_each_problem(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    bad = [
        "B-1,open-end,USD,abc,0,,en-US,America/New_York,US\n",  # line 5: balance
        "B-2,open-end,USD,100,200,2026-01-01,en-US,America/New_York,US\n",  # line 6: past due > balance
        "B-3,open-end,XYZ,100,0,,en-US,America/New_York,US\n",  # line 7: currency
        "B-4,open-end,USD,100,0,,en-US,Mars/Olympus,US\n",  # line 8: time zone
        "A-1,open-end,USD,100,0,,en-US,America/New_York,US\n",  # line 9: duplicate id
        "B-6,open-end,USD,100,10,,en-US,America/New_York,US\n",  # line 10: no oldest due date
        "B-7,lease,USD,100.001,0,,en-US,America/New_York,CA\n",  # line 11: three problems
        "B-8,open-end,JPY,1000,0,,ja-JP,Asia/Tokyo,US\n",  # line 12: no letters in Japanese
    ]
    path.write_text(HEADER + "".join(GOOD) + "".join(bad))

    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")

    assert result.exit_code == 1
    messages = [line for line in result.stderr.splitlines() if ": line " in line]
    assert any("line 5: balance" in m for m in messages)
    assert any("line 6: amount_past_due: is more than the balance" in m for m in messages)
    assert any("line 7: currency" in m for m in messages)
    assert any("line 8: time_zone" in m for m in messages)
    assert any("line 9: account_id: duplicate of line 2" in m for m in messages)
    assert any("line 10: oldest_due_date" in m for m in messages)
    assert any("line 11: product_type" in m for m in messages)
    assert any("line 11: jurisdiction" in m for m in messages)
    assert any("line 12: locale" in m and "no letters in the language of ja-JP" in m for m in messages)
    assert "nothing was imported" in result.stderr
    assert _listed(endpoint) == []


def test_an_account_that_already_exists_rejects_the_file(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + GOOD[0])
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    again = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")
    assert again.exit_code == 1 and "line 2: account_id: A-1 already exists" in again.stderr


def test_a_header_problem_is_said_once_with_the_format_expected(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(HEADER.replace("currency", "ccy") + "".join(GOOD))

    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")

    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if "header" in line]
    assert len(said) == 1 and "line 1: header: unknown column(s) ccy; missing column(s) currency" in said[0]
    assert "Expected columns: account_id, product_type, currency" in said[0]
    assert ": line 2:" not in result.stderr  # no row repeats it


def test_currency_and_locale_must_belong_to_the_jurisdiction(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        HEADER
        + "M-1,open-end,USD,100,0,,es-MX,America/Mexico_City,MX\n"  # line 2: dollars in Mexico
        + "M-2,open-end,MXN,100,0,,en-PH,America/Mexico_City,MX\n"  # line 3: a Philippine locale
        + "M-3,open-end,USD,100,0,,es-US,America/Chicago,US\n"  # a Spanish speaker in the US: fine
    )

    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")

    assert result.exit_code == 1
    assert "line 2: currency: an account in MX is kept in MXN, not USD" in result.stderr
    assert "line 3: locale: en-PH is not a locale of MX" in result.stderr
    assert "line 4" not in result.stderr


CONTACT_HEADER = HEADER.strip() + (
    ",customer_id,name,address_line1,city,region,postal_code,email,email_consent,phone\n"
)
PLAIN = ("Quintero", "Ocotillo", "85711", "mariana.q", "555-0142", "5205550142", "tomas.r")


def _scanned(endpoint, output: str) -> str:
    table = endpoint.stack.outputs[output]
    return json.dumps(endpoint.client("dynamodb").scan(TableName=table)["Items"])


def test_customer_columns_are_sealed_and_each_account_learns_how_its_customer_can_be_reached(
    endpoint, tmp_path
):
    # Given two accounts of one customer (an address, an email with consent, a phone) and a third
    # whose email came without the consent column's yes
    path = tmp_path / "book.csv"
    path.write_text(
        CONTACT_HEADER
        + "C-1,open-end,USD,1500.00,100.00,2026-02-05,en-US,America/Phoenix,US,CUST-9,Mariana Quintero,"
        "4417 Calle Ocotillo,Tucson,AZ,85711,mariana.q@example.org,yes,(520) 555-0142\n"
        + "C-2,closed-end,USD,900.00,0,,en-US,America/Phoenix,US,CUST-9,,,,,,,,\n"
        + "C-3,open-end,USD,300.00,0,,en-US,America/Chicago,US,,Tomas Reyes,,,,,tomas.r@example.org,,\n"
    )

    # When the file is imported
    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")

    # Then no table holds a value in plaintext, and each account carries its customer's reach
    assert result.exit_code == 0, result.output
    for output in ("CustomersTableName", "AccountsTableName", "ActivityTableName"):
        scanned = _scanned(endpoint, output)
        assert not [value for value in PLAIN if value in scanned], output
    accounts = {a["account_id"]: a for a in json.loads(_run(endpoint, "accounts", "list", "--json").stdout)}
    assert set(accounts) == {"C-1", "C-2", "C-3"}
    shown = {
        a: json.loads(_run(endpoint, "accounts", "show", a, "--json").stdout) for a in ("C-1", "C-2", "C-3")
    }
    assert (shown["C-1"]["customer_id"], shown["C-1"]["reach"]) == ("CUST-9", ["postal", "email", "phone"])
    assert (shown["C-2"]["customer_id"], shown["C-2"]["reach"]) == ("CUST-9", ["postal", "email", "phone"])
    assert (shown["C-3"]["customer_id"], shown["C-3"]["reach"]) == ("C-3", [])  # kept, never emailed
    assert not [value for value in PLAIN if value in json.dumps(shown)]


def test_a_new_account_joins_a_customer_on_record_only_as_they_stand(endpoint, tmp_path):
    # Given an account whose customer has a name, an address and an email
    columns = ",customer_id,name,address_line1,city,region,postal_code,email,email_consent\n"
    them = "CUST-1,Dana Whitfield,12 Elm St,Dayton,OH,45402,d1@example.org,yes"
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER.strip() + columns + f"D-1,open-end,USD,100.00,0,,en-US,America/New_York,US,{them}\n"
    )
    assert _run(endpoint, "accounts", "import", str(first), "--as-of", "2026-03-01").exit_code == 0

    # When a later file opens accounts naming the customer with another name and email, naming a
    # customer not on record by id alone, and naming the customer as on record
    later = tmp_path / "later.csv"
    later.write_text(
        HEADER.strip() + columns
        + "D-2,open-end,USD,100.00,0,,en-US,America/New_York,US,"
        "CUST-1,Eve Mallory,12 Elm St,Dayton,OH,45402,eve.m@example.net,yes\n"
        + "D-3,open-end,USD,100.00,0,,en-US,America/New_York,US,C-NOBODY,,,,,,,\n"
        + f"D-4,open-end,USD,100.00,0,,en-US,America/New_York,US,{them}\n"
    )  # fmt: skip
    refused = _run(endpoint, "accounts", "import", str(later), "--as-of", "2026-03-02")

    # Then the first two are problems of their customer_id, naming the customer, never a value, and
    # nothing is imported
    assert refused.exit_code == 1
    said = refused.stderr
    assert "line 2: customer_id: customer CUST-1 is on record with another name, email" in said
    assert "line 3: customer_id: no customer C-NOBODY; a new customer needs a name" in said
    assert "line 4" not in said
    assert not [v for v in ("Eve", "Mallory", "eve.m", "Whitfield", "Elm") if v in refused.output]
    assert [a["account_id"] for a in _listed(endpoint)] == ["D-1"]

    # And the same customer as on record joins (the system of record's second account, in full)
    same = tmp_path / "same.csv"
    same.write_text(
        HEADER.strip() + columns + f"D-4,open-end,USD,100.00,0,,en-US,America/New_York,US,{them}\n"
    )
    assert _run(endpoint, "accounts", "import", str(same), "--as-of", "2026-03-02").exit_code == 0
    shown = {a: json.loads(_run(endpoint, "accounts", "show", a, "--json").stdout) for a in ("D-1", "D-4")}
    assert shown["D-4"]["customer_id"] == "CUST-1"
    assert shown["D-1"]["reach"] == shown["D-4"]["reach"] == ["postal", "email"]


def test_a_bad_contact_column_is_a_problem_of_its_field_and_line_and_never_shows_the_value(
    endpoint, tmp_path
):
    # Given rows with a number that is no number, an email that is no address, an address without
    # its city, and a consent that is neither yes nor no
    path = tmp_path / "book.csv"
    path.write_text(
        HEADER.strip() + ",address_line1,city,postal_code,email,email_consent,phone\n"
        "E-1,open-end,USD,100.00,0,,en-US,America/New_York,US,,,,,,555-01\n"
        "E-2,open-end,USD,100.00,0,,en-US,America/New_York,US,,,,not-an-address@,,\n"
        "E-3,open-end,USD,100.00,0,,en-US,America/New_York,US,9 Secret Lane,,45402,,,\n"
        "E-4,open-end,USD,100.00,0,,en-US,America/New_York,US,,,,e4@example.org,maybe,\n"
        "E-5,open-end,USD,100.00,0,,en-US,America/New_York,US,,,,,,+1 520 555 0142\n"
    )

    # When it is imported
    result = _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01")

    # Then each problem names its line and field, no value is echoed, and nothing is imported
    assert result.exit_code == 1
    said = result.stderr
    assert "line 2: phone" in said
    assert "line 3: email" in said
    assert "line 4: address_line1" in said and "city" in said
    assert "line 5: email_consent" in said and "yes or no" in said
    assert "line 6" not in said
    for value in ("555-01", "not-an-address", "Secret Lane", "maybe"):
        assert value not in result.output
    assert _listed(endpoint) == []
    assert json.loads(_scanned(endpoint, "CustomersTableName")) == []
