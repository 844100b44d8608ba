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

from tests.cli.conftest import clean_env, free_port

BIN = Path(sys.executable).parent


def _wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        time.sleep(0.2)
    raise TimeoutError(f"{path} never appeared")


def test_local_up_serves_the_aws_cli_and_answers_on_the_webhook_port(tmp_path):
    port, webhook_port = free_port(), free_port()
    env = clean_env()
    process = subprocess.Popen(
        [
            str(BIN / "arrears"),
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
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        local = _wait_for(tmp_path / ".arrears" / "local.json", process)
        assert local["endpoint_url"] == f"http://127.0.0.1:{port}"
        assert set(local["tables"]) == {"AccountsTable", "ActivityTable", "IdempotencyTable"}

        ran = subprocess.run(
            [
                str(BIN / "arrears"),
                "cycle",
                "run",
                "--as-of",
                "2026-03-01",
                "--endpoint-url",
                local["endpoint_url"],
                "--format",
                "json",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["output"]["evaluated_accounts"] == 20

        listed = subprocess.run(
            [
                str(BIN / "aws"),
                "--endpoint-url",
                local["endpoint_url"],
                "stepfunctions",
                "list-executions",
                "--state-machine-arn",
                local["state_machines"]["CollectionCycleStateMachine"],
                "--output",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert listed.returncode == 0, listed.stderr
        assert [e["status"] for e in json.loads(listed.stdout)["executions"]] == ["SUCCEEDED"]

        simulated = subprocess.run(
            [
                str(BIN / "arrears"),
                "simulate",
                "--accounts",
                "10",
                "--days",
                "3",
                "--seed",
                "5",
                "--start",
                "2026-03-01",
                "--portfolio",
                "sim",
                "--out",
                str(tmp_path / "sim"),
                "--json",
                "--endpoint-url",
                local["endpoint_url"],
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert simulated.returncode == 0, simulated.stderr
        assert json.loads(simulated.stdout)["executions"] == {"SUCCEEDED": 4}  # its 3 days and the run above
        shown = subprocess.run(
            [
                str(BIN / "arrears"),
                "accounts",
                "list",
                "--portfolio",
                "sim",
                "--format",
                "json",
                "--endpoint-url",
                local["endpoint_url"],
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert len(json.loads(shown.stdout)) == 10  # the simulation's state stays in the running cloud

        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(f"http://127.0.0.1:{webhook_port}/webhooks/stripe", data=b"{}", timeout=10)
        assert answered.value.code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_simulate_runs_every_day_through_the_real_workflow(tmp_path):
    out = tmp_path / "sim"
    result = subprocess.run(
        [
            str(BIN / "arrears"),
            "simulate",
            "--accounts",
            "150",
            "--days",
            "45",
            "--seed",
            "11",
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # --json: nothing but JSON on stdout
    assert summary["executions"] == {"SUCCEEDED": 45}
    assert summary["ledger_invariant_ok"] is True
    moves = summary["transitions"]
    assert any(k.startswith("current->") for k in moves) and any(k.endswith("->current") for k in moves)
    assert len(summary["per_day"]) == 45 and summary["payments"]["count"] > 0
    assert sum(summary["per_day"][-1]["accounts_by_bucket"].values()) == 150
    assert (out / "summary.json").exists() and "<svg" in (out / "report.html").read_text()
