"""The operator commands against a running local endpoint, and the AWS CLI against the same endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from arrears_cli.main import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}  # a table's cells wrap at a narrow terminal's width
ROW = "A-1,open-end,USD,1500.00,100.00,2026-02-05,en-US,America/New_York,US\n"
HEADER = (
    "account_id,product_type,currency,balance,amount_past_due,oldest_due_date,locale,time_zone,jurisdiction\n"
)


def _run(endpoint, *args):
    return runner.invoke(app, [*args, "--endpoint-url", endpoint.endpoint_url])


def _imported(endpoint, tmp_path, as_of: str = "2026-03-01"):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + ROW)
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", as_of).exit_code == 0


def test_cycle_run_then_executions_and_account_views(endpoint, tmp_path):
    _imported(endpoint, tmp_path, as_of="2026-03-02")  # a Monday: the cycle's letters wait for one

    ran = _run(endpoint, "cycle", "run", "--as-of", "2026-03-02", "--format", "json")
    assert ran.exit_code == 0, ran.output
    shown = json.loads(ran.stdout)
    assert shown["status"] == "SUCCEEDED" and shown["output"]["accounts_by_bucket"]["1-29"] == 1

    listed = json.loads(_run(endpoint, "executions", "list", "--format", "json").stdout)
    assert [e["status"] for e in listed] == ["SUCCEEDED"]
    history = json.loads(
        _run(endpoint, "executions", "history", listed[0]["name"], "--format", "json").stdout
    )
    assert history[0]["type"] == "ExecutionStarted" and history[-1]["type"] == "ExecutionSucceeded"

    account = json.loads(_run(endpoint, "accounts", "show", "A-1", "--on", "2026-03-02", "--json").stdout)
    assert account["bucket"] == "1-29" and account["dpd"] == 25
    # 25 DPD on a card: the ladder's latest step (a printed reminder) and the stage change
    assert sorted(t["kind"] for t in account["timeline"]) == ["letter", "stage"]
    timeline = runner.invoke(
        app, ["accounts", "timeline", "A-1", "--endpoint-url", endpoint.endpoint_url], env=WIDE
    ).stdout
    assert "USD 1,500.00" in timeline and "past_due=USD 100.00" in timeline and "150000" not in timeline


def test_accounts_show_and_list_count_days_past_due_on_the_date_asked_not_the_last_cycle(endpoint, tmp_path):
    _imported(endpoint, tmp_path)  # oldest due 2026-02-05
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-01").exit_code == 0  # stored: 24 DPD

    later = json.loads(_run(endpoint, "accounts", "show", "A-1", "--on", "2026-03-04", "--json").stdout)
    listed = json.loads(_run(endpoint, "accounts", "list", "--on", "2026-03-08", "--json").stdout)

    assert (later["dpd"], later["bucket"], later["days_to_next_bucket"], later["as_of"]) == (
        27, "1-29", 3, "2026-03-04"
    )  # fmt: skip
    assert later["last_evaluated_on"] == "2026-03-01" and later["amounts"] == "minor units"
    assert (listed[0]["dpd"], listed[0]["bucket"], listed[0]["days_to_next_bucket"]) == (31, "30-59", 29)
    moved = _run(endpoint, "accounts", "list", "--on", "2026-03-08", "--bucket", "30-59", "--json")
    assert [a["account_id"] for a in json.loads(moved.stdout)] == ["A-1"]


def test_a_table_shows_a_person_money_in_major_units_and_json_keeps_minor_units(endpoint, tmp_path):
    _imported(endpoint, tmp_path)  # 1500.00 USD, 100.00 of it past due

    table = runner.invoke(app, ["accounts", "show", "A-1", "--endpoint-url", endpoint.endpoint_url], env=WIDE)
    listed = runner.invoke(
        app, ["accounts", "list", "--endpoint-url", endpoint.endpoint_url], env=WIDE
    ).stdout
    as_json = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)

    assert "USD 1,500.00" in table.stdout and "2026-02-05: USD 100.00" in table.stdout
    assert "150000" not in table.stdout
    assert "USD 1,500.00" in listed and "150000" not in listed
    assert (as_json["balance"], as_json["dues"]) == (150000, [{"due_on": "2026-02-05", "amount": 10000}])


def test_a_missing_account_is_a_clear_error(endpoint):
    result = _run(endpoint, "accounts", "show", "NOPE")
    assert result.exit_code == 1 and "no account NOPE" in result.stderr


def test_exports_as_csv_and_xlsx(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    csv_file, xlsx_file = tmp_path / "a.csv", tmp_path / "a.xlsx"
    assert _run(endpoint, "accounts", "list", "--format", "csv", "--output", str(csv_file)).exit_code == 0
    assert csv_file.read_text().splitlines()[1].startswith("A-1,")
    assert _run(endpoint, "accounts", "list", "--format", "xlsx", "--output", str(xlsx_file)).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_file).active
    assert sheet["A2"].value == "A-1"


def test_the_aws_cli_lists_the_cycles_executions(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-01").exit_code == 0
    local = json.loads(Path(".arrears/local.json").read_text())
    arn = local["state_machines"]["CollectionCycleStateMachine"]
    aws = Path(sys.executable).with_name("aws")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run(
        [
            str(aws),
            "--endpoint-url",
            endpoint.endpoint_url,
            "stepfunctions",
            "list-executions",
            "--state-machine-arn",
            arn,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [e["status"] for e in json.loads(result.stdout)["executions"]] == ["SUCCEEDED"]


def test_without_a_local_cloud_the_cli_says_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["executions", "list", "--endpoint-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "arrears local up" in result.stderr


def test_a_failed_cycle_shows_its_failed_state_and_cause(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    import boto3

    local = json.loads(Path(".arrears/local.json").read_text())
    boto3.client("dynamodb", endpoint_url=endpoint.endpoint_url, region_name="us-east-1").update_item(
        TableName=local["tables"]["AccountsTable"],
        Key={"account_id": {"S": "A-1"}},
        UpdateExpression="SET currency = :bad",
        ExpressionAttributeValues={":bad": {"N": "7"}},
    )

    ran = _run(endpoint, "cycle", "run", "--as-of", "2026-03-01", "--format", "json")

    assert ran.exit_code == 1
    name = json.loads(_run(endpoint, "executions", "list", "--status", "failed", "--format", "json").stdout)[
        0
    ]["name"]
    shown = json.loads(_run(endpoint, "executions", "show", name, "--format", "json").stdout)
    assert shown["status"] == "FAILED" and shown["error"] == "ShardFailed"
    assert shown["failed_state"]["state"] == "Close the day"
    assert "InvalidAccountData" in shown["cause_message"] and "A-1" in shown["cause_message"]


def test_json_flag_is_the_short_form_of_format_json(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    assert json.loads(_run(endpoint, "accounts", "list", "--json").stdout)[0]["account_id"] == "A-1"


PASSWORD = "Operator-Test-2026!"


def _roster(endpoint) -> None:
    for operator, level in (("ana", "specialist_3"), ("sam", "supervisor")):
        added = _run(endpoint, "operators", "add", operator, "--level", level, "--password", PASSWORD)
        assert added.exit_code == 0, added.output


def _login(endpoint, operator: str) -> None:
    signed_in = _run(endpoint, "login", "--username", operator, "--password", PASSWORD)
    assert signed_in.exit_code == 0 and f"signed in as {operator}" in signed_in.output


def test_promise_hold_and_arrangement_commands_record_and_refuse_bad_input(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    _roster(endpoint)
    _login(endpoint, "ana")
    promised = _run(
        endpoint, "accounts", "promise", "A-1", "--amount", "50.00", "--date", "2026-03-10",
        "--on", "2026-03-02",
    )  # fmt: skip
    assert promised.exit_code == 0, promised.output
    account = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)
    assert account["promise"]["amount"] == 5000 and account["notices"][0]["code"] == "promise_confirmation"

    held = _run(endpoint, "accounts", "hold", "A-1", "--kind", "dispute", "--on", "2026-03-02")
    assert held.exit_code == 0, held.output
    assert _run(endpoint, "accounts", "hold", "A-1", "--kind", "vacation").exit_code != 0
    too_much = _run(
        endpoint, "accounts", "arrangement", "A-1", "--instalment", "2026-03-10:99999.00",
        "--on", "2026-03-02",
    )  # fmt: skip
    assert too_much.exit_code == 1 and "more than the balance" in too_much.stderr
    bad_amount = _run(
        endpoint, "accounts", "promise", "A-1", "--amount", "1.001", "--date", "2026-03-10",
        "--on", "2026-03-02",
    )  # fmt: skip
    assert bad_amount.exit_code == 1 and "decimals" in bad_amount.stderr
    stranger = _run(endpoint, "login", "--username", "mallory", "--password", PASSWORD)
    assert stranger.exit_code == 1 and "wrong user name or password" in stranger.output
    assert _run(endpoint, "logout").exit_code == 0
    signed_out = _run(endpoint, "accounts", "refer", "A-1", "--area", "retention")
    assert signed_out.exit_code == 1 and "arrears login" in signed_out.output


def test_a_settlement_beyond_the_operators_level_is_approved_by_a_supervisor_from_the_cli(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    _roster(endpoint)
    _login(endpoint, "ana")

    asked = _run(
        endpoint, "accounts", "settle", "A-1", "--discount-pct", "30", "--pay-by", "2026-03-20",
        "--on", "2026-03-02",  "--request-id", "settle-A-1-0001",
    )  # fmt: skip
    pending = json.loads(_run(endpoint, "approvals", "list", "--json").stdout)
    pending_table = runner.invoke(
        app, ["approvals", "list", "--endpoint-url", endpoint.endpoint_url], env=WIDE
    ).stdout
    _login(endpoint, "sam")
    approved = _run(endpoint, "approvals", "approve", "settle-A-1-0001", "--note", "hardship")

    assert asked.exit_code == 0 and json.loads(asked.stdout)["status"] == "pending_approval"
    assert [(p["approval_id"], p["operator"], p["action"]) for p in pending] == [
        ("settle-A-1-0001", "ana", "settlement")
    ]
    assert "30% off today's balance of USD 1,500.00" in pending_table
    assert approved.exit_code == 0, approved.output
    account = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)
    # agreed: 1,050.00 to pay; nothing forgiven before it arrives
    assert account["balance"] == 150000 and account["arrangement"]["instalments"][0]["amount"] == 105000
    assert json.loads(_run(endpoint, "approvals", "list", "--json").stdout) == []


def test_on_demand_review_and_trace_then_the_bureau_report_and_the_executions_list(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        HEADER.strip() + ",credit_limit\n"
        "CARD-1,open-end,USD,1500.00,100.00,2025-11-20,en-US,America/New_York,US,5000.00\n"
        "CARD-NOHIT,open-end,USD,900.00,0,,en-US,America/New_York,US,2000.00\n"
    )
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-01").exit_code == 0

    _roster(endpoint)
    _login(endpoint, "ana")
    reviewed = _run(endpoint, "accounts", "review", "CARD-1", "--on", "2026-03-01", "--json")
    traced = _run(endpoint, "accounts", "trace", "CARD-NOHIT", "--on", "2026-03-01", "--json")
    marked = _run(endpoint, "accounts", "unreachable", "CARD-1", "--on", "2026-03-02")

    assert reviewed.exit_code == 0, reviewed.output
    assert json.loads(reviewed.stdout)["name"] == "credit-review-CARD-1-2026-03-01"
    assert json.loads(traced.stdout)["status"] == "SUCCEEDED"
    assert marked.exit_code == 0 and "skip" in marked.output
    card = json.loads(_run(endpoint, "accounts", "show", "CARD-1", "--json").stdout)
    assert card["credit_limit"] == 0  # 101 DPD: the line is revoked

    report = json.loads(
        _run(endpoint, "report", "bureau", "--from", "2026-03-01", "--to", "2026-03-31", "--json").stdout
    )
    assert {(r["provider"], r["purpose"], r["pulls"], r["cost"]) for r in report} == {
        ("bureau-soft", "account_review", 1, "0.45"),
        ("locate-basic", "collection", 1, "0.25"),  # no hit: the waterfall went on
        ("locate-plus", "collection", 1, "1.10"),
    }
    listed = json.loads(_run(endpoint, "executions", "list", "--json").stdout)
    assert json.loads(_run(endpoint, "executions", "list", "--since", "2999-01-01", "--json").stdout) == []
    assert {r["workflow"] for r in listed} == {"cycle", "credit-review", "skiptrace"}
    again = _run(endpoint, "accounts", "review", "CARD-1", "--on", "2026-03-01", "--json")
    assert again.exit_code == 0 and "already ran today" in again.output


def test_from_a_failed_execution_to_its_account_to_the_timeline_in_three_commands(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(HEADER + "SKIP-OUTAGE,open-end,USD,900.00,90.00,2026-01-05,en-US,America/New_York,US\n")
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    _roster(endpoint)
    _login(endpoint, "ana")
    assert _run(endpoint, "accounts", "trace", "SKIP-OUTAGE", "--on", "2026-03-01").exit_code == 1  # outage

    failed = json.loads(_run(endpoint, "executions", "list", "--status", "FAILED", "--json").stdout)
    shown = json.loads(_run(endpoint, "executions", "show", failed[0]["name"], "--json").stdout)
    story = json.loads(_run(endpoint, "accounts", "timeline", shown["account_id"], "--json").stdout)

    assert [(f["workflow"], f["name"]) for f in failed] == [("skiptrace", "skiptrace-SKIP-OUTAGE-2026-03-01")]
    assert shown["failed_state"]["error"] == "ProviderUnavailable" and shown["account_id"] == "SKIP-OUTAGE"
    tasks = [row["detail"] for row in story if row["kind"] == "task"]
    assert tasks == [
        {"task": "review_skiptrace", "reason": "ProviderUnavailable", "cause": tasks[0]["cause"]}
    ]
    assert "unavailable" in tasks[0]["cause"]
    assert {"skiptrace"} <= {row["kind"] for row in story}


def test_personal_data_shows_only_to_an_operator_whose_level_allows_it(endpoint, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        HEADER.strip()
        + ",name,email,email_consent\n"
        + ROW.strip()
        + ",Maria Lopez,maria.lopez@example.com,yes\n"
    )
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0
    _roster(endpoint)

    anyone = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)
    _login(endpoint, "ana")
    junior_asks = _run(endpoint, "accounts", "show", "A-1", "--json", "--personal-data")
    _login(endpoint, "sam")
    supervisor = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json", "--personal-data").stdout)
    listed = _run(endpoint, "accounts", "list", "--format", "csv").stdout

    # the tables hold the customer's id and reach; the values come from the API, by level
    assert (anyone["customer_id"], anyone["reach"]) == ("A-1", ["email"]) and "customer" not in anyone
    assert "maria" not in json.dumps(anyone) and "maria" not in listed
    junior = json.loads(junior_asks.stdout)["customer"]
    assert junior["name"] == "•••" and [p["value"] for p in junior["points"]] == ["m•••@e•••.com"]
    assert "does not see personal data" in junior_asks.output and "maria" not in junior_asks.output
    shown = supervisor["customer"]
    assert shown["name"] == "Maria Lopez" and [p["value"] for p in shown["points"]] == [
        "maria.lopez@example.com"
    ]
    reads = [t for t in supervisor["timeline"] if t["kind"] == "operator_action"]
    assert sorted((r["actor"], r["detail"]["response"]["status"]) for r in reads) == [
        ("ana", "read_masked"), ("sam", "read")
    ]  # fmt: skip
    assert "maria" not in json.dumps(reads)


def test_an_adjustment_from_the_cli_corrects_the_dues_a_large_one_waits_and_a_re_age_is_refused_by_rule(
    endpoint, tmp_path
):
    _imported(endpoint, tmp_path)
    _roster(endpoint)
    _login(endpoint, "ana")

    done = _run(
        endpoint, "accounts", "adjust", "A-1", "--amount", "-25.00", "--reason", "late fee charged in error",
        "--on", "2026-03-02",
    )  # fmt: skip
    large = _run(
        endpoint, "accounts", "adjust", "A-1", "--amount", "-80.00", "--reason", "rate applied in error",
        "--on", "2026-03-02", "--request-id", "adjust-A-1-0002",
    )  # fmt: skip
    pending_table = runner.invoke(
        app, ["approvals", "list", "--endpoint-url", endpoint.endpoint_url], env=WIDE
    ).stdout
    _login(endpoint, "sam")
    reage = _run(
        endpoint, "accounts", "adjust", "A-1", "--amount", "0", "--reason", "hardship plan", "--reage",
        "--on", "2026-03-02",
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["result"]["balance_after"] == "1475.00 USD"
    assert large.exit_code == 0 and json.loads(large.stdout)["status"] == "pending_approval"
    assert "adjustment of" in pending_table and "rate applied in error" in pending_table
    assert reage.exit_code == 1
    assert "reage_three_minimum_payments: 0 consecutive minimum payments" in reage.stderr
    account = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)
    assert account["balance"] == 147500 and account["notices"][0]["code"] == "corrected_statement"
