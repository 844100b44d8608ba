"""DESIGN.md, Privacy: no name, address, phone or email outside the sealed fields of the Customers
table. A simulation is run through the CLI as an operator runs it, with every line it leaves behind
captured, and every place is searched for the made-up people it was run with:

- the Lambda handlers' stdout (Powertools logs and EMF metrics), the Powertools logger wherever its
  stream points, Python logging at the level the Lambda runtime emits, and the process's stdout and
  stderr;
- every handler's response that Powertools Tracer records in X-Ray (all but the functions that set
  POWERTOOLS_TRACER_CAPTURE_RESPONSE=false: the operator function, whose answers may carry personal
  data for a level that sees it);
- every execution of every state machine: its input and output and every event of its history.
  moto runs a Distributed Map's children inside their parent and lists none of them (AWS lists them
  by map run); what their histories would hold, each Task's input and output, is the event and the
  response of the Lambda function the Task invoked, searched too;
- every item of every DynamoDB table of the stack, read through the API (Scan);
- every object of the stack's buckets but the letters' (a letter and the print manifest are the mail
  itself, stored under the personal-data key);
- the CLI's own output: what it printed, and summary.json and report.html.

The values looked for are the synthetic customers' names, street lines, emails and phones (E.164,
national and international forms, and the bare national number), and the contact candidates the
skip-trace provider returned, each as written and as JSON escapes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
import pytest

from tests.cli.conftest import free_port
from tests.conftest import TEST_PARAMETERS

# A book whose run has a letter come back, an email bounce, a skip-trace and a credit review
ACCOUNTS, DAYS, SEED, START = 20, 12, 61, date(2026, 1, 1)
# Street lines shorter than this ("Apt. 12") are not telling on their own and could be anything.
SHORTEST_LINE = 8


@pytest.fixture(scope="module")
def served():
    """The stack behind a port, as `arrears local up` serves it, with its HTTP API for the
    processors' webhooks and the operators' routes."""
    from localcloud import LocalCloud
    from localcloud.webhook_server import WebhookServer

    with LocalCloud(stack_name="arrears-privacy", port=free_port(), parameters=TEST_PARAMETERS) as cloud:
        http_api = WebhookServer(cloud.handle_http, port=0).start()
        try:
            yield cloud, {**cloud.describe(), "webhook_url": http_api.url}
        finally:
            http_api.stop()


# ---------------------------------------------------------------- what is looked for


def _forms(value: str) -> set[str]:
    """A value as it may be written: as is, NFC and NFD, and JSON-escaped once and twice (a JSON
    document inside a JSON string, as an execution input is in its history). Compared lower-cased."""
    found = set()
    for text in {value, unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value)}:
        once = json.dumps(text)[1:-1]
        found |= {text, once, json.dumps(once)[1:-1]}
    return {f.lower() for f in found}


def _phone_forms(raw: str, country: str) -> set[str]:
    number = phonenumbers.parse(raw, country)
    formats = (
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    )
    written = {raw, phonenumbers.national_significant_number(number)}
    written |= {phonenumbers.format_number(number, f) for f in formats}
    return set().union(*(_forms(w) for w in written))


def personal_values(records: list[dict]) -> dict[str, set[str]]:
    """What is personal in the import rows, by a label that says whose and what (not the value)."""
    needles: dict[str, set[str]] = {}
    for row in records:
        whose = row["account_id"]
        if row.get("name"):
            needles[f"name of {whose}"] = _forms(row["name"])
        for n in (1, 2, 3):
            line = row.get(f"address_line{n}")
            if line and len(line) >= SHORTEST_LINE:
                needles[f"address line {n} of {whose}"] = _forms(line)
        if row.get("email"):
            needles[f"email of {whose}"] = _forms(row["email"])
        if row.get("phone"):
            needles[f"phone of {whose}"] = _phone_forms(row["phone"], row["jurisdiction"])
    return needles


# ---------------------------------------------------------------- where it is looked for


@dataclass
class Captured:
    lambda_stdout: io.StringIO = field(default_factory=io.StringIO)
    powertools_logger: io.StringIO = field(default_factory=io.StringIO)
    python_logging: io.StringIO = field(default_factory=io.StringIO)
    invocations: list[tuple[str, str, str]] = field(default_factory=list)  # function, event, response
    candidates: list[tuple[str, str, str]] = field(default_factory=list)  # account, kind, value


class _Tee(io.TextIOBase):
    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def everything_captured(cloud, monkeypatch):
    """Every line the run leaves: the handlers' stdout, the Powertools logger (at DEBUG, the most a
    deployment may log), Python logging at WARNING (the Lambda runtime's level), every handler's
    event and response, and what the skip-trace provider answers."""
    from arrears.adapters.observability import logger
    from skiptrace.providers.sandbox import SandboxSkipTrace

    from localcloud.lambda_runtime import LOG_SINK

    seen = Captured()
    before_target, before_level = LOG_SINK.target, logger.log_level
    LOG_SINK.target = seen.lambda_stdout
    logger.setLevel("DEBUG")
    streams = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    for handler in streams:
        monkeypatch.setattr(handler, "stream", _Tee(handler.stream, seen.powertools_logger))
    root = logging.StreamHandler(seen.python_logging)
    root.setLevel(logging.WARNING)
    logging.getLogger().addHandler(root)

    invoke = cloud.runtime.invoke

    def text(data) -> str:
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data or "")

    def recorded(function_name, body, response_headers):
        answer = invoke(function_name, body, response_headers)
        seen.invocations.append((cloud.runtime.spec(function_name).name, text(body), text(answer)))
        return answer

    monkeypatch.setattr(cloud.runtime, "invoke", recorded)
    search = SandboxSkipTrace.search

    def spied(self, account_id, jurisdiction, purpose, request_id=None):
        answer = search(self, account_id, jurisdiction, purpose, request_id)
        seen.candidates += [(account_id, c.kind, str(c.value)) for c in answer.candidates if c.value]
        return answer

    monkeypatch.setattr(SandboxSkipTrace, "search", spied)
    try:
        yield seen
    finally:
        logging.getLogger().removeHandler(root)
        logger.setLevel(before_level)
        LOG_SINK.target = before_target


def invocations_text(awslambda, invocations: list[tuple[str, str, str]]) -> dict[str, str]:
    """Task inputs and outputs (a Step Functions Task's event and response), and the responses X-Ray
    would record: an HTTP request's body is no one's record (the APIs' access logs leave it out)."""
    traced: dict[str, bool] = {}
    tasks, responses = [], []
    for function, event, response in invocations:
        if function not in traced:
            variables = awslambda.get_function_configuration(FunctionName=function).get("Environment", {})
            capture = variables.get("Variables", {}).get("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "true")
            traced[function] = capture.lower() != "false"
        if '"requestContext"' not in event:
            tasks.append(f"{event}\n{response}")
        if traced[function]:
            responses.append(response)
    return {
        "Task inputs and outputs (Lambda events and responses)": "\n".join(tasks),
        "handler responses X-Ray records": "\n".join(responses),
    }


def executions_text(sfn) -> dict[str, str]:
    """Every execution of every state machine: its description and history, as JSON."""
    found: dict[str, str] = {}

    def read(arn: str) -> None:
        described = sfn.describe_execution(executionArn=arn)
        events = [
            event
            for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
            for event in page["events"]
        ]
        runs = sfn.list_map_runs(executionArn=arn).get("mapRuns", [])
        runs = [sfn.describe_map_run(mapRunArn=run["mapRunArn"]) for run in runs]
        found[f"execution {arn.rsplit(':', 2)[-2]}/{described['name']}"] = json.dumps(
            [described, events, runs], default=str, ensure_ascii=False
        )

    for machine in sfn.list_state_machines()["stateMachines"]:
        paginator = sfn.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=machine["stateMachineArn"]):
            for execution in page["executions"]:
                read(execution["executionArn"])
    return found


def failed_executions(cloud) -> list[str]:
    """Why each execution that did not succeed ended, in a line: what a failed run says first."""
    from arrears_cli import executions
    from arrears_cli.stackref import StackRef

    stack = StackRef.from_outputs(cloud.stack.outputs, cloud.region, cloud.endpoint_url)
    sfn = cloud.client("stepfunctions")
    return [
        executions.show(stack, run["executionArn"])["root_cause"]
        for machine in sfn.list_state_machines()["stateMachines"]
        for run in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
        if run["status"] != "SUCCEEDED"
    ]


def tables_text(dynamodb, tables: dict[str, str]) -> dict[str, str]:
    found = {}
    for logical, name in tables.items():
        items = [
            item for page in dynamodb.get_paginator("scan").paginate(TableName=name) for item in page["Items"]
        ]
        found[f"table {logical}"] = json.dumps(items, default=str, ensure_ascii=False)
    return found


def buckets_text(s3, buckets: dict[str, str]) -> dict[str, str]:
    found = {}
    for logical, name in buckets.items():
        if logical == "LettersBucket":  # the mail itself: letters and the print manifest
            continue
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for entry in page.get("Contents", []):
                body = s3.get_object(Bucket=name, Key=entry["Key"])["Body"].read()
                found[f"object {logical}/{entry['Key']}"] = body.decode("utf-8", "replace")
    return found


def leaks(places: dict[str, str], needles: dict[str, set[str]]) -> list[str]:
    """`what` found in `where`, one line each; empty when nothing personal is anywhere."""
    lowered = {where: text.lower() for where, text in places.items()}
    return sorted(
        f"{what} in {where}"
        for where, text in lowered.items()
        for what, forms in needles.items()
        if any(form in text for form in forms)
    )


# ---------------------------------------------------------------- the run


@pytest.mark.slow
def test_a_simulation_leaves_no_personal_data_in_logs_executions_or_tables(
    served, tmp_path, monkeypatch, capfd
):
    from typer.testing import CliRunner

    from arrears_cli.main import app
    from arrears_cli.synthetic import generate

    cloud, described = served
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)
    monkeypatch.setenv("ARREARS_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / ".arrears").mkdir()
    (tmp_path / ".arrears" / "local.json").write_text(json.dumps(described))
    # Given the made-up people the simulation imports (the same seed makes the same people)
    records, people = generate(ACCOUNTS, SEED, START)
    needles = personal_values(records)
    assert any(p.moved_away for p in people) and any(p.dead_mailbox for p in people)

    # When the simulation runs through the CLI, every line of it captured
    with everything_captured(cloud, monkeypatch) as seen:
        ran = CliRunner().invoke(
            app,
            ["simulate", "--accounts", str(ACCOUNTS), "--days", str(DAYS), "--seed", str(SEED),
             "--start", START.isoformat(), "--out", str(tmp_path / "sim"), "--json",
             "--endpoint-url", cloud.endpoint_url],
        )  # fmt: skip
    process = capfd.readouterr()

    # Then the run did what it stands for: every day's cycle, letters, mail that came back, a bounce
    assert ran.exit_code == 0, failed_executions(cloud) or ran.output[-2000:]
    summary = json.loads(ran.stdout)
    assert summary["executions"] == {"SUCCEEDED": DAYS}
    mail = summary["mail"]  # each returned letter is marked: a second may be on its way back
    assert mail["returned_mail"] >= 1 and mail["bounced"] >= 1 and mail["unreachable"] == 1
    assert sum(summary["letters"].values()) >= 5
    assert summary["bureau"]["executions"]["skiptrace"].get("SUCCEEDED", 0) >= 1
    # and the capture saw what it should: log lines, EMF metrics, every handler's answer
    assert '"_aws":' in seen.lambda_stdout.getvalue()
    assert '"level":"INFO"' in seen.powertools_logger.getvalue() + seen.lambda_stdout.getvalue()
    assert len(seen.invocations) > DAYS * 8
    operator = cloud.stack.functions["OperatorApiFunction"].name  # the collector's marks went through it
    assert any(function == operator for function, _, _ in seen.invocations)

    # and none of the people is anywhere but in the sealed fields
    needles |= {
        f"skip-trace {kind} candidate for {account}": _forms(value)
        for account, kind, value in seen.candidates
    }
    places = {
        "the handlers' stdout (Powertools logs, EMF metrics)": seen.lambda_stdout.getvalue(),
        "the Powertools logger": seen.powertools_logger.getvalue(),
        "Python logging (WARNING and above)": seen.python_logging.getvalue(),
        **invocations_text(cloud.client("lambda"), seen.invocations),
        "the CLI's stdout": ran.stdout,
        "the CLI's stderr": ran.stderr,
        "the process's stdout": process.out,
        "the process's stderr": process.err,
        "summary.json": (tmp_path / "sim" / "summary.json").read_text(),
        "report.html": (tmp_path / "sim" / "report.html").read_text(),
        **executions_text(cloud.client("stepfunctions")),
        **tables_text(cloud.client("dynamodb"), cloud.stack.tables),
        **buckets_text(cloud.client("s3"), cloud.stack.buckets),
    }
    assert {"table CustomersTable", "table ActivityTable", "table AccountsTable"} <= set(places)
    assert leaks(places, needles) == []


def test_the_search_finds_a_value_in_each_form_it_may_be_written_in():
    """The search itself: a name escaped inside a JSON string, a phone in its national form."""
    needles = personal_values(
        [{"account_id": "A-1", "jurisdiction": "US", "name": "José Núñez", "phone": "+13125550142"}]
    )
    inside = json.dumps({"input": json.dumps({"to": "José Núñez"})})

    assert leaks({"history": inside}, needles) == ["name of A-1 in history"]
    assert leaks({"log": "call (312) 555-0142"}, needles) == ["phone of A-1 in log"]
    assert leaks({"log": "ACC-1 paid 3125.50"}, needles) == []
