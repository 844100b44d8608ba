"""Operators are who their verified token says: the operator API through the local HTTP API (JWT
authorizer, then the function), with tokens from the stack's own Cognito pool in moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import jwt
import pytest
from arrears.domain.account import Account, ProductType, shard_of
from arrears.domain.ledger import Due
from arrears.store import accounts_repo, operators_repo
from arrears.store.models import ActivityModel
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.operators import act, post, sign_up, stack_of

TODAY = date(2026, 3, 2)
ACCOUNT = "ID-1"


@pytest.fixture
def team(cloud):
    shard = shard_of(ACCOUNT, "main", stack_of(cloud).shard_count)
    accounts_repo.create_account(
        Account(
            ACCOUNT, "main", ProductType.OPEN_END, "USD", 100_000, 100_000, (Due(date(2026, 2, 1), 8000),),
            "en-US", "America/New_York", "US", home_shard=shard, next_action_on=TODAY,
        )
    )  # fmt: skip
    return {
        name: sign_up(cloud, name, level)
        for name, level in (("ana", "specialist_3"), ("bo", "specialist_5"), ("sam", "supervisor"))
    }


def _hold(request_id: str | None = None) -> dict:
    return {
        "request_id": request_id or uuid.uuid4().hex,
        "action": "place_hold",
        "account_id": ACCOUNT,
        "on": TODAY.isoformat(),
        "params": {"hold": "dispute", "reason": "customer disputes"},
    }


def _holds() -> tuple:
    return accounts_repo.get_account(ACCOUNT).holds


def _forged(claims: dict, key=None) -> str:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def _claims(cloud, **changes) -> dict:
    outputs = cloud.stack.outputs
    issuer = f"https://cognito-idp.{cloud.region}.amazonaws.com/{outputs['OperatorsUserPoolId']}"
    now = int(time.time())
    return {
        "sub": "forged-sub", "iss": issuer, "client_id": outputs["OperatorsCliClientId"],
        "token_use": "access", "username": "sam", "exp": now + 600, "iat": now, **changes,
    }  # fmt: skip


def test_a_signed_in_operator_acts_and_the_audit_names_the_verified_identity(cloud, team):
    answer = act(cloud, team["ana"], "place_hold", ACCOUNT, TODAY, hold="dispute", reason="x")

    assert answer["status"] == "done" and _holds() == ("dispute",)
    [audit] = accounts_repo.timeline(ACCOUNT, kind="operator_action")
    assert (audit.actor, audit.detail["username"]) == ("ana", "ana")
    assert audit.detail["subject"] == operators_repo._entry("ana").detail["subject"]


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-jwt",
        "forged-with-another-key",
        "expired",
        "another-pool",
        "another-client",
    ],
)
def test_no_token_or_a_bad_one_is_401_and_changes_nothing(cloud, team, token):
    bad = {
        None: None,
        "not-a-jwt": "not-a-jwt",
        "forged-with-another-key": _forged(_claims(cloud)),
        "expired": None,
        "another-pool": None,
        "another-client": None,
    }[token]
    if token == "expired":
        bad = _forged(_claims(cloud, exp=int(time.time()) - 3600))
    if token == "another-pool":  # moto signs every pool with one key: only the issuer differs
        bad = _forged(_claims(cloud, iss=f"https://cognito-idp.{cloud.region}.amazonaws.com/us-east-1_other"))
    if token == "another-client":
        bad = _forged(_claims(cloud, client_id="another-app"))

    status, answer = post(cloud, bad, _hold())

    assert status == 401
    assert _holds() == ()
    assert "Traceback" not in json.dumps(answer)


def test_a_direct_invocation_with_forged_authorizer_claims_changes_nothing(cloud, team):
    event = {
        "version": "2.0", "routeKey": "POST /operator", "rawPath": "/operator", "headers": {},
        "requestContext": {
            "http": {"method": "POST", "path": "/operator"}, "routeKey": "POST /operator",
            "stage": "$default",
            "authorizer": {"jwt": {"claims": {"sub": "x", "username": "sam", "cognito:groups": "[admin]"}}},
        },
        "body": json.dumps(_hold()), "isBase64Encoded": False,
    }  # fmt: skip
    answer = cloud.client("lambda").invoke(
        FunctionName=cloud.stack.functions["OperatorApiFunction"].name, Payload=json.dumps(event)
    )
    assert json.loads(answer["Payload"].read())["statusCode"] == 401
    assert _holds() == ()


def test_an_identity_named_in_the_body_is_refused(cloud, team):
    status, answer = post(cloud, team["ana"].access_token, {**_hold(), "operator_id": "sam"})
    assert status == 400 and "operator_id" in answer["message"], answer
    assert _holds() == ()


def test_a_specialist_cannot_approve_and_nobody_approves_their_own_request(cloud, team):
    pending = act(cloud, team["ana"], "settlement", ACCOUNT, TODAY, discount_pct="40", pay_by="2026-03-20")
    assert pending["status"] == "pending_approval"
    approval = pending["request_id"]

    by_higher_specialist = act(cloud, team["bo"], "approve", None, TODAY, approval_id=approval)
    by_themselves = act(cloud, team["ana"], "approve", None, TODAY, approval_id=approval)

    assert (by_higher_specialist["status_code"], by_themselves["status_code"]) == (403, 403)
    assert accounts_repo.get_account(ACCOUNT).arrangement is None
    approved = act(cloud, team["sam"], "approve", None, TODAY, approval_id=approval)
    assert approved["status"] == "done" and approved["result"]["to_pay"] == 60_000
    assert accounts_repo.get_account(ACCOUNT).arrangement.settlement.discount == 40_000


def test_a_supervisor_cannot_approve_their_own_request(cloud, team):
    pending = act(cloud, team["sam"], "settlement", ACCOUNT, TODAY, discount_pct="70", pay_by="2026-03-20")
    assert pending["status"] == "pending_approval"

    own = act(cloud, team["sam"], "approve", None, TODAY, approval_id=pending["request_id"])

    assert own["status_code"] == 403 and accounts_repo.get_account(ACCOUNT).balance == 100_000


def test_a_disabled_operator_loses_authority_at_once_with_a_valid_token(cloud, team):
    operators_repo.disable_operator("ana", TODAY, "admin")

    answer = act(cloud, team["ana"], "place_hold", ACCOUNT, TODAY, hold="dispute", reason="x")

    assert answer["status_code"] == 403 and _holds() == ()


def test_a_demoted_operator_acts_at_the_new_level_at_once(cloud, team):
    operators_repo.put_operator(
        "sam", "specialist_3", "Sam", TODAY, "admin", operators_repo._entry("sam").detail["subject"]
    )
    answer = act(cloud, team["sam"], "settlement", ACCOUNT, TODAY, discount_pct="40", pay_by="2026-03-20")
    assert answer["status"] == "pending_approval"


def test_a_new_user_given_an_old_name_inherits_nothing(cloud, team):
    entry = operators_repo._entry("bo")
    ActivityModel(operators_repo.ROSTER, "bo").update(
        actions=[ActivityModel.detail.set({**entry.detail, "subject": "someone-else"})]
    )
    answer = act(cloud, team["bo"], "place_hold", ACCOUNT, TODAY, hold="dispute", reason="x")
    assert answer["status_code"] == 403 and _holds() == ()


def test_the_cli_session_is_owner_only_and_an_expired_access_token_is_refreshed(
    cloud, team, tmp_path, monkeypatch
):
    from dataclasses import replace

    from arrears_cli import sessions

    monkeypatch.setenv("ARREARS_CONFIG_DIR", str(tmp_path / "config"))
    stack = stack_of(cloud)
    sessions.save(stack, replace(team["ana"], expires_at=time.time() - 10))

    fresh = sessions.current(stack)

    assert fresh.access_token != team["ana"].access_token and fresh.expires_at > time.time()
    stored = next((tmp_path / "config").glob("session-*.json"))
    assert stored.stat().st_mode & 0o777 == 0o600
    assert act(cloud, fresh, "place_hold", ACCOUNT, TODAY, hold="dispute", reason="x")["status"] == "done"
    assert sessions.logout(stack) and not stored.exists()


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"[" * 5000, 400),
        (b"\xff\xfe{}", 400),
        (b"[1, 2]", 400),
        (b'{"a": ' + b"1" * 5000 + b"}", 400),
        (b"x" * 70_000, 413),
    ],
    ids=["deep", "not-utf8", "not-an-object", "huge-int", "too-large"],
)
def test_hostile_bodies_from_a_signed_in_operator_get_a_4xx_and_change_nothing(cloud, team, raw, status):
    answered, answer = post(cloud, team["sam"].access_token, raw)
    assert answered == status and "Traceback" not in json.dumps(answer)
    assert _holds() == () and accounts_repo.get_account(ACCOUNT).balance == 100_000
