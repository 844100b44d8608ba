"""`arrears local up --state DIR`: the data outlives a restart of the local cloud; moto itself keeps
nothing. Two clouds started one after the other on the same state folder."""

from __future__ import annotations

import json
import pickle  # nosec B403 # the test's own file
from datetime import date, timedelta

import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.store import accounts_repo
from typer.testing import CliRunner

from arrears_cli.executions import list_executions, run_cycle
from arrears_cli.main import app
from arrears_cli.sessions import sign_in
from tests.conftest import TEST_PARAMETERS
from tests.operators import PASSWORD, act, sign_up, stack_of

AS_OF = date(2026, 3, 1)
STACK = "arrears-state"


def _cloud(state_dir):
    from localcloud import LocalCloud

    return LocalCloud(stack_name=STACK, parameters=TEST_PARAMETERS, state_dir=state_dir)


def _account(stack, account_id: str) -> None:
    accounts_repo.create_account(
        Account(
            account_id, "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard_of(account_id, "main", stack.shard_count),
            next_action_on=AS_OF,
        )
    )  # fmt: skip


def test_tables_objects_executions_secrets_keys_and_users_outlive_a_restart(tmp_path, monkeypatch):
    from localcloud import state

    state_dir = tmp_path / "state"
    first = _cloud(state_dir).start()
    try:
        assert first.restored_executions is None  # nothing saved yet
        stack = stack_of(first)
        _account(stack, "KEEP-1")
        stack.client("s3").put_object(Bucket=stack.reports_bucket, Key="kept/report.csv", Body=b"a,b\n1,2\n")
        kms = stack.client("kms")
        sealed = kms.encrypt(KeyId=first.stack.keys["DataKey"], Plaintext=b"kept")["CiphertextBlob"]
        sign_up(first, "ana", "specialist_3")
        assert run_cycle(stack, "main", AS_OF)["status"] == "SUCCEEDED"
        secrets, outputs = dict(first.webhook_secrets), dict(first.stack.outputs)
    finally:
        first.stop()
    assert first.save_error is None and first.saved is not None
    assert "Saved the local state" in str(first.saved)

    second = _cloud(state_dir).start()
    try:
        stack = stack_of(second)
        assert second.restored_executions == 1
        assert accounts_repo.get_account("KEEP-1").balance == 100_000
        body = stack.client("s3").get_object(Bucket=stack.reports_bucket, Key="kept/report.csv")["Body"]
        assert body.read() == b"a,b\n1,2\n"
        assert stack.client("kms").decrypt(CiphertextBlob=sealed)["Plaintext"] == b"kept"
        # the processors were configured with these: they are the saved ones, not new ones
        assert second.webhook_secrets == secrets
        assert second.describe()["webhooks"]["stripe"]["secret"] == secrets["stripe"]
        arn = second.stack.webhook_secrets["stripe"]
        stored = json.loads(stack.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
        assert stored == {"secrets": [secrets["stripe"]]}
        # the saved pool, client and keys, not this deploy's twins: old tokens and data still match
        for name in ("OperatorsUserPoolId", "OperatorsCliClientId"):
            assert second.stack.outputs[name] == outputs[name]
        [kept] = list_executions(stack)
        assert (kept["status"], kept["as_of"]) == ("SUCCEEDED", AS_OF.isoformat())
        history = stack.client("stepfunctions").get_execution_history(executionArn=kept["execution_arn"])
        assert history["events"][-1]["type"] == "ExecutionSucceeded"
        assert stack.client("stepfunctions").list_map_runs(executionArn=kept["execution_arn"])["mapRuns"]
        # an operator signs in again, and the API (JWT authorizer, roster) knows them
        session = sign_in(stack, "ana", PASSWORD)
        pay_by = (AS_OF + timedelta(days=7)).isoformat()
        answer = act(second, session, "promise", "KEEP-1", AS_OF, amount="80.00", pay_by=pay_by)
        assert answer["status"] == "done", answer
        # the restored stack runs: a new cycle, on this start's state machines and functions
        assert run_cycle(stack, "main", AS_OF + timedelta(days=1))["status"] == "SUCCEEDED"

        saved = second.save_state()  # saved again: the restored executions included
        before = saved.path.read_bytes()

        def broken(self, obj):
            self.write(b"half a state")
            raise RuntimeError("cannot pickle this")

        monkeypatch.setattr(state._Pickler, "dump", broken)
    finally:
        second.stop()
    # a save that fails is one line, and the previous state is left as it was
    assert second.saved is None and second.save_error is not None
    assert "\n" not in second.save_error and "previous saved state is unchanged" in second.save_error
    assert saved.path.read_bytes() == before
    assert [p.name for p in state_dir.iterdir()] == [state.STATE_FILE]


def test_a_state_saved_by_another_moto_version_is_refused_in_one_line(tmp_path):
    from localcloud.state import STATE_FILE, StateRefused

    state_dir = tmp_path / "state"
    state_dir.mkdir()
    with (state_dir / STATE_FILE).open("wb") as out:
        header = {"format": 1, "moto": "5.0.0", "stack_name": STACK, "region": "us-east-1"}
        pickle.dump(header, out)
        pickle.dump({"ids": {}, "backends": {}}, out)

    with pytest.raises(StateRefused, match=r"saved with moto 5\.0\.0 and this is moto \d"):
        _cloud(state_dir).start()

    refused = CliRunner().invoke(
        app, ["local", "up", "--stack-name", STACK, "--state", str(state_dir), "--port", "0"]
    )
    assert refused.exit_code == 2
    assert "--state" in refused.output and "saved with moto 5.0.0" in refused.output
