"""What a team lead sees: the roster, a stored letter, a webhook's outcome, a stack that is not there."""

from __future__ import annotations

import json
import webbrowser
from datetime import date, timedelta
from pathlib import Path

from arrears.store import accounts_repo
from arrears.store.letters_repo import letter_sk
from arrears.store.models import ActivityModel
from typer.testing import CliRunner

from arrears_cli.commands.local import exports
from arrears_cli.main import app
from arrears_cli.stackref import publish_description
from tests.operators import stack_of
from tests.people import NAME, STREET, give_customer

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
HEADER = (
    "account_id,product_type,currency,balance,amount_past_due,oldest_due_date,locale,time_zone,jurisdiction\n"
)
ROW = "A-1,open-end,USD,1500.00,100.00,2026-02-05,en-US,America/New_York,US\n"
PASSWORD = "Operator-Test-2026!"


def _run(endpoint, *args, **kwargs):
    return runner.invoke(app, [*args, "--endpoint-url", endpoint.endpoint_url], **kwargs)


def _imported(endpoint, tmp_path) -> None:
    path = tmp_path / "book.csv"
    path.write_text(HEADER + ROW)
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-01").exit_code == 0


# a. the roster


def test_the_roster_lists_each_operator_with_level_name_and_whether_enabled(endpoint):
    for username, level, name in (("ana", "specialist_3", "Ana Ruiz"), ("sam", "supervisor", "Sam Cole")):
        added = _run(
            endpoint, "operators", "add", username, "--level", level, "--name", name, "--password", PASSWORD
        )
        assert added.exit_code == 0, added.output
    assert _run(endpoint, "operators", "disable", "ana").exit_code == 0

    table = _run(endpoint, "operators", "list", env=WIDE).stdout
    listed = json.loads(_run(endpoint, "operators", "list", "--json").stdout)

    lines = {
        line.split()[1]: line for line in table.splitlines() if "specialist_3" in line or "supervisor" in line
    }
    assert "Ana Ruiz" in lines["ana"] and "specialist_3" in lines["ana"] and " no " in lines["ana"]
    assert "Sam Cole" in lines["sam"] and "supervisor" in lines["sam"] and " yes " in lines["sam"]
    assert [(o["username"], o["level"], o["name"], o["enabled"]) for o in listed] == [
        ("ana", "specialist_3", "Ana Ruiz", False),
        ("sam", "supervisor", "Sam Cole", True),
    ]


def test_an_empty_roster_says_how_to_add_someone(endpoint):
    result = _run(endpoint, "operators", "list")
    assert result.exit_code == 0 and "arrears operators add" in result.stderr


# b. letters


def _signed_in(endpoint, level: str = "specialist_4") -> None:
    """An operator of `level` signed in: letters come through the operators' API at their level."""
    username = level.replace("_", "")
    added = _run(endpoint, "operators", "add", username, "--level", level, "--password", PASSWORD)
    assert added.exit_code == 0, added.output
    assert _run(endpoint, "login", "--username", username, "--password", PASSWORD).exit_code == 0


def _customer(endpoint) -> None:
    give_customer(stack_of(endpoint), "A-1")  # Rosalind Okonkwo-Vance, 4417 Calle Ocotillo, Tucson


def _cycled(endpoint, tmp_path) -> None:
    """A-1 is 17 days past due on Monday 2026-03-02: its strategy's second reminder goes by post."""
    path = tmp_path / "book.csv"
    path.write_text(HEADER + ROW.replace("2026-02-05", "2026-02-13"))
    assert _run(endpoint, "accounts", "import", str(path), "--as-of", "2026-03-02").exit_code == 0
    _customer(endpoint)
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-02", "--json").exit_code == 0


