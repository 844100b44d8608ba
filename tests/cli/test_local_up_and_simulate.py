"""`arrears local up` as a user runs it, and `arrears simulate` end to end."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import typer

from tests.cli.conftest import clean_env, free_port, overrides

BIN = Path(sys.executable).parent


def _command(
    tool: str, *args: str, cwd: Path | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """A command as a user types it in a fresh shell; fails the test with its stderr if it fails."""
    done = subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done


def _wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        time.sleep(0.2)
    raise TimeoutError(f"{path} never appeared")


def _balance(account_id: str, endpoint: str, cwd: Path) -> int:
    shown = _command("arrears", "accounts", "show", account_id, "--json", "--endpoint-url", endpoint, cwd=cwd)
    return json.loads(shown.stdout)["balance"]


@pytest.mark.slow
def test_local_up_serves_the_aws_cli_and_answers_on_the_webhook_port(tmp_path, monkeypatch):
    monkeypatch.setenv("ARREARS_CONFIG_DIR", str(tmp_path / "config"))  # this test's sessions only
    port, webhook_port = free_port(), free_port()
    up = [
        "local",
        "up",
        "--port",
        str(port),
        "--webhook-port",
        str(webhook_port),
        "--accounts",
        "20",
        "--seed",
        "3",
        "--start",
        "2026-03-01",
        *overrides(),
    ]
    process = subprocess.Popen(
        [str(BIN / "arrears"), *up],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        local = _wait_for(tmp_path / ".arrears" / "local.json", process)
        endpoint = local["endpoint_url"]
        assert endpoint == f"http://127.0.0.1:{port}"
        assert set(local["tables"]) == {
            "AccountsTable",
            "ActivityTable",
            "CustomersTable",
            "IdempotencyTable",
        }

        ran = _command(
            "arrears",
            "cycle",
            "run",
            "--as-of",
            "2026-03-02",  # a Monday: the ladder's calls (and the skip-traces they ask for) wait for one
            "--endpoint-url",
            endpoint,
            "--json",
            cwd=tmp_path,
        )
        assert json.loads(ran.stdout)["output"]["evaluated_accounts"] == 20

        arn = local["state_machines"]["CollectionCycleStateMachine"]
        listed = _command(
            "aws",
            "--endpoint-url",
            endpoint,
            "stepfunctions",
            "list-executions",
            "--state-machine-arn",
            arn,
            "--output",
            "json",
        )
        assert [e["status"] for e in json.loads(listed.stdout)["executions"]] == ["SUCCEEDED"]

        # the simulator, run in the running cloud: every day through the real workflow (seed 7 is
        # the demo's: its book starts with accounts several dues behind)
        simulated = _command(
            "arrears", "simulate", "--accounts", "24", "--days", "10", "--seed", "7", "--start", "2026-03-01",
            "--portfolio", "sim", "--out", str(tmp_path / "sim"), "--json", "--endpoint-url", endpoint,
            cwd=tmp_path, timeout=600,
        )  # fmt: skip
        summary = json.loads(simulated.stdout)  # --json: nothing but JSON on stdout
        assert summary["executions"] == {"SUCCEEDED": 11}  # its days and the run above
        assert summary["seed"] == 7  # the seed asked for, as the report heads it
        _holds_what_a_simulation_promises(summary, tmp_path / "sim", days=10, accounts=24)
        shown = _command(
            "arrears", "accounts", "list", "--portfolio", "sim", "--json", "--endpoint-url", endpoint,
            cwd=tmp_path,
        )  # fmt: skip
        assert len(json.loads(shown.stdout)) == 24  # the simulation's state stays in the running cloud
        # the independent compliance check agreed: the summary carries its findings (none)

        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(f"http://127.0.0.1:{webhook_port}/webhooks/stripe", data=b"{}", timeout=10)
        assert answered.value.code == 401  # unsigned: refused before anything is read or written
        assert set(local["webhooks"]) == {"stripe", "adyen", "standard"}
        assert local["webhook_url"] == f"http://127.0.0.1:{webhook_port}"

        account = next(a for a in json.loads(shown.stdout) if a["currency"] == "USD")
        sent = _command(
            "arrears", "webhooks", "send", "--provider", "stripe", "--account", account["account_id"],
            "--amount", "12.34", "--currency", "USD", "--json", cwd=tmp_path,
        )  # fmt: skip
        assert "applied to " + account["account_id"] in sent.stderr
        assert json.loads(sent.stdout)["outcomes"][0]["outcome"] == "applied"
        assert _balance(account["account_id"], endpoint, tmp_path) == account["balance"] - 1234

        for provider, ref, currency in (
            ("adyen", "NO-SUCH", "USD"),
            ("standard", account["account_id"], "KWD"),
        ):
            _command(
                "arrears", "webhooks", "send", "--provider", provider, "--account", ref,
                "--amount", "7.5", "--currency", currency, cwd=tmp_path,
            )  # fmt: skip
        held = json.loads(
            _command(
                "arrears", "report", "suspense", "--json", "--endpoint-url", endpoint, cwd=tmp_path
            ).stdout
        )
        assert {(r["provider"], r["reason"], r["amount"], r["currency"]) for r in held} == {
            ("adyen", "unknown_account", "7.50", "USD"),
            ("standard", "currency_mismatch", "7.500", "KWD"),
        }
        adyen = next(r for r in held if r["provider"] == "adyen")
        # posting money held in suspense is an operator's act: a signed-in one
        _command(
            "arrears", "operators", "add", "ana", "--level", "specialist_5",
            "--password", "Operator-Test-2026!", "--endpoint-url", endpoint, cwd=tmp_path,
        )  # fmt: skip
        _command(
            "arrears", "login", "--username", "ana", "--password", "Operator-Test-2026!",
            "--endpoint-url", endpoint, cwd=tmp_path,
        )  # fmt: skip
        _command(
            "arrears", "suspense", "assign", "adyen", adyen["payment_id"], "--account", account["account_id"],
            "--endpoint-url", endpoint, cwd=tmp_path,
        )  # fmt: skip
        assert _balance(account["account_id"], endpoint, tmp_path) == account["balance"] - 1234 - 750
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _holds_what_a_simulation_promises(summary: dict, out, days: int, accounts: int) -> None:
    assert summary["ledger_invariant_ok"] is True and summary["census_invariant_ok"] is True
    assert summary["compliance_violations"] == []  # the independent checker agrees with the guardrail
    assert any(key.startswith("es:") for key in summary["letters"]) and any(
        k.startswith("en:") for k in summary["letters"]
    )
    moves = summary["transitions"]
    assert any(k.startswith("current->") for k in moves) and any(k.endswith("->current") for k in moves)
    assert len(summary["per_day"]) == days and summary["payments"]["count"] > 0
    assert sum(summary["per_day"][-1]["accounts_by_bucket"].values()) == accounts
    assert (out / "summary.json").exists() and "<svg" in (out / "report.html").read_text()
    # the cycle handed accounts to the skip-trace workflow (a 60-DPD credit review needs a longer
    # run; tests/workflows/test_bureau_triggers.py starts both workflows from the cycle)
    bureau = summary["bureau"]
    traces = bureau["executions"]["skiptrace"]
    assert set(traces) == {"SUCCEEDED"} and traces["SUCCEEDED"] > 0  # every trace ran to its end
    assert bureau["pulls"] > 0 and bureau["pulls_without_purpose"] == 0


def test_a_parameter_the_template_would_refuse_is_a_usage_error_and_starts_nothing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from arrears_cli.main import app

    monkeypatch.chdir(tmp_path)  # refused before the local cloud starts: safe beside this worker's own
    done = CliRunner().invoke(
        app,
        ["simulate", "--days", "1", "--parameter-overrides", "CollectibleShards=0"],
        env={"COLUMNS": "300"},
    )
    assert done.exit_code == 2 and "CollectibleShards must be between 1 and 1000, not 0" in done.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("pair", ["CollectibleShards", "=4", "CollectibleShards=", " = "])
def test_an_override_that_is_not_key_equals_value_is_refused(pair):
    from arrears_cli.commands.local import _overrides

    with pytest.raises(typer.BadParameter, match="expected KEY=VALUE"):
        _overrides([pair])
    assert _overrides(["CollectibleShards=4", "LogLevel = DEBUG"]) == {
        "CollectibleShards": "4",
        "LogLevel": "DEBUG",
    }