def test_letters_show_prints_the_latest_stored_letter_with_its_addressee(endpoint, tmp_path):
    _cycled(endpoint, tmp_path)
    _signed_in(endpoint)

    shown = _run(endpoint, "letters", "show", "A-1")

    assert shown.exit_code == 0, shown.output
    assert "<html" in shown.stdout.lower() and "$100.00" in shown.stdout
    assert NAME in shown.stdout and STREET in shown.stdout
    assert shown.stderr.strip() == "A-1: second_reminder of 2026-03-02 (letter)"
    (read,) = [i.detail for i in accounts_repo.timeline("A-1", kind="operator_action")]
    assert (read["action"], read["username"], read["response"]["result"]["personal_data"]) == (
        "letter_show", "specialist4", "shown",
    )  # fmt: skip
    assert NAME not in json.dumps(read) and STREET not in json.dumps(read)  # what was seen, not the values


def test_letters_show_without_a_code_shows_the_letter_sent_last_not_the_last_by_key(endpoint, tmp_path):
    # Given the second reminder of the cycle, and a final demand of the same episode sent three days
    # after it (by key, "final_demand" sorts before "second_reminder")
    _cycled(endpoint, tmp_path)
    _signed_in(endpoint)
    (reminder,) = accounts_repo.timeline("A-1", kind="letter")
    episode_on = date.fromisoformat(reminder.sk.split("#")[0])
    sent = (
        date.fromisoformat(reminder.detail.get("sent_on") or reminder.occurred_on) + timedelta(3)
    ).isoformat()
    later = {**reminder.detail, "code": "final_demand", "trigger": "final_demand", "sent_on": sent}
    accounts_repo.put_activity(
        ActivityModel(
            "A-1", letter_sk(episode_on, "final_demand"), kind="letter", occurred_on=sent,
            actor="collection_cycle", status="printed", detail=later,
        ),
        once=True,
    )  # fmt: skip

    shown = _run(endpoint, "letters", "show", "A-1")

    # Then the latest is the one sent last
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.strip() == f"A-1: final_demand of {sent} (letter)"


def test_a_level_that_does_not_see_personal_data_gets_the_letter_with_the_addressee_masked(
    endpoint, tmp_path
):
    _cycled(endpoint, tmp_path)
    _signed_in(endpoint, "specialist_3")

    shown = _run(endpoint, "letters", "show", "A-1")
    previewed = _run(endpoint, "letters", "preview", "A-1", "--code", "final_demand", "--on", "2026-03-20")

    for result in (shown, previewed):
        assert result.exit_code == 0, result.output
        assert "$100.00" in result.stdout and "Arrears Card Services" in result.stdout  # the letter
        for value in (NAME, "Okonkwo", STREET, "Ocotillo", "85711"):
            assert value not in result.stdout  # and not its addressee
        assert "addressee masked" in result.stderr
    # each read is audited with what was seen, never the values
    reads = [
        i.detail for i in accounts_repo.timeline("A-1", kind="operator_action")
        if i.detail["action"] in ("letter_show", "letter_preview")
    ]  # fmt: skip
    assert sorted((r["action"], r["response"]["result"]["personal_data"], r["level"]) for r in reads) == [
        ("letter_preview", "masked", "specialist_3"), ("letter_show", "masked", "specialist_3"),
    ]  # fmt: skip
    assert NAME not in json.dumps(reads) and STREET not in json.dumps(reads)


def test_letters_need_a_signed_in_operator(endpoint, tmp_path):
    _cycled(endpoint, tmp_path)
    refused = _run(endpoint, "letters", "show", "A-1")
    assert refused.exit_code == 1 and "arrears login" in refused.output and "Okonkwo" not in refused.output


def test_letters_show_opens_the_letter_in_a_browser(endpoint, tmp_path, monkeypatch):
    _cycled(endpoint, tmp_path)
    _signed_in(endpoint)
    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)

    shown = _run(endpoint, "letters", "show", "A-1", "--open")

    assert shown.exit_code == 0, shown.output
    assert shown.stdout == "" and "opened from" in shown.stderr
    assert opened[0].startswith("file://") and "<html" in Path(opened[0].removeprefix("file://")).read_text()


def test_letters_preview_renders_the_letter_as_of_the_day_asked_and_sends_nothing(endpoint, tmp_path):
    # Given A-1 imported on 1 March with USD 100.00 due since 5 February, and no cycle run
    _imported(endpoint, tmp_path)
    _customer(endpoint)
    _signed_in(endpoint)

    final = _run(endpoint, "letters", "preview", "A-1", "--code", "final_demand", "--on", "2026-03-20")

    # then the final demand of 20 March states the amount and the days past due of that day
    assert final.exit_code == 0, final.output
    assert "is 43 days past due" in final.stdout  # 5 February to 20 March
    assert "Past-due amount" in final.stdout and "$100.00" in final.stdout
    assert "contact us by April 19, 2026" in final.stdout  # 30 days to answer from the day it is sent
    assert NAME in final.stdout and "Tucson, AZ 85711" in final.stdout  # addressed as it would be
    assert (
        final.stderr.strip()
        == "A-1: final_demand as it would be sent on 2026-03-20 (a preview: nothing sent)"
    )
    # and nothing was sent or stored
    assert _run(endpoint, "letters", "show", "A-1").exit_code == 1
    # a letter owed by an event is previewed only while it is owed; an unknown code says the codes
    owed = _run(endpoint, "letters", "preview", "A-1", "--code", "promise_confirmation", "--on", "2026-03-20")
    assert owed.exit_code == 1 and "is owed no promise_confirmation now" in owed.stderr
    unknown = _run(endpoint, "letters", "preview", "A-1", "--code", "nope")
    assert unknown.exit_code == 1 and "final_demand" in unknown.stderr


def test_a_preview_for_an_account_without_a_customer_says_there_is_no_one_to_address(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    _signed_in(endpoint)
    nobody = _run(endpoint, "letters", "preview", "A-1", "--code", "final_demand", "--on", "2026-03-20")
    assert nobody.exit_code == 1 and "A-1 has no customer on record" in nobody.stderr


def test_letters_show_without_a_letter_is_one_clear_line(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    _signed_in(endpoint)
    none = _run(endpoint, "letters", "show", "A-1")
    assert none.exit_code == 1 and none.stderr.strip() == "invalid: A-1 has no stored letter"
    assert _run(endpoint, "letters", "show", "A-1", "--code", "second_reminder").exit_code == 1


def test_letters_show_of_a_code_it_was_not_sent_names_the_ones_it_was(endpoint, tmp_path):
    _cycled(endpoint, tmp_path)
    _signed_in(endpoint)
    other = _run(endpoint, "letters", "show", "A-1", "--code", "no_such_letter")
    assert other.exit_code == 1 and "A-1 has no stored letter 'no_such_letter' (it has: " in other.stderr
    assert "Traceback" not in other.output


# c. webhooks send


def test_every_provider_takes_at_and_says_what_became_of_the_payment(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    for provider in ("stripe", "adyen", "standard"):
        sent = runner.invoke(
            app,
            ["webhooks", "send", "--provider", provider, "--account", "A-1", "--amount", "1.00",
             "--at", "2026-03-02T10:00:00-05:00"],
        )  # fmt: skip
        assert sent.exit_code == 0, (provider, sent.output)
        said = [line for line in sent.stderr.splitlines() if line.startswith("payment ")]
        assert len(said) == 1, (provider, sent.stderr)
        expected = "accepted by the adyen endpoint" if provider == "adyen" else "applied to A-1"
        assert expected in said[0] and sent.stdout == ""
    shown = json.loads(_run(endpoint, "accounts", "show", "A-1", "--json").stdout)
    assert shown["balance"] == 150000 - 300  # all three applied, on the day they say


def test_webhooks_send_json_keeps_the_endpoints_answer_on_stdout(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    sent = runner.invoke(app, ["webhooks", "send", "--provider", "stripe", "--account", "NOPE", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["outcomes"][0]["outcome"] == "suspense"
    assert "kept in suspense (unknown account): no account was changed" in sent.stderr


# e. a stack that is not there, and a stack found from any folder


def test_an_endpoint_that_does_not_answer_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["accounts", "list", "--endpoint-url", "http://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "http://127.0.0.1:1 is not answering: start the local cloud with `arrears local up` "
        "(it prints the endpoint to use)"
    )


def test_without_endpoint_or_region_the_cli_says_how_to_reach_a_stack(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "ARREARS_LOCAL", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = runner.invoke(app, ["accounts", "list"])
    assert result.exit_code == 2
    assert "no stack to talk to" in result.stderr and "arrears local up" in result.stderr
    assert "You must specify a region" not in result.stderr


def test_from_any_folder_the_endpoint_alone_or_arrears_local_finds_the_stack(
    endpoint, served_cloud, tmp_path, monkeypatch
):
    _imported(endpoint, tmp_path)
    publish_description(served_cloud[1], "arrears-cli")  # as `arrears local up` does
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    by_option = runner.invoke(app, ["accounts", "list", "--json", "--endpoint-url", endpoint.endpoint_url])
    monkeypatch.setenv("ARREARS_LOCAL", endpoint.endpoint_url)
    by_variable = runner.invoke(app, ["accounts", "list", "--json"])

    assert by_option.exit_code == 0, by_option.output
    assert [a["account_id"] for a in json.loads(by_option.stdout)] == ["A-1"]
    assert by_variable.exit_code == 0 and json.loads(by_variable.stdout) == json.loads(by_option.stdout)


def test_local_up_names_the_aws_cli_settings_as_export_lines():
    assert exports("http://127.0.0.1:4566", "us-east-1") == [
        "export AWS_ENDPOINT_URL=http://127.0.0.1:4566",
        "export AWS_REGION=us-east-1",
        "export AWS_ACCESS_KEY_ID=testing",
        "export AWS_SECRET_ACCESS_KEY=testing",
        "export ARREARS_LOCAL=http://127.0.0.1:4566",
    ]


# d. executions


def _failed_cycle(endpoint, tmp_path) -> str:
    """A cycle whose shard meets an account it cannot read; the name `executions list` gives it."""
    import boto3

    _imported(endpoint, tmp_path)
    local = json.loads(Path(".arrears/local.json").read_text())
    boto3.client("dynamodb", endpoint_url=endpoint.endpoint_url, region_name="us-east-1").update_item(
        TableName=local["tables"]["AccountsTable"],
        Key={"account_id": {"S": "A-1"}},
        UpdateExpression="SET currency = :bad",
        ExpressionAttributeValues={":bad": {"N": "7"}},
    )
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-01", "--json").exit_code == 1
    listed = json.loads(_run(endpoint, "executions", "list", "--json").stdout)
    assert [(e["workflow"], e["as_of"], e["status"]) for e in listed] == [("cycle", "2026-03-01", "FAILED")]
    return listed[0]["name"]


def test_executions_list_shows_each_cycles_business_date(endpoint, tmp_path):
    _imported(endpoint, tmp_path)
    assert _run(endpoint, "cycle", "run", "--as-of", "2026-03-01", "--json").exit_code == 0
    table = _run(endpoint, "executions", "list", env=WIDE).stdout
    assert "2026-03-01" in next(line for line in table.splitlines() if "SUCCEEDED" in line)


def test_executions_show_opens_with_the_root_cause_of_a_failure(endpoint, tmp_path):
    name = _failed_cycle(endpoint, tmp_path)

    shown = _run(endpoint, "executions", "show", name, env=WIDE)

    first = shown.stderr.splitlines()[0]
    assert first.startswith(f"{name}: FAILED in ")
    assert "InvalidAccountData" in first and "A-1" in first
    assert "1 of 4 shard(s) did not finish; shards: 1 × InvalidAccountData (e.g. main#" in first


def test_executions_show_of_an_unknown_name_is_one_line(endpoint):
    shown = _run(endpoint, "executions", "show", "main-2026-03-01-nope")
    assert shown.exit_code == 1 and "no execution 'main-2026-03-01-nope'" in shown.stderr
